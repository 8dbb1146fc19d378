"""The fast writers: the XLSX package read back by openpyxl and checked part by part, and CSV and JSON compared
with plain reference definitions of their output over generated rows of every column kind."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import Any, BinaryIO, cast

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
from reskontro.money import exponent, from_minor

RUN_AT = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
ALL_KINDS = [
    Column("text", "Tekst"),
    Column("integer", "Heltall", ColumnKind.INTEGER),
    Column("amount", "Beløp", ColumnKind.AMOUNT),
    Column("rate", "Kurs", ColumnKind.RATE),
    Column("date", "Dato", ColumnKind.DATE),
    Column("datetime", "Tidspunkt", ColumnKind.DATETIME),
    Column("bool", "Ja/nei", ColumnKind.BOOL),
]


def naive(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """What openpyxl gives back: spreadsheet cells carry no time zone."""
    return datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - naive on purpose


def xlsx(columns: list[Column], rows: Sequence[Mapping[str, Any]], **kwargs: Any) -> bytes:
    out = io.BytesIO()
    write_xlsx(out, columns, rows, **{"sheet_name": "Rapport", "title": "T", "parameters": [], "run_at": RUN_AT,
                                      **kwargs})
    return out.getvalue()


def sheet_xml(data: bytes, part: str = "xl/worksheets/sheet1.xml") -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read(part).decode("utf-8")


def excel_width(characters: int) -> float:
    """The width Excel stores for a column of so many characters of Calibri 11."""
    return (int(characters * 7 + 0.5) + 5) * 256 // 7 / 256


# --- the package -----------------------------------------------------------------------------------


def test_the_package_is_a_sound_zip_of_well_formed_parts_that_refer_to_each_other() -> None:
    data = xlsx(ALL_KINDS, [{"text": "a", "amount": Decimal("1.00")}], parameters=[("p", "v")])
    book = zipfile.ZipFile(io.BytesIO(data))
    assert book.testzip() is None
    names = set(book.namelist())
    assert names == {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                     "xl/styles.xml", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "docProps/core.xml"}
    for name in names:
        ET.fromstring(book.read(name))  # well-formed XML
    overrides = {e.get("PartName") for e in ET.fromstring(book.read("[Content_Types].xml"))
                 if e.get("PartName")}
    assert overrides == {"/" + n for n in names if not n.endswith(".rels") and n != "[Content_Types].xml"}
    for rels, base in (("_rels/.rels", ""), ("xl/_rels/workbook.xml.rels", "xl/")):
        targets = {base + e.get("Target", "") for e in ET.fromstring(book.read(rels))}
        assert targets <= names
    assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in book.infolist())


def test_the_data_sheet_holds_its_parts_in_the_schema_order() -> None:
    root = ET.fromstring(sheet_xml(xlsx(ALL_KINDS, [{"text": "a"}])))
    assert [child.tag.removeprefix(MAIN) for child in root] == [
        "sheetViews", "sheetFormatPr", "cols", "sheetData", "autoFilter", "pageMargins"]
    pane = root.find(f"{MAIN}sheetViews/{MAIN}sheetView/{MAIN}pane")
    assert pane is not None
    assert pane.attrib == {"ySplit": "1", "topLeftCell": "A2", "activePane": "bottomLeft", "state": "frozen"}


def test_every_cell_has_its_reference_and_empty_values_leave_no_cell() -> None:
    rows: list[dict[str, Any]] = [{"text": "x", "bool": True}, {}, {"integer": 3}]
    root = ET.fromstring(sheet_xml(xlsx(ALL_KINDS, rows)))
    data = root.find(f"{MAIN}sheetData")
    assert data is not None
    assert [(r.get("r"), [c.get("r") for c in r]) for r in data] == [
        ("1", ["A1", "B1", "C1", "D1", "E1", "F1", "G1"]), ("2", ["A2", "G2"]), ("3", []), ("4", ["B4"])]


# --- values, types and formats read back -----------------------------------------------------------


def test_values_types_and_number_formats_come_back_from_openpyxl() -> None:
    rows = [
        {"text": "Blåbær AS", "integer": 10001, "amount": Decimal("-1250.50"), "rate": Decimal("11.234567"),
         "date": date(2024, 1, 31), "datetime": datetime(2024, 1, 2, 8, 15, 30, 250000,
                                                         tzinfo=timezone(timedelta(hours=1))), "bool": False},
        {"text": "", "integer": 0, "amount": 5, "rate": 0, "date": date(2024, 2, 29),
         "datetime": naive(2024, 12, 31, 23, 59, 59), "bool": True},
        {"amount": Decimal("1E+3"), "rate": Decimal("1E-7"), "integer": -(10**16)},
    ]
    ws = openpyxl.load_workbook(io.BytesIO(xlsx(ALL_KINDS, rows)))["Rapport"]
    text, integer, amount, rate, day, moment, flag = ws[2]
    assert (text.data_type, text.value, text.number_format) == ("s", "Blåbær AS", "General")
    assert (integer.data_type, integer.value, integer.number_format) == ("n", 10001, "0")
    assert (amount.data_type, amount.value, amount.number_format) == ("n", -1250.5, "#,##0.00;-#,##0.00")
    assert (rate.value, rate.number_format) == (11.234567, "0.00######")
    assert day.is_date and day.value == naive(2024, 1, 31) and day.number_format == "yyyy-mm-dd"
    assert moment.is_date and moment.number_format == "yyyy-mm-dd hh:mm:ss"
    assert moment.value == datetime(2024, 1, 2, 7, 15, 30, 250000)  # noqa: DTZ001 - in UTC, without the zone
    assert (flag.data_type, flag.value) == ("b", False)
    assert [c.value for c in ws[3]] == ["", 0, 5, 0, naive(2024, 2, 29), naive(2024, 12, 31, 23, 59, 59), True]
    assert [ws[f"{c}4"].value for c in "BCD"] == [-1e16, 1000, 1e-7]


@pytest.mark.parametrize(("day", "serial"), [(date(1900, 1, 1), 1), (date(1900, 2, 28), 59), (date(1900, 3, 1), 61),
                                             (date(2024, 1, 31), 45322), (date(9999, 12, 31), 2958465)])
def test_dates_are_excel_serial_numbers_around_the_1900_leap_day_that_never_was(day: date, serial: int) -> None:
    assert f'<c r="E2" s="5"><v>{serial}</v></c>' in sheet_xml(xlsx(ALL_KINDS, [{"date": day}]))


def test_a_number_a_double_cannot_hold_is_refused_naming_its_column() -> None:
    with pytest.raises(ValueError, match="column 'amount'"):
        xlsx(ALL_KINDS, [{"amount": Decimal("1E+400")}])
    with pytest.raises(ValueError, match="column 'integer'"):
        xlsx(ALL_KINDS, [{"integer": 10**400}])


class Kind(StrEnum):
    CUSTOMER = "customer"


class Level(IntEnum):
    HIGH = 3


def test_subclasses_of_the_accepted_types_are_written_as_their_plain_values() -> None:
    rows = [{"text": Kind.CUSTOMER, "integer": Level.HIGH, "amount": Level.HIGH}]
    ws = openpyxl.load_workbook(io.BytesIO(xlsx(ALL_KINDS, rows)))["Rapport"]
    assert [ws["A2"].value, ws["B2"].value, ws["C2"].value] == ["customer", 3, 3]
    out = io.BytesIO()
    write_csv(out, ALL_KINDS, rows)
    assert out.getvalue().decode("utf-8-sig").splitlines()[1] == "customer,3,3,,,,"
    out = io.BytesIO()
    write_json(out, ALL_KINDS, rows)
    assert json.loads(out.getvalue())[0] == {"text": "customer", "integer": 3, "amount": 3, "rate": None,
                                                  "date": None, "datetime": None, "bool": None}


# --- text ------------------------------------------------------------------------------------------


def test_markup_characters_and_non_latin_text_come_back_as_written() -> None:
    texts = ['<b>Fjord & Søn</b> "AS"', "Ωμέγα Ελλάς", "日本語のテキスト", "Привет", "emoji 🧾 ok", "tab\tinside"]
    data = xlsx([Column("text", 'Navn <"&">')], [{"text": t} for t in texts], title='R&D <"x">',
                parameters=[('a<b>&"c"', "ø&<>")])
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book["Rapport"]
    assert ws["A1"].value == 'Navn <"&">'
    assert [ws[f"A{r}"].value for r in range(2, 2 + len(texts))] == texts
    info = book[PARAMETERS_SHEET]
    assert info["A1"].value == 'R&D <"x">' and (info["A3"].value, info["B3"].value) == ('a<b>&"c"', "ø&<>")
    assert book.properties.title == 'R&D <"x">'


def test_leading_and_trailing_white_space_is_kept() -> None:
    data = xlsx([Column("text", "T")], [{"text": "  indented"}, {"text": "trailing "}, {"text": "\u00a0nbsp"}])
    ws = openpyxl.load_workbook(io.BytesIO(data))["Rapport"]
    assert [ws[f"A{r}"].value for r in (2, 3, 4)] == ["  indented", "trailing ", "\u00a0nbsp"]
    assert sheet_xml(data).count('<t xml:space="preserve">') == 3


def test_text_that_looks_like_an_excel_escape_is_escaped_itself() -> None:
    """Excel reads _xHHHH_ in a string as that character; the underscore of a literal one is escaped."""
    data = xlsx([Column("text", "T")], [{"text": "code _x0041_ and _x_"}])
    assert "<t>code _x005F_x0041_ and _x_</t>" in sheet_xml(data)


def test_text_longer_than_a_cell_holds_is_cut_at_32767_utf16_units() -> None:
    data = xlsx([Column("text", "T")], [{"text": "x" * 40_000}, {"text": "🧾" * 20_000}])
    ws = openpyxl.load_workbook(io.BytesIO(data))["Rapport"]
    assert ws["A2"].value == "x" * 32_767
    assert ws["A3"].value == "🧾" * 16_383  # two UTF-16 units each


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=6))
def test_any_text_comes_back_neutralised_and_otherwise_as_written(texts: list[str]) -> None:
    ws = openpyxl.load_workbook(io.BytesIO(xlsx([Column("text", "T")], [{"text": t} for t in texts])))["Rapport"]
    for r, original in enumerate(texts, start=2):
        written = ws[f"A{r}"].value
        expected = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", "\ufffd", neutralise(original))
        expected = re.sub("(_x[0-9a-fA-F]{4}_)", r"_x005F\1", expected.replace("\r\n", "\n").replace("\r", "\n"))
        assert written == expected


# --- layout: widths, filter, frozen header, parameters ---------------------------------------------


def test_widths_come_from_the_titles_and_the_first_rows_only() -> None:
    columns = [Column("text", "Kunde"), Column("amount", "Beløp", ColumnKind.AMOUNT),
               Column("date", "D", ColumnKind.DATE), Column("bool", "B", ColumnKind.BOOL)]
    rows: list[dict[str, Any]] = [
        {"text": "Blåbær AS", "amount": Decimal("-1234567.50"), "date": date(2024, 1, 1), "bool": True},
        *({"text": "x"} for _ in range(198)), {"text": "two\nlines, the longer first"},
        {"text": "a much longer name, but row 202 is past the sample"}]
    ws = openpyxl.load_workbook(io.BytesIO(xlsx(columns, rows)))["Rapport"]
    widths = {letter: ws.column_dimensions[letter].width for letter in "ABCD"}
    # text: the longest line of the first 200 rows + 1; amount: "-1,234,567.50" + 1; date 10 + 1; title + 3
    assert widths == {"A": excel_width(len("lines, the longer first") + 1), "B": excel_width(14),
                      "C": excel_width(11), "D": excel_width(6)}


def test_the_filter_covers_every_row_and_the_header_is_frozen_and_bold() -> None:
    ws = openpyxl.load_workbook(io.BytesIO(xlsx(ALL_KINDS, [{"text": str(i)} for i in range(1_234)])))["Rapport"]
    assert ws.auto_filter.ref == "A1:G1235"
    assert ws.freeze_panes == "A2"
    assert all(c.font.b for c in ws[1]) and not ws["A2"].font.b
    assert ws.max_row == 1_235


def test_the_filter_is_also_a_defined_name_with_the_sheet_name_quoted() -> None:
    data = xlsx(ALL_KINDS[:2], [{}], sheet_name="Kunde's & <poster>")
    workbook = sheet_xml(data, "xl/workbook.xml")
    assert "<definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"0\" hidden=\"1\">" \
           "'Kunde''s &amp; &lt;poster&gt;'!$A$1:$B$2</definedName>" in workbook
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames == ["Kunde's & <poster>", PARAMETERS_SHEET]


def test_an_empty_result_is_a_workbook_with_the_header_filter_and_parameters() -> None:
    data = xlsx(ALL_KINDS, [], parameters=[("Dato", "2024-02-29")])
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book["Rapport"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [[c.title for c in ALL_KINDS]]
    assert ws.auto_filter.ref == "A1:G1" and ws.freeze_panes == "A2"
    assert [[c.value for c in row] for row in book[PARAMETERS_SHEET].iter_rows()] == [
        ["T", None], [None, None], ["Dato", "2024-02-29"], ["Run at (UTC)", naive(2024, 3, 1, 9, 30)]]


def test_a_workbook_without_columns_has_no_filter() -> None:
    data = xlsx([], [{}, {}])
    ws = openpyxl.load_workbook(io.BytesIO(data))["Rapport"]
    assert ws.auto_filter.ref is None
    assert "_FilterDatabase" not in sheet_xml(data, "xl/workbook.xml")


def test_read_only_openpyxl_reads_the_streamed_rows_in_order() -> None:
    rows = [{"text": f"r{i}", "integer": i, "date": date(2024, 1, 1) + timedelta(days=i % 9)} for i in range(2_000)]
    ws = openpyxl.load_workbook(io.BytesIO(xlsx(ALL_KINDS[:5], rows)), read_only=True)["Rapport"]
    got = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(got) == 2_000
    assert got[1_999] == ("r1999", 1999, None, None, naive(2024, 1, 1) + timedelta(days=1999 % 9))


@pytest.mark.parametrize("name", ["", "x" * 32, "a/b", "a[1]", "what?", "'quoted'", PARAMETERS_SHEET.upper()])
def test_a_sheet_name_excel_cannot_take_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="sheet name"):
        xlsx(ALL_KINDS, [], sheet_name=name)


# --- nothing is written unless every row is --------------------------------------------------------


class Sink:
    """A target that can only be written to, as stdout or a socket."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> int:
        self.data += data
        return len(data)

    def flush(self) -> None:
        pass


