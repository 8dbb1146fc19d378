"""Reading the party card form: text in, a :class:`PartyCard` out, with every field's problem named.

The domain validates a card (:func:`reskontro.domain.parties.validate_card`) and stops at the first
problem. A form should show all of them at once, next to their fields, so each field the domain
checks on its own is also checked alone (a card with only that field filled in), and the messages
are the UI's own, translated, keyed by the domain's field names (``org_number``, ``rules.account``,
``free_field.region``...). Amounts may be typed the Norwegian way (``1 234,50``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from reskontro.domain.errors import ReskontroError, ValidationFailed
from reskontro.domain.parties import (
    LANGUAGES,
    FreeFieldDef,
    PartyCard,
    PartyKind,
    PostingRules,
    parse_free_value,
    validate_card,
)
from reskontro.money import MoneyError, round_money, to_decimal
from reskontro.web.formatting import amount
from reskontro.web.i18n import N_, Translator

#: Text inputs of the card form, in the order they are shown.
TEXT_FIELDS = ("number", "name", "org_number", "address", "postal_code", "city", "country", "postal_address",
               "postal_postal_code", "postal_city", "postal_country", "email", "phone", "language", "currency",
               "payment_terms_days", "credit_limit", "group_code", "bank_account", "bic", "rules.account",
               "rules.vat_code", "rules.department", "rules.project")
#: Fields the domain checks one by one; each is probed alone so that all their problems show at once.
_PROBED = ("number", "name", "org_number", "email", "language", "currency", "bank_account", "country")

_GROUPED_BY_DOTS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")

#: The message shown next to a field when the domain refuses its value.
MESSAGES: dict[str, str] = {
    "number": N_("Give the number: at most 30 characters, no “/”, unique among the kind's parties."),
    "name": N_("Give the name."),
    "org_number": N_("Not a valid organisation number: nine digits with a correct check digit."),
    "email": N_("Not an e-mail address."),
    "language": N_("Choose a language."),
    "currency": N_("Use a three-letter currency code, like NOK or EUR."),
    "country": N_("Use a two-letter country code, like NO or SE."),
    "postal_country": N_("Use a two-letter country code, like NO or SE."),
    "payment_terms_days": N_("Give a whole number of days from 0 to 365."),
    "credit_limit": N_("Give an amount of zero or more, with no more decimals than the currency has."),
    "bank_account": N_("Not a valid account number: eleven digits (Norway) or an IBAN."),
    "bic": N_("Not a valid BIC (8 or 11 characters). A foreign IBAN needs one."),
    "group_code": N_("No such group."),
    "rules.account": N_("No such account."),
    "rules.vat_code": N_("No such VAT code."),
    "free_field": N_("Not a valid value for this field."),
    "required": N_("This field is required."),
    "exists": N_("There is already one with this number."),
}


def parse_amount(text: str, lang: str) -> Decimal:
    """An amount typed by a person: ``1 234,50`` / ``1.234,50`` / ``−50`` (nb), ``1,234.50`` (en); a
    plain ``1234.50`` is read in both languages. Raises MoneyError."""
    cleaned = "".join(text.split()).replace("\u2212", "-").replace("'", "")
    if "," in cleaned and "." in cleaned:  # the later one is the decimal separator
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    elif lang == "en":
        cleaned = cleaned.replace(",", "")
    elif "," in cleaned:
        cleaned = cleaned.replace(",", ".")
    elif _GROUPED_BY_DOTS.match(cleaned):  # 50.000 and 1.234.567 in Norwegian are grouped, not decimals
        cleaned = cleaned.replace(".", "")
    return to_decimal(cleaned)


@dataclass
class CardForm:
    """The form as typed (to show again), the card it makes, and the problems per field."""

    values: dict[str, str]
    free_values: dict[str, str]
    vat_registered: bool
    errors: dict[str, str] = field(default_factory=dict)
    card: PartyCard | None = None

    @classmethod
    def of_card(cls, card: PartyCard, free_values: Mapping[str, str], lang: str) -> CardForm:
        """The form filled from a stored card (for editing); the credit limit written the language's way."""
        values: dict[str, str] = {}
        for name in TEXT_FIELDS:
            value: Any = getattr(card.rules, name[6:]) if name.startswith("rules.") else getattr(card, name)
            values[name] = "" if value is None else str(value)
        values["credit_limit"] = amount(card.credit_limit, lang)
        return cls(values, dict(free_values), card.vat_registered, card=card)

    @classmethod
    def blank(cls, kind: PartyKind, currency: str, lang: str) -> CardForm:
        return cls.of_card(PartyCard(kind=kind, number="", name="", currency=currency,
                                     payment_terms_days=14 if kind is PartyKind.CUSTOMER else 30), {}, lang)

    def error(self, name: str, message: str, t: Translator) -> None:
        if name not in self.errors:
            self.errors[name] = t.gettext(message)


