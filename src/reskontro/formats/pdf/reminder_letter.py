"""Reminder letters (purring, inkassovarsel) as A4 PDFs for window envelopes, one by one or as a print batch.

The levels a reminder routine sends, by ``level_type``:

* ``reminder`` — a *betalingspåminnelse* or *purring*: the invoice is overdue, please pay by a new date.
  A reminder fee (*purregebyr*) is allowed by inkassoforskriften § 1-2 only when the deadline is at least
  14 days after the letter is sent.
* ``warning`` — an *inkassovarsel*, the written notice inkassoloven § 9 requires before a claim may go to
  collection. It must give a deadline of at least 14 days and say that the claim will be sent to collection
  if it is not paid by then, and that this will add costs for the debtor. The standard texts below say so;
  the deadline itself is the caller's (the routine's) to set.
* ``collection`` — the last notice: the claim goes to a collection agency unless it is paid by the date.

Layout, in millimetres on A4 portrait (210 × 297), the statement's window-envelope layout
(:class:`~reskontro.formats.pdf.statement.LetterPDF`):

* Page 1: sender top left, the title top right; the recipient in the window field (x 20, y 45, 85 × 45:
  DIN 5008 form B, the Norwegian C5/C65 left window) under a one-line return address; beside the window
  (x 125) customer number, letter date, our reference, the KID, the deadline and the amount to pay.
* From y 100 the letter's text in 10 pt: paragraphs as the routine wrote them (separated by blank lines;
  a single line break is kept), wrapped to 175 mm, breaking across pages between lines.
* The table of the items: document, type, invoice date, due date, original amount, open amount, and the
  fee and interest this letter charges on the item (a column whose every value is zero is left out and the
  document column widens). Rows are one line high; the table breaks across pages under its header row
  drawn again. An item in another currency than the letter's says so beside its number.
* The totals, kept together: the open items (of the letter's currency), the new fees, interest and B2B
  compensation (forsinkelsesrenteloven § 3a) of this letter, and the amount to pay, bold over a rule.
* The payment box, like a giro and never split across pages: amount to pay, to account, KID (or our
  reference when there is no KID), and the deadline.
* At the end, in 7 pt: why each fee and interest amount was allowed (rule, rate, dates), one note each.
* Every page: the statement's footer (sender, "Org.nr.", "Kontonr.", "Side 1 av 2").

A print batch (:func:`render_print_batch`) draws every letter into one document for a mailing machine:
each letter starts on a new page with its own page count; with ``duplex`` a letter with an odd number of
pages gets a blank page after it, so every letter starts on a new sheet printed on both sides.

Languages, numbers and dates follow the statement (:func:`~reskontro.formats.pdf.statement.resolve_language`:
nb, nn, en; sv/da read nb; others en). The standard titles and texts (:data:`DEFAULT_TITLES`,
:data:`DEFAULT_BODIES`) have the placeholders ``{total}`` ("NOK 1 234,50"), ``{deadline}`` ("12.12.2026")
and ``{company}``, which :func:`fill_body` fills in; a routine's own text may use them too.

Output is deterministic: equal letters give byte-identical PDFs (the creation date is ``generated_at``; a
naive one is taken as UTC).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from reskontro.formats.pdf.statement import (
    LEFT,
    RIGHT,
    ROW_H,
    Address,
    Letterhead,
    LetterPDF,
    TableColumn,
    fill_width,
    format_amount,
    format_bank_account,
    format_date,
    kind_text,
    label,
    put_text,
    resolve_language,
    shrink_to_fit,
    text_width,
)

__all__ = [
    "DEFAULT_BODIES",
    "DEFAULT_TITLES",
    "LEVEL_TYPES",
    "ReminderLetter",
    "ReminderLetterLine",
    "default_body",
    "default_title",
    "fill_body",
    "format_total",
    "render_print_batch",
    "render_reminder_letter",
]

# --- input -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReminderLetterLine:
    """One item the letter asks to have paid; amounts with their natural sign (the customer owes: positive)."""

    document_number: str
    item_type: str  # invoice / credit_note / reminder_fee / interest / ...
    item_date: dt.date
    due_date: dt.date
    currency: str
    original: Decimal  # the item's original amount
    open: Decimal  # what is open of it now
    fee: Decimal  # the fee this letter charges on the item (0 if none)
    interest: Decimal  # the late-payment interest this letter charges on the item (0 if none)


@dataclass(frozen=True, slots=True)
class ReminderLetter:
    company: Address
    company_org_number: str | None
    company_bank_account: str | None  # 11-digit BBAN or IBAN, printed like the statement's footer
    party: Address
    party_number: str
    language: str  # the card's language code; resolve_language decides nb / nn / en
    currency: str
    level_no: int
    level_type: str  # reminder | warning | collection (see the module docstring)
    title: str | None  # the routine's title for this level and language; None: DEFAULT_TITLES
    body: str  # the routine's text, filled in (fill_body); paragraphs separated by blank lines; "": the default
    letter_date: dt.date
    deadline: dt.date  # pay by
    reference: str  # our reminder number: printed, and the payment reference when there is no KID
    kid: str | None  # the KID to pay with
    lines: tuple[ReminderLetterLine, ...]
    fee_total: Decimal  # the new fees of this letter
    interest_total: Decimal  # the new interest of this letter
    compensation: Decimal  # B2B standard compensation (forsinkelsesrenteloven § 3a) of this letter, 0 if none
    total_due: Decimal  # what to pay by the deadline: the open amount of all lines and the new charges
    legal_notes: tuple[str, ...]  # why each fee and interest amount was allowed (rule, rate, dates), one each
    generated_at: dt.datetime


# --- texts -----------------------------------------------------------------------------------------

LEVEL_TYPES = ("reminder", "warning", "collection")

#: The standard title per language and level type, when the routine gives none.
DEFAULT_TITLES: dict[str, dict[str, str]] = {
    "nb": {"reminder": "Betalingspåminnelse", "warning": "Inkassovarsel", "collection": "Oversendelse til inkasso"},
    "nn": {"reminder": "Betalingspåminning", "warning": "Inkassovarsel", "collection": "Oversending til inkasso"},
    "en": {"reminder": "Payment reminder", "warning": "Debt collection notice",
           "collection": "Transfer to debt collection"},
}

#: The standard letter text per language and level type, with the placeholders ``{total}``, ``{deadline}``
#: and ``{company}`` (:func:`fill_body`). The ``warning`` texts meet inkassoloven § 9: the claim goes to
#: collection if it is not paid by the deadline, and that adds costs.
DEFAULT_BODIES: dict[str, dict[str, str]] = {
    "nb": {
        "reminder": (
            "Vi kan ikke se å ha mottatt betaling for kravet nedenfor, som har forfalt. Vi ber deg betale "
            "{total} innen {deadline}.\n\n"
            "Har du allerede betalt, kan du se bort fra denne påminnelsen. Har du spørsmål eller innsigelser "
            "til kravet, ber vi deg ta kontakt med oss før fristen.\n\n"
            "Med vennlig hilsen\n{company}"),
        "warning": (
            "Vi har ikke mottatt betaling for kravet nedenfor, som har forfalt. Dette brevet er et "
            "inkassovarsel etter inkassoloven § 9.\n\n"
            "Betal {total} innen {deadline}. Er kravet ikke betalt innen fristen, vil det bli sendt til "
            "inkasso. Inkasso vil medføre ytterligere kostnader for deg.\n\n"
            "Har du innsigelser mot kravet, må du gi oss beskjed før fristen. Har du allerede betalt, kan du "
            "se bort fra dette varselet.\n\n"
            "Med vennlig hilsen\n{company}"),
        "collection": (
            "Vi har ikke mottatt betaling etter inkassovarselet vi har sendt deg. Kravet nedenfor blir derfor "
            "sendt til inkasso etter {deadline}, og videre innkreving skjer da gjennom inkassoselskapet. "
            "Inkasso vil medføre ytterligere kostnader for deg.\n\n"
            "Er {total} betalt til oss innen {deadline}, stanser vi oversendelsen. Har du spørsmål til "
            "kravet, ber vi deg ta kontakt med oss straks.\n\n"
            "Med vennlig hilsen\n{company}"),
    },
    "nn": {
        "reminder": (
            "Vi kan ikkje sjå at vi har fått betaling for kravet nedanfor, som har forfalle. Vi ber deg betale "
            "{total} innan {deadline}.\n\n"
            "Har du alt betalt, kan du sjå bort frå denne påminninga. Har du spørsmål eller innvendingar til "
            "kravet, ber vi deg ta kontakt med oss før fristen.\n\n"
            "Med venleg helsing\n{company}"),
        "warning": (
            "Vi har ikkje fått betaling for kravet nedanfor, som har forfalle. Dette brevet er eit "
            "inkassovarsel etter inkassolova § 9.\n\n"
            "Betal {total} innan {deadline}. Er kravet ikkje betalt innan fristen, vil det bli sendt til "
            "inkasso. Inkasso vil føre til ytterlegare kostnader for deg.\n\n"
            "Har du innvendingar mot kravet, må du gi oss beskjed før fristen. Har du alt betalt, kan du sjå "
            "bort frå dette varselet.\n\n"
            "Med venleg helsing\n{company}"),
        "collection": (
            "Vi har ikkje fått betaling etter inkassovarselet vi har sendt deg. Kravet nedanfor blir difor "
            "sendt til inkasso etter {deadline}, og vidare innkrevjing skjer då gjennom inkassoselskapet. "
            "Inkasso vil føre til ytterlegare kostnader for deg.\n\n"
            "Er {total} betalt til oss innan {deadline}, stansar vi oversendinga. Har du spørsmål til kravet, "
            "ber vi deg ta kontakt med oss straks.\n\n"
            "Med venleg helsing\n{company}"),
    },
    "en": {
        "reminder": (
            "According to our records, the claim below is overdue and has not been paid. Please pay {total} "
            "by {deadline}.\n\n"
            "If you have already paid, please disregard this reminder. If you have questions about or "
            "objections to the claim, please contact us before the deadline.\n\n"
            "Kind regards\n{company}"),
        "warning": (
            "We have not received payment for the overdue claim below. This letter is a debt collection "
            "notice under section 9 of the Norwegian Debt Collection Act (inkassoloven).\n\n"
            "Please pay {total} by {deadline}. If the claim is not paid by this deadline, it will be sent to "
            "debt collection, which will add further costs for you.\n\n"
            "If you object to the claim, you must tell us before the deadline. If you have already paid, "
            "please disregard this notice.\n\n"
            "Kind regards\n{company}"),
        "collection": (
            "We have not received payment after the debt collection notice we sent you. The claim below will "
            "therefore be sent to a debt collection agency after {deadline}, which will collect it from then "
            "on. Debt collection will add further costs for you.\n\n"
            "If {total} has been paid to us by {deadline}, we will not send the claim on. If you have "
            "questions about the claim, please contact us at once.\n\n"
            "Kind regards\n{company}"),
    },
}

_LETTER_TEXTS = {
    "nb": {
        "date": "Dato", "reference": "Vår referanse", "deadline": "Betalingsfrist", "to_pay": "Å betale",
        "account": "Til konto", "kid_hint": "Oppgi KID ved betaling.",
        "reference_hint": "Oppgi referansen ved betaling.", "item_date": "Fakturadato", "original": "Opprinnelig",
        "open": "Åpent", "fee": "Gebyr", "interest": "Rente", "fee_total": "Gebyr for dette brevet",
        "interest_total": "Forsinkelsesrente", "compensation": "Kompensasjon, forsinkelsesrenteloven § 3a",
        "notes": "Grunnlag for gebyr og renter",
    },
    "en": {
        "date": "Date", "reference": "Our reference", "deadline": "Pay by", "to_pay": "Amount to pay",
        "account": "To account", "kid_hint": "Give the KID when you pay.",
        "reference_hint": "Give the reference when you pay.", "item_date": "Invoice date", "original": "Original",
        "open": "Open", "fee": "Fee", "interest": "Interest", "fee_total": "Fee for this letter",
        "interest_total": "Late-payment interest", "compensation": "Compensation, Late Payment Interest Act § 3a",
        "notes": "Basis for fees and interest",
    },
}
_LETTER_TEXTS["nn"] = _LETTER_TEXTS["nb"] | {
    "kid_hint": "Oppgje KID ved betaling.", "reference_hint": "Oppgje referansen ved betaling.", "open": "Ope",
    "original": "Opphavleg",
}


def default_title(level_type: str, language: str) -> str:
    """The standard title of a level type in the language; an unknown level type reads as ``reminder``."""
    titles = DEFAULT_TITLES[resolve_language(language)]
    return titles.get(level_type, titles["reminder"])


def default_body(level_type: str, language: str) -> str:
    """The standard letter text (with placeholders) of a level type; an unknown one reads as ``reminder``."""
    bodies = DEFAULT_BODIES[resolve_language(language)]
    return bodies.get(level_type, bodies["reminder"])


def format_total(amount: Decimal, currency: str, language: str) -> str:
    """``NOK 1 234,50`` (nb/nn) or ``NOK 1,234.50`` (en), with no-break spaces so it is never split."""
    return f"{currency.upper()}\u00a0{format_amount(amount, language, currency)}"


def fill_body(template: str, *, total: Decimal, currency: str, deadline: dt.date, company: str,
              language: str) -> str:
    """The letter text with ``{total}``, ``{deadline}`` and ``{company}`` filled in, in the language's format.

    Only these three are replaced; any other brace in a routine's own text is left as it is.
    """
    return (template.replace("{total}", format_total(total, currency, language))
            .replace("{deadline}", format_date(deadline, language))
            .replace("{company}", company))


# --- the document ----------------------------------------------------------------------------------

_TEXT_PT, _TEXT_H, _PARAGRAPH_GAP = 10.0, 5.0, 2.5
_NOTE_PT, _NOTE_H = 7.0, 3.2
_BOX_H = 21.0
_BREAK = re.compile(r"\n[ \t]*\n\s*")


def _wrap(pdf: LetterPDF, text: str, width: float) -> list[str]:
    """``text`` (already safe) broken at spaces into lines that fit ``width`` in the current font."""
    room = width - 2 * pdf.c_margin
    space = text_width(pdf, " ")
    lines: list[str] = []
    words: list[str] = []
    used = 0.0
    for word in text.split(" "):
        wide = text_width(pdf, word)  # word by word: measuring the growing line costs its length squared
        if words and used + space + wide > room:
            lines.append(" ".join(words))
            words, used = [], 0.0
        used += space + wide if words else wide  # a word wider than a line stands alone, cut with "…" when drawn
        words.append(word)
    lines.append(" ".join(words))
    return lines


class _ReminderPDF(LetterPDF):
    def letter(self, letter: ReminderLetter) -> tuple[Letterhead, int]:
        """Draw one letter from a new page on; its letterhead and its number of pages."""
        language = resolve_language(letter.language)
        head = Letterhead(letter.company, letter.company_org_number, letter.company_bank_account, letter.party,
                          letter.party_number, label("number_customer", language),
                          letter.title or default_title(letter.level_type, language), language, letter.currency)
        self.begin_letter(head)
        lt = _LETTER_TEXTS[language]
        to_pay = format_total(letter.total_due, letter.currency, language)
        facts = [(head.number_label, letter.party_number), (lt["date"], self.day(letter.letter_date)),
                 (lt["reference"], letter.reference)]
        if letter.kid:
            facts.append(("KID", letter.kid))
        facts += [(lt["deadline"], self.day(letter.deadline)), (lt["to_pay"], to_pay)]
        self.window(facts)
        self.set_y(100)
        self.body(letter)
        self.items(letter)
        self.totals(letter)
        self.payment_box(letter, to_pay)
        self.notes(letter)
        return head, self.end_letter()

    def break_for(self, height: float) -> None:
        if self.will_page_break(height):
            self.add_page()

    def body(self, letter: ReminderLetter) -> None:
        text = letter.body
        if not text.strip():
            text = fill_body(default_body(letter.level_type, self.language), total=letter.total_due,
                             currency=letter.currency, deadline=letter.deadline, company=letter.company.name,
                             language=self.language)
        self.set_font("helvetica", "", _TEXT_PT)
        for paragraph in _BREAK.split(text.replace("\r\n", "\n").strip()):
            for given in paragraph.split("\n"):
                for line in _wrap(self, self.safe(given.strip()), self.content_width):
                    self.break_for(_TEXT_H)
                    put_text(self, LEFT, self.y, self.content_width, _TEXT_H, line)
                    self.set_y(self.y + _TEXT_H)
            self.set_y(self.y + _PARAGRAPH_GAP)

    def items(self, letter: ReminderLetter) -> None:
        t, lt = self.t, _LETTER_TEXTS[self.language]
        with_fee = any(line.fee for line in letter.lines)
        with_interest = any(line.interest for line in letter.lines)
        columns = [TableColumn(t["document"], 0), TableColumn(t["type"], 22), TableColumn(lt["item_date"], 20),
                   TableColumn(t["due"], 20), TableColumn(lt["original"], 24, "R"),
                   TableColumn(lt["open"], 24, "R")]
        if with_fee:
            columns.append(TableColumn(lt["fee"], 20, "R"))
        if with_interest:
            columns.append(TableColumn(lt["interest"], 20, "R"))
        fill_width(columns, 0, self.content_width)
        rows: list[tuple[Sequence[str | None], bool]] = []
        for line in letter.lines:
            currency = line.currency.upper()
            document = line.document_number
            if currency != letter.currency.upper():
                document = f"{document} [{currency}]"
            cells = [document, kind_text(line.item_type, self.language), self.day(line.item_date),
                     self.day(line.due_date), self.money(line.original, currency), self.money(line.open, currency)]
            if with_fee:
                cells.append(self.money(line.fee, currency) if line.fee else "")
            if with_interest:
                cells.append(self.money(line.interest, currency) if line.interest else "")
            rows.append((cells, False))
        self.break_for(3 * ROW_H)  # the header row is not left alone at the foot of a page
        self.draw_table(columns, rows)

    def totals(self, letter: ReminderLetter) -> None:
        lt = _LETTER_TEXTS[self.language]
        currency = letter.currency.upper()
        open_total = sum((line.open for line in letter.lines if line.currency.upper() == currency), Decimal(0))
        rows = [(self.t["total_open"], open_total)]
        rows += [(lt[key], amount) for key, amount in (("fee_total", letter.fee_total),
                                                       ("interest_total", letter.interest_total),
                                                       ("compensation", letter.compensation)) if amount]
        self.set_y(self.y + 1.5)
        self.break_for((len(rows) + 1) * ROW_H + 1)
        amount_x = self.w - RIGHT - 35
        for name, amount in rows:
            self.text_at(LEFT, self.y, amount_x - LEFT, name, align="R", h=ROW_H)
            self.text_at(amount_x, self.y, 35, self.money(amount), align="R", h=ROW_H)
            self.set_y(self.y + ROW_H)
        self.line(amount_x - 60, self.y, self.w - RIGHT, self.y)
        self.text_at(LEFT, self.y, amount_x - LEFT, f"{lt['to_pay']} ({currency})", "B", align="R", h=ROW_H)
        self.text_at(amount_x, self.y, 35, self.money(letter.total_due), "B", align="R", h=ROW_H)
        self.set_y(self.y + ROW_H)

    def payment_box(self, letter: ReminderLetter, to_pay: str) -> None:
        lt = _LETTER_TEXTS[self.language]
        self.set_y(self.y + 5)
        self.break_for(_BOX_H)
        top = self.y
        self.set_fill_color(242)
        self.set_line_width(0.3)
        self.rect(LEFT, top, self.content_width, _BOX_H, style="DF")
        self.set_line_width(0.2)
        account = format_bank_account(letter.company_bank_account) if letter.company_bank_account else "–"
        fields = [(lt["to_pay"], to_pay, 45.0), (lt["account"], account, 56.0),
                  ("KID" if letter.kid else lt["reference"], letter.kid or letter.reference, 45.0),
                  (lt["deadline"], self.day(letter.deadline), 0.0)]
        x = LEFT + 2
        for name, value, width in fields:
            width = width or LEFT + self.content_width - x - 2
            self.text_at(x, top + 2, width, name, size=7.5, h=4)
            self.set_font("helvetica", "B", 12)  # read whole where it can be: a long IBAN or KID is set smaller
            text = self.safe(value)
            shrink_to_fit(self, text, width, 8)
            put_text(self, x, top + 6.5, width, 6, text)
            x += width
        hint = lt["kid_hint"] if letter.kid else lt["reference_hint"]
        self.text_at(LEFT + 2, top + _BOX_H - 6, self.content_width - 4, hint, size=7.5, h=4)
        self.set_y(top + _BOX_H)

    def notes(self, letter: ReminderLetter) -> None:
        if not letter.legal_notes:
            return
        self.set_y(self.y + 6)
        self.break_for(4 + 2 * _NOTE_H)
        self.text_at(LEFT, self.y, self.content_width, _LETTER_TEXTS[self.language]["notes"], "B", 7.5, h=4)
        self.set_y(self.y + 4)
        self.set_font("helvetica", "", _NOTE_PT)
        for note in letter.legal_notes:
            for index, line in enumerate(_wrap(self, self.safe(note.strip()), self.content_width - 3)):
                self.break_for(_NOTE_H)
                if index == 0:
                    put_text(self, LEFT, self.y, 3, _NOTE_H, "•")
                put_text(self, LEFT + 3, self.y, self.content_width - 3, _NOTE_H, line)
                self.set_y(self.y + _NOTE_H)


def render_reminder_letter(letter: ReminderLetter) -> bytes:
    """The letter as a PDF; equal letters give equal bytes."""
    pdf = _ReminderPDF()
    head, _ = pdf.letter(letter)
    pdf.describe(created=letter.generated_at, title=head.document_title, author=head.company.name,
                 subject=letter.reference, language=head.language)
    return bytes(pdf.output())


def render_print_batch(letters: Sequence[ReminderLetter], *, duplex: bool = False) -> bytes:
    """All ``letters`` in one PDF for a mailing machine, each from a new sheet (``duplex``: printed on both sides).

    Raises ``ValueError`` for no letters: a PDF has at least one page.
    """
    if not letters:
        raise ValueError("a print batch needs at least one letter")
    pdf = _ReminderPDF()
    heads = []
    for letter in letters:
        head, pages = pdf.letter(letter)
        heads.append(head)
        if duplex and pages % 2:
            pdf.blank_page()
    languages = {head.language for head in heads}
    title = "{n} reminder letters, {pages} pages" if heads[0].language == "en" else "{n} purrebrev, {pages} sider"
    references = [letter.reference for letter in letters]
    pdf.describe(created=max(letters, key=lambda letter: _utc(letter.generated_at)).generated_at,
                 title=title.format(n=len(letters), pages=pdf.pages_count), author=heads[0].company.name,
                 subject=f"{references[0]} – {references[-1]}" if len(references) > 1 else references[0],
                 language=languages.pop() if len(languages) == 1 else None)
    return bytes(pdf.output())


def _utc(moment: dt.datetime) -> dt.datetime:
    """A naive time taken as UTC, so naive and aware times compare."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)

