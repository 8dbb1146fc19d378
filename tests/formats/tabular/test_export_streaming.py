"""Streaming export: typed XLSX read back with openpyxl, formula-safe text everywhere, CSV and JSON, no floats."""

from __future__ import annotations

import csv
import io
import json
import re
import tracemalloc
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reskontro.formats.tabular.export import (
    PARAMETERS_SHEET,
    Column,
    ColumnKind,
    neutralise,
    write_csv,
    write_json,
    write_xlsx,
)

BOM = b"\xef\xbb\xbf"
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+([.,][0-9]+)?")
RUN_AT = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)

COLUMNS = [
    Column("name", "Kunde", ColumnKind.TEXT),
    Column("number", "Kundenr", ColumnKind.INTEGER),
    Column("amount", "Beløp", ColumnKind.AMOUNT),
    Column("rate", "Kurs", ColumnKind.RATE),
    Column("due", "Forfall", ColumnKind.DATE),
    Column("posted", "Bokført", ColumnKind.DATETIME),
    Column("paid", "Betalt", ColumnKind.BOOL),
]
ROWS: list[dict[str, Any]] = [
    {"name": "Blåbær AS", "number": 10001, "amount": Decimal("-1250.50"), "rate": Decimal("11.234567"),
     "due": date(2024, 1, 31), "posted": datetime(2024, 1, 2, 8, 15, tzinfo=timezone(timedelta(hours=1))),
     "paid": False},
    {"name": "=HYPERLINK(\"http://x\")", "number": 7, "amount": Decimal("1234567.89"), "rate": 0,
     "due": None, "posted": None, "paid": True},
    {"name": None, "number": None, "amount": 5, "rate": None, "due": date(2025, 12, 24),
     "posted": datetime(2024, 6, 30, 23, 59, 59, tzinfo=UTC), "paid": None},
]


def naive(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """What openpyxl gives back: spreadsheet cells carry no time zone."""
    return datetime(year, month, day, hour, minute)  # noqa: DTZ001 - naive on purpose


def xlsx_bytes(columns: list[Column], rows: list[dict[str, Any]], **kwargs: Any) -> bytes:
    out = io.BytesIO()
    write_xlsx(out, columns, rows, **{"sheet_name": "Rapport", "title": "T", "parameters": [], "run_at": RUN_AT,
                                      **kwargs})
    return out.getvalue()


def csv_cells(data: bytes, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))


# --- XLSX ------------------------------------------------------------------------------------------


def test_xlsx_has_typed_cells_a_frozen_filtered_header_and_a_parameters_sheet(tmp_path: Path) -> None:
    path = tmp_path / "open-items.xlsx"
    count = write_xlsx(path, COLUMNS, iter(ROWS), sheet_name="Åpne poster", title="Åpne poster per 2024-02-29",
                       parameters=[("Dato", "2024-02-29"), ("Kunde", "=evil()")], run_at=RUN_AT)
    assert count == 3

    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Åpne poster", PARAMETERS_SHEET]
    ws = book["Åpne poster"]
    assert [c.value for c in ws[1]] == [c.title for c in COLUMNS]
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:G4"

    name, number, amount, rate, due, posted, paid = ws[2]
    assert (name.data_type, name.value) == ("s", "Blåbær AS")
    assert (number.data_type, number.value, number.number_format) == ("n", 10001, "0")
    assert (amount.data_type, amount.value, amount.number_format) == ("n", -1250.5, "#,##0.00;-#,##0.00")
    assert (rate.data_type, rate.value) == ("n", 11.234567)
    assert due.is_date and due.value == naive(2024, 1, 31) and due.number_format == "yyyy-mm-dd"
    assert posted.is_date and posted.value == naive(2024, 1, 2, 7, 15)  # +01:00 written in UTC
    assert posted.number_format == "yyyy-mm-dd hh:mm:ss"
    assert (paid.data_type, paid.value) == ("b", False)

    assert ws["A3"].value == "'=HYPERLINK(\"http://x\")"
    assert ws["C3"].value == 1234567.89 and ws["D3"].value == 0 and ws["G3"].value is True
    assert [ws[f"{col}4"].value for col in "ABDG"] == [None, None, None, None]  # None: empty cells
    assert ws["C4"].value == 5

    for letter, column in zip("ABCDEFG", COLUMNS, strict=True):
        assert len(column.title) < ws.column_dimensions[letter].width < 61  # Excel's stored width adds a little padding
    assert ws.column_dimensions["F"].width >= 19  # a date-time shows 19 characters

    info = book[PARAMETERS_SHEET]
    assert [[c.value for c in row] for row in info.iter_rows()] == [
        ["Åpne poster per 2024-02-29", None],
        [None, None],
        ["Dato", "2024-02-29"],
        ["Kunde", "'=evil()"],
        ["Run at (UTC)", naive(2024, 3, 1, 9, 30)],
    ]


