"""Customers and suppliers: the card, blocks, contacts, documents, follow-ups, free fields, ledger."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Header, Path, Query, Response, UploadFile

from reskontro.api.deps import IDEMPOTENT, MAX_ID, Access, After, Limit, Reader, Writer
from reskontro.api.errors import InvalidRequest, PayloadTooLarge
from reskontro.api.openapi import READ, WRITE
from reskontro.api.schemas import (
    BlockIn,
    BlockName,
    ContactIn,
    ContactOut,
    DocumentOut,
    FollowUpIn,
    FollowUpOut,
    FollowUpStatusIn,
    FreeFieldIn,
    FreeFieldOut,
    FreeValueIn,
    ItemPage,
    LedgerPage,
    MatchSuggestionOut,
    PartyIn,
    PartyOut,
    PartyPage,
    PartyPatch,
)
from reskontro.domain.errors import ValidationFailed
from reskontro.domain.parties import PartyCard, PartyKind, PostingRules
from reskontro.money import MoneyError, round_money
from reskontro.services import listings, matching, parties

router = APIRouter(tags=["parties"])

Kind = Annotated[PartyKind, Path(description="customer or supplier", examples=["customer"])]
Number = Annotated[str, Path(min_length=1, max_length=30, pattern=r"^[^\x00]+$", description="The party number.",
                             examples=["10001"])]
PARTY = "/companies/{company_id}/parties/{kind}/{number}"


def _check_amount(value: Any, currency: str, field: str) -> None:
    """A credit limit must fit the currency's decimals (NOK 2, JPY 0)."""
    try:
        if value is not None and round_money(value, currency.upper()) != value:
            raise ValidationFailed(f"{value} has more decimals than {currency} allows", field=field)
    except MoneyError as exc:
        raise ValidationFailed(str(exc), field=field) from None


def party_out(detail: listings.PartyDetail) -> PartyOut:
    card = detail.card
    return PartyOut.model_validate({
        **{name: getattr(card, name) for name in PartyCard.__dataclass_fields__
           if name not in ("rules", "reminder_block", "credit_stop", "payment_block")},
        "rules": card.rules, "reminder_block": card.reminder_block, "credit_stop": card.credit_stop,
        "payment_block": card.payment_block, "version": detail.version, "balance": detail.balance,
        "free_fields": detail.free_fields, "contacts": detail.contacts, "follow_ups": detail.follow_ups,
        "documents": detail.documents})


def _detail(a: Access, kind: str, number: str) -> listings.PartyDetail:
    return listings.party_detail(uow=a.uow(readonly=True), company_id=a.company_id, kind=kind, number=number)


@router.get("/companies/{company_id}/parties", response_model=PartyPage, summary="List customers and suppliers",
            responses=READ)
def list_parties(a: Reader, kind: Annotated[PartyKind | None, Query()] = None,
                 search: Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$",
                                                     description="Part of the name, or the number or org number.")
                                   ] = None,
                 limit: Limit = 50, after: After = None) -> dict[str, Any]:
    """Parties ordered by kind and number, with their open balance. Page with ``limit`` and ``after``."""
    page = listings.list_parties(uow=a.uow(readonly=True), company_id=a.company_id,
                                 kind=kind.value if kind else None, search=search, after=after, limit=limit)
    return {"items": page.items, "next": page.next}


@router.post("/companies/{company_id}/parties", status_code=201, response_model=PartyOut,
             summary="Create a customer or supplier", responses=WRITE, dependencies=IDEMPOTENT)
def create_party(a: Writer, body: PartyIn, response: Response) -> PartyOut:
    """Create a party from its card. Identifiers (org number, bank account) are validated and stored compact;
    the number is unique per kind."""
    _check_amount(body.credit_limit, body.currency, "credit_limit")
    card = PartyCard(kind=body.kind, number=body.number, name=body.name, org_number=body.org_number,
                     vat_registered=body.vat_registered, address=body.address, postal_code=body.postal_code,
                     city=body.city, country=body.country, postal_address=body.postal_address,
                     postal_postal_code=body.postal_postal_code, postal_city=body.postal_city,
                     postal_country=body.postal_country.upper() if body.postal_country else None, email=body.email,
                     phone=body.phone, language=body.language, currency=body.currency,
                     payment_terms_days=body.payment_terms_days, credit_limit=body.credit_limit,
                     group_code=body.group_code, bank_account=body.bank_account, bic=body.bic,
                     rules=PostingRules(**body.rules.model_dump()))
    parties.create_party(uow=a.uow(), company_id=a.company_id, card=card)
    detail = _detail(a, body.kind.value, card.number.strip())
    card = detail.card
    response.headers["Location"] = f"/companies/{a.company_id}/parties/{card.kind.value}/{quote(card.number)}"
    response.headers["ETag"] = f'"{detail.version}"'
    return party_out(detail)


