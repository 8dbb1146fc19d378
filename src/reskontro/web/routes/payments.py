"""Payments out, in the browser: the due list, payment proposals (approved, written as pain.001, answered by the
bank's pain.002) and the supplier bank accounts that wait for a second user's approval.

=====================================================  ======  ===============================================
page                                                   role    what
=====================================================  ======  ===============================================
``/c/{id}/payments?due_by=&currency=&supplier=&        read    the due list: per supplier its items, account,
account=``                                                     warnings and net; the payment-blocked ones left
                                                               out; totals per currency; (write) the form that
                                                               makes a proposal, all or the ticked items
``POST /c/{id}/payments/proposals``                    write   makes a draft proposal, 303 to its page
``/c/{id}/payments/proposals``                         read    the latest proposals; (write) the pain.002
                                                               upload and the approvals-needed setting
``/c/{id}/payments/proposals/{proposal_id}``           read    its lines, approvals, and (write) the forms
``POST …/{proposal_id}/lines/{line_no}``               write   pays less of the item, or takes the line out
``POST …/{proposal_id}/approve|cancel|export``         write   approves, cancels, writes the pain.001
``…/{proposal_id}/pain001.xml``                        read    the written pain.001, as a download
``POST /c/{id}/payments/status-reports``               write   takes a pain.002 in, 303 to the proposals
``POST /c/{id}/payments/settings``                     write   how many users approve a proposal: 1 or 2
``/c/{id}/payments/accounts``                          read    supplier bank accounts waiting for approval,
                                                               and the latest decisions
``POST /c/{id}/payments/accounts/{approval_id}``       write   approves or rejects one (not its requester)
=====================================================  ======  ===============================================

Everything is a call of :mod:`reskontro.services.payments_out`; the page translates what the service says (its
fixed warnings and refusals) and shows anything else as the service wrote it, in English. After a change the
browser is sent on (POST/redirect/GET) with what happened in the query string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import QueryParams, UploadFile

from reskontro.domain.errors import ImportFailed, NotFound, ReskontroError, ValidationFailed
from reskontro.money import MoneyError
from reskontro.services import bank_payments as bank
from reskontro.services import companies
from reskontro.services import payments_out as pay
from reskontro.web import formatting
from reskontro.web.deps import Desk, Reader, Writer
from reskontro.web.errors import TooLarge
from reskontro.web.forms import parse_amount
from reskontro.web.i18n import N_, Translator
from reskontro.web.posting_forms import parse_day
from reskontro.web.render import Links, page
from reskontro.web.routes.auth import Form, text
from reskontro.web.routes.parties import TYPE_LABELS

router = APIRouter()

ProposalId = Annotated[int, Path(ge=1, le=2**63 - 1)]
ApprovalId = Annotated[int, Path(ge=1, le=2**63 - 1)]
LineNo = Annotated[int, Path(ge=1, le=2**31 - 1)]

#: The due list shows what falls due within this many days unless the filter says otherwise.
DUE_DAYS = 7
PROPOSALS_SHOWN = 20
DECISIONS_SHOWN = 20
PROBLEMS_SHOWN = 100
#: A pain.002 is small; a larger upload is refused before it is read whole.
STATUS_REPORT_MAX_BYTES = 10 * 1024 * 1024
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_ID = re.compile(r"^[0-9]{1,18}$")

ACCOUNT_STATES = {"approved": N_("approved"), "pending": N_("waiting for approval"), "rejected": N_("rejected"),
                  "missing": N_("missing")}
PROPOSAL_STATUSES = {"draft": N_("Draft"), "approved": N_("Approved"), "exported": N_("Exported"),
                     "cancelled": N_("Cancelled")}
LINE_STATUSES = {"proposed": N_("Proposed"), "in_payment": N_("In payment"), "paid": N_("Paid"),
                 "rejected": N_("Rejected by the bank"), "cancelled": N_("Taken out")}
DECISIONS = {"pending": N_("Waiting"), "approved": N_("Approved"), "rejected": N_("Rejected")}
SOURCES = {"card": N_("the card"), "import": N_("an import"), "invoice": N_("an invoice"),
           "migration": N_("the migration")}
#: The due list's fixed warnings (the service's English words) and what the page says.
WARNINGS = {
    "the bank account waits for a second user's approval": N_("The bank account waits for a second user's "
                                                              "approval."),
    "the bank account was rejected": N_("The bank account was rejected."),
    "no bank account on the card": N_("No bank account on the card."),
    "the first payment to this account": N_("The first payment to this account."),
    "the credit notes cover the invoices: nothing to pay": N_("The credit notes cover the invoices: nothing to "
                                                              "pay."),
    "a foreign account needs the BIC on the card": N_("A foreign account needs the BIC on the card."),
}
_BANKRUPT = re.compile(r"^bankrupt since (\d{4}-\d{2}-\d{2})$")
_PAY_TO = re.compile(r"^the invoice says to pay to (.+), the card has (.+)$")
MESSAGES = {
    "due_by": N_("Give a date like 31.12.2026, or leave it blank for everything open."),
    "currency": N_("Use a three-letter currency code, like NOK or EUR."),
    "account": N_("Not a valid account number: eleven digits (Norway) or an IBAN."),
    "debtor_account": N_("Choose one of the company's bank accounts."),
    "execution_date": N_("Give the date the bank pays, today or later."),
    "execution_date.passed": N_("The execution date has passed: choose today or later."),
    "nothing": N_("Nothing is payable by that date: no supplier with an approved bank account has an invoice "
                  "due."),
    "items": N_("A ticked item cannot be paid: it is not due, in another proposal, blocked, or its supplier's bank "
                "account is not approved. Reload the due list."),
    "amount": N_("Give an amount above zero, no more than what is open, with no more decimals than the currency "
                 "has."),
    "amount.more": N_("The amount is more than what is open on the invoice."),
    "line": N_("This line is no longer in the proposal. Reload the page."),
    "changed": N_("Someone else changed this meanwhile (or it was a double click). Reload the page."),
    "frozen": N_("The proposal is exported or cancelled: it cannot change."),
    "approved.already": N_("You have approved this proposal already. A second user must approve it too."),
    "export.unapproved": N_("Only an approved proposal is written to a payment file."),
    "version": N_("Choose pain.001 version 09 or 03."),
    "own_account": N_("You put this account on the card: a second user must approve it."),
    "decided": N_("This account has been decided already (by someone else, or a double click). Reload the page."),
    "decision": N_("Choose approve or reject."),
    "file": N_("Choose the status report (pain.002) from the bank."),
    "size": N_("A status report may be at most 10 MB."),
    "payment_approvals": N_("Choose 1 or 2."),
}


@dataclass
class FormState:
    """A small form as typed (to show again) and its problems by field (``macros.html`` reads both)."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Note:
    """A warning as the page shows it; ``english`` when the service's own words are shown untranslated."""

    text: str
    english: bool = False


