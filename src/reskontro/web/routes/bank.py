"""Payments in, in the browser: bank files uploaded, previewed and imported; the company's bank accounts and KID
scheme; the review queue of the payments no rule could place, and the forms that place them.

=====================================================  ======  ===============================================
page                                                   role    what
=====================================================  ======  ===============================================
``/c/{id}/bank``                                       write   the upload form, the bank accounts (and a form
                                                               to add one), the KID scheme, the latest files
``POST /c/{id}/bank``                                  write   keeps the file (:mod:`reskontro.web.uploads`,
                                                               kind ``bank``), previews it, 303 to the preview
``POST /c/{id}/bank/accounts``                         write   registers a bank account of the company
``POST /c/{id}/bank/kid-scheme``                       write   sets (or clears) the KID scheme
``/c/{id}/bank/queue?status=review|suspense``          read    the payments waiting for a user, or those on the
                                                               suspense account: oldest first, paged by offset
``/c/{id}/bank/payments/{bank_payment_id}``            read    a payment, its ranked suggestions and (write)
                                                               the forms that place it
``POST …/payments/{bank_payment_id}/resolve``          write   posts it to a party (and invoice)
``POST …/payments/{bank_payment_id}/suspense``         write   parks it on the suspense account
``/c/{id}/bank/{upload}``                              write   the preview: what the import would do with each
                                                               transaction, or every problem of a damaged file;
                                                               once confirmed, what was imported
``POST /c/{id}/bank/{upload}/confirm``                 write   imports the kept file (all or nothing), once
``POST /c/{id}/bank/{upload}/discard``                 write   forgets the upload
=====================================================  ======  ===============================================

The file may have any name: :mod:`reskontro.formats.bank_files` tells OCR Giro from camt.054 and camt.053 by its
bytes. **Nothing is written by a preview** (:func:`reskontro.services.bank_payments.preview_bank_file`). **Imported
once**: the bank's key of the file makes a second import post nothing (the preview says so), and the confirm
reserves ``web-bank:<token>`` with the idempotency service, like ``web/routes/imports.py``: a double click shows
the first one's result.

After a payment is placed the browser goes back to the queue, which says what happened (the voucher, the invoices
settled) from the redirect's query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, BinaryIO, Literal, cast

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import QueryParams, UploadFile

from reskontro.domain.errors import ImportFailed, NotFound, ReskontroError, ValidationFailed
from reskontro.domain.kid_scheme import SOURCES
from reskontro.services import bank_payments as bank
from reskontro.services import companies
from reskontro.web.deps import Desk, Reader, Writer
from reskontro.web.errors import TooLarge
from reskontro.web.i18n import N_, Translator
from reskontro.web.render import Links, page
from reskontro.web.routes.auth import Form, text
from reskontro.web.routes.postings import VOUCHER_REF
from reskontro.web.uploads import MAX_UPLOAD_BYTES, PendingUpload, UploadStore, UploadTooLarge, confirm_once

router = APIRouter()

Token = Annotated[str, Path(min_length=43, max_length=43, pattern=r"^[A-Za-z0-9_-]{43}$")]
PaymentId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Status = Literal["review", "suspense"]

KEY_PREFIX = "web-bank:"
#: The kind of a kept bank file in the upload store (an import's token is not a bank file's, and back).
UPLOAD_KIND = "bank"
#: Transactions and problems kept with a preview and shown on its page (the counts say how many there are).
ROWS_SHOWN = 1000
PROBLEMS_SHOWN = 1000
QUEUE_PAGE_SIZE = 50
FILES_SHOWN = 20
SUGGESTIONS_SHOWN = 10
DEFAULT_GL_ACCOUNT = "1920"
_NUMBER = re.compile(r"^[0-9]{1,3}$")

#: What the import does with a transaction (the preview) and where a payment stands (the queue).
OUTCOMES = {"posted": N_("Will be posted"), "review": N_("To review"), "duplicate": N_("Duplicate, skipped")}
STATUSES = {"posted": N_("Posted"), "review": N_("To review"), "duplicate": N_("Duplicate"),
            "suspense": N_("On the suspense account")}
#: How a payment was tied to its party.
METHODS = {"kid": N_("KID"), "text": N_("invoice number in the text"), "payer": N_("payer"), "manual": N_("by hand"),
           "suspense": N_("suspense account"), "reversal": N_("reversal")}
#: Why an open item is suggested (the service's reasons).
REASONS = {"exact amount": N_("exact amount"), "part payment": N_("part payment"),
           "invoice number in the text": N_("invoice number in the text"),
           "payer's account on the card": N_("payer's account on the card"), "payer's name": N_("payer's name"),
           "KID differs in its last digits": N_("KID differs in its last digits")}
ALGORITHMS = {"": N_("None: invoices get no KID"), "mod10": "MOD10", "mod11": "MOD11"}
KID_SOURCES = {"invoice": N_("Invoice number"), "customer": N_("Customer number"),
               "customer_invoice": N_("Customer number and invoice number")}
KIND_LABELS = {"customer": N_("Customer"), "supplier": N_("Supplier")}
MESSAGES = {
    "file": N_("Choose the file from the bank."),
    "size": N_("A bank file may be at most 50 MB in the browser; import larger files with the command line."),
    "account": N_("Not a valid account number: eleven digits (Norway) or an IBAN."),
    "account.exists": N_("This bank account is registered already."),
    "name": N_("Give the account a name of at most 100 characters."),
    "gl_account": N_("No such account."),
    "bic": N_("Not a valid BIC (8 or 11 characters). A foreign IBAN needs one."),
    "kid_algorithm": N_("Choose MOD10, MOD11 or none."),
    "kid_length": N_("Give the KID's length: 2 to 25 characters, the check digit included."),
    "kid_source": N_("Choose what the KID is made from."),
    "kid_customer_digits": N_("Give how many digits the customer number takes: at least 1, and leave at least 1 "
                              "for the invoice number."),
    "party_number": N_("Give the number of a customer (money in) or a supplier (money out)."),
    "party_number.missing": N_("No customer or supplier has this number: money in goes to a customer, money out "
                               "to a supplier."),
    "invoice": N_("The party has no document with this number."),
    "invoice.currency": N_("The document is in another currency than the payment."),
    "closed": N_("The payment's date is in a closed period, so it cannot be posted to a party."),
    "handled": N_("This payment has been dealt with already (by someone else, or a double click). Reload the page."),
    "reversal": N_("A reversal whose payment cannot be found can only be parked on the suspense account."),
    "currency": N_("A payment in a currency other than the company's cannot be parked on the suspense account; "
                   "post it to a party."),
}


@dataclass
class FormState:
    """A small form as typed (to show again) and its problems by field (``macros.html`` reads both)."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _labels() -> dict[str, Any]:
    return {"outcomes": OUTCOMES, "statuses": STATUSES, "methods": METHODS, "reasons": REASONS,
            "algorithms": ALGORITHMS, "kid_sources": KID_SOURCES, "kind_labels": KIND_LABELS}


