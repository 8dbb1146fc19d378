"""The ``reskontro`` command: parse arguments, call one service, render the result.

Errors from the services print as one line (every line, for an import) and exit non-zero.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from reskontro.bootstrap import App, build
from reskontro.domain.errors import ImportFailed, ReskontroError, ValidationFailed
from reskontro.domain.parties import PartyCard, PartyKind, PostingRules
from reskontro.domain.periods import Period
from reskontro.domain.vouchers import CounterLine, ItemType
from reskontro.formats.tabular.export import to_csv, to_json
from reskontro.money import MoneyError, to_decimal
from reskontro.services import companies, demo, imports, listings, parties, posting, reports
from reskontro.settings import Settings

OSLO = ZoneInfo("Europe/Oslo")
console = Console()
err = Console(stderr=True)

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="Reskontro: customer and supplier sub-ledgers (kundereskontro / leverandørreskontro).")
party_app = typer.Typer(no_args_is_help=True, help="Customers and suppliers.")
post_app = typer.Typer(no_args_is_help=True, help="Post invoices, credit notes, payments, write-offs.")
report_app = typer.Typer(no_args_is_help=True, help="Reports: open items, aging, ledger specification, statements, "
                                                    "payment behaviour; every one exports to CSV, JSON and Excel.")
import_app = typer.Typer(no_args_is_help=True, help="Import parties and transactions from CSV or XLSX.")
voucher_app = typer.Typer(no_args_is_help=True, help="Vouchers: show and reverse.")
period_app = typer.Typer(no_args_is_help=True, help="Accounting periods: close and reopen months.")
rate_app = typer.Typer(no_args_is_help=True, help="Exchange rates.")
field_app = typer.Typer(no_args_is_help=True, help="Free fields on the party card.")
group_app = typer.Typer(no_args_is_help=True, help="Customer and supplier groups.")
for sub, name in ((party_app, "party"), (post_app, "post"), (report_app, "report"), (import_app, "import"),
                  (voucher_app, "voucher"), (period_app, "period"), (rate_app, "rate"), (field_app, "field"),
                  (group_app, "group")):
    app.add_typer(sub, name=name)


class State:
    database: str | None = None
    company: int | None = None
    _app: App | None = None

    def app(self) -> App:
        if self._app is None:
            self._app = build(Settings.from_env(database=self.database, company=self.company))
        return self._app


state = State()


class Kind(StrEnum):
    customer = "customer"
    supplier = "supplier"


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@app.callback()
def main_options(
    database: Annotated[str | None, typer.Option("--database", envvar="RESKONTRO_DATABASE_URL",
                                                 help="Database URL (default: SQLite in the user data dir).")] = None,
    company: Annotated[int | None, typer.Option("--company", envvar="RESKONTRO_COMPANY",
                                                help="Company id (default: the first company).")] = None,
) -> None:
    state.database, state.company, state._app = database, company, None


T = TypeVar("T")


def run(fn: Callable[[], T]) -> T:
    """Call a service; a domain error becomes one line on stderr and exit code 1."""
    try:
        return fn()
    except ImportFailed as exc:
        err.print(f"[red]error:[/red] {exc.message}", highlight=False)
        for line in exc.problems:
            err.print(f"  {line}", highlight=False, markup=False)
        raise typer.Exit(1) from None
    except ReskontroError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(exc.exit_code) from None


def today() -> date:
    """Today in Norway: accounting dates follow the company's time zone, not UTC."""
    return datetime.now(OSLO).date()


def parse_day(text: str | None, field: str = "date") -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)", param_hint=f"--{field}") from None


def parse_amount(text: str, field: str = "amount") -> Decimal:
    try:
        return to_decimal(text.replace(",", ".") if "." not in text else text)
    except MoneyError:
        raise typer.BadParameter(f"{text!r} is not an amount", param_hint=field) from None


def fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,.2f}".replace(",", " ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def render(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt_: Format, output: Path | None,
           title: str | None = None, totals: dict[str, Any] | None = None) -> None:
    """Rows as a Rich table, JSON array or CSV, to the terminal or a file."""
    if fmt_ is Format.table and output is None:
        table = Table(title=title, show_lines=False, header_style="bold")
        for c in columns:
            numeric = bool(rows) and isinstance(rows[0].get(c), Decimal)
            table.add_column(c, justify="right" if numeric else "left", no_wrap=numeric)
        for r in rows:
            table.add_row(*(fmt(r.get(c)) for c in columns))
        if totals:
            table.add_section()
            table.add_row(*(fmt(totals.get(c)) for c in columns), style="bold")
        console.print(table)
        console.print(f"{len(rows)} row(s)", style="dim")
        return
    data = to_json(rows) if fmt_ is Format.json else to_csv(rows, columns)
    if output is None:
        sys.stdout.buffer.write(data + (b"\n" if fmt_ is Format.json else b""))
    else:
        output.write_bytes(data)
        err.print(f"wrote {len(rows)} row(s) to {output}")


