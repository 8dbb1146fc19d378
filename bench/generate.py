"""Deterministic benchmark data: customers and two years of invoices, payments and credit notes.

Writes ``parties.csv`` and ``transactions.csv`` in the import format of the core sub-ledger
(see ``reskontro.formats.tabular.imports``) into an output folder, default ``bench/out``.

The shape, for the defaults (100 000 customers, 1 000 000 invoices over two years ending 2026-11-28):

* every invoice has a MOD10 KID and a due date from the customer's payment terms;
* about 5 % get a credit note (10, 20 or 50 % of the invoice) naming the invoice in ``applies_to``;
* about 72 % are drawn to get a payment with the invoice's KID (blank ``applies_to``: auto-match by
  KID) — most pay what is left after any credit note exactly, about 8 % pay part of it and about 2 %
  pay too much (the surplus stays open as a credit); payments that would fall after the end date are
  dropped, so recent invoices stay open;
* about 15 % of the payments come late (5–60 days after the due date), the rest around the due date;
* what is never paid, or paid only in part, ends up overdue.

Rows are written in date order (invoices, then credit notes, then payments within a day). Memory
stays small: only the credit notes and payments still ahead of the current day are kept.

Usage::

    python bench/generate.py                                  # full size
    python bench/generate.py --customers 1000 --invoices 10000 --out bench/out/small
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

from reskontro.identifiers import kid as kid_mod
from reskontro.services.demo import org_number

PARTY_HEADER = ("number", "kind", "name", "org_number", "email", "language", "currency", "payment_terms_days",
                "credit_limit", "address", "postal_code", "city", "country")
TRANSACTION_HEADER = ("party_number", "kind", "type", "document_number", "date", "due_date", "amount", "currency",
                      "kid", "description", "applies_to")

DEFAULT_OUT = Path(__file__).resolve().parent / "out"
END = date(2026, 11, 28)
DAYS = 730  # two years
FIRST_CUSTOMER = 100_001
FIRST_INVOICE = 1_000_001

_CITIES = (("0150", "Oslo"), ("5003", "Bergen"), ("7010", "Trondheim"), ("4006", "Stavanger"), ("9008", "Tromsø"),
           ("3015", "Drammen"), ("4610", "Kristiansand"), ("1706", "Sarpsborg"), ("2317", "Hamar"), ("6002", "Ålesund"))
_TERMS = (10, 14, 14, 30)

# Probabilities per invoice.
P_CREDIT = 0.05
P_PAYMENT = 0.72
P_PARTIAL = 0.08   # of the payments
P_OVERPAY = 0.02   # of the payments
P_LATE = 0.15      # of the payments


@dataclass(slots=True)
class GenStats:
    customers: int = 0
    invoices: int = 0
    credit_notes: int = 0
    payments: int = 0
    payments_exact: int = 0
    payments_partial: int = 0
    payments_over: int = 0
    rows: int = 0
    seed: int = 0
    first_date: str = ""
    last_date: str = ""
    seconds: float = 0.0


def _minor_text(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def write_parties(path: Path, customers: int, rng: random.Random) -> list[int]:
    """Write the customers; return each one's payment terms (index k is customer FIRST_CUSTOMER + k)."""
    terms: list[int] = []
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(PARTY_HEADER)
        for k in range(customers):
            number = FIRST_CUSTOMER + k
            days = rng.choice(_TERMS)
            terms.append(days)
            postal, city = rng.choice(_CITIES)
            w.writerow((number, "customer", f"Kunde {number} AS", org_number(rng), f"faktura@k{number}.example.no",
                        "nb" if k % 10 else "en", "NOK", days, rng.choice((50_000, 100_000, 250_000)),
                        f"Gate {k % 200 + 1}", postal, city, "NO"))
    return terms


