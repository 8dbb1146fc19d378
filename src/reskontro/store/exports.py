"""Set-based exports: the database writes each report row as a line of CSV or JSON text, and the lines stream
out in large blocks of bytes.

A report of a million rows read row by row (SQLAlchemy rows, ``Decimal`` amounts, a dict per row, the
writer's conversion) costs about 30 µs a row. Here the ``SELECT`` formats the cells itself and Python only
moves blocks of bytes, so the file is written at a few µs a row, in bounded memory.

The file formats are defined by ``formats.tabular.export``. It hands over a :class:`LineLayout` — the text
before each cell and after the last, what ends a row, the decimal mark, the characters that make a CSV text a
formula, and how a CSV cell is quoted — and the code below follows the writers' rules byte for byte (the
tests compare this path with ``write_csv`` / ``write_json`` on nasty data, on both databases):

* CSV text: NULL is empty. A text whose first character is dangerous (``=``, ``+``, ``-``, ``@``, tab, CR)
  gets a leading apostrophe unless the whole text is a plain number ``[+-]?[0-9]+([.,][0-9]+)?``
  (``neutralise``); SQL does this, behind a comparison of the first character that lets most texts through
  untouched. A text holding a quote, the delimiter, CR or LF is quoted with its quotes doubled (below).
* JSON text: NULL is ``null``, else a JSON string. SQLite's ``json_quote`` and PostgreSQL's ``to_json``
  escape what Python's ``json`` escapes with ``ensure_ascii=False``, the same way: ``"``, ``\\``,
  ``\\b \\f \\n \\r \\t`` by name and other control characters as ``\\u00xx``.
* Amounts: integer minor units shown with the currency's exponent (NOK 2, JPY 0, KWD 3) in the ledger's natural
  sign (``domain.vouchers.natural_sign``: customer items as stored, supplier items negated), by integer
  division and remainder — never a float. A zero is ``0.00`` whatever the sign, as in the writers (the
  catalogue negates the integer, not the Decimal).
* Dates: ISO 8601.

How the lines travel, per database:

* SQLite: looking into every text for characters that need quoting would cost more than everything else, so
  it is done per block, in Python, in a few ``memchr`` scans. The query returns the party id and the rest of
  the line with its cells apart by the byte 0xFF, which UTF-8 text never holds: a block without a quote,
  delimiter, CR or LF only has the 0xFF turned into the delimiter, and in a block with one, the rows concerned
  are split at 0xFF and their cells quoted by the layout. The party's cells (number and name lead the line)
  are formatted once per party — by a second query, for the parties a block brings that were not seen yet —
  instead of a join and formatting per row. Lines come back as ``BLOB`` (UTF-8 bytes, nothing decoded).
* PostgreSQL: ``COPY (SELECT ...) TO STDOUT``. CSV in COPY's own CSV format, whose quoting rule is the
  writers' (a cell holding the delimiter, a quote, CR or LF is quoted, its quotes doubled; an empty text is
  sent as NULL so that it is not quoted); COPY ends a row with LF, which becomes CR LF outside quotes. JSON
  lines go through COPY's CSV format with control characters as delimiter and quote, which no JSON line holds,
  so every line comes out as it is.

Every statement filters on ``company_id``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from itertools import islice
from operator import itemgetter
from typing import Any, Protocol

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    FromClause,
    LargeBinary,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    not_,
    null,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement, ColumnElement

from reskontro.domain.parties import PartyKind
from reskontro.domain.vouchers import natural_sign
from reskontro.money import DEFAULT_EXPONENT, exceptional_exponents
from reskontro.store import tables as t
from reskontro.store.queries import transaction_order, voucher_ref

#: Rows per block handed to the writer (a block of transactions is about 3 MB).
BLOCK_ROWS = 20_000
#: PostgreSQL's work memory for an export's statement. Its parallel workers each sort their share of the
#: formatted rows (about 230 bytes a row): with the sessions' 64 MB, 1.75M rows spill 270 MB to disk, which
#: cost a fifth of the export's time; with this they sort in memory (about 135 MB each), and larger exports
#: still spill rather than fail.
POSTGRES_WORK_MEM = "256MB"
_MARK = b"\xff"  # between the cells of a line on SQLite: never part of UTF-8 text


class LineLayout(Protocol):
    """How a row becomes one line of text; ``formats.tabular.export`` makes them (``csv_layout``, ``json_layout``)."""

    @property
    def style(self) -> str: ...  # "csv" or "json"

    @property
    def before(self) -> Sequence[str]: ...  # the text before each cell

    @property
    def after(self) -> str: ...  # the text after the last cell

    @property
    def end(self) -> str: ...  # what ends each row

    @property
    def delimiter(self) -> str: ...  # CSV

    @property
    def decimal_mark(self) -> str: ...  # CSV amounts

    @property
    def danger(self) -> str: ...  # CSV: a text starting with one of these is a formula

    @property
    def quote_if(self) -> str: ...  # CSV: a text holding one of these is quoted

    def quote(self, cell: bytes) -> bytes: ...  # CSV: a cell's UTF-8 text quoted if it must be


#: One block of formatted rows: the bytes (each row followed by the layout's ``end``) and how many rows.
Block = tuple[bytes, int]


# -- cells --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Text:
    """A text; ``first``, if given, is the one text column that ``expr`` is made of besides numbers, and which
    starts it (or is empty): cheaper to test."""

    expr: ColumnElement[Any]
    first: ColumnElement[Any] | None = None


@dataclass(frozen=True, slots=True)
class _Date:
    expr: ColumnElement[Any]


@dataclass(frozen=True, slots=True)
class _Amount:
    """``minor`` units of ``currency`` (a code, or a column of codes), negated where ``negate`` holds;
    ``usual`` is the currency most rows of a currency column are in."""

    minor: ColumnElement[Any]
    currency: ColumnElement[Any] | str
    negate: ColumnElement[bool] | bool
    usual: str | None = None


_Cell = _Text | _Date | _Amount


@dataclass(frozen=True, slots=True)
class _Number:
    """An integer in a line: ``printf``'s ``conversion`` writes it; ``text`` is the same as an expression."""

    value: ColumnElement[Any]
    conversion: bytes
    text: ColumnElement[str]