def _labels() -> dict[str, Any]:
    return {"account_states": ACCOUNT_STATES, "proposal_statuses": PROPOSAL_STATUSES, "line_statuses": LINE_STATUSES,
            "decisions": DECISIONS, "sources": SOURCES, "type_labels": TYPE_LABELS}


def warning(t: Translator, lang: str, words: str) -> Note:
    """The service's warning in the reader's language (an unknown one as it is, in English)."""
    if words in WARNINGS:
        return Note(t.gettext(WARNINGS[words]))
    found = _BANKRUPT.match(words)
    if found:
        return Note(t.gettext("Bankrupt since %(date)s.", date=formatting.day(date.fromisoformat(found.group(1)),
                                                                                lang)))
    found = _PAY_TO.match(words)
    if found:
        card = found.group(2)
        return Note(t.gettext("The invoice says to pay to %(invoice)s; the card has %(card)s.",
                              invoice=found.group(1), card=t.gettext("none") if card == "none" else card))
    return Note(words, english=True)


def next_weekday(day: date) -> date:
    """The first Monday–Friday after ``day``: the default execution date."""
    following = day + timedelta(days=1)
    while following.weekday() >= 5:
        following += timedelta(days=1)
    return following


def problem_of(exc: ReskontroError) -> tuple[str, str]:
    """The form field a refusal of the payments service belongs to ("form": the page) and its untranslated
    message (the service's own words when the page has none)."""
    name, message = exc.field or "form", exc.message
    if exc.code == "concurrent_update":
        return "form", MESSAGES["changed"]
    if name in ("debtor_account", "account"):
        return name, MESSAGES[name]
    if name == "execution_date":
        return name, MESSAGES["execution_date.passed" if "has passed" in message else "execution_date"]
    if name == "due_by" and "nothing is payable" in message:
        return "form", MESSAGES["nothing"]
    if name == "items":
        return "form", MESSAGES["items"]
    if name == "amount":
        return name, MESSAGES["amount.more" if "more than" in message else "amount"]
    if name == "line":
        return "form", MESSAGES["line"]
    if name == "proposal":
        if "cannot change" in message:
            return "form", MESSAGES["frozen"]
        if "approved payment proposal" in message and message.endswith("already"):
            return "form", MESSAGES["approved.already"]
        if "only an approved one" in message:
            return "form", MESSAGES["export.unapproved"]
    if name == "version":
        return "form", MESSAGES["version"]
    if name == "approval":
        if "a second user must approve" in message:
            return "form", MESSAGES["own_account"]
        if message.endswith("already"):
            return "form", MESSAGES["decided"]
    if name == "payment_approvals":
        return name, MESSAGES["payment_approvals"]
    return "form", message


