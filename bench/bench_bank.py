"""Benchmark payments in and out: a bank file of 100 000 payments against 1 000 000 open invoices; a pain.001 of
20 000 transfers.

Set-up (not timed): a fresh database with 100 000 customers and 1 000 000 open customer invoices, each with a
MOD10 KID. The invoices are written straight into the tables in bulk (vouchers, lines, items), because posting a
million invoices through the engine is issue 2's benchmark (``bench_ledger.py``), not this one; the maintained
totals start empty (what the payments add to them costs the same), so ``reskontro check`` would not pass here.

Then, each timed once (a second import would find its file taken):

* ``ocr_parse`` / ``camt_parse``: reading and checking the file (``formats.bank_files.parse``);
* ``ocr_match_sql`` / ``camt_match_sql``: tying every payment to its customer with the set-based lookups
  (the preview: parse + match, no writes; the parse time is reported apart and subtracted);
* ``ocr_import`` / ``camt_import``: the whole import end to end (parse, match, post, settle, record), committed.
  The OCR file pays 100 000 invoices (90 % by KID, 5 % by an invoice number in the text, 5 % unknown); the
  camt.054 pays another 100 000;
* ``pain001_render``: a pain.001.001.09 of 20 000 transfers to 20 000 accounts, written and schema-checked.

One JSON line per figure on stdout; progress on stderr. Usage::

    .venv/bin/python bench/bench_bank.py --backend sqlite
    .venv/bin/python bench/bench_bank.py --backend postgres --invoices 1000000 --payments 100000
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the tests' file builders

from tests.builders_bank import camt054, ocr_file  # noqa: E402

from reskontro.bootstrap import build  # noqa: E402
from reskontro.formats import bank_files  # noqa: E402
from reskontro.formats.iso20022 import pain001  # noqa: E402
from reskontro.formats.payments import CreditTransfer, PaymentOrder  # noqa: E402
from reskontro.identifiers import kid as kid_mod  # noqa: E402
from reskontro.services import bank_payments as bank  # noqa: E402
from reskontro.services.companies import init_company  # noqa: E402
from reskontro.settings import Settings  # noqa: E402

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_DB = "reskontro_bench_bank"
ACCOUNT = "15031234562"
DAY = date(2026, 11, 20)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def figure(name: str, backend: str, **values: Any) -> None:
    print(json.dumps({"bench": name, "backend": backend, **values}, default=str), flush=True)


def fresh_url(backend: str) -> str:
    if backend == "sqlite":
        path = Path("/tmp/bench-bank.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}"'))
        conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DB}"


def kid_of(n: int) -> str:
    return kid_mod.create(f"{n:09d}", "mod10")


def populate(app: Any, company_id: int, customers: int, invoices: int, seed: int) -> list[tuple[int, int, int]]:
    """Customers and open invoices written in bulk; returns (invoice number, customer number, amount in øre)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    out: list[tuple[int, int, int]] = []
    with app.uow() as uow:
        repo = uow.repo
        party_ids = repo.next_ids(company_id, "parties", customers)
        repo.insert_rows("parties", [{
            "company_id": company_id, "party_id": pid, "kind": "customer", "number": str(100000 + k),
            "name": f"Kunde {k} AS", "org_number": None, "vat_registered": True, "address": None,
            "postal_code": None, "city": None, "country": "NO", "postal_address": None, "postal_postal_code": None,
            "postal_city": None, "postal_country": None, "email": None, "phone": None, "language": "nb",
            "currency": "NOK", "payment_terms_days": 14, "credit_limit_minor": None, "group_code": None,
            "bank_account": None, "bic": None, "rule_account": None, "rule_vat_code": None, "rule_department": None,
            "rule_project": None, "reminder_block_reason": None, "reminder_block_since": None,
            "credit_stop_reason": None, "credit_stop_since": None, "payment_block_reason": None,
            "payment_block_since": None, "version": 1, "created_at": now, "created_by": "bench"}
            for k, pid in enumerate(party_ids)])
        uow.commit()
    chunk = 100_000
    for start in range(0, invoices, chunk):
        n = min(chunk, invoices - start)
        with app.uow() as uow:
            repo = uow.repo
            vids = repo.next_ids(company_id, "vouchers", n)
            iids = repo.next_ids(company_id, "items", n)
            vouchers, lines, items = [], [], []
            for k in range(n):
                number = start + k + 1
                cust = rng.randrange(customers)
                minor = rng.randrange(10_000, 5_000_000)
                day = DAY - timedelta(days=rng.randrange(0, 120))
                vid, iid = vids[k], iids[k]
                vouchers.append({"company_id": company_id, "voucher_id": vid, "series": "SF", "year": day.year,
                                 "number": number, "voucher_type": "customer_invoice", "voucher_date": day,
                                 "description": None, "reverses_voucher_id": None, "source": "bench",
                                 "created_at": now, "created_by": "bench"})
                for line_no, account, amount, pid in ((1, "1500", minor, party_ids[cust]),
                                                      (2, "3000", -minor, None)):
                    lines.append({"company_id": company_id, "voucher_id": vid, "line_no": line_no, "line_date": day,
                                  "account": account, "amount_minor": amount, "currency": "NOK",
                                  "currency_amount_minor": amount, "vat_code": None, "department": None,
                                  "project": None, "party_id": pid, "description": None})
                items.append({"company_id": company_id, "item_id": iid, "voucher_id": vid, "line_no": 1,
                              "party_id": party_ids[cust], "kind": "customer", "item_type": "invoice",
                              "document_number": str(number), "item_date": day,
                              "due_date": day + timedelta(days=14), "kid": kid_of(number), "currency": "NOK",
                              "rate": "1", "amount_minor": minor, "open_minor": minor,
                              "amount_company_minor": minor, "open_company_minor": minor, "control_account": "1500",
                              "description": None, "closed_on": None, "last_alloc_date": None, "disputed_since": None,
                              "dispute_note": None, "collection_since": None, "version": 1})
                out.append((number, 100000 + cust, minor))
            repo.insert_rows("vouchers", vouchers)
            repo.insert_rows("voucher_lines", lines)
            repo.insert_rows("items", items)
            uow.commit()
        log(f"  {start + n:,} invoices")
    with app.engine.begin() as conn:
        if app.engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
        # SQLite is never ANALYZEd by the product either: the queries are written for a planner without stats.
    with app.uow() as uow:
        uow.repo.recount_parties(company_id, party_ids)
        uow.commit()
    return out


