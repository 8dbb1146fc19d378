"""Read a table (CSV or XLSX) into header-checked rows of text, each with its row number.

CSV: UTF-8 (a BOM is fine), comma or semicolon separated (sniffed from the header line).
XLSX: the first sheet; dates and numbers are turned into the same text a CSV would hold.
"""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import BinaryIO

from reskontro.formats.result import Problem


@dataclass(frozen=True, slots=True)
class TextRow:
    row: int
    values: dict[str, str]


class TableError(ValueError):
    """The file as a whole cannot be read (not CSV/XLSX, wrong header, too big)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        # openpyxl gives floats for numeric cells; repr gives the shortest exact decimal text.
        text = repr(value)
        return format(Decimal(text), "f") if "e" in text.lower() else text.removesuffix(".0")
    return str(value).strip()


#: What openpyxl raises for a damaged file; damaged XML inside the zip is a ParseError (a SyntaxError).
_UNREADABLE_XLSX = (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError)


def _xlsx_rows(data: BinaryIO, source: str) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(data, read_only=True, data_only=True)
    except _UNREADABLE_XLSX as exc:
        raise TableError(Problem(source, None, None, "bad_file", f"not a readable XLSX file ({exc})")) from None
    try:
        ws = wb.worksheets[0]
        for row in ws.iter_rows(values_only=True):  # read-only mode parses the sheet XML here
            yield [_cell_text(v) for v in row]
    except _UNREADABLE_XLSX as exc:
        raise TableError(Problem(source, None, None, "bad_file", f"not a readable XLSX file ({exc})")) from None
    finally:
        wb.close()


def _csv_rows(data: BinaryIO, source: str) -> Iterator[list[str]]:
    text = io.TextIOWrapper(data, encoding="utf-8-sig", newline="")
    reader = None
    try:
        first = text.readline()
        if not first:
            return  # an empty file has no header row
        delimiter = ";" if first.count(";") > first.count(",") else ","
        reader = csv.reader(itertools.chain([first], text), delimiter=delimiter, strict=True)
        yield from reader
    except UnicodeDecodeError as exc:
        line = f" near line {reader.line_num + 1}" if reader else ""
        raise TableError(Problem(source, None, None, "bad_encoding",
                                 f"the file is not UTF-8{line} ({exc.reason}); save it as CSV UTF-8")) from None
    except csv.Error as exc:
        raise TableError(Problem(source, reader.line_num if reader else None, None, "bad_csv",
                                 f"malformed CSV ({exc})")) from None
    finally:
        if not text.closed:  # a suspended generator may be collected after its wrapper was
            text.detach()


def read_table(data: bytes | BinaryIO, source: str, *, required: Sequence[str], optional: Sequence[str] = ()
               ) -> Iterator[TextRow]:
    """Rows as {column: text}, read lazily; raises :class:`TableError` naming the file-level fault.

    ``data`` is the file's bytes or a seekable binary file object (read as a stream, so a file of
    millions of rows never sits in memory whole).
    """
    stream: BinaryIO = io.BytesIO(data) if isinstance(data, bytes) else data
    head = stream.read(4)
    stream.seek(0)
    rows = _xlsx_rows(stream, source) if head == b"PK\x03\x04" else _csv_rows(stream, source)
    try:
        header = next(rows)
    except StopIteration:
        raise TableError(Problem(source, 1, None, "empty", "the file is empty")) from None
    names = [h.strip().lower().lstrip("\ufeff") for h in header]
    while names and names[-1] == "":
        names.pop()
    missing = [c for c in required if c not in names]
    unknown = [c for c in names if c not in required and c not in optional]
    duplicated = sorted({c for c in names if names.count(c) > 1})
    if missing or unknown or duplicated:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)}")
        if duplicated:
            parts.append(f"duplicated column(s) {', '.join(duplicated)}")
        raise TableError(Problem(source, 1, None, "bad_header",
                                 "; ".join(parts) + f". Expected: {', '.join(required)}"))
    for number, raw in enumerate(rows, start=2):
        if not any(v.strip() for v in raw):
            continue
        if len(raw) > len(names) and any(v.strip() for v in raw[len(names):]):
            raise TableError(Problem(source, number, None, "extra_values",
                                     f"row has {len(raw)} values but the header has {len(names)} columns"))
        padded = [*raw, *[""] * (len(names) - len(raw))]
        yield TextRow(number, {n: padded[k].strip() for k, n in enumerate(names)})