#: A piece of a line: literal bytes (UTF-8 text, or the mark 0xFF on SQLite), an integer, or an SQL expression.
_Part = bytes | _Number | ColumnElement[Any]


def _str(value: str) -> ColumnElement[str]:
    return literal(value, String)


def _int(value: int) -> ColumnElement[int]:
    return literal(value, BigInteger)


def _nullable(x: ColumnElement[Any]) -> bool:
    """Whether the expression may be NULL: only a column declared NOT NULL may not."""
    return not isinstance(x, Column) or bool(x.nullable)


class _Render:
    """The SQL that writes cells and lines in a layout, in the dialect of the connection."""

    def __init__(self, dialect: str, layout: LineLayout) -> None:
        if dialect not in ("sqlite", "postgresql"):
            raise ValueError(f"no set-based export on {dialect}")
        if layout.style not in ("csv", "json"):
            raise ValueError(f"unknown line style {layout.style!r}")
        self.pg = dialect == "postgresql"
        self.layout = layout
        self.json = layout.style == "json"

    # -- lines

    def literal(self, value: bytes) -> ColumnElement[str]:
        if self.pg or _MARK not in value:
            return _str(value.decode())
        return literal(value, String)  # SQLite takes bytes as text as they are (0xFF too), printf's format too

    def line(self, parts: Sequence[_Part], texts: Sequence[ColumnElement[Any]] = ()) -> ColumnElement[Any]:
        """The concatenation of the parts, neighbouring literals made one (each ``||`` costs).

        On SQLite a long line is one ``printf``, which costs much less than a ``||`` per part, but its ``%s``
        stops at a NUL character: ``texts`` are the columns whose text goes into the line as it is, and a row
        where one of them holds a NUL is concatenated instead."""
        merged: list[_Part] = []
        for part in parts:
            if isinstance(part, bytes) and merged and isinstance(merged[-1], bytes):
                merged[-1] += part
            elif not (isinstance(part, bytes) and not part):
                merged.append(part)
        pieces = [self.literal(p) if isinstance(p, bytes) else p.text if isinstance(p, _Number) else p
                  for p in merged] or [self.literal(b"")]
        line = pieces[0]
        for piece in pieces[1:]:
            line = line + piece
        expressions = [p.value if isinstance(p, _Number) else p for p in merged if not isinstance(p, bytes)]
        if self.pg or not 3 <= len(expressions) <= 100:  # SQLite functions take up to 127 arguments
            return line
        fmt = b"".join(p.replace(b"%", b"%%") if isinstance(p, bytes) else p.conversion if isinstance(p, _Number)
                       else b"%s" for p in merged)
        printed = func.printf(self.literal(fmt), *expressions)
        if not texts:
            return printed
        return case((or_(*(func.instr(x, func.char(0)) > 0 for x in texts)), line), else_=printed)

    def parts(self, cell: _Cell, before: bytes = b"", after: bytes = b"") -> list[_Part]:
        """The cell with ``before`` and ``after`` around it."""
        if isinstance(cell, _Amount):
            return self.amount(cell, before, after)
        if isinstance(cell, _Date):
            return [before, *self.date(cell.expr), after]
        return [before, self.text(cell.expr, cell.first), after]

    # -- text

    def _plain_number(self, x: ColumnElement[Any]) -> ColumnElement[bool]:
        """The whole text is ``[+-]?[0-9]+([.,][0-9]+)?`` (ASCII digits), as ``neutralise`` has it."""
        if self.pg:
            return x.op("~", is_comparison=True)(_str("^[+-]?[0123456789]+([.,][0123456789]+)?$"))
        glob = x.op("GLOB", is_comparison=True)
        # Only asked of a text starting with a dangerous character, so a number starts with + or -: then a
        # digit, nothing but digits and at most one separator, and a digit at the end. GLOB stops at a NUL
        # character; no number holds one.
        return and_(glob(_str("[+-][0-9]*")), glob(_str("*[0-9]")), not_(glob(_str("?*[^0-9.,]*"))),
                    not_(glob(_str("*[.,]*[.,]*"))), func.instr(x, func.char(0)) == 0)

    def text(self, x: ColumnElement[Any], first: ColumnElement[Any] | None = None) -> ColumnElement[str]:
        """A text cell. CSV: the text as ``neutralise`` leaves it — on SQLite NULL as empty, on PostgreSQL an
        empty text as NULL, which COPY writes unquoted.

        Most texts start with a letter, a digit or another character from ``0`` to ``<``, none of them
        dangerous: a comparison or two lets them through (a function call costs more), and only the others are
        looked at closely. Every dangerous character is below ``0`` or from ``=`` to ``@``. ``first`` is an
        expression that starts as ``x`` does and costs less."""
        if self.json:
            if self.pg:
                return func.coalesce(cast(func.to_json(x), String), _str("null"))
            return func.json_quote(x)  # NULL -> null
        formula = and_(func.substr(x, 1, 1).in_([_str(c) for c in self.layout.danger]), not_(self._plain_number(x)))
        exact: ColumnElement[str] = case((formula, _str("'") + x), else_=x)
        if self.pg:
            exact = case((x == _str(""), null()), else_=exact)
        elif _nullable(x):
            exact = func.ifnull(exact, _str(""))
        if any(not ("\0" <= c < "0" or "=" <= c <= "@") for c in self.layout.danger):
            return exact

        def first_char(op: str, bound: str) -> ColumnElement[bool]:
            head = x if first is None else first
            # Compared byte by byte, so by the first character's code point: SQLite's BINARY collation, "C".
            if self.pg:
                head = head.collate("C")
            return head.op(op, is_comparison=True)(_str(bound))

        return case((first_char(">=", "A"), x), (and_(first_char(">=", "0"), first_char("<", "=")), x), else_=exact)

    # -- dates and amounts

    def date(self, x: ColumnElement[Any]) -> list[_Part]:
        # SQLite keeps a date as its ISO text. PostgreSQL writes it in the DateStyle, which the export sets to
        # ISO; COPY writes a date column itself.
        if self.pg and not self.json:
            return [x]  # COPY writes NULL as an empty cell
        iso = cast(x, String) if self.pg else type_coerce(x, String)
        if not _nullable(x):
            return [b'"', iso, b'"'] if self.json else [iso]
        if self.json:
            return [func.coalesce(_str('"') + iso + _str('"'), _str("null"))]
        return [func.ifnull(iso, _str(""))]

    def amount(self, cell: _Amount, before: bytes, after: bytes) -> list[_Part]:
        quote = b'"' if self.json else b""
        if _nullable(cell.minor) and not (self.pg and not self.json):  # (COPY writes NULL as an empty cell)
            inner = self.line(self._amount(cell, quote, quote))
            return [before, func.coalesce(inner, _str("null" if self.json else "")), after]
        return self._amount(cell, before + quote, quote + after)

    def _amount(self, cell: _Amount, before: bytes, after: bytes) -> list[_Part]:
        minor = cell.minor
        if isinstance(cell.currency, str):
            return self._shown(minor, cell.negate, exceptional_exponents().get(cell.currency, DEFAULT_EXPONENT),
                               before, after)
        by_exponent: dict[int, list[str]] = {}
        for code, exp in sorted(exceptional_exponents().items()):
            by_exponent.setdefault(exp, []).append(code)
        whens: list[tuple[ColumnElement[bool], int]] = [
            (cell.currency.in_([_str(c) for c in codes]), exp) for exp, codes in sorted(by_exponent.items())]
        if cell.usual is not None:  # most rows are in it: one comparison instead of the lists
            whens.insert(0, (cell.currency == _str(cell.usual),
                             exceptional_exponents().get(cell.usual, DEFAULT_EXPONENT)))
        if self.pg:  # the text around goes outside the CASE, once
            return [before, case(*((when, self.line(self._shown(minor, cell.negate, exp, b"", b"")))
                                   for when, exp in whens),
                                 else_=self.line(self._shown(minor, cell.negate, DEFAULT_EXPONENT, b"", b""))), after]
        return [case(*((when, self.line(self._shown(minor, cell.negate, exp, before, after))) for when, exp in whens),
                     else_=self.line(self._shown(minor, cell.negate, DEFAULT_EXPONENT, before, after)))]

    def _shown(self, minor: ColumnElement[Any], negate: ColumnElement[bool] | bool, exp: int, before: bytes,
               after: bytes) -> list[_Part]:
        """``-1234.50``: the sign, the whole units, the mark and ``exp`` zero-padded minor digits.

        A value above zero is shown with a minus where it is negated, and one below zero where it is not; zero
        is ``0.00`` either way, as the writers show it. The digits are integers that the line's ``printf``
        writes on SQLite."""
        mark = ("." if self.json else self.layout.decimal_mark).encode()
        below = minor < 0

        def minus(when: bool) -> ColumnElement[str]:
            """'-' where the value is shown negative (``when`` the minor units are below zero)."""
            if isinstance(negate, bool):
                return _str("" if negate else "-") if when else _str("-" if negate else "")
            return case((negate, _str("" if when else "-")), else_=_str("-" if when else ""))

        sign = case((below, minus(True)), (minor > 0, minus(False)), else_=_str(""))  # zero: 0.00, never -0.00
        size = case((below, -minor), else_=minor)
        if exp == 0:
            return [before, sign, _Number(size, b"%d", cast(size, String)), after]
        unit = _int(10**exp)
        whole, rest = size // unit, size % unit
        return [before, sign, _Number(whole, b"%d", cast(whole, String)), mark,
                _Number(rest, b"%0" + str(exp).encode() + b"d", func.substr(cast(rest + unit, String), 2)), after]


