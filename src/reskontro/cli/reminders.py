"""``reskontro reminders …``: rate tables, routines, disputes and promises, and reminder runs (propose, approve,
deliver, print) — with ``run --auto`` for cron."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from reskontro.cli.app import Format, console, fmt, parse_day, render, run, state
from reskontro.domain.errors import ValidationFailed
from reskontro.domain.parties import PartyKind
from reskontro.domain.reminders import Channel, FeeBasis, Level, LevelType, Routine, explain
from reskontro.services import reminders as rem

reminders_app = typer.Typer(no_args_is_help=True, help="Reminders (purring), late-payment interest and the rate "
                                                       "tables behind them.")

_RUN = Annotated[int, typer.Argument(help="The reminder run's id (see `reskontro reminders runs`).")]
_ITEM = Annotated[int, typer.Argument(help="The item's id (see `reskontro report open-items`).")]
_DATE = Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD (default: today)")]


def _summary(s: rem.RunSummary) -> None:
    if s.run_id is None:
        console.print(f"nothing to remind on {s.run_date.isoformat()}"
                      + (f" ({s.skipped} letters below their minimum)" if s.skipped else ""))
    else:
        console.print(f"run {s.run_id} {s.status}: {s.letters} letters, {s.claims} claims, fees {fmt(s.fees)}, "
                      f"compensation {fmt(s.compensation)}, interest {fmt(s.interest)}, "
                      f"{s.to_collection} to collection" + (f", {s.skipped} below minimum" if s.skipped else ""))
    for w in s.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}")


# -- rates ---------------------------------------------------------------------------------------------------------


@reminders_app.command("rates")
def rates(fmt_: Annotated[Format, typer.Option("--format")] = Format.table,
          output: Annotated[Path | None, typer.Option("--output", "-o")] = None) -> None:
    """The dated legal rates: inkassosats, fee fractions, late-payment interest, § 3a compensation."""
    a = state.app()
    cid = run(a.company_id)
    rows = [{"kind": r.kind, "valid_from": r.valid_from, "value": r.value, "unit": r.unit, "source": r.source}
            for r in run(lambda: rem.list_rates(uow=a.uow(readonly=True), company_id=cid))]
    render(rows, ["kind", "valid_from", "value", "unit", "source"], fmt_, output, title="Legal rates")


@reminders_app.command("rate-set")
def rate_set(kind: Annotated[str, typer.Argument(help="inkassosats, reminder_fee_fraction, warning_fee_fraction, "
                                                      "late_interest or b2b_compensation")],
             valid_from: Annotated[str, typer.Argument(help="YYYY-MM-DD")],
             value: Annotated[str, typer.Argument(help="NOK, a fraction (0.05) or percent a year")],
             source: Annotated[str, typer.Option(help="Where the rate comes from (regulation, link)")]) -> None:
    """Add a dated rate, or correct the one of that kind and date."""
    a = state.app()
    cid = run(a.company_id)
    day = parse_day(valid_from, "valid_from")
    assert day is not None
    r = run(lambda: rem.set_legal_rate(uow=a.uow(), company_id=cid, kind=kind, valid_from=day, value=value,
                                       source=source))
    console.print(f"{r.kind} from {r.valid_from.isoformat()}: {r.value} {r.unit}")


@reminders_app.command("rate-delete")
def rate_delete(kind: str, valid_from: Annotated[str, typer.Argument(help="YYYY-MM-DD")]) -> None:
    a = state.app()
    cid = run(a.company_id)
    day = parse_day(valid_from, "valid_from")
    assert day is not None
    run(lambda: rem.delete_legal_rate(uow=a.uow(), company_id=cid, kind=kind, valid_from=day))
    console.print(f"deleted {kind} from {valid_from}")


# -- routines ------------------------------------------------------------------------------------------------------


def routine_to_json(view: rem.RoutineView) -> dict[str, Any]:
    r = view.routine
    return {"code": r.code, "name": r.name, "default": view.is_default, "active": view.active,
            "version": view.version, "automatic": r.automatic, "fee_basis": r.fee_basis.value,
            "b2b_compensation": r.b2b_compensation, "late_payment_interest": r.late_payment_interest,
            "min_interest": str(r.min_interest),
            "levels": [{"level_type": lv.level_type.value, "days_after": lv.days_after,
                        "deadline_days": lv.deadline_days, "min_amount": str(lv.min_amount),
                        "charge_fee": lv.charge_fee, "charge_interest": lv.charge_interest,
                        "channels": [c.value for c in lv.channels], "titles": dict(lv.titles),
                        "texts": dict(lv.texts)} for lv in r.levels]}


def routine_from_json(data: dict[str, Any]) -> tuple[Routine, bool, bool, int | None]:
    """A routine from its JSON form (as ``routine-show --format json`` writes it); errors name the field."""
    try:
        levels = tuple(Level(n, LevelType(lv["level_type"]), int(lv["days_after"]), int(lv["deadline_days"]),
                             Decimal(str(lv.get("min_amount", "0"))), bool(lv.get("charge_fee", True)),
                             bool(lv.get("charge_interest", False)),
                             tuple(Channel(c) for c in lv.get("channels", ["letter"])), dict(lv.get("titles", {})),
                             dict(lv.get("texts", {})))
                       for n, lv in enumerate(data["levels"], start=1))
        routine = Routine(0, str(data["code"]), str(data.get("name", data["code"])), levels,
                          bool(data.get("automatic", False)), FeeBasis(data.get("fee_basis", "letter")),
                          bool(data.get("b2b_compensation", False)), bool(data.get("late_payment_interest", False)),
                          Decimal(str(data.get("min_interest", "0"))))
    except KeyError as exc:
        raise ValidationFailed(f"the routine lacks {exc.args[0]!r}", field=str(exc.args[0])) from None
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise ValidationFailed(f"the routine has a bad value: {exc}", field="routine") from None
    version = data.get("version")
    return routine, bool(data.get("default", False)), bool(data.get("active", True)), \
        None if version is None else int(version)


def _read_json(file: Path) -> dict[str, Any]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(f"{file}: {exc}", field="file") from None
    if not isinstance(data, dict):
        raise ValidationFailed(f"{file}: a routine is a JSON object", field="file")
    return data


def _refuse(message: str, field: str) -> None:
    raise ValidationFailed(message, field=field)


@reminders_app.command("routines")
def routines() -> None:
    """The reminder routines with their levels."""
    a = state.app()
    cid = run(a.company_id)
    for view in run(lambda: rem.list_routines(uow=a.uow(readonly=True), company_id=cid)):
        r = view.routine
        flags = [x for x, on in (("default", view.is_default), ("automatic", r.automatic),
                                 ("§ 3a compensation", r.b2b_compensation),
                                 ("interest notes", r.late_payment_interest), ("off", not view.active)) if on]
        console.print(f"[bold]{r.code}[/bold] {r.name} ({', '.join(flags) or 'manual'}; fee per {r.fee_basis.value})")
        for lv in r.levels:
            console.print(f"  {lv.level_no}. {lv.level_type.value}: +{lv.days_after} days, pay within "
                          f"{lv.deadline_days} days{', fee' if lv.charge_fee else ''}"
                          f"{', interest' if lv.charge_interest else ''}; "
                          f"{'/'.join(c.value for c in lv.channels) or 'no letter'}")


@reminders_app.command("routine-show")
def routine_show(code: str) -> None:
    """A routine as JSON: edit it and give it back to ``routine-save``."""
    a = state.app()
    cid = run(a.company_id)
    view = run(lambda: rem.get_routine(uow=a.uow(readonly=True), company_id=cid, code=code))
    console.print_json(json.dumps(routine_to_json(view), ensure_ascii=False))


@reminders_app.command("routine-save")
def routine_save(file: Annotated[Path, typer.Argument(help="The routine as JSON (see routine-show)")]) -> None:
    """Create a routine, or replace the one with its code."""
    a = state.app()
    cid = run(a.company_id)
    routine, default, active, version = run(lambda: routine_from_json(_read_json(file)))
    view = run(lambda: rem.save_routine(uow=a.uow(), company_id=cid, routine=routine, is_default=default,
                                        active=active, version=version))
    console.print(f"saved routine {view.routine.code} (version {view.version})")


@reminders_app.command("assign")
def assign(routine: Annotated[str | None, typer.Argument(help="Routine code; leave out to go back to the default")]
           = None, customer: Annotated[str | None, typer.Option(help="Customer number")] = None,
           group: Annotated[str | None, typer.Option(help="Customer group code")] = None) -> None:
    """Give a customer or a customer group its own routine."""
    a = state.app()
    cid = run(a.company_id)
    run(lambda: rem.assign_routine(uow=a.uow(), company_id=cid, routine_code=routine, customer=customer,
                                   group=group))
    console.print(f"{'customer ' + customer if customer else 'group ' + str(group)}: {routine or 'default'}")


# -- runs ----------------------------------------------------------------------------------------------------------


@reminders_app.command("propose")
def propose(on: _DATE = None, routine: Annotated[str | None, typer.Option(help="Only this routine")] = None) -> None:
    """Propose the day's reminders: which items get which level, with fees and interest. Posts nothing."""
    a = state.app()
    cid = run(a.company_id)
    _summary(run(lambda: rem.propose_run(uow=a.uow(), company_id=cid, on=parse_day(on), routine=routine)))


