"""The party statement PDF, read back with pypdf: labels and number formats per language, the envelope
window, page breaks with "Side 1 av N", text the core font cannot show, and byte-identical output."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace
from decimal import Decimal

import pytest
from fpdf import FPDF
from pypdf import PdfReader

from reskontro.formats.pdf import (
    WINDOW_H,
    WINDOW_W,
    WINDOW_X,
    WINDOW_Y,
    Address,
    Statement,
    StatementLine,
    StatementOpenItem,
    address_lines,
    draw_address_block,
    format_amount,
    format_bank_account,
    format_date,
    format_org_number,
    render_statement,
    resolve_language,
    safe_text,
)

MM = 72 / 25.4  # PDF points per millimetre
A4 = (595.28, 841.89)
COMPANY = Address("Fjordkraft Østlandet AS", ("Storgata 1",), "0155", "OSLO", "NORGE")
PARTY = Address("Bjørn Ærlig Ålesund AS", ("c/o Åse Øverby", "Postboks 12 Sentrum"), "6002", "ÅLESUND", "NORGE")
GENERATED = dt.datetime(2026, 11, 28, 10, 30, tzinfo=dt.UTC)


def line(n: int, amount: str, balance: str, *, kind: str = "invoice", currency: str = "NOK",
         description: str | None = "Strøm januar") -> StatementLine:
    return StatementLine(dt.date(2026, 1, 1) + dt.timedelta(days=n % 300), f"SF-{1000 + n}", f"{5000 + n}", kind,
                         description, dt.date(2026, 2, 15), currency, Decimal(amount), Decimal(balance))


def statement(**changes: object) -> Statement:
    base = Statement(
        company=COMPANY, company_org_number="923456783", company_bank_account="12345678903", party=PARTY,
        party_number="10001", party_kind="customer", language="nb", currency="NOK",
        date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 3, 31), opening_balance=Decimal("1234.50"),
        lines=(line(1, "2000.00", "3234.50", description="Faktura «æøå ÆØÅ»"),
               line(2, "-1000.00", "2234.50", kind="payment", description="Innbetaling KID 1234"),
               line(3, "-1000.00", "1234.50", kind="credit_note", currency="EUR", description="Kreditnota i EUR")),
        closing_balance=Decimal("1234.50"),
        open_items=(
            StatementOpenItem("5001", "invoice", dt.date(2026, 1, 2), dt.date(2026, 2, 1), "NOK",
                              Decimal("2000.00"), Decimal("1000.00"), 55),
            StatementOpenItem("5004", "invoice", dt.date(2026, 3, 20), dt.date(2026, 4, 19), "NOK",
                              Decimal("234.50"), Decimal("234.50"), 0, kid="0000500418"),
        ),
        generated_at=GENERATED,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def pages_text(data: bytes) -> list[str]:
    """Each page's text, no-break spaces made plain so assertions read naturally."""
    return [page.extract_text().replace("\u00a0", " ") for page in PdfReader(io.BytesIO(data)).pages]


def text_of(data: bytes) -> str:
    return "\n".join(pages_text(data))


def lines_with(text: str, needle: str) -> list[str]:
    return [row for row in text.splitlines() if needle in row]


# --- Norwegian, English, Nynorsk -------------------------------------------------------------------


def test_bokmal_labels_numbers_and_dates() -> None:
    text = text_of(render_statement(statement()))
    for label in ("Kontoutskrift", "Kundenr. 10001", "Periode 01.01.2026 – 31.03.2026", "Dato 28.11.2026",
                  "Valuta NOK", "Bevegelser i perioden", "Åpne poster", "Side 1 av 1",
                  "Dato Bilag Dokument Type Tekst Forfall Beløp Saldo",
                  "Dokument KID Type Dato Forfall Valuta Beløp Åpent beløp Dager forf."):
        assert label in text
    assert lines_with(text, "Inngående saldo") == ["01.01.2026 Inngående saldo 1 234,50"]
    assert lines_with(text, "Utgående saldo") == ["31.03.2026 Utgående saldo 1 234,50"]
    assert "02.01.2026 SF-1001 5001 Faktura" in text
    assert lines_with(text, "SF-1001")[0].endswith("15.02.2026 2 000,00 3 234,50")
    assert lines_with(text, "SF-1002")[0].endswith("-1 000,00 2 234,50")
    assert "Betaling" in lines_with(text, "SF-1002")[0]
    assert "Kreditnota" in lines_with(text, "SF-1003")[0]
    assert "[EUR] Kreditnota i EUR" in text  # a document in another currency says so
    assert "Org.nr. 923 456 783" in text
    assert "Kontonr. 1234.56.78903" in text