def test_a_stream_target_gets_nothing_when_a_row_is_refused_and_the_whole_package_otherwise() -> None:
    sink = Sink()
    rows = [{"text": str(i)} for i in range(1_000)] + [{"amount": 1.5}]
    with pytest.raises(TypeError, match="column 'amount'"):
        write_xlsx(cast(BinaryIO, sink), ALL_KINDS, rows, sheet_name="S", title="T", parameters=[], run_at=RUN_AT)
    assert sink.data == b""
    assert write_xlsx(cast(BinaryIO, sink), ALL_KINDS, rows[:-1], sheet_name="S", title="T", parameters=[],
                      run_at=RUN_AT) == 1_000
    assert zipfile.ZipFile(io.BytesIO(bytes(sink.data))).testzip() is None


def test_a_refused_row_leaves_an_existing_file_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    path.write_bytes(b"before")
    with pytest.raises(TypeError):
        write_xlsx(path, ALL_KINDS, [{"date": naive(2024, 1, 1)}], sheet_name="S", title="T", parameters=[],
                   run_at=RUN_AT)
    assert path.read_bytes() == b"before"


# --- CSV and JSON against reference definitions ----------------------------------------------------

texts = st.one_of(st.text(max_size=20), st.sampled_from(["=1+1", "-12.50", "a;b", 'say "hi"', "x\r\ny", "", "@x",
                                                          "\tt", "+47 22", "Blåbær"]))
