"""Customers and suppliers: the party card and its validation.

A company may be both customer and supplier to another; those are two parties with separate
numbers (``kind`` customer or supplier). The card carries what flows into postings (language,
currency, payment terms, fixed posting rules) and into payments (bank account).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from reskontro.domain.errors import ValidationFailed
from reskontro.domain.text import check_text
from reskontro.identifiers import bank, orgnr
from reskontro.money import MoneyError, check_currency, to_decimal


class PartyKind(StrEnum):
    CUSTOMER = "customer"
    SUPPLIER = "supplier"


#: Languages a party card may carry (ISO 639-1); letters and statements are rendered in it.
LANGUAGES = frozenset({"nb", "nn", "en", "sv", "da", "de", "fi", "fr", "es", "pl", "is", "it", "nl"})

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class Block:
    """A reminder block, credit stop or payment block, with why and since when."""

    reason: str
    since: date


@dataclass(frozen=True, slots=True)
class PostingRules:
    """Fixed posting rules (faste konteringsregler) a posting for the party inherits."""

    account: str | None = None
    vat_code: str | None = None
    department: str | None = None
    project: str | None = None


_NO_RULES = PostingRules()


@dataclass(frozen=True, slots=True)
class PostingTerms:
    """What a posting needs from a card: a batch of a million rows keeps one of these per party
    instead of the whole card."""

    kind: PartyKind
    number: str
    currency: str
    payment_terms_days: int
    group_code: str | None = None
    rules: PostingRules = _NO_RULES

    @classmethod
    def of(cls, kind: PartyKind, number: str, currency: str, payment_terms_days: int, group_code: str | None,
           rules: PostingRules) -> PostingTerms:
        return cls(kind, number, currency, payment_terms_days, group_code, _NO_RULES if rules == _NO_RULES else rules)


@dataclass(frozen=True, slots=True)
class PartyCard:
    """The editable fields of a customer or supplier. Validated by :func:`validate_card`."""

    kind: PartyKind
    number: str
    name: str
    org_number: str | None = None
    vat_registered: bool = False
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str = "NO"
    postal_address: str | None = None
    postal_postal_code: str | None = None
    postal_city: str | None = None
    postal_country: str | None = None
    email: str | None = None
    phone: str | None = None
    language: str = "nb"
    currency: str = "NOK"
    payment_terms_days: int = 14
    credit_limit: Decimal | None = None
    group_code: str | None = None
    bank_account: str | None = None
    bic: str | None = None
    rules: PostingRules = field(default_factory=PostingRules)
    reminder_block: Block | None = None
    credit_stop: Block | None = None
    payment_block: Block | None = None

    def posting_terms(self) -> PostingTerms:
        return PostingTerms.of(self.kind, self.number, self.currency, self.payment_terms_days, self.group_code,
                               self.rules)


def _blank(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def validate_card(card: PartyCard) -> PartyCard:
    """Return the card with identifiers in compact form, or raise naming the field at fault."""
    number = card.number.strip()
    if not number:
        raise ValidationFailed("a party needs a number", field="number")
    if len(number) > 30:
        raise ValidationFailed(f"party number {number!r} is longer than 30 characters", field="number")
    if "/" in number or number in (".", ".."):  # a number is a path segment of the card's address (web, API)
        raise ValidationFailed(f"party number {number!r} may not contain '/' or be '.' or '..'", field="number")
    name = card.name.strip()
    if not name:
        raise ValidationFailed("a party needs a name", field="name")
    org = _blank(card.org_number)
    if org is not None:
        try:
            org = orgnr.validate(org)
        except orgnr.ValidationError as exc:
            raise ValidationFailed(f"org number {card.org_number!r} is not valid ({exc})",
                                   field="org_number") from None
    email = _blank(card.email)
    if email is not None and not _EMAIL.match(email):
        raise ValidationFailed(f"e-mail {email!r} is not an e-mail address", field="email")
    language = card.language.strip().lower()
    if language not in LANGUAGES:
        raise ValidationFailed(f"language {card.language!r} is not one of {', '.join(sorted(LANGUAGES))}",
                               field="language")
    try:
        currency = check_currency(card.currency)
    except MoneyError as exc:
        raise ValidationFailed(str(exc), field="currency") from None
    if not 0 <= card.payment_terms_days <= 365:
        raise ValidationFailed(f"payment terms {card.payment_terms_days} days is outside 0–365",
                               field="payment_terms_days")
    limit = card.credit_limit
    if limit is not None:
        try:
            limit = to_decimal(limit)
        except MoneyError as exc:
            raise ValidationFailed(str(exc), field="credit_limit") from None
        if limit < 0:
            raise ValidationFailed("credit limit cannot be negative", field="credit_limit")
    account = _blank(card.bank_account)
    if account is not None:
        try:
            account = bank.validate_account(account)
        except bank.ValidationError as exc:
            raise ValidationFailed(f"bank account {card.bank_account!r} is not valid ({exc})",
                                   field="bank_account") from None
    bic = _blank(card.bic)
    if bic is not None:
        try:
            bic = bank.validate_bic(bic)
        except bank.ValidationError as exc:
            raise ValidationFailed(f"BIC {card.bic!r} is not valid ({exc})", field="bic") from None
    if account is not None and not account.isdigit() and bic is None:
        raise ValidationFailed("a foreign IBAN needs a BIC", field="bic")
    country = (card.country or "NO").strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise ValidationFailed(f"country {card.country!r} is not an ISO 3166 two-letter code", field="country")
    # The columns' lengths (store/tables.py); control characters refused in every one-line field.
    for text_field, max_length in (("number", 30), ("name", 200), ("address", 200), ("postal_code", 20),
                                   ("city", 100), ("postal_address", 200), ("postal_postal_code", 20),
                                   ("postal_city", 100), ("email", 254), ("phone", 40), ("group_code", 20)):
        check_text(getattr(card, text_field), text_field, max_length)
    return replace(card, number=number, name=name, org_number=org, email=email, language=language,
                   currency=currency, credit_limit=limit, bank_account=account, bic=bic, country=country,
                   address=_blank(card.address), postal_code=_blank(card.postal_code), city=_blank(card.city),
                   phone=_blank(card.phone), group_code=_blank(card.group_code))


def flatten_card(card: PartyCard) -> dict[str, Any]:
    """The card as flat fields: posting rules as ``rules.account`` etc., a block as "reason (since date)",
    the kind as its code. One shape for the audit log, the CLI and JSON."""
    out: dict[str, Any] = {}
    for f in fields(card):
        value = getattr(card, f.name)
        if isinstance(value, PostingRules):
            for rf in fields(value):
                out[f"rules.{rf.name}"] = getattr(value, rf.name)
        elif isinstance(value, Block):
            out[f.name] = f"{value.reason} (since {value.since.isoformat()})"
        elif isinstance(value, PartyKind):
            out[f.name] = value.value
        else:
            out[f.name] = value
    return out


def card_changes(before: PartyCard, after: PartyCard) -> list[tuple[str, Any, Any]]:
    """The (field, old, new) triples that differ, flattening posting rules and blocks, for the audit log."""
    old, new = flatten_card(before), flatten_card(after)
    return [(k, old[k], new[k]) for k in old if old[k] != new[k]]


class FreeFieldType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    BOOL = "bool"
    CHOICE = "choice"


@dataclass(frozen=True, slots=True)
class FreeFieldDef:
    """A company-defined typed field on the party card."""

    code: str
    label: str
    type: FreeFieldType
    choices: tuple[str, ...] = ()
    required: bool = False


def parse_free_value(definition: FreeFieldDef, raw: str) -> str | Decimal | date | bool:
    """Parse a free-field value from text by the field's type, naming the field when it does not fit."""
    text = raw.strip()
    where = f"free_field.{definition.code}"
    if definition.type is FreeFieldType.TEXT:
        if len(text) > 500:
            raise ValidationFailed("text is longer than 500 characters", field=where)
        return text
    if definition.type is FreeFieldType.NUMBER:
        try:
            return to_decimal(text.replace(",", "."))
        except MoneyError:
            raise ValidationFailed(f"{raw!r} is not a number", field=where) from None
    if definition.type is FreeFieldType.DATE:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValidationFailed(f"{raw!r} is not a date (YYYY-MM-DD)", field=where) from None
    if definition.type is FreeFieldType.BOOL:
        lowered = text.lower()
        if lowered in {"yes", "ja", "true", "1", "y", "j"}:
            return True
        if lowered in {"no", "nei", "false", "0", "n"}:
            return False
        raise ValidationFailed(f"{raw!r} is not yes/no", field=where)
    if text not in definition.choices:
        raise ValidationFailed(f"{raw!r} is not one of {', '.join(definition.choices)}", field=where)
    return text
