"""Any report as a PDF table, read back with pypdf: landscape pages with the header row on each, numbers
and dates the reader's way, totals and summary after the rows, and an honest stop at the row limit."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from pypdf import PdfReader

from reskontro.formats.pdf.report import format_number, write_pdf
from reskontro.formats.tabular.export import Column, ColumnKind

RUN = dt.datetime(2026, 11, 29, 9, 15, tzinfo=dt.UTC)
COLUMNS = (Column("number", "Nummer", ColumnKind.TEXT), Column("name", "Navn", ColumnKind.TEXT),
           Column("due", "Forfall", ColumnKind.DATE), Column("days", "Dager", ColumnKind.INTEGER),
           Column("amount", "Beløp", ColumnKind.AMOUNT))


def rows(n: int) -> Iterator[dict[str, Any]]:
    for k in range(n):
        yield {"number": f"{10000 + k}", "name": f"Kunde {k} Ærlig Øst AS", "due": dt.date(2026, 12, 31),
               "days": k, "amount": Decimal(k * 1000 + 50).scaleb(-2) * (1 if k % 2 else -1)}


def render(n: int, **kwargs: Any) -> tuple[PdfReader, Any]:
    buf = io.BytesIO()
    result = write_pdf(buf, COLUMNS, rows(n), title="Åpne poster per 31.12.2026", company="Fjordkraft AS",
                       parameters=[("as_of", "2026-12-31"), ("kind", "customer")], run_at=RUN, **kwargs)
    return PdfReader(io.BytesIO(buf.getvalue())), result


def test_numbers_group_by_three_and_keep_their_decimals_in_each_language() -> None:
    assert format_number(Decimal("-1234567.50"), "nb") == "-1\u00a0234\u00a0567,50"
    assert format_number(Decimal("-1234567.50"), "en") == "-1,234,567.50"
    assert format_number(Decimal("1500"), "nb") == "1\u00a0500"  # JPY: no decimals added
    assert format_number(Decimal("1.250"), "en") == "1.250"  # KWD: three kept
    assert format_number(Decimal("-0.00"), "nb") == "0,00"
    assert format_number(12345, "nb") == "12\u00a0345"


def test_a_long_report_repeats_the_header_on_every_landscape_page_and_numbers_the_pages() -> None:
    reader, result = render(300)
    assert result.rows == 300 and not result.truncated
    assert len(reader.pages) > 3
    width, height = (float(x) for x in reader.pages[0].mediabox.upper_right)
    assert width > height  # landscape
    pages = [p.extract_text() for p in reader.pages]
    assert "Åpne poster per 31.12.2026" in pages[0] and "as_of: 2026-12-31" in pages[0]
    for n, text in enumerate(pages, start=1):
        assert "Nummer" in text and "Beløp" in text, n
        assert f"Side {n} av {len(pages)}" in text, n
    everything = "\n".join(pages)
    assert "10299" in everything and "31.12.2026" in everything
    assert "299 2\u00a0990,50" in everything  # odd rows positive
    assert "298 -2\u00a0980,50" in everything
    assert "Kunde 7 Ærlig Øst AS" in everything


def test_totals_and_summary_follow_the_rows_and_english_uses_english_formats() -> None:
    buf = io.BytesIO()
    write_pdf(buf, COLUMNS, rows(3), title="Open items", company="Fjordkraft AS", run_at=RUN, language="en",
              totals={"number": "Total", "amount": Decimal("1234.56")}, summary=[("difference", "0.00")])
    text = PdfReader(io.BytesIO(buf.getvalue())).pages[0].extract_text()
    assert "Total" in text and "1,234.56" in text and "difference" in text
    assert "2026-12-31" in text and "Page 1 of 1" in text and "Run 2026-11-29 09:15 UTC" in text


def test_past_the_row_limit_the_pdf_says_so_and_stops_reading() -> None:
    consumed = []

    def counted() -> Iterator[dict[str, Any]]:
        for row in rows(1000):
            consumed.append(row)
            yield row

    buf = io.BytesIO()
    result = write_pdf(buf, COLUMNS, counted(), title="Aged", company="Fjordkraft AS", max_rows=250,
                       totals={"number": "Total"})
    assert result.rows == 250 and result.truncated
    assert len(consumed) <= 251
    reader = PdfReader(io.BytesIO(buf.getvalue()))
    first, last = reader.pages[0].extract_text(), reader.pages[-1].extract_text()
    assert "mer enn 250 rader" in first and "Excel" in first
    assert "mer enn 250 rader" in last
    assert "Total" not in last  # no totals for a part of the rows


def test_text_the_font_cannot_show_is_replaced_and_empty_results_say_so() -> None:
    buf = io.BytesIO()
    write_pdf(buf, COLUMNS, [{"number": "=1+1", "name": "東京 株式会社 😀", "amount": None}], title="X",
              company="Y")
    text = PdfReader(io.BytesIO(buf.getvalue())).pages[0].extract_text()
    assert "=1+1" in text and "?" in text
    buf = io.BytesIO()
    result = write_pdf(buf, COLUMNS, [], title="X", company="Y")
    assert result.rows == 0 and "Ingen rader." in PdfReader(io.BytesIO(buf.getvalue())).pages[0].extract_text()


def test_equal_input_gives_identical_bytes() -> None:
    a, b = io.BytesIO(), io.BytesIO()
    for buf in (a, b):
        write_pdf(buf, COLUMNS, rows(50), title="T", company="C", run_at=RUN)
    assert a.getvalue() == b.getvalue()
