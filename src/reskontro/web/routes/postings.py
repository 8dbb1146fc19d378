"""Postings in the browser: register an invoice, credit note, payment or write-off for a customer or
supplier; look up and read a voucher; reverse it.

=====================================  ======  =====================================================
page                                   role    what
=====================================  ======  =====================================================
``/c/{id}/postings``                   write   the form: type switch, party picker (live search),
                                               then the fields of the type for that party
``POST /c/{id}/postings``              write   posts one voucher (``posting.post_transaction``) and
                                               shows it; a refused form shows every problem beside
                                               its field and posts nothing
``/c/{id}/postings/kid``               write   the KID check as it is typed (htmx fragment)
``/c/{id}/vouchers``                   read    the voucher journal by date, and "go to voucher"
``/c/{id}/vouchers/{ref}``             read    a voucher: head, lines, items, the matches on them
``POST …/vouchers/{ref}/reverse``      write   posts a reversal (``posting.reverse_voucher``)
=====================================  ======  =====================================================

**One posting per form.** Each form carries a random key; the first submission reserves it with the
same idempotency service the API's ``Idempotency-Key`` uses, so a double click or a resubmitted form
posts once and then shows the voucher it made. A refused form releases its key, so it can be fixed and
sent again.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from reskontro.domain.errors import NotFound, ReskontroError, ValidationFailed
from reskontro.domain.parties import PartyKind
from reskontro.domain.vouchers import ItemType
from reskontro.identifiers import kid as kid_mod
from reskontro.services import access, listings, parties, posting
from reskontro.web.deps import Desk, Reader, Writer
from reskontro.web.i18n import N_, Translator
from reskontro.web.posting_forms import (
    POSTING_TYPES,
    SHOWN,
    PostingForm,
    blank_form,
    parse_day,
    read_posting_form,
    service_problem,
)
from reskontro.web.render import Links, is_htmx, page
from reskontro.web.routes.auth import Form, text
from reskontro.web.routes.parties import LABELS

router = APIRouter()

PostingType = Literal["invoice", "credit_note", "payment", "write_off"]
VoucherRef = Annotated[str, Path(max_length=40, pattern=r"^[A-Za-z]+[0-9]?[0-9]{4}-[0-9]{1,18}$")]
VOUCHER_REF = re.compile(r"^[A-Z]+[0-9]?[0-9]{4}-[0-9]{1,18}$")
PICKER_SIZE = 12
#: Open documents offered for ``applies_to`` (a party with more can still type the number).
APPLIES_TO_CHOICES = 200
JOURNAL_PAGE_SIZE = 100
FORM_KEY = "form_key"
KEY_PREFIX = "web-posting:"

VOUCHER_TYPES = {
    "customer_invoice": N_("Customer invoice"), "customer_credit_note": N_("Customer credit note"),
    "customer_payment": N_("Incoming payment"), "supplier_invoice": N_("Supplier invoice"),
    "supplier_credit_note": N_("Supplier credit note"), "supplier_payment": N_("Outgoing payment"),
    "write_off": N_("Write-off"), "opening_balance": N_("Opening balance"), "fx_difference": N_("Exchange difference"),
    "bank_suspense": N_("Bank suspense"),
    "reversal": N_("Reversal"),
}
#: How a match was made.
METHODS = {"manual": N_("by hand"), "applies_to": N_("named document"), "kid": N_("KID"),
           "text": N_("number in the text"), "amount": N_("same amount"), "reversal": N_("reversal"),
           "import": N_("import")}
#: The heading of the form, by kind and type.
TITLES = {
    ("customer", "invoice"): N_("New customer invoice"),
    ("customer", "credit_note"): N_("New credit note to a customer"),
    ("customer", "payment"): N_("Register incoming payment"),
    ("customer", "write_off"): N_("Write off a receivable"),
    ("supplier", "invoice"): N_("New supplier invoice"),
    ("supplier", "credit_note"): N_("New credit note from a supplier"),
    ("supplier", "payment"): N_("Register outgoing payment"),
    ("supplier", "write_off"): N_("Write off a payable"),
}
REVERSE_MESSAGES = {
    "date": N_("Give a date, e.g. 31.12.2026."),
    "date.closed": N_("The period is closed: choose a date in an open period."),
    "already_reversed": N_("This voucher has already been reversed."),
    "voucher": N_("A reversal or an exchange-difference voucher cannot be reversed; undo the match instead."),
}


def labels() -> dict[str, Any]:
    return {"labels": {**LABELS, "voucher_types": VOUCHER_TYPES, "methods": METHODS, "titles": TITLES}}


# -- the form --------------------------------------------------------------------------------------------


def _picker(desk: Desk, kind: PartyKind, q: str | None) -> listings.BrowsePage | None:
    if not q or not q.strip():
        return None
    return listings.browse_parties(uow=desk.uow(readonly=True), company_id=desk.company_id, kind=kind.value,
                                   search=q.strip(), limit=PICKER_SIZE)


def _form_page(request: Request, desk: Desk, form: PostingForm | None, *, item_type: ItemType, kind: PartyKind,
               form_key: str, q: str | None = None, status: int = 200) -> Response:
    context: dict[str, Any] = {"item_type": item_type, "kind": kind, "form": form, "form_key": form_key, "q": q or "",
                               "types": POSTING_TYPES, "detail": None, "defaults": None, "open_documents": [],
                               "picker": None, "options": None, "account_names": {}, "vat_names": {},
                               "company_currency": desk.company.currency, **labels()}
    if form is None:
        context["picker"] = _picker(desk, kind, q)
    else:
        uow = desk.uow
        detail = listings.party_detail(uow=uow(readonly=True), company_id=desk.company_id, kind=kind.value,
                                       number=form.party)
        defaults = posting.posting_defaults(uow=uow(readonly=True), company_id=desk.company_id, kind=kind,
                                            number=form.party, item_type=item_type)
        options = parties.card_options(uow=uow(readonly=True), company_id=desk.company_id, kind=kind)
        if "applies_to" in SHOWN[item_type]:
            found = listings.party_open_items(uow=uow(readonly=True), company_id=desk.company_id, kind=kind.value,
                                              number=form.party, limit=APPLIES_TO_CHOICES)
            context["open_documents"] = [i for i in found.items if i["open_currency_amount"] > 0]
        context.update(detail=detail, card=detail.card, defaults=defaults, options=options,
                       account_names=dict(options.accounts), vat_names=dict(options.vat_codes))
    return page(request, desk.visitor, "postings/form.html", desk=desk, status=status, **context)


@router.get("/c/{company_id}/postings")
def posting_form(request: Request, desk: Writer, type: Annotated[PostingType, Query()] = "invoice",
                 kind: Annotated[PartyKind, Query()] = PartyKind.CUSTOMER,
                 party: Annotated[str | None, Query(max_length=30)] = None,
                 q: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    """The form for ``party``; without one, the party picker (``q`` searches as it is typed)."""
    item_type = ItemType(type)
    links = Links(desk.company_id)
    if is_htmx(request) and request.headers.get("HX-Target") == "party-picker":
        return page(request, desk.visitor, "postings/_picker.html", desk=desk, item_type=item_type, kind=kind,
                    q=q or "", picker=_picker(desk, kind, q), **labels())
    if not party:
        found = _picker(desk, kind, q)
        if found is not None and len(found.items) == 1 and not found.next:  # Enter on a search with one hit
            return RedirectResponse(links.postings(type=type, kind=kind.value, party=found.items[0]["number"]),
                                    status_code=303)
        return _form_page(request, desk, None, item_type=item_type, kind=kind, form_key="", q=q)
    today = desk.uow(readonly=True).today()
    defaults = posting.posting_defaults(uow=desk.uow(readonly=True), company_id=desk.company_id, kind=kind,
                                        number=party, item_type=item_type)
    form = blank_form(item_type, kind, party, defaults, today)
    return _form_page(request, desk, form, item_type=item_type, kind=kind, form_key=secrets.token_urlsafe(18))


def _posting_type(value: str) -> ItemType:
    try:
        item_type = ItemType(value)
    except ValueError:
        item_type = ItemType.REVERSAL
    if item_type not in POSTING_TYPES:
        raise ValidationFailed(f"type {value!r} must be one of {', '.join(POSTING_TYPES)}", field="type")
    return item_type


def _kind(value: str) -> PartyKind:
    try:
        return PartyKind(value)
    except ValueError:
        raise ValidationFailed(f"kind {value!r} must be customer or supplier", field="kind") from None


@router.post("/c/{company_id}/postings")
def post_posting(request: Request, desk: Writer, data: Form) -> Response:
    """Post the form as one voucher and show it, or show the form again with every problem beside its field."""
    t = Translator(desk.visitor.lang)
    item_type, kind = _posting_type(text(data, "type", 20)), _kind(text(data, "kind", 20))
    party = text(data, "party", 30).strip()
    if not party:
        raise ValidationFailed("choose a customer or supplier", field="party")
    defaults = posting.posting_defaults(uow=desk.uow(readonly=True), company_id=desk.company_id, kind=kind,
                                        number=party, item_type=item_type)
    options = parties.card_options(uow=desk.uow(readonly=True), company_id=desk.company_id, kind=kind)
    form = read_posting_form(item_type, kind, party, data, defaults, accounts={a for a, _ in options.accounts},
                             vat_codes={v for v, _ in options.vat_codes}, t=t)
    form_key = text(data, FORM_KEY, 64)
    if data.get("add_line") and form.splits:  # one more counter line: the form again, nothing posted or refused
        form.errors.clear()
        form.request = None
        form.add_line(defaults.account, defaults.vat_code or "")
        return _form_page(request, desk, form, item_type=item_type, kind=kind, form_key=form_key)
    if form.request is None:
        return _form_page(request, desk, form, item_type=item_type, kind=kind, form_key=form_key, status=422)
    user_id = desk.session.principal.user_id
    key = KEY_PREFIX + form_key if form_key else None
    if key is not None:
        before = access.reserve_idempotency(uow=desk.uow(), company_id=desk.company_id, user_id=user_id, key=key,
                                            request_hash=form.fingerprint())
        if before is not None and before.status == "done" and before.body:
            return RedirectResponse(before.body.decode() + "&again=1", status_code=303)
        if before is not None:
            form.errors["form"] = t.gettext("This form is being posted already (a double click?). Look at the "
                                            "party's ledger before you post it again.")
            return _form_page(request, desk, form, item_type=item_type, kind=kind, form_key=form_key, status=409)
    try:
        result = posting.post_transaction(uow=desk.uow(), company_id=desk.company_id, request=form.request)
    except Exception as exc:
        if key is not None:  # nothing was posted: the same form may be sent again
            access.release_idempotency(uow=desk.uow(), company_id=desk.company_id, user_id=user_id, key=key)
        if not isinstance(exc, ReskontroError):
            raise
        name, message = service_problem(exc)
        form.error(name, message, t)
        return _form_page(request, desk, form, item_type=item_type, kind=kind, form_key=form_key, status=422)
    location = Links(desk.company_id).voucher(result.voucher_ref) + "?posted=1"
    if key is not None:
        access.complete_idempotency(uow=desk.uow(), company_id=desk.company_id, user_id=user_id, key=key,
                                    status_code=303, content_type="text/uri-list", body=location.encode())
    return RedirectResponse(location, status_code=303)


@router.get("/c/{company_id}/postings/kid")
def check_kid(request: Request, desk: Writer, kid: Annotated[str, Query(max_length=40)] = "") -> Response:
    """As a KID is typed: how many digits so far, and whether its check digit is right (MOD10 or MOD11)."""
    compact = kid_mod.compact(kid)
    state, algorithm = "empty", ""
    if compact:
        if kid_mod.is_valid(compact):
            state, algorithm = "valid", "MOD10" if kid_mod.is_valid(compact, "mod10") else "MOD11"
        elif compact.isdigit() and len(compact) < 2:
            state = "typing"
        else:
            state = "invalid"
    return page(request, desk.visitor, "postings/_kid_check.html", desk=desk, state=state, algorithm=algorithm,
                digits=len(compact))


# -- vouchers --------------------------------------------------------------------------------------------


@router.get("/c/{company_id}/vouchers")
def journal(request: Request, desk: Reader, ref: Annotated[str | None, Query(max_length=40)] = None,
            series: Annotated[str | None, Query(max_length=10, pattern=r"^[A-Za-z0-9]*$")] = None,
            date_from: Annotated[str | None, Query(alias="from", max_length=10)] = None,
            date_to: Annotated[str | None, Query(alias="to", max_length=10)] = None,
            after: Annotated[str | None, Query(max_length=400, pattern=r"^[A-Za-z0-9_\-]*$")] = None) -> Response:
    """Vouchers in the order they were posted, from a date (the last 30 days when nothing is chosen);
    ``ref`` goes straight to a voucher."""
    t = Translator(desk.visitor.lang)
    problem = None
    if ref is not None and ref.strip():
        wanted = ref.strip().upper().replace(" ", "")
        if VOUCHER_REF.match(wanted):
            return RedirectResponse(Links(desk.company_id).voucher(wanted), status_code=303)
        problem = t.gettext("A voucher number is the series, the year and the number, like SF2026-15.")
    today = desk.uow(readonly=True).today()
    if date_from is None and date_to is None and not series and not after:
        date_from = (today - timedelta(days=30)).isoformat()
    days: dict[str, date | None] = {}
    for name, value in (("from", date_from), ("to", date_to)):
        try:
            days[name] = parse_day(value) if value else None
        except ValueError:
            days[name] = None
            problem = t.gettext("Give a date, e.g. 31.12.2026.")
    try:
        found = listings.list_vouchers(uow=desk.uow(readonly=True), company_id=desk.company_id, series=series or None,
                                       date_from=days["from"], date_to=days["to"], after=after,
                                       limit=JOURNAL_PAGE_SIZE)
    except ValidationFailed:  # a stale cursor: start again
        found = listings.Page([], None)
    filters = {"series": series or "", "from": date_from or "", "to": date_to or ""}
    return page(request, desk.visitor, "postings/vouchers.html", desk=desk, found=found, filters=filters,
                problem=problem, ref=ref or "", after=after, **labels())


def _voucher_page(request: Request, desk: Desk, ref: str, *, status: int = 200, errors: dict[str, str] | None = None,
                  values: dict[str, str] | None = None, notice: str | None = None) -> Response:
    detail = listings.voucher_detail(uow=desk.uow(readonly=True), company_id=desk.company_id, voucher_ref=ref)
    item_ids = [i["item_id"] for i in detail["items"]]
    matches = (listings.matches_of_items(uow=desk.uow(readonly=True), company_id=desk.company_id, item_ids=item_ids)
               if item_ids else [])
    options = parties.card_options(uow=desk.uow(readonly=True), company_id=desk.company_id, kind=PartyKind.CUSTOMER)
    today = desk.uow(readonly=True).today()
    party = next(((PartyKind(i["kind"]), i["party_number"]) for i in detail["items"]), None)
    reversible = (detail["reversed_by"] is None
                  and detail["voucher_type"] not in ("reversal", "fx_difference"))
    totals = {"debit": sum(ln["debit"] or 0 for ln in detail["lines"]),
              "credit": sum(ln["credit"] or 0 for ln in detail["lines"])}
    return page(request, desk.visitor, "postings/voucher.html", desk=desk, v=detail, matches=matches,
                account_names=dict(options.accounts), party=party, reversible=reversible, totals=totals,
                errors=errors or {}, values=values or {"date": today.isoformat(), "reason": ""}, notice=notice,
                status=status, own_items=set(item_ids), **labels())


@router.get("/c/{company_id}/vouchers/{voucher}")
def voucher_page(request: Request, desk: Reader, voucher: VoucherRef,
                 posted: Annotated[bool, Query()] = False, again: Annotated[bool, Query()] = False,
                 was_reversed: Annotated[bool, Query(alias="reversed")] = False,
                 unmatched: Annotated[bool, Query()] = False) -> Response:
    t = Translator(desk.visitor.lang)
    notice = None
    if again:
        notice = t.gettext("This form had been posted already; here is the voucher it made. Nothing was posted twice.")
    elif posted:
        notice = t.gettext("Posted as %(ref)s.", ref=voucher.upper())
    elif was_reversed:
        notice = t.gettext("Reversal posted as %(ref)s.", ref=voucher.upper())
    elif unmatched:
        notice = t.gettext("The match is undone: both items are open again.")
    return _voucher_page(request, desk, voucher.upper(), notice=notice)


@router.post("/c/{company_id}/vouchers/{voucher}/reverse")
def reverse_voucher(request: Request, desk: Writer, voucher: VoucherRef, data: Form) -> Response:
    """Post a reversal of the voucher on the given date (default today); the original is never changed."""
    t = Translator(desk.visitor.lang)
    ref = voucher.upper()
    values = {"date": text(data, "date", 20).strip(), "reason": text(data, "reason", 200).strip()}
    errors: dict[str, str] = {}
    on: date | None = None
    if values["date"]:
        try:
            on = parse_day(values["date"])
        except ValueError:
            errors["date"] = t.gettext(REVERSE_MESSAGES["date"])
    if not errors:
        try:
            # The reversal's text is stored as the form showed it (the placeholder), in the user's language.
            reason = values["reason"] or t.gettext("Reversal of %(ref)s", ref=ref)
            result = posting.reverse_voucher(uow=desk.uow(), company_id=desk.company_id, voucher_ref=ref,
                                             on=on or desk.uow(readonly=True).today(), reason=reason)
        except NotFound:
            raise
        except ReskontroError as exc:
            if exc.code == "period_closed":
                errors["date"] = t.gettext(REVERSE_MESSAGES["date.closed"])
            elif exc.code == "already_reversed":
                errors["form"] = t.gettext(REVERSE_MESSAGES["already_reversed"])
            elif exc.field == "voucher":
                errors["form"] = t.gettext(REVERSE_MESSAGES["voucher"])
            else:
                errors["form"] = exc.message
        else:
            return RedirectResponse(Links(desk.company_id).voucher(result.voucher_ref) + "?reversed=1",
                                    status_code=303)
    return _voucher_page(request, desk, ref, status=422, errors=errors, values=values)