def _translated(t: Translator, message: str) -> str:
    """A message of :data:`MESSAGES` in the reader's language; the service's own words as they are."""
    return t.gettext(message) if message in MESSAGES.values() else message


def _is_known(message: str) -> bool:
    return message in MESSAGES.values()


# -- the due list ----------------------------------------------------------------------------------------------


def _filters(query: QueryParams | dict[str, str], today: date, t: Translator) -> tuple[FormState, dict[str, Any]]:
    """The due list's filter as typed and as the service takes it (``due_by`` blank: everything open)."""
    form = FormState({"due_by": query.get("due_by", (today + timedelta(days=DUE_DAYS)).isoformat())[:20].strip(),
                      "currency": query.get("currency", "")[:10].strip().upper(),
                      "supplier": query.get("supplier", "")[:30].strip(),
                      "account": query.get("account", "")[:40].strip()})
    args: dict[str, Any] = {"due_by": None, "currency": form.values["currency"] or None,
                            "supplier": form.values["supplier"] or None, "account": form.values["account"] or None}
    if form.values["due_by"]:
        try:
            args["due_by"] = parse_day(form.values["due_by"])
            form.values["due_by"] = args["due_by"].isoformat()
        except ValueError:
            form.errors["due_by"] = t.gettext(MESSAGES["due_by"])
    if args["currency"] and not _CURRENCY.match(args["currency"]):
        form.errors["currency"] = t.gettext(MESSAGES["currency"])
    return form, args


def _supplier_view(s: pay.DueSupplier, t: Translator, lang: str) -> dict[str, Any]:
    return {"s": s, "warnings": [warning(t, lang, w) for w in s.warnings],
            "items": [(i, [warning(t, lang, w) for w in i.warnings]) for i in s.items]}


def _due_page(request: Request, desk: Desk, filters: FormState, args: dict[str, Any], *, status: int = 200,
              create_form: FormState | None = None, problem: str | None = None,
              ticked: set[int] | None = None) -> Response:
    t = Translator(desk.visitor.lang)
    lang = desk.visitor.lang
    today = desk.uow(readonly=True).today()
    due: pay.DueList | None = None
    if not filters.errors:
        try:
            due = pay.due_list(uow=desk.uow(readonly=True), company_id=desk.company_id, **args)
        except ValidationFailed as exc:
            name = exc.field if exc.field in filters.values else "account"
            filters.errors[name] = t.gettext(MESSAGES.get(name, exc.message))
    if filters.errors and status == 200:
        status = 422
    accounts = bank.list_bank_accounts(uow=desk.uow(readonly=True), company_id=desk.company_id)
    if create_form is None:
        create_form = FormState({"debtor_account": accounts[0].account if accounts else "",
                                 "execution_date": next_weekday(today).isoformat(),
                                 "due_by": filters.values["due_by"] if "due_by" not in filters.errors else ""})
    waiting = len(pay.account_approvals(uow=desk.uow(readonly=True), company_id=desk.company_id))
    suppliers = [_supplier_view(s, t, lang) for s in due.suppliers] if due else []
    return page(request, desk.visitor, "payments/due.html", desk=desk, status=status, filters=filters, due=due,
                suppliers=suppliers, accounts=accounts, create_form=create_form, problem=problem,
                ticked=ticked or set(), waiting=waiting, filtered=any(args[k] for k in ("currency", "supplier",
                                                                                       "account")),
                **_labels())


