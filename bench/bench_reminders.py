"""Benchmark the reminder proposal: 100 000 customers with 300 000 overdue invoices (target ≤ 10 s).

Set-up (not timed): a fresh database with the customers and open invoices written in bulk (``bench_bank.populate``:
invoice dates over 120 days, 14 days' terms). Timed:

* ``reminder_propose``: ``services.reminders.propose_run`` on a day when every invoice is overdue — the set-based
  read of the claims, the plan of every customer's letters (fees, reasons), and the proposal written;
* ``reminder_propose_again``: the same day again after cancelling, with the store warm.

One JSON line per figure on stdout; progress on stderr. Usage::

    .venv/bin/python bench/bench_reminders.py --backend sqlite
    .venv/bin/python bench/bench_reminders.py --backend postgres
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_bank import DAY, figure, fresh_url, log, populate  # noqa: E402
from reskontro.bootstrap import build  # noqa: E402
from reskontro.services import reminders as rem  # noqa: E402
from reskontro.services.companies import init_company  # noqa: E402
from reskontro.settings import Settings  # noqa: E402


def run(backend: str, customers: int, invoices: int, seed: int) -> None:
    app = build(Settings(database_url=fresh_url(backend)))
    app.migrate()
    cid = init_company(uow=app.uow(), name="Bench Reminders AS")
    log(f"{backend}: populating {customers:,} customers, {invoices:,} open invoices")
    t0 = time.perf_counter()
    populate(app, cid, customers, invoices, seed)
    figure("setup", backend, seconds=round(time.perf_counter() - t0, 1), customers=customers, invoices=invoices)
    on = DAY + timedelta(days=30)
    for name in ("reminder_propose", "reminder_propose_again"):
        t0 = time.perf_counter()
        s = rem.propose_run(uow=app.uow(), company_id=cid, on=on)
        seconds = time.perf_counter() - t0
        figure(name, backend, seconds=round(seconds, 2), letters=s.letters, claims=s.claims, fees=str(s.fees),
               claims_per_s=round(s.claims / seconds))
        rem.cancel_run(uow=app.uow(), company_id=cid, run_id=s.run_id or 0)
    app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--invoices", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    run(args.backend, args.customers, args.invoices, args.seed)


if __name__ == "__main__":
    main()
