"""The report catalogue: every query a finance user runs, defined once for the CLI, the API and the web.

A report is a :class:`ReportSpec`: a name, typed parameters, and a builder that runs set-based SQL
(``store.queries``) and returns a :class:`ReportResult` — export columns (``formats.tabular``), the
parameters as run, the rows (a stream where the result can be large), totals and summary lines.
Parameters arrive as text (command-line options, query strings, saved queries) and are parsed
here, so a bad value is refused with the parameter's name whichever door it came through.

Amounts are ``Decimal`` in the ledger's natural sign: invoices positive for customers (they owe
us) and for suppliers (we owe them); payments and credit notes negative.

:func:`write_report` writes a result to a file (csv, json, xlsx) for the CLI, the API and the benchmarks;
where a report has a set-based export (``ReportResult.lines``: the database formats the rows), it takes that.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, BinaryIO, TypeVar, cast

from reskontro.domain.aging import Buckets
from reskontro.domain.errors import NotFound, ValidationFailed
from reskontro.domain.parties import PartyKind
from reskontro.domain.vouchers import natural_sign
from reskontro.formats.tabular import export
from reskontro.formats.tabular.export import Column, ColumnKind, LineLayout
from reskontro.money import MoneyError, check_currency, exponent, from_minor, to_decimal, to_minor
from reskontro.services.unit_of_work import UnitOfWork
from reskontro.store import exports, queries
from reskontro.store import totals as kept

Row = dict[str, Any]
T = TypeVar("T")
TEXT, INT, AMOUNT, DATE = ColumnKind.TEXT, ColumnKind.INTEGER, ColumnKind.AMOUNT, ColumnKind.DATE

#: Free-field filters are parameters named ``field.<code>``.
FIELD_PREFIX = "field."


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a report. ``kind``: text, date, int, amount, bool, kind, currency, buckets, choice."""

    name: str
    kind: str
    help: str
    default: str | None = None
    choices: tuple[str, ...] = ()
    required: bool = False


@dataclass(slots=True)
class ReportResult:
    name: str
    title: str
    columns: tuple[Column, ...]
    parameters: tuple[tuple[str, str], ...]
    rows: Iterable[Row]
    #: Column totals; for a streamed result they are complete once the rows have been read.
    totals: Row | None = None
    #: Lines under the table (e.g. the GL reconciliation of the ledger specification).
    summary: list[tuple[str, str]] = field(default_factory=list)
    #: The same rows formatted by the database (``store.exports``), for a report that has such a set-based
    #: export: blocks of lines in a layout of ``formats.tabular.export``. Only for a streamed result (its unit
    #: of work stays open for the lines) without totals, which the lines do not add up. :func:`write_report`
    #: takes it where the layout exists.
    lines: Callable[[LineLayout], Iterable[tuple[bytes, int]]] | None = None
    #: The totals are those of every row even where only the first rows were read (a page: they come from the
    #: maintained totals, not from the rows).
    totals_whole: bool = False

    def close(self) -> None:
        """Release the database if the rows are a stream that will not be read to the end."""
        close = getattr(self.rows, "close", None)
        if close is not None:
            close()


Builder = Callable[[UnitOfWork, int, dict[str, Any]], ReportResult]


@dataclass(frozen=True, slots=True)
class ReportSpec:
    name: str
    title: str
    help: str
    params: tuple[Param, ...]
    build: Builder = field(repr=False, compare=False)
    free_fields: bool = False  # accepts field.<code>=value filters


# -- parameters ------------------------------------------------------------------------------------------


def _parse(p: Param, text: str, today: date) -> Any:
    value = text.strip()
    try:
        if p.kind == "date":
            return today if value.lower() == "today" else date.fromisoformat(value)
        if p.kind == "int":
            n = int(value)
            if n <= 0:
                raise ValueError
            return n
        if p.kind == "amount":
            return to_decimal(value.replace(",", ".") if "." not in value else value)
        if p.kind == "bool":
            low = value.lower()
            if low in ("1", "true", "yes", "ja", "y", "on"):
                return True
            if low in ("0", "false", "no", "nei", "n", "off"):
                return False
            raise ValueError
        if p.kind == "kind":
            return PartyKind(value.lower())
        if p.kind == "currency":
            return check_currency(value.upper())
        if p.kind == "buckets":
            return Buckets.parse(value)
        if p.kind == "choice":
            if value not in p.choices:
                raise ValueError
            return value
        if not value:
            raise ValueError
        return value
    except (ValueError, MoneyError):
        expected = {"date": "a date (YYYY-MM-DD or today)", "int": "a positive whole number",
                    "amount": "an amount", "bool": "yes or no", "kind": "customer or supplier",
                    "currency": "an ISO 4217 currency code", "choice": f"one of {', '.join(p.choices)}",
                    "text": "some text"}.get(p.kind, p.kind)
        raise ValidationFailed(f"{text!r} is not {expected}", field=p.name) from None


