"""Request and response bodies of the API (pydantic v2), separate from the domain's classes.

Money is a decimal *string* in JSON both ways (``"1250.00"``), never a number, so no amount passes
through a float. Dates are ISO 8601 (``2026-06-30``), timestamps ISO 8601 with a zone. Every text
field carries the length its database column has and refuses NUL characters, so a request that
would not fit is a 422 naming the field rather than an error deep in the database.
"""

from __future__ import annotations

import datetime as dt
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

from reskontro.domain.parties import FreeFieldType, PartyKind

# -- field types -------------------------------------------------------------------------------------

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
MAX_ID = 2**63 - 1


def no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _day(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"must be between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}")
    return value


def _moment(value: datetime) -> datetime:
    _day(value.date())
    return value


def _utc(value: datetime) -> datetime:
    """Timestamps are UTC; SQLite hands them back without a zone."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Str = Annotated[str, AfterValidator(no_nul)]
#: A timestamp in a response: ISO 8601 in UTC.
Timestamp = Annotated[datetime, AfterValidator(_utc)]
Day = Annotated[date, AfterValidator(_day)]
Moment = Annotated[datetime, AfterValidator(_moment)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

AMOUNT_PATTERN = r"^-?[0-9]{1,11}(\.[0-9]{1,3})?$"
RATE_PATTERN = r"^[0-9]{1,4}(\.[0-9]{1,10})?$"
_AMOUNT_RE = re.compile(AMOUNT_PATTERN)
_RATE_RE = re.compile(RATE_PATTERN)


def _decimal_text(pattern: re.Pattern[str], what: str) -> Any:
    def parse(value: Any) -> Decimal:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise ValueError(f"{what} must be a decimal string like \"1250.00\" (not a JSON number)")
        return Decimal(value)
    return parse


def _money_text(value: Decimal) -> str:
    return str(abs(value)) if value.is_zero() else str(value)


#: An amount in a request: a decimal string, at most 11 digits before the point and 3 after.
AmountIn = Annotated[Decimal, BeforeValidator(_decimal_text(_AMOUNT_RE, "an amount")),
                     WithJsonSchema({"type": "string", "pattern": AMOUNT_PATTERN, "examples": ["1250.00"]})]
#: An exchange rate in a request: company currency per unit, e.g. "11.5825".
RateIn = Annotated[Decimal, BeforeValidator(_decimal_text(_RATE_RE, "a rate")),
                   WithJsonSchema({"type": "string", "pattern": RATE_PATTERN, "examples": ["11.5825"]})]
#: An amount in a response: a decimal string with the currency's decimals.
Amount = Annotated[Decimal, PlainSerializer(_money_text, return_type=str),
                   WithJsonSchema({"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "examples": ["1250.00"]})]

PostableType = Literal["invoice", "credit_note", "payment", "write_off", "opening_balance"]
BlockName = Literal["reminder_block", "credit_stop", "payment_block"]
FollowUpStatus = Literal["open", "done", "cancelled"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# -- problems ----------------------------------------------------------------------------------------


class ProblemEntry(BaseModel):
    field: str | None = Field(None, description="The field at fault (``body.amount``, ``number``...).")
    row: int | None = Field(None, description="The row of an import file at fault.")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(description="A URN naming the kind of problem: ``urn:reskontro:problem:<code>``.")
    title: str
    status: int
    detail: str
    instance: str | None = None
    code: str = Field(description="Stable error code, e.g. ``not_found``, ``invalid_value``, ``forbidden``.")
    errors: list[ProblemEntry] = Field(default_factory=list)

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "type": "urn:reskontro:problem:invalid_value", "title": "Unprocessable Content", "status": 422,
        "detail": "field 'org_number': org number '923456784' is not valid (The number's checksum or check "
                  "digit is invalid.)", "instance": "/companies/1/parties", "code": "invalid_value",
        "errors": [{"field": "org_number", "message": "org number '923456784' is not valid"}]}]})


# -- sign-in -----------------------------------------------------------------------------------------


class LoginIn(Model):
    username: Str = Field(min_length=1, max_length=200)
    password: Str = Field(min_length=1, max_length=1024)

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"username": "kari", "password": "correct horse battery"}]})


class TokenOut(Out):
    token: str = Field(description="Send it as ``Authorization: Bearer <token>``. Shown once.")
    token_type: Literal["bearer"] = "bearer"
    token_id: int
    expires_at: Timestamp
    username: str


class CompanyOut(Out):
    company_id: int
    name: str
    org_number: str | None
    currency: str
    role: Literal["admin", "accountant", "read_only"]


class MeOut(Out):
    user_id: int
    username: str
    companies: list[CompanyOut]


# -- parties -----------------------------------------------------------------------------------------


class PostingRulesIn(Model):
    account: Str | None = Field(None, max_length=10, description="Counter account for invoices.")
    vat_code: Str | None = Field(None, max_length=10)
    department: Str | None = Field(None, max_length=20)
    project: Str | None = Field(None, max_length=20)


class PostingRulesOut(Out):
    account: str | None
    vat_code: str | None
    department: str | None
    project: str | None


class _CardFields(Model):
    name: Str = Field(min_length=1, max_length=200)
    org_number: Str | None = Field(None, max_length=20, description="Norwegian organisation number (9 digits).")
    vat_registered: bool = False
    address: Str | None = Field(None, max_length=200)
    postal_code: Str | None = Field(None, max_length=20)
    city: Str | None = Field(None, max_length=100)
    country: Str = Field("NO", min_length=2, max_length=2, description="ISO 3166 alpha-2.")
    postal_address: Str | None = Field(None, max_length=200)
    postal_postal_code: Str | None = Field(None, max_length=20)
    postal_city: Str | None = Field(None, max_length=100)
    postal_country: Str | None = Field(None, min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$")
    email: Str | None = Field(None, max_length=254)
    phone: Str | None = Field(None, max_length=40)
    language: Str = Field("nb", max_length=5, description="ISO 639-1: nb, nn, en, sv, da, de...")
    currency: Str = Field("NOK", min_length=3, max_length=3)
    payment_terms_days: int = Field(14, ge=0, le=365)
    credit_limit: AmountIn | None = None
    group_code: Str | None = Field(None, max_length=20)
    bank_account: Str | None = Field(None, max_length=40, description="Norwegian kontonummer or IBAN.")
    bic: Str | None = Field(None, max_length=11)
    rules: PostingRulesIn = Field(default_factory=lambda: PostingRulesIn.model_validate({}),
                                  description="Fixed posting rules.")


class PartyIn(_CardFields):
    kind: PartyKind
    number: Str = Field(min_length=1, max_length=30)

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "kind": "customer", "number": "10001", "name": "Fjordlys Bakeri AS", "org_number": "923456783",
        "vat_registered": True, "address": "Strandgata 1", "postal_code": "5013", "city": "Bergen",
        "email": "faktura@fjordlys.no", "payment_terms_days": 14, "credit_limit": "50000.00",
        "rules": {"account": "3000", "vat_code": "3"}}]})


class PartyPatch(Model):
    """Only the fields sent are changed; ``rules`` fields not sent keep their value."""

    number: Str | None = Field(None, min_length=1, max_length=30)
    name: Str | None = Field(None, min_length=1, max_length=200)
    org_number: Str | None = Field(None, max_length=20)
    vat_registered: bool | None = None
    address: Str | None = Field(None, max_length=200)
    postal_code: Str | None = Field(None, max_length=20)
    city: Str | None = Field(None, max_length=100)
    country: Str | None = Field(None, min_length=2, max_length=2)
    postal_address: Str | None = Field(None, max_length=200)
    postal_postal_code: Str | None = Field(None, max_length=20)
    postal_city: Str | None = Field(None, max_length=100)
    postal_country: Str | None = Field(None, min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$")
    email: Str | None = Field(None, max_length=254)
    phone: Str | None = Field(None, max_length=40)
    language: Str | None = Field(None, max_length=5)
    currency: Str | None = Field(None, min_length=3, max_length=3)
    payment_terms_days: int | None = Field(None, ge=0, le=365)
    credit_limit: AmountIn | None = None
    group_code: Str | None = Field(None, max_length=20)
    bank_account: Str | None = Field(None, max_length=40)
    bic: Str | None = Field(None, max_length=11)
    rules: PostingRulesIn | None = None
    version: int | None = Field(None, ge=1, le=2**31 - 1,
                                description="The version you read (or send ``If-Match``); a save over someone "
                                            "else's change is refused with 409.")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"email": "regnskap@fjordlys.no", "payment_terms_days": 30, "version": 1},
        {"rules": {"project": "P-17"}}]})


class BlockOut(Out):
    reason: str
    since: dt.date


class ContactIn(Model):
    name: Str = Field(min_length=1, max_length=200)
    role: Str | None = Field(None, max_length=100)
    email: Str | None = Field(None, max_length=254)
    phone: Str | None = Field(None, max_length=40)

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"name": "Kari Nordmann", "role": "Regnskap", "email": "kari@fjordlys.no", "phone": "+47 55 00 00 00"}]})


class ContactOut(Out):
    contact_id: int
    name: str
    role: str | None
    email: str | None
    phone: str | None


class FollowUpIn(Model):
    title: Str = Field(min_length=1, max_length=200)
    note: Str | None = Field(None, max_length=10_000)
    owner: Str | None = Field(None, max_length=100, description="User name; default the signed-in user.")
    due_date: Day | None = None

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"title": "Ring om forfalt faktura 10003", "due_date": "2026-07-15"}]})


class FollowUpStatusIn(Model):
    status: FollowUpStatus

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"status": "done"}]})


class FollowUpOut(Out):
    follow_up_id: int
    title: str
    note: str | None
    owner: str
    due_date: dt.date | None
    status: str
    done_at: Timestamp | None
    created_at: Timestamp
    created_by: str


class DocumentOut(Out):
    document_id: int
    filename: str
    content_type: str
    doc_type: str
    size: int
    sha256: str
    created_at: Timestamp
    created_by: str


class PartySummary(Out):
    kind: PartyKind
    number: str
    name: str
    org_number: str | None
    currency: str
    email: str | None
    blocked: bool
    balance: Amount = Field(description="Open amount in company currency, natural sign (invoices positive).")


class PartyPage(Out):
    items: list[PartySummary]
    next: str | None = Field(description="Cursor of the next page (send as ``after``); null on the last page.")


class PartyOut(Out):
    kind: PartyKind
    number: str
    name: str
    org_number: str | None
    vat_registered: bool
    address: str | None
    postal_code: str | None
    city: str | None
    country: str
    postal_address: str | None
    postal_postal_code: str | None
    postal_city: str | None
    postal_country: str | None
    email: str | None
    phone: str | None
    language: str
    currency: str
    payment_terms_days: int
    credit_limit: Amount | None
    group_code: str | None
    bank_account: str | None
    bic: str | None
    rules: PostingRulesOut
    reminder_block: BlockOut | None
    credit_stop: BlockOut | None
    payment_block: BlockOut | None
    version: int = Field(description="Send it back (``version`` or ``If-Match``) when you change the card.")
    balance: Amount
    free_fields: dict[str, str]
    contacts: list[ContactOut]
    follow_ups: list[FollowUpOut]
    documents: list[DocumentOut]


class BlockIn(Model):
    reason: Str = Field(min_length=1, max_length=200)
    since: Day | None = Field(None, description="Default today.")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"reason": "Disputed delivery, see follow-up", "since": "2026-06-30"}]})


class FreeFieldIn(Model):
    code: Str = Field(min_length=1, max_length=40, description="Letters, digits and _.")
    label: Str = Field("", max_length=200)
    type: FreeFieldType
    choices: list[Annotated[Str, Field(max_length=500)]] = Field(default_factory=list, max_length=200)
    required: bool = False

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"code": "region", "label": "Region", "type": "choice", "choices": ["vest", "øst", "nord"]},
        {"code": "contract_end", "label": "Contract ends", "type": "date"}]})


class FreeFieldOut(Out):
    code: str
    label: str
    type: FreeFieldType
    choices: list[str]
    required: bool


class FreeValueIn(Model):
    value: Str = Field(max_length=500)

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"value": "vest"}]})


class LedgerLineOut(Out):
    date: dt.date
    voucher: str
    voucher_type: str
    line_no: int
    item_id: int | None
    type: str
    document_number: str | None
    due_date: dt.date | None
    description: str | None
    currency: str
    currency_amount: Amount
    amount: Amount
    balance: Amount = Field(description="Running balance after this line, company currency, natural sign.")
    open_amount: Amount | None


class LedgerPage(Out):
    items: list[LedgerLineOut]
    next: str | None


class ItemOut(Out):
    item_id: int
    party_number: str
    kind: PartyKind
    type: str
    document_number: str
    voucher: str
    date: dt.date
    due_date: dt.date
    kid: str | None
    currency: str
    description: str | None
    amount: Amount
    open_currency_amount: Amount
    open_amount: Amount = Field(description="Open in company currency, natural sign.")


class ItemPage(Out):
    items: list[ItemOut]
    next: str | None


class MatchSuggestionOut(Out):
    settling_item_id: int = Field(description="The payment, credit note or write-off.")
    settling_document: str
    target_item_id: int = Field(description="The invoice (or other item) it would settle.")
    target_document: str
    debit_item_id: int
    credit_item_id: int
    method: Literal["kid", "text", "amount"]
    amount: Amount
    currency: str
    date: dt.date


# -- postings, vouchers, matches -----------------------------------------------------------------------


class CounterLineIn(Model):
    account: Str = Field(min_length=1, max_length=10)
    amount: AmountIn = Field(description="Gross (VAT included), in the posting's currency.")
    vat_code: Str | None = Field(None, max_length=10)
    department: Str | None = Field(None, max_length=20)
    project: Str | None = Field(None, max_length=20)
    description: Str | None = Field(None, max_length=500)


class PostingIn(Model):
    kind: PartyKind
    type: PostableType
    party_number: Str = Field(min_length=1, max_length=30)
    date: Day
    amount: AmountIn = Field(description="Positive; an opening balance takes the ledger's natural sign.")
    document_number: Str | None = Field(None, max_length=60, description="Default: the voucher reference.")
    due_date: Day | None = Field(None, description="Invoices; default from the party's payment terms.")
    currency: Str | None = Field(None, min_length=3, max_length=3, description="Default: the party's.")
    rate: RateIn | None = Field(None, description="Default: the company's rate table.")
    kid: Str | None = Field(None, max_length=25, description="KID (MOD10 or MOD11).")
    description: Str | None = Field(None, max_length=500)
    applies_to: Str | None = Field(None, max_length=60, description="The document a payment or credit note settles.")
    lines: list[CounterLineIn] = Field(default_factory=list, max_length=100,
                                       description="Counter lines; default from the party's posting rules.")
    auto_match: bool = Field(True, description="Match payments and credit notes automatically.")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"kind": "customer", "type": "invoice", "party_number": "10001", "date": "2026-06-01",
         "amount": "1250.00", "document_number": "10003", "kid": "0000100032",
         "lines": [{"account": "3000", "amount": "1250.00", "vat_code": "3", "department": "20"}]},
        {"kind": "customer", "type": "payment", "party_number": "10001", "date": "2026-06-14",
         "amount": "1250.00", "kid": "0000100032"},
        {"kind": "supplier", "type": "invoice", "party_number": "50001", "date": "2026-06-02",
         "amount": "800.00", "currency": "EUR", "rate": "11.5825", "document_number": "INV-778"}]})


class MatchMadeOut(Out):
    match_id: int
    debit_item_id: int
    credit_item_id: int
    amount: Amount
    method: str
    fx_voucher_id: int | None = Field(None, description="Internal id of the exchange-difference voucher, if any.")


class PostingOut(Out):
    voucher: str = Field(description="Voucher reference, e.g. SF2026-15.")
    item_id: int
    document_number: str
    matches: list[MatchMadeOut]


class VoucherSummary(Out):
    voucher: str
    voucher_type: str
    date: dt.date
    description: str | None
    reverses: str | None
    source: str | None
    created_at: Timestamp
    created_by: str


class VoucherPage(Out):
    items: list[VoucherSummary]
    next: str | None


class VoucherLineOut(Out):
    line_no: int
    account: str
    party: str | None
    vat_code: str | None
    department: str | None
    project: str | None
    description: str | None
    currency: str
    currency_amount: Amount
    debit: Amount | None
    credit: Amount | None


class VoucherItemOut(Out):
    item_id: int
    party_number: str | None
    kind: PartyKind
    type: str
    document_number: str
    date: dt.date
    due_date: dt.date
    kid: str | None
    currency: str
    amount: Amount
    open_currency_amount: Amount


class VoucherMatchOut(Out):
    match_id: int
    kind: Literal["match", "unmatch"]
    debit_item_id: int
    credit_item_id: int
    currency: str
    amount: Amount
    date: dt.date
    method: str
    undoes_match_id: int | None
    undone: bool


class VoucherOut(Out):
    voucher: str
    voucher_type: str
    date: dt.date
    description: str | None
    source: str | None
    created_at: Timestamp
    created_by: str
    reverses: str | None
    reversed_by: str | None
    lines: list[VoucherLineOut]
    items: list[VoucherItemOut]
    matches: list[VoucherMatchOut]


class ReverseIn(Model):
    date: Day | None = Field(None, description="Default: the original's date (must be in an open period).")
    reason: Str | None = Field(None, max_length=500)

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"date": "2026-06-30", "reason": "Posted on the wrong customer"}]})


class ReversalOut(Out):
    voucher: str
    reverses: str
    unmatched: list[int] = Field(description="Match ids the reversal undid.")


class MatchIn(Model):
    item_a: Id
    item_b: Id
    amount: AmountIn | None = Field(None, description="Partial amount; default all that fits.")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"item_a": 1041, "item_b": 1057}, {"item_a": 1041, "item_b": 1057, "amount": "500.00"}]})


class UnmatchOut(Out):
    match_id: int
    unmatch_id: int = Field(description="Id of the unmatch event that undid it.")


# -- imports, saved queries, audit ---------------------------------------------------------------------


class ImportOut(Out):
    rows: int
    created: int = Field(description="Parties created / transactions posted.")
    updated: int
    skipped: int = Field(description="Rows already there, unchanged.")
    matches: int


class SavedQueryIn(Model):
    name: Str = Field(min_length=1, max_length=100)
    report: Str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_-]{1,40}$")
    parameters: dict[Annotated[Str, Field(min_length=1, max_length=100)],
                     Annotated[Str, Field(max_length=1000)]] = Field(default_factory=dict, max_length=50)
    shared: bool = Field(False, description="Visible to everyone in the company (needs write access).")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"name": "Overdue west", "report": "open-items",
         "parameters": {"kind": "customer", "overdue_only": "yes", "field.region": "vest"}, "shared": True}]})


class SavedQueryOut(Out):
    id: int
    name: str
    owner: str
    report: str
    parameters: dict[str, str]
    shared: bool
    created_at: Timestamp
    created_by: str
    updated_at: Timestamp


class AuditEventOut(Out):
    audit_id: int
    at: Timestamp
    actor: str
    entity: str
    entity_id: str
    action: str
    field: str | None
    old_value: str | None
    new_value: str | None


class AuditPage(Out):
    items: list[AuditEventOut]
    next: str | None