@reminders_app.command("show")
def show(run_id: _RUN, why: Annotated[bool, typer.Option("--why", help="Show why each amount was charged")] = False,
         fmt_: Annotated[Format, typer.Option("--format")] = Format.table,
         output: Annotated[Path | None, typer.Option("--output", "-o")] = None) -> None:
    """A run's letters and their items."""
    a = state.app()
    cid = run(a.company_id)
    d = run(lambda: rem.get_run(uow=a.uow(readonly=True), company_id=cid, run_id=run_id))
    rows = []
    for r in d.reminders:
        for ln in r.lines:
            rows.append({"reminder": r.reminder_id, "customer": r.party_number, "name": r.party_name,
                         "level": f"{r.level_no} {r.level_type}", "deadline": r.deadline,
                         "document": ln["document_number"], "due": ln["due_date"], "currency": ln["currency"],
                         "open": ln["open"], "fee": ln["fee"] + ln["compensation"], "interest": ln["interest"],
                         "channel": r.channel, "delivery": r.delivery,
                         "why": " ".join(explain(x, "en") for x in ln["reasons"]) if why else ""})
    cols = ["reminder", "customer", "name", "level", "deadline", "document", "due", "currency", "open", "fee",
            "interest", "channel", "delivery"] + (["why"] if why else [])
    render(rows, cols, fmt_, output, title=f"Reminder run {d.run_id} ({d.status}, {d.run_date.isoformat()})")