def parse_params(spec: ReportSpec, raw: Mapping[str, str | None], today: date) -> dict[str, Any]:
    """Typed values for every parameter of ``spec`` (defaults filled in); unknown names are refused."""
    known = {p.name: p for p in spec.params}
    out: dict[str, Any] = {}
    fields: list[tuple[str, str]] = []
    for name, value in raw.items():
        if value is None:
            continue
        if name.startswith(FIELD_PREFIX) and spec.free_fields:
            code = name[len(FIELD_PREFIX):]
            if not code:
                raise ValidationFailed("a free-field filter needs a code: field.<code>=value", field=name)
            fields.append((code, value))
        elif name not in known:
            raise ValidationFailed(f"report {spec.name} has no parameter {name!r}; it takes "
                                   f"{', '.join(sorted(known)) or 'none'}", field=name)
        else:
            out[name] = _parse(known[name], value, today)
    for p in spec.params:
        if p.name not in out:
            if p.required:
                raise ValidationFailed(f"report {spec.name} needs {p.name}", field=p.name)
            out[p.name] = None if p.default is None else _parse(p, p.default, today)
    out["fields"] = tuple(fields)
    return out


def _as_text(value: Any) -> str:
    if isinstance(value, Buckets):
        return ",".join(str(x) for x in value.limits)
    if isinstance(value, PartyKind):
        return value.value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _shown(spec: ReportSpec, values: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    shown = [(p.name, _as_text(values[p.name])) for p in spec.params if values.get(p.name) is not None]
    shown += [(f"{FIELD_PREFIX}{code}", value) for code, value in values.get("fields", ())]
    return tuple(shown)


def _party(uow: UnitOfWork, company_id: int, kind: PartyKind | None, number: str | None) -> int | None:
    if number is None:
        return None
    found = uow.repo.party_by_number(company_id, kind.value if kind else None, number)
    if found is None:
        raise NotFound(f"{kind.value if kind else 'party'} {number!r} does not exist", field="party")
    return found.party_id


def _period(v: Mapping[str, Any]) -> tuple[date, date]:
    date_to: date = v["date_to"]
    date_from: date = v["date_from"] or date(date_to.year, 1, 1)
    if date_from > date_to:
        raise ValidationFailed(f"the period starts {date_from} after it ends {date_to}", field="date_from")
    return date_from, date_to


def _sign(kind: str) -> int:
    return natural_sign(PartyKind(kind))


def _money(minor: int, currency: str, sign: int = 1) -> Decimal:
    """The amount in the natural sign; a zero is 0.00, never -0.00 (the sign is applied to the integer)."""
    return from_minor(sign * minor, currency)


# -- the reports -----------------------------------------------------------------------------------------

_AS_OF = Param("as_of", "date", "Date the report is as of (historic dates are exact)", default="today")
_KIND = Param("kind", "kind", "customer or supplier", default="customer")
_ANY_KIND = Param("kind", "kind", "customer or supplier (default both)")
_PARTY = Param("party", "text", "One party's number")
_GROUP = Param("group", "text", "Customer or supplier group code")
_CURRENCY = Param("currency", "currency", "Only items in this currency")
_FROM = Param("date_from", "date", "First day of the period (default: 1 January of the end date's year)")
_TO = Param("date_to", "date", "Last day of the period", default="today")


def _first_rows(uow: UnitOfWork, cid: int, kind: str | None, limit: int,
                rows_of: Callable[[list[int]], list[T]]) -> Iterator[T]:
    """The first ``limit`` rows of a per-party report, read for the parties in number order a chunk at a time
    instead of for every party. A party has at most a row or two, so a chunk of ``limit`` parties mostly fills
    the page; the next chunk is sized by the rows per party so far, to fill the rest without reading much more
    (the second of two full chunks was half of a page's time)."""
    out: list[T] = []
    parties_read = 0

    def next_size() -> int:
        missing = limit - len(out)
        return min(queries.PARTY_CHUNK, math.ceil(1.25 * missing * parties_read / max(len(out), 1)) + 8)

    for ids in queries.party_chunks(uow.repo.conn, cid, kind, min(queries.PARTY_CHUNK, limit), next_size):
        parties_read += len(ids)
        out.extend(rows_of(ids))
        if len(out) >= limit:
            break
    return iter(out[:limit])


def _page(v: Mapping[str, Any]) -> int | None:
    limit: int | None = v.get("row_limit")
    return limit


def _open_items(uow: UnitOfWork, cid: int, v: dict[str, Any]) -> ReportResult:
    kind: PartyKind | None = v["kind"]
    as_of: date = v["as_of"]
    cc = uow.repo.company(cid).currency
    party_id = _party(uow, cid, kind, v["party"])

    def minor(amount: Decimal | None) -> int | None:
        return None if amount is None else to_minor(amount, cc)

    where = queries.ItemFilter(
        group_code=v["group"], currency=v["currency"], due_before=v["due_before"],
        min_open_minor=minor(v["min_amount"]), max_open_minor=minor(v["max_amount"]),
        overdue_only=bool(v["overdue_only"]), disputed=v["disputed"], in_collection=v["in_collection"],
        blocked=v["blocked"], free_fields=v["fields"])
    columns = (Column("party_number", "Number", TEXT), Column("party_name", "Name", TEXT),
               Column("kind", "Kind", TEXT), Column("document_number", "Document", TEXT), Column("type", "Type", TEXT),
               Column("voucher", "Voucher", TEXT), Column("date", "Date", DATE),
               Column("due_date", "Due date", DATE), Column("days_overdue", "Days overdue", INT),
               Column("kid", "KID", TEXT), Column("currency", "Currency", TEXT),
               Column("amount", "Amount (currency)", AMOUNT),
               Column("open_currency_amount", "Open (currency)", AMOUNT),
               Column("open_amount", f"Open ({cc})", AMOUNT))
    totals: Row = {"party_number": "Total", "open_amount": Decimal(0)}
    result = ReportResult("open-items", f"Open items at {as_of}", columns, (), iter(()), totals)
    # A page without the filters only the rows can apply gets the total of every open item from the
    # maintained sums; otherwise the total is of the rows read.
    conn = uow.repo.conn
    plain = (party_id is None and where.group_code is None and where.min_open_minor is None
             and where.max_open_minor is None and where.disputed is None and where.in_collection is None
             and where.blocked is None and not where.free_fields)
    if _page(v) is not None and plain:
        due_before = min((d for d in (where.due_before, as_of if where.overdue_only else None) if d is not None),
                         default=None)
        whole = from_minor(kept.open_total(conn, cid, as_of, kind=kind.value if kind else None,
                                           currency=v["currency"], due_before=due_before), cc)
        result.totals, result.totals_whole = {"party_number": "Total", "open_amount": whole}, True

    def rows() -> Iterator[Row]:
        for r in queries.iter_open_items(uow.repo.conn, cid, as_of, kind=kind.value if kind else None,
                                         party_id=party_id, where=where, limit=v.get("row_limit")):
            sign = 1 if r.kind == "customer" else -1
            open_amount = _money(r.open_company_minor, cc, sign)
            totals["open_amount"] += open_amount
            yield {"party_number": r.party_number, "party_name": r.party_name, "kind": r.kind,
                   "document_number": r.document_number,
                   "type": r.item_type, "voucher": r.voucher_ref, "date": r.item_date, "due_date": r.due_date,
                   "days_overdue": max((as_of - r.due_date).days, 0), "kid": r.kid, "currency": r.currency,
                   "amount": _money(r.amount_minor, r.currency, sign),
                   "open_currency_amount": _money(r.open_minor, r.currency, sign), "open_amount": open_amount}

    result.rows = rows()
    return result


@functools.cache
def _aged_row_maker(names: tuple[str, ...], per_currency: bool) -> Callable[[queries.AgedRow, int, int, int], Row]:
    """A function that turns one aged row (minor units, GL sign) into a report row (Decimal, natural sign).

    The aged report has a row per party (100k): its rows are made by one generated dict display rather than a
    loop per bucket, which halves the Python time of the report. Database sums are bigint, far inside Decimal's
    precision, so ``from_minor``'s guard for huge numbers is not needed. Arguments: the row, the sign of its
    kind, the scale of its currency and of the company currency (``-exponent``).
    """
    cells = ['"party_number": r.party_number', '"party_name": r.party_name', '"kind": r.kind']
    if per_currency:
        cells.append('"currency": r.currency')
    b = "r.buckets"
    cells += [f"{name!r}: D(s * {b}[{k}]).scaleb(e)" for k, name in enumerate(names)]
    cells.append('"total": D(s * r.total).scaleb(e)')
    if per_currency:
        cells.append('"total_company": D(s * (r.total if r.total_company is None else r.total_company)).scaleb(ce)')
    source = f"def make(r, s, e, ce):\n    return {{{', '.join(cells)}}}\n"
    namespace: dict[str, Any] = {"D": Decimal}
    # The source holds only fixed text, bucket names as literals (repr) and indexes: nothing from the data.
    exec(compile(source, "<reskontro aged rows>", "exec"), namespace)
    return cast(Callable[[queries.AgedRow, int, int, int], Row], namespace["make"])


def _aged(uow: UnitOfWork, cid: int, v: dict[str, Any]) -> ReportResult:
    kind: PartyKind | None = v["kind"]
    as_of: date = v["as_of"]
    buckets: Buckets = v["buckets"]
    per_currency = v["per"] == "currency"
    cc = uow.repo.company(cid).currency
    conn = uow.repo.conn
    by = "due_date" if v["by"] == "due_date" else "item_date"
    options: dict[str, Any] = {"kind": kind.value if kind else None, "by": by, "per_currency": per_currency,
                               "currency": v["currency"]}
    party_id = _party(uow, cid, kind, v["party"])
    names = buckets.names()
    signs = {"customer": 1, "supplier": -1}
    page = _page(v)
    # A page of every party: its first rows, and the totals from the maintained sums.
    kept_totals = page is not None and not v["top"] and party_id is None and v["group"] is None
    if kept_totals:
        assert page is not None
        rows: Iterable[queries.AgedRow] = _first_rows(
            uow, cid, options["kind"], page,
            lambda ids: queries.aged(conn, cid, as_of, buckets.limits, party_ids=ids, **options))
    else:
        rows = queries.aged(conn, cid, as_of, buckets.limits, party_id=party_id, group_code=v["group"], **options)
        if v["top"]:  # the N parties with the most overdue (everything but not_due), largest first
            rows = sorted(rows, key=lambda r: _sign(r.kind) * (r.total - r.buckets[0]), reverse=True)[:v["top"]]
    make = _aged_row_maker(names, per_currency)
    shifts = {cc: -exponent(cc)}
    company_shift = shifts[cc]
    out: list[Row] = []
    for r in rows:
        e = company_shift
        if per_currency:
            cur = r.currency or cc
            if cur not in shifts:
                shifts[cur] = -exponent(cur)
            e = shifts[cur]
        out.append(make(r, signs[r.kind], e, company_shift))
    totals: Row = {"party_number": "Total"}
    if kept_totals:
        sums_by_kind = kept.aged_totals(conn, cid, as_of, queries.aging_edges(as_of, buckets.limits), **options)
        per_kind = {k: (*_buckets_of(c[:-2], c[-2]), c[-2], c[-1]) for k, c in sums_by_kind.items()}
    else:
        per_kind = {}
        for kind_name in signs:
            of_kind = [(*r.buckets, r.total, r.total if r.total_company is None else r.total_company)
                       for r in rows if r.kind == kind_name]
            if of_kind:
                per_kind[kind_name] = tuple(sum(col) for col in zip(*of_kind, strict=True))
    # What customers owe and what is owed to suppliers do not add up: with both, the totals row is the net
    # (receivables less payables: the sums in the GL sign) and a summary line gives each kind's total.
    both = len(per_kind) > 1
    summary: list[tuple[str, str]] = []
    if both:
        totals["party_number"] = NET_TOTAL
        summary = [(f"{k}s total", str(from_minor(signs[k] * c[-1], cc))) for k, c in sorted(per_kind.items())]

    def sign_of(kind_name: str) -> int:
        return 1 if both else signs[kind_name]

    if per_currency:
        # Bucket totals across currencies mean nothing; only the company-currency total adds up.
        totals["total_company"] = from_minor(sum(sign_of(k) * c[-1] for k, c in per_kind.items()), cc)
    else:
        sums = [0] * (len(names) + 1)
        for kind_name, c in per_kind.items():
            sums = [acc + sign_of(kind_name) * x for acc, x in zip(sums, c[:-1], strict=True)]
        totals |= {key: from_minor(minor, cc) for key, minor in zip((*names, "total"), sums, strict=True)}
    bucket_title = {"not_due": "Not due"}
    columns = [Column("party_number", "Number", TEXT), Column("party_name", "Name", TEXT),
               Column("kind", "Kind", TEXT)]
    if per_currency:
        columns.append(Column("currency", "Currency", TEXT))
    columns += [Column(n, bucket_title.get(n, n.replace("days_", "").replace("_", "–").replace("over–", "> ")),
                       AMOUNT) for n in names]
    columns.append(Column("total", "Total" if not per_currency else "Total (currency)", AMOUNT))
    if per_currency:
        columns.append(Column("total_company", f"Total ({cc})", AMOUNT))
    basis = "due date" if v["by"] == "due_date" else "document date"
    return ReportResult("aged", f"Aged open items at {as_of} by {basis}", tuple(columns), (),
                        iter(out) if kept_totals else out, totals, summary, totals_whole=kept_totals)


#: The label of the aged report's totals row when it holds customers and suppliers: their net.
NET_TOTAL = "Net (customers − suppliers)"


def _buckets_of(cumulative: Sequence[int], total: int) -> list[int]:
    """Buckets from cumulative sums: c_0 (not due), c_k − c_(k−1), and the rest of the total."""
    c = list(cumulative)
    return [c[0], *(c[k] - c[k - 1] for k in range(1, len(c))), total - c[-1]]


def _ledger_spec(uow: UnitOfWork, cid: int, v: dict[str, Any]) -> ReportResult:
    kind: PartyKind = v["kind"]
    date_from, date_to = _period(v)
    cc = uow.repo.company(cid).currency
    conn = uow.repo.conn
    sign = natural_sign(kind)
    keys = ("opening", "debit", "credit", "closing")
    page = _page(v)
    controls = queries.ledger_spec_controls(conn, cid, kind.value, date_from, date_to)
    if page is None:
        rows: Iterable[queries.SpecRow] = queries.ledger_specification(conn, cid, kind.value, date_from, date_to)[0]
    else:  # a page: its first rows, and the totals of every party's lines from the maintained sums
        rows = _first_rows(uow, cid, kind.value, page, lambda ids: queries.ledger_specification(
            conn, cid, kind.value, date_from, date_to, party_ids=ids)[0])
    out: list[Row] = []
    totals: Row = {"party_number": "Total", **{k: Decimal(0) for k in keys}}
    for r in rows:
        row: Row = {"party_number": r.party_number, "party_name": r.party_name,
                    "opening": _money(r.opening_minor, cc, sign), "debit": _money(r.debit_minor, cc),
                    "credit": _money(r.credit_minor, cc), "closing": _money(r.closing_minor, cc, sign)}
        for k in keys:
            totals[k] += row[k]
        out.append(row)
    if page is not None:
        m = kept.subledger_movements(conn, cid, kind.value, date_from, date_to)
        totals |= {"opening": _money(m.opening, cc, sign), "debit": _money(m.debit, cc),
                   "credit": _money(m.credit, cc), "closing": _money(m.closing, cc, sign)}
    summary: list[tuple[str, str]] = []
    gl = dict.fromkeys(keys, Decimal(0))
    for c in controls:
        figures = {"opening": _money(c.opening_minor, cc, sign), "debit": _money(c.debit_minor, cc),
                   "credit": _money(c.credit_minor, cc), "closing": _money(c.closing_minor, cc, sign)}
        for k in keys:
            gl[k] += figures[k]
        summary.append((f"GL {c.account}", "  ".join(f"{k} {figures[k]}" for k in keys)))
    for k in keys:
        summary.append((f"difference {k} (GL − sub-ledger)", str(gl[k] - totals[k])))
    columns = (Column("party_number", "Number", TEXT), Column("party_name", "Name", TEXT),
               Column("opening", f"Opening {date_from}", AMOUNT), Column("debit", "Debit", AMOUNT),
               Column("credit", "Credit", AMOUNT), Column("closing", f"Closing {date_to}", AMOUNT))
    return ReportResult("ledger-spec", f"Ledger specification {date_from} – {date_to}", columns, (),
                        out if page is None else iter(out), totals, summary, totals_whole=page is not None)


def ledger_difference(result: ReportResult) -> Decimal:
    """The largest GL − sub-ledger difference of a ledger specification (0 when they agree)."""
    return max((abs(Decimal(value)) for name, value in result.summary if name.startswith("difference")),
               default=Decimal(0))


def _party_ledger(uow: UnitOfWork, cid: int, v: dict[str, Any]) -> ReportResult:
    kind: PartyKind = v["kind"]
    date_from, date_to = _period(v)
    cc = uow.repo.company(cid).currency
    sign = natural_sign(kind)
    party_id = _party(uow, cid, kind, v["party"])
    assert party_id is not None  # the parameter is required
    opening, lines = queries.party_ledger(uow.repo.conn, cid, party_id, date_from=date_from, date_to=date_to)
    out: list[Row] = [{"date": date_from, "description": "Opening balance", "balance": _money(opening, cc, sign)}]
    for ln in lines:
        out.append({"date": ln.line_date, "voucher": ln.voucher_ref, "type": ln.item_type or ln.voucher_type,
                    "document_number": ln.document_number, "due_date": ln.due_date, "description": ln.description,
                    "currency": ln.currency,
                    "currency_amount": _money(ln.currency_amount_minor, ln.currency, sign),
                    "amount": _money(ln.amount_minor, cc, sign), "balance": _money(ln.balance_minor, cc, sign)})
    closing = out[-1]["balance"]
    columns = (Column("date", "Date", DATE), Column("voucher", "Voucher", TEXT), Column("type", "Type", TEXT),
               Column("document_number", "Document", TEXT), Column("due_date", "Due date", DATE),
               Column("description", "Text", TEXT), Column("currency", "Currency", TEXT),
               Column("currency_amount", "Amount (currency)", AMOUNT), Column("amount", f"Amount ({cc})", AMOUNT),
               Column("balance", "Balance", AMOUNT))
    return ReportResult("party-ledger", f"Ledger of {kind.value} {v['party']} {date_from} – {date_to}", columns, (),
                        out, {"date": None, "description": "Closing balance", "balance": closing})


def _statement(uow: UnitOfWork, cid: int, v: dict[str, Any]) -> ReportResult:
    ledger = _party_ledger(uow, cid, v)
    kind: PartyKind = v["kind"]
    _, date_to = _period(v)
    cc = uow.repo.company(cid).currency
    sign = natural_sign(kind)
    party_id = _party(uow, cid, kind, v["party"])
    opens = queries.open_items(uow.repo.conn, cid, date_to, party_id=party_id)
    total = sum((_money(r.open_company_minor, cc, sign) for r in opens), Decimal(0))
    overdue = sum((_money(r.open_company_minor, cc, sign) for r in opens if r.due_date < date_to), Decimal(0))
    ledger.name, ledger.title = "statement", ledger.title.replace("Ledger of", "Statement for")
    ledger.summary = [("open items", str(len(opens))), ("total open", str(total)), ("of which overdue", str(overdue))]
    return ledger


def _ratio(numerator: Decimal | int, denominator: Decimal | int, places: str = "0.1") -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(places), ROUND_HALF_UP)