def test_open_items_with_totals_and_overdue() -> None:
    text = text_of(render_statement(statement()))
    assert "5001 Faktura 02.01.2026 01.02.2026 NOK 2 000,00 1 000,00 55" in text
    assert "5004 0000500418 Faktura 20.03.2026 19.04.2026 NOK 234,50 234,50" in text  # the KID to pay it with
    assert lines_with(text, "Sum åpne poster") == ["Sum åpne poster NOK 1 234,50"]
    assert lines_with(text, "Herav forfalt") == ["Herav forfalt NOK 1 000,00"]


def test_open_items_in_several_currencies_are_totalled_per_currency() -> None:
    eur = StatementOpenItem("7001", "invoice", dt.date(2026, 1, 5), dt.date(2026, 1, 20), "EUR",
                            Decimal("99.5"), Decimal("99.5"), 70)
    st = statement(open_items=(*statement().open_items, eur))
    text = text_of(render_statement(st))
    assert lines_with(text, "Sum åpne poster") == ["Sum åpne poster NOK 1 234,50", "Sum åpne poster EUR 99,50"]
    assert lines_with(text, "Herav forfalt") == ["Herav forfalt NOK 1 000,00", "Herav forfalt EUR 99,50"]


def test_no_open_items_says_so() -> None:
    assert "Ingen åpne poster." in text_of(render_statement(statement(open_items=())))
    assert "No open items." in text_of(render_statement(statement(open_items=(), language="en")))


def test_english_labels_numbers_and_dates() -> None:
    text = text_of(render_statement(statement(language="en")))
    for label in ("Account statement", "Customer no. 10001", "Period 2026-01-01 – 2026-03-31", "Date 2026-11-28",
                  "Transactions in the period", "Open items", "Page 1 of 1", "Org. no. 923 456 783",
                  "Bank account 1234.56.78903", "Days late"):
        assert label in text
    assert lines_with(text, "Opening balance") == ["2026-01-01 Opening balance 1,234.50"]
    assert lines_with(text, "Closing balance") == ["2026-03-31 Closing balance 1,234.50"]
    assert lines_with(text, "SF-1001")[0].endswith("2026-02-15 2,000.00 3,234.50")
    assert "Payment" in lines_with(text, "SF-1002")[0]
    assert lines_with(text, "Total open") == ["Total open NOK 1,234.50"]
    assert lines_with(text, "Of which overdue") == ["Of which overdue NOK 1,000.00"]
    assert "Kontoutskrift" not in text


def test_nynorsk() -> None:
    text = text_of(render_statement(statement(language="nn")))
    for label in ("Kontoutskrift", "Inngåande saldo", "Utgåande saldo", "Opne postar", "Sum opne postar",
                  "Rørsler i perioden", "Side 1 av 1", "1 234,50", "28.11.2026"):
        assert label in text


def test_supplier_statement() -> None:
    text = text_of(render_statement(statement(party_kind="supplier", party_number="20007")))
    assert "Leverandørutskrift" in text
    assert "Leverandørnr. 20007" in text
    text = text_of(render_statement(statement(party_kind="supplier", language="en")))
    assert "Supplier statement" in text
    assert "Supplier no. 10001" in text


@pytest.mark.parametrize(("code", "expected"), [
    ("nb", "nb"), ("NB", "nb"), ("no", "nb"), ("nb-NO", "nb"), ("nb_NO", "nb"), ("nn", "nn"), ("nn-NO", "nn"),
    ("sv", "nb"), ("da", "nb"), ("en", "en"), ("en-GB", "en"), ("de", "en"), ("fi", "en"), ("pl", "en"), ("", "en"),
])
def test_language_fallback(code: str, expected: str) -> None:
    assert resolve_language(code) == expected


def test_swedish_party_gets_norwegian_and_german_party_gets_english() -> None:
    assert "Kontoutskrift" in text_of(render_statement(statement(language="sv")))
    assert "Account statement" in text_of(render_statement(statement(language="de")))


