"""A party's statement (kontoutskrift) as an A4 PDF, in the party's language.

Layout, in millimetres from the top-left corner of an A4 portrait page (210 × 297):

* Margins: 20 left (the envelope window's left edge), 15 right, so tables are 175 wide.
* Window envelope (:func:`draw_address_block`, constants ``WINDOW_*``): the address field is
  x 20, y 45, 85 wide and 45 high, as DIN 5008 form B / the common Norwegian C5 and DL (E65) left
  window envelopes place it. Its top 5 mm carry a one-line return address in 6.5 pt; the recipient
  fills the 40 mm below in 10 pt (at most 8 lines, each cut to 85 mm). Fold marks at y 105 and 210
  and a punch mark at 148.5 sit in the left edge, so the sheet folded in three fits a DL envelope.
  The helper works on any ``FPDF`` (Latin-1 or Windows-1252 core-font encoding).
* :class:`LetterPDF` is this layout for any letter (the statement, the reminder letters of
  ``reminder_letter.py``): letterhead, window, facts, tables and footer, for one letter or a print
  batch of many in one document, each with its own "Side 1 av 2".
* Page 1: sender's name and address top left, the title top right (16 pt, set smaller down to 11 pt
  before a long one is cut), and beside the window (x 125) party number, period, date, currency and
  closing balance. Tables start at y 100.
* Later pages: a one-line header (sender, title, party number and name) over a rule.
* Every page: a footer with sender name, address, "Org.nr. 923 456 783" and the bank account
  (11-digit Norwegian accounts as 4.2.5, "1234.56.78903"; IBANs in groups of four), and "Side 1 av 3"
  / "Page 1 of 3". The footers are drawn when the letter is finished (fpdf2 may go back to a finished
  page), so the page count is exact without a second rendering, and no placeholder text can clash
  with the party's own text.
* Tables break across pages with their header row repeated; cell text that is too long is cut
  with "…" (rows are one line high, so the row count decides the page count).

Language (:func:`resolve_language`): ``nb``, ``nn`` and ``en`` have their own texts; ``no`` is ``nb``;
Swedish and Danish readers get ``nb`` (closer to them than English); every other code gets ``en``.
Numbers: nb/nn "-1 234,50" (no-break space, U+00A0, between thousands; decimal comma), en "-1,234.50";
decimals follow the currency (NOK 2, JPY 0). Dates: nb/nn "28.11.2026", en ISO 8601 "2026-11-28"
(the same width, unambiguous for US and UK readers, independent of the machine's locale).

Text: the core font Helvetica is used with the Windows-1252 encoding (Latin-1 plus €, – — “ ” … Š Œ
and a few more). Characters outside it are folded where possible (ő → o, ł → l, ﬁ → fi) and replaced
with "?" otherwise (CJK, emoji); control characters become spaces (:func:`safe_text`).

Output is deterministic: equal statements give byte-identical PDFs (the creation date is
``generated_at``; a naive ``generated_at`` is taken as UTC).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from fpdf import FPDF
from fpdf.fonts import CoreFont

from reskontro.money import exponent, round_money

__all__ = [
    "BOTTOM",
    "LEFT",
    "RIGHT",
    "ROW_H",
    "WINDOW_H",
    "WINDOW_W",
    "WINDOW_X",
    "WINDOW_Y",
    "Address",
    "LetterPDF",
    "Letterhead",
    "Statement",
    "StatementLine",
    "StatementOpenItem",
    "TableColumn",
    "address_lines",
    "draw_address_block",
    "fill_width",
    "format_amount",
    "format_bank_account",
    "format_date",
    "format_org_number",
    "kind_text",
    "label",
    "put_text",
    "render_statement",
    "resolve_language",
    "safe_text",
    "shrink_to_fit",
    "text_width",
]

# --- input -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Address:
    name: str
    lines: tuple[str, ...]
    postal_code: str | None
    city: str | None
    country: str | None


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One posting in the period; ``amount`` in company currency with the ledger's sign, ``balance`` running."""

    date: dt.date
    voucher_ref: str
    document_number: str | None
    kind_label: str  # a code: invoice, payment, credit_note, write_off, opening_balance, ...
    description: str | None
    due_date: dt.date | None
    currency: str  # the document's currency; shown beside the text when it is not the statement's
    amount: Decimal
    balance: Decimal