decimals = st.decimals(allow_nan=False, allow_infinity=False, places=2) | st.decimals(
    allow_nan=False, allow_infinity=False) | st.sampled_from([Decimal("1E+3"), Decimal("-0.00"), Decimal("1E-7")])
values: dict[str, st.SearchStrategy[Any]] = {
    "text": texts,
    "integer": st.integers(min_value=-(10**20), max_value=10**20),
    "amount": decimals | st.integers(min_value=-(10**6), max_value=10**6),
    "rate": decimals,
    "date": st.dates(),
    "datetime": st.datetimes(timezones=st.none() | st.just(UTC) | st.just(timezone(timedelta(hours=-5)))),
    "bool": st.booleans(),
}
rows_of_every_kind = st.lists(st.fixed_dictionaries({}, optional={k: st.none() | v for k, v in values.items()}),
                              max_size=12)


def reference_text(column: Column, value: Any, decimal_comma: bool) -> str:
    """The CSV text of a value, defined plainly."""
    if value is None:
        return ""
    if column.kind is ColumnKind.TEXT:
        return neutralise(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.replace(".", ",") if decimal_comma else text
    if isinstance(value, datetime):
        return (value if value.tzinfo is None else value.astimezone(UTC)).isoformat()
    return value.isoformat() if isinstance(value, date) else str(value)


def reference_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return (value if value.tzinfo is None else value.astimezone(UTC)).isoformat()
    return value.isoformat() if isinstance(value, date) else value


@settings(max_examples=150, deadline=None)
@given(rows_of_every_kind, st.sampled_from([",", ";", "\t", "|", ":"]), st.booleans())
def test_csv_is_what_the_csv_module_writes_of_the_plain_texts(rows: list[dict[str, Any]], delimiter: str,
                                                              bom: bool) -> None:
    expected = io.StringIO()
    writer = csv.writer(expected, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([c.key for c in ALL_KINDS])
    for row in rows:
        writer.writerow([reference_text(c, row.get(c.key), delimiter == ";") for c in ALL_KINDS])
    out = io.BytesIO()
    assert write_csv(out, ALL_KINDS, rows, delimiter=delimiter, bom=bom) == len(rows)
    assert out.getvalue() == (("\ufeff" if bom else "") + expected.getvalue()).encode("utf-8", "surrogatepass")


@settings(max_examples=150, deadline=None)
@given(rows_of_every_kind)
def test_json_lines_are_what_json_dumps_writes_of_each_row(rows: list[dict[str, Any]]) -> None:
    out = io.BytesIO()
    assert write_json(out, ALL_KINDS, rows) == len(rows)
    objects = [{c.key: reference_json(row.get(c.key)) for c in ALL_KINDS} for row in rows]
    lines = [json.dumps(o, ensure_ascii=False) for o in objects]
    expected = "[\n" + ",\n".join(lines) + "\n]\n" if rows else "[]\n"
    assert out.getvalue() == expected.encode("utf-8", "surrogatepass")
    if not any(re.search("[\ud800-\udfff]", str(o)) for o in objects):
        assert json.loads(out.getvalue()) == objects


def test_a_single_column_csv_quotes_an_empty_cell_as_the_csv_module_does() -> None:
    out = io.BytesIO()
    write_csv(out, [Column("a", "A")], [{"a": ""}, {"a": None}, {"a": "x"}], bom=False)
    assert out.getvalue() == b'a\r\n""\r\n""\r\nx\r\n'


@pytest.mark.parametrize("writer", ["csv", "json"])
def test_rows_before_a_refused_one_are_written_even_past_a_chunk(writer: str) -> None:
    rows: list[Mapping[str, Any]] = [{"integer": i} for i in range(1_300)] + [{"integer": "7"}]
    out = io.BytesIO()
    with pytest.raises(TypeError, match="column 'integer'"):
        (write_csv if writer == "csv" else write_json)(out, ALL_KINDS, rows)
    text = out.getvalue().decode("utf-8-sig")
    assert text.count("\n") == 1_300 + (1 if writer == "csv" else 0)
    assert "1299" in text.splitlines()[-1]


def test_text_that_utf8_cannot_hold_stops_csv_after_the_rows_before_it() -> None:
    out = io.BytesIO()
    with pytest.raises(UnicodeEncodeError):
        write_csv(out, ALL_KINDS, [{"text": "ok"}, {"text": "bad \ud800"}], bom=False)
    assert out.getvalue() == b"text,integer,amount,rate,date,datetime,bool\r\nok,,,,,,\r\n"


# --- money.from_minor --------------------------------------------------------------------------------


def old_from_minor(minor: int, currency: str) -> Decimal:
    exp = exponent(currency)
    return Decimal(minor).scaleb(-exp).quantize(Decimal(1).scaleb(-exp))


@settings(max_examples=500)
@given(st.integers(min_value=-(10**30), max_value=10**30) | st.integers(min_value=-1000, max_value=1000),
       st.sampled_from(["NOK", "JPY", "KWD"]))
def test_from_minor_gives_what_scaleb_and_quantize_gave_to_the_exponent(minor: int, currency: str) -> None:
    try:
        old = old_from_minor(minor, currency)
    except InvalidOperation:
        with pytest.raises(InvalidOperation):
            from_minor(minor, currency)
        return
    new = from_minor(minor, currency)
    assert new.as_tuple() == old.as_tuple()  # same sign, digits and exponent: the same number of decimals
    assert str(new) == str(old)


@pytest.mark.parametrize(("minor", "currency", "text"), [
    (0, "NOK", "0.00"), (0, "JPY", "0"), (0, "KWD", "0.000"), (-5, "NOK", "-0.05"), (-100, "KWD", "-0.100"),
    (123456, "NOK", "1234.56"), (-(2**63), "NOK", "-92233720368547758.08"), (10**27, "NOK", "1" + "0" * 25 + ".00")])
def test_from_minor_keeps_the_currencys_decimals(minor: int, currency: str, text: str) -> None:
    assert str(from_minor(minor, currency)) == text


# --- LibreOffice, where it is installed ------------------------------------------------------------


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_workbook_and_shows_each_sheet_as_written(tmp_path: Path) -> None:
    rows = [{"text": 'Blåbær & <Søn> "AS"', "integer": 10001, "amount": Decimal("-1250.50"), "rate": Decimal("0.5"),
             "date": date(2024, 1, 31), "datetime": naive(2024, 1, 2, 7, 15), "bool": False},
            {"text": "=SUM(A1)", "amount": 5, "bool": True}, {"text": "Ωμέγα _x0041_"}]
    source = tmp_path / "book.xlsx"
    write_xlsx(source, ALL_KINDS, rows, sheet_name="Rapport", title="T", parameters=[("Kunde", "=x")],
               run_at=RUN_AT)
    # comma-separated, '"'-quoted, UTF-8, cells as shown, every sheet to a file of its own
    filter_ = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to",
                    filter_, "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=180)
    data = (tmp_path / "book-Rapport.csv").read_text("utf-8")
    assert list(csv.reader(io.StringIO(data))) == [
        [c.title for c in ALL_KINDS],
        ['Blåbær & <Søn> "AS"', "10001", "-1,250.50", "0.50", "2024-01-31", "2024-01-02 07:15:00", "FALSE"],
        ["'=SUM(A1)", "", "5.00", "", "", "", "TRUE"],
        ["Ωμέγα _x0041_", "", "", "", "", "", ""],
    ]
    parameters = (tmp_path / f"book-{PARAMETERS_SHEET}.csv").read_text("utf-8")
    assert list(csv.reader(io.StringIO(parameters))) == [
        ["T", ""], ["", ""], ["Kunde", "'=x"], ["Run at (UTC)", "2024-03-01 09:30:00"]]
