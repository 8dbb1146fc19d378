"""The set-based export writes exactly what the writers write: the database formats the rows of the
``transactions`` report, and the bytes equal those of ``write_csv`` / ``write_json`` over the report's rows —
nasty text, formula-like cells, every sign, currencies with 0, 2 and 3 decimals, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from reskontro.domain.parties import PartyKind
from reskontro.formats.tabular.export import csv_layout, json_layout, write_csv, write_csv_lines, write_json
from reskontro.services.companies import set_rate
from reskontro.services.report_catalog import ReportResult, run_report, write_report
from tests.builders import customer, post, raw, supplier
from tests.conftest import Ctx

# The samples zero some items' amounts with SQL (the engine refuses a zero invoice), so the totals are not checked.
pytestmark = pytest.mark.raw_rows

D = date(2026, 3, 2)
PERIOD = {"date_from": "2026-01-01", "date_to": "2026-06-30"}

#: Texts a spreadsheet would run as formulas, texts CSV must quote, and texts that only look dangerous.
NASTY = [
    "=SUM(A1:A9)", "+47 22 33 44 55", "-12.50", "-12,5", "+7", "-1.2.3", "-", "@home", "\tTab først", "\rCR først",
    'Sitat "sånn"', "semi;kolon", "komma, AS", "linje\nskift", "CR\r\nLF", "æøå ÆØÅ", "🙂 emoji", "=", "'", "",
    " ledende", "0=1", "<tag>", "\\backslash\\", "kontroll\x01\x1f\x7f", "linje\u2028skille", '"', ";", ",",
]


def _ledger(ctx: Ctx) -> None:
    """Customers and suppliers with NOK, EUR, JPY and KWD items, then nasty text, zero and negative amounts."""
    for currency, rate in (("EUR", "11.50"), ("JPY", "0.0712"), ("KWD", "34.125")):
        set_rate(uow=ctx.uow(), company_id=ctx.company_id, currency=currency, on=date(2026, 1, 1), rate=rate)
    customer(ctx, "10001")
    customer(ctx, "10002")
    supplier(ctx, "50001")
    supplier(ctx, "50002")
    post(ctx, "invoice", "10001", "1000.00", D, document_number="A1")
    post(ctx, "invoice", "10001", "200.05", D, document_number="A2", currency="EUR")
    post(ctx, "invoice", "10002", "150000", D, document_number="B1", currency="JPY")
    post(ctx, "invoice", "10002", "12.345", D, document_number="B2", currency="KWD")
    post(ctx, "credit_note", "10001", "100.00", date(2026, 3, 5), document_number="K1", applies_to="A1")
    post(ctx, "payment", "10002", "0.005", date(2026, 3, 9), document_number="P1", applies_to="B2", currency="KWD")
    post(ctx, "payment", "10001", "900.00", date(2026, 4, 1), document_number="P2", applies_to="A1")
    post(ctx, "invoice", "50001", "5000.00", D, kind=PartyKind.SUPPLIER, document_number="L1")
    post(ctx, "invoice", "50001", "77", D, kind=PartyKind.SUPPLIER, document_number="L2", currency="JPY")
    post(ctx, "invoice", "50002", "0.001", D, kind=PartyKind.SUPPLIER, document_number="L3", currency="KWD")
    post(ctx, "payment", "50001", "5000.00", date(2026, 3, 20), kind=PartyKind.SUPPLIER, document_number="U1",
         applies_to="L1")
    post(ctx, "invoice", "10002", "10.00", D, document_number="Z1")
    post(ctx, "invoice", "50002", "10.00", D, kind=PartyKind.SUPPLIER, document_number="Z2")
    cid = ctx.company_id
    # Zero amounts on both sides (a supplier's zero is 0.00 too: the sign is applied to the integer).
    raw(ctx, "UPDATE items SET amount_minor = 0, open_minor = 0, amount_company_minor = 0, open_company_minor = 0 "
             "WHERE company_id = :c AND document_number IN ('Z1', 'Z2')", c=cid)
    raw(ctx, "UPDATE parties SET name = :n, number = :m WHERE company_id = :c AND number = '10001'",
        n='=HYPERLINK("http://x";"klikk")', m="=1+1", c=cid)
    raw(ctx, "UPDATE parties SET name = :n WHERE company_id = :c AND number = '10002'", n="Hansen; Ola\n«AS»", c=cid)
    raw(ctx, "UPDATE parties SET name = :n, number = :m WHERE company_id = :c AND number = '50001'",
        n="-12.50", m="-5", c=cid)
    raw(ctx, "UPDATE parties SET name = :n WHERE company_id = :c AND number = '50002'", n="Sjø & Fjell 🙂 AS", c=cid)
    raw(ctx, "UPDATE items SET kid = NULL WHERE company_id = :c AND document_number IN ('A1', 'L1')", c=cid)
    with ctx.app.engine.connect() as conn:
        ids = list(conn.execute(text("SELECT item_id FROM items WHERE company_id = :c ORDER BY item_id"),
                                {"c": cid}).scalars())
    for k, item_id in enumerate(ids):
        nasty = NASTY[k % len(NASTY)]
        raw(ctx, "UPDATE items SET description = :d WHERE company_id = :c AND item_id = :i",
            d=None if k % 5 == 4 else nasty, c=cid, i=item_id)
    for k, item_id in enumerate(ids[:6]):
        raw(ctx, "UPDATE items SET document_number = :d WHERE company_id = :c AND item_id = :i",
            d=("=cmd|' /C calc'!A0", "+1", "-1,5", "1;2", '"x"', "@\tx")[k], c=cid, i=item_id)
        raw(ctx, "UPDATE items SET kid = :k WHERE company_id = :c AND item_id = :i",
            k=("-7", "=7", "", "7\n7", "@", "ø")[k], c=cid, i=item_id)


@pytest.fixture
def ledger(ctx: Ctx) -> Ctx:
    _ledger(ctx)
    return ctx


class _NotRead:
    """Rows that must not be read: the result has to come from the database's lines."""

    def __init__(self, rows: Any) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator[Any]:
        raise AssertionError("the export read the rows instead of the database's lines")

    def close(self) -> None:
        self._rows.close()


