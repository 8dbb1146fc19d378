"""Report rows out as XLSX, CSV or JSON.

Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return) are neutralised with a leading apostrophe, unless they are plain numbers: "-12.50"
in a text column stays as it is, in every format. CSV is UTF-8 with a BOM so Excel reads æøå; ``;``
separates for Norwegian Excel.

``to_csv`` and ``to_json`` take whole lists of untyped rows. The streaming writers ``write_xlsx``,
``write_csv`` and ``write_json`` take typed ``Column`` specs and any iterable of row mappings, and
hold only a bounded number of rows at a time:

* Each value must fit its column's kind (``None`` is an empty cell). Floats are refused with a
  ``TypeError`` naming the column; amounts and rates are finite ``Decimal`` (or ``int``), never coerced.
  A row that does not fit stops the export: an XLSX target is then left untouched, while CSV and
  JSON have already streamed the rows before it.
* Aware date-times are written in UTC; naive ones as they are. XLSX cells carry no zone.
* XLSX: a small streaming Office Open XML writer of its own (below), on ``zipfile``. The data sheet
  is named by the caller; a second sheet, ``Parameters``, holds the report title, the parameters and
  the run time. Text is written as inline strings only, so it never becomes a formula or a number.
  XML 1.0 cannot hold control characters other than tab, LF and CR, lone surrogates, U+FFFE and
  U+FFFF: they are replaced with U+FFFD so the loss shows, and CR LF or CR become LF, Excel's line
  break in a cell. Text longer than a cell holds (32,767 UTF-16 units) is cut there. Numbers become
  IEEE doubles when the file is read, exact for up to 15 significant digits. A sheet name Excel cannot
  take, more rows than a sheet holds (1,048,575 under the header) or a number beyond a double's range
  raise ``ValueError``.
* CSV: the header is the column keys; decimals are plain (``1234.50``), with a decimal comma
  (``1234,50``) when the delimiter is ``;``; dates ISO 8601, booleans ``true``/``false``.
* JSON: an array of objects with the columns' keys, one per line; amounts are decimal strings, dates
  ISO 8601. JSON is data, not a sheet: its text is written as it is, not neutralised.

Rows formatted elsewhere — by the database, for exports of millions of rows (``store.exports``) — follow a
``LineLayout`` (``csv_layout``, ``json_layout``): the same file formats as plain data, the text around each
cell and the rules its cells keep. ``write_csv_lines`` and ``write_json_lines`` frame such lines exactly as
``write_csv`` and ``write_json`` frame their rows.

Speed: per export each writer generates one function that converts rows, from the columns' kinds (see
"the row converters" below): the common exact types (``str``, ``int``, ``Decimal``, ``date``) take a
fast path, anything else the full check, which accepts or refuses it as the rules above say. Output is
written in chunks of rows.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import partial
from itertools import islice
from json.encoder import encode_basestring  # what json.dumps(text, ensure_ascii=False) uses
from pathlib import Path
from typing import Any, BinaryIO, cast

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_DANGER = frozenset(_DANGEROUS)
_DANGEROUS_TEXT = "".join(_DANGEROUS)
_NUMBER = re.compile(r"[+-]?[0-9]+([.,][0-9]+)?")  # ASCII digits only, whole text


def neutralise(text: str) -> str:
    """Make text safe as a spreadsheet cell: a would-be formula gets a leading apostrophe."""
    if text[:1] in _DANGER and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (date, datetime, Decimal, int)):
        return value.isoformat() if isinstance(value, (date, datetime)) else str(value)
    return neutralise(str(value))


def to_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str], *, delimiter: str = ",",
           bom: bool = True) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell_text(row.get(c)) for c in columns])
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def to_json(rows: Iterable[dict[str, Any]]) -> bytes:
    """A JSON array of row objects; amounts are decimal strings, dates ISO 8601."""
    return json.dumps(list(rows), default=_json_default, ensure_ascii=False, indent=1).encode("utf-8")


# --- streaming export: typed columns, XLSX, CSV and JSON -------------------------------------------


class ColumnKind(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    AMOUNT = "amount"  # Decimal (or int), normally 2 decimals
    RATE = "rate"  # Decimal (or int) with more decimals: interest, exchange rates
    DATE = "date"
    DATETIME = "datetime"
    BOOL = "bool"


@dataclass(frozen=True, slots=True)
class Column:
    """One report column: ``key`` into each row mapping (and CSV/JSON name), ``title`` for the XLSX header."""

    key: str
    title: str
    kind: ColumnKind = ColumnKind.TEXT


_ACCEPTS: dict[ColumnKind, tuple[type, ...]] = {
    ColumnKind.TEXT: (str,),
    ColumnKind.INTEGER: (int,),
    ColumnKind.AMOUNT: (Decimal, int),
    ColumnKind.RATE: (Decimal, int),
    ColumnKind.DATE: (date,),
    ColumnKind.DATETIME: (datetime,),
    ColumnKind.BOOL: (bool,),
}


def _checked(column: Column, value: Any) -> Any:
    """The value if it fits the column's kind; floats and mismatched types are refused, never coerced."""
    if value is None:
        return None
    if isinstance(value, float):
        raise TypeError(f"column {column.key!r}: float {value!r} refused; use Decimal for amounts and rates")
    kind = column.kind
    fits = (isinstance(value, _ACCEPTS[kind]) and (kind is ColumnKind.BOOL or not isinstance(value, bool))
            and (kind is not ColumnKind.DATE or not isinstance(value, datetime)))
    if not fits:
        raise TypeError(f"column {column.key!r} ({kind}): cannot write {type(value).__name__} {value!r}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"column {column.key!r}: {value} is not a finite number")
    return value


def _utc(value: datetime) -> datetime:
    """Aware date-times in UTC; naive ones are taken as they are."""
    return value if value.tzinfo is None else value.astimezone(UTC)


def _plain_decimal(value: Decimal) -> str:
    """A finite Decimal in plain notation, never with an exponent."""
    text = str(value)
    return format(value, "f") if "E" in text else text


def _flat_text(column: Column, value: Any, decimal_comma: bool) -> str:
    """A checked value as CSV text."""
    if value is None:
        return ""
    if column.kind is ColumnKind.TEXT:
        return neutralise(str(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        text = _plain_decimal(value)
        return text.replace(".", ",") if decimal_comma else text
    if isinstance(value, datetime):
        return _utc(value).isoformat()
    return value.isoformat() if isinstance(value, date) else str(int(value))


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _plain_decimal(value)
    if isinstance(value, datetime):
        return _utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    return str(value) if isinstance(value, str) else value


# --- the row converters ----------------------------------------------------------------------------
#
# Each writer turns a row into its text with a function generated once per export from the columns: per
# column a few lines chosen by the column's kind, which take the common exact types (``str``, ``int``,
# ``Decimal``, ``date``) on a fast path and hand anything else to that column's ``slow`` function, where
# ``_checked`` (the one definition of what fits a column) accepts or refuses it. A call per cell, a kind
# dispatch per cell or ``isinstance`` chains cost more than the writing itself. The generated source holds
# no data: keys, cell references and helpers are names bound in its namespace (``key3``, ``slow3``, ...).

_CHUNK_ROWS = 512  # rows gathered before a write
_MEMO_SIZE = 4096  # values a column remembers the text of (dates and short texts repeat in a report)
_MEMO_TEXT = 64  # longest text remembered

# Lines of one column: ``v`` in, ``x$i`` out ("$i" is the column's index).
_FAST_NONE = """\
elif v is None:
    x$i = {none}
else:
    x$i = slow$i(v{row})"""
_Rows = Callable[[Iterable[Mapping[str, Any]], Callable[[str], Any], int], int]


def _memo(compute: Callable[[Any], str], longest: int | None = None) -> tuple[dict[Any, str], Callable[[Any], str]]:
    """A bounded cache of ``compute`` and the function that fills it (texts longer than ``longest`` are not kept)."""
    cache: dict[Any, str] = {}

    def remember(value: Any) -> str:
        text = compute(value)
        if longest is None or len(value) <= longest:
            if len(cache) >= _MEMO_SIZE:
                cache.clear()
            cache[value] = text
        return text
    return cache, remember


def _compile_rows(columns: Sequence[Column], cell: Callable[[Column, int], tuple[str, dict[str, Any]]],
                  row: str, namespace: dict[str, Any], row_number: bool = False) -> _Rows:
    """``convert(rows, append, n) -> n``: each row's cells made by the columns' lines, ``append(row)`` called.

    ``n`` counts the rows; with ``row_number`` the lines see the sheet row number (``n + 1``) as text ``r``.
    """
    lines = ["def convert(rows, append, n):", "    for row in rows:", "        n += 1", "        get = row.get"]
    if row_number:
        lines.append("        r = str(n + 1)")
    for i, column in enumerate(columns):
        code, names = cell(column, i)
        namespace.update({f"{name}{i}": value for name, value in names.items()})
        namespace[f"key{i}"] = column.key
        lines.append(f"        v = get(key{i})")
        lines += ["        " + line.replace("$i", str(i)) for line in code.splitlines()]
    lines += [f"        append({row})", "    return n"]
    exec(compile("\n".join(lines), "<reskontro.formats.tabular.export rows>", "exec"), namespace)
    return cast(_Rows, namespace["convert"])


def _run(convert: _Rows, rows: Iterable[Mapping[str, Any]], write: Callable[[list[str]], None],
         parts: list[str], count: int = 0) -> int:
    """Convert the rows chunk by chunk and ``write`` the parts of each full chunk (the caller writes the last);
    returns the number of rows, counted on from ``count``."""
    source = iter(rows)
    while True:
        before = count
        count = convert(islice(source, _CHUNK_ROWS), parts.append, count)
        if count - before < _CHUNK_ROWS:
            return count
        write(parts)


def _write_text(out: BinaryIO, parts: list[str]) -> None:
    """Write the parts as UTF-8 and empty the list; on text that cannot be encoded (a lone surrogate) the parts
    before it are written, then it raises."""
    try:
        data = "".join(parts).encode("utf-8")
    except UnicodeEncodeError:
        try:
            for part in parts:
                out.write(part.encode("utf-8"))
        finally:
            parts.clear()
        raise  # not reached: one of the parts does not encode
    parts.clear()
    out.write(data)


class _Gather:
    """A file-like ``write`` into a list, for ``csv.writer``."""

    __slots__ = ("write",)

    def __init__(self, parts: list[str]) -> None:
        self.write = parts.append


# --- CSV -------------------------------------------------------------------------------------------

_CSV_FAST_DELIMITERS = frozenset(",;\t|")  # none of them in a number, a date or true/false


def _csv_quoted(text: str, delimiter: str) -> str:
    if '"' in text or delimiter in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


_CSV_LINES = {
    ColumnKind.TEXT: """\
if type(v) is str:
    if v[:1] in danger:
        v = neutralise(v)
    if '"' in v or sep in v or '\\n' in v or '\\r' in v:
        v = '"' + v.replace('"', '""') + '"'
    x$i = v
""",
    ColumnKind.INTEGER: """\
if type(v) is int:
    x$i = v
""",
    ColumnKind.AMOUNT: """\
if type(v) is Decimal:
    t = str(v)
    x$i = slow$i(v) if 'E' in t or 'N' in t or 'n' in t else t
""",
    ColumnKind.DATE: """\
if type(v) is date:
    x$i = memo$i.get(v) or remember$i(v)
""",
    ColumnKind.DATETIME: """\
if type(v) is datetime:
    x$i = (v if v.tzinfo is None else v.astimezone(utc)).isoformat()
""",
    ColumnKind.BOOL: """\
if v is True:
    x$i = 'true'
elif v is False:
    x$i = 'false'
""",
}
_CSV_LINES[ColumnKind.RATE] = _CSV_LINES[ColumnKind.AMOUNT]


def _csv_cell(decimal_comma: bool, delimiter: str) -> Callable[[Column, int], tuple[str, dict[str, Any]]]:
    def cell(column: Column, i: int) -> tuple[str, dict[str, Any]]:
        def slow(value: Any) -> str:
            return _csv_quoted(_flat_text(column, _checked(column, value), decimal_comma), delimiter)

        code = _CSV_LINES[column.kind]
        if decimal_comma and column.kind in (ColumnKind.AMOUNT, ColumnKind.RATE):
            code = code.replace("else t\n", "else t.replace('.', ',')\n")
        names: dict[str, Any] = {"slow": slow}
        if column.kind is ColumnKind.DATE:
            names["memo"], names["remember"] = _memo(date.isoformat)
        return code + _FAST_NONE.format(none="''", row=""), names
    return cell


def _csv_head(columns: Sequence[Column], delimiter: str, bom: bool) -> str:
    """The header line: the column keys, quoted by the csv module where they need it."""
    head = io.StringIO()
    csv.writer(head, delimiter=delimiter, lineterminator="\r\n").writerow([c.key for c in columns])
    return "\ufeff" + head.getvalue() if bom else head.getvalue()


def write_csv(out: BinaryIO, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]], *,
              delimiter: str = ",", bom: bool = True) -> int:
    """Stream rows to ``out`` as CSV (header of column keys); returns the number of rows written.

    With ``delimiter=";"`` (Norwegian Excel) decimals are written with a decimal comma.
    """
    decimal_comma = delimiter == ";"
    parts = [_csv_head(columns, delimiter, bom)]
    if len(columns) > 1 and delimiter in _CSV_FAST_DELIMITERS:
        namespace = {"danger": _DANGER, "neutralise": neutralise, "sep": delimiter, "Decimal": Decimal,
                     "date": date, "datetime": datetime, "utc": UTC}
        # An f-string is much faster than %; the delimiter, one of four, is the only text written into it.
        line = "f" + repr(delimiter.join(f"{{x{i}}}" for i in range(len(columns))) + "\r\n")
        convert = _compile_rows(columns, _csv_cell(decimal_comma, delimiter), line, namespace)
    else:  # one column (an empty cell is then quoted) or an unusual delimiter: the csv module quotes
        writer = csv.writer(_Gather(parts), delimiter=delimiter, lineterminator="\r\n")

        def convert(rows: Iterable[Mapping[str, Any]], append: Callable[[str], Any], n: int) -> int:
            for row in rows:
                writer.writerow([_flat_text(c, _checked(c, row.get(c.key)), decimal_comma) for c in columns])
                n += 1
            return n
    try:
        count = _run(convert, rows, partial(_write_text, out), parts)
    finally:
        if parts:  # the last rows, or the rows before a refused one
            _write_text(out, parts)
        out.flush()
    return count


# --- JSON ------------------------------------------------------------------------------------------

_JSON_LINES = {
    ColumnKind.TEXT: """\
if type(v) is str:
    x$i = encode(v)
""",
    ColumnKind.INTEGER: """\
if type(v) is int:
    x$i = v
""",
    ColumnKind.AMOUNT: """\
if type(v) is Decimal:
    t = str(v)
    x$i = slow$i(v) if 'E' in t or 'N' in t or 'n' in t else f'"{t}"'
""",
    ColumnKind.DATE: """\
if type(v) is date:
    x$i = memo$i.get(v) or remember$i(v)
""",
    ColumnKind.DATETIME: """\
if type(v) is datetime:
    x$i = f'"{(v if v.tzinfo is None else v.astimezone(utc)).isoformat()}"'
""",
    ColumnKind.BOOL: """\
if v is True:
    x$i = 'true'
elif v is False:
    x$i = 'false'
""",
}
_JSON_LINES[ColumnKind.RATE] = _JSON_LINES[ColumnKind.AMOUNT]


def _json_cell(column: Column, i: int) -> tuple[str, dict[str, Any]]:
    def slow(value: Any) -> str:
        return json.dumps(_json_value(_checked(column, value)), ensure_ascii=False)

    names: dict[str, Any] = {"slow": slow}
    if column.kind is ColumnKind.DATE:
        names["memo"], names["remember"] = _memo(lambda day: f'"{day.isoformat()}"')
    return _JSON_LINES[column.kind] + _FAST_NONE.format(none="'null'", row=""), names


def _json_keys(columns: Sequence[Column]) -> list[str]:
    """What goes before each value of a row object, as ``json.dumps`` writes it: ``"key": `` after ``, ``."""
    return [(", " if i else "") + json.dumps(c.key, ensure_ascii=False) + ": " for i, c in enumerate(columns)]


def write_json(out: BinaryIO, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]]) -> int:
    """Stream rows to ``out`` as a JSON array of objects, one per line; returns the number of rows written."""
    # One object as json.dumps writes it, '{"key": value, ...}', after a ",\n": the key of column i with what
    # goes before it is k<i>, its value x<i>.
    namespace = {"encode": encode_basestring, "Decimal": Decimal, "date": date, "datetime": datetime, "utc": UTC}
    namespace.update({f"k{i}": key for i, key in enumerate(_json_keys(columns))})
    line = "f',\\n{{" + "".join(f"{{k{i}}}{{x{i}}}" for i in range(len(columns))) + "}}'"
    convert = _compile_rows(columns, _json_cell, line, namespace)
    out.write(b"[")
    parts: list[str] = []
    first = [True]

    def write(objects: list[str]) -> None:  # each object comes as ",\n{...}"; the first one without the comma
        if objects and first[0]:
            objects[0] = objects[0][1:]
            first[0] = False
        _write_text(out, objects)

    try:
        count = _run(convert, rows, write, parts)
    finally:
        write(parts)  # the last rows, or the rows before a refused one
        out.flush()
    out.write(b"\n]\n" if count else b"]\n")
    out.flush()
    return count