@router.get("/c/{company_id}/payments")
def due_page(request: Request, desk: Reader) -> Response:
    t = Translator(desk.visitor.lang)
    filters, args = _filters(request.query_params, desk.uow(readonly=True).today(), t)
    return _due_page(request, desk, filters, args)


@router.post("/c/{company_id}/payments/proposals")
def create_proposal(request: Request, desk: Writer, data: Form) -> Response:
    """A draft proposal of what is due by the date (of the filtered supplier), or of the ticked items only."""
    t = Translator(desk.visitor.lang)
    today = desk.uow(readonly=True).today()
    form = FormState({n: text(data, n, 40).strip() for n in ("debtor_account", "execution_date", "due_by")})
    hidden = {n: text(data, n, 40) for n in ("currency", "supplier", "account")}
    filters, args = _filters({**hidden, "due_by": form.values["due_by"]}, today, t)
    ticked = {int(v) for v in data.getlist("item_ids") if isinstance(v, str) and _ID.match(v)}
    execution = due_by = None
    if not form.values["debtor_account"]:
        form.errors["debtor_account"] = t.gettext(MESSAGES["debtor_account"])
    try:
        execution = parse_day(form.values["execution_date"])
    except ValueError:
        form.errors["execution_date"] = t.gettext(MESSAGES["execution_date"])
    if form.values["due_by"]:
        try:
            due_by = parse_day(form.values["due_by"])
        except ValueError:
            form.errors["due_by"] = t.gettext(MESSAGES["due_by"])
    problem = None
    if not form.errors and not filters.errors and execution is not None:
        item_ids: list[int] | None = sorted(ticked) or None
        try:
            if item_ids is None and (args["currency"] or args["account"]):
                # The service knows no currency or account filter: what the filtered list shows is what is paid.
                shown = pay.due_list(uow=desk.uow(readonly=True), company_id=desk.company_id, **args)
                item_ids = [i.item_id for s in shown.suppliers if s.payable for i in s.items if i.amount > 0]
                if not item_ids:
                    raise ValidationFailed("nothing is payable by that date", field="due_by")
            made = pay.create_proposal(uow=desk.uow(), company_id=desk.company_id,
                                       debtor_account=form.values["debtor_account"], execution_date=execution,
                                       due_by=due_by, suppliers=[args["supplier"]] if args["supplier"] else None,
                                       item_ids=item_ids)
        except ValidationFailed as exc:
            name, message = problem_of(exc)
            if name in form.values:
                form.errors[name] = t.gettext(message)
            elif name in filters.values:
                filters.errors[name] = t.gettext(message) if _is_known(message) else message
            else:
                problem = _translated(t, message)
        else:
            return RedirectResponse(Links(desk.company_id).payment_proposal(made.proposal_id, done="created"),
                                    status_code=303)
    return _due_page(request, desk, filters, args, status=422, create_form=form, problem=problem, ticked=ticked)


# -- proposals -------------------------------------------------------------------------------------------------


def _proposal(desk: Desk, proposal_id: int) -> pay.Proposal:
    """The company's proposal of this id (another company's, or none: 404)."""
    return pay.get_proposal(uow=desk.uow(readonly=True), company_id=desk.company_id, proposal_id=proposal_id)


def _proposal_notice(t: Translator, query: QueryParams, p: pay.Proposal) -> str | None:
    done = query.get("done")
    line = query.get("line", "")
    line = line if line.isdigit() and len(line) < 10 else ""
    if done == "created":
        return t.ngettext("The proposal is made with %(num)d payment. Check it and approve it.",
                          "The proposal is made with %(num)d payments. Check them and approve it.",
                          sum(1 for ln in p.lines if ln.status != "cancelled"))
    if done == "approved":
        if p.status == "approved":
            return t.gettext("The proposal is approved. Write the payment file when you are ready.")
        return t.gettext("Your approval is noted (%(have)s of %(need)s). A second user must approve it too.",
                         have=len(p.approvers), need=p.approvals_needed)
    if done == "cancelled":
        return t.gettext("The proposal is cancelled; its items are back in the due list.")
    if done == "exported":
        return t.gettext("The payment file is written. Download it and send it to the bank; the items are in "
                         "payment until the bank's debit or rejection comes back.")
    if done == "changed" and line:
        return t.gettext("Line %(line)s is changed. The proposal needs its approvals again.", line=line)
    if done == "removed" and line:
        return t.gettext("Line %(line)s is taken out of the proposal; its item is back in the due list.", line=line)
    return None