@contextmanager
def progress_bar(label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


# -- set-up --------------------------------------------------------------------------------------------


@app.command()
def init(
    company_name: Annotated[str, typer.Option(help="Name of the company to create.")] = companies.DEFAULT_COMPANY_NAME,
    org_number: Annotated[str | None, typer.Option(help="Its organisation number (9 digits).")] = None,
) -> None:
    """Create or upgrade the database, and create a company (NOK) unless one exists already."""
    a = state.app()
    a.migrate()
    existing = run(lambda: companies.list_companies(uow=a.uow(readonly=True)))
    same = [c for c in existing if c.name == company_name or (org_number and c.org_number == org_number)]
    if same:
        console.print(f"Database is up to date; company {same[0].company_id} ({same[0].name}) already exists.")
        return
    cid = run(lambda: companies.init_company(uow=a.uow(), name=company_name, org_number=org_number))
    console.print(f"Created company {cid}: {company_name}  (database: {a.settings.database_url})")


@app.command(name="check")
def check_cmd(as_of: Annotated[str | None, typer.Option("--as-of", help="Reconcile at this date (default today).")]
              = None) -> None:
    """Check the books from their rows: vouchers balance, the maintained totals are the sums of their rows, and
    the GL control accounts agree with the open items. Exit code 1 when anything is wrong."""
    a = state.app()
    cid = run(a.company_id)
    day = parse_day(as_of, "as_of") or today()
    with console.status("Recounting the ledger…"):
        found = run(lambda: reports.check_ledger(uow=a.uow(readonly=True), company_id=cid, as_of=day))
    problems = [*(f"voucher {v} does not balance" for v in found.unbalanced_vouchers),
                *(f"maintained total {d}" for d in found.totals_differences),
                *(f"control account {d}" for d in found.reconciliation_differences)]
    for line in problems:
        err.print(f"[red]✗[/red] {line}", highlight=False)
    if problems:
        raise typer.Exit(1)
    console.print(f"[green]✓[/green] The books of company {cid} check out at {day}: every voucher balances, the "
                  "maintained totals are the sums of their rows, and the control accounts agree with the open items.")


@app.command(name="companies")
def list_companies() -> None:
    """List the companies in the database."""
    a = state.app()
    rows = run(lambda: companies.list_companies(uow=a.uow(readonly=True)))
    render([{"id": c.company_id, "name": c.name, "org_number": c.org_number, "currency": c.currency} for c in rows],
           ["id", "name", "org_number", "currency"], Format.table, None)


def _prog() -> str:
    """The command as the user can type it: the venv path when the venv is not on PATH."""
    import shutil

    invoked = Path(sys.argv[0])
    if invoked.name == "reskontro" and shutil.which("reskontro") != str(invoked.resolve()) and invoked.parent.name:
        return str(invoked)
    return "reskontro"


@app.command(name="demo")
def demo_cmd(
    customers: Annotated[int, typer.Option(min=1, max=100000)] = 200,
    suppliers: Annotated[int, typer.Option(min=1, max=100000)] = 100,
    seed: Annotated[int, typer.Option()] = 2026,
    name: Annotated[str, typer.Option(help="Name of the demo company.")] = "Fjordlys Demo AS",
) -> None:
    """Create a demo company with customers, suppliers and a year of transactions."""
    a = state.app()
    a.migrate()
    day = today()
    existing = [c for c in run(lambda: companies.list_companies(uow=a.uow(readonly=True))) if c.name == name]
    if existing:
        company_id = existing[0].company_id
        console.print(f"Demo company {company_id} ({name}) is already there; give --name to make another.")
    else:
        with progress_bar("Posting a year of demo transactions", None) as advance:
            summary = run(lambda: demo.build_demo(uow_factory=a.uow, today=day, customers=customers,
                                                  suppliers=suppliers, seed=seed, name=name, progress=advance))
        company_id = summary.company_id
        console.print(f"[bold green]Demo company {company_id} created:[/bold green] {summary.customers} customers, "
                      f"{summary.suppliers} suppliers, {summary.vouchers} vouchers, {summary.matches} matches; "
                      f"yesterday's OCR file settled {summary.bank_posted} payments by itself and left "
                      f"{summary.bank_review} in the bank review queue; today's reminder proposal "
                      f"(run {summary.reminder_run}) has {summary.reminder_letters} letters to review.")
    console.print(f"Database: {a.settings.database_url}")
    prog = _prog()
    c = f"--company {company_id} "
    console.print("\nTry next:")
    for line in (f"reskontro {c}report aged --kind customer",
                 f"reskontro {c}report open-items --kind supplier --overdue-only",
                 f"reskontro {c}report reconcile",
                 f"reskontro {c}reminders runs",
                 f"reskontro {c}report ledger-spec --kind customer",
                 f"reskontro {c}report aged --kind customer --format xlsx --output aged.xlsx",
                 f"reskontro {c}report statement --party 10001 --format pdf --output 10001.pdf",
                 f"reskontro {c}party show 10001 --kind customer",
                 f"reskontro {c}party list --kind customer --search fjord",
                 f"reskontro {c}report aged --kind customer --as-of {date(day.year, 1, 1)} --format json"):
        console.print(f"  [cyan]{line.replace('reskontro ', prog + ' ')}[/cyan]", soft_wrap=True)
    username, password = run(lambda: demo.demo_login(uow_factory=a.uow, company_id=company_id))
    console.print("\n[bold]The web UI[/bold] (and the REST API, docs at /docs):")
    console.print(f"  [cyan]{prog} serve[/cyan]   (or: make serve), then open [bold]http://127.0.0.1:8000/[/bold]",
                  soft_wrap=True)
    console.print(f"  and sign in as [bold]{username}[/bold] with the password [bold]{password}[/bold] "
                  "(a new one each time the demo runs).", soft_wrap=True)


# -- parties -------------------------------------------------------------------------------------------


@party_app.command("add")
def party_add(
    kind: Annotated[Kind, typer.Argument()],
    number: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option()],
    org_number: Annotated[str | None, typer.Option()] = None,
    vat_registered: Annotated[bool, typer.Option()] = False,
    email: Annotated[str | None, typer.Option()] = None,
    phone: Annotated[str | None, typer.Option()] = None,
    address: Annotated[str | None, typer.Option()] = None,
    postal_code: Annotated[str | None, typer.Option()] = None,
    city: Annotated[str | None, typer.Option()] = None,
    country: Annotated[str, typer.Option()] = "NO",
    language: Annotated[str, typer.Option()] = "nb",
    currency: Annotated[str, typer.Option()] = "NOK",
    payment_terms: Annotated[int, typer.Option(help="Payment terms in days.")] = 14,
    credit_limit: Annotated[str | None, typer.Option()] = None,
    group: Annotated[str | None, typer.Option()] = None,
    bank_account: Annotated[str | None, typer.Option(help="Kontonummer or IBAN.")] = None,
    bic: Annotated[str | None, typer.Option()] = None,
    account: Annotated[str | None, typer.Option(help="Fixed posting rule: GL account.")] = None,
    vat_code: Annotated[str | None, typer.Option(help="Fixed posting rule: VAT code.")] = None,
    department: Annotated[str | None, typer.Option()] = None,
    project: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Create a customer or supplier."""
    a = state.app()
    card = PartyCard(kind=PartyKind(kind.value), number=number, name=name, org_number=org_number,
                     vat_registered=vat_registered, email=email, phone=phone, address=address,
                     postal_code=postal_code, city=city, country=country, language=language, currency=currency,
                     payment_terms_days=payment_terms,
                     credit_limit=parse_amount(credit_limit, "--credit-limit") if credit_limit else None,
                     group_code=group, bank_account=bank_account, bic=bic,
                     rules=PostingRules(account, vat_code, department, project))
    cid = run(a.company_id)
    run(lambda: parties.create_party(uow=a.uow(), company_id=cid, card=card))
    console.print(f"Created {kind.value} {number}: {name}")


@party_app.command("edit")
def party_edit(
    kind: Annotated[Kind, typer.Argument()],
    number: Annotated[str, typer.Argument()],
    set_: Annotated[list[str], typer.Option("--set", help="field=value, e.g. --set email=a@b.no")],
) -> None:
    """Change fields of a party card (audited)."""
    a = state.app()
    changes: dict[str, Any] = {}
    rule_fields = {"account", "vat_code", "department", "project"}
    rules: dict[str, str | None] = {}
    for item in set_:
        if "=" not in item:
            raise typer.BadParameter(f"{item!r} is not field=value", param_hint="--set")
        key, value = (s.strip() for s in item.split("=", 1))
        val: Any = value or None
        if key in rule_fields:
            rules[key] = val
            continue
        if key == "payment_terms_days":
            val = int(value)
        elif key == "credit_limit":
            val = parse_amount(value, "credit_limit") if value else None
        elif key == "vat_registered":
            val = value.lower() in ("yes", "true", "1", "ja")
        changes[key] = val
    cid = run(a.company_id)
    if rules:
        current = run(lambda: parties.get_party(uow=a.uow(readonly=True), company_id=cid, number=number,
                                                kind=kind.value)).card.rules
        changes["rules"] = PostingRules(**{**{f: getattr(current, f) for f in rule_fields}, **rules})
    run(lambda: parties.update_party(uow=a.uow(), company_id=cid, kind=PartyKind(kind.value), number=number,
                                     changes=changes))
    console.print(f"Updated {kind.value} {number}")


@party_app.command("block")
def party_block(
    kind: Annotated[Kind, typer.Argument()],
    number: Annotated[str, typer.Argument()],
    block: Annotated[str, typer.Argument(help="reminder_block, credit_stop or payment_block")],
    reason: Annotated[str | None, typer.Option(help="Why; leave out with --lift to remove.")] = None,
    lift: Annotated[bool, typer.Option(help="Remove the block.")] = False,
) -> None:
    """Set or lift a reminder block, credit stop (customers) or payment block (suppliers)."""
    a = state.app()
    if not lift and not reason:
        raise typer.BadParameter("give --reason, or --lift to remove the block", param_hint="--reason")
    cid = run(a.company_id)
    run(lambda: parties.set_block(uow=a.uow(), company_id=cid, kind=PartyKind(kind.value), number=number,
                                  block=block, reason=None if lift else reason))
    console.print(f"{'Lifted' if lift else 'Set'} {block} on {kind.value} {number}")


@party_app.command("list")
def party_list(
    kind: Annotated[Kind | None, typer.Option()] = None,
    search: Annotated[str | None, typer.Option(help="Name contains, or exact number / org number.")] = None,
    field: Annotated[str | None, typer.Option(help="Free field filter code=value.")] = None,
    limit: Annotated[int, typer.Option()] = 50,
    offset: Annotated[int, typer.Option()] = 0,
    format: Annotated[Format, typer.Option()] = Format.table,
    output: Annotated[Path | None, typer.Option()] = None,
) -> None:
    """List customers and suppliers with their open balance."""
    a = state.app()
    cid = run(a.company_id)
    ff = tuple(field.split("=", 1)) if field and "=" in field else None
    rows = run(lambda: reports.list_parties(uow=a.uow(readonly=True), company_id=cid,
                                            kind=kind.value if kind else None, search=search,
                                            free_field=ff, limit=limit, offset=offset))  # type: ignore[arg-type]
    render(rows, ["kind", "number", "name", "org_number", "currency", "balance"], format, output, title="Parties")


@party_app.command("show")
def party_show(
    number: Annotated[str, typer.Argument()],
    kind: Annotated[Kind | None, typer.Option()] = None,
    as_of: Annotated[str | None, typer.Option(help="Open items as of this date (default today).")] = None,
    format: Annotated[Format, typer.Option(help="table, or json for the whole view.")] = Format.table,
) -> None:
    """The party card, its ledger with running balance, and its open items."""
    a = state.app()
    cid = run(a.company_id)
    view = run(lambda: reports.party_view(uow=a.uow(readonly=True), company_id=cid, number=number,
                                          kind=kind.value if kind else None, as_of=parse_day(as_of, "as-of")))
    card = view.card
    if format is Format.json:
        sys.stdout.buffer.write(to_json([{"card": reports.card_dict(card), "free_fields": view.free_values,
                                          "ledger": view.ledger, "open_items": view.open_items,
                                          "balance": view.balance}]) + b"\n")
        return
    info = Table.grid(padding=(0, 2))
    info.add_column(style="bold")
    info.add_column()
    for key, value in reports.card_dict(card).items():
        if value not in (None, "", False):
            info.add_row(key, fmt(value))
    for key, value in view.free_values.items():
        info.add_row(f"free.{key}", value)
    console.print(f"[bold]{card.kind.value.title()} {card.number} — {card.name}[/bold]")
    console.print(info)
    if view.contacts:
        render(view.contacts, ["name", "role", "email", "phone"], Format.table, None, title="Contacts")
    if view.follow_ups:
        render(view.follow_ups, ["follow_up_id", "title", "owner", "due_date", "status"], Format.table, None,
               title="Follow-ups")
    if view.documents:
        render(view.documents, ["document_id", "filename", "doc_type", "size", "sha256"], Format.table, None,
               title="Documents")
    render(view.ledger, ["date", "voucher", "type", "document_number", "due_date", "currency", "currency_amount",
                         "amount", "balance"], Format.table, None, title="Ledger")
    render(view.open_items, ["document_number", "type", "date", "due_date", "kid", "currency",
                             "open_currency_amount", "open_amount"], Format.table, None, title="Open items",
           totals={"document_number": "Balance", "open_amount": view.balance})


@party_app.command("contact")
def party_contact(
    kind: Annotated[Kind, typer.Argument()], number: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option()], role: Annotated[str | None, typer.Option()] = None,
    email: Annotated[str | None, typer.Option()] = None, phone: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Add a contact person to a party."""
    a = state.app()
    cid = run(a.company_id)
    run(lambda: parties.add_contact(uow=a.uow(), company_id=cid, kind=PartyKind(kind.value), number=number,
                                    name=name, role=role, email=email, phone=phone))
    console.print(f"Added contact {name}")


@party_app.command("attach")
def party_attach(
    kind: Annotated[Kind, typer.Argument()], number: Annotated[str, typer.Argument()],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    doc_type: Annotated[str, typer.Option()] = "other",
) -> None:
    """Attach a document (stored with its SHA-256)."""
    a = state.app()
    cid = run(a.company_id)
    doc_id = run(lambda: parties.attach_document(uow=a.uow(), company_id=cid, kind=PartyKind(kind.value),
                                                 number=number, filename=file.name, content=file.read_bytes(),
                                                 doc_type=doc_type, folder=a.settings.documents_folder))
    console.print(f"Stored document {doc_id}")


@party_app.command("document")
def party_document(document_id: Annotated[int, typer.Argument()],
                   output: Annotated[Path, typer.Option(help="Where to write the file.")]) -> None:
    """Write a stored document to a file (its SHA-256 is checked)."""
    a = state.app()
    cid = run(a.company_id)
    name, _ctype, content = run(lambda: parties.read_document(uow=a.uow(readonly=True), company_id=cid,
                                                              document_id=document_id))
    output.write_bytes(content)
    console.print(f"Wrote {name} ({len(content)} bytes) to {output}")


@party_app.command("follow-up")
def party_follow_up(
    kind: Annotated[Kind, typer.Argument()], number: Annotated[str, typer.Argument()],
    title: Annotated[str, typer.Option()], note: Annotated[str | None, typer.Option()] = None,
    owner: Annotated[str | None, typer.Option()] = None, due: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Add a dated follow-up (note or task) to a party."""
    a = state.app()
    cid = run(a.company_id)
    fid = run(lambda: parties.add_follow_up(uow=a.uow(), company_id=cid, kind=PartyKind(kind.value),
                                            number=number, title=title, note=note, owner=owner,
                                            due_date=parse_day(due, "due")))
    console.print(f"Added follow-up {fid}")


@party_app.command("audit")
def party_audit(kind: Annotated[Kind, typer.Argument()], number: Annotated[str, typer.Argument()]) -> None:
    """Who changed what on a party card, and when."""
    a = state.app()
    cid = run(a.company_id)
    rows = run(lambda: parties.list_audit(uow=a.uow(readonly=True), company_id=cid, kind=PartyKind(kind.value),
                                          number=number))
    render(rows, ["at", "actor", "action", "field", "old_value", "new_value"], Format.table, None, title="Audit")


@field_app.command("define")
def field_define(
    code: Annotated[str, typer.Argument()],
    type: Annotated[str, typer.Option(help="text, number, date, bool or choice")],
    label: Annotated[str | None, typer.Option()] = None,
    choices: Annotated[str | None, typer.Option(help="Comma-separated, for choice fields.")] = None,
    required: Annotated[bool, typer.Option()] = False,
) -> None:
    """Define a free field on the party card."""
    a = state.app()
    cid = run(a.company_id)
    run(lambda: parties.define_free_field(uow=a.uow(), company_id=cid, code=code, label=label or code,
                                          field_type=type, required=required,
                                          choices=tuple(c.strip() for c in (choices or "").split(",") if c.strip())))
    console.print(f"Defined free field {code}")


@field_app.command("set")
def field_set(kind: Annotated[Kind, typer.Argument()], number: Annotated[str, typer.Argument()],
              code: Annotated[str, typer.Argument()], value: Annotated[str, typer.Argument()]) -> None:
    """Set a party's free-field value."""
    a = state.app()
    cid = run(a.company_id)
    run(lambda: parties.set_free_value(uow=a.uow(), company_id=cid, kind=PartyKind(kind.value), number=number,
                                       code=code, value=value))
    console.print(f"Set {code} on {kind.value} {number}")


@group_app.command("add")
def group_add(kind: Annotated[Kind, typer.Argument()], code: Annotated[str, typer.Argument()],
              name: Annotated[str, typer.Option()],
              control_account: Annotated[str | None, typer.Option(help="Overrides 1500/2400.")] = None) -> None:
    """Create a customer or supplier group."""
    a = state.app()
    cid = run(a.company_id)
    run(lambda: parties.create_group(uow=a.uow(), company_id=cid, kind=PartyKind(kind.value), code=code, name=name,
                                     control_account=control_account))
    console.print(f"Created {kind.value} group {code}")


# -- posting -------------------------------------------------------------------------------------------


def _post(kind: Kind, item_type: ItemType, party: str, amount: str, on: str | None, document: str | None,
          due: str | None, currency: str | None, rate: str | None, kid: str | None, text: str | None,
          applies_to: str | None, no_match: bool = False, account: str | None = None, vat_code: str | None = None,
          department: str | None = None, project: str | None = None) -> None:
    a = state.app()
    cid = run(a.company_id)
    lines: tuple[CounterLine, ...] = ()
    if account or vat_code or department or project:
        card = run(lambda: parties.get_party(uow=a.uow(readonly=True), company_id=cid, number=party,
                                             kind=kind.value)).card
        default = (card.rules.account or ("3000" if kind is Kind.customer else "4000")
                   if item_type in (ItemType.INVOICE, ItemType.CREDIT_NOTE) else None)
        acc = account or default
        if acc is None:
            raise typer.BadParameter("give --account for this type", param_hint="--account")
        lines = (CounterLine(acc, parse_amount(amount), vat_code or card.rules.vat_code,
                             department or card.rules.department, project or card.rules.project, text),)
    req = posting.PostingRequest(
        kind=PartyKind(kind.value), item_type=item_type, party_number=party, doc_date=parse_day(on) or today(),
        amount=parse_amount(amount), document_number=document, due_date=parse_day(due, "due"), currency=currency,
        rate=parse_amount(rate, "--rate") if rate else None, kid=kid, description=text, applies_to=applies_to,
        lines=lines)
    result = run(lambda: posting.post_transaction(uow=a.uow(), company_id=cid, request=req, auto_match=not no_match))
    console.print(f"Posted {result.voucher_ref} ({item_type.value} {result.document_number}), item {result.item_id}")
    for m in result.matches:
        console.print(f"  matched {m.amount} by {m.method} (match {m.match_id}"
                      + (f", exchange difference voucher {m.fx_voucher_id}" if m.fx_voucher_id else "") + ")")


_K = Annotated[Kind, typer.Argument(help="customer or supplier")]
_P = Annotated[str, typer.Argument(help="Party number")]
_A = Annotated[str, typer.Argument(help="Amount (positive)")]
_D = Annotated[str | None, typer.Option("--date", help="Document date (default today)")]
_DOC = Annotated[str | None, typer.Option("--document", help="Document number")]
_CUR = Annotated[str | None, typer.Option(help="Currency (default the party's)")]
_RATE = Annotated[str | None, typer.Option(help="Exchange rate (default from the rate table)")]
_KID = Annotated[str | None, typer.Option(help="KID (MOD10 or MOD11)")]
_TEXT = Annotated[str | None, typer.Option("--text", help="Description")]
_APPLIES = Annotated[str | None, typer.Option(help="Document this settles")]
_ACC = Annotated[str | None, typer.Option("--account", help="Counter account (default: the card's posting rule)")]
_VAT = Annotated[str | None, typer.Option("--vat-code", help="VAT code (default: the card's posting rule)")]
_DEP = Annotated[str | None, typer.Option("--department", help="Department dimension")]
_PRJ = Annotated[str | None, typer.Option("--project", help="Project dimension")]


@post_app.command("invoice")
def post_invoice(kind: _K, party: _P, amount: _A, on: _D = None, document: _DOC = None,
                 due: Annotated[str | None, typer.Option(help="Due date (default from payment terms)")] = None,
                 currency: _CUR = None, rate: _RATE = None, kid: _KID = None, text: _TEXT = None,
                 account: _ACC = None, vat_code: _VAT = None, department: _DEP = None, project: _PRJ = None) -> None:
    """Post an invoice (amount incl. VAT; the party's posting rules give account and VAT code)."""
    _post(kind, ItemType.INVOICE, party, amount, on, document, due, currency, rate, kid, text, None,
          account=account, vat_code=vat_code, department=department, project=project)


@post_app.command("credit-note")
def post_credit_note(kind: _K, party: _P, amount: _A, on: _D = None, document: _DOC = None, currency: _CUR = None,
                     rate: _RATE = None, text: _TEXT = None, applies_to: _APPLIES = None, account: _ACC = None,
                     vat_code: _VAT = None, department: _DEP = None, project: _PRJ = None) -> None:
    """Post a credit note; it settles the invoice it applies to (or is auto-matched)."""
    _post(kind, ItemType.CREDIT_NOTE, party, amount, on, document, None, currency, rate, None, text, applies_to,
          account=account, vat_code=vat_code, department=department, project=project)


@post_app.command("payment")
def post_payment(kind: _K, party: _P, amount: _A, on: _D = None, document: _DOC = None, currency: _CUR = None,
                 rate: _RATE = None, kid: _KID = None, text: _TEXT = None, applies_to: _APPLIES = None,
                 no_match: Annotated[bool, typer.Option(help="Leave it unmatched.")] = False) -> None:
    """Post a payment (received from a customer or paid to a supplier) and auto-match it."""
    _post(kind, ItemType.PAYMENT, party, amount, on, document, None, currency, rate, kid, text, applies_to, no_match)


@post_app.command("write-off")
def post_write_off(kind: _K, party: _P, amount: _A, on: _D = None, document: _DOC = None, currency: _CUR = None,
                   rate: _RATE = None, text: _TEXT = None, applies_to: _APPLIES = None) -> None:
    """Write off (customers: to 7830 bad debt) or adjust (suppliers) part of what is open."""
    _post(kind, ItemType.WRITE_OFF, party, amount, on, document, None, currency, rate, None, text, applies_to)


@post_app.command("opening-balance")
def post_opening(kind: _K, party: _P, amount: Annotated[str, typer.Argument(help="Natural sign; negative=credit")],
                 on: _D = None, document: _DOC = None,
                 due: Annotated[str | None, typer.Option(help="Due date")] = None, currency: _CUR = None,
                 rate: _RATE = None, kid: _KID = None, text: _TEXT = None) -> None:
    """Post an opening balance item (migration) against the migration account."""
    _post(kind, ItemType.OPENING_BALANCE, party, amount, on, document, due, currency, rate, kid, text, None)


@app.command("match")
def match_cmd(item_a: Annotated[int, typer.Argument()], item_b: Annotated[int, typer.Argument()],
              amount: Annotated[str | None, typer.Option(help="Partial amount (default: all that fits)")] = None
              ) -> None:
    """Match two open items of the same party (utligning)."""
    a = state.app()
    cid = run(a.company_id)
    made = run(lambda: posting.match_items(uow=a.uow(), company_id=cid, item_a=item_a, item_b=item_b,
                                           amount=parse_amount(amount) if amount else None))
    console.print(f"Match {made.match_id}: {made.amount}"
                  + (f" (exchange difference voucher {made.fx_voucher_id})" if made.fx_voucher_id else ""))


@app.command("unmatch")
def unmatch_cmd(match_id: Annotated[int, typer.Argument()]) -> None:
    """Undo a match (recorded as a dated unmatch event; history is kept)."""
    a = state.app()
    cid = run(a.company_id)
    new_id = run(lambda: posting.unmatch(uow=a.uow(), company_id=cid, match_id=match_id))
    console.print(f"Unmatched {match_id} (event {new_id})")


@voucher_app.command("reverse")
def voucher_reverse(ref: Annotated[str, typer.Argument(help="e.g. SF2026-15")],
                    on: _D = None, reason: Annotated[str | None, typer.Option()] = None) -> None:
    """Reverse a posted voucher (the original is never changed)."""
    a = state.app()
    cid = run(a.company_id)
    result = run(lambda: posting.reverse_voucher(uow=a.uow(), company_id=cid, voucher_ref=ref, on=parse_day(on),
                                                 reason=reason))
    console.print(f"Reversed {ref} with {result.voucher_ref}"
                  + (f"; unmatched {len(result.unmatched)} match(es)" if result.unmatched else ""))


@voucher_app.command("show")
def voucher_show(ref: Annotated[str, typer.Argument(help="e.g. SF2026-15")]) -> None:
    """A voucher's lines."""
    a = state.app()
    cid = run(a.company_id)
    head = run(lambda: listings.voucher_detail(uow=a.uow(readonly=True), company_id=cid, voucher_ref=ref))
    lines = head["lines"]
    console.print(f"[bold]{ref}[/bold] {head['voucher_type']} {head['date']} {head['description'] or ''}"
                  + (f" (reverses voucher {head['reverses']})" if head.get("reverses") else "")
                  + (f" (reversed by {head['reversed_by']})" if head.get("reversed_by") else ""))
    render(lines, ["line_no", "account", "party", "vat_code", "department", "project", "currency", "currency_amount",
                   "debit", "credit"],
           Format.table, None)


# -- periods and rates ------------------------------------------------------------------------------------


@period_app.command("close")
def period_close(period: Annotated[str, typer.Argument(help="YYYY-MM")]) -> None:
    """Close a month: nothing can be posted into it afterwards."""
    a = state.app()
    cid = run(a.company_id)
    p = run(lambda: Period.parse(period))
    run(lambda: companies.close_period(uow=a.uow(), company_id=cid, period=p))
    console.print(f"Closed {p}")


@period_app.command("reopen")
def period_reopen(period: Annotated[str, typer.Argument(help="YYYY-MM")]) -> None:
    """Reopen a closed month."""
    a = state.app()
    cid = run(a.company_id)
    p = run(lambda: Period.parse(period))
    run(lambda: companies.reopen_period(uow=a.uow(), company_id=cid, period=p))
    console.print(f"Reopened {p}")


@rate_app.command("set")
def rate_set(currency: Annotated[str, typer.Argument()], on: Annotated[str, typer.Argument(help="YYYY-MM-DD")],
             rate: Annotated[str, typer.Argument(help="Company currency per unit")]) -> None:
    """Record an exchange rate valid from a date."""
    a = state.app()
    cid = run(a.company_id)
    day = parse_day(on)
    assert day is not None
    run(lambda: companies.set_rate(uow=a.uow(), company_id=cid, currency=currency, on=day, rate=rate))
    console.print(f"{currency} = {rate} from {on}")


# -- imports -----------------------------------------------------------------------------------------------


def _import(fn: Callable[..., imports.ImportSummary], file: Path, label: str) -> None:
    a = state.app()
    cid = run(a.company_id)
    total = None
    with file.open("rb") as fh:
        if fh.read(4) != b"PK\x03\x04":  # CSV: one row a line, so the bar can show how far it is
            fh.seek(0)
            total = max(sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b"")) - 1, 0)
    with file.open("rb") as data, progress_bar(f"Importing {label}", total) as advance:
        summary = run(lambda: fn(uow=a.uow(), company_id=cid, data=data, filename=file.name, progress=advance))
    console.print(f"{summary.rows} rows: {summary.created} posted/created, {summary.updated} updated, "
                  f"{summary.skipped} already there" + (f", {summary.matches} matches" if summary.matches else ""))