def _payment_behaviour(uow: UnitOfWork, cid: int, v: dict[str, Any]) -> ReportResult:
    date_from, date_to = _period(v)
    days = (date_to - date_from).days + 1
    cc = uow.repo.company(cid).currency
    conn = uow.repo.conn
    party_id = _party(uow, cid, PartyKind.CUSTOMER, v["party"])
    page = _page(v) if party_id is None else None
    rows: Iterable[queries.PaymentBehaviourRow]
    if page is None:
        rows = queries.payment_behaviour(conn, cid, date_from, date_to, party_id=party_id)
    else:  # a page: the first customers' rows, and the totals of every customer in one pass
        rows = _first_rows(uow, cid, PartyKind.CUSTOMER.value, page,
                           lambda ids: queries.payment_behaviour(conn, cid, date_from, date_to, party_ids=ids))
    out: list[Row] = []
    t = dict.fromkeys(("n", "late", "days", "weighted", "paid", "invoiced", "open"), 0)
    for r in rows:
        out.append(_behaviour_row(r.party_number, r.party_name, r.invoices_paid, r.paid_late, r.days_after_due_sum,
                                  r.days_late_weighted_sum, r.paid_amount_minor, r.invoiced_minor, r.open_minor,
                                  days, cc))
        for k, x in zip(t, (r.invoices_paid, r.paid_late, r.days_after_due_sum, r.days_late_weighted_sum,
                            r.paid_amount_minor, r.invoiced_minor, r.open_minor), strict=True):
            t[k] += x
    if page is not None:
        w = queries.payment_behaviour_totals(conn, cid, date_from, date_to)
        t = dict(zip(t, (w.invoices_paid, w.paid_late, w.days_after_due_sum, w.days_late_weighted_sum,
                         w.paid_amount_minor, w.invoiced_minor, w.open_minor), strict=True))
    totals = _behaviour_row("Total", "", t["n"], t["late"], t["days"], t["weighted"], t["paid"], t["invoiced"],
                            t["open"], days, cc)
    columns = (Column("party_number", "Number", TEXT), Column("party_name", "Name", TEXT),
               Column("invoices_paid", "Invoices paid", INT), Column("paid_late", "Paid late", INT),
               Column("share_paid_late", "Share late %", ColumnKind.RATE),
               Column("avg_days_after_due", "Avg days after due", ColumnKind.RATE),
               Column("weighted_days_after_due", "Amount-weighted days after due", ColumnKind.RATE),
               Column("invoiced", f"Invoiced ({cc})", AMOUNT), Column("open_amount", f"Open at end ({cc})", AMOUNT),
               Column("dso", "DSO days", ColumnKind.RATE))
    return ReportResult("payment-behaviour", f"Payment behaviour {date_from} – {date_to}", columns, (),
                        out if page is None else iter(out), totals,
                        [("DSO", "open receivables at the end ÷ invoiced in the period × days in the period")],
                        totals_whole=page is not None)