def message_for(exc: ReskontroError) -> str:
    """The form's message for a refusal of the domain or a service, by its field (else its own text)."""
    name = exc.field or ""
    if exc.code == "already_exists" and name == "number":
        return MESSAGES["exists"]
    if name.startswith("free_field."):
        return MESSAGES["required"] if exc.message.endswith("is required") else MESSAGES["free_field"]
    return MESSAGES.get(name, exc.message)


def read_card_form(kind: PartyKind, form: Mapping[str, Any], free_fields: list[FreeFieldDef],
                   t: Translator, *, blocks_from: PartyCard | None = None) -> CardForm:
    """Parse and check a submitted card form; ``.card`` is set when there is no problem."""
    values = {name: str(form.get(name, "") or "").strip() for name in TEXT_FIELDS}
    free_values = {d.code: str(form.get(f"free_field.{d.code}", "") or "").strip() for d in free_fields}
    result = CardForm(values, free_values, form.get("vat_registered") in ("on", "yes", "true", "1"))
    currency = (values["currency"] or "NOK").upper()

    terms = 0
    try:
        terms = int(values["payment_terms_days"] or "0")
    except ValueError:
        result.error("payment_terms_days", MESSAGES["payment_terms_days"], t)
    credit_limit: Decimal | None = None
    if values["credit_limit"]:
        try:
            credit_limit = parse_amount(values["credit_limit"], t.lang)
        except MoneyError:
            result.error("credit_limit", MESSAGES["credit_limit"], t)
        else:
            try:
                fits = credit_limit >= 0 and round_money(credit_limit, currency) == credit_limit
            except MoneyError:  # an unknown currency is the currency field's problem, not this one's
                fits = credit_limit >= 0
            if not fits:
                result.error("credit_limit", MESSAGES["credit_limit"], t)
                credit_limit = None
    postal_country = values["postal_country"].upper() or None
    if postal_country is not None and not (len(postal_country) == 2 and postal_country.isalpha()):
        result.error("postal_country", MESSAGES["postal_country"], t)
    if values["language"] and values["language"] not in LANGUAGES:
        result.error("language", MESSAGES["language"], t)

    card = PartyCard(
        kind=kind, number=values["number"], name=values["name"], org_number=values["org_number"] or None,
        vat_registered=result.vat_registered, address=values["address"] or None,
        postal_code=values["postal_code"] or None, city=values["city"] or None, country=values["country"] or "NO",
        postal_address=values["postal_address"] or None, postal_postal_code=values["postal_postal_code"] or None,
        postal_city=values["postal_city"] or None, postal_country=postal_country, email=values["email"] or None,
        phone=values["phone"] or None, language=values["language"] or "nb", currency=currency,
        payment_terms_days=terms, credit_limit=credit_limit,
        group_code=values["group_code"] or None, bank_account=values["bank_account"] or None,
        bic=values["bic"] or None,
        rules=PostingRules(values["rules.account"] or None, values["rules.vat_code"] or None,
                           values["rules.department"] or None, values["rules.project"] or None))
    if blocks_from is not None:
        card = replace(card, reminder_block=blocks_from.reminder_block, credit_stop=blocks_from.credit_stop,
                       payment_block=blocks_from.payment_block)
    # Each field the domain checks alone, so that every problem shows at once ...
    probe_base = PartyCard(kind=kind, number="x", name="x")
    for name in _PROBED:
        try:
            validate_card(replace(probe_base, **{name: getattr(card, name)}))
        except ValidationFailed as exc:
            result.error(exc.field or name, message_for(exc), t)
    # ... then the whole card, for the rules that tie fields together (a foreign IBAN needs a BIC).
    try:
        card = validate_card(card)
    except ValidationFailed as exc:
        result.error(exc.field or "form", message_for(exc), t)
    for definition in free_fields:
        value = free_values[definition.code]
        if not value and definition.required:
            result.error(f"free_field.{definition.code}", MESSAGES["required"], t)
        elif value:
            try:
                parse_free_value(definition, value)
            except ValidationFailed:
                result.error(f"free_field.{definition.code}", MESSAGES["free_field"], t)
    if not result.errors:
        result.card = card
    return result
