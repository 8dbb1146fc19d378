"""Payments out: the due list, supplier bank-account approvals, payment proposals, pain.001 out, pain.002 in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import Response
from pydantic import Field

from reskontro.api.deps import IDEMPOTENT, Reader, Writer, upload_name
from reskontro.api.openapi import READ, WRITE
from reskontro.api.schemas import Amount, AmountIn, Day, Id, Model, Out, Str, Timestamp
from reskontro.services import payments_out as pay

router = APIRouter(tags=["payments"])


class DueItemOut(Out):
    item_id: int
    item_type: str
    document_number: str
    item_date: date
    due_date: date
    currency: str
    amount: Amount = Field(description="To pay: an invoice positive, a credit note negative.")
    kid: str | None
    payee_account: str | None
    warnings: list[str]


class DueSupplierOut(Out):
    number: str
    name: str
    currency: str
    account: str | None
    bic: str | None
    account_state: str = Field(description="approved, pending (a second user must approve), rejected or missing")
    bankrupt_since: date | None
    first_payment: bool
    payable: bool
    net: Amount
    warnings: list[str]
    items: list[DueItemOut]


class DueListOut(Out):
    due_by: date | None
    suppliers: list[DueSupplierOut]
    blocked: list[str] = Field(description="Payment-blocked suppliers, left out.")
    totals: dict[str, Amount]


class ApprovalOut(Out):
    approval_id: int
    party_number: str
    party_name: str
    account: str
    bic: str | None
    source: str
    status: str
    requested_by: str
    requested_at: Timestamp
    decided_by: str | None
    decided_at: Timestamp | None
    note: str | None


class DecideIn(Model):
    approve: bool
    note: Str | None = Field(None, max_length=500)


class ProposalIn(Model):
    debtor_account: Str = Field(min_length=2, max_length=40, description="One of the company's bank accounts.")
    execution_date: Day
    due_by: Day | None = None
    suppliers: list[Annotated[Str, Field(min_length=1, max_length=30)]] | None = Field(None, max_length=1000)
    item_ids: list[Id] | None = Field(None, max_length=10_000)


class LineOut(Out):
    line_no: int
    party_number: str
    party_name: str
    document_number: str
    due_date: date
    currency: str
    amount: Amount
    open_amount: Amount
    creditor_account: str
    kid: str | None
    text: str | None
    end_to_end_id: str
    status: str
    reason: str | None


class ProposalOut(Out):
    proposal_id: int
    status: str
    debtor_account: str
    execution_date: date
    message_id: str | None
    created_by: str
    approvers: list[str]
    approvals_needed: int
    lines: list[LineOut]
    totals: dict[str, Amount]


class ProposalRowOut(Out):
    proposal_id: int
    status: str
    debtor_account: str
    execution_date: date
    message_id: str | None
    created_at: Timestamp
    created_by: str
    exported_at: Timestamp | None
    lines: int
    total: int = Field(description="Σ of the lines in minor units (mixed currencies are not converted).")


class LineIn(Model):
    amount: AmountIn | None = Field(description="Pay this much (a part payment); null takes the line out.")


class ExportIn(Model):
    version: Literal["09", "03"] = "09"


class StatusOut(Out):
    filename: str
    key: str
    statuses: int
    rejected: int
    accepted: int
    unknown: int
    already_imported: bool


class SettingsIn(Model):
    approvals: Literal[1, 2] = Field(description="Users who must approve a proposal (2: not the proposer alone).")


class BankruptIn(Model):
    since: Day | None


def _proposal(p: pay.Proposal) -> ProposalOut:
    return ProposalOut(proposal_id=p.proposal_id, status=p.status, debtor_account=p.debtor_account,
                       execution_date=p.execution_date, message_id=p.message_id, created_by=p.created_by,
                       approvers=list(p.approvers), approvals_needed=p.approvals_needed,
                       lines=[LineOut.model_validate(ln) for ln in p.lines], totals=p.totals)


@router.get("/companies/{company_id}/payments/due", response_model=DueListOut, responses=READ,
            summary="The due list (forfallsliste)")
def due(a: Reader, due_by: Day | None = None, currency: Annotated[str | None, Query(max_length=3)] = None,
        supplier: Annotated[str | None, Query(max_length=30)] = None,
        account: Annotated[str | None, Query(max_length=40)] = None) -> DueListOut:
    d = pay.due_list(uow=a.uow(), company_id=a.company_id, due_by=due_by, currency=currency, supplier=supplier,
                     account=account)
    return DueListOut(due_by=d.due_by, blocked=list(d.blocked), totals=d.totals, suppliers=[
        DueSupplierOut(number=s.number, name=s.name, currency=s.currency, account=s.account, bic=s.bic,
                       account_state=s.account_state, bankrupt_since=s.bankrupt_since, first_payment=s.first_payment,
                       payable=s.payable, net=s.net, warnings=list(s.warnings),
                       items=[DueItemOut.model_validate({**{f: getattr(i, f) for f in DueItemOut.model_fields
                                                            if f != "warnings"}, "warnings": list(i.warnings)})
                              for i in s.items]) for s in d.suppliers])


@router.get("/companies/{company_id}/payments/accounts", response_model=list[ApprovalOut], responses=READ,
            summary="Supplier bank accounts and their approval")
def accounts(a: Reader, status: Literal["pending", "approved", "rejected", "all"] = "pending") -> list[ApprovalOut]:
    rows = pay.account_approvals(uow=a.uow(), company_id=a.company_id, status=None if status == "all" else status)
    return [ApprovalOut.model_validate(r) for r in rows]


@router.post("/companies/{company_id}/payments/accounts/{approval_id}/decide", response_model=ApprovalOut,
             responses=WRITE, dependencies=IDEMPOTENT, summary="Approve or reject a supplier bank account")
def decide(a: Writer, approval_id: Id, body: DecideIn) -> ApprovalOut:
    """The user who put the account on the card cannot approve it: a second user must."""
    return ApprovalOut.model_validate(pay.decide_account(uow=a.uow(), company_id=a.company_id,
                                                         approval_id=approval_id, approve=body.approve,
                                                         note=body.note))


@router.get("/companies/{company_id}/payments/proposals", response_model=list[ProposalRowOut], responses=READ,
            summary="Payment proposals, newest first")
def proposals(a: Reader, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[ProposalRowOut]:
    return [ProposalRowOut.model_validate(r) for r in pay.list_proposals(uow=a.uow(), company_id=a.company_id,
                                                                         limit=limit)]


@router.post("/companies/{company_id}/payments/proposals", response_model=ProposalOut, status_code=201,
             responses=WRITE, dependencies=IDEMPOTENT, summary="Propose the payable items")
def propose(a: Writer, body: ProposalIn) -> ProposalOut:
    """A draft of what is payable by ``due_by`` (or the named items); credit notes net against invoices."""
    return _proposal(pay.create_proposal(uow=a.uow(), company_id=a.company_id, debtor_account=body.debtor_account,
                                         execution_date=body.execution_date, due_by=body.due_by,
                                         suppliers=body.suppliers, item_ids=body.item_ids))


@router.get("/companies/{company_id}/payments/proposals/{proposal_id}", response_model=ProposalOut, responses=READ,
            summary="A payment proposal")
def proposal(a: Reader, proposal_id: Id) -> ProposalOut:
    return _proposal(pay.get_proposal(uow=a.uow(), company_id=a.company_id, proposal_id=proposal_id))


@router.patch("/companies/{company_id}/payments/proposals/{proposal_id}/lines/{line_no}", response_model=ProposalOut,
              responses=WRITE, summary="Pay part of an item, or take the line out")
def line(a: Writer, proposal_id: Id, line_no: Annotated[int, Field(ge=1, le=1_000_000)], body: LineIn
         ) -> ProposalOut:
    amount: Decimal | None = body.amount
    return _proposal(pay.adjust_line(uow=a.uow(), company_id=a.company_id, proposal_id=proposal_id,
                                     line_no=line_no, amount=amount))


@router.post("/companies/{company_id}/payments/proposals/{proposal_id}/approve", response_model=ProposalOut,
             responses=WRITE, dependencies=IDEMPOTENT, summary="Approve a payment proposal")
def approve(a: Writer, proposal_id: Id) -> ProposalOut:
    return _proposal(pay.approve_proposal(uow=a.uow(), company_id=a.company_id, proposal_id=proposal_id))


@router.post("/companies/{company_id}/payments/proposals/{proposal_id}/cancel", response_model=ProposalOut,
             responses=WRITE, dependencies=IDEMPOTENT, summary="Drop a proposal not yet written to a file")
def cancel(a: Writer, proposal_id: Id) -> ProposalOut:
    return _proposal(pay.cancel_proposal(uow=a.uow(), company_id=a.company_id, proposal_id=proposal_id))


_XML: dict[int | str, dict[str, Any]] = {200: {"content": {"application/xml": {}}, "description": "The pain.001."}}


@router.post("/companies/{company_id}/payments/proposals/{proposal_id}/export", response_class=Response,
             responses={**WRITE, **_XML}, dependencies=IDEMPOTENT, summary="Write an approved proposal as pain.001")
def export(a: Writer, proposal_id: Id, body: ExportIn) -> Response:
    """Checked against the official XSD before it is kept; its items are then in payment. Again: the same file."""
    f = pay.export_proposal(uow=a.uow(), company_id=a.company_id, proposal_id=proposal_id, version=body.version)
    return Response(f.content, media_type="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{f.filename}"'})


@router.post("/companies/{company_id}/payments/status-reports", response_model=StatusOut, responses=WRITE,
             dependencies=IDEMPOTENT, summary="Take in a pain.002 status report")
def status_report(a: Writer, file: Annotated[UploadFile, File(description="A pain.002.001.03 XML.")]) -> StatusOut:
    """Rejected payments go back to the due list with the bank's reason; once per report."""
    return StatusOut.model_validate(pay.import_status_report(uow=a.uow(), company_id=a.company_id,
                                                             data=file.file.read(), filename=upload_name(file)))


@router.put("/companies/{company_id}/payments/settings", response_model=SettingsIn, responses=WRITE,
            summary="How many users approve a proposal")
def settings(a: Writer, body: SettingsIn) -> SettingsIn:
    pay.set_payment_approvals(uow=a.uow(), company_id=a.company_id, count=body.approvals)
    return body


@router.put("/companies/{company_id}/payments/bankrupt/{number}", response_model=BankruptIn, responses=WRITE,
            summary="Flag a supplier as bankrupt (null clears it)")
def bankrupt(a: Writer, number: Annotated[str, Field(min_length=1, max_length=30)], body: BankruptIn) -> BankruptIn:
    pay.set_bankrupt(uow=a.uow(), company_id=a.company_id, number=number, since=body.since)
    return body