def signed(amount: Decimal, credit: bool, reversal: bool) -> Decimal:
    """Money in positive, money out negative (a reversal goes the other way of what it takes back)."""
    return amount if credit != reversal else -amount


# -- the bank page: upload form, bank accounts, KID scheme, latest files ----------------------------------------


def _kid_values(desk: Desk) -> dict[str, str]:
    scheme = companies.get_company(uow=desk.uow(readonly=True), company_id=desk.company_id).kid_scheme()
    if scheme is None:
        return {"kid_algorithm": "", "kid_length": "", "kid_source": "invoice", "kid_customer_digits": ""}
    return {"kid_algorithm": scheme.algorithm, "kid_length": str(scheme.length), "kid_source": scheme.source,
            "kid_customer_digits": str(scheme.customer_digits or "")}


def _bank_page(request: Request, desk: Desk, *, status: int = 200, upload_errors: dict[str, str] | None = None,
               account_form: FormState | None = None, kid_form: FormState | None = None) -> Response:
    t = Translator(desk.visitor.lang)
    uow = desk.uow
    accounts = bank.list_bank_accounts(uow=uow(readonly=True), company_id=desk.company_id)
    files = bank.recent_bank_files(uow=uow(readonly=True), company_id=desk.company_id, limit=FILES_SHOWN)
    waiting = bank.review_queue(uow=uow(readonly=True), company_id=desk.company_id, status="review", limit=1).total
    scheme = companies.get_company(uow=uow(readonly=True), company_id=desk.company_id).kid_scheme()
    notice = None
    saved = request.query_params.get("saved")
    if saved == "account":
        notice = t.gettext("The bank account is registered.")
    elif saved == "kid":
        notice = t.gettext("The KID scheme is saved.")
    return page(request, desk.visitor, "bank/index.html", desk=desk, status=status, accounts=accounts, files=files,
                waiting=waiting, scheme=scheme, notice=notice, upload_errors=upload_errors or {},
                account_form=account_form or FormState({"account": "", "name": "",
                                                        "gl_account": DEFAULT_GL_ACCOUNT}),
                kid_form=kid_form or FormState(_kid_values(desk)), max_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
                **_labels())


