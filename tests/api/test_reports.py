"""Reports over the API: the catalogue, every report in JSON, CSV and XLSX, statements as PDF, saved queries."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from pypdf import PdfReader

from reskontro.services.report_catalog import REPORTS
from tests.api.conftest import Api


def books(api: Api) -> None:
    api.customer("10001", payment_terms_days=10)
    api.customer("10002", payment_terms_days=30)
    api.posting("invoice", "10001", "1250.00", "2026-01-05", document_number="F1")
    api.posting("invoice", "10002", "99.90", "2026-01-07", document_number="F2")
    api.posting("payment", "10001", "250.00", "2026-01-20", applies_to="F1")


def test_the_catalogue_lists_every_report_with_its_parameters(api: Api) -> None:
    listed = api.ok(api.get("/reports", role="read_only"))
    assert [r["name"] for r in listed] == list(REPORTS)
    aged = next(r for r in listed if r["name"] == "aged")
    assert {"name": "buckets", "kind": "buckets", "default": "30,60,90"}.items() <= next(
        p for p in aged["parameters"] if p["name"] == "buckets").items()


def test_a_report_as_json_has_columns_rows_totals_and_summary(api: Api) -> None:
    books(api)
    doc = api.ok(api.get("/reports/open-items", params={"as_of": "2026-01-31"}, role="read_only"))
    assert doc["report"] == "open-items"
    assert doc["parameters"]["as_of"] == "2026-01-31"
    assert [(r["document_number"], r["open_amount"]) for r in doc["rows"]] == [("F1", "1000.00"), ("F2", "99.90")]
    assert doc["totals"]["open_amount"] == "1099.90"
    spec = api.ok(api.get("/reports/ledger-spec", params={"date_to": "2026-01-31"}))
    assert spec["summary"]["difference closing (GL − sub-ledger)"] == "0.00"


def test_csv_and_xlsx_downloads(api: Api) -> None:
    books(api)
    r = api.get("/reports/aged", params={"as_of": "2026-01-31", "format": "csv", "separator": ";"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="aged.csv"' in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert {x["party_number"]: x["days_1_30"] for x in rows} == {"10001": "1000,00", "10002": "0,00"}
    r = api.get("/reports/open-items", params={"as_of": "2026-01-31", "format": "xlsx"})
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).worksheets[0]
    assert ws.freeze_panes == "A2"
    assert ws.max_row == 3


def test_free_field_filters_are_query_parameters(api: Api) -> None:
    books(api)
    api.ok(api.post("/free-fields", {"code": "region", "label": "Region", "type": "text"}), 201)
    api.ok(api.put("/parties/customer/10002/free-fields/region", {"value": "Vest"}), 204)
    doc = api.ok(api.get("/reports/open-items", params={"field.region": "Vest"}))
    assert [r["party_number"] for r in doc["rows"]] == ["10002"]


def test_bad_parameters_are_problems_naming_the_parameter(api: Api) -> None:
    r = api.get("/reports/aged", params={"per": "month"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "per"
    r = api.get("/reports/party-ledger")
    assert r.status_code == 422


def test_a_statement_as_pdf(api: Api) -> None:
    books(api)
    r = api.get("/reports/statement/pdf", params={"party": "10001", "kind": "customer", "date_to": "2026-01-31"})
    assert r.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "Kontoutskrift" in text and "Kunde 10001 AS" in text


def test_a_saved_query_runs_with_its_parameters(api: Api) -> None:
    books(api)
    api.ok(api.post("/saved-queries", {"name": "forfalt", "report": "open-items",
                                       "parameters": {"overdue_only": "yes", "as_of": "2026-02-28"}}), 201)
    doc = api.ok(api.get("/saved-queries/forfalt/run"))
    assert sum(Decimal(r["open_amount"]) for r in doc["rows"]) == Decimal("1099.90")


def test_transactions_as_csv_and_json_are_formatted_by_the_database(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from reskontro.formats.tabular.export import write_csv, write_json
    from reskontro.services.report_catalog import run_report
    from reskontro.store import exports

    books(api)
    calls: list[str] = []
    original = exports.transaction_lines
    monkeypatch.setattr(exports, "transaction_lines",
                        lambda *a, **k: calls.append(k["layout"].style) or original(*a, **k))
    params = {"date_from": "2026-01-01", "date_to": "2026-01-31"}
    r = api.get("/reports/transactions", params={**params, "format": "csv", "separator": ";"}, role="read_only")
    assert r.status_code == 200 and 'filename="transactions.csv"' in r.headers["content-disposition"]
    doc = api.ok(api.get("/reports/transactions", params=params))
    assert calls == ["csv", "json"]
    slow_csv, slow_json = io.BytesIO(), io.BytesIO()
    result = run_report(uow=api.ctx.uow(readonly=True), company_id=api.cid, name="transactions", params=params)
    write_csv(slow_csv, result.columns, result.rows, delimiter=";")
    result = run_report(uow=api.ctx.uow(readonly=True), company_id=api.cid, name="transactions", params=params)
    write_json(slow_json, result.columns, result.rows)
    assert r.content == slow_csv.getvalue()
    assert doc["rows"] == json.loads(slow_json.getvalue())
    assert [(x["document_number"], x["amount"]) for x in doc["rows"]] == [
        ("F1", "1250.00"), ("F2", "99.90"), ("IB2026-1", "-250.00")]