def _run(ctx: Ctx, **params: str) -> ReportResult:
    return run_report(uow=ctx.uow(readonly=True), company_id=ctx.company_id, name="transactions",
                      params=PERIOD | params)


def fast(ctx: Ctx, fmt: str, separator: str = ",", **params: str) -> bytes:
    result = _run(ctx, **params)
    assert result.lines is not None
    result.rows = _NotRead(result.rows)
    out = io.BytesIO()
    write_report(result, out, fmt=fmt, separator=separator)
    return out.getvalue()


def slow(ctx: Ctx, fmt: str, separator: str = ",", **params: str) -> bytes:
    result = _run(ctx, **params)
    out = io.BytesIO()
    if fmt == "csv":
        write_csv(out, result.columns, result.rows, delimiter=separator)
    else:
        write_json(out, result.columns, result.rows)
    return out.getvalue()


@pytest.mark.parametrize(("fmt", "separator"), [("csv", ","), ("csv", ";"), ("json", ",")])
def test_the_database_writes_the_same_bytes_as_the_writers(ledger: Ctx, fmt: str, separator: str) -> None:
    expected = slow(ledger, fmt, separator)
    assert fast(ledger, fmt, separator) == expected
    with ledger.app.engine.connect() as conn:
        items = conn.execute(text("SELECT count(*) FROM items WHERE company_id = :c"),
                             {"c": ledger.company_id}).scalar()
    assert items and items >= 13
    assert expected.count(b'{"party_number": ' if fmt == "json" else b"\r\n") >= items  # and some texts hold CR LF


def test_the_rules_show_in_the_csv(ledger: Ctx) -> None:
    text = fast(ledger, "csv", ";").decode("utf-8")
    assert text.startswith("\ufeffparty_number;party_name;kind;type;document_number;voucher;date;due_date;kid;")
    assert "'=1+1;\"'=HYPERLINK(\"\"http://x\"\";\"\"klikk\"\")\";customer;" in text  # neutralised, then quoted
    assert "\r\n-5;-12.50;supplier;" in text  # plain numbers stay as they are
    assert ";1500" in text and ";12,345;" in text  # JPY without decimals, KWD with three, decimal comma
    assert not re.search(r";-0,0+;", text) and ";0,00;0,00;0,00;" in text  # a zero is 0,00 for both kinds
    assert '"Hansen; Ola\n«AS»"' in text