def _proposal_page(request: Request, desk: Desk, p: pay.Proposal, *, status: int = 200, problem: str | None = None,
                   line_forms: dict[int, FormState] | None = None, export_form: FormState | None = None) -> Response:
    t = Translator(desk.visitor.lang)
    accounts = {a.account: a for a in bank.list_bank_accounts(uow=desk.uow(readonly=True),
                                                              company_id=desk.company_id)}
    editable = p.status in ("draft", "approved")
    return page(request, desk.visitor, "payments/proposal.html", desk=desk, status=status, p=p,
                debtor=accounts.get(p.debtor_account), editable=editable, problem=problem,
                line_forms=line_forms or {}, export_form=export_form or FormState({"version": "09"}),
                notice=None if status != 200 else _proposal_notice(t, request.query_params, p),
                approved_by_me=desk.username in p.approvers, **_labels())


def _refused(request: Request, desk: Desk, proposal_id: int, exc: ReskontroError, **forms: Any) -> Response:
    """The proposal's page again with the service's refusal (a proposal that is gone: 404)."""
    if exc.code == "not_found" and exc.field == "proposal":
        raise exc
    t = Translator(desk.visitor.lang)
    _name, message = problem_of(exc)
    return _proposal_page(request, desk, _proposal(desk, proposal_id), status=422, problem=_translated(t, message),
                          **forms)


@router.get("/c/{company_id}/payments/proposals")
def proposals_page(request: Request, desk: Reader) -> Response:
    return _proposals_page(request, desk)


def _status_notice(t: Translator, query: QueryParams) -> str | None:
    done = query.get("done")
    if done == "approvals":
        return t.gettext("The number of approvals a proposal needs is saved.")
    if done != "status":
        return None
    counts = {k: query.get(k, "") for k in ("rejected", "accepted", "unknown")}
    if not all(v.isdigit() and len(v) < 10 for v in counts.values()):
        return None
    if query.get("already") == "1":
        return t.gettext("This status report was taken in before; nothing changed.")
    return t.gettext("The status report is taken in: %(rejected)s rejected (back in the due list), %(accepted)s "
                     "accepted, %(unknown)s not ours.", **counts)


def _proposals_page(request: Request, desk: Desk, *, status: int = 200, upload_errors: dict[str, str] | None = None,
                    failed: ImportFailed | None = None, settings_form: FormState | None = None) -> Response:
    t = Translator(desk.visitor.lang)
    uow = desk.uow
    rows = pay.list_proposals(uow=uow(readonly=True), company_id=desk.company_id, limit=PROPOSALS_SHOWN)
    # The list's total adds minor units of every currency: the page shows each proposal's totals per currency.
    totals = {int(r["proposal_id"]): pay.get_proposal(uow=uow(readonly=True), company_id=desk.company_id,
                                                      proposal_id=int(r["proposal_id"])).totals for r in rows}
    company = companies.get_company(uow=uow(readonly=True), company_id=desk.company_id)
    return page(request, desk.visitor, "payments/proposals.html", desk=desk, status=status, rows=rows,
                totals=totals, approvals_needed=company.payment_approvals,
                notice=_status_notice(t, request.query_params) if status == 200 else None,
                upload_errors=upload_errors or {}, failed=failed, problems_shown=PROBLEMS_SHOWN,
                settings_form=settings_form or FormState({"payment_approvals": str(company.payment_approvals)}),
                waiting=len(pay.account_approvals(uow=uow(readonly=True), company_id=desk.company_id)),
                **_labels())


@router.get("/c/{company_id}/payments/proposals/{proposal_id}")
def proposal_page(request: Request, desk: Reader, proposal_id: ProposalId) -> Response:
    return _proposal_page(request, desk, _proposal(desk, proposal_id))