def _behaviour_row(number: str, name: str, n: int, late: int, days_sum: int, weighted: int, paid: int,
                   invoiced: int, open_minor: int, days: int, cc: str) -> Row:
    ratio = _ratio(late * 100, n)
    return {"party_number": number, "party_name": name, "invoices_paid": n, "paid_late": late,
            "share_paid_late": ratio, "avg_days_after_due": _ratio(days_sum, n),
            "weighted_days_after_due": _ratio(weighted, paid), "invoiced": from_minor(invoiced, cc),
            "open_amount": from_minor(open_minor, cc), "dso": _ratio(open_minor * days, invoiced)}


def _top_debtors(uow: UnitOfWork, cid: int, v: dict[str, Any]) -> ReportResult:
    kind: PartyKind = v["kind"]
    as_of: date = v["as_of"]
    sign = natural_sign(kind)
    cc = uow.repo.company(cid).currency
    conn = uow.repo.conn
    # Today the largest balances are the first rows of the maintained per-party totals; only those parties
    # are aged. At another date every party is aged and sorted.
    ids = kept.largest_balances(conn, cid, kind.value, v["n"]) if kept.current_at(conn, cid, as_of) else None
    rows = [r for r in queries.aged(conn, cid, as_of, (1,), kind=kind.value, party_ids=ids) if r.total != 0]
    rows = sorted(rows, key=lambda r: sign * r.total, reverse=True)[:v["n"]]  # stable: ties by number
    out = [{"rank": k, "party_number": r.party_number, "party_name": r.party_name,
            "open_amount": _money(r.total, cc, sign), "overdue_amount": _money(r.total - r.buckets[0], cc, sign)}
           for k, r in enumerate(rows, start=1)]
    columns = (Column("rank", "#", INT), Column("party_number", "Number", TEXT), Column("party_name", "Name", TEXT),
               Column("open_amount", f"Open ({cc})", AMOUNT), Column("overdue_amount", f"Overdue ({cc})", AMOUNT))
    return ReportResult("top-debtors", f"Top {v['n']} {kind.value}s by open balance at {as_of}", columns, (), out)


