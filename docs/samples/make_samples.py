"""Write the sample reminder letters of the docs: page 1 as PNG (100 dpi) and the whole letter as PDF.

Two realistic letters from "Demo AS": a payment reminder in Norwegian (bokmål) to a consumer, and a debt
collection notice (inkassovarsel) in English to a business abroad, with interest and the B2B compensation.
The PNGs are rendered with pypdfium2 (a dev dependency) and stored in greyscale, to stay small.

Usage::

    .venv/bin/python docs/samples/make_samples.py            # writes next to this file
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

import pypdfium2

from reskontro.formats.pdf import (
    DEFAULT_BODIES,
    Address,
    ReminderLetter,
    ReminderLetterLine,
    fill_body,
    render_reminder_letter,
)

HERE = Path(__file__).resolve().parent
DEMO = Address("Demo AS", ("Storgata 1",), "0155", "OSLO", "NORGE")
GENERATED = dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)


def line(number: str, item_type: str, day: dt.date, due: dt.date, original: str, open_: str, *, fee: str = "0",
         interest: str = "0") -> ReminderLetterLine:
    return ReminderLetterLine(number, item_type, day, due, "NOK", Decimal(original), Decimal(open_), Decimal(fee),
                              Decimal(interest))


def consumer_reminder() -> ReminderLetter:
    """A first reminder to a private customer: two invoices, one part-paid; a 1/20 reminder fee."""
    lines = (line("10234", "invoice", dt.date(2026, 9, 15), dt.date(2026, 10, 1), "1249.00", "1249.00"),
             line("10377", "invoice", dt.date(2026, 10, 1), dt.date(2026, 10, 15), "890.50", "390.50"),
             line("K-88", "credit_note", dt.date(2026, 10, 20), dt.date(2026, 10, 20), "-150.00", "-150.00"))
    fee, deadline = Decimal("37.50"), dt.date(2026, 12, 14)
    total = sum((item.open for item in lines), fee)
    body = fill_body(DEFAULT_BODIES["nb"]["reminder"], total=total, currency="NOK", deadline=deadline,
                     company=DEMO.name, language="nb")
    return ReminderLetter(
        company=DEMO, company_org_number="923456783", company_bank_account="12345678903",
        party=Address("Kari Nordmann", ("Solveien 7 B",), "0575", "OSLO", "NORGE"), party_number="10017",
        language="nb", currency="NOK", level_no=1, level_type="reminder", title=None, body=body,
        letter_date=dt.date(2026, 11, 30), deadline=deadline, reference="P-2026-004711", kid="0001001702",
        lines=lines, fee_total=fee, interest_total=Decimal(0), compensation=Decimal(0), total_due=total,
        legal_notes=("Purregebyr NOK 37,50: 1/20 av inkassosatsen NOK 750 (inkassoforskriften § 1-2), "
                     "betalingsfrist 14 dager etter at påminnelsen ble sendt 30.11.2026.",),
        generated_at=GENERATED)


def business_warning() -> ReminderLetter:
    """A debt collection notice to a business customer abroad: interest per invoice and the § 3a compensation."""
    lines = (line("10102", "invoice", dt.date(2026, 8, 1), dt.date(2026, 8, 31), "48500.00", "48500.00",
                  interest="1435.07"),
             line("10188", "invoice", dt.date(2026, 8, 20), dt.date(2026, 9, 19), "12375.00", "6375.00",
                  interest="148.77"),
             line("RG-2026-0031", "reminder_fee", dt.date(2026, 10, 15), dt.date(2026, 10, 29), "37.50", "37.50"))
    fee, interest, compensation = Decimal("37.50"), Decimal("1583.84"), Decimal("460.00")
    deadline = dt.date(2026, 12, 15)
    total = sum((item.open for item in lines), fee + interest + compensation)
    body = fill_body(DEFAULT_BODIES["en"]["warning"], total=total, currency="NOK", deadline=deadline,
                     company=DEMO.name, language="en")
    return ReminderLetter(
        company=DEMO, company_org_number="923456783", company_bank_account="NO9386011117947",
        party=Address("Nordic Trading AB", ("Attn: Accounts payable", "Drottninggatan 12"), "111 51", "Stockholm",
                      "Sweden"),
        party_number="20481", language="en", currency="NOK", level_no=2, level_type="warning", title=None,
        body=body, letter_date=dt.date(2026, 11, 30), deadline=deadline, reference="P-2026-004712", kid=None,
        lines=lines, fee_total=fee, interest_total=interest, compensation=compensation, total_due=total,
        legal_notes=(
            "Collection notice fee NOK 37.50: 1/20 of the inkassosats NOK 750 (inkassoforskriften § 1-2).",
            "Interest on 10102: 12.00 % a year (forsinkelsesrenteloven § 3) on NOK 48,500.00 from 2026-09-01 "
            "to 2026-11-30, 90 days.",
            "Interest on 10188: 12.00 % a year on NOK 6,375.00 from 2026-09-20 to 2026-11-30, 71 days.",
            "Compensation NOK 460.00: the NOK amount of EUR 40 for the half-year (forsinkelsesrenteloven § 3a), "
            "once per claim, as the customer is a business.",
        ),
        generated_at=GENERATED)


def write(name: str, letter: ReminderLetter, folder: Path) -> None:
    data = render_reminder_letter(letter)
    (folder / f"{name}.pdf").write_bytes(data)
    document = pypdfium2.PdfDocument(data)
    image = document[0].render(scale=100 / 72, grayscale=True).to_pil()
    image.convert("L").save(folder / f"{name}.png", optimize=True)
    document.close()


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else HERE
    write("reminder-letter-nb", consumer_reminder(), folder)
    write("reminder-letter-en", business_warning(), folder)
    for path in sorted(folder.glob("reminder-letter-*")):
        print(f"{path.name}: {path.stat().st_size // 1024} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
