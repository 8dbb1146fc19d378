"""Background jobs of ``reskontro serve``: each day, after the set hour, every company's automatic reminder
routines run (propose + approve + e-mail) and interest notes are posted — :func:`reminders.run_automatic`, the
same call as ``reskontro reminders run --auto`` for cron.

The job is safe to repeat (a second run on a day posts and sends nothing), so the scheduler only needs to be
sure it runs at least once a day: it wakes every ``interval`` seconds, and runs a company's job when the day has
come and the job has not yet succeeded that day. A failure is logged and retried at the next wake-up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date, datetime, time

from reskontro.integrations.mail import Mailer
from reskontro.services import reminders
from reskontro.services.unit_of_work import UnitOfWork

log = logging.getLogger("reskontro.scheduler")


class Scheduler:
    """Runs the daily reminder job in a daemon thread until :meth:`stop`."""

    def __init__(self, uow: Callable[[], UnitOfWork], companies: Callable[[], list[int]],
                 mailer: Callable[[], Mailer | None], *, at: time = time(6, 0), interval: float = 300.0,
                 now: Callable[[], datetime] | None = None) -> None:
        self._uow, self._companies, self._mailer = uow, companies, mailer
        self.at, self.interval = at, interval
        self._now = now or datetime.now
        self._done: dict[int, date] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.runs = 0  # jobs that finished (for tests and the log)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="reskontro-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self.interval)

    def tick(self) -> None:
        """Run every company's job that is due now."""
        now = self._now()
        if now.time() < self.at:
            return
        try:
            company_ids = self._companies()
        except Exception:  # the database may be away for a moment; next time
            log.exception("scheduler: cannot list the companies")
            return
        for company_id in company_ids:
            if self._done.get(company_id) == now.date():
                continue
            try:
                result = reminders.run_automatic(uow=self._uow(), company_id=company_id, mailer=self._mailer(),
                                                 on=now.date())
            except Exception:
                log.exception("scheduler: the reminder run of company %s failed; retrying later", company_id)
                continue
            self._done[company_id] = now.date()
            self.runs += 1
            run = result.run
            log.info("scheduler: company %s reminders %s, e-mailed %s, to print %s", company_id,
                     "none" if run is None or run.run_id is None else f"run {run.run_id} ({run.letters} letters)",
                     result.delivery.sent, result.delivery.to_print)
