"""Line layouts: rows formatted elsewhere (by the database) and framed by ``write_csv_lines`` /
``write_json_lines`` come out as ``write_csv`` / ``write_json`` write them."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reskontro.formats.tabular.export import (
    Column,
    LineLayout,
    csv_layout,
    json_layout,
    neutralise,
    write_csv,
    write_csv_lines,
    write_json,
    write_json_lines,
)

COLUMNS = (Column("a", "A"), Column("b", "B"), Column("c", "C"))


def csv_line(layout: LineLayout, row: dict[str, str | None]) -> str:
    """A row as the layout says, cell by cell, the way a set-based exporter writes it."""
    cells = []
    for before, column in zip(layout.before, COLUMNS, strict=True):
        text = neutralise(row[column.key] or "")
        cells.append(before + layout.quote(text.encode()).decode())
    return "".join(cells) + layout.after + layout.end


def json_line(layout: LineLayout, row: dict[str, str | None]) -> str:
    cells = [before + json.dumps(row[c.key], ensure_ascii=False)
             for before, c in zip(layout.before, COLUMNS, strict=True)]
    return "".join(cells) + layout.after + layout.end


def blocks(lines: list[str], size: int) -> list[tuple[bytes, int]]:
    return [("".join(lines[k:k + size]).encode(), len(lines[k:k + size])) for k in range(0, len(lines), size)]


_TEXT = st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cs",)), max_size=8))
_ROWS = st.lists(st.fixed_dictionaries({"a": _TEXT, "b": _TEXT, "c": _TEXT}), max_size=6)


@settings(max_examples=60, deadline=None)
@given(rows=_ROWS, size=st.integers(1, 4), delimiter=st.sampled_from([",", ";", "\t", "|"]))
def test_csv_lines_frame_like_write_csv(rows: list[dict[str, Any]], size: int, delimiter: str) -> None:
    layout = csv_layout(COLUMNS, delimiter)
    assert layout is not None
    out, expected = io.BytesIO(), io.BytesIO()
    n = write_csv_lines(out, COLUMNS, blocks([csv_line(layout, r) for r in rows], size), delimiter=delimiter)
    assert n == write_csv(expected, COLUMNS, rows, delimiter=delimiter) == len(rows)
    assert out.getvalue() == expected.getvalue()


@settings(max_examples=60, deadline=None)
@given(rows=_ROWS, size=st.integers(1, 4))
def test_json_lines_frame_like_write_json(rows: list[dict[str, Any]], size: int) -> None:
    layout = json_layout(COLUMNS)
    assert layout is not None
    out, expected = io.BytesIO(), io.BytesIO()
    n = write_json_lines(out, [(b"", 0), *blocks([json_line(layout, r) for r in rows], size)])
    assert n == write_json(expected, COLUMNS, rows) == len(rows)
    assert out.getvalue() == expected.getvalue()


def test_csv_layouts_exist_where_write_csv_quotes_by_its_own_rule() -> None:
    semicolon = csv_layout(COLUMNS, ";")
    assert semicolon is not None and semicolon.decimal_mark == "," and semicolon.end == "\r\n"
    assert csv_layout(COLUMNS, ",") is not None and csv_layout(COLUMNS, ",").decimal_mark == "."  # type: ignore[union-attr]
    assert csv_layout(COLUMNS[:1], ",") is None  # one column: the csv module quotes an empty cell
    assert csv_layout(COLUMNS, ":") is None
    assert json_layout(()) is None


@pytest.mark.parametrize(("cell", "quoted"), [
    (b"plain", b"plain"), (b'say "hi"', b'"say ""hi"""'), (b"a;b", b'"a;b"'), (b"a,b", b"a,b"), (b"a\nb", b'"a\nb"'),
    (b"a\rb", b'"a\rb"'), ("æ;ø".encode(), '"æ;ø"'.encode()), (b"", b""),
])
def test_a_csv_cell_is_quoted_when_it_holds_a_quote_the_delimiter_or_a_line_break(cell: bytes, quoted: bytes) -> None:
    layout = csv_layout(COLUMNS, ";")
    assert layout is not None and layout.quote(cell) == quoted


def test_a_json_block_must_end_its_rows() -> None:
    with pytest.raises(ValueError, match="end with"):
        write_json_lines(io.BytesIO(), [(b'{"a": 1}', 1)])