@router.get("/c/{company_id}/bank")
def bank_page(request: Request, desk: Writer) -> Response:
    return _bank_page(request, desk)


@router.post("/c/{company_id}/bank/accounts")
def add_account(request: Request, desk: Writer, data: Form) -> Response:
    """Register one of the company's own bank accounts and the GL account its payments post to."""
    t = Translator(desk.visitor.lang)
    form = FormState({n: text(data, n, 100).strip() for n in ("account", "name", "gl_account")})
    if not form.values["account"]:
        form.errors["account"] = t.gettext(MESSAGES["account"])
    if not form.values["name"]:
        form.errors["name"] = t.gettext(MESSAGES["name"])
    if not form.errors:
        try:
            bank.add_bank_account(uow=desk.uow(), company_id=desk.company_id, account=form.values["account"],
                                  name=form.values["name"], gl_account=form.values["gl_account"] or None)
        except ValidationFailed as exc:  # AlreadyExists is not one: handled below
            name = exc.field or "account"
            form.errors[name] = t.gettext(MESSAGES.get(name, exc.message))
        except ReskontroError as exc:
            if exc.code != "already_exists":
                raise
            form.errors["account"] = t.gettext(MESSAGES["account.exists"])
        else:
            return RedirectResponse(Links(desk.company_id).bank + "?saved=account", status_code=303)
    return _bank_page(request, desk, status=422, account_form=form)


@router.post("/c/{company_id}/bank/kid-scheme")
def save_kid_scheme(request: Request, desk: Writer, data: Form) -> Response:
    """Set the KID scheme of the company's OCR agreement; algorithm "none" makes no KIDs."""
    t = Translator(desk.visitor.lang)
    names = ("kid_algorithm", "kid_length", "kid_source", "kid_customer_digits")
    form = FormState({n: text(data, n, 20).strip() for n in names})
    algorithm = form.values["kid_algorithm"].lower() or None
    source = form.values["kid_source"] or "invoice"
    length = digits = None
    if algorithm not in (None, "mod10", "mod11"):
        form.errors["kid_algorithm"] = t.gettext(MESSAGES["kid_algorithm"])
    if source not in SOURCES:
        form.errors["kid_source"] = t.gettext(MESSAGES["kid_source"])
    if algorithm is not None:
        if _NUMBER.match(form.values["kid_length"]):
            length = int(form.values["kid_length"])
        else:
            form.errors["kid_length"] = t.gettext(MESSAGES["kid_length"])
        if source == "customer_invoice":
            if _NUMBER.match(form.values["kid_customer_digits"]):
                digits = int(form.values["kid_customer_digits"])
            else:
                form.errors["kid_customer_digits"] = t.gettext(MESSAGES["kid_customer_digits"])
    if not form.errors:
        try:
            companies.set_kid_scheme(uow=desk.uow(), company_id=desk.company_id, algorithm=algorithm, length=length,
                                     source=source, customer_digits=digits)
        except ValidationFailed as exc:
            name = exc.field if exc.field in names else "kid_algorithm"
            form.errors[name] = t.gettext(MESSAGES.get(name, exc.message))
        else:
            return RedirectResponse(Links(desk.company_id).bank + "?saved=kid", status_code=303)
    return _bank_page(request, desk, status=422, kid_form=form)


# -- upload, preview, confirm ----------------------------------------------------------------------------------


def _store(request: Request) -> UploadStore:
    store: UploadStore = request.app.state.uploads
    return store


def _upload(request: Request, desk: Desk, token: str) -> PendingUpload:
    pending = _store(request).find(token, company_id=desk.company_id, user_id=desk.session.principal.user_id,
                                   session_id=desk.session.session_id)
    if pending.kind != UPLOAD_KIND:  # an import file's token: not a bank file
        raise NotFound("there is no such upload", field="upload")
    return pending