@reminders_app.command("runs")
def runs(fmt_: Annotated[Format, typer.Option("--format")] = Format.table) -> None:
    a = state.app()
    cid = run(a.company_id)
    rows = run(lambda: rem.list_runs(uow=a.uow(readonly=True), company_id=cid))
    render(rows, ["run_id", "run_date", "status", "automatic", "letters", "fees", "failed", "created_by",
                  "approved_by"], fmt_, None, title="Reminder runs")


@reminders_app.command("approve")
def approve(run_id: _RUN, send: Annotated[bool, typer.Option(help="E-mail the letters at once")] = True) -> None:
    """Post the proposal's fees and interest, archive its letters; then e-mail those that go by e-mail."""
    a = state.app()
    cid = run(a.company_id)
    _summary(run(lambda: rem.approve_run(uow=a.uow(), company_id=cid, run_id=run_id)))
    if send:
        _deliver(run_id)


@reminders_app.command("cancel")
def cancel(run_id: _RUN) -> None:
    a = state.app()
    cid = run(a.company_id)
    run(lambda: rem.cancel_run(uow=a.uow(), company_id=cid, run_id=run_id))
    console.print(f"run {run_id} cancelled")


def _deliver(run_id: int | None) -> None:
    a = state.app()
    cid = run(a.company_id)
    result = run(lambda: rem.deliver(uow=a.uow(), company_id=cid, mailer=a.mailer(), run_id=run_id))
    console.print(f"e-mailed {result.sent}, failed {result.failed} (retried later), to print {result.to_print}")
    for e in result.errors:
        console.print(f"[yellow]{e}[/yellow]")


@reminders_app.command("deliver")
def deliver(run_id: Annotated[int | None, typer.Option("--run", help="Only this run")] = None) -> None:
    """Send the e-mails still to send, retrying earlier failures."""
    _deliver(run_id)


@reminders_app.command("print")
def print_(output: Annotated[Path, typer.Option("--output", "-o", help="The PDF to write")],
           run_id: Annotated[int | None, typer.Option("--run", help="Only this run")] = None) -> None:
    """One PDF of every letter still to print, for the mailing machine; they are then marked printed."""
    a = state.app()
    cid = run(a.company_id)
    found = run(lambda: rem.print_batch(uow=a.uow(), company_id=cid, run_id=run_id))
    if found is None:
        console.print("nothing to print")
        return
    output.write_bytes(found[1])
    console.print(f"wrote {output}")


@reminders_app.command("letter")
def letter(reminder_id: Annotated[int, typer.Argument(help="The reminder's id (see `reminders show`)")],
           output: Annotated[Path, typer.Option("--output", "-o")]) -> None:
    """One letter as PDF: the archived one, or a preview of a proposal's."""
    a = state.app()
    cid = run(a.company_id)
    output.write_bytes(run(lambda: rem.letter_preview(uow=a.uow(readonly=True), company_id=cid,
                                                      reminder_id=reminder_id)))
    console.print(f"wrote {output}")