# -- the reports --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Source:
    """What an export reads: its cells by key (and which come from the party), the rows without the parties,
    the party of a row, the filter and the order."""

    cells: Mapping[str, _Cell]
    party_cells: frozenset[str]
    items: FromClause
    party_id: ColumnElement[int]
    where: Sequence[ColumnElement[bool]]
    order_by: Sequence[ColumnElement[Any]]
    company_id: int


def _negated() -> list[str]:
    """Party kinds whose natural sign is the opposite of the GL sign (suppliers)."""
    return [k.value for k in PartyKind if natural_sign(k) < 0]


def transaction_lines(conn: Connection, company_id: int, date_from: date, date_to: date, *, keys: Sequence[str],
                      layout: LineLayout, company_currency: str, kind: str | None = None,
                      party_id: int | None = None, item_type: str | None = None) -> Iterator[Block]:
    """The ``transactions`` report — every sub-ledger item dated in the period, in date order, with its open
    amount now (the rows of ``queries.iter_items``, in the natural sign) — as lines of the cells named by
    ``keys``, in that order."""
    i, p, v = t.items, t.parties, t.vouchers
    negate = i.c.kind.in_([_str(k) for k in _negated()])
    cells: dict[str, _Cell] = {
        "party_number": _Text(p.c.number), "party_name": _Text(p.c.name), "kind": _Text(i.c.kind),
        "type": _Text(i.c.item_type), "document_number": _Text(i.c.document_number),
        "voucher": _Text(voucher_ref(v), v.c.series), "date": _Date(i.c.item_date), "due_date": _Date(i.c.due_date),
        "kid": _Text(i.c.kid), "currency": _Text(i.c.currency),
        "amount": _Amount(i.c.amount_minor, i.c.currency, negate, company_currency),
        "amount_company": _Amount(i.c.amount_company_minor, company_currency, negate),
        "open_amount": _Amount(i.c.open_company_minor, company_currency, negate), "description": _Text(i.c.description),
    }
    where = [i.c.company_id == company_id, i.c.item_date >= date_from, i.c.item_date <= date_to]
    if kind is not None:
        where.append(i.c.kind == kind)
    if party_id is not None:
        where.append(i.c.party_id == party_id)
    if item_type is not None:
        where.append(i.c.item_type == item_type)
    source = _Source(cells, frozenset({"party_number", "party_name"}),
                     i.join(v, and_(v.c.company_id == i.c.company_id, v.c.voucher_id == i.c.voucher_id)),
                     i.c.party_id, where, transaction_order(party_id), company_id)
    return _lines(conn, source, keys, layout)