@router.get(PARTY, response_model=PartyOut, summary="A party card with everything on it", responses=READ)
def get_party(a: Reader, kind: Kind, number: Number, response: Response) -> PartyOut:
    """The card, its free-field values, contacts, follow-ups, documents (without content) and open balance.
    The ``ETag`` header carries the version to send back in ``If-Match`` when changing it."""
    detail = _detail(a, kind.value, number)
    response.headers["ETag"] = f'"{detail.version}"'
    return party_out(detail)


_REQUIRED = {"name", "country", "language", "currency", "payment_terms_days", "vat_registered", "number"}
_ETAG = re.compile(r'^\s*(?:W/)?"?([0-9]{1,9})"?\s*$')


def _version(if_match: str | None, body: PartyPatch) -> int | None:
    if body.version is not None:
        return body.version
    if if_match is None or if_match.strip() == "*":
        return None
    m = _ETAG.match(if_match)
    if not m:
        raise InvalidRequest(f"If-Match {if_match!r} is not a version like \"3\"", field="If-Match")
    return int(m.group(1))


@router.patch(PARTY, response_model=PartyOut, summary="Change fields of a party card", responses=WRITE)
def update_party(a: Writer, kind: Kind, number: Number, body: PartyPatch, response: Response,
                 if_match: Annotated[str | None, Header(max_length=40, description="The ETag you read, e.g. \"3\"")
                                     ] = None) -> PartyOut:
    """Change the fields sent (audited field by field). With ``If-Match`` or ``version``, the save is refused
    with 409 ``concurrent_update`` when someone else saved the card since you read it."""
    expected = _version(if_match, body)
    sent = body.model_fields_set - {"version"}
    changes: dict[str, Any] = {}
    for name in sorted(sent):
        value = getattr(body, name)
        if value is None and name in _REQUIRED:
            raise ValidationFailed(f"{name} cannot be null", field=name)
        if name == "rules":
            continue
        changes[name] = value.upper() if name == "postal_country" and value else value
    current = parties.get_party(uow=a.uow(readonly=True), company_id=a.company_id, number=number, kind=kind)
    if "rules" in sent:
        rules = body.rules
        merged = {f: getattr(current.card.rules, f) for f in ("account", "vat_code", "department", "project")}
        if rules is not None:
            merged.update({f: getattr(rules, f) for f in rules.model_fields_set})
        changes["rules"] = PostingRules(**merged)
    if "credit_limit" in changes:
        _check_amount(changes["credit_limit"], changes.get("currency") or current.card.currency, "credit_limit")
    card = parties.update_party(uow=a.uow(), company_id=a.company_id, kind=kind, number=number, changes=changes,
                                expected_version=expected)
    detail = _detail(a, kind.value, card.number)
    response.headers["ETag"] = f'"{detail.version}"'
    return party_out(detail)


Block = Annotated[BlockName, Path(description="reminder_block, credit_stop (customers) or payment_block "
                                              "(suppliers)")]


@router.put(PARTY + "/blocks/{block}", response_model=PartyOut, summary="Set a block on a party", responses=WRITE)
def set_block(a: Writer, kind: Kind, number: Number, block: Block, body: BlockIn) -> PartyOut:
    """Set a reminder block or credit stop (customers) or payment block (suppliers), with a reason."""
    parties.set_block(uow=a.uow(), company_id=a.company_id, kind=kind, number=number, block=block,
                      reason=body.reason, since=body.since)
    return party_out(_detail(a, kind.value, number))


@router.delete(PARTY + "/blocks/{block}", response_model=PartyOut, summary="Lift a block", responses=WRITE)
def lift_block(a: Writer, kind: Kind, number: Number, block: Block) -> PartyOut:
    """Lift a reminder block, credit stop or payment block (lifting one that is not set changes nothing)."""
    parties.set_block(uow=a.uow(), company_id=a.company_id, kind=kind, number=number, block=block, reason=None)
    return party_out(_detail(a, kind.value, number))


