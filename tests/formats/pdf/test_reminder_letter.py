"""Reminder letters (purring, inkassovarsel) as PDFs, read back with pypdf and looked at as pixels: texts and
numbers per language, the § 9 wording of an inkassovarsel, the envelope window, page breaks with "Side x av
y", print batches for a mailing machine (simplex and duplex), and byte-identical output."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace
from decimal import Decimal

import pypdfium2
import pytest
from PIL import Image
from pypdf import PdfReader

from reskontro.formats.pdf import (
    DEFAULT_BODIES,
    DEFAULT_TITLES,
    LEVEL_TYPES,
    WINDOW_H,
    WINDOW_W,
    WINDOW_X,
    WINDOW_Y,
    Address,
    ReminderLetter,
    ReminderLetterLine,
    address_lines,
    default_body,
    default_title,
    fill_body,
    format_total,
    render_print_batch,
    render_reminder_letter,
)
from tests.formats.pdf.test_statement import A4, MM, lines_with, pages_text, text_of

COMPANY = Address("Fjordkraft Østlandet AS", ("Storgata 1",), "0155", "OSLO", "NORGE")
PARTY = Address("Åse Ødegård", ("Bakkeveien 3",), "6002", "ÅLESUND", "NORGE")
GENERATED = dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)
DEADLINE = dt.date(2026, 12, 14)
NOTES = ("Purregebyr NOK 37,50: 1/20 av inkassosatsen NOK 750 (inkassoforskriften § 1-2).",
         "Forsinkelsesrente 12,00 % p.a. (forsinkelsesrenteloven § 3) på faktura 5001, 01.10.2026–30.11.2026.")


def item(n: int, original: str = "1249.00", open_: str | None = None, *, item_type: str = "invoice",
         currency: str = "NOK", fee: str = "0", interest: str = "0") -> ReminderLetterLine:
    day = dt.date(2026, 9, 1) + dt.timedelta(days=n % 60)
    return ReminderLetterLine(f"{5000 + n}", item_type, day, day + dt.timedelta(days=14), currency,
                              Decimal(original), Decimal(open_ or original), Decimal(fee), Decimal(interest))


def letter(**changes: object) -> ReminderLetter:
    base = ReminderLetter(
        company=COMPANY, company_org_number="923456783", company_bank_account="12345678903", party=PARTY,
        party_number="10017", language="nb", currency="NOK", level_no=1, level_type="reminder", title=None,
        body="", letter_date=dt.date(2026, 11, 30), deadline=DEADLINE, reference="P-2026-004711",
        kid="0001001702",
        lines=(item(1, "1234.50", interest="12.34"), item(2, "2000.00", "1000.00"),
               item(3, "37.50", item_type="reminder_fee"), item(4, "-150.00", item_type="credit_note")),
        fee_total=Decimal("37.50"), interest_total=Decimal("12.34"), compensation=Decimal(0),
        total_due=Decimal("2171.84"), legal_notes=NOTES, generated_at=GENERATED)
    return replace(base, **changes)  # type: ignore[arg-type]


def many(count: int) -> tuple[ReminderLetterLine, ...]:
    return tuple(item(n, f"{100 + n}.25") for n in range(count))


def flat(text: str) -> str:
    """The text with its line breaks and runs of spaces made single spaces: wrapped paragraphs read whole."""
    return " ".join(text.split())


def placed(data: bytes, page: int = 0) -> list[tuple[str, float, float]]:
    """Each piece of text on a page with its position in mm from the left and from the top."""
    found: list[tuple[str, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            found.append((text.strip(), tm[4] / MM, (A4[1] - tm[5]) / MM))

    PdfReader(io.BytesIO(data)).pages[page].extract_text(visitor_text=visit)
    return found


# --- what the letter says --------------------------------------------------------------------------


def test_bokmal_letter_names_documents_amounts_kid_account_and_deadline() -> None:
    text = text_of(render_reminder_letter(letter()))
    for wanted in ("Betalingspåminnelse", "Kundenr. 10017", "Dato 30.11.2026", "Vår referanse P-2026-004711",
                   "KID 0001001702", "Betalingsfrist 14.12.2026", "Å betale NOK 2 171,84",
                   "Dokument Type Fakturadato Forfall Opprinnelig Åpent Rente",  # no fee on any line: no column
                   "Sum åpne poster 2 122,00", "Gebyr for dette brevet 37,50", "Forsinkelsesrente 12,34",
                   "Å betale (NOK) 2 171,84", "Til konto", "1234.56.78903", "Oppgi KID ved betaling.",
                   "Org.nr. 923 456 783", "Kontonr. 1234.56.78903", "Side 1 av 1"):
        assert wanted in text, wanted
    assert lines_with(text, "5001 ")[0] == "5001 Faktura 02.09.2026 16.09.2026 1 234,50 1 234,50 12,34"
    assert lines_with(text, "5002 ") == ["5002 Faktura 03.09.2026 17.09.2026 2 000,00 1 000,00"]
    assert lines_with(text, "5003 ") == ["5003 Purregebyr 04.09.2026 18.09.2026 37,50 37,50"]
    assert lines_with(text, "5004 ") == ["5004 Kreditnota 05.09.2026 19.09.2026 -150,00 -150,00"]
    assert "Vi ber deg betale NOK 2 171,84 innen 14.12.2026." in flat(text)  # the standard text, filled in
    assert "Med vennlig hilsen\nFjordkraft Østlandet AS" in text
    assert "Grunnlag for gebyr og renter" in text
    for note in NOTES:
        assert note in flat(text)


def test_english_letter_formats_numbers_and_dates_the_english_way() -> None:
    text = text_of(render_reminder_letter(letter(language="en-GB")))
    for wanted in ("Payment reminder", "Customer no. 10017", "Date 2026-11-30", "Our reference P-2026-004711",
                   "Pay by 2026-12-14", "Amount to pay NOK 2,171.84", "Total open 2,122.00",
                   "Fee for this letter 37.50", "Late-payment interest 12.34", "Amount to pay (NOK) 2,171.84",
                   "Document Type Invoice date Due date Original Open Interest", "Give the KID when you pay.",
                   "Org. no. 923 456 783", "Bank account 1234.56.78903", "Page 1 of 1", "Basis for fees and interest",
                   "0001001702"):
        assert wanted in text, wanted
    assert "Please pay NOK 2,171.84 by 2026-12-14." in flat(text)
    assert lines_with(text, "5001 ") == ["5001 Invoice 2026-09-02 2026-09-16 1,234.50 1,234.50 12.34"]
    assert "Reminder fee" in lines_with(text, "5003 ")[0]
    assert "Betalingspåminnelse" not in text


def test_nynorsk_letter() -> None:
    text = text_of(render_reminder_letter(letter(language="nn")))
    for wanted in ("Betalingspåminning", "Ope", "Oppgje KID ved betaling.",
                   "Med venleg helsing", "Side 1 av 1", "2 171,84"):
        assert wanted in text, wanted
    assert "innan 14.12.2026" in flat(text)


def test_a_swedish_card_reads_bokmal_and_a_german_card_english() -> None:
    assert "Betalingspåminnelse" in text_of(render_reminder_letter(letter(language="sv")))
    assert "Payment reminder" in text_of(render_reminder_letter(letter(language="de")))


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_the_norwegian_collection_warning_meets_inkassoloven_9(language: str) -> None:
    text = flat(text_of(render_reminder_letter(letter(level_type="warning", level_no=2, language=language))))
    assert "Inkassovarsel" in text
    assert f"inkassolov{'en' if language == 'nb' else 'a'} § 9" in text
    assert "Betal NOK 2 171,84" in text
    assert "14.12.2026" in text
    assert "vil det bli sendt til inkasso" in text  # collection follows unless paid by the deadline ...
    assert ("ytterligere kostnader" if language == "nb" else "ytterlegare kostnader") in text  # ... and costs more


def test_the_english_collection_warning_says_the_same() -> None:
    text = flat(text_of(render_reminder_letter(letter(level_type="warning", language="en"))))
    assert "Debt collection notice" in text
    assert "section 9 of the Norwegian Debt Collection Act" in text
    assert "If the claim is not paid by this deadline, it will be sent to debt collection" in text
    assert "add further costs" in text


def test_every_level_type_has_a_title_and_a_text_in_every_language() -> None:
    for language in ("nb", "nn", "en"):
        assert set(DEFAULT_TITLES[language]) == set(LEVEL_TYPES)
        assert set(DEFAULT_BODIES[language]) == set(LEVEL_TYPES)
        for level_type in LEVEL_TYPES:
            body = default_body(level_type, language)
            assert "{total}" in body
            assert "{deadline}" in body
            assert "{company}" in body
    assert default_title("collection", "nb") == "Oversendelse til inkasso"
    assert default_title("something new", "en") == "Payment reminder"  # an unknown level reads as a reminder
    assert default_body("warning", "no") == DEFAULT_BODIES["nb"]["warning"]
    text = text_of(render_reminder_letter(letter(level_type="collection")))
    assert "Oversendelse til inkasso" in text
    assert "sendt til inkasso etter 14.12.2026" in flat(text)


def test_fill_body_formats_in_the_language_and_leaves_other_braces() -> None:
    template = "Betal {total} innen {deadline}. Hilsen {company}. {ukjent} {"
    filled = fill_body(template, total=Decimal("1234.5"), currency="nok", deadline=DEADLINE, company="Demo AS",
                       language="nb")
    assert filled == "Betal NOK\u00a01\u00a0234,50 innen 14.12.2026. Hilsen Demo AS. {ukjent} {"
    assert fill_body("{total} by {deadline}", total=Decimal("-1234.5"), currency="EUR", deadline=DEADLINE,
                     company="", language="en") == "EUR\u00a0-1,234.50 by 2026-12-14"
    assert format_total(Decimal("5"), "JPY", "nb") == "JPY\u00a05"


def test_the_routines_title_and_text_replace_the_standard_ones() -> None:
    body = "Første avsnitt med {ukjent} klammer.\n\nAndre avsnitt,\nmed linjeskift.\r\n\r\n\n  Tredje."
    text = text_of(render_reminder_letter(letter(title="2. purring", body=body)))
    assert "2. purring" in text
    assert "Betalingspåminnelse" not in text
    assert "Første avsnitt med {ukjent} klammer.\nAndre avsnitt,\nmed linjeskift.\nTredje." in text
    assert "Vi ber deg betale" not in text


def test_without_a_kid_the_reference_is_what_to_pay_with() -> None:
    text = text_of(render_reminder_letter(letter(kid=None, company_bank_account="NO9386011117947")))
    assert "KID" not in text
    assert "Oppgi referansen ved betaling." in text
    assert "NO93 8601 1117 947" in text
    assert text.count("P-2026-004711") >= 2  # beside the window and in the payment box


def test_fees_per_item_compensation_and_an_item_in_another_currency() -> None:
    lines = (item(1, "48500.00", fee="37.50", interest="1435.07"), item(2, "99.50", currency="EUR"))
    text = text_of(render_reminder_letter(letter(
        lines=lines, language="en", fee_total=Decimal("37.50"), interest_total=Decimal("1435.07"),
        compensation=Decimal("460"), total_due=Decimal("50432.57"))))
    assert "Document Type Invoice date Due date Original Open Fee Interest" in text
    assert lines_with(text, "5001 ") == ["5001 Invoice 2026-09-02 2026-09-16 48,500.00 48,500.00 37.50 1,435.07"]
    assert lines_with(text, "5002 ") == ["5002 [EUR] Invoice 2026-09-03 2026-09-17 99.50 99.50"]
    assert "Total open 48,500.00" in text  # the letter's currency only
    assert "Compensation, Late Payment Interest Act § 3a 460.00" in text
    assert "Amount to pay (NOK) 50,432.57" in text


def test_no_new_charges_and_no_notes_leave_their_lines_out() -> None:
    text = text_of(render_reminder_letter(letter(fee_total=Decimal(0), interest_total=Decimal(0), legal_notes=(),
                                                 company_bank_account=None, company_org_number=None)))
    assert "Gebyr for dette brevet" not in text
    assert "Forsinkelsesrente" not in text
    assert "Grunnlag for gebyr og renter" not in text
    assert "Org.nr." not in text
    assert "Kontonr." not in text
    assert "Til konto\n–\nKID" in text  # no account to print: a dash, not an empty field


# --- layout ----------------------------------------------------------------------------------------


def test_page_is_a4_with_metadata() -> None:
    reader = PdfReader(io.BytesIO(render_reminder_letter(letter())))
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(A4, abs=0.01)
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "Betalingspåminnelse 10017 Åse Ødegård"
    assert meta.author == "Fjordkraft Østlandet AS"
    assert meta.subject == "P-2026-004711"
    assert meta.creation_date == GENERATED


def test_recipient_address_sits_in_the_envelope_window() -> None:
    found = placed(render_reminder_letter(letter()))
    for wanted in address_lines(PARTY, COMPANY.country):
        x, y = next((x, y) for text, x, y in found if text == wanted)
        assert WINDOW_X <= x < WINDOW_X + 5
        assert WINDOW_Y + 5 <= y <= WINDOW_Y + WINDOW_H
    x, y = next((x, y) for text, x, y in found if text.startswith("Fjordkraft Østlandet AS, Storgata 1"))
    assert WINDOW_X <= x < WINDOW_X + 5
    assert WINDOW_Y <= y <= WINDOW_Y + 5
    x, y = next((x, y) for text, x, y in found if text == "Betalingsfrist")
    assert x >= WINDOW_X + WINDOW_W  # the facts stand beside the window, not in it
    assert WINDOW_Y <= y <= WINDOW_Y + WINDOW_H
    assert all(y > WINDOW_Y + WINDOW_H for text, x, y in found if text.startswith("Vi kan ikke se"))


def test_a_long_letter_breaks_pages_with_the_header_repeated_and_page_numbers() -> None:
    lines = many(80)
    total = sum((line.open for line in lines), Decimal(0))
    pages = pages_text(render_reminder_letter(letter(lines=lines, total_due=total, fee_total=Decimal(0),
                                                     interest_total=Decimal(0))))
    count = len(pages)
    assert count >= 3
    for number, page in enumerate(pages, start=1):
        assert f"Side {number} av {count}" in page
        assert "Org.nr. 923 456 783" in page
    for page in pages[:-1]:
        assert "Dokument Type Fakturadato Forfall Opprinnelig Åpent" in page  # the header row on each page
    for number, page in enumerate(pages[1:], start=2):
        assert "Betalingspåminnelse · Kundenr. 10017 · Åse Ødegård" in page, number
    everything = "\n".join(pages)
    for n in range(80):
        assert len(lines_with(everything, f"{5000 + n} ")) == 1
    assert "Å betale (NOK) 11 180,00" in pages[-1]  # 80 × 100,25 + (0 + … + 79)
    assert "Kari" not in everything


def test_payment_box_is_never_split_and_moves_to_a_new_page() -> None:
    """Some number of items fills page 1 to the brim: then the payment box goes on page 2, whole."""
    for count in range(15, 35):
        pages = pages_text(render_reminder_letter(letter(lines=many(count))))
        if len(pages) == 2 and "Faktura" not in pages[1] and "Til konto" not in pages[0]:
            assert "Til konto" in pages[1]
            assert "0001001702" in pages[1]
            assert "Side 2 av 2" in pages[1]
            return
    pytest.fail("no number of items put the payment box alone on page 2")


# --- print batch -----------------------------------------------------------------------------------


def batch_letters() -> list[ReminderLetter]:
    """Three letters: one page, three pages (80 items), one page in English."""
    long = many(80)
    return [
        letter(),
        letter(party=replace(PARTY, name="Per Langliste"), party_number="10018", lines=long, reference="P-2",
               total_due=sum((line.open for line in long), Decimal(0))),
        letter(party=Address("Nordic Trading AB", ("Box 1",), "111 51", "Stockholm", "Sweden"), party_number="20481",
               language="en", reference="P-3"),
    ]


@pytest.mark.parametrize(("duplex", "expected"), [(False, 1 + 3 + 1), (True, 2 + 4 + 2)])
def test_a_print_batch_starts_each_letter_on_a_new_sheet(duplex: bool, expected: int) -> None:
    data = render_print_batch(batch_letters(), duplex=duplex)
    pages = pages_text(data)
    assert len(pages) == expected
    firsts = [0, 2, 6] if duplex else [0, 1, 4]
    names = ["Åse Ødegård", "Per Langliste", "Nordic Trading AB"]
    for first, name in zip(firsts, names, strict=True):
        recipient = [text for text, x, y in placed(data, first) if WINDOW_Y + 5 <= y <= WINDOW_Y + WINDOW_H
                     and x < WINDOW_X + WINDOW_W]
        assert recipient[0] == name
        assert ("Page 1 of" if name.startswith("Nordic") else "Side 1 av") in pages[first]
    assert "Side 3 av 3" in pages[firsts[1] + 2]  # each letter counts its own pages
    assert "Page 1 of 1" in pages[firsts[2]]
    if duplex:
        for blank in (1, 5, 7):
            assert pages[blank].strip() == ""


def test_a_print_batch_of_one_equals_the_letter_but_for_its_title() -> None:
    single = pages_text(render_reminder_letter(letter()))
    assert pages_text(render_print_batch([letter()])) == single
    meta = PdfReader(io.BytesIO(render_print_batch(batch_letters()))).metadata
    assert meta is not None
    assert meta.title == "3 purrebrev, 5 sider"
    assert meta.creation_date == GENERATED


def test_an_empty_print_batch_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one letter"):
        render_print_batch([])


# --- pixels ----------------------------------------------------------------------------------------

DPI = 100


def page_image(data: bytes, page: int = 0) -> Image.Image:
    document = pypdfium2.PdfDocument(data)
    try:
        return document[page].render(scale=DPI / 72, grayscale=True).to_pil().convert("L")
    finally:
        document.close()


def region(image: Image.Image, left: float, top: float, right: float, bottom: float) -> Image.Image:
    """The part of the page between these mm from the left and the top."""
    px = DPI / 25.4
    return image.crop((round(left * px), round(top * px), round(right * px), round(bottom * px)))


def test_the_rendered_page_has_the_address_in_the_window_and_white_margins() -> None:
    image = page_image(render_reminder_letter(letter()))
    assert image.size[0] == pytest.approx(210 * DPI / 25.4, abs=1)
    assert image.size[1] == pytest.approx(297 * DPI / 25.4, abs=1)
    darkest, _ = region(image, WINDOW_X, WINDOW_Y + 5, WINDOW_X + WINDOW_W, WINDOW_Y + WINDOW_H).getextrema()
    assert darkest < 80  # the recipient's name and address
    for name, (left, top, right, bottom) in {
        "top": (0, 0, 210, 12), "bottom": (0, 290, 210, 297), "right": (196, 0, 210, 297),
        "left edge": (0, 0, 3.5, 297), "left of the text, right of the fold marks": (10, 0, 19.5, 297),
        "window right of the address": (WINDOW_X + 60, WINDOW_Y + 25, WINDOW_X + WINDOW_W, WINDOW_Y + WINDOW_H),
    }.items():
        darkest, _ = region(image, left, top, right, bottom).getextrema()
        assert darkest >= 250, name


# --- determinism -----------------------------------------------------------------------------------


def test_equal_letters_give_identical_bytes() -> None:
    first = render_reminder_letter(letter())
    assert first.startswith(b"%PDF-")
    assert render_reminder_letter(letter()) == first
    assert render_reminder_letter(letter(generated_at=GENERATED + dt.timedelta(seconds=1))) != first
    naive = dt.datetime(2026, 11, 30, 6, 0)  # noqa: DTZ001 - naive on purpose: taken as UTC
    assert render_reminder_letter(letter(generated_at=naive)) == first
    assert render_print_batch(batch_letters(), duplex=True) == render_print_batch(batch_letters(), duplex=True)