def _summary_record(s: bank.BankImportSummary) -> dict[str, Any]:
    """A summary as JSON for the upload's record (amounts as strings, never floats)."""
    return {"format": s.format, "file_key": s.file_key, "transactions": s.transactions, "posted": s.posted,
            "settled": s.settled, "review": s.review, "duplicates": s.duplicates, "reversals": s.reversals,
            "amount_in": str(s.amount_in), "amount_out": str(s.amount_out), "currency": s.currency,
            "by_method": dict(s.by_method), "already_imported": s.already_imported,
            "bank_file_id": s.bank_file_id}


def _failed_record(exc: ImportFailed) -> dict[str, Any]:
    return {"ok": False, "message": exc.message, "problem_count": len(exc.problems),
            "problems": [str(p) for p in exc.problems[:PROBLEMS_SHOWN]]}


def _preview_record(desk: Desk, data: BinaryIO, filename: str) -> dict[str, Any]:
    try:
        s = bank.preview_bank_file(uow=desk.uow(readonly=True), company_id=desk.company_id, data=data,
                                   filename=filename)
    except ImportFailed as exc:
        return _failed_record(exc)
    rows = [{"location": r.location, "date": r.booking_date.isoformat(), "amount": str(r.amount),
             "currency": r.currency, "credit": r.credit, "reversal": r.reversal, "kid": r.kid, "text": r.text,
             "counterparty": r.counterparty, "outcome": r.outcome, "method": r.method,
             "party_number": r.party_number, "party_name": r.party_name, "note": r.note}
            for r in s.rows[:ROWS_SHOWN]]
    return {"ok": True, **_summary_record(s), "rows": rows}


def _summary_view(record: dict[str, Any] | None) -> dict[str, Any] | None:
    """The record with its amounts as Decimal and dates as dates, for the template's filters."""
    if not record or record.get("ok") is False:
        return record
    view = {**record, "amount_in": Decimal(record["amount_in"]), "amount_out": Decimal(record["amount_out"])}
    if "rows" in record:
        view["rows"] = [{**r, "date": date.fromisoformat(r["date"]),
                         "amount": signed(Decimal(r["amount"]), r["credit"], r["reversal"])} for r in record["rows"]]
    return view


@router.post("/c/{company_id}/bank")
def upload(request: Request, desk: Writer, data: Form) -> Response:
    """Keep the file, preview its import (nothing is written) and show the preview."""
    t = Translator(desk.visitor.lang)
    file = data.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return _bank_page(request, desk, status=422, upload_errors={"file": t.gettext(MESSAGES["file"])})
    filename = file.filename.replace("\\", "/").rsplit("/", 1)[-1][:255] or "bank"
    store = _store(request)
    try:
        pending = store.save(company_id=desk.company_id, user_id=desk.session.principal.user_id,
                             session_id=desk.session.session_id, kind=UPLOAD_KIND, filename=filename,
                             data=file.file)
    except UploadTooLarge:
        raise TooLarge(t.gettext(MESSAGES["size"]), field="file") from None
    with store.open(pending) as stored:
        pending.preview = _preview_record(desk, stored, pending.filename)
    store.update(pending)
    return RedirectResponse(Links(desk.company_id).bank_upload(pending.token), status_code=303)


def _preview(request: Request, desk: Desk, pending: PendingUpload, *, status: int = 200,
             notice: str | None = None) -> Response:
    return page(request, desk.visitor, "bank/preview.html", desk=desk, upload=pending,
                p=_summary_view(pending.preview), result=_summary_view(pending.result), status=status,
                notice=notice, rows_shown=ROWS_SHOWN, **_labels())


# -- the review queue and a payment (before /bank/{upload}, which would take /bank/queue) ------------------------