def _transactions(uow: UnitOfWork, cid: int, v: dict[str, Any]) -> ReportResult:
    kind: PartyKind | None = v["kind"]
    date_from, date_to = _period(v)
    cc = uow.repo.company(cid).currency
    party_id = _party(uow, cid, kind, v["party"])
    columns = (Column("party_number", "Number", TEXT), Column("party_name", "Name", TEXT),
               Column("kind", "Kind", TEXT), Column("type", "Type", TEXT), Column("document_number", "Document", TEXT),
               Column("voucher", "Voucher", TEXT), Column("date", "Date", DATE), Column("due_date", "Due date", DATE),
               Column("kid", "KID", TEXT), Column("currency", "Currency", TEXT),
               Column("amount", "Amount (currency)", AMOUNT), Column("amount_company", f"Amount ({cc})", AMOUNT),
               Column("open_amount", f"Open now ({cc})", AMOUNT), Column("description", "Text", TEXT))

    def rows() -> Iterator[Row]:
        for r in queries.iter_items(uow.repo.conn, cid, date_from, date_to, kind=kind.value if kind else None,
                                    party_id=party_id, item_type=v["type"], limit=_page(v)):
            sign = 1 if r.kind == "customer" else -1
            yield {"party_number": r.party_number, "party_name": r.party_name, "kind": r.kind, "type": r.item_type,
                   "document_number": r.document_number, "voucher": r.voucher_ref, "date": r.item_date,
                   "due_date": r.due_date, "kid": r.kid, "currency": r.currency,
                   "amount": _money(r.amount_minor, r.currency, sign),
                   "amount_company": _money(r.amount_company_minor, cc, sign),
                   "open_amount": _money(r.open_company_minor, cc, sign), "description": r.description}

    def lines(layout: LineLayout) -> Iterator[tuple[bytes, int]]:
        return exports.transaction_lines(uow.repo.conn, cid, date_from, date_to, keys=[c.key for c in columns],
                                         layout=layout, company_currency=cc, kind=kind.value if kind else None,
                                         party_id=party_id, item_type=v["type"])

    return ReportResult("transactions", f"Transactions {date_from} – {date_to}", columns, (), rows(), lines=lines)