def test_xlsx_column_widths_are_capped_and_a_naive_run_time_is_labelled_plainly() -> None:
    columns = [Column("note", "Merknad")]
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(columns, [{"note": "x" * 500}], run_at=naive(2024, 3, 1))))
    assert book["Rapport"].column_dimensions["A"].width == pytest.approx(60, abs=1)
    assert book[PARAMETERS_SHEET]["A3"].value == "Run at"


def test_xlsx_with_no_rows_has_the_header_only() -> None:
    ws = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(COLUMNS[:2], [])))["Rapport"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [["Kunde", "Kundenr"]]
    assert ws.auto_filter.ref == "A1:B1"


def test_xlsx_text_that_xml_cannot_hold_is_replaced_and_line_breaks_become_lf() -> None:
    rows = [{"name": "a\x00b\x1fc\ufffe"}, {"name": "line\r\nnext\rlast"}, {"name": "\ud800lone"}]
    ws = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(COLUMNS[:1], rows)))["Rapport"]
    assert [ws[f"A{r}"].value for r in (2, 3, 4)] == ["a\ufffdb\ufffdc\ufffd", "line\nnext\nlast", "\ufffdlone"]


def test_xlsx_writes_to_a_stream_and_leaves_it_open() -> None:
    out = io.BytesIO()
    assert write_xlsx(out, COLUMNS, ROWS, sheet_name="S", title="T", parameters=[], run_at=RUN_AT) == 3
    assert not out.closed
    assert openpyxl.load_workbook(io.BytesIO(out.getvalue()))["S"].max_row == 4


def test_xlsx_streams_rows_from_a_generator_at_low_memory(tmp_path: Path) -> None:
    total = 30_000
    produced = 0

    def rows() -> Iterator[dict[str, Any]]:
        nonlocal produced
        for i in range(total):
            produced += 1
            yield {"name": f"Kunde {i}", "amount": Decimal(i) / 100}

    columns = [COLUMNS[0], COLUMNS[2]]  # few columns: tracemalloc makes each allocation slow
    path = tmp_path / "big.xlsx"
    tracemalloc.start()
    try:
        count = write_xlsx(path, columns, rows(), sheet_name="Data", title="Big", parameters=[], run_at=RUN_AT)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == produced == total
    # Streamed, the peak is under 2 MB (a chunk of rows, the deflate buffers, the converters' small caches);
    # holding the rows takes 11-18 MB for these 30k rows.
    assert peak < 4 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"

    ws = openpyxl.load_workbook(path, read_only=True)["Data"]
    values = ws.iter_rows(values_only=True)
    assert next(values) == ("Kunde", "Beløp")
    last = None
    read = 0
    for last in values:  # noqa: B007 - the last row is checked below
        read += 1
    assert read == total
    assert last == (f"Kunde {total - 1}", (total - 1) / 100)


# --- formula injection: a property over arbitrary text ---------------------------------------------

any_text = st.text(alphabet=st.characters(exclude_categories=()), max_size=30)  # control chars, surrogates too
formula_like = st.sampled_from(["=", "+", "-", "@", "\t", "\r", "=1+2", "-12.50", "@SUM(A1)", "\r\n=x", ""])
cell_text = st.one_of(any_text, st.tuples(formula_like, any_text).map("".join))


def assert_formula_safe(original: str, written: str) -> None:
    assert not written.startswith("=")
    if written.startswith(DANGEROUS):
        assert PLAIN_NUMBER.fullmatch(written), written
    if original.startswith(DANGEROUS) and not PLAIN_NUMBER.fullmatch(original):
        assert written.startswith("'")


@settings(max_examples=60, deadline=None)
@given(st.lists(cell_text, min_size=1, max_size=8))
def test_xlsx_text_never_becomes_a_formula(texts: list[str]) -> None:
    columns = [Column("text", "Tekst"), Column("amount", "Beløp", ColumnKind.AMOUNT)]
    data = xlsx_bytes(columns, [{"text": t, "amount": Decimal("-12.50")} for t in texts])
    ws = openpyxl.load_workbook(io.BytesIO(data))["Rapport"]  # a file openpyxl reads is well-formed XML
    for original, (text_cell, amount_cell) in zip(texts, ws.iter_rows(min_row=2), strict=True):
        assert text_cell.data_type != "f" and amount_cell.data_type == "n"
        written = text_cell.value or ""
        assert isinstance(written, str)
        assert_formula_safe(original, written)
        if not re.search(r"[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]|_x", original):
            assert written == neutralise(original)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.text(max_size=30), st.tuples(formula_like, st.text()).map("".join)),
                          st.decimals(allow_nan=False, allow_infinity=False, places=2)), min_size=1, max_size=8),
       st.sampled_from([",", ";"]))
def test_csv_text_never_becomes_a_formula(rows: list[tuple[str, Decimal]], delimiter: str) -> None:
    columns = [Column("text", "Tekst"), Column("amount", "Beløp", ColumnKind.AMOUNT)]
    out = io.BytesIO()
    write_csv(out, columns, [{"text": t, "amount": a} for t, a in rows], delimiter=delimiter)
    header, *cells = csv_cells(out.getvalue(), delimiter)
    assert header == ["text", "amount"]
    for (original, amount), (written, amount_text) in zip(rows, cells, strict=True):
        assert_formula_safe(original, written)
        assert written == neutralise(original)
        assert PLAIN_NUMBER.fullmatch(amount_text)
        assert Decimal(amount_text.replace(",", ".")) == amount


