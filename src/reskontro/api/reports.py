"""Reports: one route per report of the catalogue, generated from its parameters, in JSON, CSV or XLSX.

``GET /companies/{id}/reports`` lists the reports with their parameters; ``GET
/companies/{id}/reports/{name}?format=json|csv|xlsx&...`` runs one (a statement also as ``pdf``);
``GET /companies/{id}/saved-queries/{name}/run`` runs a saved query. Free-field filters of the
open-items report are query parameters ``field.<code>=<value>``.

The export is written to a spooled temporary file (memory up to 8 MB, then disk) and streamed from
there, so a report of a million rows never sits in memory, and an error found while reading the
rows is still a proper problem+json rather than a cut-off download.
"""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, BinaryIO

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from reskontro.api.deps import Reader
from reskontro.api.openapi import READ
from reskontro.services import report_catalog as catalog
from reskontro.services import report_output, saved_queries
from reskontro.services.report_catalog import FIELD_PREFIX, REPORTS, Param, ReportResult, ReportSpec

router = APIRouter(tags=["reports"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Format(StrEnum):
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


class ParamOut(BaseModel):
    name: str
    kind: str = Field(description="text, date, int, amount, bool, kind, currency, buckets or choice")
    help: str
    default: str | None
    choices: list[str]
    required: bool


class ReportOut(BaseModel):
    name: str = Field(examples=["aged"])
    title: str
    help: str
    parameters: list[ParamOut]
    free_fields: bool = Field(description="Takes field.<code>=<value> filters")


@router.get("/companies/{company_id}/reports", response_model=list[ReportOut], summary="The reports",
            responses=READ)
def list_reports(a: Reader) -> list[ReportOut]:
    """Every report with its parameters (the same catalogue as `reskontro report`)."""
    return [ReportOut(name=s.name, title=s.title, help=s.help, free_fields=s.free_fields,
                      parameters=[ParamOut(name=p.name, kind=p.kind, help=p.help, default=p.default,
                                           choices=list(p.choices), required=p.required) for p in s.params])
            for s in REPORTS.values()]


def _json_document(result: ReportResult, out: BinaryIO) -> None:
    """``{"report", "title", "parameters", "columns", "rows": [...], "totals", "summary"}``: the rows are
    written as they are read; totals come after them because a stream knows them only at its end."""
    import json

    def dumps(value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, default=str).encode()

    head = {"report": result.name, "title": result.title, "parameters": dict(result.parameters),
            "columns": [{"key": c.key, "title": c.title, "kind": c.kind.value} for c in result.columns]}
    out.write(dumps(head)[:-1] + b', "rows": ')
    catalog.write_report(result, out, fmt="json")
    totals = None if result.totals is None else {k: v for k, v in result.totals.items() if v is not None}
    out.write(b', "totals": ' + dumps(totals) + b', "summary": ' + dumps(dict(result.summary)) + b"}")


def _export(result: ReportResult, fmt: Format, separator: str) -> Response:
    def write(out: BinaryIO) -> tuple[str, str]:
        try:
            if fmt is Format.json:
                _json_document(result, out)
                return "application/json", "json"
            if fmt is Format.csv:
                catalog.write_report(result, out, fmt="csv", separator=separator)
                return "text/csv; charset=utf-8", "csv"
            catalog.write_report(result, out, fmt="xlsx", run_at=datetime.now(UTC))
            return XLSX, "xlsx"
        finally:
            result.close()

    spool, (media, suffix) = report_output.spooled(write)
    headers = {} if fmt is Format.json else {
        "Content-Disposition": f'attachment; filename="{result.name}.{suffix}"'}
    return StreamingResponse(report_output.chunks(spool), media_type=media, headers=headers)


FormatQuery = Annotated[Format, Query(description="json (default), csv or xlsx")]
Separator = Annotated[str, Query(pattern=r"^[,;]$", description="CSV separator; ';' writes decimal commas")]


def _query(p: Param) -> inspect.Parameter:
    hint = p.help + (f" ({', '.join(p.choices)})" if p.choices else "") + (f"; default {p.default}"
                                                                             if p.default else "")
    annotation: Any = Annotated[str | None, Query(max_length=200, description=hint)]
    if p.required:
        annotation = Annotated[str, Query(min_length=1, max_length=200, description=hint)]
    return inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation,
                             default=inspect.Parameter.empty if p.required else None)


def _route(spec: ReportSpec) -> None:
    def run(request: Request, a: Reader, format: FormatQuery = Format.json, separator: Separator = ",",
            **params: str | None) -> Response:
        raw = {k: v for k, v in params.items() if v is not None}
        if spec.free_fields:
            raw |= {k: v for k, v in request.query_params.items() if k.startswith(FIELD_PREFIX)}
        result = catalog.run_report(uow=a.uow(readonly=True), company_id=a.company_id, name=spec.name, params=raw)
        return _export(result, format, separator)

    base = list(inspect.signature(run).parameters.values())[:-1]
    run.__signature__ = inspect.Signature([*base, *(_query(p) for p in spec.params)])  # type: ignore[attr-defined]
    extra = (" Free-field filters: any number of `field.<code>=<value>` query parameters."
             if spec.free_fields else "")
    router.add_api_route(f"/companies/{{company_id}}/reports/{spec.name}", run, methods=["GET"],
                         summary=spec.title, description=spec.help + extra, responses=READ,
                         response_class=Response, name=f"report_{spec.name.replace('-', '_')}",
                         openapi_extra={"responses": {"200": {"description": "The report", "content": {
                             "application/json": {}, "text/csv": {}, XLSX: {}}}}})


for _spec in REPORTS.values():
    _route(_spec)


@router.get("/companies/{company_id}/reports/statement/pdf", summary="A party statement as PDF",
            response_class=Response, responses=READ,
            openapi_extra={"responses": {"200": {"description": "The PDF", "content": {"application/pdf": {}}}}})
def statement_pdf(a: Reader, party: Annotated[str, Query(min_length=1, max_length=30)],
                  kind: Annotated[str | None, Query(max_length=20)] = None,
                  date_from: Annotated[str | None, Query(max_length=20)] = None,
                  date_to: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    """The statement (kontoutskrift) of one party in its language (nb, nn or en), laid out for a window
    envelope."""
    from reskontro.services.statements import statement_pdf as render

    data = render(uow=a.uow(readonly=True), company_id=a.company_id,
                  params={"party": party, "kind": kind, "date_from": date_from, "date_to": date_to})
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="statement-{party}.pdf"'})


QueryName = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[^\x00]+$", description="The query's name.")]


@router.get("/companies/{company_id}/saved-queries/{name}/run", summary="Run a saved query",
            response_class=Response, responses=READ)
def run_saved(a: Reader, name: QueryName, format: FormatQuery = Format.json, separator: Separator = ",") -> Response:
    """Run the report of a saved query with its parameters, on today's data."""
    q = saved_queries.get_query(uow=a.uow(readonly=True), company_id=a.company_id, user=a.principal.username,
                                name=name)
    result = catalog.run_report(uow=a.uow(readonly=True), company_id=a.company_id, name=q["report"],
                                params=q["parameters"])
    return _export(result, format, separator)