@router.post("/c/{company_id}/payments/proposals/{proposal_id}/lines/{line_no}")
def change_line(request: Request, desk: Writer, proposal_id: ProposalId, line_no: LineNo, data: Form) -> Response:
    """Pay less of the line's item (``amount``), or (``action=remove``) take the line out."""
    t = Translator(desk.visitor.lang)
    _proposal(desk, proposal_id)
    remove = text(data, "action", 10) == "remove"
    form = FormState({"amount": text(data, "amount", 40).strip()})
    amount: Decimal | None = None
    if not remove:
        try:
            amount = parse_amount(form.values["amount"], desk.visitor.lang)
        except MoneyError:
            form.errors["amount"] = t.gettext(MESSAGES["amount"])
            return _proposal_page(request, desk, _proposal(desk, proposal_id), status=422,
                                  problem=t.gettext("Line %(line)s: %(problem)s", line=line_no,
                                                    problem=form.errors["amount"]), line_forms={line_no: form})
    try:
        pay.adjust_line(uow=desk.uow(), company_id=desk.company_id, proposal_id=proposal_id, line_no=line_no,
                        amount=amount)
    except ReskontroError as exc:
        if exc.code == "not_found" and exc.field == "proposal":
            raise
        name, message = problem_of(exc)
        if name == "amount":
            form.errors["amount"] = t.gettext(message)
            return _proposal_page(request, desk, _proposal(desk, proposal_id), status=422,
                                  problem=t.gettext("Line %(line)s: %(problem)s", line=line_no,
                                                    problem=form.errors["amount"]), line_forms={line_no: form})
        return _refused(request, desk, proposal_id, exc)
    return RedirectResponse(Links(desk.company_id).payment_proposal(
        proposal_id, done="removed" if remove else "changed", line=line_no), status_code=303)


@router.post("/c/{company_id}/payments/proposals/{proposal_id}/approve")
def approve(request: Request, desk: Writer, proposal_id: ProposalId) -> Response:
    """Approve as the signed-in user (with two approvals needed, the proposer alone is not enough)."""
    _proposal(desk, proposal_id)
    try:
        pay.approve_proposal(uow=desk.uow(), company_id=desk.company_id, proposal_id=proposal_id)
    except ReskontroError as exc:
        return _refused(request, desk, proposal_id, exc)
    return RedirectResponse(Links(desk.company_id).payment_proposal(proposal_id, done="approved"), status_code=303)


@router.post("/c/{company_id}/payments/proposals/{proposal_id}/cancel")
def cancel(request: Request, desk: Writer, proposal_id: ProposalId) -> Response:
    _proposal(desk, proposal_id)
    try:
        pay.cancel_proposal(uow=desk.uow(), company_id=desk.company_id, proposal_id=proposal_id)
    except ReskontroError as exc:
        return _refused(request, desk, proposal_id, exc)
    return RedirectResponse(Links(desk.company_id).payment_proposal(proposal_id, done="cancelled"), status_code=303)


@router.post("/c/{company_id}/payments/proposals/{proposal_id}/export")
def export(request: Request, desk: Writer, proposal_id: ProposalId, data: Form) -> Response:
    """Write the approved proposal as a pain.001 (version 09 or 03); its items are then in payment."""
    t = Translator(desk.visitor.lang)
    _proposal(desk, proposal_id)
    form = FormState({"version": text(data, "version", 5).strip() or "09"})
    if form.values["version"] not in ("09", "03"):
        form.errors["version"] = t.gettext(MESSAGES["version"])
        return _proposal_page(request, desk, _proposal(desk, proposal_id), status=422,
                              problem=form.errors["version"], export_form=form)
    try:
        pay.export_proposal(uow=desk.uow(), company_id=desk.company_id, proposal_id=proposal_id,
                            version=form.values["version"])
    except ImportFailed as exc:  # the file would not pass the schema: nothing was written
        problems = "; ".join(str(x) for x in exc.problems[:5])
        return _proposal_page(request, desk, _proposal(desk, proposal_id), status=422,
                              problem=f"{exc.message}: {problems}", export_form=form)
    except ReskontroError as exc:
        return _refused(request, desk, proposal_id, exc, export_form=form)
    return RedirectResponse(Links(desk.company_id).payment_proposal(proposal_id, done="exported"), status_code=303)