# --- rows formatted elsewhere: line layouts and their writers ----------------------------------------
#
# A set-based exporter (``store.exports``: SQL that formats each row itself) writes what write_csv and
# write_json write, by a LineLayout: the text before each cell and after the last, what ends a row, and the
# CSV rules as plain data. It hands back blocks of whole rows, each row followed by ``end``, and
# write_csv_lines / write_json_lines frame them as write_csv / write_json frame their rows.


@dataclass(frozen=True, slots=True)
class LineLayout:
    """One row as one line of text: ``before`` each cell, ``after`` the last, ``end`` after the row.

    CSV: cells apart by ``delimiter``; amounts with ``decimal_mark``; a text cell starting with one of
    ``danger`` is neutralised (see :func:`neutralise`), and one holding a character of ``quote_if`` is
    quoted (:meth:`quote`). JSON: text cells are JSON strings as ``json.dumps`` writes them, never
    neutralised; amounts are decimal strings with a point.
    """

    style: str  # "csv" or "json"
    before: tuple[str, ...]
    after: str
    end: str
    delimiter: str = ""
    decimal_mark: str = "."
    danger: str = ""
    quote_if: str = ""

    def quote(self, cell: bytes) -> bytes:
        """A CSV text cell's UTF-8 bytes, quoted with its quotes doubled if it holds a quote, the delimiter,
        CR or LF (the rule of ``write_csv``; these are ASCII, so bytes and characters agree)."""
        if any(c.encode() in cell for c in self.quote_if):
            return b'"' + cell.replace(b'"', b'""') + b'"'
        return cell


