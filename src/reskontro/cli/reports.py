"""``reskontro report <name>``: one command per report in the catalogue, generated from its parameters.

Every report takes ``--format table|json|csv|xlsx`` (and ``pdf`` for a statement), ``--output FILE``,
``--separator ';'`` for Norwegian Excel, and ``--save NAME`` to keep the parameters as a saved query.
"""

from __future__ import annotations

import inspect
import sys
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO, cast

import typer
from rich.table import Table

from reskontro.cli.app import console, err, fmt, report_app, run, state
from reskontro.formats.tabular.export import ColumnKind
from reskontro.services import report_catalog as catalog
from reskontro.services.report_catalog import FIELD_PREFIX, REPORTS, Param, ReportResult, ReportSpec


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"
    pdf = "pdf"


_NUMERIC = (ColumnKind.AMOUNT, ColumnKind.INTEGER, ColumnKind.RATE)


def print_table(result: ReportResult) -> None:
    table = Table(title=result.title, header_style="bold")
    for c in result.columns:
        numeric = c.kind in _NUMERIC
        table.add_column(c.title, justify="right" if numeric else "left", no_wrap=numeric)
    count = 0
    for row in result.rows:
        table.add_row(*(fmt(row.get(c.key)) for c in result.columns))
        count += 1
    if result.totals:
        table.add_section()
        table.add_row(*(fmt(result.totals.get(c.key)) for c in result.columns), style="bold")
    console.print(table)
    for name, value in result.summary:
        console.print(f"{name}: {value}", highlight=False)
    console.print(f"{count} row(s)", style="dim")


def write_result(result: ReportResult, fmt_: ReportFormat, output: Path | None, separator: str) -> int:
    """Write a report in a file format to ``output`` (or stdout); returns the number of rows."""
    if fmt_ is ReportFormat.xlsx and output is None:
        raise typer.BadParameter("an Excel file needs --output FILE", param_hint="--output")
    with (output.open("wb") if output else _stdout()) as out:
        # The catalogue picks the way: the database formats the rows where the report can have it do so.
        n = catalog.write_report(result, out, fmt=fmt_.value, separator=separator, run_at=datetime.now(UTC))
        if fmt_ is ReportFormat.json and output is None:
            out.write(b"\n")
    if output is not None:
        err.print(f"wrote {n} row(s) to {output}")
    return n


class _stdout:
    def __enter__(self) -> BinaryIO:
        return cast(BinaryIO, sys.stdout.buffer)

    def __exit__(self, *exc: object) -> None:
        sys.stdout.buffer.flush()


def show(result: ReportResult, fmt_: ReportFormat, output: Path | None, separator: str) -> None:
    try:
        if fmt_ is ReportFormat.table and output is None:
            print_table(result)
        elif fmt_ is ReportFormat.table:
            raise typer.BadParameter("a table is for the terminal; choose --format csv, json or xlsx for a file",
                                     param_hint="--format")
        else:
            write_result(result, fmt_, output, separator)
    finally:
        result.close()


def _raw(spec: ReportSpec, values: dict[str, Any], fields: list[str]) -> dict[str, str | None]:
    raw: dict[str, str | None] = {}
    for p in spec.params:
        value = values.get(p.name)
        if isinstance(value, bool):
            raw[p.name] = "yes" if value else None
        elif value is not None:
            raw[p.name] = str(value)
    for item in fields:
        code, sep, val = item.partition("=")
        if not sep or not code.strip():
            raise typer.BadParameter(f"{item!r} is not CODE=VALUE", param_hint="--field")
        raw[f"{FIELD_PREFIX}{code.strip()}"] = val
    return raw


def _option(p: Param) -> inspect.Parameter:
    flag = "--" + p.name.replace("_", "-")
    hint = p.help + (f" [{'|'.join(p.choices)}]" if p.choices else "")
    if p.kind == "bool" and p.default == "no":
        default = typer.Option(False, flag, help=hint)
        annotation: Any = bool
    else:
        default = typer.Option(None, flag, help=hint + (f" (default {p.default})" if p.default else ""))
        annotation = str | None
    return inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


def _pdf(result_spec: ReportSpec, raw: dict[str, str | None], output: Path | None) -> None:
    from reskontro.services.statements import statement_pdf

    if result_spec.name != "statement":
        raise typer.BadParameter("only a statement is made as PDF", param_hint="--format")
    if output is None:
        raise typer.BadParameter("a PDF needs --output FILE", param_hint="--output")
    a = state.app()
    cid = run(a.company_id)
    data = run(lambda: statement_pdf(uow=a.uow(readonly=True), company_id=cid, params=raw))
    output.write_bytes(data)
    err.print(f"wrote {output} ({len(data)} bytes)")