@router.post(PARTY + "/contacts", status_code=201, response_model=ContactOut, summary="Add a contact person",
             responses=WRITE, dependencies=IDEMPOTENT)
def add_contact(a: Writer, kind: Kind, number: Number, body: ContactIn) -> dict[str, Any]:
    """Add a contact person to the party."""
    contact_id = parties.add_contact(uow=a.uow(), company_id=a.company_id, kind=kind, number=number, name=body.name,
                                     role=body.role, email=body.email, phone=body.phone)
    return next(c for c in _detail(a, kind.value, number).contacts if c["contact_id"] == contact_id)


@router.post(PARTY + "/follow-ups", status_code=201, response_model=FollowUpOut, summary="Add a follow-up",
             responses=WRITE, dependencies=IDEMPOTENT)
def add_follow_up(a: Writer, kind: Kind, number: Number, body: FollowUpIn) -> dict[str, Any]:
    """A follow-up task on the party (owner: the signed-in user unless named)."""
    follow_up_id = parties.add_follow_up(uow=a.uow(), company_id=a.company_id, kind=kind, number=number,
                                         title=body.title, note=body.note, owner=body.owner, due_date=body.due_date)
    return next(f for f in _detail(a, kind.value, number).follow_ups if f["follow_up_id"] == follow_up_id)


@router.patch("/companies/{company_id}/follow-ups/{follow_up_id}", status_code=204, response_class=Response,
              summary="Change a follow-up's status", responses=WRITE)
def set_follow_up_status(a: Writer, follow_up_id: Annotated[int, Path(ge=1, le=MAX_ID, examples=[1])],
                         body: FollowUpStatusIn) -> Response:
    """Mark a follow-up done or cancelled, or open it again."""
    parties.set_follow_up_status(uow=a.uow(), company_id=a.company_id, follow_up_id=follow_up_id,
                                 status=body.status)
    return Response(status_code=204)


# -- documents -------------------------------------------------------------------------------------------


@router.post(PARTY + "/documents", status_code=201, response_model=DocumentOut, summary="Upload a document",
             responses=WRITE | {413: {"description": "The file is larger than 50 MB."}}, dependencies=IDEMPOTENT)
