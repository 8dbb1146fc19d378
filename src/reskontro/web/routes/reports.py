"""Reports in the browser: every report of the catalogue with its filters, Excel/CSV/PDF exports, saved queries.

========================================  ======  ==================================================
page                                      role    what
========================================  ======  ==================================================
``/c/{id}/reports``                       read    every report, and the user's saved queries (own and
                                                  shared), each a link that runs it
``/c/{id}/reports/{name}``                read    the filter form (generated from the report's
                                                  parameters, sent by GET: the URL is the query) and
                                                  the result: the first 500 rows, totals, summary
``/c/{id}/reports/{name}/export``         read    ``format=xlsx|csv|pdf`` (``sep=;`` or ``,`` for CSV):
                                                  every row, as a download
``/c/{id}/reports/party-search``          read    the party picker's options as a number is typed
``POST /c/{id}/saved-queries``            read    save the filters under a name (sharing needs write)
``POST /c/{id}/saved-queries/delete``     read    delete one's own saved query
========================================  ======  ==================================================

**One definition.** The page, the exports, the CLI and the API all run
:func:`reskontro.services.report_catalog.run_report` with the same text parameters; the exports go through
:func:`reskontro.services.report_output.write_report_file` (xlsx/csv via the catalogue's ``write_report``,
PDF via the table writer), and the statement's PDF is the window-envelope letter of
:mod:`reskontro.services.statements`.

**Large results.** The page shows :data:`~reskontro.web.report_view.PAGE_ROWS` rows. A streamed result
(open items, transactions) is read one row past that and closed — the rest is never read for the page;
the export has every row. Totals of a stream are shown only when every row was read.

**Saved queries** follow the API: anyone with a role may keep private queries and delete their own;
sharing one with the company needs write access.

**Downloads** are GETs (no CSRF token needed: they change nothing) and answer 404 for another company
like every page; they are written to a spooled temporary file first, so an error is a proper error page,
not a cut-off file.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, BinaryIO, Literal
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from reskontro.domain.access import Forbidden
from reskontro.domain.errors import NotFound, ReskontroError, ValidationFailed
from reskontro.domain.parties import PartyKind
from reskontro.services import listings, parties, report_output, saved_queries, statements
from reskontro.services.report_catalog import REPORTS, ReportSpec, parse_params, run_report, spec_of
from reskontro.web.deps import Desk, Reader
from reskontro.web.i18n import N_, Translator
from reskontro.web.render import Links, page
from reskontro.web.report_view import (
    FIGURE_LABELS,
    PAGE_ROWS,
    Formatter,
    build_form,
    build_table,
    canonical,
    heading,
    labels_for,
    param_label,
    party_kind_of,
    reconciliation,
    refusal,
    report_help,
    report_title,
    summary_lines,
)
from reskontro.web.routes.auth import Form, text

router = APIRouter()

ReportName = Annotated[str, Path(max_length=40, pattern=r"^[a-z][a-z0-9-]*$")]
#: Query names that steer the page or the export, not the report.
CONTROL = frozenset({"format", "sep", "saved"})
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA = {"xlsx": XLSX, "csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}
PICKER_SIZE = 15
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")

SAVE_MESSAGES = {
    "name": N_("Give the query a name of at most 100 characters."),
    "shared": N_("Sharing a query with everyone in the company needs the accountant or administrator role."),
}


def _spec(name: str) -> ReportSpec:
    return spec_of(name)  # NotFound: the 404 page


def _pairs(request: Request) -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.query_params.multi_items() if k not in CONTROL]


def _options(desk: Desk, kind: str | None) -> tuple[list[tuple[str, str]], list[str], list[Any]]:
    """Groups (of the chosen kind, else of both), currencies in use and free fields of the company."""
    kinds = [PartyKind(kind)] if kind in ("customer", "supplier") else [PartyKind.CUSTOMER, PartyKind.SUPPLIER]
    groups: list[tuple[str, str]] = []
    currencies: list[str] = []
    free_fields: list[Any] = []
    for k in kinds:
        options = parties.card_options(uow=desk.uow(readonly=True), company_id=desk.company_id, kind=k)
        groups += [g for g in options.groups if g not in groups]
        currencies, free_fields = options.currencies, options.free_fields
    return groups, currencies, free_fields


# -- the index -------------------------------------------------------------------------------------------


@router.get("/c/{company_id}/reports")
def reports_index(request: Request, desk: Reader,
                  deleted: Annotated[str | None, Query(max_length=100)] = None) -> Response:
    """Every report of the catalogue, and the saved queries the user may run."""
    t = Translator(desk.visitor.lang)
    found = saved_queries.list_queries(uow=desk.uow(readonly=True), company_id=desk.company_id, user=desk.username)
    links = Links(desk.company_id)
    queries = []
    for q in found:
        if q["report"] not in REPORTS:
            continue  # a report that is gone: nothing to run
        params = sorted(q["parameters"].items())
        queries.append({**q, "title": report_title(q["report"], t), "url": links.report(q["report"], params,
                                                                                           saved=q["name"]),
                        "mine": q["owner"] == desk.username,
                        "shown": [(param_label(k, t), v) for k, v in params]})
    reports = [(name, report_title(name, t), report_help(name, t)) for name in REPORTS]
    return page(request, desk.visitor, "reports/index.html", desk=desk, reports=reports, queries=queries,
                deleted=deleted)


@router.get("/c/{company_id}/reports/party-search")
def party_search(request: Request, desk: Reader, party: Annotated[str, Query(max_length=100)] = "",
                 kind: Annotated[str, Query(max_length=20)] = "") -> Response:
    """The party picker's ``<option>``s as a number or name is typed (customers, suppliers or both)."""
    found: list[dict[str, Any]] = []
    if party.strip():
        kinds = [kind] if kind in ("customer", "supplier") else ["customer", "supplier"]
        for k in kinds:
            result = listings.browse_parties(uow=desk.uow(readonly=True), company_id=desk.company_id, kind=k,
                                             search=party.strip(), limit=PICKER_SIZE)
            found += [{**p, "kind": k} for p in result.items]
    return page(request, desk.visitor, "reports/_party_options.html", desk=desk, found=found[:PICKER_SIZE])