@dataclass(frozen=True, slots=True)
class StatementOpenItem:
    document_number: str
    item_type: str
    date: dt.date
    due_date: dt.date
    currency: str
    amount: Decimal
    open_amount: Decimal
    days_overdue: int
    kid: str | None = None  # what the customer pays the invoice with


@dataclass(frozen=True, slots=True)
class Statement:
    company: Address
    company_org_number: str | None
    company_bank_account: str | None
    party: Address
    party_number: str
    party_kind: str  # customer | supplier
    language: str
    currency: str
    date_from: dt.date
    date_to: dt.date
    opening_balance: Decimal
    lines: tuple[StatementLine, ...]
    closing_balance: Decimal
    open_items: tuple[StatementOpenItem, ...]
    generated_at: dt.datetime


# --- language --------------------------------------------------------------------------------------

_NB = {
    "title_customer": "Kontoutskrift", "title_supplier": "Leverandørutskrift",
    "number_customer": "Kundenr.", "number_supplier": "Leverandørnr.",
    "period": "Periode", "date": "Dato", "currency": "Valuta", "page": "Side {page} av {pages}",
    "org": "Org.nr.", "account": "Kontonr.", "movements": "Bevegelser i perioden",
    "voucher": "Bilag", "document": "Dokument", "type": "Type", "text": "Tekst", "due": "Forfall",
    "amount": "Beløp", "balance": "Saldo", "opening": "Inngående saldo", "closing": "Utgående saldo",
    "open_items": "Åpne poster", "open_amount": "Åpent beløp", "days_overdue": "Dager forf.",
    "total_open": "Sum åpne poster", "total_overdue": "Herav forfalt", "no_open": "Ingen åpne poster.",
    "invoice": "Faktura", "credit_note": "Kreditnota", "payment": "Betaling", "write_off": "Avskrivning",
    "opening_balance": "Inng. saldo", "reversal": "Tilbakeføring", "fx_difference": "Valutadiff.",
    "reminder_fee": "Purregebyr", "interest": "Renter", "compensation": "Kompensasjon",
}
_TEXTS: dict[str, dict[str, str]] = {
    "nb": _NB,
    "nn": _NB | {
        "movements": "Rørsler i perioden", "opening": "Inngåande saldo", "closing": "Utgåande saldo",
        "open_items": "Opne postar", "open_amount": "Ope beløp", "days_overdue": "Dagar forf.",
        "total_open": "Sum opne postar", "total_overdue": "Av dette forfalle", "no_open": "Ingen opne postar.",
        "write_off": "Avskriving", "opening_balance": "Inng. saldo",
    },
    "en": {
        "title_customer": "Account statement", "title_supplier": "Supplier statement",
        "number_customer": "Customer no.", "number_supplier": "Supplier no.",
        "period": "Period", "date": "Date", "currency": "Currency", "page": "Page {page} of {pages}",
        "org": "Org. no.", "account": "Bank account", "movements": "Transactions in the period",
        "voucher": "Voucher", "document": "Document", "type": "Type", "text": "Text", "due": "Due date",
        "amount": "Amount", "balance": "Balance", "opening": "Opening balance", "closing": "Closing balance",
        "open_items": "Open items", "open_amount": "Open amount", "days_overdue": "Days late",
        "total_open": "Total open", "total_overdue": "Of which overdue", "no_open": "No open items.",
        "invoice": "Invoice", "credit_note": "Credit note", "payment": "Payment", "write_off": "Write-off",
        "opening_balance": "Opening bal.", "reversal": "Reversal", "fx_difference": "FX difference",
        "reminder_fee": "Reminder fee", "interest": "Interest", "compensation": "Compensation",
    },
}


def resolve_language(code: str) -> str:
    """``nb``, ``nn`` or ``en`` for a party's language code: no→nb, sv/da→nb, anything unknown→en."""
    primary = code.strip().lower().replace("_", "-").split("-")[0]
    if primary in ("nb", "no", "sv", "da"):
        return "nb"
    return primary if primary in _TEXTS else "en"


def label(key: str, language: str) -> str:
    """One of the statement's labels (``number_customer``, ``document``, ``due``, ...) in the language."""
    return _TEXTS[resolve_language(language)][key]


