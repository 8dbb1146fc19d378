"""Customers and suppliers: the lists, the party card with its tabs, creating and editing a card.

Lists are paged by key (``after`` / ``before`` cursors from :func:`reskontro.services.listings.browse_parties`),
never counted, so a page costs the same at 100 000 parties as at 100. The search box asks again as
you type (htmx; the server answers with the table alone), and the URL keeps the filters, so a list
can be bookmarked and the back button works.

The card's URL names the kind in the singular (``/c/1/customer/10001``) and the list in the plural
(``/c/1/customers``), so ``/c/1/customers/new`` can never clash with a party numbered ``new``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from reskontro.domain.errors import ReskontroError, ValidationFailed
from reskontro.domain.parties import LANGUAGES, PartyKind
from reskontro.identifiers import orgnr
from reskontro.services import listings, parties
from reskontro.services.parties import BLOCK_KINDS, MAX_DOCUMENT_BYTES
from reskontro.web.deps import Desk, Reader, Writer
from reskontro.web.errors import TooLarge
from reskontro.web.forms import CardForm, message_for, read_card_form
from reskontro.web.i18n import N_, Translator
from reskontro.web.render import Links, is_htmx, page
from reskontro.web.routes.auth import Form, local_path, text

router = APIRouter()

PAGE_SIZE = 50
LEDGER_PAGE_SIZE = 100

KIND_LABELS = {"customer": N_("Customer"), "supplier": N_("Supplier")}
KINDS_LABELS = {"customer": N_("Customers"), "supplier": N_("Suppliers")}
BLOCK_LABELS = {"reminder_block": N_("Reminder block"), "credit_stop": N_("Credit stop"),
                "payment_block": N_("Payment block")}
TYPE_LABELS = {"invoice": N_("Invoice"), "credit_note": N_("Credit note"), "payment": N_("Payment"),
               "write_off": N_("Write-off"), "opening_balance": N_("Opening balance"), "reversal": N_("Reversal"),
               "fx_difference": N_("Exchange difference")}
FOLLOW_UP_STATUS = {"open": N_("Open"), "done": N_("Done"), "cancelled": N_("Cancelled")}
DOC_TYPES = {"contract": N_("Contract"), "correspondence": N_("Correspondence"), "invoice": N_("Invoice"),
             "other": N_("Other")}
LANGUAGE_NAMES = {"nb": "Norsk bokmål", "nn": "Norsk nynorsk", "en": "English", "sv": "Svenska", "da": "Dansk",
                  "de": "Deutsch", "fi": "Suomi", "fr": "Français", "es": "Español", "pl": "Polski",
                  "is": "Íslenska", "it": "Italiano", "nl": "Nederlands"}
LABELS = {"kind": KIND_LABELS, "kinds": KINDS_LABELS, "blocks": BLOCK_LABELS, "types": TYPE_LABELS,
          "follow_up": FOLLOW_UP_STATUS, "doc_types": DOC_TYPES, "languages": LANGUAGE_NAMES}

Kind = Annotated[PartyKind, Path()]
Number = Annotated[str, Path(min_length=1, max_length=30)]
Cursor = Annotated[str | None, Query(max_length=400, pattern=r"^[A-Za-z0-9_\-]*$")]


def _labels() -> dict[str, Any]:
    return {"labels": LABELS, "languages": sorted(LANGUAGES, key=lambda c: (c not in ("nb", "en"), c))}


# -- lists -----------------------------------------------------------------------------------------------


@dataclass
class ListQuery:
    """The filters, order and page of a party list, as query parameters (so a list can be bookmarked)."""

    q: Annotated[str | None, Query(max_length=200)] = None
    group: Annotated[str | None, Query(max_length=20)] = None
    currency: Annotated[str | None, Query(max_length=3)] = None
    blocked: Annotated[Literal["", "yes", "no"], Query()] = ""
    field: Annotated[str | None, Query(max_length=40)] = None
    value: Annotated[str | None, Query(max_length=200)] = None
    sort: Annotated[Literal["number", "name"], Query()] = "number"
    dir: Annotated[Literal["asc", "desc"], Query()] = "asc"
    after: Cursor = None
    before: Cursor = None

    def filters(self) -> dict[str, str]:
        """The query parameters that select rows (not the page): kept by sort links and the pager."""
        out = {"q": self.q, "group": self.group, "currency": self.currency, "blocked": self.blocked,
               "field": self.field if self.value else None, "value": self.value if self.field else None}
        return {k: v for k, v in out.items() if v}


Listing = Annotated[ListQuery, Depends()]


def _party_list(request: Request, desk: Desk, kind: PartyKind, query: ListQuery) -> Response:
    t = Translator(desk.visitor.lang)
    free_field = (query.field, query.value) if query.field and query.value else None
    problem = None
    try:
        found = listings.browse_parties(
            uow=desk.uow(readonly=True), company_id=desk.company_id, kind=kind.value, search=query.q,
            group=query.group, currency=query.currency,
            blocked={"yes": True, "no": False}.get(query.blocked), free_field=free_field, sort=query.sort,
            descending=query.dir == "desc", after=query.after, before=query.before, limit=PAGE_SIZE)
    except ValidationFailed as exc:  # a stale cursor or a value a free field cannot hold: say so, show nothing
        found = listings.BrowsePage([], None, None)
        problem = (t.gettext("Not a valid value for this field.") if exc.field and exc.field.startswith("free_field")
                   else exc.message)
    except ReskontroError as exc:
        if exc.code != "not_found" or exc.field != "field":
            raise
        found = listings.BrowsePage([], None, None)
        problem = t.gettext("No such free field.")
    context = {"kind": kind, "query": query, "filters": query.filters(), "found": found, "problem": problem,
               **_labels()}
    if is_htmx(request) and request.headers.get("HX-Target") == "party-list":
        return page(request, desk.visitor, "parties/_table.html", desk=desk, **context)
    options = parties.card_options(uow=desk.uow(readonly=True), company_id=desk.company_id, kind=kind)
    return page(request, desk.visitor, "parties/list.html", desk=desk, options=options, **context)


@router.get("/c/{company_id}/customers")
def customers(request: Request, desk: Reader, query: Listing) -> Response:
    return _party_list(request, desk, PartyKind.CUSTOMER, query)


@router.get("/c/{company_id}/suppliers")
def suppliers(request: Request, desk: Reader, query: Listing) -> Response:
    return _party_list(request, desk, PartyKind.SUPPLIER, query)


# -- create and edit -------------------------------------------------------------------------------------


def _form_page(request: Request, desk: Desk, kind: PartyKind, form: CardForm, *, number: str | None,
               version: int | None = None, status: int = 200) -> Response:
    options = parties.card_options(uow=desk.uow(readonly=True), company_id=desk.company_id, kind=kind)
    # Sent with each org-number check, so that the card being edited is not reported as another with it.
    org_check_vals = json.dumps({"kind": kind.value, "number": number or ""})
    return page(request, desk.visitor, "parties/form.html", desk=desk, kind=kind, form=form, number=number,
                version=version, options=options, status=status, org_check_vals=org_check_vals, **_labels())


def _save(request: Request, desk: Desk, kind: PartyKind, data: FormData, number: str | None) -> Response:
    t = Translator(desk.visitor.lang)
    options = parties.card_options(uow=desk.uow(readonly=True), company_id=desk.company_id, kind=kind)
    existing = None
    if number is not None:
        existing = listings.party_detail(uow=desk.uow(readonly=True), company_id=desk.company_id, kind=kind.value,
                                         number=number)
    form = read_card_form(kind, data, options.free_fields, t, blocks_from=existing.card if existing else None)
    version_text = text(data, "version", 12)
    version = int(version_text) if version_text.isdigit() else None
    if form.card is not None:
        try:
            saved = parties.save_party(uow=desk.uow(), company_id=desk.company_id, card=form.card,
                                       free_values=form.free_values, number=number, expected_version=version)
        except ReskontroError as exc:
            if exc.code == "concurrent_update":
                form.errors["form"] = t.gettext("Someone else saved this card while you were editing it. Open it "
                                                "again to see their change, then make yours.")
            else:
                form.errors[exc.field or "form"] = t.gettext(message_for(exc))
        else:
            return RedirectResponse(Links(desk.company_id).party(kind, saved.number), status_code=303)
    return _form_page(request, desk, kind, form, number=number, version=version, status=422)


def _new_form(request: Request, desk: Desk, kind: PartyKind) -> Response:
    return _form_page(request, desk, kind, CardForm.blank(kind, desk.company.currency, desk.visitor.lang),
                      number=None)


@router.get("/c/{company_id}/customers/new")
def new_customer(request: Request, desk: Writer) -> Response:
    return _new_form(request, desk, PartyKind.CUSTOMER)


@router.get("/c/{company_id}/suppliers/new")
def new_supplier(request: Request, desk: Writer) -> Response:
    return _new_form(request, desk, PartyKind.SUPPLIER)


@router.post("/c/{company_id}/customers/new")
def create_customer(request: Request, desk: Writer, data: Form) -> Response:
    return _save(request, desk, PartyKind.CUSTOMER, data, None)


@router.post("/c/{company_id}/suppliers/new")
def create_supplier(request: Request, desk: Writer, data: Form) -> Response:
    return _save(request, desk, PartyKind.SUPPLIER, data, None)


@router.get("/c/{company_id}/validate/org-number")
def validate_org_number(request: Request, desk: Reader,
                        org_number: Annotated[str, Query(max_length=40)] = "",
                        kind: Annotated[PartyKind | None, Query()] = None,
                        number: Annotated[str | None, Query(max_length=30)] = None) -> Response:
    """As the org number is typed: how many digits so far, whether it is valid, and who else has it."""
    digits = "".join(ch for ch in org_number if not ch.isspace())
    state, others = "empty", []
    if digits:
        if orgnr.is_valid(digits):
            state = "valid"
            others = [p for p in listings.parties_with_org_number(
                uow=desk.uow(readonly=True), company_id=desk.company_id, org_number=orgnr.compact(digits))
                if not (kind is not None and p["kind"] == kind.value and p["number"] == number)]
        elif digits.isdigit() and len(digits) < 9:
            state = "typing"
        else:
            state = "invalid"
    return page(request, desk.visitor, "parties/_org_check.html", desk=desk, state=state, digits=len(digits),
                formatted=orgnr.format(digits) if state == "valid" else "", others=others, **_labels())


# -- documents and follow-ups by id ----------------------------------------------------------------------


@router.get("/c/{company_id}/documents/{document_id}")
def download_document(desk: Reader, document_id: Annotated[int, Path(ge=1, le=2**63 - 1)]) -> Response:
    """The stored file, always as a download (never shown inline on this site), checked against its SHA-256."""
    filename, _content_type, content = parties.read_document(uow=desk.uow(readonly=True),
                                                             company_id=desk.company_id, document_id=document_id)
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return Response(content, media_type="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"})


@router.post("/c/{company_id}/follow-ups/{follow_up_id}")
def follow_up_status(desk: Writer, follow_up_id: Annotated[int, Path(ge=1, le=2**63 - 1)], data: Form) -> Response:
    status = text(data, "status", 20)
    parties.set_follow_up_status(uow=desk.uow(), company_id=desk.company_id, follow_up_id=follow_up_id,
                                 status=status)
    back = local_path(text(data, "back"))
    return RedirectResponse(back if back and back.startswith(f"/c/{desk.company_id}/") else
                            Links(desk.company_id).dashboard, status_code=303)


# -- the card --------------------------------------------------------------------------------------------


def _card_page(request: Request, desk: Desk, kind: PartyKind, number: str, tab: str, *, status: int = 200,
               **context: Any) -> Response:
    detail = listings.party_detail(uow=desk.uow(readonly=True), company_id=desk.company_id, kind=kind.value,
                                   number=number)
    options = parties.card_options(uow=desk.uow(readonly=True), company_id=desk.company_id, kind=kind)
    blocks = [name for name, applies in BLOCK_KINDS.items() if applies is kind]
    return page(request, desk.visitor, f"parties/{tab.replace('-', '_')}.html", desk=desk, kind=kind,
                detail=detail, card=detail.card, tab=tab, options=options, blocks=blocks, status=status,
                today=desk.uow(readonly=True).today(), **_labels(), **context)


@router.get("/c/{company_id}/{kind}/{number}")
def details(request: Request, desk: Reader, kind: Kind, number: Number) -> Response:
    return _card_page(request, desk, kind, number, "details")


@router.get("/c/{company_id}/{kind}/{number}/ledger")
def ledger(request: Request, desk: Reader, kind: Kind, number: Number, after: Cursor = None) -> Response:
    lines = listings.party_ledger(uow=desk.uow(readonly=True), company_id=desk.company_id, kind=kind.value,
                                  number=number, after=after, limit=LEDGER_PAGE_SIZE)
    return _card_page(request, desk, kind, number, "ledger", lines=lines, after=after)


@router.get("/c/{company_id}/{kind}/{number}/open-items")
def open_items(request: Request, desk: Reader, kind: Kind, number: Number, after: Cursor = None) -> Response:
    items = listings.party_open_items(uow=desk.uow(readonly=True), company_id=desk.company_id, kind=kind.value,
                                      number=number, after=after, limit=LEDGER_PAGE_SIZE)
    return _card_page(request, desk, kind, number, "open-items", items=items, after=after)


@router.get("/c/{company_id}/{kind}/{number}/contacts")
def contacts(request: Request, desk: Reader, kind: Kind, number: Number) -> Response:
    return _card_page(request, desk, kind, number, "contacts", values={}, errors={})


@router.post("/c/{company_id}/{kind}/{number}/contacts")
def add_contact(request: Request, desk: Writer, kind: Kind, number: Number, data: Form) -> Response:
    t = Translator(desk.visitor.lang)
    values = {n: text(data, n, 254).strip() for n in ("name", "role", "email", "phone")}
    try:
        parties.add_contact(uow=desk.uow(), company_id=desk.company_id, kind=kind, number=number,
                            name=values["name"], role=values["role"] or None, email=values["email"] or None,
                            phone=values["phone"] or None)
    except ValidationFailed as exc:
        message = (t.gettext("Give the contact's name.") if exc.field == "name"
                   else t.gettext(message_for(exc)))
        return _card_page(request, desk, kind, number, "contacts", status=422, values=values,
                          errors={exc.field or "name": message})
    return RedirectResponse(Links(desk.company_id).party(kind, number, "contacts"), status_code=303)


@router.get("/c/{company_id}/{kind}/{number}/documents")
def documents(request: Request, desk: Reader, kind: Kind, number: Number) -> Response:
    return _card_page(request, desk, kind, number, "documents", errors={})


@router.post("/c/{company_id}/{kind}/{number}/documents")
def upload_document(request: Request, desk: Writer, kind: Kind, number: Number, data: Form) -> Response:
    t = Translator(desk.visitor.lang)
    upload = data.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _card_page(request, desk, kind, number, "documents", status=422,
                          errors={"file": t.gettext("Choose a file to upload.")})
    content = upload.file.read(MAX_DOCUMENT_BYTES + 1)
    if len(content) > MAX_DOCUMENT_BYTES:
        raise TooLarge(t.gettext("A document may be at most 50 MB."), field="file")
    doc_type = text(data, "doc_type", 40)
    parties.attach_document(uow=desk.uow(), company_id=desk.company_id, kind=kind, number=number,
                            filename=upload.filename, content=content,
                            doc_type=doc_type if doc_type in DOC_TYPES else "other",
                            content_type=upload.content_type, folder=desk.app.settings.documents_folder)
    return RedirectResponse(Links(desk.company_id).party(kind, number, "documents"), status_code=303)


@router.get("/c/{company_id}/{kind}/{number}/follow-ups")
def follow_ups(request: Request, desk: Reader, kind: Kind, number: Number) -> Response:
    return _card_page(request, desk, kind, number, "follow-ups", values={}, errors={})


def parse_day(value: str) -> date:
    """A date typed as ``2026-12-31`` (what ``<input type=date>`` sends) or ``31.12.2026``."""
    value = value.strip()
    if "." in value:
        d, m, y = value.split(".")
        return date(int(y), int(m), int(d))
    return date.fromisoformat(value)


@router.post("/c/{company_id}/{kind}/{number}/follow-ups")
def add_follow_up(request: Request, desk: Writer, kind: Kind, number: Number, data: Form) -> Response:
    t = Translator(desk.visitor.lang)
    values = {n: text(data, n, 2000).strip() for n in ("title", "note", "due_date")}
    errors: dict[str, str] = {}
    due = None
    if values["due_date"]:
        try:
            due = parse_day(values["due_date"])
        except ValueError:
            errors["due_date"] = t.gettext("Not a date.")
    if not values["title"]:
        errors["title"] = t.gettext("Give a title.")
    if not errors:
        parties.add_follow_up(uow=desk.uow(), company_id=desk.company_id, kind=kind, number=number,
                              title=values["title"], note=values["note"] or None, due_date=due)
        return RedirectResponse(Links(desk.company_id).party(kind, number, "follow-ups"), status_code=303)
    return _card_page(request, desk, kind, number, "follow-ups", status=422, values=values, errors=errors)


@router.post("/c/{company_id}/{kind}/{number}/blocks/{block}")
def set_block(request: Request, desk: Writer, kind: Kind, number: Number,
              block: Annotated[Literal["reminder_block", "credit_stop", "payment_block"], Path()],
              data: Form) -> Response:
    """Set a block with a reason, or lift it (``action=lift``)."""
    t = Translator(desk.visitor.lang)
    reason = None if text(data, "action", 10) == "lift" else text(data, "reason", 200).strip()
    if reason == "":
        return _card_page(request, desk, kind, number, "details", status=422,
                          block_errors={block: t.gettext("Give a reason for the block.")})
    parties.set_block(uow=desk.uow(), company_id=desk.company_id, kind=kind, number=number, block=block,
                      reason=reason)
    return RedirectResponse(Links(desk.company_id).party(kind, number), status_code=303)


@router.get("/c/{company_id}/{kind}/{number}/edit")
def edit_form(request: Request, desk: Writer, kind: Kind, number: Number) -> Response:
    detail = listings.party_detail(uow=desk.uow(readonly=True), company_id=desk.company_id, kind=kind.value,
                                   number=number)
    form = CardForm.of_card(detail.card, detail.free_fields, desk.visitor.lang)
    return _form_page(request, desk, kind, form, number=number, version=detail.version)


@router.post("/c/{company_id}/{kind}/{number}/edit")
def save_edit(request: Request, desk: Writer, kind: Kind, number: Number, data: Form) -> Response:
    return _save(request, desk, kind, data, number)

