"""``reskontro pay …``: the due list, payment proposals and their approval, pain.001 out, pain.002 in, and the
approval of supplier bank accounts."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from reskontro.cli.app import Format, console, fmt, parse_amount, parse_day, render, run, state
from reskontro.services import payments_out as pay

pay_app = typer.Typer(no_args_is_help=True, help="Payments out: the due list, proposals, pain.001, pain.002, and "
                                                 "the approval of supplier bank accounts.")

_ID = Annotated[int, typer.Argument(help="The payment proposal's id (see `reskontro pay proposals`).")]


@pay_app.command("due")
def due(due_by: Annotated[str | None, typer.Option("--due-by", help="YYYY-MM-DD (default: all)")] = None,
        currency: Annotated[str | None, typer.Option()] = None,
        supplier: Annotated[str | None, typer.Option(help="Supplier number")] = None,
        account: Annotated[str | None, typer.Option(help="The supplier's bank account")] = None,
        fmt_: Annotated[Format, typer.Option("--format")] = Format.table,
        output: Annotated[Path | None, typer.Option("--output", "-o")] = None) -> None:
    """The due list (forfallsliste): open supplier items by due date, per supplier, with warnings."""
    a = state.app()
    cid = run(a.company_id)
    d = run(lambda: pay.due_list(uow=a.uow(readonly=True), company_id=cid, due_by=parse_day(due_by, "due-by"),
                                 currency=currency, supplier=supplier, account=account))
    rows: list[dict[str, Any]] = []
    for s in d.suppliers:
        for i in s.items:
            rows.append({"supplier": s.number, "name": s.name, "account": s.account, "state": s.account_state,
                         "document": i.document_number, "type": i.item_type, "due": i.due_date,
                         "currency": i.currency, "amount": i.amount, "kid": i.kid,
                         "warnings": "; ".join(s.warnings + i.warnings)})
    render(rows, ["supplier", "name", "account", "state", "document", "type", "due", "currency", "amount", "kid",
                  "warnings"], fmt_, output, title="Due list")
    if fmt_ is Format.table and output is None:
        for line in d.blocked:
            console.print(f"left out (payment block): {line}")
        for cur, total in sorted(d.totals.items()):
            console.print(f"payable {cur} {fmt(total)}")


@pay_app.command("propose")
def propose(account: Annotated[str, typer.Option("--from", help="Our bank account to pay from")],
            on: Annotated[str, typer.Option("--date", help="Execution date YYYY-MM-DD")],
            due_by: Annotated[str | None, typer.Option("--due-by")] = None,
            supplier: Annotated[list[str] | None, typer.Option(help="Only these suppliers (repeat)")] = None,
            item: Annotated[list[int] | None, typer.Option(help="Only these items (repeat)")] = None) -> None:
    """Make a draft payment proposal of what is payable (credit notes netted against invoices)."""
    a = state.app()
    cid = run(a.company_id)
    day = parse_day(on, "date")
    assert day is not None
    p = run(lambda: pay.create_proposal(uow=a.uow(), company_id=cid, debtor_account=account, execution_date=day,
                                        due_by=parse_day(due_by, "due-by"), suppliers=supplier, item_ids=item))
    _show(p)


def _show(p: pay.Proposal) -> None:
    render([{"line": ln.line_no, "supplier": ln.party_number, "document": ln.document_number, "due": ln.due_date,
             "currency": ln.currency, "amount": ln.amount, "open": ln.open_amount, "account": ln.creditor_account,
             "kid/text": ln.kid or ln.text, "e2e": ln.end_to_end_id, "status": ln.status, "reason": ln.reason}
            for ln in p.lines],
           ["line", "supplier", "document", "due", "currency", "amount", "open", "account", "kid/text", "e2e",
            "status", "reason"], Format.table, None,
           title=f"Payment proposal {p.proposal_id} ({p.status}) from {p.debtor_account} on {p.execution_date}")
    console.print(f"approved by {', '.join(p.approvers) or 'nobody'} of {p.approvals_needed} needed; "
                  + ", ".join(f"{cur} {fmt(v)}" for cur, v in sorted(p.totals.items())))


@pay_app.command("proposals")
def proposals() -> None:
    """Payment proposals, newest first."""
    a = state.app()
    cid = run(a.company_id)
    rows = run(lambda: pay.list_proposals(uow=a.uow(readonly=True), company_id=cid))
    render(rows, ["proposal_id", "status", "debtor_account", "execution_date", "lines", "total", "created_by",
                  "exported_at", "message_id"], Format.table, None)


@pay_app.command("show")
def show(proposal_id: _ID) -> None:
    """A proposal's lines, approvals and totals."""
    a = state.app()
    cid = run(a.company_id)
    _show(run(lambda: pay.get_proposal(uow=a.uow(readonly=True), company_id=cid, proposal_id=proposal_id)))