def _queue_notice(t: Translator, query: QueryParams) -> dict[str, str] | None:
    """What the redirect after placing a payment says happened (only well-formed values are shown)."""
    payment, ref = query.get("payment", ""), query.get("ref", "")
    if not payment.isdigit() or len(payment) > 19 or not VOUCHER_REF.match(ref):
        return None
    done = query.get("done")
    if done == "posted":
        party = query.get("party", "")[:30]
        settled = [d for d in query.get("settled", "").split(",") if d][:20]
        message = t.gettext("Bank payment %(payment)s is posted to %(party)s as voucher %(ref)s.",
                            payment=payment, party=party, ref=ref)
        if settled:
            message += " " + t.gettext("It settled %(documents)s.", documents=", ".join(d[:60] for d in settled))
        else:
            message += " " + t.gettext("It settled no invoice: the amount stays open on the party.")
    elif done == "suspense":
        message = t.gettext("Bank payment %(payment)s is parked on the suspense account as voucher %(ref)s.",
                            payment=payment, ref=ref)
    else:
        return None
    return {"text": message, "ref": ref}


@router.get("/c/{company_id}/bank/queue")
def queue(request: Request, desk: Reader, status: Annotated[Status, Query()] = "review",
          offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> Response:
    """The payments waiting for a user (or those on the suspense account), oldest first."""
    t = Translator(desk.visitor.lang)
    uow = desk.uow
    found = bank.review_queue(uow=uow(readonly=True), company_id=desk.company_id, status=status,
                              limit=QUEUE_PAGE_SIZE, offset=offset)
    other: Status = "suspense" if status == "review" else "review"
    totals = {status: found.total, other: bank.review_queue(uow=uow(readonly=True), company_id=desk.company_id,
                                                            status=other, limit=1).total}
    rows = [(r, signed(r.amount, r.credit, r.reversal)) for r in found.rows]
    return page(request, desk.visitor, "bank/queue.html", desk=desk, queue_status=status, rows=rows, total=found.total,
                totals=totals, offset=offset, page_size=QUEUE_PAGE_SIZE, notice=_queue_notice(t, request.query_params),
                **_labels())


def _payment_page(request: Request, desk: Desk, payment: bank.QueuedPayment, *, status: int = 200,
                  form: FormState | None = None, problem: str | None = None) -> Response:
    uow = desk.uow
    waiting = payment.status in ("review", "suspense")
    found = (bank.suggestions(uow=uow(readonly=True), company_id=desk.company_id,
                              bank_payment_id=payment.bank_payment_id, limit=SUGGESTIONS_SHOWN)
             if waiting and not payment.reversal else [])
    accounts = {a.account: a for a in bank.list_bank_accounts(uow=uow(readonly=True), company_id=desk.company_id)}
    money_in = payment.credit != payment.reversal
    return page(request, desk.visitor, "bank/payment.html", desk=desk, status=status, p=payment,
                amount=signed(payment.amount, payment.credit, payment.reversal), money_in=money_in,
                waiting=waiting, suggestions=found, bank_account=accounts.get(payment.account),
                form=form or FormState({"party_number": "", "invoice": "", "note": ""}), problem=problem,
                party_kind="customer" if money_in else "supplier", **_labels())


def _payment(desk: Desk, bank_payment_id: int) -> bank.QueuedPayment:
    """The company's payment of this id (another company's, or none: 404)."""
    return bank.queued_payment(uow=desk.uow(readonly=True), company_id=desk.company_id,
                               bank_payment_id=bank_payment_id)


def payment_problem(exc: ReskontroError) -> tuple[str, str]:
    """The form field a refusal to place a payment belongs to, and its (untranslated) message."""
    name = exc.field or "form"
    if exc.code == "period_closed":
        return "form", MESSAGES["closed"]
    if exc.code == "concurrent_update":
        return "form", MESSAGES["handled"]
    if name == "bank_payment":
        if "reversal" in exc.message:
            return "form", MESSAGES["reversal"]
        if "cannot be parked" in exc.message:
            return "form", MESSAGES["currency"]
        return "form", MESSAGES["handled"]
    if name == "party_number":
        return "party_number", MESSAGES["party_number.missing"]
    if name == "applies_to":
        return "invoice", MESSAGES["invoice.currency" if exc.code == "currency_mismatch" else "invoice"]
    return "form", exc.message


@router.get("/c/{company_id}/bank/payments/{bank_payment_id}")
def payment_page(request: Request, desk: Reader, bank_payment_id: PaymentId) -> Response:
    return _payment_page(request, desk, _payment(desk, bank_payment_id))


@router.post("/c/{company_id}/bank/payments/{bank_payment_id}/resolve")
def resolve(request: Request, desk: Writer, bank_payment_id: PaymentId, data: Form) -> Response:
    """Post the payment to a party (``party_number``), settling ``invoice`` if named; back to the queue."""
    t = Translator(desk.visitor.lang)
    payment = _payment(desk, bank_payment_id)
    form = FormState({"party_number": text(data, "party_number", 30).strip(),
                      "invoice": text(data, "invoice", 60).strip(), "note": text(data, "note", 500).strip()})
    problem = None
    if not form.values["party_number"]:
        form.errors["party_number"] = t.gettext(MESSAGES["party_number"])
    else:
        try:
            done = bank.resolve_payment(uow=desk.uow(), company_id=desk.company_id, bank_payment_id=bank_payment_id,
                                        party_number=form.values["party_number"],
                                        invoice=form.values["invoice"] or None, note=form.values["note"] or None)
        except ReskontroError as exc:
            if exc.code == "not_found" and exc.field == "bank_payment":
                raise
            name, message = payment_problem(exc)
            if name == "form":
                problem = t.gettext(message)
            else:
                form.errors[name] = t.gettext(message)
        else:
            return RedirectResponse(Links(desk.company_id).bank_queue(
                status=payment.status, done="posted", payment=done.bank_payment_id, ref=done.voucher_ref,
                party=done.party_number, settled=",".join(done.settled)), status_code=303)
    return _payment_page(request, desk, _payment(desk, bank_payment_id), status=422, form=form, problem=problem)


@router.post("/c/{company_id}/bank/payments/{bank_payment_id}/suspense")
def suspense(request: Request, desk: Writer, bank_payment_id: PaymentId, data: Form) -> Response:
    """Park the payment on the company's suspense account; back to the queue."""
    t = Translator(desk.visitor.lang)
    _payment(desk, bank_payment_id)
    try:
        done = bank.post_to_suspense(uow=desk.uow(), company_id=desk.company_id, bank_payment_id=bank_payment_id,
                                     note=text(data, "note", 500).strip() or None)
    except ReskontroError as exc:
        if exc.code == "not_found" and exc.field == "bank_payment":
            raise
        _name, message = payment_problem(exc)
        return _payment_page(request, desk, _payment(desk, bank_payment_id), status=422, problem=t.gettext(message))
    return RedirectResponse(Links(desk.company_id).bank_queue(done="suspense", payment=done.bank_payment_id,
                                                              ref=done.voucher_ref), status_code=303)


# -- the kept file: preview page, confirm, discard -------------------------------------------------------------


@router.get("/c/{company_id}/bank/{upload}")
def preview_page(request: Request, desk: Writer, upload: Token) -> Response:
    return _preview(request, desk, _upload(request, desk, upload))


@router.post("/c/{company_id}/bank/{upload}/confirm")
def confirm(request: Request, desk: Writer, upload: Token) -> Response:
    """Import the kept file: all or nothing; a second confirm imports nothing and shows the first result."""
    t = Translator(desk.visitor.lang)
    store = _store(request)
    pending = _upload(request, desk, upload)

    def run(stored: BinaryIO) -> dict[str, Any]:
        return _summary_record(bank.import_bank_file(uow=desk.uow(), company_id=desk.company_id, data=stored,
                                                     filename=pending.filename))

    def failed(exc: Exception) -> Response | None:
        if not isinstance(exc, ImportFailed):
            return None
        # The file, or the ledger since the preview, refuses the import: show why; nothing was posted.
        pending.preview = _failed_record(exc)
        store.update(pending)
        return _preview(request, desk, pending, status=422, notice=t.gettext(
            "Nothing was imported: the bank file cannot be taken. The problems are below."))

    return cast(Response, confirm_once(
        store=store, pending=pending, uow=desk.uow, company_id=desk.company_id,
        user_id=desk.session.principal.user_id, key=KEY_PREFIX + pending.token,
        location=Links(desk.company_id).bank_upload(pending.token), run=run, failed=failed,
        busy=lambda: _preview(request, desk, pending, status=409, notice=t.gettext(
            "This file is being imported already (a double click?). Reload the page in a moment."))))


@router.post("/c/{company_id}/bank/{upload}/discard")
def discard(request: Request, desk: Writer, upload: Token) -> Response:
    pending = _upload(request, desk, upload)
    _store(request).delete(pending)
    return RedirectResponse(Links(desk.company_id).bank, status_code=303)
