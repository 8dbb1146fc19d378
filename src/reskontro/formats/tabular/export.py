"""Report rows out as CSV or JSON.

Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return) are neutralised with a leading apostrophe, unless they are plain numbers. CSV is
UTF-8 with a BOM so Excel reads æøå; ``;`` separates for Norwegian Excel.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

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