def _reconcile(uow: UnitOfWork, cid: int, v: dict[str, Any]) -> ReportResult:
    cc = uow.repo.company(cid).currency
    rows = queries.control_reconciliation(uow.repo.conn, cid, v["as_of"])
    out = [{"account": r.account, "kind": r.kind, "gl_balance": from_minor(r.gl_minor, cc),
            "subledger_open": from_minor(r.subledger_minor, cc), "difference": from_minor(r.difference_minor, cc)}
           for r in rows]
    columns = (Column("account", "Account", TEXT), Column("kind", "Sub-ledger", TEXT),
               Column("gl_balance", "GL balance", AMOUNT), Column("subledger_open", "Open items", AMOUNT),
               Column("difference", "Difference", AMOUNT))
    return ReportResult("reconcile", f"Sub-ledger against GL at {v['as_of']}", columns, (), out)


_BOOL = "bool"
REPORTS: dict[str, ReportSpec] = {s.name: s for s in (
    ReportSpec("open-items", "Open items", "Items open at a date (åpne poster), filtered.", (
        _AS_OF, _ANY_KIND, _PARTY, _GROUP, _CURRENCY,
        Param("due_before", "date", "Only items due before this date"),
        Param("min_amount", "amount", "Smallest open amount (company currency)"),
        Param("max_amount", "amount", "Largest open amount (company currency)"),
        Param("overdue_only", _BOOL, "Only items past due at the as-of date", default="no"),
        Param("disputed", _BOOL, "Only disputed items (yes) or only undisputed (no)"),
        Param("in_collection", _BOOL, "Only items sent to collection (yes) or not (no)"),
        Param("blocked", _BOOL, "Only parties with a block (yes) or without (no)"),
    ), _open_items, free_fields=True),
    ReportSpec("aged", "Aged open items", "Open amounts per party in aging buckets (aldersfordelt saldoliste).", (
        _AS_OF, _ANY_KIND, Param("buckets", "buckets", "Bucket upper limits in days", default="30,60,90"),
        Param("by", "choice", "Age by due date or document date", default="due_date",
              choices=("due_date", "document_date")),
        Param("per", "choice", "One row per party, or per party and currency", default="party",
              choices=("party", "currency")),
        _PARTY, _GROUP, _CURRENCY, Param("top", "int", "Only the N parties with the most overdue"),
    ), _aged),
    ReportSpec("ledger-spec", "Ledger specification",
               "Per party opening balance, debits, credits and closing balance (reskontrospesifikasjon), "
               "reconciled against the GL control accounts.", (_KIND, _FROM, _TO), _ledger_spec),
    ReportSpec("party-ledger", "Party ledger", "One party's transactions with running balance.",
               (Param("party", "text", "The party's number", required=True), _KIND, _FROM, _TO), _party_ledger),
    ReportSpec("statement", "Statement", "A party statement (kontoutskrift): transactions and open items.",
               (Param("party", "text", "The party's number", required=True), _KIND, _FROM, _TO), _statement),
    ReportSpec("payment-behaviour", "Payment behaviour",
               "Per customer: invoices paid, share paid late, average days after due, DSO.",
               (_FROM, _TO, _PARTY), _payment_behaviour),
    ReportSpec("top-debtors", "Top debtors", "Parties with the largest open balance.",
               (_AS_OF, _KIND, Param("n", "int", "How many", default="20")), _top_debtors),
    ReportSpec("transactions", "Transactions", "Every invoice, credit note, payment and adjustment in a period "
               "(posteringsliste), with its open amount now.",
               (_ANY_KIND, _FROM, _TO, _PARTY,
                Param("type", "choice", "Only this type", choices=("invoice", "credit_note", "payment", "write_off",
                                                                   "opening_balance", "reversal", "fx_difference",
                                                                   "reminder_fee", "interest"))),
               _transactions),
    ReportSpec("reconcile", "Reconciliation", "Control accounts (1500/2400…) against the sub-ledgers.",
               (_AS_OF,), _reconcile),
)}


