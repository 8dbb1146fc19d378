"""``reskontro report <name>``: every report in every format, to the terminal or a file."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from reskontro.services.report_catalog import REPORTS
from tests.cli.test_cli import cli, env  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("env")


@pytest.fixture
def books() -> None:
    cli("init", "--company-name", "Fjordlys AS")
    cli("party", "add", "customer", "10001", "--name", "Kunde Ærlig AS", "--payment-terms", "10")
    cli("party", "add", "customer", "10002", "--name", "=HYPERLINK(\"http://x\")", "--payment-terms", "30")
    cli("post", "invoice", "customer", "10001", "1250.50", "--date", "2026-01-05", "--document", "F1")
    cli("post", "invoice", "customer", "10002", "99.90", "--date", "2026-01-07", "--document", "F2")
    cli("post", "payment", "customer", "10001", "250.50", "--date", "2026-01-20", "--document", "P1",
        "--applies-to", "F1")


def test_every_report_has_a_command_with_its_parameters_as_options() -> None:
    for name, spec in REPORTS.items():
        out = cli("report", name, "--help")
        for p in spec.params:
            assert "--" + p.name.replace("_", "-") in out, (name, p.name)
        assert "xlsx" in out


def test_xlsx_has_numbers_dates_a_frozen_header_and_the_parameters(books: None, tmp_path: Path) -> None:
    target = tmp_path / "open.xlsx"
    cli("report", "open-items", "--as-of", "2026-01-31", "--format", "xlsx", "--output", str(target))
    wb = openpyxl.load_workbook(target)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["Number", "Name", "Kind"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref is not None
    by_doc = {row[3].value: row for row in ws.iter_rows(min_row=2)}
    open_col = header.index("Open (NOK)")
    assert by_doc["F1"][open_col].value == 1000.0
    assert by_doc["F1"][open_col].number_format == "#,##0.00;-#,##0.00"
    assert by_doc["F1"][header.index("Due date")].value.date() == date(2026, 1, 15)
    # The party named like a formula stays text.
    assert by_doc["F2"][1].data_type == "s"
    assert str(by_doc["F2"][1].value).startswith("'=")
    params = {r[0]: r[1] for r in wb.worksheets[1].iter_rows(min_row=2, values_only=True) if r[0]}
    assert params.get("as_of") == "2026-01-31"


def test_csv_with_semicolons_uses_decimal_commas_for_norwegian_excel(books: None, tmp_path: Path) -> None:
    target = tmp_path / "aged.csv"
    cli("report", "aged", "--as-of", "2026-01-31", "--format", "csv", "--separator", ";", "--output", str(target))
    text = target.read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert {r["party_number"]: r["days_1_30"] for r in rows} == {"10001": "1000,00", "10002": "0,00"}


def test_json_is_an_array_of_rows_with_decimal_strings(books: None) -> None:
    rows = json.loads(cli("report", "ledger-spec", "--date-from", "2026-01-01", "--date-to", "2026-01-31",
                          "--format", "json"))
    assert [(r["party_number"], r["debit"], r["credit"], r["closing"]) for r in rows] == [
        ("10001", "1250.50", "250.50", "1000.00"), ("10002", "99.90", "0.00", "99.90")]


def test_the_ledger_specification_shows_the_gl_difference_in_the_table(books: None) -> None:
    out = cli("report", "ledger-spec", "--date-to", "2026-01-31")
    assert "difference closing (GL − sub-ledger): 0.00" in out
    assert "GL 1500" in out


def test_a_statement_is_made_as_pdf_in_the_party_language(books: None, tmp_path: Path) -> None:
    target = tmp_path / "statement.pdf"
    cli("report", "statement", "--party", "10001", "--date-from", "2026-01-01", "--date-to", "2026-01-31",
        "--format", "pdf", "--output", str(target))
    text = "\n".join(page.extract_text() for page in PdfReader(target).pages)
    assert "Kontoutskrift" in text
    assert "Kunde Ærlig AS" in text
    assert "1 000,00" in text.replace("\u00a0", " ")


@pytest.mark.parametrize(("args", "message"), [
    (("report", "aged", "--per", "month"), "field 'per'"),
    (("report", "open-items", "--as-of", "yesterday"), "field 'as_of'"),
    (("report", "party-ledger", "--party", "404"), "'404' does not exist"),
    (("report", "aged", "--format", "pdf", "--output", "x.pdf"), "only a statement"),
    (("report", "aged", "--format", "xlsx"), "needs --output"),
])
def test_bad_report_options_print_one_line(books: None, args: tuple[str, ...], message: str) -> None:
    out = cli(*args, code=1 if "field" in message or "exist" in message else 2)
    assert message in out
    assert "Traceback" not in out


def test_free_field_filters_come_as_code_value(books: None) -> None:
    cli("field", "define", "region", "--label", "Region", "--type", "text")
    cli("field", "set", "customer", "10002", "region", "Vest")
    rows = json.loads(cli("report", "open-items", "--field", "region=Vest", "--format", "json"))
    assert [(r["party_number"], Decimal(r["open_amount"])) for r in rows] == [("10002", Decimal("99.90"))]
    assert json.loads(cli("report", "open-items", "--field", "region=Nord", "--format", "json")) == []


def test_a_report_saved_with_its_parameters_runs_again_by_name(books: None) -> None:
    cli("report", "open-items", "--overdue-only", "--as-of", "2026-02-28", "--save", "forfalt")
    listing = cli("report", "saved")
    assert "forfalt" in listing and "overdue_only=yes" in listing
    rows = json.loads(cli("report", "saved", "forfalt", "--format", "json"))
    assert sorted(r["document_number"] for r in rows) == ["F1", "F2"]
    cli("report", "saved", "forfalt", "--delete")
    assert "there is no saved query named 'forfalt'" in cli("report", "saved", "forfalt", code=1)


def test_transactions_as_csv_and_json_are_formatted_by_the_database(books: None, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from reskontro.bootstrap import build
    from reskontro.formats.tabular.export import write_csv, write_json
    from reskontro.services.report_catalog import run_report
    from reskontro.settings import Settings
    from reskontro.store import exports

    calls: list[str] = []
    original = exports.transaction_lines
    monkeypatch.setattr(exports, "transaction_lines",
                        lambda *a, **k: calls.append(k["layout"].style) or original(*a, **k))
    target = tmp_path / "transactions.csv"
    period = ["--date-from", "2026-01-01", "--date-to", "2026-01-31"]
    cli("report", "transactions", *period, "--format", "csv", "--separator", ";", "--output", str(target))
    as_json = cli("report", "transactions", *period, "--format", "json")
    assert calls == ["csv", "json"]
    app = build(Settings.from_env(database=os.environ["RESKONTRO_DATABASE_URL"], company=1))
    params = {"date_from": "2026-01-01", "date_to": "2026-01-31"}
    slow_csv, slow_json = io.BytesIO(), io.BytesIO()
    result = run_report(uow=app.uow(readonly=True), company_id=1, name="transactions", params=params)
    write_csv(slow_csv, result.columns, result.rows, delimiter=";")
    result = run_report(uow=app.uow(readonly=True), company_id=1, name="transactions", params=params)
    write_json(slow_json, result.columns, result.rows)
    app.close()
    assert target.read_bytes() == slow_csv.getvalue()
    assert as_json.encode() == slow_json.getvalue() + b"\n"
    rows = list(csv.DictReader(io.StringIO(target.read_text("utf-8-sig")), delimiter=";"))
    assert [(r["document_number"], r["amount"], r["party_name"]) for r in rows] == [
        ("F1", "1250,50", "Kunde Ærlig AS"), ("F2", "99,90", "'=HYPERLINK(\"http://x\")"),
        ("P1", "-250,50", "Kunde Ærlig AS")]