@reminders_app.command("run")
def run_cmd(auto: Annotated[bool, typer.Option("--auto", help="Run the automatic routines (for cron)")] = False,
            on: _DATE = None) -> None:
    """``--auto``: propose and approve the automatic routines' reminders, post interest notes for late payments
    and send the e-mails. Safe to run any number of times a day."""
    if not auto:
        run(lambda: _refuse("say --auto (or use propose and approve)", "auto"))
    a = state.app()
    cid = run(a.company_id)
    result = run(lambda: rem.run_automatic(uow=a.uow(), company_id=cid, mailer=a.mailer(), on=parse_day(on)))
    if result.run is None:
        console.print("no automatic routine")
    else:
        _summary(result.run)
    if result.interest_notes is not None:
        notes = result.interest_notes
        console.print(f"interest notes: {notes.letters}, interest {fmt(notes.interest)}")
    d = result.delivery
    console.print(f"e-mailed {d.sent}, failed {d.failed}, to print {d.to_print}")


@reminders_app.command("interest-notes")
def interest_notes(on: _DATE = None, since: Annotated[str | None, typer.Option(help="Payments from this day")]
                   = None) -> None:
    """Interest notes (rentenota) for invoices paid late, under routines that ask for them."""
    a = state.app()
    cid = run(a.company_id)
    s = run(lambda: rem.interest_notes(uow=a.uow(), company_id=cid, on=parse_day(on),
                                       since=parse_day(since, "since")))
    if s is None:
        console.print("no interest to charge")
    else:
        _summary(s)


@reminders_app.command("history")
def history(customer: str, fmt_: Annotated[Format, typer.Option("--format")] = Format.table) -> None:
    """A customer's reminders: level, date, channel, delivery, and the letter's document id."""
    a = state.app()
    cid = run(a.company_id)
    rows = [{"reminder": v.reminder_id, "date": v.letter_date, "level": f"{v.level_no} {v.level_type}",
             "deadline": v.deadline, "documents": ", ".join(x["document_number"] for x in v.lines),
             "fee": v.fee + v.compensation, "interest": v.interest, "channel": v.channel, "delivery": v.delivery,
             "document_id": v.document_id}
            for v in run(lambda: rem.party_reminders(uow=a.uow(readonly=True), company_id=cid,
                                                     kind=PartyKind.CUSTOMER, number=customer))]
    render(rows, ["reminder", "date", "level", "deadline", "documents", "fee", "interest", "channel", "delivery",
                  "document_id"], fmt_, None, title=f"Reminders of customer {customer}")


# -- disputes and promises -----------------------------------------------------------------------------------------


@reminders_app.command("dispute")
def dispute(item_id: _ITEM, reason: Annotated[str, typer.Option(help="Why the customer disputes it")],
            owner: Annotated[str | None, typer.Option(help="Who follows it up (default: you)")] = None,
            deadline: Annotated[str | None, typer.Option(help="Resolve by YYYY-MM-DD")] = None) -> None:
    """Mark an item disputed: reminders and interest pause."""
    a = state.app()
    cid = run(a.company_id)
    run(lambda: rem.dispute_item(uow=a.uow(), company_id=cid, item_id=item_id, reason=reason, owner=owner,
                                 deadline=parse_day(deadline, "deadline")))
    console.print(f"item {item_id} disputed")


@reminders_app.command("resolve")
def resolve(item_id: _ITEM, resolution: Annotated[str, typer.Option(help="How it was resolved")]) -> None:
    a = state.app()
    cid = run(a.company_id)
    run(lambda: rem.resolve_dispute(uow=a.uow(), company_id=cid, item_id=item_id, resolution=resolution))
    console.print(f"item {item_id}: dispute resolved")


@reminders_app.command("disputes")
def disputes(all_: Annotated[bool, typer.Option("--all", help="Also resolved ones")] = False) -> None:
    a = state.app()
    cid = run(a.company_id)
    rows = run(lambda: rem.list_disputes(uow=a.uow(readonly=True), company_id=cid, open_only=not all_))
    render(rows, ["item_id", "party_number", "party_name", "document_number", "reason", "owner", "deadline",
                  "opened_on", "closed_on", "resolution"], Format.table, None, title="Disputes")


@reminders_app.command("promise")
def promise(item_id: _ITEM, promised: Annotated[str | None, typer.Argument(help="YYYY-MM-DD; leave out to clear")]
            = None) -> None:
    """The customer promised to pay by a date: no reminder until it has passed."""
    a = state.app()
    cid = run(a.company_id)
    day: date | None = parse_day(promised, "promised")
    run(lambda: rem.promise_payment(uow=a.uow(), company_id=cid, item_id=item_id, promised=day))
    console.print(f"item {item_id}: promised {promised or '(cleared)'}")