def spec_of(name: str) -> ReportSpec:
    try:
        return REPORTS[name]
    except KeyError:
        raise NotFound(f"there is no report {name!r}; the reports are {', '.join(REPORTS)}",
                       field="report") from None


class _Stream:
    """Rows read inside a unit of work that stays open until the last row is read or :meth:`close`."""

    def __init__(self, uow: UnitOfWork, rows: Iterator[Row]) -> None:
        self._uow, self._rows, self._open = uow, rows, True

    def __iter__(self) -> Iterator[Row]:
        try:
            yield from self._rows
        finally:
            self.close()

    def close(self) -> None:
        if self._open:
            self._open = False
            self._uow.__exit__(None, None, None)


def run_report(*, uow: UnitOfWork, company_id: int, name: str, params: Mapping[str, str | None],
               row_limit: int | None = None) -> ReportResult:
    """Parse the parameters and run the report. A streamed result keeps its read-only unit of work
    open until its rows have been read; read them all, or call :meth:`ReportResult.close`.

    ``row_limit`` is for a page that shows the first rows: a report may then stop reading after that many
    (the open items do, walking the parties in order); its totals are then those of the rows read."""
    spec = spec_of(name)
    values = parse_params(spec, params, uow.today())
    values["row_limit"] = row_limit
    uow.__enter__()
    try:
        result = spec.build(uow, company_id, values)
    except BaseException as exc:
        uow.__exit__(type(exc), exc, exc.__traceback__)
        raise
    result.parameters = _shown(spec, values)
    if isinstance(result.rows, Iterator):
        result.rows = _Stream(uow, result.rows)
    else:
        uow.__exit__(None, None, None)
    return result