@pay_app.command("adjust")
def adjust(proposal_id: _ID, line: Annotated[int, typer.Argument()],
           amount: Annotated[str | None, typer.Option(help="Pay this much (a part payment)")] = None,
           remove: Annotated[bool, typer.Option("--remove", help="Take the line out")] = False) -> None:
    """Change what a line pays, or take it out; approvals are needed again."""
    if (amount is None) == (not remove):
        raise typer.BadParameter("give --amount or --remove")
    a = state.app()
    cid = run(a.company_id)
    value = None if remove else parse_amount(amount or "")
    _show(run(lambda: pay.adjust_line(uow=a.uow(), company_id=cid, proposal_id=proposal_id, line_no=line,
                                      amount=value)))


@pay_app.command("approve")
def approve(proposal_id: _ID) -> None:
    """Approve a proposal as yourself (the company may need two users)."""
    a = state.app()
    cid = run(a.company_id)
    _show(run(lambda: pay.approve_proposal(uow=a.uow(), company_id=cid, proposal_id=proposal_id)))


@pay_app.command("cancel")
def cancel(proposal_id: _ID) -> None:
    """Drop a proposal not yet written to a file."""
    a = state.app()
    cid = run(a.company_id)
    _show(run(lambda: pay.cancel_proposal(uow=a.uow(), company_id=cid, proposal_id=proposal_id)))


@pay_app.command("export")
def export(proposal_id: _ID, output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
           version: Annotated[str, typer.Option(help="pain.001.001.09 (09) or .03 (03)")] = "09") -> None:
    """Write an approved proposal as a pain.001 for the bank; its items are then in payment."""
    a = state.app()
    cid = run(a.company_id)
    f = run(lambda: pay.export_proposal(uow=a.uow(), company_id=cid, proposal_id=proposal_id, version=version))
    target = output or Path(f.filename)
    target.write_bytes(f.content)
    console.print(f"Wrote {target} ({f.transfers} transfers, message {f.message_id})")


@pay_app.command("status")
def status(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="pain.002")]) -> None:
    """Take in the bank's pain.002: rejected payments go back to the due list with the reason."""
    a = state.app()
    cid = run(a.company_id)
    s = run(lambda: pay.import_status_report(uow=a.uow(), company_id=cid, data=file.read_bytes(),
                                             filename=file.name))
    console.print(("[yellow]taken in before; nothing changed[/yellow] " if s.already_imported else "")
                  + f"{s.statuses} statuses: {s.rejected} rejected, {s.accepted} accepted, {s.unknown} unknown")


@pay_app.command("accounts")
def accounts(all_: Annotated[bool, typer.Option("--all", help="Decided ones too")] = False) -> None:
    """Supplier bank accounts waiting for a second user's approval."""
    a = state.app()
    cid = run(a.company_id)
    rows = run(lambda: pay.account_approvals(uow=a.uow(readonly=True), company_id=cid,
                                             status=None if all_ else "pending"))
    render([{"id": r.approval_id, "supplier": f"{r.party_number} {r.party_name}", "account": r.display,
             "source": r.source, "status": r.status, "requested": f"{r.requested_by} {r.requested_at:%Y-%m-%d}",
             "decided": f"{r.decided_by or ''} {r.decided_at:%Y-%m-%d}" if r.decided_at else ""} for r in rows],
           ["id", "supplier", "account", "source", "status", "requested", "decided"], Format.table, None)


@pay_app.command("approve-account")
def approve_account(approval_id: Annotated[int, typer.Argument()],
                    reject: Annotated[bool, typer.Option("--reject")] = False,
                    note: Annotated[str | None, typer.Option()] = None) -> None:
    """Approve (or reject) a supplier bank account: not the user who put it on the card."""
    a = state.app()
    cid = run(a.company_id)
    r = run(lambda: pay.decide_account(uow=a.uow(), company_id=cid, approval_id=approval_id, approve=not reject,
                                       note=note))
    console.print(f"{r.party_number}: account {r.display} {r.status}")


@pay_app.command("approvals")
def approvals(count: Annotated[int, typer.Argument(help="1 or 2")]) -> None:
    """How many users approve a payment proposal (2: not the proposer alone)."""
    a = state.app()
    cid = run(a.company_id)
    run(lambda: pay.set_payment_approvals(uow=a.uow(), company_id=cid, count=count))
    console.print(f"Payment proposals need {count} approval(s)")


@pay_app.command("bankrupt")
def bankrupt(supplier: Annotated[str, typer.Argument()],
             since: Annotated[str | None, typer.Option(help="YYYY-MM-DD; leave out to clear")] = None) -> None:
    """Flag a supplier as bankrupt (the due list highlights it)."""
    a = state.app()
    cid = run(a.company_id)
    day: date | None = parse_day(since, "since")
    run(lambda: pay.set_bankrupt(uow=a.uow(), company_id=cid, number=supplier, since=day))
    console.print(f"{supplier}: " + (f"bankrupt since {day}" if day else "not bankrupt"))
