"""Payments out: the due list, the bank-account guard, a proposal approved and written as pain.001, and the bank's
answers (camt.054 debit settles, pain.002 rejects)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from reskontro.domain.errors import ImportFailed, NotFound, ValidationFailed
from reskontro.domain.parties import PartyKind
from reskontro.formats.iso20022 import xml
from reskontro.services import bank_payments as bank
from reskontro.services import payments_out as pay
from reskontro.services.parties import set_block, update_party
from reskontro.services.reports import open_items_report
from reskontro.store.uow import SqlUnitOfWork
from tests.builders import gl_balance, post, supplier
from tests.builders_bank import camt054
from tests.builders_pain import pain002
from tests.conftest import Ctx

S = PartyKind.SUPPLIER
JAN = date(2026, 1, 10)
EXECUTE = date(2026, 7, 1)  # the test clock says 2026-06-30
OURS = "15031234562"


def other(ctx: Ctx, actor: str = "anne") -> SqlUnitOfWork:
    """A unit of work of a second user."""
    return SqlUnitOfWork(ctx.app.engine, actor=actor, today=lambda: ctx.today_value)


def setup(ctx: Ctx) -> None:
    bank.add_bank_account(uow=ctx.uow(), company_id=ctx.company_id, account=OURS, name="Drift")
    supplier(ctx, "L2001", name="Leverandør Testdata AS", bank_account="12065432100")
    supplier(ctx, "L2002", name="Smaa Leveranser AS", bank_account="30001234567")
    for approval in pay.account_approvals(uow=ctx.uow(), company_id=ctx.company_id):
        pay.decide_account(uow=other(ctx), company_id=ctx.company_id, approval_id=approval.approval_id, approve=True)


def invoice(ctx: Ctx, party: str, amount: str, doc: str, **fields: object) -> None:
    post(ctx, "invoice", party, amount, JAN, kind=S, document_number=doc, due_date=date(2026, 2, 9), **fields)


def supplier_open(ctx: Ctx) -> dict[str, Decimal]:
    rows = open_items_report(uow=ctx.uow(), company_id=ctx.company_id, as_of=date(2026, 12, 31), kind=S)
    return {r["document_number"]: r["open_amount"] for r in rows}


# -- the guard ------------------------------------------------------------------------------------------------


def test_a_new_supplier_account_waits_for_a_second_user(ctx: Ctx) -> None:
    bank.add_bank_account(uow=ctx.uow(), company_id=ctx.company_id, account=OURS, name="Drift")
    supplier(ctx, "L2001", bank_account="12065432100")
    invoice(ctx, "L2001", "10000.00", "S-7788")
    due = pay.due_list(uow=ctx.uow(), company_id=ctx.company_id)
    assert [(s.number, s.account_state, s.payable) for s in due.suppliers] == [("L2001", "pending", False)]
    waiting = pay.account_approvals(uow=ctx.uow(), company_id=ctx.company_id)
    assert [(w.party_number, w.account, w.requested_by, w.source) for w in waiting] == [
        ("L2001", "12065432100", "tester", "card")]
    with pytest.raises(ValidationFailed, match="a second user"):
        pay.decide_account(uow=ctx.uow(), company_id=ctx.company_id, approval_id=waiting[0].approval_id, approve=True)
    pay.decide_account(uow=other(ctx), company_id=ctx.company_id, approval_id=waiting[0].approval_id, approve=True)
    due = pay.due_list(uow=ctx.uow(), company_id=ctx.company_id)
    assert [(s.account_state, s.payable, s.first_payment) for s in due.suppliers] == [("approved", True, True)]
    assert "the first payment to this account" in due.suppliers[0].warnings
    # A changed account is new again: not payable until approved, and the old approval does not carry over.
    update_party(uow=ctx.uow(), company_id=ctx.company_id, kind=S, number="L2001",
                 changes={"bank_account": "30001234567"})
    assert pay.due_list(uow=ctx.uow(), company_id=ctx.company_id).suppliers[0].account_state == "pending"
    with pytest.raises(ValidationFailed, match="not payable"):
        pay.create_proposal(uow=ctx.uow(), company_id=ctx.company_id, debtor_account=OURS, execution_date=EXECUTE,
                            item_ids=[pay.due_list(uow=ctx.uow(), company_id=ctx.company_id).suppliers[0].items[0]
                                      .item_id])


def test_the_due_list_leaves_out_blocked_suppliers_flags_bankrupt_ones_and_a_foreign_invoice_account(ctx: Ctx
                                                                                                      ) -> None:
    setup(ctx)
    supplier(ctx, "L2003", name="Stengt AS", bank_account="98765432103")
    invoice(ctx, "L2001", "10000.00", "S-7788", payee_account="30001234567")
    invoice(ctx, "L2002", "1250.00", "4455")
    invoice(ctx, "L2003", "99.00", "X-1")
    set_block(uow=ctx.uow(), company_id=ctx.company_id, kind=S, number="L2003", block="payment_block",
              reason="tvist")
    pay.set_bankrupt(uow=ctx.uow(), company_id=ctx.company_id, number="L2002", since=date(2026, 1, 20))
    due = pay.due_list(uow=ctx.uow(), company_id=ctx.company_id)
    assert [s.number for s in due.suppliers] == ["L2001", "L2002"]
    assert due.blocked == ("L2003 Stengt AS: tvist",)
    assert "bankrupt since 2026-01-20" in due.suppliers[1].warnings
    assert due.suppliers[0].items[0].warnings == ("the invoice says to pay to 3000.12.34567, the card has "
                                                  "1206.54.32100",)
    assert due.totals == {"NOK": Decimal("11250.00")}
    assert [s.number for s in pay.due_list(uow=ctx.uow(), company_id=ctx.company_id, supplier="L2002").suppliers] \
        == ["L2002"]
    assert pay.due_list(uow=ctx.uow(), company_id=ctx.company_id, due_by=date(2026, 2, 1)).suppliers == ()


# -- the proposal --------------------------------------------------------------------------------------------


def test_a_proposal_nets_credit_notes_pays_in_part_is_approved_and_written_as_a_valid_pain001(ctx: Ctx) -> None:
    setup(ctx)
    invoice(ctx, "L2001", "10000.00", "S-7788", kid="20250001235")
    invoice(ctx, "L2002", "1250.00", "4455")
    post(ctx, "credit_note", "L2002", "250.00", JAN, kind=S, document_number="K-1")
    p = pay.create_proposal(uow=ctx.uow(), company_id=ctx.company_id, debtor_account=OURS, execution_date=EXECUTE,
                            due_by=date(2026, 6, 30))
    assert [(ln.party_number, ln.document_number, ln.amount, ln.kid, ln.text) for ln in p.lines] == [
        ("L2001", "S-7788", Decimal("10000.00"), "20250001235", None),
        ("L2002", "4455", Decimal("1000.00"), None, "Faktura 4455")]
    assert supplier_open(ctx) == {"S-7788": Decimal("10000.00"), "4455": Decimal("1000.00")}  # the credit netted
    assert pay.due_list(uow=ctx.uow(), company_id=ctx.company_id).suppliers == ()  # held by the proposal
    p = pay.adjust_line(uow=ctx.uow(), company_id=ctx.company_id, proposal_id=p.proposal_id, line_no=1,
                        amount=Decimal("6000.00"))
    with pytest.raises(ValidationFailed, match="more than"):
        pay.adjust_line(uow=ctx.uow(), company_id=ctx.company_id, proposal_id=p.proposal_id, line_no=2,
                        amount=Decimal("1000.01"))
    with pytest.raises(ValidationFailed, match="only an approved"):
        pay.export_proposal(uow=ctx.uow(), company_id=ctx.company_id, proposal_id=p.proposal_id)
    p = pay.approve_proposal(uow=ctx.uow(), company_id=ctx.company_id, proposal_id=p.proposal_id)
    assert (p.status, p.approvers, p.totals) == ("approved", ("tester",), {"NOK": Decimal("7000.00")})
    out = pay.export_proposal(uow=ctx.uow(), company_id=ctx.company_id, proposal_id=p.proposal_id)
    root = etree.fromstring(out.content)
    assert xml.schema_problems(root, "pain.001.001.09", "x") == []
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=ns) == "7000.00"
    assert root.findtext(".//p:CdtrRefInf/p:Ref", namespaces=ns) == "20250001235"
    assert root.findtext(".//p:RmtInf/p:Ustrd", namespaces=ns) == "Faktura 4455"
    assert pay.export_proposal(uow=ctx.uow(), company_id=ctx.company_id, proposal_id=p.proposal_id).content \
        == out.content  # asked again: the same file
    assert {ln.status for ln in pay.get_proposal(uow=ctx.uow(), company_id=ctx.company_id,
                                                 proposal_id=p.proposal_id).lines} == {"in_payment"}
    # The 4 000.00 not paid of S-7788 waits while its part payment is in flight (back once the bank's debit is in).
    assert pay.due_list(uow=ctx.uow(), company_id=ctx.company_id).suppliers == ()


def test_two_approvals_need_a_second_user_besides_the_proposer(ctx: Ctx) -> None:
    setup(ctx)
    pay.set_payment_approvals(uow=ctx.uow(), company_id=ctx.company_id, count=2)
    invoice(ctx, "L2001", "100.00", "A-1")
    p = pay.create_proposal(uow=ctx.uow(), company_id=ctx.company_id, debtor_account=OURS, execution_date=EXECUTE)
    p = pay.approve_proposal(uow=ctx.uow(), company_id=ctx.company_id, proposal_id=p.proposal_id)
    assert (p.status, p.approvers) == ("draft", ("tester",))
    with pytest.raises(ValidationFailed, match="already"):
        pay.approve_proposal(uow=ctx.uow(), company_id=ctx.company_id, proposal_id=p.proposal_id)
    p = pay.approve_proposal(uow=other(ctx), company_id=ctx.company_id, proposal_id=p.proposal_id)
    assert (p.status, p.approvers) == ("approved", ("tester", "anne"))
    # A change after approval needs the approvals again.
    p = pay.adjust_line(uow=ctx.uow(), company_id=ctx.company_id, proposal_id=p.proposal_id, line_no=1,
                        amount=Decimal("50.00"))
    assert (p.status, p.approvers) == ("draft", ())


def test_the_bank_debit_settles_the_invoices_and_a_rejection_puts_one_back_in_the_due_list(ctx: Ctx) -> None:
    setup(ctx)
    invoice(ctx, "L2001", "10000.00", "S-7788", kid="20250001235")
    invoice(ctx, "L2002", "1250.00", "4455")
    p = pay.create_proposal(uow=ctx.uow(), company_id=ctx.company_id, debtor_account=OURS, execution_date=EXECUTE)
    pay.approve_proposal(uow=ctx.uow(), company_id=ctx.company_id, proposal_id=p.proposal_id)
    out = pay.export_proposal(uow=ctx.uow(), company_id=ctx.company_id, proposal_id=p.proposal_id)
    first, second = p.lines
    # The bank rejects the second one…
    report = pain002([{"end_to_end_id": second.end_to_end_id, "status": "RJCT", "reason_code": "AC04",
                       "reason_text": "Closed account"},
                      {"end_to_end_id": first.end_to_end_id, "status": "ACCP"}], original_msg_id=out.message_id,
                     msg_id="STS-1")
    s = pay.import_status_report(uow=ctx.uow(), company_id=ctx.company_id, data=report, filename="sts.xml")
    assert (s.rejected, s.accepted, s.unknown) == (1, 1, 0)
    assert pay.import_status_report(uow=ctx.uow(), company_id=ctx.company_id, data=report,
                                    filename="sts.xml").already_imported
    lines = pay.get_proposal(uow=ctx.uow(), company_id=ctx.company_id, proposal_id=p.proposal_id).lines
    assert [(ln.status, ln.reason) for ln in lines] == [("in_payment", None), ("rejected", "AC04 Closed account")]
    assert [s.number for s in pay.due_list(uow=ctx.uow(), company_id=ctx.company_id).suppliers] == ["L2002"]
    # …and debits the first: the camt.054 "D" settles S-7788 by its EndToEndId.
    debit = camt054([{"amount": "10000.00", "end_to_end_id": first.end_to_end_id, "kid": "20250001235",
                      "name": "Leverandør Testdata AS", "date": date(2026, 7, 1)}], credit=False, msg_id="DBIT-1")
    result = bank.import_bank_file(uow=ctx.uow(), company_id=ctx.company_id, data=debit, filename="d.xml")
    assert (result.posted, result.settled, result.by_method, result.amount_out) == (
        1, 1, {"payline": 1}, Decimal("10000.00"))
    assert supplier_open(ctx) == {"4455": Decimal("1250.00")}
    assert gl_balance(ctx, "1920") == Decimal("-10000.00")
    assert [ln.status for ln in pay.get_proposal(uow=ctx.uow(), company_id=ctx.company_id,
                                                 proposal_id=p.proposal_id).lines] == ["paid", "rejected"]


def test_bad_proposals_and_reports_are_refused(ctx: Ctx) -> None:
    setup(ctx)
    with pytest.raises(ValidationFailed, match="not one of the company's bank accounts"):
        pay.create_proposal(uow=ctx.uow(), company_id=ctx.company_id, debtor_account="12065432100",
                            execution_date=EXECUTE)
    with pytest.raises(ValidationFailed, match="has passed"):
        pay.create_proposal(uow=ctx.uow(), company_id=ctx.company_id, debtor_account=OURS,
                            execution_date=date(2026, 1, 1))
    with pytest.raises(ValidationFailed, match="nothing is payable"):
        pay.create_proposal(uow=ctx.uow(), company_id=ctx.company_id, debtor_account=OURS, execution_date=EXECUTE)
    with pytest.raises(NotFound):
        pay.get_proposal(uow=ctx.uow(), company_id=ctx.company_id, proposal_id=999)
    with pytest.raises(ImportFailed) as caught:
        pay.import_status_report(uow=ctx.uow(), company_id=ctx.company_id, filename="x.xml",
                                 data=b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "a">]><x/>')
    assert "DOCTYPE" in caught.value.problems[0]
