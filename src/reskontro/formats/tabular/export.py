"""Report rows out as XLSX, CSV or JSON.

Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return) are neutralised with a leading apostrophe, unless they are plain numbers: "-12.50"
in a text column stays as it is, in every format. CSV is UTF-8 with a BOM so Excel reads æøå; ``;``
separates for Norwegian Excel.

``to_csv`` and ``to_json`` take whole lists of untyped rows. The streaming writers ``write_xlsx``,
``write_csv`` and ``write_json`` take typed ``Column`` specs and any iterable of row mappings, and
hold only one row at a time:

* Each value must fit its column's kind (``None`` is an empty cell). Floats are refused with a
  ``TypeError`` naming the column; amounts and rates are finite ``Decimal`` (or ``int``), never coerced.
  A row that does not fit stops the export: an XLSX target is then left untouched, while CSV and
  JSON have already streamed the rows before it.
* Aware date-times are written in UTC; naive ones as they are. XLSX cells carry no zone.
* XLSX (XlsxWriter, ``constant_memory``): the data sheet is named by the caller; a second sheet,
  ``Parameters``, holds the report title, the parameters and the run time. Text goes in with
  ``write_string`` only, so it never becomes a formula or a number. XML 1.0 cannot hold control
  characters other than tab, LF and CR, lone surrogates, U+FFFE and U+FFFF: they are replaced with
  U+FFFD so the loss shows, and CR LF or CR become LF, Excel's line break in a cell.
  Numbers become IEEE doubles, exact for up to 15 significant digits.
* CSV: the header is the column keys; decimals are plain (``1234.50``), with a decimal comma
  (``1234,50``) when the delimiter is ``;``; dates ISO 8601, booleans ``true``/``false``.
* JSON: an array of objects with the columns' keys; amounts are decimal strings, dates ISO 8601.
  JSON is data, not a sheet: its text is written as it is, not neutralised.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

import xlsxwriter  # type: ignore[import-untyped]

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?[0-9]+([.,][0-9]+)?")  # ASCII digits only, whole text


def neutralise(text: str) -> str:
    """Make text safe as a spreadsheet cell: a would-be formula gets a leading apostrophe."""
    if text.startswith(_DANGEROUS) and not _NUMBER.fullmatch(text):
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


def _values(columns: Sequence[Column], rows: Iterable[Mapping[str, Any]]) -> Iterator[list[Any]]:
    for row in rows:
        yield [_checked(c, row.get(c.key)) for c in columns]


def _flat_text(column: Column, value: Any, decimal_comma: bool) -> str:
    """A checked value as CSV text."""
    if value is None:
        return ""
    if column.kind is ColumnKind.TEXT:
        return neutralise(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        text = format(value, "f")  # never exponent notation
        return text.replace(".", ",") if decimal_comma else text
    if isinstance(value, datetime):
        return _utc(value).isoformat()
    return value.isoformat() if isinstance(value, date) else str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return _utc(value).isoformat()
    return value.isoformat() if isinstance(value, date) else value


def _text_out(out: BinaryIO) -> io.TextIOWrapper:
    return io.TextIOWrapper(out, encoding="utf-8", newline="")


def write_csv(out: BinaryIO, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]], *,
              delimiter: str = ",", bom: bool = True) -> int:
    """Stream rows to ``out`` as CSV (header of column keys); returns the number of rows written.

    With ``delimiter=";"`` (Norwegian Excel) decimals are written with a decimal comma.
    """
    decimal_comma = delimiter == ";"
    text = _text_out(out)
    try:
        if bom:
            text.write("\ufeff")
        writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow([c.key for c in columns])
        count = 0
        for values in _values(columns, rows):
            writer.writerow([_flat_text(c, v, decimal_comma) for c, v in zip(columns, values, strict=True)])
            count += 1
    finally:
        text.detach()  # flushes, and leaves ``out`` open for the caller
    return count


def write_json(out: BinaryIO, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]]) -> int:
    """Stream rows to ``out`` as a JSON array of objects, one per line; returns the number of rows written."""
    text = _text_out(out)
    try:
        text.write("[")
        count = 0
        for values in _values(columns, rows):
            obj = {c.key: _json_value(v) for c, v in zip(columns, values, strict=True)}
            text.write(("\n" if count == 0 else ",\n") + json.dumps(obj, ensure_ascii=False))
            count += 1
        text.write("\n]\n" if count else "]\n")
    finally:
        text.detach()
    return count


PARAMETERS_SHEET = "Parameters"
_WIDTH_SAMPLE = 200
_MAX_WIDTH = 60
_NUM_FORMATS = {
    ColumnKind.INTEGER: "0",  # no thousands separator: integers here are often numbers that identify
    ColumnKind.AMOUNT: "#,##0.00;-#,##0.00",
    ColumnKind.RATE: "0.00######",
    ColumnKind.DATE: "yyyy-mm-dd",
    ColumnKind.DATETIME: "yyyy-mm-dd hh:mm:ss",
}
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _sheet_text(text: str) -> str:
    """Neutralised text that XML 1.0 can hold: illegal characters become U+FFFD, CR LF and CR become LF."""
    return _XML_ILLEGAL.sub("\ufffd", neutralise(text)).replace("\r\n", "\n").replace("\r", "\n")


def _shown_width(column: Column, value: Any) -> int:
    """About how many characters a written cell shows (text: its longest line)."""
    if column.kind is ColumnKind.TEXT:
        return max(len(line) for line in value.split("\n"))
    if isinstance(value, bool):
        return 5
    if column.kind is ColumnKind.AMOUNT:
        return len(f"{value:,.2f}")
    if isinstance(value, (date, datetime)):
        return 19 if isinstance(value, datetime) else 10
    return len(str(value))


def _excel_datetime(value: datetime) -> datetime:
    return _utc(value).replace(tzinfo=None)  # cells carry no time zone


def write_xlsx(out: BinaryIO | str | Path, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]], *,
               sheet_name: str, title: str, parameters: Sequence[tuple[str, str]], run_at: datetime) -> int:
    """Stream rows into an XLSX workbook at ``out``; returns the number of rows written.

    The data sheet has a bold, frozen header of column titles and an autofilter; a second sheet,
    ``PARAMETERS_SHEET``, has the title in A1, then from row 3 each parameter's name and value, and
    last the run time. Nothing is written to ``out`` unless every row is written.
    """
    target = os.fspath(out) if isinstance(out, (str, Path)) else out
    book = xlsxwriter.Workbook(target, {"constant_memory": True})
    book.set_properties({"title": title, "created": _excel_datetime(run_at)})
    bold = book.add_format({"bold": True})
    formats = {kind: book.add_format({"num_format": spec}) for kind, spec in _NUM_FORMATS.items()}
    sheet = book.add_worksheet(sheet_name)

    sheet.freeze_panes(1, 0)
    widths = [len(column.title) + 3 for column in columns]  # +3: bold text and the filter button
    for i, column in enumerate(columns):
        sheet.write_string(0, i, _sheet_text(column.title), bold)
    count = 0
    for count, values in enumerate(_values(columns, rows), start=1):
        for i, (column, value) in enumerate(zip(columns, values, strict=True)):
            if value is None:
                continue
            if column.kind is ColumnKind.TEXT:
                value = _sheet_text(value)
                sheet.write_string(count, i, value)
            elif column.kind is ColumnKind.BOOL:
                sheet.write_boolean(count, i, value)
            elif column.kind is ColumnKind.DATETIME:
                sheet.write_datetime(count, i, _excel_datetime(value), formats[column.kind])
            elif column.kind is ColumnKind.DATE:
                sheet.write_datetime(count, i, value, formats[column.kind])
            else:
                # XLSX stores numbers as IEEE doubles: float only here, at the file format's boundary.
                # Amounts of up to 15 significant digits come through exact.
                sheet.write_number(count, i, float(value), formats[column.kind])
            if count <= _WIDTH_SAMPLE:
                widths[i] = max(widths[i], _shown_width(column, value) + 1)
    # XlsxWriter writes <cols> and <autoFilter> when it closes the sheet, so even in constant_memory
    # mode they can be set after the rows: widths from the first rows, the filter over all of them.
    for i, width in enumerate(widths):
        sheet.set_column(i, i, min(width, _MAX_WIDTH))
    if columns:
        sheet.autofilter(0, 0, count, len(columns) - 1)

    info = book.add_worksheet(PARAMETERS_SHEET)
    info.write_string(0, 0, _sheet_text(title), bold)
    for r, (name, value) in enumerate(parameters, start=2):
        info.write_string(r, 0, _sheet_text(name))
        info.write_string(r, 1, _sheet_text(value))
    info.write_string(len(parameters) + 2, 0, "Run at" if run_at.tzinfo is None else "Run at (UTC)")
    info.write_datetime(len(parameters) + 2, 1, _excel_datetime(run_at), formats[ColumnKind.DATETIME])
    names = [len(name) for name, _ in parameters] + [12]
    values_ = [len(value) for _, value in parameters] + [19]
    info.set_column(0, 0, min(max(names) + 2, _MAX_WIDTH))
    info.set_column(1, 1, min(max(values_) + 2, _MAX_WIDTH))
    book.close()
    return count