def _lines(conn: Connection, source: _Source, keys: Sequence[str], layout: LineLayout) -> Iterator[Block]:
    if len(layout.before) != len(keys) or not keys:
        raise ValueError(f"the layout has {len(layout.before)} cells, the keys {len(keys)}")
    unknown = [key for key in keys if key not in source.cells]
    if unknown:
        raise KeyError(f"no cell {', '.join(unknown)} in this export")
    render = _Render(conn.dialect.name, layout)
    if render.pg:
        return _postgres(conn, source, keys, layout, render)
    return _sqlite(conn, source, keys, layout, render)


def _with_parties(source: _Source) -> FromClause:
    p = t.parties
    return source.items.join(p, and_(p.c.company_id == source.company_id, p.c.party_id == source.party_id))


def _line(render: _Render, cells: Sequence[_Cell], befores: Sequence[bytes], after: bytes) -> ColumnElement[Any]:
    """A line of cells; where the amounts are negated by one condition (the party's kind), two lines with the
    signs fixed, and one test per row."""
    # Texts that go into a CSV line as they are (JSON escapes them); a voucher's is its series.
    texts = [c.first if c.first is not None else c.expr for c in cells if isinstance(c, _Text) and not render.json]

    def build(negated: bool | None) -> ColumnElement[Any]:
        parts: list[_Part] = []
        for cell, before in zip(cells, befores, strict=True):
            if negated is not None and isinstance(cell, _Amount):
                cell = replace(cell, negate=negated)
            parts += render.parts(cell, before)
        return render.line([*parts, after], texts)

    negates = {id(c.negate): c.negate for c in cells if isinstance(c, _Amount) and not isinstance(c.negate, bool)}
    if len(negates) == 1:
        (negate,) = negates.values()
        return case((negate, build(True)), else_=build(False))
    return build(None)


