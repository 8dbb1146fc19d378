"""Export rules: CSV is UTF-8 with a BOM and formula-safe cells; JSON writes amounts as decimal strings, dates ISO."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reskontro.formats.tabular.export import cell_text, neutralise, to_csv, to_json

BOM = b"\xef\xbb\xbf"
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+([.,][0-9]+)?")


def naive(*parts: int) -> datetime:
    """A spreadsheet date-time: cells carry no time zone."""
    return datetime(*parts)  # noqa: DTZ001 - naive on purpose


def parse_csv(data: bytes, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))


# --- neutralise ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=SUM(A1:A2)", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx", "=",
                                  "+", "-", "-12.", "-1e5", "--12"])
def test_would_be_formulas_get_a_leading_apostrophe(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["-12.50", "-12,50", "+12.50", "-7", "12", "0.5"])
def test_plain_numbers_are_left_alone(text: str) -> None:
    assert neutralise(text) == text


@pytest.mark.parametrize("text", ["Fjord AS", "", "a=b", "post@firma.no", " =1", "'quoted"])
def test_text_not_starting_with_a_formula_character_is_left_alone(text: str) -> None:
    assert neutralise(text) == text


def test_a_number_followed_by_a_line_break_is_not_a_plain_number() -> None:
    assert neutralise("-12\n") == "'-12\n"


def test_non_ascii_digits_are_not_a_plain_number() -> None:
    assert neutralise("-\u0661\u0662") == "'-\u0661\u0662"  # Arabic-Indic one, two


# --- cell_text -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (Decimal("-1250.50"), "-1250.50"),
        (Decimal("0.00"), "0.00"),
        (-42, "-42"),
        (date(2024, 1, 31), "2024-01-31"),
        (naive(2024, 1, 31, 8, 15), "2024-01-31T08:15:00"),
        ("Blåbær AS", "Blåbær AS"),
        ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
    ],
)
def test_cell_text_of_each_type(value: Any, text: str) -> None:
    assert cell_text(value) == text


def test_cell_text_neutralises_other_objects_by_their_text() -> None:
    class Odd:
        def __str__(self) -> str:
            return "@evil"

    assert cell_text(Odd()) == "'@evil"


def _unsafe(cell: str) -> bool:
    if cell.startswith(("=", "@", "\t", "\r")):
        return True
    return cell.startswith(("+", "-")) and not PLAIN_NUMBER.fullmatch(cell)


@settings(max_examples=300)
@given(text=st.text())
def test_no_text_becomes_a_formula_cell(text: str) -> None:
    cell = cell_text(text)
    assert not _unsafe(cell)
    assert cell in (text, "'" + text)


@settings(max_examples=300)
@given(lead=st.sampled_from("=+-@\t\r"),
       tail=st.text(alphabet=st.sampled_from("0123456789.,+-=aZ æ'\n\r\"\u0661\uff11")))
def test_no_formula_like_text_becomes_a_formula_cell(lead: str, tail: str) -> None:
    assert not _unsafe(cell_text(lead + tail))


# --- CSV -------------------------------------------------------------------------------------------


def test_csv_starts_with_a_utf8_bom() -> None:
    data = to_csv([{"name": "Blåbær AS"}], ["name"])
    assert data.startswith(BOM)
    assert data[len(BOM):].decode("utf-8") == "name\r\nBlåbær AS\r\n"


def test_csv_without_bom_when_asked() -> None:
    assert to_csv([], ["a", "b"], bom=False) == b"a,b\r\n"


def test_csv_header_row_is_the_columns_and_rows_follow_in_column_order() -> None:
    rows = [{"b": 2, "a": Decimal("1.50")}, {"a": Decimal("-3.00"), "b": None}]
    assert parse_csv(to_csv(rows, ["a", "b"])) == [["a", "b"], ["1.50", "2"], ["-3.00", ""]]


def test_csv_missing_keys_and_extra_keys() -> None:
    assert parse_csv(to_csv([{"a": "x", "zzz": "ignored"}], ["a", "b"])) == [["a", "b"], ["x", ""]]


def test_csv_semicolon_delimiter_option() -> None:
    data = to_csv([{"amount": "1250,50", "name": "A; B"}], ["amount", "name"], delimiter=";")
    assert data == BOM + b'amount;name\r\n1250,50;"A; B"\r\n'
    assert parse_csv(data, ";") == [["amount", "name"], ["1250,50", "A; B"]]


def test_csv_cells_are_neutralised() -> None:
    data = to_csv([{"name": "=1+1", "amount": Decimal("-12.50"), "note": "-12.50"}], ["name", "amount", "note"])
    assert parse_csv(data) == [["name", "amount", "note"], ["'=1+1", "-12.50", "-12.50"]]


def test_csv_dates_are_iso() -> None:
    assert parse_csv(to_csv([{"due": date(2024, 2, 29)}], ["due"]))[1] == ["2024-02-29"]


def test_csv_quotes_delimiters_quotes_and_line_breaks() -> None:
    value = 'He said "hi",\nthen left'
    assert parse_csv(to_csv([{"t": value}], ["t"]))[1] == [value]


# --- JSON ------------------------------------------------------------------------------------------


def test_json_writes_decimals_as_strings() -> None:
    out = json.loads(to_json([{"amount": Decimal("1250.50"), "zero": Decimal("0.00")}]))
    assert out == [{"amount": "1250.50", "zero": "0.00"}]


def test_json_writes_dates_and_datetimes_iso() -> None:
    out = json.loads(to_json([{"due": date(2024, 1, 31), "at": naive(2024, 1, 31, 12, 0, 5)}]))
    assert out == [{"due": "2024-01-31", "at": "2024-01-31T12:00:05"}]


def test_json_keeps_plain_json_values() -> None:
    out = json.loads(to_json([{"n": 3, "ok": True, "none": None, "name": "=not a formula in json"}]))
    assert out == [{"n": 3, "ok": True, "none": None, "name": "=not a formula in json"}]


def test_json_is_utf8_without_escapes() -> None:
    data = to_json([{"name": "Blåbær"}])
    assert "Blåbær".encode() in data
    assert not data.startswith(BOM)


def test_json_of_no_rows_is_an_empty_array() -> None:
    assert json.loads(to_json([])) == []


def test_json_accepts_any_iterable_of_rows() -> None:
    assert json.loads(to_json({"i": i} for i in range(2))) == [{"i": 0}, {"i": 1}]


def test_json_refuses_values_it_cannot_write() -> None:
    with pytest.raises(TypeError, match="set"):
        to_json([{"x": {1, 2}}])