def payments(invoices: list[tuple[int, int, int]], take: range, seed: int) -> list[dict[str, Any]]:
    """A day's payments: 90 % by KID, 5 % with the invoice number in the text, 5 % unknown."""
    rng = random.Random(seed)
    out = []
    for k in take:
        number, _, minor = invoices[k]
        amount = Decimal(minor) / 100
        roll = rng.random()
        if roll < 0.90:
            out.append({"amount": amount, "kid": kid_of(number), "date": DAY, "reference": f"{k:09d}"})
        elif roll < 0.95:
            out.append({"amount": amount, "type": "21", "text": f"Faktura {number}", "date": DAY,
                        "reference": f"{k:09d}", "name": "Betaler"})
        else:
            out.append({"amount": amount, "date": DAY, "reference": f"{k:09d}", "type": "21", "text": "Innbetaling",
                        "name": "Ukjent"})
    return out


def run(backend: str, customers: int, invoices: int, n_payments: int, seed: int) -> None:
    url = fresh_url(backend)
    app = build(Settings(database_url=url))
    app.migrate()
    cid = init_company(uow=app.uow(), name="Bench Bank AS")
    bank.add_bank_account(uow=app.uow(), company_id=cid, account=ACCOUNT, name="Drift")
    log(f"{backend}: populating {customers:,} customers, {invoices:,} open invoices")
    t0 = time.perf_counter()
    data = populate(app, cid, customers, invoices, seed)
    figure("setup", backend, seconds=round(time.perf_counter() - t0, 1), customers=customers, invoices=invoices)
    files = {
        "ocr": ocr_file([{k: v for k, v in p.items() if k != "name"} for p in payments(data, range(n_payments), 1)],
                        number="1000001"),
        "camt": camt054(payments(data, range(n_payments, 2 * n_payments), 2), msg_id="BENCH-CAMT-1"),
    }
    for name, raw in files.items():
        t0 = time.perf_counter()
        parsed = bank_files.parse(raw, f"{name}.bin")
        parse_s = time.perf_counter() - t0
        figure(f"{name}_parse", backend, seconds=round(parse_s, 3), transactions=len(parsed.transactions),
               mb=round(len(raw) / 1e6, 1))
        t0 = time.perf_counter()
        preview = bank.preview_bank_file(uow=app.uow(readonly=True), company_id=cid, data=raw, filename=f"{name}.bin")
        preview_s = time.perf_counter() - t0
        figure(f"{name}_match_sql", backend, seconds=round(preview_s - parse_s, 3),
               preview_seconds=round(preview_s, 3), by_method=preview.by_method, review=preview.review)
        log(f"{backend}: importing {name}")
        t0 = time.perf_counter()
        s = bank.import_bank_file(uow=app.uow(), company_id=cid, data=raw, filename=f"{name}.bin")
        figure(f"{name}_import", backend, seconds=round(time.perf_counter() - t0, 2), transactions=s.transactions,
               posted=s.posted, settled=s.settled, review=s.review, by_method=s.by_method,
               per_second=round(s.transactions / (time.perf_counter() - t0)))
    transfers = tuple(CreditTransfer(f"E2E-{k}", Decimal(1000 + k) / 100, "NOK", f"Leverandør {k} AS", _bban(k),
                                     ACCOUNT, DAY, kid=kid_of(k) if k % 2 else None,
                                     text=None if k % 2 else f"Faktura {k}")
                      for k in range(20_000))
    order = PaymentOrder("BENCH-PAIN-1", datetime(2026, 11, 20, 8, 0, tzinfo=UTC), "Bench Bank AS", "923456783",
                         "Bench Bank AS", transfers)
    t0 = time.perf_counter()
    out = pain001.render(order)
    figure("pain001_render", backend, seconds=round(time.perf_counter() - t0, 3), transfers=len(transfers),
           kb=len(out) // 1024)
    app.close()


def _bban(k: int) -> str:
    """A valid kontonummer per k: bank 1234 (or 1235, …), account k, MOD11 check. A base whose check would be 10
    has no valid number; the next bank code is tried."""
    from stdnum.no import kontonr

    bank_code = 1234
    while True:
        base = f"{bank_code}{k % 1_000_000:06d}"
        for check in "0123456789":
            if kontonr.is_valid(base + check):
                return base + check
        bank_code += 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--invoices", type=int, default=1_000_000)
    ap.add_argument("--payments", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    run(args.backend, args.customers, args.invoices, args.payments, args.seed)


if __name__ == "__main__":
    main()
