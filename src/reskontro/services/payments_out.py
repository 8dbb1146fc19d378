"""Payments out: the due list (forfallsliste), payment proposals with approval, pain.001 out, pain.002 in, and the
guard on supplier bank accounts.

* **Due list**: a supplier's open items by due date, with what its card says (account, BIC, blocks); payment-blocked
  suppliers are left out, bankrupt ones flagged; a supplier's credit notes net against its invoices.
* **Bank-account guard**: a supplier account new to the card (by hand, import or from an invoice) is paid only
  after a *second* user approves it; the first payment to an account and an invoice that names another account
  than the card are flagged.
* **Proposal**: items due by a date (or chosen), amounts adjustable (part payment); approved by one user, or by
  two when the company says so (then not by the proposer alone); written as a pain.001 checked against the
  official XSD, and its items are *in payment* until the bank's debit (camt.054) settles them or a pain.002
  rejects them (then they are back in the due list with the reason).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from reskontro.domain.errors import (
    ConcurrentUpdate,
    ImportFailed,
    NotFound,
    ValidationFailed,
)
from reskontro.domain.parties import PartyKind
from reskontro.formats.iso20022 import pain001, pain002
from reskontro.formats.payments import BankFileInvalid, CreditTransfer, PaymentOrder
from reskontro.identifiers import bank as bank_ids
from reskontro.money import from_minor, round_money, to_minor
from reskontro.services.imports import file_sha256
from reskontro.services.posting import match_within
from reskontro.services.unit_of_work import UnitOfWork
from reskontro.store import bank as bank_sql
from reskontro.store import payments_out as sql

# -- the bank-account guard -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountApproval:
    approval_id: int
    party_number: str
    party_name: str
    account: str
    bic: str | None
    source: str
    status: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    note: str | None

    @property
    def display(self) -> str:
        return bank_ids.format_account(self.account)


def account_approvals(*, uow: UnitOfWork, company_id: int, status: str | None = "pending") -> list[AccountApproval]:
    """Supplier bank accounts waiting for a second user (``status`` None: every decision too), newest first."""
    with uow:
        rows = sql.approvals(uow.repo.conn, company_id, status)
    return [AccountApproval(int(r["approval_id"]), r["number"], r["name"], r["account"], r["bic"], r["source"],
                            r["status"], r["requested_by"], r["requested_at"], r["decided_by"], r["decided_at"],
                            r["note"]) for r in rows]


def decide_account(*, uow: UnitOfWork, company_id: int, approval_id: int, approve: bool,
                   note: str | None = None) -> AccountApproval:
    """Approve (or reject) a supplier bank account. The user who put it on the card cannot approve it."""
    with uow:
        conn = uow.repo.conn
        row = sql.approval(conn, company_id, approval_id)
        if row is None:
            raise NotFound(f"bank account approval {approval_id} does not exist", field="approval")
        if row["status"] != "pending":
            raise ValidationFailed(f"bank account approval {approval_id} is {row['status']} already", field="approval")
        if approve and row["requested_by"] == uow.actor:
            raise ValidationFailed(f"{uow.actor} put account {bank_ids.format_account(row['account'])} on the card; "
                                   f"a second user must approve it", field="approval")
        status = "approved" if approve else "rejected"
        if not sql.decide_approval(conn, company_id, approval_id, status, uow.actor, uow.now(),
                                   (note or "").strip()[:500] or None):
            raise ConcurrentUpdate(f"bank account approval {approval_id} was decided by someone else meanwhile")
        uow.repo.audit(company_id, "party", int(row["party_id"]), f"bank_account_{status}",
                       [("bank_account", None, row["account"])])
        uow.commit()
    return next(a for a in account_approvals(uow=uow, company_id=company_id, status=None)
                if a.approval_id == approval_id)


def set_bankrupt(*, uow: UnitOfWork, company_id: int, number: str, since: date | None) -> None:
    """Flag a supplier as bankrupt from ``since`` (None clears it): the due list highlights it."""
    with uow:
        found = uow.repo.party_by_number(company_id, PartyKind.SUPPLIER.value, number)
        if found is None:
            raise NotFound(f"supplier {number!r} does not exist", field="number")
        sql.set_bankrupt(uow.repo.conn, company_id, found.party_id, since)
        uow.repo.audit(company_id, "party", found.party_id, "update",
                       [("bankrupt_since", None, since.isoformat() if since else None)])
        uow.commit()


# -- the due list ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DueItem:
    item_id: int
    item_type: str
    document_number: str
    item_date: date
    due_date: date
    currency: str
    amount: Decimal  # to pay: an invoice positive, a credit note negative
    kid: str | None
    payee_account: str | None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DueSupplier:
    party_id: int
    number: str
    name: str
    currency: str
    account: str | None
    bic: str | None
    account_state: str  # approved / pending / rejected / missing
    bankrupt_since: date | None
    first_payment: bool
    items: tuple[DueItem, ...]
    net: Decimal  # invoices less credits: what a proposal would pay
    warnings: tuple[str, ...]

    @property
    def payable(self) -> bool:
        return self.account_state == "approved" and self.net > 0


@dataclass(frozen=True, slots=True)
class DueList:
    due_by: date | None
    suppliers: tuple[DueSupplier, ...]
    blocked: tuple[str, ...]  # payment-blocked suppliers left out ("number name: reason")
    totals: dict[str, Decimal] = field(default_factory=dict)  # net payable per currency


def _account_words(state: str) -> str | None:
    return {"pending": "the bank account waits for a second user's approval",
            "rejected": "the bank account was rejected",
            "missing": "no bank account on the card"}.get(state)


def _due(uow: UnitOfWork, company_id: int, *, due_by: date | None, currency: str | None, supplier: str | None,
         account: str | None) -> DueList:
    conn = uow.repo.conn
    rows = sql.due_rows(conn, company_id, due_by=due_by, currency=(currency or "").upper() or None,
                        party_number=supplier, account=account)
    blocked: dict[int, str] = {}
    groups: dict[tuple[int, str], list[sql.DueRow]] = defaultdict(list)
    for r in rows:
        if r.payment_block_reason:
            blocked[r.party_id] = f"{r.party_number} {r.party_name}: {r.payment_block_reason}"
            continue
        groups[(r.party_id, r.currency)].append(r)
    states = sql.account_states(conn, company_id, {(r.party_id, r.bank_account) for rs in groups.values()
                                                    for r in rs if r.bank_account})
    paid = sql.paid_accounts(conn, company_id, {pid for pid, _ in groups})
    suppliers = []
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for (pid, cur), rs in groups.items():
        first = rs[0]
        state = "missing" if not first.bank_account else states.get((pid, first.bank_account), "pending")
        items = []
        for r in rs:
            warnings = []
            if r.payee_account and r.payee_account != first.bank_account:
                warnings.append(f"the invoice says to pay to {bank_ids.format_account(r.payee_account)}, the card "
                                f"has {bank_ids.format_account(first.bank_account) if first.bank_account else 'none'}")
            items.append(DueItem(r.item_id, r.item_type, r.document_number, r.item_date, r.due_date, r.currency,
                                 from_minor(-r.open_minor, r.currency), r.kid, r.payee_account, tuple(warnings)))
        net = sum((i.amount for i in items), Decimal(0))
        first_payment = bool(first.bank_account) and (pid, first.bank_account) not in paid
        warnings = [w for w in (_account_words(state),) if w]
        if first.bankrupt_since:
            warnings.append(f"bankrupt since {first.bankrupt_since.isoformat()}")
        if first_payment and state == "approved":
            warnings.append("the first payment to this account")
        if net <= 0:
            warnings.append("the credit notes cover the invoices: nothing to pay")
        if first.bank_account and not first.bank_account.isdigit() and not first.bic:
            warnings.append("a foreign account needs the BIC on the card")
        suppliers.append(DueSupplier(pid, first.party_number, first.party_name, cur, first.bank_account, first.bic,
                                     state, first.bankrupt_since, first_payment, tuple(items), net, tuple(warnings)))
        if state == "approved" and net > 0:
            totals[cur] += net
    suppliers.sort(key=lambda s: (min(i.due_date for i in s.items), s.number, s.currency))
    return DueList(due_by, tuple(suppliers), tuple(sorted(set(blocked.values()))), dict(totals))


def due_list(*, uow: UnitOfWork, company_id: int, due_by: date | None = None, currency: str | None = None,
             supplier: str | None = None, account: str | None = None) -> DueList:
    """Open supplier items to pay by ``due_by`` (None: all), per supplier and currency, with their warnings."""
    acc = None
    if account:
        try:
            acc = bank_ids.validate_account(account)
        except bank_ids.ValidationError as exc:
            raise ValidationFailed(f"bank account {account!r} is not valid ({exc})", field="account") from None
    with uow:
        return _due(uow, company_id, due_by=due_by, currency=currency, supplier=supplier, account=acc)


# -- proposals -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProposalLine:
    line_no: int
    party_number: str
    party_name: str
    document_number: str
    due_date: date
    currency: str
    amount: Decimal
    open_amount: Decimal
    creditor_account: str
    kid: str | None
    text: str | None
    end_to_end_id: str
    status: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class Proposal:
    proposal_id: int
    status: str
    debtor_account: str
    execution_date: date
    message_id: str | None
    created_by: str
    approvers: tuple[str, ...]
    approvals_needed: int
    lines: tuple[ProposalLine, ...]
    totals: dict[str, Decimal]
    version: int


def _load(uow: UnitOfWork, company_id: int, proposal_id: int, *, lock: bool = False) -> dict[str, Any]:
    row = sql.proposal(uow.repo.conn, company_id, proposal_id, lock=lock)
    if row is None:
        raise NotFound(f"payment proposal {proposal_id} does not exist", field="proposal")
    return row


def _proposal(uow: UnitOfWork, company_id: int, proposal_id: int) -> Proposal:
    conn = uow.repo.conn
    row = _load(uow, company_id, proposal_id)
    lines = []
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for r in sql.lines(conn, company_id, proposal_id):
        cur = r["currency"]
        amount = from_minor(int(r["amount_minor"]), cur)
        lines.append(ProposalLine(int(r["line_no"]), r["party_number"], r["party_name"], r["document_number"],
                                  r["due_date"], cur, amount, from_minor(-int(r["open_minor"]), cur),
                                  r["creditor_account"], r["kid"], r["text"], r["end_to_end_id"], r["status"],
                                  r["reason"]))
        if r["status"] != "cancelled":
            totals[cur] += amount
    company = uow.repo.company(company_id)
    return Proposal(proposal_id, row["status"], row["debtor_account"], row["execution_date"], row["message_id"],
                    row["created_by"], tuple(sql.approvers(conn, company_id, proposal_id)),
                    company.payment_approvals, tuple(lines), dict(totals), int(row["version"]))


def get_proposal(*, uow: UnitOfWork, company_id: int, proposal_id: int) -> Proposal:
    with uow:
        return _proposal(uow, company_id, proposal_id)


def list_proposals(*, uow: UnitOfWork, company_id: int, limit: int = 50) -> list[dict[str, Any]]:
    with uow:
        rows = sql.proposals(uow.repo.conn, company_id, limit)
    return rows


def create_proposal(*, uow: UnitOfWork, company_id: int, debtor_account: str, execution_date: date,
                    due_by: date | None = None, suppliers: list[str] | None = None,
                    item_ids: list[int] | None = None) -> Proposal:
    """A draft proposal of the payable items due by ``due_by`` (or the named items): one line per invoice.

    Only suppliers whose card account is approved are paid, blocked ones never. A supplier's open credit notes are
    first matched against its invoices, oldest due first (method "netting"), so each line pays what is left.
    """
    try:
        debtor = bank_ids.validate_account(debtor_account)
    except bank_ids.ValidationError as exc:
        raise ValidationFailed(f"bank account {debtor_account!r} is not valid ({exc})",
                               field="debtor_account") from None
    with uow:
        repo, conn = uow.repo, uow.repo.conn
        company = repo.company(company_id)
        if debtor not in {a.account for a in bank_sql.bank_accounts(conn, company_id)}:
            raise ValidationFailed(f"account {bank_ids.format_account(debtor)} is not one of the company's bank "
                                   f"accounts", field="debtor_account")
        if execution_date < uow.today():
            raise ValidationFailed(f"the execution date {execution_date.isoformat()} has passed",
                                   field="execution_date")
        due = _due(uow, company_id, due_by=due_by, currency=None, supplier=None, account=None)
        chosen = set(item_ids or ())
        wanted = set(suppliers or ())
        picked: list[tuple[DueSupplier, list[DueItem]]] = []
        for s in due.suppliers:
            if wanted and s.number not in wanted:
                continue
            items = [i for i in s.items if not chosen or i.item_id in chosen or i.amount < 0]
            if not any(i.amount > 0 for i in items) or s.account_state != "approved":
                continue
            picked.append((s, items))
        missing = chosen - {i.item_id for _, items in picked for i in items}
        if missing:
            raise ValidationFailed(f"item {', '.join(map(str, sorted(missing)))} is not payable (not due, held by "
                                   f"another proposal, blocked, or its supplier's bank account is not approved)",
                                   field="items")
        # Net each supplier's credits against its invoices in the ledger, oldest due first.
        pairs: list[tuple[int, int, Decimal | None]] = []
        remaining: dict[int, Decimal] = {}
        for _, items in picked:
            invoices = sorted((i for i in items if i.amount > 0), key=lambda i: (i.due_date, i.item_id))
            left = {i.item_id: i.amount for i in invoices}
            for credit in sorted((i for i in items if i.amount < 0), key=lambda i: (i.due_date, i.item_id)):
                rest = -credit.amount
                for inv in invoices:
                    if rest <= 0 or left[inv.item_id] <= 0:
                        continue
                    take = min(rest, left[inv.item_id])
                    pairs.append((inv.item_id, credit.item_id, take))
                    left[inv.item_id] -= take
                    rest -= take
            remaining.update(left)
        if pairs:
            match_within(uow, company, pairs, method="netting")
        proposal_id = repo.next_ids(company_id, "payment_proposals")[0]
        repo.insert_rows("payment_proposals", [{
            "company_id": company_id, "proposal_id": proposal_id, "status": "draft", "debtor_account": debtor,
            "execution_date": execution_date, "message_id": None, "pain_version": None, "file": None,
            "exported_at": None, "exported_by": None, "version": 1, "created_at": uow.now(),
            "created_by": uow.actor}])
        rows = []
        n = 0
        for s, items in sorted(picked, key=lambda x: (x[0].number, x[0].currency)):
            for i in sorted((i for i in items if i.amount > 0), key=lambda i: (i.due_date, i.item_id)):
                if remaining[i.item_id] <= 0:
                    continue
                n += 1
                rows.append({"company_id": company_id, "proposal_id": proposal_id, "line_no": n,
                             "item_id": i.item_id, "party_id": s.party_id, "currency": i.currency,
                             "amount_minor": to_minor(remaining[i.item_id], i.currency),
                             "creditor_account": s.account, "creditor_bic": s.bic, "kid": i.kid,
                             "text": None if i.kid else f"Faktura {i.document_number}"[:140],
                             "end_to_end_id": f"P{proposal_id}-{n}"[:35], "status": "proposed", "reason": None,
                             "bank_payment_id": None})
        if not rows:
            raise ValidationFailed("nothing is payable by that date", field="due_by")
        repo.insert_rows("payment_lines", rows)
        repo.audit(company_id, "payment_proposal", proposal_id, "create",
                   [("lines", None, str(len(rows))), ("netted", None, str(len(pairs)))])
        uow.commit()
    return get_proposal(uow=uow, company_id=company_id, proposal_id=proposal_id)


def _editable(uow: UnitOfWork, company_id: int, proposal_id: int) -> dict[str, Any]:
    row = _load(uow, company_id, proposal_id, lock=True)
    if row["status"] not in ("draft", "approved"):
        raise ValidationFailed(f"payment proposal {proposal_id} is {row['status']}; it cannot change",
                               field="proposal")
    return row


def _reopen(uow: UnitOfWork, company_id: int, row: dict[str, Any]) -> None:
    """A change after an approval needs the approvals again."""
    sql.clear_approvals(uow.repo.conn, company_id, int(row["proposal_id"]))
    if not sql.set_proposal(uow.repo.conn, company_id, int(row["proposal_id"]), int(row["version"]),
                            {"status": "draft"}):
        raise ConcurrentUpdate(f"payment proposal {row['proposal_id']} was changed by someone else meanwhile")


def adjust_line(*, uow: UnitOfWork, company_id: int, proposal_id: int, line_no: int,
                amount: Decimal | None) -> Proposal:
    """Pay less of an item (a part payment), or (``amount`` None) take the line out of the proposal."""
    with uow:
        row = _editable(uow, company_id, proposal_id)
        line = next((r for r in sql.lines(uow.repo.conn, company_id, proposal_id) if r["line_no"] == line_no), None)
        if line is None or line["status"] != "proposed":
            raise NotFound(f"line {line_no} of payment proposal {proposal_id} does not exist", field="line")
        cur = line["currency"]
        if amount is None:
            sql.set_lines(uow.repo.conn, company_id, proposal_id, [line_no], {"status": "cancelled"})
            change = ("status", "proposed", "cancelled")
        else:
            open_amount = from_minor(-int(line["open_minor"]), cur)
            if amount <= 0 or round_money(amount, cur) != amount:
                raise ValidationFailed(f"amount {amount} must be positive, in whole {cur} minor units", field="amount")
            if amount > open_amount:
                raise ValidationFailed(f"amount {amount} is more than the {open_amount} open on "
                                       f"{line['document_number']}", field="amount")
            sql.set_lines(uow.repo.conn, company_id, proposal_id, [line_no], {"amount_minor": to_minor(amount, cur)})
            change = ("amount", str(from_minor(int(line["amount_minor"]), cur)), str(amount))
        _reopen(uow, company_id, row)
        uow.repo.audit(company_id, "payment_proposal", proposal_id, f"line_{line_no}", [change])
        uow.commit()
    return get_proposal(uow=uow, company_id=company_id, proposal_id=proposal_id)


def approve_proposal(*, uow: UnitOfWork, company_id: int, proposal_id: int) -> Proposal:
    """Approve as the signed-in user. With two approvals required, the proposer alone is not enough: a second
    user must approve too."""
    with uow:
        conn = uow.repo.conn
        row = _editable(uow, company_id, proposal_id)
        company = uow.repo.company(company_id)
        approvers = sql.approvers(conn, company_id, proposal_id)
        if uow.actor in approvers:
            raise ValidationFailed(f"{uow.actor} has approved payment proposal {proposal_id} already",
                                   field="proposal")
        uow.repo.insert_rows("payment_approvals", [{"company_id": company_id, "proposal_id": proposal_id,
                                                    "approved_by": uow.actor, "approved_at": uow.now()}])
        approvers.append(uow.actor)
        done = len(approvers) >= company.payment_approvals and (
            company.payment_approvals < 2 or any(a != row["created_by"] for a in approvers))
        if done and not sql.set_proposal(conn, company_id, proposal_id, int(row["version"]), {"status": "approved"}):
            raise ConcurrentUpdate(f"payment proposal {proposal_id} was changed by someone else meanwhile")
        uow.repo.audit(company_id, "payment_proposal", proposal_id, "approve",
                       [("approved_by", None, uow.actor), ("status", row["status"], "approved" if done else "draft")])
        uow.commit()
    return get_proposal(uow=uow, company_id=company_id, proposal_id=proposal_id)


def cancel_proposal(*, uow: UnitOfWork, company_id: int, proposal_id: int) -> Proposal:
    """Drop a proposal not yet written to a file: its items are back in the due list."""
    with uow:
        row = _editable(uow, company_id, proposal_id)
        sql.set_lines(uow.repo.conn, company_id, proposal_id, None, {"status": "cancelled"})
        if not sql.set_proposal(uow.repo.conn, company_id, proposal_id, int(row["version"]), {"status": "cancelled"}):
            raise ConcurrentUpdate(f"payment proposal {proposal_id} was changed by someone else meanwhile")
        uow.repo.audit(company_id, "payment_proposal", proposal_id, "cancel", [("status", row["status"], "cancelled")])
        uow.commit()
    return get_proposal(uow=uow, company_id=company_id, proposal_id=proposal_id)


@dataclass(frozen=True, slots=True)
class PaymentFile:
    filename: str
    content: bytes
    message_id: str
    transfers: int


def export_proposal(*, uow: UnitOfWork, company_id: int, proposal_id: int, version: str = "09") -> PaymentFile:
    """Write an approved proposal as a pain.001 (checked against the official XSD before it is kept); its items
    are then *in payment*. Asked again, it hands out the same file."""
    if version not in ("09", "03"):
        raise ValidationFailed(f"pain.001 version {version!r} must be 09 or 03", field="version")
    with uow:
        repo, conn = uow.repo, uow.repo.conn
        row = _load(uow, company_id, proposal_id, lock=True)
        if row["status"] == "exported":
            return PaymentFile(_file_name(row), bytes(row["file"]), row["message_id"],
                               sum(1 for r in sql.lines(conn, company_id, proposal_id) if r["status"] != "cancelled"))
        if row["status"] != "approved":
            raise ValidationFailed(f"payment proposal {proposal_id} is {row['status']}; only an approved one is "
                                   f"written to a payment file", field="proposal")
        company = repo.company(company_id)
        debtor = next(a for a in bank_sql.bank_accounts(conn, company_id) if a.account == row["debtor_account"])
        lines = [r for r in sql.lines(conn, company_id, proposal_id) if r["status"] == "proposed"]
        states = sql.account_states(conn, company_id, {(int(r["party_id"]), r["creditor_account"]) for r in lines})
        unapproved = [r for r in lines if states.get((int(r["party_id"]), r["creditor_account"])) != "approved"]
        if unapproved:
            raise ValidationFailed(f"the bank account of {unapproved[0]['party_number']} is no longer approved; take "
                                   f"its lines out or approve the account", field="proposal")
        cards = repo.parties_for_ids(company_id, {int(r["party_id"]) for r in lines})
        now = uow.now()
        message_id = f"RSK-{company_id}-{proposal_id}-{now:%Y%m%d%H%M%S}"[:35]
        transfers = tuple(CreditTransfer(
            end_to_end_id=r["end_to_end_id"], amount=from_minor(int(r["amount_minor"]), r["currency"]),
            currency=r["currency"], creditor_name=r["party_name"], creditor_account=r["creditor_account"],
            debtor_account=row["debtor_account"], requested_date=row["execution_date"], creditor_bic=r["creditor_bic"],
            creditor_country=cards[int(r["party_id"])].country, kid=r["kid"], text=r["text"], debtor_bic=debtor.bic)
            for r in lines)
        order = PaymentOrder(message_id, now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC),
                             company.name, company.org_number, company.name, transfers)
        try:
            content = pain001.render(order, version)
        except BankFileInvalid as exc:
            raise ImportFailed(f"payment proposal {proposal_id} cannot be written as a pain.001",
                               [str(p) for p in exc.problems]) from None
        if not sql.set_proposal(conn, company_id, proposal_id, int(row["version"]), {
                "status": "exported", "message_id": message_id, "pain_version": version, "file": content,
                "exported_at": now, "exported_by": uow.actor}):
            raise ConcurrentUpdate(f"payment proposal {proposal_id} was changed by someone else meanwhile")
        sql.set_lines(conn, company_id, proposal_id, None, {"status": "in_payment"}, only=("proposed",))
        repo.audit(company_id, "payment_proposal", proposal_id, "export",
                   [("message_id", None, message_id), ("transfers", None, str(len(transfers)))])
        uow.commit()
        row = {**row, "message_id": message_id}
    return PaymentFile(_file_name(row), content, message_id, len(transfers))


def _file_name(row: dict[str, Any]) -> str:
    return f"pain001-{row['message_id']}.xml"


# -- pain.002 status reports ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatusSummary:
    filename: str
    key: str
    statuses: int
    rejected: int
    accepted: int
    unknown: int  # EndToEndIds we never sent
    already_imported: bool = False


def import_status_report(*, uow: UnitOfWork, company_id: int, data: bytes, filename: str) -> StatusSummary:
    """Take a pain.002 in: rejected payments come out of payment, back into the due list with the bank's reason.
    Once per report (its message id)."""
    try:
        report = pain002.parse(data, filename)
    except BankFileInvalid as exc:
        raise ImportFailed(f"{filename}: the status report cannot be taken; nothing was changed",
                           [str(p) for p in exc.problems]) from None
    with uow:
        repo, conn = uow.repo, uow.repo.conn
        before = bank_sql.file_by_key(conn, company_id, report.key)
        if before is not None:
            return StatusSummary(before["filename"], report.key, before["transactions"], before["posted"], 0, 0,
                                 already_imported=True)
        by_e2e = sql.lines_by_end_to_end(conn, company_id, {s.end_to_end_id for s in report.statuses
                                                            if s.end_to_end_id})
        rejected = accepted = unknown = 0
        for s in report.statuses:
            targets: list[dict[str, Any]]
            if s.end_to_end_id:
                line = by_e2e.get(s.end_to_end_id)
                if line is None:
                    unknown += 1
                    continue
                targets = [line]
            else:  # the whole message (or one of its groups)
                if s.status != "RJCT":
                    continue
                targets = sql.lines_of_message(conn, company_id, s.original_message_id)
            for line in targets:
                if line["status"] != "in_payment":
                    continue
                if s.status == "RJCT":
                    reason = " ".join(x for x in (s.reason_code, s.reason_text) if x) or "rejected by the bank"
                    sql.set_lines(conn, company_id, int(line["proposal_id"]), [int(line["line_no"])],
                                  {"status": "rejected", "reason": reason[:500]}, only=("in_payment",))
                    rejected += 1
                    repo.audit(company_id, "payment_proposal", int(line["proposal_id"]),
                               f"line_{line['line_no']}", [("status", "in_payment", "rejected"), ("reason", None,
                                                                                                reason[:200])])
                else:
                    accepted += 1
        file_id = repo.next_ids(company_id, "bank_files")[0]
        repo.insert_rows("bank_files", [{
            "company_id": company_id, "bank_file_id": file_id, "file_key": report.key, "format": report.format,
            "filename": filename[:255], "sha256": file_sha256(data), "transactions": len(report.statuses),
            "posted": rejected, "review": unknown, "created_at": uow.now(), "created_by": uow.actor}])
        uow.commit()
    return StatusSummary(filename, report.key, len(report.statuses), rejected, accepted, unknown)


def set_payment_approvals(*, uow: UnitOfWork, company_id: int, count: int) -> None:
    """How many users approve a payment proposal: 1, or 2 (then not the proposer alone)."""
    if count not in (1, 2):
        raise ValidationFailed("a payment proposal is approved by 1 or 2 users", field="payment_approvals")
    with uow:
        before = uow.repo.company(company_id).payment_approvals
        uow.repo.update_company(company_id, {"payment_approvals": count})
        uow.repo.audit(company_id, "company", company_id, "update", [("payment_approvals", str(before), str(count))])
        uow.commit()