@router.get("/c/{company_id}/payments/proposals/{proposal_id}/pain001.xml")
def download(desk: Reader, proposal_id: ProposalId) -> Response:
    """The pain.001 as written at export (an unexported proposal has none: 404)."""
    if _proposal(desk, proposal_id).status != "exported":
        raise NotFound(f"payment proposal {proposal_id} has no payment file yet", field="proposal")
    written = pay.export_proposal(uow=desk.uow(), company_id=desk.company_id, proposal_id=proposal_id)
    filename = re.sub(r"[^A-Za-z0-9._-]", "_", written.filename)
    return Response(written.content, media_type="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.post("/c/{company_id}/payments/status-reports")
def status_report(request: Request, desk: Writer, data: Form) -> Response:
    """Take the bank's pain.002 in: rejected payments are back in the due list with the bank's reason."""
    t = Translator(desk.visitor.lang)
    file = data.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return _proposals_page(request, desk, status=422, upload_errors={"file": t.gettext(MESSAGES["file"])})
    content = file.file.read(STATUS_REPORT_MAX_BYTES + 1)
    if len(content) > STATUS_REPORT_MAX_BYTES:
        raise TooLarge(t.gettext(MESSAGES["size"]), field="file")
    filename = file.filename.replace("\\", "/").rsplit("/", 1)[-1][:255] or "pain002.xml"
    try:
        s = pay.import_status_report(uow=desk.uow(), company_id=desk.company_id, data=content, filename=filename)
    except ImportFailed as exc:
        return _proposals_page(request, desk, status=422, failed=exc)
    return RedirectResponse(Links(desk.company_id).payment_proposals(
        done="status", rejected=s.rejected, accepted=s.accepted, unknown=s.unknown,
        already="1" if s.already_imported else None), status_code=303)


@router.post("/c/{company_id}/payments/settings")
def save_settings(request: Request, desk: Writer, data: Form) -> Response:
    """How many users approve a payment proposal: 1, or 2 (then not the proposer alone)."""
    t = Translator(desk.visitor.lang)
    form = FormState({"payment_approvals": text(data, "payment_approvals", 5).strip()})
    if form.values["payment_approvals"] not in ("1", "2"):
        form.errors["payment_approvals"] = t.gettext(MESSAGES["payment_approvals"])
        return _proposals_page(request, desk, status=422, settings_form=form)
    pay.set_payment_approvals(uow=desk.uow(), company_id=desk.company_id, count=int(form.values["payment_approvals"]))
    return RedirectResponse(Links(desk.company_id).payment_proposals(done="approvals"), status_code=303)


# -- supplier bank accounts waiting for approval --------------------------------------------------------------


def _accounts_page(request: Request, desk: Desk, *, status: int = 200, problem: str | None = None,
                   notes: dict[int, str] | None = None) -> Response:
    t = Translator(desk.visitor.lang)
    every = pay.account_approvals(uow=desk.uow(readonly=True), company_id=desk.company_id, status=None)
    pending = [a for a in every if a.status == "pending"]
    decided = [a for a in every if a.status != "pending"][:DECISIONS_SHOWN]
    notice = None
    approval = request.query_params.get("approval", "")
    if status == 200 and _ID.match(approval):
        done = next((a for a in every if a.approval_id == int(approval) and a.status != "pending"), None)
        if done is not None:
            words = (N_("The bank account %(account)s of %(party)s is approved: payments may go to it.")
                     if done.status == "approved" else
                     N_("The bank account %(account)s of %(party)s is rejected: nothing is paid to it."))
            party = " ".join((done.party_number, done.party_name))
            notice = t.gettext(words, account=done.display, party=party)
    return page(request, desk.visitor, "payments/accounts.html", desk=desk, status=status, pending=pending,
                decided=decided, problem=problem, notes=notes or {}, notice=notice, waiting=len(pending),
                **_labels())


@router.get("/c/{company_id}/payments/accounts")
def accounts_page(request: Request, desk: Reader) -> Response:
    return _accounts_page(request, desk)


@router.post("/c/{company_id}/payments/accounts/{approval_id}")
def decide(request: Request, desk: Writer, approval_id: ApprovalId, data: Form) -> Response:
    """Approve (``decision=approve``) or reject a supplier's bank account; its requester cannot approve it."""
    t = Translator(desk.visitor.lang)
    decision = text(data, "decision", 10)
    note = text(data, "note", 500).strip()
    if decision not in ("approve", "reject"):
        return _accounts_page(request, desk, status=422, problem=t.gettext(MESSAGES["decision"]),
                              notes={approval_id: note})
    try:
        pay.decide_account(uow=desk.uow(), company_id=desk.company_id, approval_id=approval_id,
                           approve=decision == "approve", note=note or None)
    except ReskontroError as exc:
        if exc.code == "not_found":
            raise
        _name, message = problem_of(exc)
        return _accounts_page(request, desk, status=422, problem=_translated(t, message), notes={approval_id: note})
    return RedirectResponse(Links(desk.company_id).payment_accounts(approval=approval_id), status_code=303)
