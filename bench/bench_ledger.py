"""Benchmark the sub-ledger on one backend: bulk import, auto-match, open items and aging.

Creates a fresh database, migrates it, imports the generated parties and transactions (timed
separately), then times the reports at 2026-11-28 ("today") and at a past date, 2025-12-31:

* the aged report (customer side), through the service and at the SQL layer (``queries.aged``);
* the open items of all customers, through the service and at the SQL layer (``queries.open_items``);
* one party's open items, for 200 random customers (service and SQL), in milliseconds.

Every report is run once to warm up and then ``--repeat`` times (default 5); min and median are
reported. One JSON line per figure goes to stdout; progress goes to stderr.

Usage::

    .venv/bin/python bench/bench_ledger.py --backend sqlite --scale small
    .venv/bin/python bench/bench_ledger.py --backend postgres --scale full
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.exc import DBAPIError

from reskontro.bootstrap import App, build
from reskontro.services.companies import init_company
from reskontro.services.imports import import_parties, import_transactions
from reskontro.services.reports import aged_report, iter_open_items, open_items_report
from reskontro.settings import Settings
from reskontro.store import queries
from reskontro.store import tables as t

HERE = Path(__file__).resolve().parent
TODAY = date(2026, 11, 28)
PAST = date(2025, 12, 31)
LIMITS = (30, 60, 90)
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_DB = "reskontro_bench"


@dataclass(frozen=True, slots=True)
class Scale:
    customers: int
    invoices: int
    out: Path
    sqlite_path: Path


SCALES = {
    "full": Scale(100_000, 1_000_000, HERE / "out", Path("/tmp/bench.sqlite3")),
    "medium": Scale(10_000, 100_000, HERE / "out" / "medium", Path("/tmp/bench-medium.sqlite3")),
    "small": Scale(1_000, 10_000, HERE / "out" / "small", Path("/tmp/bench-small.sqlite3")),
}


# -- output --------------------------------------------------------------------------------------------


class Reporter:
    def __init__(self, backend: str, scale: str) -> None:
        self.backend = backend
        self.scale = scale

    def figure(self, bench: str, **values: Any) -> None:
        """One JSON line on stdout."""
        line = {"bench": bench, "backend": self.backend, "scale": self.scale, **values}
        print(json.dumps(line, default=str), flush=True)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def current_rss_mb() -> float:
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[1])
        return round(pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024, 1)
    except (OSError, ValueError):  # pragma: no cover - not Linux
        return float("nan")


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """``with stopwatch() as sw: ...`` then ``sw[0]`` is the elapsed seconds."""
    box: list[float] = []
    t0 = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - t0)


# -- setup ---------------------------------------------------------------------------------------------


def source_state() -> dict[str, Any]:
    """The commit and a fingerprint of uncommitted changes under src/ (the library may change between runs)."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=HERE.parent, capture_output=True, text=True,
                                  check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            return ""

    diff = git("diff", "HEAD", "--", "src")
    changed = [line[3:] for line in git("status", "--porcelain", "--", "src").splitlines()]
    return {"commit": git("rev-parse", "--short", "HEAD").strip(), "src_changed_files": len(changed),
            "src_diff_sha256": hashlib.sha256(diff.encode()).hexdigest()[:12] if diff else None}


def ensure_data(scale: Scale, seed: int) -> dict[str, Any]:
    """Generate the CSV files (in a subprocess, so this process's peak memory is only the benchmark's)."""
    meta_path = scale.out / "meta.json"
    if meta_path.exists():
        meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
        if (meta.get("customers"), meta.get("invoices"), meta.get("seed")) == (scale.customers, scale.invoices, seed) \
                and (scale.out / "transactions.csv").exists() and (scale.out / "parties.csv").exists():
            log(f"reusing data in {scale.out}")
            return meta
    log(f"generating {scale.customers} customers and {scale.invoices} invoices into {scale.out}")
    subprocess.run([sys.executable, str(HERE / "generate.py"), "--customers", str(scale.customers),
                    "--invoices", str(scale.invoices), "--seed", str(seed), "--out", str(scale.out)], check=True)
    result: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
    return result