@pytest.mark.parametrize("params", [
    {"kind": "supplier"}, {"kind": "customer", "party": "10002"}, {"type": "payment"},
    {"date_from": "2026-03-03", "date_to": "2026-03-31"}, {"date_from": "2025-01-01", "date_to": "2025-12-31"},
])
def test_filters_give_the_same_rows_both_ways(ledger: Ctx, params: dict[str, str]) -> None:
    for fmt, separator in (("csv", ";"), ("json", ",")):
        assert fast(ledger, fmt, separator, **params) == slow(ledger, fmt, separator, **params)


def test_an_empty_period_is_the_header_or_an_empty_array(ledger: Ctx) -> None:
    empty = {"date_from": "2020-01-01", "date_to": "2020-12-31"}
    assert fast(ledger, "csv", ";", **empty) == slow(ledger, "csv", ";", **empty)
    assert fast(ledger, "json", **empty) == b"[]\n" == slow(ledger, "json", **empty)


def test_another_company_is_never_exported(ledger: Ctx) -> None:
    from reskontro.services.companies import init_company

    other = Ctx(ledger.app, init_company(uow=ledger.app.uow(), name="Annen AS"))
    customer(other, "10001", name="Skjult AS")
    post(other, "invoice", "10001", "1.00", D, document_number="HEMMELIG")
    mine = fast(ledger, "csv")
    assert b"HEMMELIG" not in mine and b"Skjult" not in mine
    assert fast(other, "csv").count(b"\r\n") == 2  # the header and its one item


def test_text_with_nul_characters_on_sqlite(ledger: Ctx) -> None:
    if ledger.backend != "sqlite":
        pytest.skip("PostgreSQL text cannot hold NUL")
    raw(ledger, "UPDATE items SET description = :d WHERE company_id = :c AND document_number IN ('P2', 'L1')",
        d="a\x00;b", c=ledger.company_id)
    raw(ledger, "UPDATE items SET document_number = :d WHERE company_id = :c AND document_number = 'L2'",
        d="-1\x00,5", c=ledger.company_id)
    raw(ledger, "UPDATE parties SET name = :n WHERE company_id = :c AND number = '10002'", n="-1\x002",
        c=ledger.company_id)
    for fmt, separator in (("csv", ";"), ("csv", ","), ("json", ",")):
        assert fast(ledger, fmt, separator) == slow(ledger, fmt, separator)


def test_a_layout_the_lines_cannot_follow_falls_back_to_the_writers(ledger: Ctx) -> None:
    # A delimiter that write_csv leaves to the csv module has no layout; the rows are written by write_csv.
    assert csv_layout(_run(ledger).columns, ":") is None
    result = _run(ledger)
    out = io.BytesIO()
    write_report(result, out, fmt="csv", separator=":")
    assert out.getvalue() == slow(ledger, "csv", ":")


def test_lines_in_small_blocks_join_up(ledger: Ctx, monkeypatch: pytest.MonkeyPatch) -> None:
    from reskontro.store import exports

    monkeypatch.setattr(exports, "BLOCK_ROWS", 3)
    for fmt, separator in (("csv", ";"), ("json", ",")):
        assert fast(ledger, fmt, separator) == slow(ledger, fmt, separator)
    result = _run(ledger)
    assert result.lines is not None
    layout = csv_layout(result.columns, ",")
    assert layout is not None and json_layout(result.columns) is not None
    out = io.BytesIO()
    rows = write_csv_lines(out, result.columns, result.lines(layout), delimiter=",")
    result.close()
    assert rows == 13 and out.getvalue() == slow(ledger, "csv", ",")


_TEXT = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=_TEXT, description=st.one_of(st.none(), _TEXT), number=_TEXT)
def test_any_text_comes_out_the_same(ledger: Ctx, name: str, description: str | None, number: str) -> None:
    assume(number != "50002")  # numbers are unique
    cid = ledger.company_id
    raw(ledger, "UPDATE parties SET name = :n WHERE company_id = :c AND number = '10002'", n=name, c=cid)
    raw(ledger, "UPDATE parties SET number = :n WHERE company_id = :c AND kind = 'supplier' AND name = '-12.50'",
        n=number, c=cid)
    raw(ledger, "UPDATE items SET description = :d WHERE company_id = :c", d=description, c=cid)
    for fmt, separator in (("csv", ";"), ("csv", ","), ("json", ",")):
        assert fast(ledger, fmt, separator) == slow(ledger, fmt, separator)
