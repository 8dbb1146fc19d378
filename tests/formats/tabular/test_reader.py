"""Table reader rules: UTF-8 CSV (',' or ';', BOM ok) or XLSX in, checked text rows out, file faults as problems."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import pytest
from openpyxl import Workbook

from reskontro.formats.result import Problem
from reskontro.formats.tabular import reader
from reskontro.formats.tabular.reader import TableError, TextRow, read_table


def naive(*parts: int) -> datetime:
    """A spreadsheet date-time: cells carry no time zone."""
    return datetime(*parts)  # noqa: DTZ001 - naive on purpose


def xlsx(rows: Sequence[Sequence[Any]], *, extra_sheet: Sequence[Sequence[Any]] = ()) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(list(row))
    if extra_sheet:
        other = wb.create_sheet("Other")
        for row in extra_sheet:
            other.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def read(data: bytes, required: Sequence[str] = ("a", "b"), optional: Sequence[str] = ()) -> list[TextRow]:
    return list(read_table(data, "f.csv", required=required, optional=optional))


def fault(data: bytes, required: Sequence[str] = ("a", "b"), optional: Sequence[str] = ()) -> Problem:
    with pytest.raises(TableError) as info:
        read(data, required, optional)
    assert str(info.value) == str(info.value.problem)
    return info.value.problem


# --- CSV dialects ----------------------------------------------------------------------------------


def test_comma_separated_csv_is_read() -> None:
    assert read(b"a,b\n1,2\n3,4\n") == [TextRow(2, {"a": "1", "b": "2"}), TextRow(3, {"a": "3", "b": "4"})]


def test_semicolon_separated_csv_is_read_and_decimal_commas_stay_in_their_cell() -> None:
    assert read(b"a;b\n1;2,50\n") == [TextRow(2, {"a": "1", "b": "2,50"})]


def test_the_delimiter_is_the_one_the_header_line_uses_most() -> None:
    assert read(b"a;b;c\n1;2,5;x,y\n", ("a", "b", "c")) == [TextRow(2, {"a": "1", "b": "2,5", "c": "x,y"})]


def test_crlf_line_endings_are_read() -> None:
    assert read(b"a,b\r\n1,2\r\n") == [TextRow(2, {"a": "1", "b": "2"})]


def test_utf8_bom_is_ignored() -> None:
    assert read("\ufeffa;b\nblåbær;ærø\n".encode()) == [TextRow(2, {"a": "blåbær", "b": "ærø"})]


def test_header_names_are_trimmed_and_case_insensitive() -> None:
    assert read(b" A , B \n1,2\n") == [TextRow(2, {"a": "1", "b": "2"})]


def test_values_are_trimmed() -> None:
    assert read(b"a,b\n  1 ,\t2\t\n") == [TextRow(2, {"a": "1", "b": "2"})]


def test_quoted_values_may_hold_the_delimiter_and_line_breaks() -> None:
    rows = read(b'a,b\n"1,5","line one\nline two"\n')
    assert rows == [TextRow(2, {"a": "1,5", "b": "line one\nline two"})]


def test_columns_may_come_in_any_order() -> None:
    assert read(b"b,a\n2,1\n") == [TextRow(2, {"a": "1", "b": "2"})]


def test_optional_columns_are_allowed_and_may_be_absent() -> None:
    assert read(b"a,b,c\n1,2,3\n", optional=("c", "d")) == [TextRow(2, {"a": "1", "b": "2", "c": "3"})]
    assert read(b"a,b\n1,2\n", optional=("c",)) == [TextRow(2, {"a": "1", "b": "2"})]


def test_trailing_empty_header_cells_are_ignored() -> None:
    assert read(b"a,b,,\n1,2,,\n") == [TextRow(2, {"a": "1", "b": "2"})]


def test_blank_lines_are_skipped_and_row_numbers_keep_counting() -> None:
    rows = read(b"a,b\n1,2\n\n , \n,,\n3,4\n")
    assert [r.row for r in rows] == [2, 6]
    assert rows[1].values == {"a": "3", "b": "4"}


def test_short_rows_are_padded_with_empty_text() -> None:
    assert read(b"a,b\n1\n") == [TextRow(2, {"a": "1", "b": ""})]


def test_trailing_empty_values_beyond_the_header_are_ignored() -> None:
    assert read(b"a,b\n1,2,,\n") == [TextRow(2, {"a": "1", "b": "2"})]


def test_a_header_only_file_has_no_rows() -> None:
    assert read(b"a,b\n") == []


def test_a_binary_file_object_is_read_as_a_stream_and_left_open() -> None:
    stream = io.BytesIO(b"a;b\n1;2\n")
    rows = list(read_table(stream, "f.csv", required=("a", "b")))
    assert rows == [TextRow(2, {"a": "1", "b": "2"})]
    assert not stream.closed


def test_an_xlsx_file_object_is_read() -> None:
    stream = io.BytesIO(xlsx([["a", "b"], [1, 2]]))
    assert list(read_table(stream, "f.xlsx", required=("a", "b"))) == [TextRow(2, {"a": "1", "b": "2"})]


def test_rows_are_read_lazily() -> None:
    rows = read_table(b"a,b\n1,2\n3,4\n", "f.csv", required=("a", "b"))
    assert next(rows) == TextRow(2, {"a": "1", "b": "2"})
    assert next(rows) == TextRow(3, {"a": "3", "b": "4"})
    with pytest.raises(StopIteration):
        next(rows)


# --- header faults ---------------------------------------------------------------------------------


def test_missing_column_is_named() -> None:
    p = fault(b"a\n1\n")
    assert (p.code, p.row, p.source) == ("bad_header", 1, "f.csv")
    assert "missing column(s) b" in p.message
    assert "Expected: a, b" in p.message


def test_unknown_column_is_named() -> None:
    p = fault(b"a,b,colour\n1,2,red\n")
    assert p.code == "bad_header"
    assert "unknown column(s) colour" in p.message


def test_duplicated_column_is_named() -> None:
    p = fault(b"a,b,A\n1,2,3\n")
    assert p.code == "bad_header"
    assert "duplicated column(s) a" in p.message


def test_every_header_fault_is_named_at_once() -> None:
    p = fault(b"a,a,x\n", ("a", "b", "c"))
    assert "missing column(s) b, c" in p.message
    assert "unknown column(s) x" in p.message
    assert "duplicated column(s) a" in p.message


# --- file faults -----------------------------------------------------------------------------------


def test_empty_file_is_a_problem() -> None:
    p = fault(b"")
    assert (p.code, p.row) == ("empty", 1)


def test_non_utf8_file_is_a_problem_asking_for_utf8() -> None:
    p = fault("a,b\nblåbær,1\n".encode("latin-1"))
    assert p.code == "bad_encoding"
    assert "save it as CSV UTF-8" in p.message


def test_non_utf8_header_is_a_problem() -> None:
    assert fault("å,b\n1,2\n".encode("latin-1")).code == "bad_encoding"


def test_unterminated_quote_is_a_problem_not_an_exception() -> None:
    p = fault(b'a,b\n1,"2\n3,4\n')
    assert p.code == "bad_csv"
    assert "malformed CSV" in p.message


def test_text_after_a_closing_quote_is_a_problem() -> None:
    assert fault(b'a,b\n1,"2"x\n').code == "bad_csv"


def test_values_beyond_the_header_are_a_problem_with_the_row_number() -> None:
    p = fault(b"a,b\n1,2\n1,2,3\n")
    assert (p.code, p.row) == ("extra_values", 3)
    assert "3 values" in p.message


def test_zip_that_is_not_xlsx_is_a_problem() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "hello")
    p = fault(buf.getvalue())
    assert p.code == "bad_file"
    assert "XLSX" in p.message


def test_file_starting_with_pk_that_is_no_zip_is_a_problem() -> None:
    assert fault(b"PK\x03\x04 this is not a zip archive").code == "bad_file"


def test_truncated_xlsx_is_a_problem() -> None:
    data = xlsx([["a", "b"], [1, 2]])
    assert fault(data[: len(data) // 2]).code == "bad_file"


def _damaged(part: str) -> bytes:
    good = zipfile.ZipFile(io.BytesIO(xlsx([["a", "b"], [1, 2]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name in good.namelist():
            z.writestr(name, b"<not xml" if name == part else good.read(name))
    return out.getvalue()


@pytest.mark.parametrize("part", ["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"])
def test_xlsx_with_damaged_xml_is_a_problem_not_an_exception(part: str) -> None:
    assert fault(_damaged(part)).code == "bad_file"


# --- XLSX ------------------------------------------------------------------------------------------


def test_xlsx_is_read_like_csv() -> None:
    assert read(xlsx([["A", "b"], ["x", " y "]])) == [TextRow(2, {"a": "x", "b": "y"})]


def test_xlsx_date_cells_become_iso_dates() -> None:
    rows = read(xlsx([["a", "b"], [date(2024, 1, 31), naive(2024, 2, 29, 0, 0)]]))
    assert rows[0].values == {"a": "2024-01-31", "b": "2024-02-29"}


def test_xlsx_datetime_cells_with_a_time_keep_it() -> None:
    rows = read(xlsx([["a", "b"], [naive(2024, 1, 31, 10, 30), None]]))
    assert rows[0].values == {"a": "2024-01-31T10:30:00", "b": ""}


def test_xlsx_numeric_cells_become_plain_decimal_text() -> None:
    rows = read(xlsx([["a", "b"], [1250.5, 1250], [1250.0, 0.1], [-12.75, 1e-05]]))
    assert [r.values for r in rows] == [{"a": "1250.5", "b": "1250"}, {"a": "1250", "b": "0.1"},
                                        {"a": "-12.75", "b": "0.00001"}]


def test_xlsx_blank_rows_are_skipped_and_row_numbers_are_sheet_rows() -> None:
    rows = read(xlsx([["a", "b"], [1, 2], [None, None], [3, 4]]))
    assert [r.row for r in rows] == [2, 4]


def test_xlsx_only_the_first_sheet_is_read() -> None:
    rows = read(xlsx([["a", "b"], [1, 2]], extra_sheet=[["x"], ["y"]]))
    assert rows == [TextRow(2, {"a": "1", "b": "2"})]


def test_xlsx_header_faults_are_named_like_csv() -> None:
    p = fault(xlsx([["a", "c"], [1, 2]]))
    assert p.code == "bad_header"
    assert "missing column(s) b" in p.message
    assert "unknown column(s) c" in p.message


def test_empty_xlsx_is_a_problem() -> None:
    assert fault(xlsx([])).code == "empty"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (date(2024, 5, 17), "2024-05-17"),
        (naive(2024, 5, 17), "2024-05-17"),
        (naive(2024, 5, 17, 8, 0, 1), "2024-05-17T08:00:01"),
        (1250.0, "1250"),
        (0.1, "0.1"),
        (1e-07, "0.0000001"),
        (1.5e-10, "0.00000000015"),
        (1e16, "10000000000000000"),
        (-2.5e17, "-250000000000000000"),
        (17, "17"),
        ("  tekst ", "tekst"),
    ],
)
def test_cell_values_are_turned_into_csv_text(value: object, text: str) -> None:
    assert reader._cell_text(value) == text