# -- a report --------------------------------------------------------------------------------------------


def _report_page(request: Request, desk: Desk, spec: ReportSpec, raw: dict[str, str], *, status: int = 200,
                 save_errors: dict[str, str] | None = None, save_values: dict[str, str] | None = None) -> Response:
    t = Translator(desk.visitor.lang)
    today = desk.uow(readonly=True).today()
    errors: dict[str, str] = {}
    problem = ""
    table = summary = recon = title = None
    submitted = any(k not in CONTROL for k in request.query_params) or bool(save_values)
    missing = [p.name for p in spec.params if p.required and p.name not in raw]
    if missing and not submitted:
        pass  # the form first: a party ledger needs a party before it can run
    else:
        try:
            result = run_report(uow=desk.uow(readonly=True), company_id=desk.company_id, name=spec.name, params=raw,
                                row_limit=PAGE_ROWS + 1)  # one past the page: "more" shows without reading on
        except ReskontroError as exc:
            if isinstance(exc, NotFound) and exc.field == "report":
                raise
            found = refusal(spec, exc)
            if found is not None:
                errors[found[0]] = t.gettext(found[1])
            elif "has no parameter" in exc.message:
                problem = t.gettext("This report has no filter named %(name)s.", name=exc.field or "")
            else:
                problem = exc.message
        else:
            shown = dict(result.parameters)
            fmt = Formatter(t, Links(desk.company_id), kind=party_kind_of(shown.get("kind"), spec.name))
            title = heading(result, t)
            recon = reconciliation(result)
            summary = summary_lines(result, t)
            table = build_table(result, fmt)
    if errors or problem:
        status = 422
    groups, currencies, free_fields = _options(desk, raw.get("kind"))
    form = build_form(spec, raw, errors, t, today=today, groups=groups, currencies=currencies,
                      free_fields=free_fields, problem=problem)
    links = Links(desk.company_id)
    params = list(raw.items())
    exports = {
        "xlsx": links.report_export(spec.name, params, format="xlsx"),
        "csv": links.report_export(spec.name, params, format="csv", sep=";"),
        "csv_comma": links.report_export(spec.name, params, format="csv", sep=","),
        "pdf": links.report_export(spec.name, params, format="pdf"),
    }
    saved = request.query_params.get("saved") or ""
    return page(request, desk.visitor, "reports/report.html", desk=desk, spec=spec, form=form, table=table,
                summary=summary or [], recon=recon, heading=title or report_title(spec.name, t),
                report_name=report_title(spec.name, t), help=report_help(spec.name, t), exports=exports,
                query=urlencode(params), raw=raw, saved=saved[:100],
                save_errors=save_errors or {}, save_values=save_values or {"name": saved[:100], "shared": ""},
                ran=table is not None, figures=FIGURE_LABELS, status=status)