#: The file formats :func:`write_report` writes.
FORMATS = ("csv", "json", "xlsx")


def write_report(result: ReportResult, out: BinaryIO, *, fmt: str, separator: str = ",",
                 run_at: datetime | None = None) -> int:
    """Write a report's rows to ``out`` as csv, json (the array of row objects) or xlsx, and release its
    database; returns the number of rows.

    Where the report has a set-based export for the format (:attr:`ReportResult.lines`), the database
    formats the rows and they stream to ``out`` in blocks — the same bytes the writers of
    ``formats.tabular.export`` make of the rows, at a fraction of the cost; otherwise those writers do it.
    The CLI, the API and the benchmarks all write through here. ``run_at`` (for the xlsx parameters sheet)
    defaults to now.
    """
    try:
        if fmt == "csv":
            layout = export.csv_layout(result.columns, separator)
            if result.lines is not None and layout is not None:
                return export.write_csv_lines(out, result.columns, result.lines(layout), delimiter=separator)
            return export.write_csv(out, result.columns, result.rows, delimiter=separator)
        if fmt == "json":
            layout = export.json_layout(result.columns)
            if result.lines is not None and layout is not None:
                return export.write_json_lines(out, result.lines(layout))
            return export.write_json(out, result.columns, result.rows)
        if fmt == "xlsx":
            return export.write_xlsx(out, result.columns, result.rows, sheet_name=result.name[:31],
                                     title=result.title, parameters=[*result.parameters, *result.summary],
                                     run_at=run_at or datetime.now(UTC))
        raise ValueError(f"no file format {fmt!r}; the formats are {', '.join(FORMATS)}")
    finally:
        result.close()