# -- PostgreSQL: COPY ---------------------------------------------------------------------------------------


def _postgres(conn: Connection, source: _Source, keys: Sequence[str], layout: LineLayout,
              render: _Render) -> Iterator[Block]:
    cells = [source.cells[key] for key in keys]
    if layout.style == "csv":
        q = select(*(render.line(render.parts(cell)) for cell in cells))
        options = f"FORMAT csv, DELIMITER {_copy_char(layout.delimiter)}, ENCODING 'UTF8'"
    else:
        q = select(_line(render, cells, [b.encode() for b in layout.before], layout.after.encode()))
        # A JSON line holds no control character, so with these as delimiter and quote COPY leaves it as it is.
        options = "FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01', ENCODING 'UTF8'"
    q = q.select_from(_with_parties(source)).where(*source.where).order_by(*source.order_by)
    compiled = q.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    end = layout.end.encode()
    crlf = _outside_quotes if layout.style == "csv" else _everywhere
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur:
        # Until the transaction ends: dates as YYYY-MM-DD, and the sort of the formatted rows in memory.
        cur.execute(f"SET LOCAL datestyle TO 'ISO, YMD'; SET LOCAL work_mem TO '{POSTGRES_WORK_MEM}'")
        with cur.copy(f"COPY ({compiled.string}) TO STDOUT WITH ({options})", compiled.params) as copy:
            stream = iter(copy)  # one row each, ending with LF
            while rows := list(islice(stream, BLOCK_ROWS)):
                yield crlf(b"".join(rows), end), len(rows)


