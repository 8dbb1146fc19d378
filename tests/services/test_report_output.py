"""Reports written to files for a person: the catalogue's rows in xlsx, csv and PDF, labelled in the reader's
language where the caller says so, and the result always closed."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from reskontro.services import report_catalog
from reskontro.services.report_output import Labels, write_report_file
from tests.builders import customer, post
from tests.conftest import Ctx

RUN_AT = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def ledger(ctx: Ctx) -> Ctx:
    customer(ctx, "10001", name="Fjordlys Bakeri AS")
    customer(ctx, "10002", name="Nordlys Handel AS")
    post(ctx, "invoice", "10001", "1234.50", date(2026, 3, 1), document_number="A1")
    post(ctx, "invoice", "10002", "500.00", date(2026, 6, 20), document_number="B1")
    return ctx


def write(ctx: Ctx, fmt: str, name: str = "open-items", labels: Labels | None = None, **params: str) -> bytes:
    out = io.BytesIO()
    write_report_file(uow=ctx.uow(readonly=True), company_id=ctx.company_id, name=name, params=params, out=out,
                      fmt=fmt, separator=";", labels=labels, company="Test AS", run_at=RUN_AT)
    return out.getvalue()


def test_xlsx_holds_the_catalogues_rows_and_the_labels_given(ledger: Ctx) -> None:
    labels = Labels(column=lambda key, title: title.upper(), title=lambda r: "ÅPNE POSTER",
                    parameter=lambda name: f"<{name}>")
    book = load_workbook(io.BytesIO(write(ledger, "xlsx", labels=labels, as_of="2026-06-30")))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("NUMBER", "NAME", "KIND")
    expected = list(report_catalog.run_report(uow=ledger.uow(readonly=True), company_id=ledger.company_id,
                                              name="open-items", params={"as_of": "2026-06-30"}).rows)
    assert [r[3] for r in rows[1:]] == [r["document_number"] for r in expected] == ["A1", "B1"]
    assert [Decimal(str(r[-1])) for r in rows[1:]] == [Decimal("1234.5"), Decimal("500")]
    sheet = [r for r in book["Parameters"].iter_rows(values_only=True) if r[0]]
    assert ("<as_of>", "2026-06-30") in [r[:2] for r in sheet]
    assert any("ÅPNE POSTER" in str(r[0]) or "ÅPNE POSTER" in str(r[1]) for r in sheet)


def test_csv_keeps_the_column_keys_and_writes_decimal_commas_with_a_semicolon(ledger: Ctx) -> None:
    labels = Labels(column=lambda key, title: "X")  # labels are for people; a CSV header is the keys
    text = write(ledger, "csv", labels=labels, as_of="2026-06-30").decode("utf-8-sig")
    assert text.splitlines()[0].startswith("party_number;party_name;kind;document_number")
    assert ";1234,50\r\n" in text


def test_pdf_prints_title_rows_totals_and_the_translated_summary(ledger: Ctx) -> None:
    labels = Labels(title=lambda r: "Reskontrospesifikasjon", word=lambda w: {"Total": "Sum"}.get(w, w),
                    summary=lambda r: [("Avstemt", "ja")])
    data = write(ledger, "pdf", name="ledger-spec", labels=labels, date_from="2026-01-01", date_to="2026-06-30")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Reskontrospesifikasjon" in text and "Fjordlys Bakeri AS" in text and "Test AS" in text
    assert "Sum" in text and "Avstemt" in text and "1 734,50" in text.replace("\u00a0", " ")


def test_an_unknown_format_is_refused_before_the_report_runs(ledger: Ctx) -> None:
    with pytest.raises(ValueError, match="no file format 'docx'"):
        write(ledger, "docx")