_FILE = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV or XLSX")]


@import_app.command("parties")
def import_parties(file: _FILE) -> None:
    """Import customers and suppliers (all rows or none; re-import changes only what differs)."""
    _import(imports.import_parties, file, "parties")


@import_app.command("transactions")
def import_transactions(file: _FILE) -> None:
    """Import invoices, credit notes and payments (all rows or none; re-import posts nothing new)."""
    _import(imports.import_transactions, file, "transactions")


def main() -> None:
    try:
        app()
    except ValidationFailed as exc:  # pragma: no cover - raised outside run()
        err.print(f"error: {exc}")
        sys.exit(1)


# The report commands are generated from the report catalogue (they register on report_app).
from reskontro.cli import reports as _reports  # noqa: E402, F401
from reskontro.cli.bank import bank_app  # noqa: E402
from reskontro.cli.pay import pay_app  # noqa: E402
from reskontro.cli.reminders import reminders_app  # noqa: E402
from reskontro.cli.serve import serve_command  # noqa: E402
from reskontro.cli.users import users_app  # noqa: E402

app.add_typer(users_app, name="user")
app.add_typer(bank_app, name="bank")
app.add_typer(pay_app, name="pay")
app.add_typer(reminders_app, name="reminders")
app.command("serve", help="Run the web UI and the REST API (uvicorn) on this database.")(serve_command)

if __name__ == "__main__":  # pragma: no cover
    main()
