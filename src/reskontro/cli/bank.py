"""``reskontro bank …``: the company's bank accounts and KID scheme, bank files in, the review queue."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from reskontro.cli.app import Format, console, fmt, progress_bar, render, run, state
from reskontro.services import bank_payments as bank
from reskontro.services import companies

bank_app = typer.Typer(no_args_is_help=True, help="Bank files in (OCR Giro, camt.054, camt.053), the review queue, "
                                                  "bank accounts and the KID scheme.")
account_app = typer.Typer(no_args_is_help=True, help="The company's own bank accounts.")
bank_app.add_typer(account_app, name="account")

_ID = Annotated[int, typer.Argument(help="The bank payment's id (see `reskontro bank queue`).")]


@account_app.command("add")
def account_add(
    account: Annotated[str, typer.Argument(help="Kontonummer (11 digits) or IBAN")],
    name: Annotated[str, typer.Option(help="What the account is called")] = "Driftskonto",
    gl_account: Annotated[str | None, typer.Option("--gl-account", help="GL account it posts to (default 1920)")]
    = None,
    currency: Annotated[str | None, typer.Option(help="Default: the company currency")] = None,
    bic: Annotated[str | None, typer.Option()] = None,
    ocr_agreement: Annotated[str | None, typer.Option("--ocr-agreement", help="Nets OCR agreement id")] = None,
) -> None:
    """Register a bank account of the company: bank files for it post to its GL account."""
    a = state.app()
    cid = run(a.company_id)
    acc = run(lambda: bank.add_bank_account(uow=a.uow(), company_id=cid, account=account, name=name,
                                            gl_account=gl_account, currency=currency, bic=bic,
                                            ocr_agreement_id=ocr_agreement))
    console.print(f"Bank account {acc.display} ({acc.name}) posts to {acc.gl_account}")


@account_app.command("list")
def account_list() -> None:
    """The company's bank accounts."""
    a = state.app()
    cid = run(a.company_id)
    rows = run(lambda: bank.list_bank_accounts(uow=a.uow(readonly=True), company_id=cid))
    render([{"account": r.display, "name": r.name, "currency": r.currency, "gl_account": r.gl_account,
             "bic": r.bic, "ocr_agreement": r.ocr_agreement_id} for r in rows],
           ["account", "name", "currency", "gl_account", "bic", "ocr_agreement"], Format.table, None)


@bank_app.command("kid-scheme")
def kid_scheme(
    algorithm: Annotated[str, typer.Argument(help="mod10, mod11, or none (make no KIDs)")],
    length: Annotated[int | None, typer.Option(help="Fixed KID length, check digit included")] = None,
    source: Annotated[str, typer.Option(help="invoice, customer or customer_invoice")] = "invoice",
    customer_digits: Annotated[int | None, typer.Option("--customer-digits",
                                                        help="With customer_invoice: digits of the customer number")]
    = None,
) -> None:
    """Set the KID scheme of the company's OCR agreement: customer invoices get their KID made by it."""
    a = state.app()
    cid = run(a.company_id)
    algo = None if algorithm.lower() == "none" else algorithm
    scheme = run(lambda: companies.set_kid_scheme(uow=a.uow(), company_id=cid, algorithm=algo, length=length,
                                                  source=source, customer_digits=customer_digits))
    if scheme is None:
        console.print("Customer invoices get no KID made")
    else:
        console.print(f"Customer invoices get a {scheme.algorithm.upper()} KID of {scheme.length} characters "
                      f"from the {scheme.source.replace('_', ' and ')} number")


def _summary_lines(s: bank.BankImportSummary) -> None:
    methods = ", ".join(f"{n} by {m}" for m, n in sorted(s.by_method.items()))
    console.print(f"{s.filename} ({s.format}, {s.file_key}): {s.transactions} transactions, "
                  f"in {fmt(s.amount_in)} {s.currency}, out {fmt(s.amount_out)} {s.currency}")
    console.print(f"  posted {s.posted}" + (f" ({methods})" if methods else "") + f", settling an invoice {s.settled}"
                  f"; review queue {s.review}; duplicates {s.duplicates}; reversals {s.reversals}")