def kind_text(code: str, language: str) -> str:
    """A kind code in the language; voucher-type codes (``customer_invoice``) lose their prefix."""
    key = code.strip().lower().removeprefix("customer_").removeprefix("supplier_")
    return _TEXTS[resolve_language(language)].get(key, code.replace("_", " "))


def format_amount(amount: Decimal, language: str, currency: str = "NOK") -> str:
    """``-1 234,50`` (nb/nn, U+00A0 between thousands) or ``-1,234.50`` (en), to the currency's decimals."""
    rounded = round_money(amount, currency)
    text = f"{abs(rounded) if rounded == 0 else rounded:,.{exponent(currency)}f}"
    if resolve_language(language) in ("nb", "nn"):
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def format_date(day: dt.date, language: str) -> str:
    """``28.11.2026`` (nb/nn) or ISO 8601 ``2026-11-28`` (en)."""
    return day.isoformat() if resolve_language(language) == "en" else f"{day:%d.%m.%Y}"


def format_org_number(number: str) -> str:
    """``923 456 783`` for a nine-digit organisation number; anything else as given."""
    digits = "".join(number.split())
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 9 and digits.isdigit() else number


def format_bank_account(number: str) -> str:
    """``1234.56.78903`` for an 11-digit Norwegian account, an IBAN in groups of four, else as given."""
    compact = "".join(number.split()).replace(".", "").upper()
    if len(compact) == 11 and compact.isdigit():
        return f"{compact[:4]}.{compact[4:6]}.{compact[6:]}"
    if len(compact) > 4 and compact[:2].isalpha() and compact[2:4].isdigit() and compact.isalnum():
        return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))
    return number


# --- text the core font can show -------------------------------------------------------------------

#: Letters that have no decomposition but an obvious Latin base letter.
_FOLD = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i", "ħ": "h", "Ħ": "H", "ŧ": "t",
                       "Ŧ": "T", "\u2212": "-", "\u2011": "-", "\u2010": "-"})


def safe_text(text: str, encoding: str = "cp1252") -> str:
    """Text that a core font in ``encoding`` can show: unknown characters folded or replaced by ``?``."""
    text = unicodedata.normalize("NFC", text).translate(_FOLD)
    if text.isprintable() and _encodable(text, encoding):
        return text
    out: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp"):  # tabs, line breaks: the cells are one line
            out.append(" ")
        elif category in ("Cf", "Mn", "Me"):  # zero-width joiners, variation selectors, stray accents
            continue
        elif _encodable(char, encoding):
            out.append(char)
        else:
            folded = "".join(c for c in unicodedata.normalize("NFKD", char)
                             if not unicodedata.combining(c) and _encodable(c, encoding))
            out.append(folded or "?")
    return "".join(out)


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


# --- the window envelope ---------------------------------------------------------------------------

WINDOW_X, WINDOW_Y, WINDOW_W, WINDOW_H = 20.0, 45.0, 85.0, 45.0
_RETURN_H = 5.0  # the return-address line at the top of the window
_ADDRESS_LINE_H = 4.6


def address_lines(address: Address, home_country: str | None = None) -> list[str]:
    """Name, street lines, "postal code city", and the country unless it is ``home_country`` or empty."""
    lines = [address.name, *address.lines]
    place = " ".join(p for p in (address.postal_code, address.city) if p)
    if place:
        lines.append(place)
    if address.country and address.country.strip().casefold() != (home_country or "").strip().casefold():
        lines.append(address.country.upper())
    return [line.strip() for line in lines if line and line.strip()]


