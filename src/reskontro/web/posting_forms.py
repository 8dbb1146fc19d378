"""Reading the posting form: what a person typed in, a :class:`~reskontro.services.posting.PostingRequest`
out, with every field's problem named at once.

The service validates a posting and stops at the first problem (:class:`ValidationFailed` names its
field). A form should show all of them beside their fields, so what can be checked without the
database is checked here first — dates, the amount (typed the Norwegian way, ``1 234,50``, or
``1234.50``; read as ``Decimal``, never ``float``), the currency, the rate, the KID (MOD10/MOD11 with
:mod:`reskontro.identifiers.kid`), account and VAT code against the company's lists — and what only
the service knows (a closed period, a document number already posted, a document ``applies_to`` names
that does not exist) comes back from it by field and is shown the same way.

Which fields a type shows is :data:`SHOWN`: an invoice has a due date (blank = the card's payment
terms), payments, credit notes and write-offs may name the document they settle (``applies_to``).
The counter account and VAT code start as the service's defaults for the party
(:func:`reskontro.services.posting.posting_defaults`); only when a person changes one is a counter
line sent with the request, carrying the card's department and project.

An invoice, credit note or write-off may be split over more counter lines (*Add line*: sales at 25 % and
at 15 %, say): each further line has its account, VAT code and gross amount (``account_2``,
``vat_code_2``, ``amount_2``...), and the first line takes the rest of the amount. A further line whose
account is set to "remove the line" is dropped, whatever its amount.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from reskontro.domain.errors import ReskontroError
from reskontro.domain.parties import PartyKind
from reskontro.domain.vouchers import CounterLine, ItemType
from reskontro.identifiers import kid as kid_mod
from reskontro.money import MoneyError, check_currency, round_money
from reskontro.services.posting import PostingDefaults, PostingRequest
from reskontro.web.forms import MESSAGES as CARD_MESSAGES
from reskontro.web.forms import parse_amount
from reskontro.web.i18n import N_, Translator

#: The types a person registers in the browser (opening balances come by import; reversals from a voucher).
POSTING_TYPES: tuple[ItemType, ...] = (ItemType.INVOICE, ItemType.CREDIT_NOTE, ItemType.PAYMENT, ItemType.WRITE_OFF)

#: Text inputs of the form, in the order they are shown.
FIELDS = ("document_number", "date", "due_date", "amount", "currency", "rate", "kid", "applies_to", "description",
          "account", "vat_code")

#: The fields each type shows (and reads): the others are not part of that posting.
SHOWN: dict[ItemType, frozenset[str]] = {
    ItemType.INVOICE: frozenset({"document_number", "date", "due_date", "amount", "currency", "rate", "kid",
                                 "description", "account", "vat_code"}),
    ItemType.CREDIT_NOTE: frozenset({"document_number", "date", "amount", "currency", "rate", "applies_to",
                                     "description", "account", "vat_code"}),
    ItemType.PAYMENT: frozenset({"document_number", "date", "amount", "currency", "rate", "kid", "applies_to",
                                 "description", "account"}),
    ItemType.WRITE_OFF: frozenset({"document_number", "date", "amount", "currency", "rate", "applies_to",
                                   "description", "account", "vat_code"}),
}

#: The message beside a field, by field (and ``field.case`` where one field can fail in two ways).
MESSAGES: dict[str, str] = {
    "party": N_("Choose a customer or supplier."),
    "party.missing": N_("There is no customer or supplier with this number."),
    "document_number": N_("At most 60 characters."),
    "document_number.duplicate": N_("This document number is already posted on this party."),
    "date": N_("Give a date, e.g. 31.12.2026."),
    "date.closed": N_("The period is closed: choose a date in an open period."),
    "due_date": N_("Give a due date on or after the document date."),
    "amount": N_("Give an amount above zero, e.g. 1 234,50, with no more decimals than the currency has."),
    "currency": CARD_MESSAGES["currency"],
    "rate": N_("Give the exchange rate (company currency per unit): none is recorded for this date."),
    "rate.positive": N_("Give a rate above zero, e.g. 11,45."),
    "rate.company": N_("Leave the rate blank for the company's own currency."),
    "kid": N_("Not a valid KID: 2–25 digits, the last a MOD10 or MOD11 check digit."),
    "applies_to": N_("This party has no document with this number."),
    "applies_to.currency": N_("That document is in another currency."),
    "account": CARD_MESSAGES["rules.account"],
    "vat_code": CARD_MESSAGES["rules.vat_code"],
}

#: Further counter lines a form can hold (besides the first).
MAX_EXTRA_LINES = 20
MESSAGES["line.amount"] = N_("Give the line's amount incl. VAT, e.g. 1 234,50.")
MESSAGES["line.rest"] = N_("The further lines add up to the whole amount or more: the first line takes the rest, "
                           "and it must be above zero.")

#: The service's field names where the form calls them otherwise.
_FIELD_OF = {"party_number": "party", "number": "party", "type": "form", "lines": "form", "item": "form"}


def parse_day(value: str) -> date:
    """A date typed as ``2026-12-31`` (what ``<input type=date>`` sends) or ``31.12.2026``. Raises ValueError."""
    value = value.strip()
    if "." in value:
        d, m, y = value.split(".")
        return date(int(y), int(m), int(d))
    return date.fromisoformat(value)


def service_problem(exc: ReskontroError) -> tuple[str, str]:
    """The field a refusal of the service belongs to on the form, and the (untranslated) message for it."""
    name = _FIELD_OF.get(exc.field or "form", exc.field or "form")
    if exc.code == "period_closed":
        return "date", MESSAGES["date.closed"]
    if exc.code in ("duplicate_document", "already_exists") and name == "document_number":
        return name, MESSAGES["document_number.duplicate"]
    if exc.code == "currency_mismatch" and name == "applies_to":
        return name, MESSAGES["applies_to.currency"]
    if exc.code == "not_found" and name == "party":
        return name, MESSAGES["party.missing"]
    if name == "rate" and "must be 1" in exc.message:
        return name, MESSAGES["rate.company"]
    if name == "rate" and "positive" in exc.message:
        return name, MESSAGES["rate.positive"]
    return name, MESSAGES.get(name, exc.message)


@dataclass
class PostingForm:
    """The form as typed (to show again), the request it makes, and the problems per field."""

    item_type: ItemType
    kind: PartyKind
    party: str
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    request: PostingRequest | None = None
    #: The further counter lines as typed: ``account``, ``vat_code`` and ``amount`` each (numbered from 2 on the form).
    extra: list[dict[str, str]] = field(default_factory=list)

    @property
    def splits(self) -> bool:
        """Whether the type may have more than one counter line."""
        return "vat_code" in self.shown

    def add_line(self, account: str, vat_code: str) -> None:
        if len(self.extra) < MAX_EXTRA_LINES:
            self.extra.append({"account": account, "vat_code": vat_code, "amount": ""})

    @property
    def shown(self) -> frozenset[str]:
        return SHOWN[self.item_type]

    def error(self, name: str, message: str, t: Translator) -> None:
        if name not in self.errors:
            self.errors[name] = t.gettext(message)

    def fingerprint(self) -> str:
        """A hash of what the form posts, to tell a resubmission of the same form from another."""
        text = "\x1f".join([self.item_type.value, self.kind.value, self.party,
                            *(f"{k}={self.values.get(k, '')}" for k in FIELDS),
                            *(f"{n}:{x['account']}/{x['vat_code']}/{x['amount']}" for n, x in enumerate(self.extra))])
        return hashlib.sha256(text.encode()).hexdigest()


def blank_form(item_type: ItemType, kind: PartyKind, party: str, defaults: PostingDefaults | None,
               today: date) -> PostingForm:
    """A new form: today's date, the due date from the card's terms, the card's currency and the counter
    account and VAT code the service would use."""
    values = dict.fromkeys(FIELDS, "")
    values["date"] = today.isoformat()
    if defaults is not None:
        values["currency"] = defaults.currency
        values["account"] = defaults.account
        values["vat_code"] = defaults.vat_code or ""
        if item_type is ItemType.INVOICE:
            values["due_date"] = (today + timedelta(days=defaults.payment_terms_days)).isoformat()
    return PostingForm(item_type, kind, party, values)


def read_posting_form(item_type: ItemType, kind: PartyKind, party: str, data: Mapping[str, Any],
                      defaults: PostingDefaults, *, accounts: set[str], vat_codes: set[str],
                      t: Translator) -> PostingForm:
    """Parse and check a submitted posting form; ``.request`` is set when there is no problem."""
    shown = SHOWN[item_type]
    values = {name: (str(data.get(name, "") or "").strip() if name in shown else "") for name in FIELDS}
    form = PostingForm(item_type, kind, party, values)
    if not party:
        form.error("party", MESSAGES["party"], t)

    doc_date: date | None = None
    try:
        doc_date = parse_day(values["date"])
    except ValueError:
        form.error("date", MESSAGES["date"], t)
    due: date | None = None
    if values["due_date"]:
        try:
            due = parse_day(values["due_date"])
        except ValueError:
            form.error("due_date", MESSAGES["due_date"], t)
        else:
            if doc_date is not None and due < doc_date:
                form.error("due_date", MESSAGES["due_date"], t)
    if len(values["document_number"]) > 60:
        form.error("document_number", MESSAGES["document_number"], t)

    currency: str | None = None
    try:
        currency = check_currency(values["currency"] or defaults.currency)
    except MoneyError:
        form.error("currency", MESSAGES["currency"], t)
    else:
        values["currency"] = currency

    amount: Decimal | None = None
    try:
        amount = parse_amount(values["amount"], t.lang)
        if amount <= 0 or (currency is not None and round_money(amount, currency) != amount):
            raise MoneyError("not an amount for the currency")
    except MoneyError:
        form.error("amount", MESSAGES["amount"], t)
        amount = None

    rate: Decimal | None = None
    if values["rate"]:
        try:
            rate = parse_amount(values["rate"], t.lang)
            if rate <= 0:
                raise MoneyError("not positive")
        except MoneyError:
            form.error("rate", MESSAGES["rate.positive"], t)

    kid: str | None = None
    if values["kid"]:
        try:
            kid = kid_mod.validate(values["kid"])
        except (kid_mod.InvalidLength, kid_mod.InvalidFormat, kid_mod.InvalidChecksum):
            form.error("kid", MESSAGES["kid"], t)

    # A field the request does not carry at all keeps its default (a browser always sends the select).
    account = values["account"] or defaults.account
    if account not in accounts:
        form.error("account", MESSAGES["account"], t)
    vat_code = (values["vat_code"] or None) if "vat_code" in shown and "vat_code" in data else defaults.vat_code
    if vat_code is not None and vat_code not in vat_codes:
        form.error("vat_code", MESSAGES["vat_code"], t)

    further = _further_lines(form, data, currency, accounts=accounts, vat_codes=vat_codes, t=t)
    if further and amount is not None and amount - sum(c.gross for c in further) <= 0:
        form.error("amount", MESSAGES["line.rest"], t)

    if form.errors or doc_date is None or amount is None:
        return form
    lines: tuple[CounterLine, ...] = ()
    if further:
        first = CounterLine(account, amount - sum(c.gross for c in further), vat_code, defaults.department,
                            defaults.project)
        lines = (first, *(CounterLine(c.account, c.gross, c.vat_code, defaults.department, defaults.project)
                          for c in further))
    elif account != defaults.account or vat_code != defaults.vat_code:
        lines = (CounterLine(account, amount, vat_code, defaults.department, defaults.project),)
    form.request = PostingRequest(
        kind=kind, item_type=item_type, party_number=party, doc_date=doc_date, amount=amount,
        document_number=values["document_number"] or None, due_date=due, currency=currency, rate=rate, kid=kid,
        description=values["description"] or None, applies_to=values["applies_to"] or None, lines=lines)
    return form


def _further_lines(form: PostingForm, data: Mapping[str, Any], currency: str | None, *, accounts: set[str],
                   vat_codes: set[str], t: Translator) -> list[CounterLine]:
    """Read the further counter lines into ``form.extra`` and check them; the good ones as counter lines."""
    if not form.splits:
        return []
    out: list[CounterLine] = []
    for n in range(2, MAX_EXTRA_LINES + 2):
        if f"account_{n}" not in data and f"amount_{n}" not in data:
            continue
        typed = {k: str(data.get(f"{k}_{n}", "") or "").strip()[:40] for k in ("account", "vat_code", "amount")}
        if not typed["account"]:
            continue  # "remove the line" chosen for its account (a new line starts with the card's account)
        form.extra.append(typed)
        at = len(form.extra) + 1  # the line's number on the form as it is shown again
        if typed["account"] not in accounts:
            form.error(f"account_{at}", MESSAGES["account"], t)
        if typed["vat_code"] and typed["vat_code"] not in vat_codes:
            form.error(f"vat_code_{at}", MESSAGES["vat_code"], t)
        try:
            gross = parse_amount(typed["amount"], t.lang)
            if gross == 0 or (currency is not None and round_money(gross, currency) != gross):
                raise MoneyError("not an amount for the currency")
        except MoneyError:
            form.error(f"amount_{at}", MESSAGES["line.amount"], t)
            continue
        out.append(CounterLine(typed["account"], gross, typed["vat_code"] or None))
    return out