def _copy_char(text: str) -> str:
    if len(text) != 1 or not text.isascii() or text in "\\'\"\r\n":
        raise ValueError(f"delimiter {text!r}: one ASCII character, not a quote, backslash or line break")
    return f"E'\\x{ord(text):02x}'"


def _everywhere(data: bytes, end: bytes) -> bytes:
    return data.replace(b"\n", end)


def _outside_quotes(data: bytes, end: bytes) -> bytes:
    """COPY's LF row ends as ``end``; an LF inside a quoted cell stays as it is. A block is whole rows, so it
    starts outside quotes and every other piece between quote characters is inside."""
    if b'"' not in data:
        return data.replace(b"\n", end)
    pieces = data.split(b'"')
    pieces[0::2] = [piece.replace(b"\n", end) for piece in pieces[0::2]]
    return b'"'.join(pieces)


# -- SQLite: lines from the DBAPI cursor --------------------------------------------------------------------


def _sqlite(conn: Connection, source: _Source, keys: Sequence[str], layout: LineLayout,
            render: _Render) -> Iterator[Block]:
    csv = layout.style == "csv"
    # The party's cells leading the line are formatted once per party, not joined and formatted per row.
    lead = 0
    while lead < len(keys) and keys[lead] in source.party_cells:
        lead += 1
    # Cells apart by 0xFF in CSV (the layout's delimiter goes in at the end), else the layout's text.
    befores = [_MARK if csv and k else b.encode() for k, b in enumerate(layout.before)]
    cells = [source.cells[key] for key in keys]
    items = _with_parties(source) if any(key in source.party_cells for key in keys[lead:]) else source.items
    if lead < len(keys):
        rest = _line(render, cells[lead:], befores[lead:], layout.after.encode())
        q = select(source.party_id, cast(rest, LargeBinary))
    else:
        q = select(source.party_id, literal(b"", LargeBinary))
    q = q.select_from(items).where(*source.where).order_by(*source.order_by)
    p = t.parties
    head = _line(render, cells[:lead], befores[:lead], b"" if lead < len(keys) else layout.after.encode())
    party_q = select(p.c.party_id, cast(head, LargeBinary)).where(p.c.company_id == source.company_id)
    text_cells = [k for k, cell in enumerate(cells[lead:]) if isinstance(cell, _Text)]
    marked = lead > 0  # the rest starts with the mark that follows the party's cells
    end = layout.end.encode()
    delimiter = layout.delimiter.encode()
    found: dict[int, bytes] = {}
    table: Sequence[bytes | None] | Mapping[int, bytes] = found
    raw = conn.connection.driver_connection
    assert raw is not None
    cur = raw.cursor()
    try:
        cur.execute(*_sqlite_statement(conn, q))
        while rows := cur.fetchmany(BLOCK_ROWS):
            lines: list[bytes] = list(map(itemgetter(1), rows))
            if csv:
                lines = _quote_where_needed(lines, layout, text_cells, marked)
            if lead:
                ids = list(map(itemgetter(0), rows))
                try:
                    heads = list(map(table.__getitem__, ids))
                    if None in heads:
                        raise KeyError
                except (KeyError, IndexError):  # parties not seen yet: all of them for a large export
                    wanted = party_q if len(rows) == BLOCK_ROWS else party_q.where(p.c.party_id.in_(sorted(set(ids))))
                    found.update(_prefixes(raw, conn, wanted, layout))
                    table = _by_id(found)
                    heads = list(map(table.__getitem__, ids))
                    if None in heads:
                        raise LookupError("an item's party is not in the snapshot") from None
                parts: list[bytes | None] = [end] * (3 * len(rows))
                parts[0::3] = heads
                parts[1::3] = lines
                data = b"".join(parts)  # type: ignore[arg-type]  # no None left: checked above
            else:
                data = end.join(lines) + end
            yield (data.replace(_MARK, delimiter) if csv else data), len(rows)
    finally:
        cur.close()