def draw_address_block(pdf: FPDF, recipient: Address, sender: Address | None = None) -> None:
    """Put ``recipient`` in the envelope window, with ``sender`` as a small return address above it.

    A country is shown only where the two differ (the recipient's when it is not the sender's, and
    vice versa); it is printed upper-cased as given, so give a name ("NORWAY"), not a code. Draws in
    Helvetica with :func:`put_text`: the current position is not moved, the font is changed.
    """
    encoding = pdf.core_fonts_encoding or "latin-1"
    if sender is not None:
        pdf.set_font("helvetica", "", 6.5)
        line = safe_text(", ".join(address_lines(sender, recipient.country)), encoding)
        put_text(pdf, WINDOW_X, WINDOW_Y, WINDOW_W, _RETURN_H - 1.5, line)
        pdf.line(WINDOW_X + pdf.c_margin, WINDOW_Y + _RETURN_H - 1.5, WINDOW_X + WINDOW_W - pdf.c_margin,
                 WINDOW_Y + _RETURN_H - 1.5)
    home = sender.country if sender is not None else None
    lines = address_lines(recipient, home)[: int((WINDOW_H - _RETURN_H) // _ADDRESS_LINE_H)]
    for index, line in enumerate(lines):
        pdf.set_font("helvetica", "B" if index == 0 else "", 10)
        put_text(pdf, WINDOW_X, WINDOW_Y + _RETURN_H + index * _ADDRESS_LINE_H, WINDOW_W, _ADDRESS_LINE_H,
                 safe_text(line, encoding))


def put_text(pdf: FPDF, x: float, y: float, w: float, h: float, text: str, align: str = "L") -> None:
    """One line of ``text`` in the box (x, y, w, h), like a cell without its cost: cut to fit, aligned L or R.

    The text must already be safe for the font (:func:`safe_text`). Unlike ``FPDF.cell`` this neither
    moves the position nor breaks pages; it is ten times faster, which long statements notice.
    """
    text = _fit(pdf, text, w)
    if text:
        left = x + w - pdf.c_margin - text_width(pdf, text) if align == "R" else x + pdf.c_margin
        pdf.text(left, y + 0.5 * h + 0.3 * pdf.font_size, text)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """``text`` cut with "…" to fit a box ``width`` wide in the current font (text already safe)."""
    room = width - 2 * pdf.c_margin
    if text_width(pdf, text) <= room:
        return text
    ellipsis = "…" if _encodable("…", pdf.core_fonts_encoding or "latin-1") else "..."
    low, high = 0, len(text)  # the longest prefix that fits with the ellipsis, by bisection
    while low < high:
        mid = (low + high + 1) // 2
        if text_width(pdf, text[:mid].rstrip() + ellipsis) <= room:
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + ellipsis


def shrink_to_fit(pdf: FPDF, text: str, width: float, smallest: float) -> None:
    """Make the font smaller, half a point at a time down to ``smallest``, until ``text`` fits ``width``.

    For the few texts that must be read whole (a title, an account number): what still does not fit at
    ``smallest`` is cut by :func:`put_text` as usual.
    """
    while pdf.font_size_pt > smallest and text_width(pdf, text) > width - 2 * pdf.c_margin:
        pdf.set_font_size(pdf.font_size_pt - 0.5)


def text_width(pdf: FPDF, text: str) -> float:
    """``FPDF.get_string_width`` for a core font, read from its width table: the fpdf2 call costs 10×."""
    font = pdf.current_font
    if isinstance(font, CoreFont):
        return sum(font.cw[c] for c in pdf.normalize_text(text)) * pdf.font_size_pt / 1000 / pdf.k
    return pdf.get_string_width(text)


# --- the letter layout -----------------------------------------------------------------------------

LEFT, RIGHT, TOP_LATER, BOTTOM = 20.0, 15.0, 22.0, 22.0
ROW_H = 4.8
BODY_PT = 8.0
_GREY = 230


@dataclass(frozen=True, slots=True)
class TableColumn:
    title: str
    width: float
    align: str = "L"


@dataclass(frozen=True, slots=True)
class Letterhead:
    """What the window layout prints about one letter on its pages: who writes to whom, and the title."""

    company: Address
    company_org_number: str | None
    company_bank_account: str | None
    party: Address
    party_number: str
    number_label: str  # "Kundenr." / "Customer no.", in the letter's language
    title: str
    language: str  # nb, nn or en (see resolve_language)
    currency: str  # amounts without a currency of their own are in it

    @property
    def document_title(self) -> str:
        """The PDF's title: "Kontoutskrift 10001 Kunde AS"."""
        return f"{self.title} {self.party_number} {self.party.name}"


class LetterPDF(FPDF):
    """A4 pages in the window-envelope layout: one letter, or a print batch of many in one document.

    :meth:`begin_letter` starts a letter on a new page, whose header is the letterhead (later pages: a
    one-line header); :meth:`end_letter` then writes every page's footer, "Side 2 av 3" counted within the
    letter. The footers wait until the letter's page count is known, so it is exact without a second
    rendering and without a placeholder that the letter's own text could clash with.
    """

    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.core_fonts_encoding = "cp1252"
        self.alias_nb_pages("")  # the page count is known: no placeholder replaced in the text
        self.set_margins(LEFT, TOP_LATER, RIGHT)
        self.set_auto_page_break(True, BOTTOM)
        self.set_creator("reskontro")
        self.set_producer("reskontro")
        self.head: Letterhead | None = None  # None on a blank page
        self.t = _TEXTS["en"]
        self.letter_start = 1  # the document page the current letter starts on

    # --- the letters in the document
    def begin_letter(self, head: Letterhead) -> None:
        """Start a letter on a new page: its page 1, with the letterhead and the fold marks."""
        self.head = head
        self.t = _TEXTS[head.language]
        self.letter_start = self.page + 1
        self.add_page()

    def end_letter(self) -> int:
        """Write the footer on each page of the current letter, now that their count is known; return it."""
        last = self.page
        pages = last - self.letter_start + 1
        for number in range(1, pages + 1):
            self.page = self.letter_start + number - 1  # back to a finished page, as fpdf2 allows
            self._restate_graphics()
            self.letter_footer(number, pages)
        return pages  # the last footer went on the last page: self.page is that page again

    def blank_page(self) -> None:
        """A page with nothing on it, e.g. the back of a letter's last sheet when printing on both sides."""
        self.head = None
        self.add_page()

    def describe(self, *, created: dt.datetime, title: str, author: str, subject: str,
                 language: str | None) -> None:
        """The document's metadata; a naive ``created`` is taken as UTC, and it makes the output repeatable."""
        self.set_creation_date(created if created.tzinfo else created.replace(tzinfo=dt.UTC))
        self.set_title(title)
        self.set_author(author)
        self.set_subject(subject)
        if language:
            self.set_lang({"nb": "nb-NO", "nn": "nn-NO", "en": "en"}[language])

    # --- helpers
    @property
    def language(self) -> str:
        return self.head.language if self.head else "en"

    def safe(self, text: str | None) -> str:
        return safe_text(text or "", "cp1252")

    def day(self, day: dt.date | None) -> str:
        return format_date(day, self.language) if day else ""

    def money(self, amount: Decimal, currency: str | None = None) -> str:
        return format_amount(amount, self.language, currency or (self.head.currency if self.head else "NOK"))

    def text_at(self, x: float, y: float, w: float, text: str, style: str = "", size: float = BODY_PT,
                align: str = "L", h: float = 4.0) -> None:
        self.set_font("helvetica", style, size)
        put_text(self, x, y, w, h, self.safe(text), align)

    @property
    def content_width(self) -> float:
        return self.w - LEFT - RIGHT

    # --- page furniture: the header is called by fpdf2, the footer by end_letter
    def header(self) -> None:
        head = self.head
        if head is None:
            return
        width = self.content_width
        if self.page == self.letter_start:
            self.text_at(LEFT, 15, 100, head.company.name, "B", 13, h=6)
            for index, line in enumerate(address_lines(head.company, head.party.country)[1:5]):
                self.text_at(LEFT, 21.5 + index * 3.6, 100, line, size=8, h=3.6)
            self.set_font("helvetica", "B", 16)
            title = self.safe(head.title)
            shrink_to_fit(self, title, 70, 11)
            put_text(self, self.w - RIGHT - 70, 15, 70, 7, title, "R")
            for y in (105.0, 210.0, 148.5):  # fold marks and the punch mark
                self.line(4, y, 9 if y != 148.5 else 7, y)
            return
        self.text_at(LEFT, 10, width / 2, head.company.name, "B", 9)
        right = f"{head.title} · {head.number_label} {head.party_number} · {head.party.name}"
        self.text_at(LEFT + width / 2, 10, width / 2, right, size=9, align="R")
        self.line(LEFT, 16, self.w - RIGHT, 16)
        self.set_y(TOP_LATER)

    def letter_footer(self, page: int, pages: int) -> None:
        """Sender, organisation number and bank account, and "Side 1 av 3", at the foot of a letter's page."""
        head = self.head
        assert head is not None
        width = self.content_width
        y = self.h - 17
        self.set_draw_color(150)
        self.line(LEFT, y, self.w - RIGHT, y)
        self.set_draw_color(0)
        self.text_at(LEFT, y + 1.5, width - 35, ", ".join(address_lines(head.company, head.party.country)),
                     size=7, h=3.5)
        facts = []
        if head.company_org_number:
            facts.append(f"{self.t['org']} {format_org_number(head.company_org_number)}")
        if head.company_bank_account:
            facts.append(f"{self.t['account']} {format_bank_account(head.company_bank_account)}")
        self.text_at(LEFT, y + 5, width - 35, " · ".join(facts), size=7, h=3.5)
        self.text_at(self.w - RIGHT - 35, y + 1.5, 35, self.t["page"].format(page=page, pages=pages), size=7,
                     align="R", h=3.5)

    def _restate_graphics(self) -> None:
        """Make fpdf2 state colours, line width and font again on a page drawn earlier.

        fpdf2 writes a setting only when it differs from the last one it wrote, which was on another page;
        the earlier page's content stream ended in a state of its own. Setting another value first and then
        the wanted one always writes the wanted one.
        """
        self.current_font_is_set_on_page = False
        self.set_fill_color(255)
        self.set_fill_color(0)  # text is drawn in the fill colour
        self.set_text_color(0)
        self.set_draw_color(255)
        self.set_draw_color(0)
        self.set_line_width(0.3)
        self.set_line_width(0.2)

    # --- content
    def window(self, facts: Sequence[tuple[str, str]]) -> None:
        """The recipient in the envelope window, and beside it (x 125) up to eight facts, label and value."""
        head = self.head
        assert head is not None
        draw_address_block(self, head.party, head.company)
        for index, (label, value) in enumerate(facts[:8]):
            y = WINDOW_Y + _RETURN_H + index * _ADDRESS_LINE_H
            self.text_at(125, y, 28, label, "B", 9, h=_ADDRESS_LINE_H)
            self.text_at(153, y, self.w - RIGHT - 153, value, size=9, h=_ADDRESS_LINE_H)

    def heading(self, text: str, rows_after: int) -> None:
        """A section heading, on a new page unless it, the table header and ``rows_after`` rows fit."""
        if self.will_page_break(7 + ROW_H * (1 + rows_after)):
            self.add_page()
        self.text_at(LEFT, self.y, self.content_width, text, "B", 11, h=7)
        self.set_y(self.y + 7)

    def draw_table(self, columns: Sequence[TableColumn], rows: Sequence[tuple[Sequence[str | None], bool]]) -> None:
        """Rows of one line each; a ``None`` cell widens the cell before it; ``True`` rows are bold totals.

        A row that does not fit goes on a new page, under the header row drawn again.
        """
        self.table_header(columns)
        for cells, bold in rows:
            if self.will_page_break(ROW_H):
                self.add_page()
                self.table_header(columns)
            self.set_font("helvetica", "B" if bold else "", BODY_PT)
            if bold:
                self.line(self.l_margin, self.y, self.w - RIGHT, self.y)
            merged: list[tuple[str, float, str]] = []
            for column, text in zip(columns, cells, strict=True):
                if text is None:
                    last_text, last_width, last_align = merged[-1]
                    merged[-1] = (last_text, last_width + column.width, last_align)
                else:
                    merged.append((text, column.width, column.align))
            x = LEFT
            for text, width, align in merged:
                put_text(self, x, self.y, width, ROW_H, self.safe(text), align)
                x += width
            self.set_y(self.y + ROW_H)

    def table_header(self, columns: Sequence[TableColumn]) -> None:
        self.set_font("helvetica", "B", BODY_PT)
        self.set_fill_color(_GREY)
        self.rect(LEFT, self.y, self.content_width, ROW_H + 0.6, style="F")
        x = LEFT
        for column in columns:
            put_text(self, x, self.y, column.width, ROW_H + 0.6, self.safe(column.title), column.align)
            x += column.width
        self.set_y(self.y + ROW_H + 0.6)


def fill_width(columns: list[TableColumn], index: int, width: float) -> None:
    """Give ``columns[index]`` what the other columns leave of ``width``."""
    column = columns[index]
    columns[index] = TableColumn(column.title, width - sum(c.width for c in columns) + column.width, column.align)


# --- the statement ---------------------------------------------------------------------------------


class _StatementPDF(LetterPDF):
    def __init__(self, statement: Statement) -> None:
        super().__init__()
        self.statement = statement
        language = resolve_language(statement.language)
        texts = _TEXTS[language]
        kind = "supplier" if statement.party_kind == "supplier" else "customer"
        self.letterhead = Letterhead(
            statement.company, statement.company_org_number, statement.company_bank_account, statement.party,
            statement.party_number, texts[f"number_{kind}"], texts[f"title_{kind}"], language, statement.currency)
        period = f"{format_date(statement.date_from, language)} – {format_date(statement.date_to, language)}"
        self.describe(created=statement.generated_at, title=self.letterhead.document_title,
                      author=statement.company.name, subject=period, language=language)

    def first_page(self) -> None:
        st, head = self.statement, self.letterhead
        self.begin_letter(head)
        self.window([
            (head.number_label, st.party_number),
            (self.t["period"], f"{self.day(st.date_from)} – {self.day(st.date_to)}"),
            (self.t["date"], self.day(st.generated_at.date())),
            (self.t["currency"], st.currency),
            (self.t["balance"], self.money(st.closing_balance)),
        ])
        self.set_y(100)

    def movements(self) -> None:
        t, st = self.t, self.statement
        columns = [TableColumn(t["date"], 17), TableColumn(t["voucher"], 17), TableColumn(t["document"], 18),
                   TableColumn(t["type"], 20), TableColumn(t["text"], 0), TableColumn(t["due"], 17),
                   TableColumn(t["amount"], 24, "R"), TableColumn(t["balance"], 24, "R")]
        fill_width(columns, 4, self.content_width)
        rows: list[tuple[Sequence[str | None], bool]] = [
            ([self.day(st.date_from), t["opening"], None, None, None, "", "", self.money(st.opening_balance)], True)]
        for line in st.lines:
            text = line.description or ""
            if line.currency.upper() != st.currency.upper():
                text = f"[{line.currency.upper()}] {text}".strip()
            rows.append(([self.day(line.date), line.voucher_ref, line.document_number or "",
                          kind_text(line.kind_label, self.language), text, self.day(line.due_date),
                          self.money(line.amount), self.money(line.balance)], False))
        closing = [self.day(st.date_to), t["closing"], None, None, None, "", "", self.money(st.closing_balance)]
        rows.append((closing, True))
        self.heading(t["movements"], 2)
        self.draw_table(columns, rows)

    def open_items(self) -> None:
        t, st = self.t, self.statement
        self.ln(6)
        self.heading(t["open_items"], 1)
        if not st.open_items:
            self.text_at(LEFT, self.y, self.content_width, t["no_open"], h=ROW_H)
            return
        columns = [TableColumn(t["document"], 0), TableColumn("KID", 24), TableColumn(t["type"], 15),
                   TableColumn(t["date"], 18), TableColumn(t["due"], 18), TableColumn(t["currency"], 15),
                   TableColumn(t["amount"], 21, "R"), TableColumn(t["open_amount"], 21, "R"),
                   TableColumn(t["days_overdue"], 18, "R")]
        fill_width(columns, 0, self.content_width)
        rows: list[tuple[Sequence[str | None], bool]] = []
        totals: dict[str, tuple[Decimal, Decimal]] = {}
        for item in st.open_items:
            currency = item.currency.upper()
            overdue_days = str(item.days_overdue) if item.days_overdue > 0 else ""
            rows.append(([item.document_number, item.kid or "", kind_text(item.item_type, self.language),
                          self.day(item.date), self.day(item.due_date), currency, self.money(item.amount, currency),
                          self.money(item.open_amount, currency), overdue_days], False))
            total, overdue = totals.get(currency, (Decimal(0), Decimal(0)))
            overdue += item.open_amount if item.days_overdue > 0 else 0
            totals[currency] = (total + item.open_amount, overdue)
        for currency in sorted(totals, key=lambda c: (c != st.currency.upper(), c)):  # statement currency first
            total, overdue = totals[currency]
            for label, value, bold in ((t["total_open"], total, True), (t["total_overdue"], overdue, False)):
                rows.append(([label, None, None, None, None, currency, "", self.money(value, currency), ""], bold))
        self.draw_table(columns, rows)


def render_statement(statement: Statement) -> bytes:
    """The statement as a PDF; equal statements give equal bytes."""
    pdf = _StatementPDF(statement)
    pdf.first_page()
    pdf.movements()
    pdf.open_items()
    pdf.end_letter()
    return bytes(pdf.output())