def _command(spec: ReportSpec) -> None:
    def command(**kwargs: Any) -> None:
        fmt_: ReportFormat = kwargs.pop("format")
        output: Path | None = kwargs.pop("output")
        separator: str = kwargs.pop("separator")
        save: str | None = kwargs.pop("save")
        fields: list[str] = kwargs.pop("field", None) or []
        if separator not in (",", ";"):
            raise typer.BadParameter("the separator is , or ;", param_hint="--separator")
        raw = _raw(spec, kwargs, fields)
        if fmt_ is ReportFormat.pdf:
            _pdf(spec, raw, output)
            return
        a = state.app()
        cid = run(a.company_id)
        result = run(lambda: catalog.run_report(uow=a.uow(readonly=True), company_id=cid, name=spec.name,
                                                params=raw))
        if save:
            _save(cid, save, spec.name, raw)
        show(result, fmt_, output, separator)
        if spec.name == "reconcile" and any(r.get("difference") for r in _rows_of(result)):
            err.print("[red]The sub-ledger does not agree with the GL.[/red]")
            raise typer.Exit(1)
        if spec.name == "ledger-spec" and catalog.ledger_difference(result) != Decimal(0):
            err.print("[red]The sub-ledger does not agree with the GL.[/red]")
            raise typer.Exit(1)

    params = [_option(p) for p in spec.params]
    if spec.free_fields:
        params.append(inspect.Parameter("field", inspect.Parameter.KEYWORD_ONLY, annotation=list[str] | None,
                                        default=typer.Option(None, "--field", help="Free-field filter CODE=VALUE "
                                                                                    "(repeat for more)")))
    params += [
        inspect.Parameter("format", inspect.Parameter.KEYWORD_ONLY, annotation=ReportFormat,
                          default=typer.Option(ReportFormat.table, "--format", help="table, json, csv, xlsx"
                                               + (" or pdf" if spec.name == "statement" else ""))),
        inspect.Parameter("output", inspect.Parameter.KEYWORD_ONLY, annotation=Path | None,
                          default=typer.Option(None, "--output", help="Write to this file")),
        inspect.Parameter("separator", inspect.Parameter.KEYWORD_ONLY, annotation=str,
                          default=typer.Option(",", "--separator", help="CSV separator: , or ; (decimal comma)")),
        inspect.Parameter("save", inspect.Parameter.KEYWORD_ONLY, annotation=str | None,
                          default=typer.Option(None, "--save", help="Also save these parameters as a named query")),
    ]
    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in params} | {"return": None}
    command.__doc__ = spec.help
    report_app.command(spec.name, help=spec.help)(command)


def _rows_of(result: ReportResult) -> list[dict[str, Any]]:
    rows = result.rows
    return rows if isinstance(rows, list) else []


def _save(cid: int, name: str, report: str, raw: dict[str, str | None]) -> None:
    from reskontro.services import saved_queries

    a = state.app()
    params = {k: v for k, v in raw.items() if v is not None}
    run(lambda: saved_queries.save_query(uow=a.uow(), company_id=cid, owner=a.settings.actor, name=name,
                                         report=report, parameters=params))
    err.print(f"saved as {name!r}: reskontro report saved {name}")


for _spec in REPORTS.values():
    _command(_spec)


@report_app.command("saved")
def report_saved(
    name: str | None = typer.Argument(None, help="The saved query to run; none lists them"),
    delete: bool = typer.Option(False, "--delete", help="Delete the saved query instead of running it"),
    format: ReportFormat = typer.Option(ReportFormat.table, "--format", help="table, json, csv or xlsx"),
    output: Path | None = typer.Option(None, "--output", help="Write to this file"),
    separator: str = typer.Option(",", "--separator", help="CSV separator: , or ;"),
) -> None:
    """Run (or list, or delete) saved queries: a report with its parameters, run again on today's data."""
    from reskontro.services import saved_queries

    a = state.app()
    cid = run(a.company_id)
    user = a.settings.actor
    if name is None:
        found = run(lambda: saved_queries.list_queries(uow=a.uow(readonly=True), company_id=cid, user=user))
        table = Table(title="Saved queries", header_style="bold")
        for col in ("name", "report", "parameters", "owner", "shared"):
            table.add_column(col)
        for q in found:
            params = " ".join(f"{k}={v}" for k, v in q["parameters"].items())
            table.add_row(q["name"], q["report"], params, q["owner"], "yes" if q["shared"] else "")
        console.print(table)
        return
    if delete:
        run(lambda: saved_queries.delete_query(uow=a.uow(), company_id=cid, user=user, name=name))
        err.print(f"deleted {name!r}")
        return
    q = run(lambda: saved_queries.get_query(uow=a.uow(readonly=True), company_id=cid, user=user, name=name))
    result = run(lambda: catalog.run_report(uow=a.uow(readonly=True), company_id=cid, name=q["report"],
                                            params=q["parameters"]))
    show(result, format, output, separator)