# --- formatting ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("amount", "language", "currency", "expected"), [
    ("1234.5", "nb", "NOK", "1\u00a0234,50"),
    ("-1234567.891", "nb", "NOK", "-1\u00a0234\u00a0567,89"),
    ("0.004", "nn", "NOK", "0,00"),
    ("-0.001", "nb", "NOK", "0,00"),  # no "-0,00"
    ("999.995", "nb", "NOK", "1\u00a0000,00"),  # half-up
    ("1234.5", "en", "NOK", "1,234.50"),
    ("-1234567.5", "en", "USD", "-1,234,567.50"),
    ("1234567", "nb", "JPY", "1\u00a0234\u00a0567"),
    ("1.2345", "en", "KWD", "1.235"),
])
def test_format_amount(amount: str, language: str, currency: str, expected: str) -> None:
    assert format_amount(Decimal(amount), language, currency) == expected


def test_format_date_and_identifiers() -> None:
    assert format_date(dt.date(2026, 11, 28), "nb") == "28.11.2026"
    assert format_date(dt.date(2026, 11, 28), "nn") == "28.11.2026"
    assert format_date(dt.date(2026, 1, 2), "en") == "2026-01-02"
    assert format_org_number("923456783") == "923 456 783"
    assert format_org_number("923 456 783") == "923 456 783"
    assert format_org_number("SE5560360793") == "SE5560360793"
    assert format_bank_account("12345678903") == "1234.56.78903"
    assert format_bank_account("1234.56.78903") == "1234.56.78903"
    assert format_bank_account("DE89370400440532013000") == "DE89 3704 0044 0532 0130 00"
    assert format_bank_account("konto 7") == "konto 7"


def test_address_lines_leave_out_the_home_country() -> None:
    assert address_lines(PARTY, "Norge") == ["Bjørn Ærlig Ålesund AS", "c/o Åse Øverby", "Postboks 12 Sentrum",
                                             "6002 ÅLESUND"]
    abroad = Address("Svensk AB", ("Drottninggatan 1",), "111 51", "Stockholm", "Sverige")
    assert address_lines(abroad, "NORGE")[-2:] == ["111 51 Stockholm", "SVERIGE"]
    assert address_lines(Address("Bare navn", ("", " "), None, None, None)) == ["Bare navn"]


# --- characters ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Blåbærsyltetøy ÆØÅ", "Blåbærsyltetøy ÆØÅ"),
    ("Pris 10 € – “sitat” …", "Pris 10 € – “sitat” …"),  # Windows-1252, beyond Latin-1
    ("Łódź Gdańsk Őrség", "Lódz Gdansk Orség"),  # folded to the base letter where 1252 lacks it
    ("ﬁne Ｔｏｋｙｏ", "fine Tokyo"),  # compatibility forms
    ("東京 🙂", "?? ?"),
    ("👍🏽 ok", "?? ok"),
    ("a\tb\nc\x00d", "a b c d"),
    ("zero\u200bwidth", "zerowidth"),
    ("e\u0301", "é"),  # decomposed accents are composed
    ("−5", "-5"),  # the minus sign
])
def test_safe_text(text: str, expected: str) -> None:
    assert safe_text(text) == expected


def test_norwegian_letters_and_foreign_characters_in_the_pdf() -> None:
    party = replace(PARTY, name="Øystein Æsøy 🙂", lines=("Łódź 東京 Straße",))
    st = statement(party=party, lines=(line(1, "10", "1244.5", description="€ æøå ÆØÅ 👍 {nb} 中"),),
                   closing_balance=Decimal("1244.5"))
    text = text_of(render_statement(st))
    assert "Øystein Æsøy ?" in text
    assert "Lódz ?? Straße" in text
    assert "€ æøå ÆØÅ ? {nb} ? 15.02.2026" in text  # {nb} is the party's text, not a page-count placeholder
    assert "Bjørn" not in text


def test_long_text_is_cut_with_an_ellipsis() -> None:
    long = "Svært lang beskrivelse " * 20
    text = text_of(render_statement(statement(lines=(line(1, "1", "1235.5", description=long),))))
    row = lines_with(text, "SF-1001")[0]
    assert "Svært lang" in row
    assert "…" in row
    assert len(row) < 150


# --- layout ----------------------------------------------------------------------------------------


def test_page_is_a4_and_metadata_is_set() -> None:
    reader = PdfReader(io.BytesIO(render_statement(statement())))
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(A4, abs=0.01)
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "Kontoutskrift 10001 Bjørn Ærlig Ålesund AS"
    assert meta.author == "Fjordkraft Østlandet AS"
    assert meta.creation_date == GENERATED