@bank_app.command("import")
def bank_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="Nets OCR Giro, camt.054 or camt.053")],
    preview: Annotated[bool, typer.Option("--preview", help="Show what would happen; post nothing")] = False,
) -> None:
    """Post a bank file's payments to the customer ledger, matched by KID, invoice number or payer; the rest
    waits in the review queue. All or nothing; the same file twice posts nothing."""
    a = state.app()
    cid = run(a.company_id)
    data = file.read_bytes()
    if preview:
        s = run(lambda: bank.preview_bank_file(uow=a.uow(readonly=True), company_id=cid, data=data,
                                               filename=file.name))
        if s.already_imported:
            console.print(f"[yellow]{file.name} was imported before (bank file {s.bank_file_id}); importing it "
                          f"again posts nothing[/yellow]")
        render([{"where": r.location, "date": r.booking_date, "amount": r.amount if r.credit else -r.amount,
                 "kid": r.kid, "text": r.text, "payer": r.counterparty, "outcome": r.outcome, "by": r.method,
                 "party": r.party_number, "note": r.note} for r in s.rows],
               ["where", "date", "amount", "kid", "text", "payer", "outcome", "by", "party", "note"], Format.table,
               None, title=f"Preview of {file.name}")
        _summary_lines(s)
        return
    with progress_bar("Posting payments", None) as advance:
        s = run(lambda: bank.import_bank_file(uow=a.uow(), company_id=cid, data=data, filename=file.name,
                                              progress=advance))
    if s.already_imported:
        console.print(f"[yellow]{file.name}: this file was imported before (bank file {s.bank_file_id}); "
                      f"nothing was posted[/yellow]")
    _summary_lines(s)


@bank_app.command("files")
def bank_files_cmd(limit: Annotated[int, typer.Option()] = 20) -> None:
    """The bank files taken in, newest first."""
    a = state.app()
    cid = run(a.company_id)
    rows = run(lambda: bank.recent_bank_files(uow=a.uow(readonly=True), company_id=cid, limit=limit))
    render([{"id": r.bank_file_id, "file": r.filename, "format": r.format, "key": r.file_key,
             "transactions": r.transactions, "posted": r.posted, "review": r.review, "at": r.created_at,
             "by": r.created_by} for r in rows],
           ["id", "file", "format", "key", "transactions", "posted", "review", "at", "by"], Format.table, None)


@bank_app.command("queue")
def bank_queue(
    status: Annotated[str, typer.Option(help="review (waiting) or suspense (parked)")] = "review",
    fmt_: Annotated[Format, typer.Option("--format")] = Format.table,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Bank payments that no rule could place, oldest first."""
    a = state.app()
    cid = run(a.company_id)
    q = run(lambda: bank.review_queue(uow=a.uow(readonly=True), company_id=cid, status=status, limit=10_000))
    rows: list[dict[str, Any]] = [{
        "id": r.bank_payment_id, "date": r.booking_date, "amount": r.amount if r.credit != r.reversal else -r.amount,
        "currency": r.currency, "kid": r.kid, "text": r.text, "payer": r.counterparty_name, "note": r.note,
        "file": r.filename} for r in q.rows]
    render(rows, ["id", "date", "amount", "currency", "kid", "text", "payer", "note", "file"], fmt_, output,
           title=f"Bank payments: {status} ({q.total})")


@bank_app.command("suggest")
def bank_suggest(bank_payment_id: _ID) -> None:
    """Open items a queued payment may be for, best first, with the reasons."""
    a = state.app()
    cid = run(a.company_id)
    rows = run(lambda: bank.suggestions(uow=a.uow(readonly=True), company_id=cid, bank_payment_id=bank_payment_id))
    render([{"score": s.score, "party": f"{s.party_number} {s.party_name}", "document": s.document_number,
             "due": s.due_date, "open": s.open_amount, "kid": s.kid, "why": ", ".join(s.reasons)} for s in rows],
           ["score", "party", "document", "due", "open", "kid", "why"], Format.table, None,
           title=f"Suggestions for bank payment {bank_payment_id}")


@bank_app.command("resolve")
def bank_resolve(
    bank_payment_id: _ID,
    party: Annotated[str, typer.Option(help="Customer number (money in) or supplier number (money out)")],
    invoice: Annotated[str | None, typer.Option(help="The invoice it pays (default: by KID, text or amount)")]
    = None,
    note: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Post a queued or parked payment to a customer (or supplier), settling the invoice."""
    a = state.app()
    cid = run(a.company_id)
    r = run(lambda: bank.resolve_payment(uow=a.uow(), company_id=cid, bank_payment_id=bank_payment_id,
                                         party_number=party, invoice=invoice, note=note))
    console.print(f"Bank payment {r.bank_payment_id} posted to {r.party_number} with {r.voucher_ref}"
                  + (f", settling {', '.join(r.settled)}" if r.settled else "; it stays open as a credit"))


@bank_app.command("suspense")
def bank_suspense(bank_payment_id: _ID, note: Annotated[str | None, typer.Option()] = None) -> None:
    """Park a queued payment on the suspense account (2990 unless the company says otherwise)."""
    a = state.app()
    cid = run(a.company_id)
    r = run(lambda: bank.post_to_suspense(uow=a.uow(), company_id=cid, bank_payment_id=bank_payment_id, note=note))
    console.print(f"Bank payment {r.bank_payment_id} parked on the suspense account with {r.voucher_ref}")