def upload_document(a: Writer, kind: Kind, number: Number,
                    file: Annotated[UploadFile, File(description="The file (at most 50 MB).")],
                    doc_type: Annotated[str, Form(max_length=40, pattern=r"^[^\x00]*$",
                                                  description="contract, invoice, letter, other...")] = "other"
                    ) -> dict[str, Any]:
    """Store a file on the party with its SHA-256 (in the database, or the configured documents folder)."""
    filename = (file.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    if not filename or len(filename) > 255 or "\x00" in filename:
        raise InvalidRequest("the upload needs a file name of 1–255 characters", field="file")
    content_type = file.content_type
    if content_type and (len(content_type) > 100 or not content_type.isascii() or "\x00" in content_type):
        content_type = None
    content = file.file.read(parties.MAX_DOCUMENT_BYTES + 1)
    if len(content) > parties.MAX_DOCUMENT_BYTES:
        raise PayloadTooLarge(f"the file is larger than {parties.MAX_DOCUMENT_BYTES // (1024 * 1024)} MB",
                              field="file")
    document_id = parties.attach_document(
        uow=a.uow(), company_id=a.company_id, kind=kind, number=number, filename=filename, content=content,
        doc_type=doc_type or "other", content_type=content_type, folder=a.app.settings.documents_folder)
    return next(d for d in _detail(a, kind.value, number).documents if d["document_id"] == document_id)


def _disposition(filename: str) -> str:
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get("/companies/{company_id}/documents/{document_id}", response_class=Response,
            summary="Download a document", responses=READ | {200: {
                "description": "The file's bytes, with its content type and file name.",
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}})
def download_document(a: Reader, document_id: Annotated[int, Path(ge=1, le=MAX_ID, examples=[1])]) -> Response:
    """The stored bytes (checked against their SHA-256 on the way out), as an attachment. The
    ``Repr-Digest`` header carries the SHA-256 (RFC 9530)."""
    filename, content_type, content = parties.read_document(uow=a.uow(readonly=True), company_id=a.company_id,
                                                            document_id=document_id)
    digest = base64.b64encode(hashlib.sha256(content).digest()).decode()
    # The stored content type as it is (no charset added): the bytes are the file's, untouched.
    return Response(content, headers={
        "Content-Type": content_type, "Content-Disposition": _disposition(filename),
        "Repr-Digest": f"sha-256=:{digest}:", "X-Content-Type-Options": "nosniff"})


# -- free fields -----------------------------------------------------------------------------------------


@router.get("/companies/{company_id}/free-fields", response_model=list[FreeFieldOut],
            summary="The company's free fields", responses=READ)
def list_free_fields(a: Reader) -> list[FreeFieldOut]:
    """Typed custom fields on the party card (text, number, date, bool, choice)."""
    return [FreeFieldOut(code=d.code, label=d.label, type=d.type, choices=list(d.choices), required=d.required)
            for d in listings.list_free_fields(uow=a.uow(readonly=True), company_id=a.company_id)]


@router.post("/companies/{company_id}/free-fields", status_code=201, response_model=FreeFieldOut,
             summary="Define a free field", responses=WRITE, dependencies=IDEMPOTENT)
def define_free_field(a: Writer, body: FreeFieldIn) -> FreeFieldOut:
    """Define a typed custom field on every party card of the company."""
    parties.define_free_field(uow=a.uow(), company_id=a.company_id, code=body.code, label=body.label,
                              field_type=body.type.value, choices=tuple(body.choices), required=body.required)
    code = body.code.strip().lower()
    found = [d for d in listings.list_free_fields(uow=a.uow(readonly=True), company_id=a.company_id)
             if d.code == code]
    d = found[0]
    return FreeFieldOut(code=d.code, label=d.label, type=d.type, choices=list(d.choices), required=d.required)


@router.put(PARTY + "/free-fields/{code}", status_code=204, response_class=Response,
            summary="Set a free-field value on a party", responses=WRITE)
def set_free_value(a: Writer, kind: Kind, number: Number,
                   code: Annotated[str, Path(max_length=40, pattern=r"^[A-Za-z0-9_]+$", examples=["region"])],
                   body: FreeValueIn) -> Response:
    """Set the party's value of a free field, checked against the field's type."""
    parties.set_free_value(uow=a.uow(), company_id=a.company_id, kind=kind, number=number, code=code.lower(),
                           value=body.value)
    return Response(status_code=204)


# -- ledger, open items, suggestions --------------------------------------------------------------------


@router.get(PARTY + "/ledger", response_model=LedgerPage, summary="The party's ledger with running balance",
            responses=READ)
def party_ledger(a: Reader, kind: Kind, number: Number, limit: Limit = 50, after: After = None) -> dict[str, Any]:
    """Every sub-ledger line of the party in date order with the running balance (company currency, natural
    sign: what the customer owes us / what we owe the supplier)."""
    page = listings.party_ledger(uow=a.uow(readonly=True), company_id=a.company_id, kind=kind.value,
                                 number=number, after=after, limit=limit)
    return {"items": page.items, "next": page.next}


@router.get(PARTY + "/open-items", response_model=ItemPage, summary="The party's open items", responses=READ)
def party_open_items(a: Reader, kind: Kind, number: Number, limit: Limit = 50,
                     after: After = None) -> dict[str, Any]:
    """Items open now, in the order they were posted (open items at a past date: the open-items report)."""
    page = listings.party_open_items(uow=a.uow(readonly=True), company_id=a.company_id, kind=kind.value,
                                     number=number, after=after, limit=limit)
    return {"items": page.items, "next": page.next}


@router.get(PARTY + "/match-suggestions", response_model=list[MatchSuggestionOut],
            summary="Suggested matches for the party's open items", responses=READ)
def match_suggestions(a: Reader, kind: Kind, number: Number) -> list[matching.MatchSuggestion]:
    """For each open payment, credit note or write-off, the open items the auto-match rules would settle with
    it — by KID, by a document number in its text, or by exactly the opposite amount — and how much.
    Nothing is written; confirm a pair with ``POST /companies/{company_id}/matches``."""
    return matching.suggest_matches(uow=a.uow(readonly=True), company_id=a.company_id, kind=kind.value,
                                    number=number)