@router.get("/c/{company_id}/reports/{report}")
def report_page(request: Request, desk: Reader, report: ReportName) -> Response:
    """A report with the filters of its URL; empty or Norwegian-typed filters are first written the
    catalogue's way (one redirect), so the URL a person shares holds only what they chose."""
    spec = _spec(report)
    pairs = _pairs(request)
    raw = canonical(spec, pairs, desk.visitor.lang)
    if sorted(raw.items()) != sorted(dict(pairs).items()) or len(pairs) != len(dict(pairs)):
        saved = request.query_params.get("saved")
        return RedirectResponse(Links(desk.company_id).report(spec.name, list(raw.items()), saved=saved),
                                status_code=303)
    return _report_page(request, desk, spec, raw)


# -- exports ---------------------------------------------------------------------------------------------


def _filename(report: str, parameters: dict[str, str], suffix: str, today: str) -> str:
    on = parameters.get("as_of") or parameters.get("date_to") or today
    party = parameters.get("party")
    name = "-".join(x for x in (report, party, on) if x)
    return f"{_UNSAFE_NAME.sub('_', name)[:120]}.{suffix}"


@router.get("/c/{company_id}/reports/{report}/export")
def export_report(request: Request, desk: Reader, report: ReportName,
                  format: Annotated[Literal["xlsx", "csv", "pdf"], Query()] = "xlsx",
                  sep: Annotated[Literal[";", ","], Query()] = ";") -> Response:
    """Every row of the report as a download: Excel, CSV (``;`` and decimal commas for Norwegian Excel, or
    ``,``) or PDF (the statement: the letter for a window envelope)."""
    spec = _spec(report)
    t = Translator(desk.visitor.lang)
    raw = canonical(spec, _pairs(request), desk.visitor.lang)
    today = desk.uow(readonly=True).today()
    def write(out: BinaryIO) -> dict[str, str]:
        if spec.name == "statement" and format == "pdf":
            values = parse_params(spec, raw, today)  # a bad parameter is refused by name before anything runs
            out.write(statements.statement_pdf(uow=desk.uow(readonly=True), company_id=desk.company_id,
                                               params=raw))
            return {"party": values["party"], "date_to": values["date_to"].isoformat()}
        written = report_output.write_report_file(
            uow=desk.uow(readonly=True), company_id=desk.company_id, name=spec.name, params=raw, out=out,
            fmt=format, separator=sep, labels=labels_for(t), company=desk.company.name,
            language=desk.visitor.lang, run_at=datetime.now(UTC))
        return dict(written.parameters)

    spool, shown = report_output.spooled(write)
    filename = _filename(spec.name, shown, format, today.isoformat())
    return StreamingResponse(report_output.chunks(spool), media_type=MEDIA[format],
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# -- saved queries ---------------------------------------------------------------------------------------


@router.post("/c/{company_id}/saved-queries")
def save_query(request: Request, desk: Reader, data: Form) -> Response:
    """Save the report's filters (``query``, as in its URL) under a name; the report page follows."""
    t = Translator(desk.visitor.lang)
    spec = _spec(text(data, "report", 40))
    pairs = [(k, v) for k, v in parse_qsl(text(data, "query", 20_000), keep_blank_values=True) if k not in CONTROL]
    raw = canonical(spec, pairs, desk.visitor.lang)
    parse_params(spec, raw, desk.uow(readonly=True).today())  # only filters the report takes are saved
    name = text(data, "name", 200).strip()
    shared = text(data, "shared", 10) in ("on", "yes", "1")
    values = {"name": name, "shared": "on" if shared else ""}
    if shared and not desk.can_write:
        raise Forbidden(t.gettext(SAVE_MESSAGES["shared"]), field="shared")
    try:
        saved_queries.save_query(uow=desk.uow(), company_id=desk.company_id, owner=desk.username, name=name,
                                 report=spec.name, parameters=raw, shared=shared)
    except ValidationFailed as exc:
        if exc.field != "name":
            raise
        return _report_page(request, desk, spec, raw, status=422,
                            save_errors={"name": t.gettext(SAVE_MESSAGES["name"])}, save_values=values)
    return RedirectResponse(Links(desk.company_id).report(spec.name, list(raw.items()), saved=name), status_code=303)


@router.post("/c/{company_id}/saved-queries/delete")
def delete_query(desk: Reader, data: Form) -> Response:
    """Delete one's own saved query (someone else's shared one: 403)."""
    name = text(data, "name", 200).strip()
    saved_queries.delete_query(uow=desk.uow(), company_id=desk.company_id, user=desk.username, name=name)
    return RedirectResponse(Links(desk.company_id).reports + "?" + urlencode({"deleted": name}), status_code=303)