def database_url(backend: str, scale: Scale, name: str = PG_DB) -> str:
    """The benchmark database; ``name`` other than the default gives another one (a sibling SQLite file)."""
    if backend == "sqlite":
        path = scale.sqlite_path if name == PG_DB else scale.sqlite_path.with_name(f"{name}.sqlite3")
        return f"sqlite:///{path}"
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def fresh_database(backend: str, scale: Scale, name: str = PG_DB) -> str:
    """Drop and create the benchmark database; return its URL."""
    url = database_url(backend, scale, name)
    if backend == "sqlite":
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return url
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {name}"))
    finally:
        admin.dispose()
    return url


def database_size_mb(app: App, backend: str, scale: Scale) -> float:
    if backend == "sqlite":
        total = sum(Path(f"{scale.sqlite_path}{s}").stat().st_size for s in ("", "-wal")
                    if Path(f"{scale.sqlite_path}{s}").exists())
        return round(total / 1024 / 1024, 1)
    with app.engine.connect() as conn:
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    return round(int(size) / 1024 / 1024, 1)


def read_conn(app: App) -> Any:
    """A connection for reports (on SQLite a deferred BEGIN, as the app's read-only units of work use)."""
    return app.engine.connect().execution_options(reskontro_readonly=True)


# -- timing helpers ------------------------------------------------------------------------------------