def write_transactions(path: Path, invoices: int, terms: list[int], rng: random.Random, stats: GenStats) -> None:
    """Write invoices day by day, with their credit notes and payments on the days they fall."""
    start = END - timedelta(days=DAYS - 1)
    customers = len(terms)
    # Later events, by day: (order, document number, row). order 1 = credit note, 2 = payment.
    later: dict[date, list[tuple[int, int, tuple[object, ...]]]] = defaultdict(list)
    invoice_no = FIRST_INVOICE
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(TRANSACTION_HEADER)
        for d in range(DAYS):
            day = start + timedelta(days=d)
            day_text = day.isoformat()
            count = invoices * (d + 1) // DAYS - invoices * d // DAYS
            for _ in range(count):
                k = rng.randrange(customers)
                party = str(FIRST_CUSTOMER + k)
                doc = str(invoice_no)
                invoice_no += 1
                kid = kid_mod.create(f"{party}{doc}", "mod10")
                minor = rng.randint(100_00, 50_000_00)
                due = day + timedelta(days=terms[k])
                w.writerow((party, "customer", "invoice", doc, day_text, due.isoformat(), _minor_text(minor), "NOK",
                            kid, f"Faktura {doc}", ""))
                stats.invoices += 1
                left = minor
                if rng.random() < P_CREDIT:
                    credit_day = day + timedelta(days=rng.randint(1, 5))
                    credit = minor * rng.choice((10, 20, 50)) // 100
                    if credit_day <= END:
                        later[credit_day].append((1, invoice_no, (
                            party, "customer", "credit_note", f"K{doc}", credit_day.isoformat(), "",
                            _minor_text(credit), "NOK", "", f"Kreditnota til {doc}", doc)))
                        stats.credit_notes += 1
                        left -= credit
                if rng.random() < P_PAYMENT:
                    late = rng.random() < P_LATE
                    pay_day = due + timedelta(days=rng.randint(5, 60) if late else rng.randint(-8, 4))
                    pay_day = max(pay_day, day + timedelta(days=1))
                    if pay_day <= END:
                        fate = rng.random()
                        if fate < P_PARTIAL:
                            paid = max(1, left * rng.randint(20, 80) // 100)
                            stats.payments_partial += 1
                        elif fate < P_PARTIAL + P_OVERPAY:
                            paid = left + rng.randint(1_00, 500_00)
                            stats.payments_over += 1
                        else:
                            paid = left
                            stats.payments_exact += 1
                        later[pay_day].append((2, invoice_no, (
                            party, "customer", "payment", f"I{doc}", pay_day.isoformat(), "", _minor_text(paid),
                            "NOK", kid, "Innbetaling OCR", "")))
                        stats.payments += 1
            todays = later.pop(day, [])
            todays.sort(key=lambda e: (e[0], e[1]))
            w.writerows(row for _, _, row in todays)
        if later:  # cannot happen: every event is dated on or before END
            raise AssertionError(f"{sum(map(len, later.values()))} events after {END}")
    stats.first_date, stats.last_date = start.isoformat(), END.isoformat()
    stats.rows = stats.invoices + stats.credit_notes + stats.payments


def generate(out: Path, *, customers: int, invoices: int, seed: int) -> GenStats:
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    rng = random.Random(seed)
    stats = GenStats(customers=customers, seed=seed)
    terms = write_parties(out / "parties.csv", customers, rng)
    write_transactions(out / "transactions.csv", invoices, terms, rng, stats)
    stats.seconds = round(time.perf_counter() - t0, 2)
    (out / "meta.json").write_text(json.dumps(asdict(stats), indent=2) + "\n", encoding="utf-8")
    return stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--invoices", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=20261128)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    if args.customers < 1 or args.invoices < 1:
        ap.error("--customers and --invoices must be positive")
    stats = generate(args.out, customers=args.customers, invoices=args.invoices, seed=args.seed)
    print(f"generated {stats.customers} customers, {stats.invoices} invoices, {stats.credit_notes} credit notes, "
          f"{stats.payments} payments ({stats.payments_partial} partial, {stats.payments_over} overpaying) "
          f"= {stats.rows} rows in {stats.seconds} s → {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
