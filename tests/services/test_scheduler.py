"""The daily jobs of ``reskontro serve``: the automatic reminder routines run once a day after the set hour."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from reskontro.domain.reminders import Routine
from reskontro.services import reminders as rem
from reskontro.services.scheduler import Scheduler
from tests.builders import customer, post
from tests.conftest import Ctx

OSLO = ZoneInfo("Europe/Oslo")


def test_the_job_runs_once_a_day_after_its_hour_and_retries_a_failure(ctx: Ctx) -> None:
    view = rem.get_routine(uow=ctx.uow(), company_id=ctx.company_id, code="STANDARD")
    r = view.routine
    rem.save_routine(uow=ctx.uow(), company_id=ctx.company_id, version=view.version,
                     routine=Routine(r.routine_id, r.code, r.name, r.levels, automatic=True))
    customer(ctx, "1")
    post(ctx, "invoice", "1", "1000.00", date(2026, 3, 1))
    clock = [datetime(2026, 3, 29, 5, 59, tzinfo=OSLO)]
    broken = [True]

    def companies() -> list[int]:
        if broken[0]:
            broken[0] = False
            raise OSError("database restarting")
        return [ctx.company_id]

    scheduler = Scheduler(ctx.uow, companies, lambda: None, at=time(6, 0), now=lambda: clock[0])
    scheduler.tick()
    assert scheduler.runs == 0  # before six
    clock[0] = datetime(2026, 3, 29, 6, 5, tzinfo=OSLO)
    scheduler.tick()  # the database is away: nothing, and no harm
    assert scheduler.runs == 0
    scheduler.tick()
    assert scheduler.runs == 1
    scheduler.tick()
    assert scheduler.runs == 1  # once a day
    (run,) = rem.list_runs(uow=ctx.uow(), company_id=ctx.company_id)
    assert (run["run_date"], run["status"], run["letters"], run["automatic"]) == (date(2026, 3, 29), "posted", 1,
                                                                                  True)


def test_the_thread_starts_and_stops(ctx: Ctx) -> None:
    scheduler = Scheduler(ctx.uow, lambda: [], lambda: None, interval=0.01)
    scheduler.start()
    scheduler.stop()
    assert scheduler._thread is not None
    assert not scheduler._thread.is_alive()