class Watchdog:
    """Cancels the statements of every connection checked out of the engine once a deadline passes.

    A pathological query plan can take hours at full scale; the benchmark then records the time-out
    as the figure instead of hanging. SQLite connections are interrupted, PostgreSQL queries cancelled.
    """

    def __init__(self, app: App) -> None:
        self.active: set[Any] = set()
        self.fired = False
        self._timer: threading.Timer | None = None
        event.listen(app.engine, "checkout", self._checkout)
        event.listen(app.engine, "checkin", self._checkin)

    def _checkout(self, dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        self.active.add(dbapi_conn)

    def _checkin(self, dbapi_conn: Any, _record: Any) -> None:
        self.active.discard(dbapi_conn)

    def _fire(self) -> None:
        self.fired = True
        for conn in list(self.active):
            try:
                if isinstance(conn, sqlite3.Connection):
                    conn.interrupt()
                else:
                    conn.cancel()
            except Exception as exc:  # best effort; the run is being abandoned anyway
                log(f"could not cancel a statement: {exc}")

    @contextmanager
    def deadline(self, seconds: float) -> Iterator[None]:
        self.fired = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()
        try:
            yield
        finally:
            self._timer.cancel()


class TimedOut(Exception):
    pass


def repeat(fn: Callable[[], Any], times: int, dog: Watchdog, timeout: float,
           describe: Callable[[Any], dict[str, Any]]) -> tuple[list[float], dict[str, Any]]:
    """Warm up once, then time ``times`` runs; return the timings and ``describe`` of the first result.

    Only one result is alive at a time (each is dropped before the next run starts), so the peak RSS
    is that of one report. Raises :class:`TimedOut` when a run passes ``timeout`` seconds (its
    statement is cancelled). When the warm-up alone takes more than a fifth of the time-out, fewer
    runs are made.
    """
    timings: list[float] = []
    description: dict[str, Any] = {}
    runs = times + 1
    k = 0
    while k < runs:
        t0 = time.perf_counter()
        try:
            with dog.deadline(timeout):
                result = fn()
        except DBAPIError:
            if dog.fired:
                raise TimedOut() from None
            raise
        elapsed = time.perf_counter() - t0
        if k == 0:
            description = describe(result)
            if elapsed > timeout / 5:
                runs = min(runs, 3)
                log(f"  warm-up took {elapsed:.1f} s: timing {runs - 1} runs only")
        else:
            timings.append(elapsed)
        del result
        k += 1
    return timings, description


def summary(timings: list[float]) -> dict[str, float]:
    return {"runs": len(timings), "min_s": round(min(timings), 4), "median_s": round(statistics.median(timings), 4),
            "max_s": round(max(timings), 4)}


def ms_summary(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"runs": len(timings), "median_ms": round(statistics.median(timings) * 1000, 3),
            "p95_ms": round(p95 * 1000, 3), "max_ms": round(max(timings) * 1000, 3),
            "min_ms": round(min(timings) * 1000, 3)}


# -- the benchmark -------------------------------------------------------------------------------------


def run(backend: str, scale_name: str, *, repeat_n: int, parties_n: int, seed: int, maintenance: str,
        timeout: float, import_timeout: float, analyze_parties: bool, reuse: bool, parties_process: str) -> None:
    scale = SCALES[scale_name]
    out = Reporter(backend, scale_name)
    meta = ensure_data(scale, seed)
    out.figure("source", **source_state(), python=sys.version.split()[0])
    out.figure("dataset", customers=meta["customers"], invoices=meta["invoices"], credit_notes=meta["credit_notes"],
               payments=meta["payments"], payments_partial=meta["payments_partial"],
               payments_over=meta["payments_over"], rows=meta["rows"], first_date=meta["first_date"],
               last_date=meta["last_date"])

    if reuse:
        url = database_url(backend, scale)
        app = build(Settings(database_url=url, actor="bench"))
        company_id = app.company_id()
        log(f"{backend}: reusing {url} (company {company_id}); nothing is imported")
        out.figure("reuse", note="reports on the database of an earlier run; no import in this run")
        dog = Watchdog(app)
    else:
        app, loaded, dog = load(out, backend, scale, meta, import_timeout=import_timeout,
                                analyze_parties=analyze_parties, parties_process=parties_process)
        if loaded is None:
            out.figure("peak_rss", mb=peak_rss_mb(), note="ru_maxrss of the whole benchmark process")
            app.close()
            return
        company_id = loaded
    if maintenance != "none":
        statement = "VACUUM (ANALYZE)" if maintenance == "vacuum-analyze" and backend == "postgres" else "ANALYZE"
        log(statement)
        with stopwatch() as sw, app.engine.connect() as conn:
            if backend == "postgres":  # VACUUM cannot run inside a transaction
                conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(text(statement))
            if backend == "sqlite":
                conn.commit()
        note = ("what autovacuum would do after a bulk load; it is off on this server" if backend == "postgres"
                else "the library never runs ANALYZE on SQLite; this measures the reports with statistics")
        out.figure("maintenance", statement=statement, seconds=round(sw[0], 2), note=note)
    reports(out, app, backend, scale, company_id, dog, repeat_n=repeat_n, parties_n=parties_n, seed=seed,
            timeout=timeout)
    out.figure("peak_rss", mb=peak_rss_mb(), note="ru_maxrss of the whole benchmark process")
    app.close()


def import_parties_figure(out: Reporter, app: App, scale: Scale, company_id: int, *, process: str) -> None:
    log("importing parties")
    with stopwatch() as sw, (scale.out / "parties.csv").open("rb") as fh:
        ps = import_parties(uow=app.uow(), company_id=company_id, data=fh, filename="parties.csv")
    out.figure("import_parties", rows=ps.rows, created=ps.created, seconds=round(sw[0], 3),
               rows_per_s=round(ps.rows / sw[0]), process=process, peak_rss_mb=peak_rss_mb())


def parties_only(backend: str, scale_name: str, company_id: int) -> None:
    """The child process of ``--parties-process separate``."""
    scale = SCALES[scale_name]
    app = build(Settings(database_url=database_url(backend, scale), actor="bench"))
    import_parties_figure(Reporter(backend, scale_name), app, scale, company_id, process="separate")
    app.close()


def load(out: Reporter, backend: str, scale: Scale, meta: dict[str, Any], *, import_timeout: float,
         analyze_parties: bool, parties_process: str) -> tuple[App, int | None, Watchdog]:
    """Fresh database, migrations, parties and transactions; the company id, or None when the import
    passed its time budget."""
    url = fresh_database(backend, scale)
    app = build(Settings(database_url=url, actor="bench"))
    log(f"{backend}: migrating {url}")
    with stopwatch() as sw:
        app.migrate()
        company_id = init_company(uow=app.uow(), name="Bench AS")
    out.figure("migrate_and_init", seconds=round(sw[0], 3))

    # Parties: by default in a process of their own, as `reskontro import parties` would run, so that
    # this process's peak RSS is the transactions import's and not what the parties import left behind.
    if parties_process == "separate":
        cmd = [sys.executable, __file__, "--backend", backend, "--scale", out.scale, "--parties-only",
               str(company_id)]
        child = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True)
        sys.stdout.write(child.stdout)
        sys.stdout.flush()
    else:
        import_parties_figure(out, app, scale, company_id, process="same")

    if analyze_parties:
        # A workaround, not what the library does: give the planner statistics on the new parties
        # (what autovacuum would do a minute after the parties import, when it is on).
        with stopwatch() as sw, app.engine.connect() as conn:
            conn.execute(text("ANALYZE parties"))
            conn.commit()
        out.figure("analyze_parties", seconds=round(sw[0], 3), note="benchmark workaround (--analyze-parties)")

    # Transactions (with auto-matching).
    dog = Watchdog(app)
    done = {"rows": 0, "next": 0}
    t_start = time.perf_counter()

    def progress(n: int) -> None:
        done["rows"] += n
        elapsed = time.perf_counter() - t_start
        if done["rows"] >= done["next"]:
            log(f"  {done['rows']:>9} rows  {elapsed:7.1f} s  {done['rows'] / elapsed:8.0f} rows/s  "
                f"rss {current_rss_mb():.0f} MB")
            done["next"] = done["rows"] + max(meta["rows"] // 20, 1)
        if elapsed > import_timeout:
            raise TimedOut()

    log(f"importing {meta['rows']} transactions")
    try:
        with stopwatch() as sw, dog.deadline(import_timeout), (scale.out / "transactions.csv").open("rb") as fh:
            ts = import_transactions(uow=app.uow(), company_id=company_id, data=fh, filename="transactions.csv",
                                     progress=progress)
    except (TimedOut, DBAPIError) as exc:
        if isinstance(exc, DBAPIError) and not dog.fired:
            raise
        elapsed = time.perf_counter() - t_start
        log(f"import passed its {import_timeout:.0f} s budget after {done['rows']} rows; it was rolled back")
        out.figure("import_transactions", timed_out=True, timeout_s=import_timeout, rows_done=done["rows"],
                   rows=meta["rows"], invoices=meta["invoices"], seconds=round(elapsed, 2),
                   rows_per_s=round(done["rows"] / elapsed), peak_rss_mb=peak_rss_mb(),
                   note="rows_done counts whole chunks posted before the budget ran out (nothing is committed)")
        return app, None, dog
    seconds = sw[0]
    log(f"imported {ts.rows} rows in {seconds:.1f} s, {ts.matches} matches")
    out.figure("import_transactions", rows=ts.rows, created=ts.created, skipped=ts.skipped,
               invoices=meta["invoices"], seconds=round(seconds, 2), rows_per_s=round(ts.rows / seconds),
               invoices_per_s=round(meta["invoices"] / seconds), peak_rss_mb=peak_rss_mb())
    out.figure("auto_match", matches=ts.matches, settling_rows=meta["payments"] + meta["credit_notes"],
               seconds=round(seconds, 2), matches_per_s=round(ts.matches / seconds),
               note="matches over the whole import's time (matching runs inside the import)")

    return app, company_id, dog


def reports(out: Reporter, app: App, backend: str, scale: Scale, company_id: int, dog: Watchdog, *, repeat_n: int,
            parties_n: int, seed: int, timeout: float) -> None:
    """Sizes, then the reports over all customers and for single customers."""
    out.figure("database_size", mb=database_size_mb(app, backend, scale))

    with read_conn(app) as conn:
        counts = dict(conn.execute(select(t.items.c.item_type, func.count()).where(t.items.c.company_id == company_id)
                                   .group_by(t.items.c.item_type)).all())
        open_now = conn.execute(select(func.count()).select_from(t.items)
                                .where(t.items.c.company_id == company_id, t.items.c.open_minor != 0)).scalar_one()
        allocs = conn.execute(select(func.count()).select_from(t.allocations)
                              .where(t.allocations.c.company_id == company_id)).scalar_one()
        conn.rollback()
    out.figure("ledger_size", items=sum(counts.values()), by_type=counts, open_items_now=open_now,
               allocations=allocs)

    def timed(bench: str, layer: str, as_of: date, fn: Callable[[], Any],
              describe: Callable[[Any], dict[str, Any]]) -> dict[str, Any] | None:
        """Time a report, emit its figure (or its time-out) and return the description of its result."""
        try:
            timings, description = repeat(fn, repeat_n, dog, timeout, describe)
        except TimedOut:
            log(f"  {bench} ({layer}) at {as_of} passed the {timeout:.0f} s time-out and was cancelled")
            out.figure(bench, layer=layer, as_of=as_of.isoformat(), timed_out=True, timeout_s=timeout,
                       peak_rss_mb=peak_rss_mb())
            return None
        out.figure(bench, layer=layer, as_of=as_of.isoformat(), **description, **summary(timings),
                   peak_rss_mb=peak_rss_mb())
        return description

    # Reports over all customers.
    for as_of in (TODAY, PAST):
        log(f"aged report at {as_of}")

        def sql_aged(as_of: date = as_of) -> list[queries.AgedRow]:
            with read_conn(app) as conn:
                return queries.aged(conn, company_id, as_of, LIMITS, kind="customer")

        aged = timed("aged_report", "sql", as_of, sql_aged,
                     lambda r: {"parties": len(r), "total_minor": sum(x.total for x in r)})
        aged_total: int | None = None if aged is None else aged["total_minor"]

        def service_aged(as_of: date = as_of) -> Any:
            return aged_report(uow=app.uow(readonly=True), company_id=company_id, as_of=as_of, kind="customer")

        timed("aged_report", "service", as_of, service_aged,
              lambda r: {"parties": len(r.rows), "total": str(r.totals["total"])})

        log(f"open items at {as_of}")

        def sql_open(as_of: date = as_of) -> tuple[int, int]:
            # Streamed, as a listing or an export reads it: (rows, Σ open) without holding the rows.
            n = total = 0
            with read_conn(app) as conn:
                for x in queries.iter_open_items(conn, company_id, as_of, kind="customer"):
                    n += 1
                    total += x.open_company_minor
            return n, total

        def describe_open(r: tuple[int, int], aged_total: int | None = aged_total) -> dict[str, Any]:
            return {"items": r[0], "total_minor": r[1],
                    "matches_aged_total": None if aged_total is None else r[1] == aged_total}

        timed("open_items_all", "sql", as_of, sql_open, describe_open)

        def service_open(as_of: date = as_of) -> int:
            return sum(1 for _ in iter_open_items(uow=app.uow(readonly=True), company_id=company_id, as_of=as_of,
                                                  kind="customer"))

        timed("open_items_all", "service", as_of, service_open, lambda r: {"items": r})

    # One party's open items.
    with read_conn(app) as conn:
        all_parties = [(int(pid), str(num)) for pid, num in conn.execute(
            select(t.parties.c.party_id, t.parties.c.number).where(t.parties.c.company_id == company_id,
                                                                   t.parties.c.kind == "customer")
            .order_by(t.parties.c.party_id))]
        conn.rollback()
    chosen = random.Random(seed).sample(all_parties, k=min(parties_n, len(all_parties)))

    def per_party(layer: str, as_of: date, fn: Callable[[int, str], int]) -> None:
        """Time ``fn`` for each chosen party (after a warm-up of 5), within the time budget."""
        times: list[float] = []
        n_items = 0
        started = time.perf_counter()
        try:
            for pid, number in chosen[:5]:
                with dog.deadline(timeout):
                    fn(pid, number)
            for pid, number in chosen:
                if time.perf_counter() - started > timeout:
                    log(f"  stopped after {len(times)} parties: the {timeout:.0f} s budget is spent")
                    break
                t0 = time.perf_counter()
                with dog.deadline(timeout):
                    n_items += fn(pid, number)
                times.append(time.perf_counter() - t0)
        except DBAPIError:
            if not dog.fired:
                raise
            out.figure("party_open_items", layer=layer, as_of=as_of.isoformat(), timed_out=True, timeout_s=timeout)
            return
        out.figure("party_open_items", layer=layer, as_of=as_of.isoformat(), parties=len(times),
                   mean_items=round(n_items / max(len(times), 1), 2), **ms_summary(times))

    for as_of in (TODAY, PAST):
        log(f"one party's open items at {as_of} ({len(chosen)} parties)")
        with read_conn(app) as conn:

            def sql_party(pid: int, _number: str, as_of: date = as_of, conn: Any = conn) -> int:
                return len(queries.open_items(conn, company_id, as_of, party_id=pid))

            per_party("sql", as_of, sql_party)
            conn.rollback()

        def service_party(_pid: int, number: str, as_of: date = as_of) -> int:
            return len(open_items_report(uow=app.uow(readonly=True), company_id=company_id, as_of=as_of,
                                         kind="customer", party_number=number))

        per_party("service", as_of, service_party)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark one backend of reskontro.")
    ap.add_argument("--backend", choices=("sqlite", "postgres"), required=True)
    ap.add_argument("--scale", choices=tuple(SCALES), default="full")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per report after one warm-up")
    ap.add_argument("--parties", type=int, default=200, help="random customers for the one-party figure")
    ap.add_argument("--seed", type=int, default=20261128)
    ap.add_argument("--timeout", type=float, default=300,
                    help="seconds after which one report run is cancelled and recorded as timed out; also the "
                         "time budget of each one-party series")
    ap.add_argument("--maintenance", choices=("none", "analyze", "vacuum-analyze"), default=None,
                    help="what runs after the import, before the reports (default: VACUUM (ANALYZE) on "
                         "PostgreSQL, what autovacuum would do; none on SQLite, which never analyses by itself)")
    ap.add_argument("--reuse", action="store_true",
                    help="skip the import: time the reports on the database an earlier run left behind")
    ap.add_argument("--import-timeout", type=float, default=3600,
                    help="seconds after which the transactions import is abandoned (and rolled back)")
    ap.add_argument("--analyze-parties", action="store_true",
                    help="workaround: ANALYZE the parties table after the parties import, before the "
                         "transactions import (off by default: the benchmark measures the library as it is)")
    ap.add_argument("--parties-process", choices=("separate", "same"), default="separate",
                    help="import the parties in a child process (default, as the CLI would) or in this one")
    ap.add_argument("--parties-only", type=int, metavar="COMPANY_ID", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.parties_only is not None:
        parties_only(args.backend, args.scale, args.parties_only)
        return 0
    maintenance = args.maintenance or ("vacuum-analyze" if args.backend == "postgres" else "none")
    run(args.backend, args.scale, repeat_n=args.repeat, parties_n=args.parties, seed=args.seed,
        maintenance=maintenance, timeout=args.timeout, import_timeout=args.import_timeout,
        analyze_parties=args.analyze_parties, reuse=args.reuse, parties_process=args.parties_process)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