# --- CSV and JSON ----------------------------------------------------------------------------------


def test_csv_with_semicolon_has_a_bom_decimal_comma_and_iso_dates() -> None:
    out = io.BytesIO()
    assert write_csv(out, COLUMNS, iter(ROWS), delimiter=";") == 3
    data = out.getvalue()
    assert data.startswith(BOM)
    assert csv_cells(data, ";") == [
        ["name", "number", "amount", "rate", "due", "posted", "paid"],
        ["Blåbær AS", "10001", "-1250,50", "11,234567", "2024-01-31", "2024-01-02T07:15:00+00:00", "false"],
        ["'=HYPERLINK(\"http://x\")", "7", "1234567,89", "0", "", "", "true"],
        ["", "", "5", "", "2025-12-24", "2024-06-30T23:59:59+00:00", ""],
    ]
    assert not out.closed


def test_csv_with_comma_has_a_decimal_point_and_no_exponents_and_may_leave_out_the_bom() -> None:
    out = io.BytesIO()
    write_csv(out, [Column("amount", "Beløp", ColumnKind.AMOUNT)], [{"amount": Decimal("1E+3")}], bom=False)
    assert out.getvalue() == b"amount\r\n1000\r\n"
    out = io.BytesIO()
    write_csv(out, COLUMNS[2:3], [{"amount": Decimal("-1250.50")}])
    assert out.getvalue() == BOM + b"amount\r\n-1250.50\r\n"


def test_json_round_trips_with_decimal_strings_and_iso_dates() -> None:
    out = io.BytesIO()
    assert write_json(out, COLUMNS, iter([*ROWS, {"name": "extra keys are left out", "secret": 1}])) == 4
    assert json.loads(out.getvalue()) == [
        {"name": "Blåbær AS", "number": 10001, "amount": "-1250.50", "rate": "11.234567", "due": "2024-01-31",
         "posted": "2024-01-02T07:15:00+00:00", "paid": False},
        {"name": "=HYPERLINK(\"http://x\")", "number": 7, "amount": "1234567.89", "rate": 0, "due": None,
         "posted": None, "paid": True},
        {"name": None, "number": None, "amount": 5, "rate": None, "due": "2025-12-24",
         "posted": "2024-06-30T23:59:59+00:00", "paid": None},
        {"name": "extra keys are left out", "number": None, "amount": None, "rate": None, "due": None,
         "posted": None, "paid": None},
    ]
    assert "Blåbær" in out.getvalue().decode("utf-8")


def test_json_of_no_rows_is_an_empty_array() -> None:
    out = io.BytesIO()
    assert write_json(out, COLUMNS, []) == 0
    assert json.loads(out.getvalue()) == []


# --- values that do not fit ------------------------------------------------------------------------

Writer = Callable[[io.BytesIO, list[Column], list[Mapping[str, Any]]], int]
WRITERS: dict[str, Writer] = {
    "xlsx": lambda out, columns, rows: write_xlsx(out, columns, rows, sheet_name="S", title="T", parameters=[],
                                                  run_at=RUN_AT),
    "csv": lambda out, columns, rows: write_csv(out, columns, rows),
    "json": lambda out, columns, rows: write_json(out, columns, rows),
}


@pytest.mark.parametrize("writer", WRITERS.values(), ids=WRITERS.keys())
def test_a_float_is_refused_naming_its_column(writer: Writer) -> None:
    with pytest.raises(TypeError, match=r"column 'amount': float 12\.5 refused"):
        writer(io.BytesIO(), COLUMNS, [ROWS[0], {**ROWS[0], "amount": 12.5}])


@pytest.mark.parametrize("writer", WRITERS.values(), ids=WRITERS.keys())
@pytest.mark.parametrize(
    ("key", "value"),
    [("amount", "12.50"), ("number", True), ("number", Decimal(1)), ("due", naive(2024, 1, 1)), ("name", 5),
     ("paid", 1), ("posted", date(2024, 1, 1))],
)
def test_a_value_of_the_wrong_type_is_refused_naming_its_column(writer: Writer, key: str, value: Any) -> None:
    with pytest.raises(TypeError, match=f"column '{key}'"):
        writer(io.BytesIO(), COLUMNS, [{key: value}])


@pytest.mark.parametrize("writer", WRITERS.values(), ids=WRITERS.keys())
def test_a_decimal_that_is_not_finite_is_refused(writer: Writer) -> None:
    with pytest.raises(ValueError, match="column 'rate'"):
        writer(io.BytesIO(), COLUMNS, [{"rate": Decimal("NaN")}])


def test_a_refused_row_leaves_no_xlsx_file(tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    with pytest.raises(TypeError):
        write_xlsx(path, COLUMNS, [ROWS[0], {"amount": 1.0}], sheet_name="S", title="T", parameters=[],
                   run_at=RUN_AT)
    assert not path.exists()