def _by_id(values: dict[int, bytes]) -> Sequence[bytes | None] | Mapping[int, bytes]:
    """The values by id: in a list where the ids are dense enough (a list is looked up much faster)."""
    top = max(values, default=-1)
    if top < 0 or top > 4 * len(values) + 1024 or min(values) < 0:
        return values
    table: list[bytes | None] = [None] * (top + 1)
    for key, value in values.items():
        table[key] = value
    return table


def _sqlite_statement(conn: Connection, q: ClauseElement) -> tuple[str, tuple[Any, ...]]:
    compiled = q.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    assert isinstance(compiled, SQLCompiler) and compiled.positiontup is not None  # the qmark style
    values = compiled.construct_params()
    # What SQLAlchemy's SQLite Date type stores, and would bind: the ISO text.
    return compiled.string, tuple(v.isoformat() if isinstance(v, date) else v
                                  for v in (values[name] for name in compiled.positiontup))


def _prefixes(raw: Any, conn: Connection, q: ClauseElement, layout: LineLayout) -> list[tuple[int, bytes]]:
    """The leading party cells of the parties ``q`` selects, as final text (the mark not yet replaced)."""
    cur = raw.cursor()
    try:
        cur.execute(*_sqlite_statement(conn, q))
        rows: list[tuple[int, bytes]] = cur.fetchall()
    finally:
        cur.close()
    if layout.style == "csv":
        texts = _quote_where_needed(list(map(itemgetter(1), rows)), layout, None, False)
        rows = list(zip(map(itemgetter(0), rows), texts, strict=True))
    return rows


def _quote_where_needed(lines: list[bytes], layout: LineLayout, text_cells: Sequence[int] | None,
                        marked: bool) -> list[bytes]:
    """The lines with every text cell (every cell, if None) that holds a quote, the delimiter, CR or LF quoted;
    cells apart by 0xFF, and a line that is ``marked`` starts with one. Most blocks have no such character,
    and four scans of the block tell so."""
    triggers = [c.encode() for c in layout.quote_if]
    if not any(c in data for data in (b"".join(lines),) for c in triggers):
        return lines
    shift = 1 if marked else 0
    out: list[bytes] = []
    for line in lines:
        if any(c in line for c in triggers):
            cells = line.split(_MARK)
            for k in range(len(cells) - shift) if text_cells is None else text_cells:
                cells[k + shift] = layout.quote(cells[k + shift])
            line = _MARK.join(cells)
        out.append(line)
    return out