def test_recipient_address_sits_in_the_envelope_window() -> None:
    placed: list[tuple[str, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            placed.append((text.strip(), tm[4] / MM, (A4[1] - tm[5]) / MM))  # mm from the left and the top

    PdfReader(io.BytesIO(render_statement(statement()))).pages[0].extract_text(visitor_text=visit)
    for wanted in address_lines(PARTY, COMPANY.country):
        x, y = next((x, y) for text, x, y in placed if text == wanted)
        assert WINDOW_X <= x < WINDOW_X + 5
        assert WINDOW_Y + 5 <= y <= WINDOW_Y + WINDOW_H  # below the return-address line
    x, y = next((x, y) for text, x, y in placed if text.startswith("Fjordkraft Østlandet AS, Storgata 1"))
    assert WINDOW_X <= x < WINDOW_X + 5
    assert WINDOW_Y <= y <= WINDOW_Y + 5
    assert WINDOW_W == 85


def test_a_long_statement_breaks_across_pages_with_headers_and_page_numbers() -> None:
    balance = Decimal("1234.50")
    lines = []
    for n in range(300):
        amount = Decimal("100.25") if n % 2 else Decimal("-50")
        balance += amount
        lines.append(line(n, str(amount), str(balance), kind="invoice" if n % 2 else "payment"))
    pages = pages_text(render_statement(statement(lines=tuple(lines), closing_balance=balance)))
    total = len(pages)
    assert total >= 5
    for number, page in enumerate(pages, start=1):
        assert f"Side {number} av {total}" in page
        assert "Fjordkraft Østlandet AS" in page
        assert "Dato Bilag Dokument Type Tekst Forfall Beløp Saldo" in page  # header row repeated
    for number, page in enumerate(pages[1:], start=2):
        assert "Kontoutskrift · Kundenr. 10001 · Bjørn Ærlig Ålesund AS" in page, number
    everything = "\n".join(pages)
    for n in range(300):
        assert len(lines_with(everything, f"SF-{1000 + n} ")) == 1
    assert "Utgående saldo 8 772,00" in pages[-1]  # 1 234,50 + 150 × 100,25 - 150 × 50
    assert "Sum åpne poster NOK 1 234,50" in pages[-1]
    assert "Inngående saldo 1 234,50" in pages[0]


def test_empty_period_and_sparse_addresses() -> None:
    bare = Address("Kunde uten adresse", (), None, None, None)
    st = statement(lines=(), open_items=(), party=bare, company_org_number=None, company_bank_account=None,
                   company=Address("Firma AS", (), None, None, None))
    text = text_of(render_statement(st))
    assert "Kunde uten adresse" in text
    assert "Inngående saldo 1 234,50" in text
    assert "Utgående saldo 1 234,50" in text
    assert "Org.nr." not in text


# --- determinism -----------------------------------------------------------------------------------


def test_equal_statements_give_identical_bytes() -> None:
    first = render_statement(statement())
    assert first.startswith(b"%PDF-")
    assert render_statement(statement()) == first
    assert render_statement(statement(generated_at=GENERATED + dt.timedelta(seconds=1))) != first
    assert render_statement(statement(closing_balance=Decimal("1234.51"))) != first


def test_a_naive_generation_time_is_taken_as_utc() -> None:
    naive = dt.datetime(2026, 11, 28, 10, 30)  # noqa: DTZ001 - naive on purpose
    data = render_statement(statement(generated_at=naive))
    assert data == render_statement(statement())
    meta = PdfReader(io.BytesIO(data)).metadata
    assert meta is not None
    assert meta.creation_date == GENERATED


def test_the_address_block_works_on_any_fpdf_document() -> None:
    """What a reminder letter will do: a plain fpdf2 document (Latin-1 core fonts) and the window helper."""
    pdf = FPDF(format="A4")
    pdf.add_page()
    recipient = Address("Ødegård € Ærlig " + "Langnavn " * 20, ("Gate 1",), "0150", "OSLO", "Sverige")
    draw_address_block(pdf, recipient, COMPANY)
    text = PdfReader(io.BytesIO(bytes(pdf.output()))).pages[0].extract_text()
    assert "Fjordkraft Østlandet AS, Storgata 1, 0155 OSLO, NORGE" in text  # the sender's country: they differ
    assert "Ødegård ? Ærlig Langnavn" in text  # € is not Latin-1: replaced
    assert "..." in text  # cut to the window's width with a Latin-1 ellipsis
    assert "0150 OSLO\nSVERIGE" in text