def csv_layout(columns: Sequence[Column], delimiter: str = ",") -> LineLayout | None:
    """The line of a ``write_csv`` row, or None where write_csv leaves the quoting to the csv module (one column,
    or a delimiter other than ``,``, ``;``, tab or ``|``)."""
    if len(columns) <= 1 or delimiter not in _CSV_FAST_DELIMITERS:
        return None
    return LineLayout("csv", ("", *(delimiter,) * (len(columns) - 1)), "", "\r\n", delimiter,
                      "," if delimiter == ";" else ".", _DANGEROUS_TEXT, '"' + delimiter + "\n\r")


def json_layout(columns: Sequence[Column]) -> LineLayout | None:
    """The line of a ``write_json`` row object (None without columns)."""
    if not columns:
        return None
    keys = _json_keys(columns)
    return LineLayout("json", ("{" + keys[0], *keys[1:]), "}", ",\n")


#: Blocks of formatted rows: the bytes, every row followed by its layout's ``end``, and how many rows.
Blocks = Iterable[tuple[bytes, int]]


def write_csv_lines(out: BinaryIO, columns: Sequence[Column], blocks: Blocks, *, delimiter: str = ",",
                    bom: bool = True) -> int:
    """Write rows formatted by :func:`csv_layout` as ``write_csv`` writes them; returns the number of rows."""
    out.write(_csv_head(columns, delimiter, bom).encode("utf-8"))
    count = 0
    try:
        for data, rows in blocks:
            out.write(data)
            count += rows
    finally:
        out.flush()
    return count


