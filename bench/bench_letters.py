"""Benchmark the reminder-letter PDFs (``formats/pdf/reminder_letter.py``): letters one by one, and print batches.

The letters are synthetic and realistic: a bokmål or English reminder or inkassovarsel with the standard
text filled in, three items (one with interest), a fee, two legal notes, and a KID; they fit on one page.
A "long" letter has 80 items and three pages. Each figure is the best of ``--repeat`` runs (wall time; the
CPU time of the best run beside it), in this process, after one warm-up letter.

Prints one JSON line per figure::

    {"bench": "letter_single", "letters": 300, "runs": 5, "letters_per_s": 724.2, "ms_per_letter": 1.381,
     "cpu_ms_per_letter": 1.381, "kb_per_letter": 2.7}
    {"bench": "letter_batch", "letters": 1000, "duplex": false, "runs": 5, "pages": 1000, "seconds": 1.102,
     "letters_per_s": 907.7, "cpu_seconds": 1.101, "mb": 1.72}

Usage::

    .venv/bin/python bench/bench_letters.py
    .venv/bin/python bench/bench_letters.py --letters 1000 --repeat 5
"""

from __future__ import annotations

import argparse
import io
import json
import os
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from pypdf import PdfReader

from reskontro.formats.pdf import (
    Address,
    ReminderLetter,
    ReminderLetterLine,
    default_body,
    fill_body,
    render_print_batch,
    render_reminder_letter,
)

COMPANY = Address("Demo AS", ("Storgata 1",), "0155", "OSLO", "NORGE")
NAMES = ("Kari Nordmann", "Ola Ærlig Østby", "Blåbær & Søn AS", "Nordic Trading AB", "Åse Ødegård",
         "Vestland Fisk AS", "Hansen, Olsen & Co", "Per Persen")


def make_letter(n: int, items: int = 3) -> ReminderLetter:
    """The ``n``-th synthetic letter; ``items`` lines (one with interest)."""
    language = "en" if n % 4 == 3 else "nb"
    level_type = "warning" if n % 3 == 2 else "reminder"
    start = date(2026, 8, 1) + timedelta(days=n % 60)
    amounts = [Decimal(1000 + (n * 37 + k * 11) % 9000).scaleb(-1) for k in range(items)]
    lines = tuple(
        ReminderLetterLine(f"{100000 + n * 10 + k}", "invoice", start + timedelta(days=k),
                           start + timedelta(days=k + 14), "NOK", amount, amount, Decimal(0),
                           Decimal("12.34") if k == 0 else Decimal(0))
        for k, amount in enumerate(amounts))
    fee, interest = Decimal("37.50"), Decimal("12.34")
    total = sum((line.open for line in lines), fee + interest)
    deadline = date(2026, 12, 14)
    body = fill_body(default_body(level_type, language), total=total, currency="NOK", deadline=deadline,
                     company=COMPANY.name, language=language)
    return ReminderLetter(
        company=COMPANY, company_org_number="923456783", company_bank_account="12345678903",
        party=Address(f"{NAMES[n % len(NAMES)]} {n}", (f"Gate {n % 97}",), f"{(n * 7) % 10000:04d}", "OSLO", "NORGE"),
        party_number=str(10000 + n), language=language, currency="NOK", level_no=1 + (level_type == "warning"),
        level_type=level_type, title=None, body=body, letter_date=date(2026, 11, 30), deadline=deadline,
        reference=f"P-2026-{n:06d}", kid=f"{10000 + n:09d}0", lines=lines, fee_total=fee, interest_total=interest,
        compensation=Decimal(0), total_due=total,
        legal_notes=("Purregebyr NOK 37,50: 1/20 av inkassosatsen NOK 750 (inkassoforskriften § 1-2).",
                     "Forsinkelsesrente 12,00 % p.a. (forsinkelsesrenteloven § 3) fra forfall til 30.11.2026."),
        generated_at=datetime(2026, 11, 30, 6, 0, tzinfo=UTC))


def best(run: Callable[[], bytes], repeat: int) -> tuple[float, float, bytes]:
    """The best wall time of ``repeat`` runs, that run's CPU time, and its output."""
    results = []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        data = run()
        results.append((time.perf_counter() - start, time.process_time() - cpu, data))
    return min(results, key=lambda r: r[0])


def pages_of(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--letters", type=int, default=300, help="letters rendered one by one")
    ap.add_argument("--batch", type=int, default=1000, help="letters in the print batch")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(json.dumps({"bench": "letters_setup", "cpus": os.cpu_count(), "load": round(os.getloadavg()[0], 2),
                      "date": datetime.now(UTC).date().isoformat()}), flush=True)
    render_reminder_letter(make_letter(0))  # warm up: imports, font tables

    singles = [make_letter(n) for n in range(args.letters)]
    seconds, cpu, _ = best(lambda: b"".join(render_reminder_letter(letter) for letter in singles), args.repeat)
    sizes = sum(len(render_reminder_letter(letter)) for letter in singles[:50]) / min(50, len(singles))
    print(json.dumps({"bench": "letter_single", "letters": args.letters, "runs": args.repeat,
                      "letters_per_s": round(args.letters / seconds, 1),
                      "ms_per_letter": round(seconds / args.letters * 1e3, 3),
                      "cpu_ms_per_letter": round(cpu / args.letters * 1e3, 3),
                      "kb_per_letter": round(sizes / 1024, 1)}), flush=True)

    longs = [make_letter(n, items=80) for n in range(max(args.letters // 10, 1))]
    seconds, cpu, _ = best(lambda: b"".join(render_reminder_letter(letter) for letter in longs), args.repeat)
    print(json.dumps({"bench": "letter_single_long", "letters": len(longs), "items": 80, "runs": args.repeat,
                      "pages_per_letter": pages_of(render_reminder_letter(longs[0])),
                      "letters_per_s": round(len(longs) / seconds, 1),
                      "ms_per_letter": round(seconds / len(longs) * 1e3, 3)}), flush=True)

    batch = [make_letter(n) for n in range(args.batch)]
    for duplex in (False, True):
        seconds, cpu, data = best(lambda duplex=duplex: render_print_batch(batch, duplex=duplex), args.repeat)
        print(json.dumps({"bench": "letter_batch", "letters": args.batch, "duplex": duplex, "runs": args.repeat,
                          "pages": pages_of(data), "seconds": round(seconds, 3),
                          "letters_per_s": round(args.batch / seconds, 1),
                          "cpu_seconds": round(cpu, 3), "mb": round(len(data) / 2**20, 2)}), flush=True)


if __name__ == "__main__":
    main()