def write_json_lines(out: BinaryIO, blocks: Blocks) -> int:
    """Write rows formatted by :func:`json_layout` as ``write_json`` writes them; returns the number of rows."""
    out.write(b"[")
    count = 0
    held = b""  # the ",\n" after the last row written so far, which the last row of all does not get
    try:
        for data, rows in blocks:
            if not rows:
                continue
            if not data.endswith(b",\n"):
                raise ValueError("a block of JSON rows must end with ',\\n'")
            out.write(held or b"\n")
            out.write(memoryview(data)[:-2])
            held = b",\n"
            count += rows
    finally:
        out.flush()
    out.write(b"\n]\n" if count else b"]\n")
    out.flush()
    return count


# --- XLSX: a small streaming SpreadsheetML writer ----------------------------------------------------
#
# The package holds [Content_Types].xml, the relationships, the workbook, a style sheet, the data sheet
# (streamed row by row through ZipFile.open(name, "w"), cells as inline strings, numbers and booleans,
# so no shared-string table), the Parameters sheet and the core document properties. The column widths
# come from the first rows, which are held back until the widths are known; the autofilter, after the
# rows in the sheet, covers them all. The whole package is built in a temporary file and copied to the
# target only when every row is written.

PARAMETERS_SHEET = "Parameters"
_WIDTH_SAMPLE = 200
_MAX_WIDTH = 60
_MAX_TEXT = 32_767  # UTF-16 units in a cell
_MAX_ROWS = 1_048_576  # rows in a sheet, the header included
_MAX_COLUMNS = 16_384
_COMPRESSLEVEL = 1  # deflate: level 6 makes the file a fifth smaller at four times the cost (3 -> 14 µs a row)
_NUM_FORMATS = {
    ColumnKind.INTEGER: "0",  # no thousands separator: integers here are often numbers that identify
    ColumnKind.AMOUNT: "#,##0.00;-#,##0.00",
    ColumnKind.RATE: "0.00######",
    ColumnKind.DATE: "yyyy-mm-dd",
    ColumnKind.DATETIME: "yyyy-mm-dd hh:mm:ss",
}
# Cell styles (cellXfs in styles.xml): 0 plain, 1 bold, then one per number format.
_BOLD = 1
_STYLE = {ColumnKind.INTEGER: 2, ColumnKind.AMOUNT: 3, ColumnKind.RATE: 4, ColumnKind.DATE: 5,
          ColumnKind.DATETIME: 6}
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Text that goes into <t> as it is: nothing to escape or replace, no "_x" (Excel reads _xHHHH_ as a
# character), no line break, and no white space at either end (which needs xml:space="preserve").
_XML_PLAIN = re.compile(r"(?!\s)[^&<>_\x00-\x1f\ud800-\udfff\ufffe\uffff]*(?<!\s)")
_EXCEL_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
_EPOCH = date(1899, 12, 30).toordinal()  # serial 0 for dates from 1900-03-01 on (Excel's 1900 leap year)
_LOTUS_LEAP_DAY = 61  # first serial after Excel's 1900-02-29, which never was
_EXACT = 10**15  # integers below this are exact as doubles, and shown so


def _sheet_text(text: str) -> str:
    """Neutralised text that XML 1.0 can hold: illegal characters become U+FFFD, CR LF and CR become LF."""
    return _XML_ILLEGAL.sub("\ufffd", neutralise(text)).replace("\r\n", "\n").replace("\r", "\n")


def _cut(text: str) -> str:
    """Text cut to what a cell holds, counted in UTF-16 units as Excel does."""
    if len(text) <= _MAX_TEXT // 2:
        return text
    units = 0
    for i, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > _MAX_TEXT:
            return text[:i]
    return text


def _xml(text: str) -> str:
    """Text escaped for XML character data and attribute values."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _inline_text(text: str) -> str:
    """The ``<t>`` element of an inline string cell holding neutralised, XML-safe text."""
    if text[:1] in _DANGER:
        text = neutralise(text)
    if len(text) <= _MAX_TEXT // 2 and _XML_PLAIN.fullmatch(text):
        return f"<t>{text}</t>"
    text = _cut(_XML_ILLEGAL.sub("\ufffd", text).replace("\r\n", "\n").replace("\r", "\n"))
    text = _EXCEL_ESCAPE.sub(r"_x005F\1", text)
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f"<t{space}>{text.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}</t>"


def _serial_day(value: date) -> int:
    serial = value.toordinal() - _EPOCH
    return serial if serial >= _LOTUS_LEAP_DAY else serial - 1


def _serial(value: date | datetime) -> str:
    """The Excel serial number of a date, or of a date-time (in UTC when aware)."""
    if not isinstance(value, datetime):
        return str(_serial_day(value))
    value = _utc(value)
    seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    return repr(_serial_day(value) + seconds / 86400)


def _number(column: Column, value: Decimal | int) -> str:
    """A checked number as the text of a cell value: a number a double can hold."""
    if isinstance(value, Decimal):
        text = str(value)
        if "E" not in text:
            return text
    elif -_EXACT < value < _EXACT:
        return str(int(value))  # exact as a double
    try:
        number = float(value)
    except OverflowError:
        number = float("inf")
    if number in (float("inf"), float("-inf")):
        raise ValueError(f"column {column.key!r}: {value} is too large for a spreadsheet number")
    return repr(number)


def _cell(column: Column, value: Any, ref: str) -> str:
    """The XLSX cell of a checked value (the general case; the converters below take the common ones)."""
    kind = column.kind
    if value is None:
        return ""
    if kind is ColumnKind.TEXT:
        return f'<c r="{ref}" t="inlineStr"><is>{_inline_text(str(value))}</is></c>'
    if kind is ColumnKind.BOOL:
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if kind in (ColumnKind.DATE, ColumnKind.DATETIME):
        return f'<c r="{ref}" s="{_STYLE[kind]}"><v>{_serial(value)}</v></c>'
    return f'<c r="{ref}" s="{_STYLE[kind]}"><v>{_number(column, value)}</v></c>'


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_XLSX_LINES = {
    ColumnKind.TEXT: """\
if type(v) is str:
    x$i = f'{cell$i}{r}" t="inlineStr"><is>{memo$i.get(v) or remember$i(v)}</is></c>'
""",
    ColumnKind.INTEGER: """\
if type(v) is int and -exact < v < exact:
    x$i = f'{cell$i}{r}{style$i}{v}</v></c>'
""",
    ColumnKind.AMOUNT: """\
if type(v) is Decimal:
    t = str(v)
    x$i = slow$i(v, r) if 'E' in t or 'N' in t or 'n' in t else f'{cell$i}{r}{style$i}{t}</v></c>'
""",
    ColumnKind.DATE: """\
if type(v) is date:
    x$i = f'{cell$i}{r}{style$i}{memo$i.get(v) or remember$i(v)}</v></c>'
""",
    ColumnKind.DATETIME: """\
if type(v) is datetime:
    x$i = f'{cell$i}{r}{style$i}{serial(v)}</v></c>'
""",
    ColumnKind.BOOL: """\
if v is True:
    x$i = f'{cell$i}{r}" t="b"><v>1</v></c>'
elif v is False:
    x$i = f'{cell$i}{r}" t="b"><v>0</v></c>'
""",
}
_XLSX_LINES[ColumnKind.RATE] = _XLSX_LINES[ColumnKind.AMOUNT]


def _xlsx_cell(column: Column, i: int) -> tuple[str, dict[str, Any]]:
    letters = _column_letters(i)

    def slow(value: Any, row: str) -> str:
        return _cell(column, _checked(column, value), letters + row)

    names: dict[str, Any] = {"slow": slow, "cell": f'<c r="{letters}'}
    if column.kind in _STYLE:
        names["style"] = f'" s="{_STYLE[column.kind]}"><v>'
    if column.kind is ColumnKind.TEXT:
        names["memo"], names["remember"] = _memo(_inline_text, longest=_MEMO_TEXT)
    elif column.kind is ColumnKind.DATE:
        names["memo"], names["remember"] = _memo(_serial)
    return _XLSX_LINES[column.kind] + _FAST_NONE.format(none="''", row=", r"), names


def _shown_width(column: Column, value: Any) -> int:
    """About how many characters a written cell shows (text: its longest line)."""
    if column.kind is ColumnKind.TEXT:
        return max(len(line) for line in _sheet_text(str(value)).split("\n"))
    if isinstance(value, bool):
        return 5
    if column.kind is ColumnKind.AMOUNT:
        return len(f"{value:,.2f}")
    if isinstance(value, (date, datetime)):
        return 19 if isinstance(value, datetime) else 10
    return len(str(value))


def _col_width(width: float) -> str:
    """A width in characters as Excel stores it: whole pixels of Calibri 11 (7 per digit, 5 of padding)."""
    pixels = int(width * 7 + 0.5) + 5
    return f"{pixels * 256 // 7 / 256:.16g}"


def _check_sheet_name(name: str) -> None:
    if not name or len(name) > 31 or re.search(r"[\[\]:*?/\\]", name) or name.startswith("'") \
            or name.endswith("'") or _XML_ILLEGAL.search(name):
        raise ValueError(f"sheet name {name!r}: 1 to 31 characters, none of []:*?/\\ and no ' at either end")
    if name.casefold() == PARAMETERS_SHEET.casefold():
        raise ValueError(f"sheet name {name!r} is taken by the parameters sheet")


_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_NS_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_CONTENT_TYPES = (
    _DECLARATION + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet2.xml" ContentType="{_CT}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    "</Types>")
_ROOT_RELS = (
    _DECLARATION + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml"/>'
    "</Relationships>")
_WORKBOOK_RELS = (
    _DECLARATION + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/worksheet" Target="worksheets/sheet2.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}/styles" Target="styles.xml"/>'
    "</Relationships>")
_FONT = '<sz val="11"/><name val="Calibri"/><family val="2"/>'
_CUSTOM_FORMATS: dict[ColumnKind, int] = {
    kind: 164 + i for i, kind in enumerate(k for k in _NUM_FORMATS if k is not ColumnKind.INTEGER)}
_FORMAT_IDS: dict[ColumnKind, int] = {ColumnKind.INTEGER: 1, **_CUSTOM_FORMATS}  # 1 is Excel's built-in "0"
_STYLES = (
    _DECLARATION + f"<styleSheet {_NS}>"
    f'<numFmts count="{len(_CUSTOM_FORMATS)}">'
    + "".join(f'<numFmt numFmtId="{i}" formatCode="{_xml(_NUM_FORMATS[k])}"/>' for k, i in _CUSTOM_FORMATS.items())
    + "</numFmts>"
    f'<fonts count="2"><font>{_FONT}</font><font><b/>{_FONT}</font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    "</fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    f'<cellXfs count="{2 + len(_STYLE)}"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    + "".join(f'<xf numFmtId="{_FORMAT_IDS[k]}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
              for k in sorted(_STYLE, key=_STYLE.__getitem__))
    + "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '<dxfs count="0"/><tableStyles count="0"/>'
    "</styleSheet>")
_FROZEN_HEADER = ('<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
                  '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                  '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>')
_PLAIN_VIEW = '<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
_SHEET_END = ('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
              "</worksheet>")


def _sheet_start(view: str, widths: Sequence[float]) -> str:
    cols = "".join(f'<col min="{i}" max="{i}" width="{_col_width(w)}" customWidth="1"/>'
                   for i, w in enumerate(widths, start=1))
    return (_DECLARATION + f"<worksheet {_NS} {_NS_R}>{view}"
            f'<sheetFormatPr defaultRowHeight="15"/>{"<cols>" + cols + "</cols>" if cols else ""}<sheetData>')


def _workbook(sheet_name: str, filter_ref: str | None) -> str:
    defined = ""
    if filter_ref:
        quoted = "'" + sheet_name.replace("'", "''") + "'"
        defined = (f'<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
                   f"{_xml(quoted)}!{filter_ref}</definedName></definedNames>")
    return (_DECLARATION + f"<workbook {_NS} {_NS_R}><bookViews><workbookView/></bookViews><sheets>"
            f'<sheet name="{_xml(sheet_name)}" sheetId="1" r:id="rId1"/>'
            f'<sheet name="{PARAMETERS_SHEET}" sheetId="2" r:id="rId2"/></sheets>{defined}</workbook>')


def _core(title: str, created: datetime) -> str:
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (_DECLARATION + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
            'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{_xml(_XML_ILLEGAL.sub(chr(0xFFFD), title))}</dc:title>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>')


def _text_cell(ref: str, text: str, style: int = 0) -> str:
    styled = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{styled} t="inlineStr"><is>{_inline_text(text)}</is></c>'


def _parameters_sheet(title: str, parameters: Sequence[tuple[str, str]], run_at: datetime) -> str:
    names = [len(name) for name, _ in parameters] + [12]
    values = [len(value) for _, value in parameters] + [19]
    rows = [f'<row r="1">{_text_cell("A1", title, _BOLD)}</row>']
    for r, (name, value) in enumerate(parameters, start=3):
        rows.append(f'<row r="{r}">{_text_cell(f"A{r}", name)}{_text_cell(f"B{r}", value)}</row>')
    r = len(parameters) + 3
    label = "Run at" if run_at.tzinfo is None else "Run at (UTC)"
    rows.append(f'<row r="{r}">{_text_cell(f"A{r}", label)}'
                f'<c r="B{r}" s="{_STYLE[ColumnKind.DATETIME]}"><v>{_serial(run_at)}</v></c></row>')
    widths = [min(max(names) + 2, _MAX_WIDTH), min(max(values) + 2, _MAX_WIDTH)]
    return _sheet_start(_PLAIN_VIEW, widths) + "".join(rows) + "</sheetData>" + _SHEET_END


def write_xlsx(out: BinaryIO | str | Path, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]], *,
               sheet_name: str, title: str, parameters: Sequence[tuple[str, str]], run_at: datetime) -> int:
    """Stream rows into an XLSX workbook at ``out``; returns the number of rows written.

    The data sheet has a bold, frozen header of column titles and an autofilter; a second sheet,
    ``PARAMETERS_SHEET``, has the title in A1, then from row 3 each parameter's name and value, and
    last the run time. Nothing is written to ``out`` unless every row is written.
    """
    _check_sheet_name(sheet_name)
    if len(columns) > _MAX_COLUMNS:
        raise ValueError(f"{len(columns)} columns: a sheet holds at most {_MAX_COLUMNS}")
    letters = [_column_letters(i) for i in range(len(columns))]
    namespace = {"Decimal": Decimal, "date": date, "datetime": datetime, "serial": _serial, "exact": _EXACT}
    convert = _compile_rows(columns, _xlsx_cell, "f'<row r=\"{r}\">" + "".join(f"{{x{i}}}" for i in range(len(columns)))
                            + "</row>'", namespace, row_number=True)
    header = ('<row r="1">' + "".join(_text_cell(f"{letter}1", c.title, _BOLD)
                                      for c, letter in zip(columns, letters, strict=True)) + "</row>")

    source = iter(rows)
    first = list(islice(source, _WIDTH_SAMPLE))  # held back until the widths are known
    held: list[str] = []
    count = convert(first, held.append, 0)
    widths: list[float] = [len(c.title) + 3 for c in columns]  # +3: bold text and the filter button
    for row in first:
        for i, column in enumerate(columns):
            value = row.get(column.key)
            if value is not None:
                widths[i] = max(widths[i], _shown_width(column, value) + 1)
    del first

    with tempfile.TemporaryFile() as package:
        with zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED, compresslevel=_COMPRESSLEVEL) as book:
            book.writestr("[Content_Types].xml", _CONTENT_TYPES)
            book.writestr("_rels/.rels", _ROOT_RELS)
            book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
            book.writestr("xl/styles.xml", _STYLES)
            with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
                held.insert(0, _sheet_start(_FROZEN_HEADER, [min(w, _MAX_WIDTH) for w in widths]) + header)
                sheet.write("".join(held).encode("utf-8"))
                del held
                written = [count]

                def write(parts: list[str]) -> None:
                    written[0] += len(parts)
                    if written[0] >= _MAX_ROWS:
                        raise ValueError(f"more than {_MAX_ROWS - 1} rows: too many for a sheet")
                    sheet.write("".join(parts).encode("utf-8"))
                    parts.clear()

                parts: list[str] = []
                count = _run(convert, source, write, parts, count)
                write(parts)
                filter_ref = f"$A$1:${letters[-1]}${count + 1}" if columns else None
                autofilter = f'<autoFilter ref="A1:{letters[-1]}{count + 1}"/>' if columns else ""
                sheet.write(f"</sheetData>{autofilter}{_SHEET_END}".encode())
            book.writestr("xl/worksheets/sheet2.xml", _parameters_sheet(title, parameters, run_at))
            book.writestr("xl/workbook.xml", _workbook(sheet_name, filter_ref))
            book.writestr("docProps/core.xml", _core(title, _utc(run_at)))
        package.seek(0)
        if isinstance(out, (str, Path)):
            with open(os.fspath(out), "wb") as target:
                shutil.copyfileobj(package, target, 1 << 20)
        else:
            shutil.copyfileobj(package, out, 1 << 20)
            out.flush()
    return count
