"""Import file rules: typed party and transaction rows, every bad value reported with its row and column at once."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook

from reskontro.domain.parties import PartyKind
from reskontro.domain.vouchers import ItemType
from reskontro.formats.result import Problem
from reskontro.formats.tabular.imports import (
    PARTY_COLUMNS,
    TRANSACTION_COLUMNS,
    PartyRow,
    TransactionRow,
    iter_transactions,
    parse_parties,
    parse_transactions,
)

PARTY_HEADER = ",".join(PARTY_COLUMNS)
TX_HEADER = ",".join(TRANSACTION_COLUMNS)


def naive(*parts: int) -> datetime:
    """A spreadsheet date-time: cells carry no time zone."""
    return datetime(*parts)  # noqa: DTZ001 - naive on purpose


def csv_bytes(header: str, *lines: str, sep: str = ",") -> bytes:
    return "\n".join([header.replace(",", sep), *lines, ""]).encode()


def party_line(number: str = "10001", kind: str = "customer", name: str = "Fjord AS", terms: str = "14",
               limit: str = "", sep: str = ",") -> str:
    values = {c: "" for c in PARTY_COLUMNS}
    values.update(number=number, kind=kind, name=name, payment_terms_days=terms, credit_limit=limit,
                  org_number="923456783", country="NO")
    return sep.join(values[c] for c in PARTY_COLUMNS)


def tx_line(**overrides: str) -> str:
    values = {"party_number": "10001", "kind": "customer", "type": "invoice", "document_number": "F1001",
              "date": "2024-01-15", "due_date": "2024-01-29", "amount": "1250.00", "currency": "",
              "kid": "", "description": "", "applies_to": ""}
    values.update(overrides)
    sep = values.pop("sep", ",")
    return sep.join(values[c] for c in TRANSACTION_COLUMNS)


def where(problems: Sequence[Problem]) -> list[tuple[int | None, str | None, str]]:
    return [(p.row, p.column, p.code) for p in problems]


# --- parties ---------------------------------------------------------------------------------------


def test_good_party_rows_become_records() -> None:
    result = parse_parties(csv_bytes(PARTY_HEADER, party_line(), party_line("20001", "supplier", terms="30",
                                                                          limit="50000")), "p.csv")
    assert result.ok
    assert [(r.row, r.kind, r.payment_terms_days, r.credit_limit) for r in result.records] == [
        (2, PartyKind.CUSTOMER, 14, None),
        (3, PartyKind.SUPPLIER, 30, Decimal(50000)),
    ]
    assert result.records[0].values["org_number"] == "923456783"


def test_party_kind_is_case_insensitive() -> None:
    result = parse_parties(csv_bytes(PARTY_HEADER, party_line(kind="Supplier")), "p.csv")
    assert result.records[0].kind is PartyKind.SUPPLIER


def test_party_file_may_be_semicolon_separated_with_decimal_comma() -> None:
    data = csv_bytes(PARTY_HEADER, party_line(limit="50 000,50", sep=";"), sep=";")
    result = parse_parties(data, "p.csv")
    assert result.ok
    assert result.records[0].credit_limit == Decimal("50000.50")


def test_party_blank_payment_terms_are_none() -> None:
    assert parse_parties(csv_bytes(PARTY_HEADER, party_line(terms="")), "p.csv").records[0].payment_terms_days is None


@pytest.mark.parametrize(("overrides", "column", "code"), [
    ({"number": ""}, "number", "required"),
    ({"number": "1" * 31}, "number", "too_long"),
    ({"name": ""}, "name", "required"),
    ({"name": "x" * 201}, "name", "too_long"),
    ({"kind": ""}, "kind", "required"),
    ({"kind": "partner"}, "kind", "bad_choice"),
    ({"terms": "fourteen"}, "payment_terms_days", "not_an_integer"),
    ({"terms": "-1"}, "payment_terms_days", "not_an_integer"),
    ({"terms": "14.5"}, "payment_terms_days", "not_an_integer"),
    ({"limit": "lots"}, "credit_limit", "not_a_number"),
    ({"limit": "1.234,50"}, "credit_limit", "not_a_number"),
    ({"limit": "-100"}, "credit_limit", "negative"),
])
def test_bad_party_value_is_a_problem_naming_row_and_column(overrides: dict[str, str], column: str, code: str
                                                            ) -> None:
    result = parse_parties(csv_bytes(PARTY_HEADER, party_line(**overrides, sep=";"), sep=";"), "p.csv")
    assert where(result.problems) == [(2, column, code)]
    assert result.records == []
    assert not result.ok


def test_every_bad_party_row_is_reported_at_once_and_good_rows_are_kept() -> None:
    data = csv_bytes(PARTY_HEADER, party_line(number=""), party_line("10002"), party_line("10003", kind="x",
                                                                                         terms="abc"))
    result = parse_parties(data, "p.csv")
    assert where(result.problems) == [(2, "number", "required"), (4, "kind", "bad_choice"),
                                      (4, "payment_terms_days", "not_an_integer")]
    assert [r.row for r in result.records] == [3]


def test_party_file_header_fault_is_one_problem() -> None:
    result = parse_parties(b"number,name\n1,x\n", "p.csv")
    assert result.records == []
    assert where(result.problems) == [(1, None, "bad_header")]
    assert "missing column(s) kind" in result.problems[0].message


def test_party_file_optional_columns_are_accepted() -> None:
    data = csv_bytes(PARTY_HEADER + ",bank_account,bic,vat_code", party_line() + ",15031234562,,3")
    result = parse_parties(data, "p.csv")
    assert result.ok
    assert isinstance(result.records[0], PartyRow)
    assert result.records[0].values["bank_account"] == "15031234562"


def test_party_problem_names_file_row_and_column_in_its_text() -> None:
    result = parse_parties(csv_bytes(PARTY_HEADER, party_line(kind="x")), "kunder.csv")
    assert str(result.problems[0]).startswith("kunder.csv, row 2, column 'kind': ")


# --- transactions ----------------------------------------------------------------------------------


def test_good_transaction_row_becomes_a_typed_record() -> None:
    result = parse_transactions(csv_bytes(TX_HEADER, tx_line(currency="eur", kid="0001000108",
                                                             description="Konsulent", applies_to="")), "t.csv")
    assert result.ok
    assert result.records == [TransactionRow(
        row=2, party_number="10001", kind=PartyKind.CUSTOMER, type=ItemType.INVOICE, document_number="F1001",
        date=date(2024, 1, 15), due_date=date(2024, 1, 29), amount=Decimal("1250.00"), currency="EUR",
        kid="0001000108", description="Konsulent", applies_to=None, rate=None)]


def test_transaction_blank_optional_values_are_none() -> None:
    record = parse_transactions(csv_bytes(TX_HEADER, tx_line(due_date="")), "t.csv").records[0]
    assert (record.due_date, record.currency, record.kid, record.description, record.applies_to, record.rate) == (
        None, None, None, None, None, None)


@pytest.mark.parametrize("type_", ["invoice", "credit_note", "payment", "PAYMENT"])
def test_transaction_types_are_invoice_credit_note_and_payment(type_: str) -> None:
    record = parse_transactions(csv_bytes(TX_HEADER, tx_line(type=type_)), "t.csv").records[0]
    assert record.type is ItemType(type_.lower())


@pytest.mark.parametrize(("raw", "expected"), [
    ("2024-01-15", date(2024, 1, 15)),
    ("15.01.2024", date(2024, 1, 15)),
    ("2024-01-15T00:00:00", date(2024, 1, 15)),
])
def test_transaction_dates_are_iso_or_norwegian_dd_mm_yyyy(raw: str, expected: date) -> None:
    record = parse_transactions(csv_bytes(TX_HEADER, tx_line(date=raw, due_date="")), "t.csv").records[0]
    assert record.date == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("1250", "1250"), ("1250.5", "1250.5"), ("1250,50", "1250.50"), ("1 250,50", "1250.50"),
    ("1\u00a0250,50", "1250.50"), ("+10", "10"),
])
def test_transaction_amounts_accept_norwegian_decimal_comma_and_spaces(raw: str, expected: str) -> None:
    data = csv_bytes(TX_HEADER, tx_line(amount=raw, sep=";"), sep=";")
    assert parse_transactions(data, "t.csv").records[0].amount == Decimal(expected)


def test_transaction_rate_column_is_optional_and_parsed() -> None:
    data = csv_bytes(TX_HEADER + ",rate", tx_line(currency="EUR") + ",\"11,4567\"")
    assert parse_transactions(data, "t.csv").records[0].rate == Decimal("11.4567")


@pytest.mark.parametrize(("overrides", "column", "code"), [
    ({"party_number": ""}, "party_number", "required"),
    ({"kind": "partner"}, "kind", "bad_choice"),
    ({"type": "write_off"}, "type", "bad_choice"),
    ({"type": ""}, "type", "required"),
    ({"document_number": ""}, "document_number", "required"),
    ({"document_number": "D" * 61}, "document_number", "too_long"),
    ({"date": ""}, "date", "required"),
    ({"date": "15/01/2024"}, "date", "not_a_date"),
    ({"date": "2024-02-30"}, "date", "not_a_date"),
    ({"due_date": "snart"}, "due_date", "not_a_date"),
    ({"due_date": "2024-01-14"}, "due_date", "before_date"),
    ({"amount": ""}, "amount", "required"),
    ({"amount": "12,50 kr"}, "amount", "not_a_number"),
    ({"amount": "1.250,50"}, "amount", "not_a_number"),
    ({"amount": "0"}, "amount", "not_positive"),
    ({"amount": "-100"}, "amount", "not_positive"),
    ({"currency": "EURO"}, "currency", "too_long"),
    ({"kid": "1" * 26}, "kid", "too_long"),
    ({"description": "x" * 501}, "description", "too_long"),
    ({"applies_to": "F" * 61}, "applies_to", "too_long"),
])
def test_bad_transaction_value_is_a_problem_naming_row_and_column(overrides: dict[str, str], column: str,
                                                                  code: str) -> None:
    result = parse_transactions(csv_bytes(TX_HEADER, tx_line(**overrides, sep=";"), sep=";"), "t.csv")
    assert where(result.problems) == [(2, column, code)]
    assert result.records == []


def test_an_over_long_description_or_applies_to_is_never_imported_silently() -> None:
    data = csv_bytes(TX_HEADER, tx_line(applies_to="F" * 61), tx_line(document_number="F1002"),
                     tx_line(document_number="F1003", description="x" * 501))
    result = parse_transactions(data, "t.csv")
    assert where(result.problems) == [(2, "applies_to", "too_long"), (4, "description", "too_long")]
    assert [r.document_number for r in result.records] == ["F1002"]


def test_transaction_rate_must_be_positive() -> None:
    data = csv_bytes(TX_HEADER + ",rate", tx_line() + ",0")
    assert where(parse_transactions(data, "t.csv").problems) == [(2, "rate", "not_positive")]


def test_every_bad_transaction_row_is_reported_at_once() -> None:
    data = csv_bytes(TX_HEADER,
                     tx_line(amount="abc"),
                     tx_line(document_number="F1002"),
                     tx_line(date="31.02.2024", kind="x"),
                     "",
                     tx_line(document_number="F1004", amount="-5"))
    result = parse_transactions(data, "t.csv")
    assert where(result.problems) == [(2, "amount", "not_a_number"), (4, "kind", "bad_choice"),
                                      (4, "date", "not_a_date"), (6, "amount", "not_positive")]
    assert [r.document_number for r in result.records] == ["F1002"]
    assert all(p.source == "t.csv" for p in result.problems)


def test_iter_transactions_yields_records_and_problems_in_file_order() -> None:
    data = csv_bytes(TX_HEADER, tx_line(), tx_line(amount="x"), tx_line(document_number="F1003"))
    items = list(iter_transactions(data, "t.csv"))
    assert [type(i).__name__ for i in items] == ["TransactionRow", "Problem", "TransactionRow"]
    assert isinstance(items[1], Problem)
    assert (items[1].row, items[1].column) == (3, "amount")


def test_iter_transactions_accepts_a_binary_file_object() -> None:
    items = list(iter_transactions(io.BytesIO(csv_bytes(TX_HEADER, tx_line())), "t.csv"))
    assert len(items) == 1
    assert isinstance(items[0], TransactionRow)


# --- file faults become problems -------------------------------------------------------------------


def test_transaction_header_fault_is_one_problem_naming_the_columns() -> None:
    result = parse_transactions(b"party_number,kind,type,colour\n", "t.csv")
    assert result.records == []
    assert where(result.problems) == [(1, None, "bad_header")]
    assert "missing column(s) document_number, date" in result.problems[0].message
    assert "unknown column(s) colour" in result.problems[0].message


def test_non_utf8_file_is_a_problem_not_an_exception() -> None:
    data = csv_bytes(TX_HEADER, tx_line(description="Blåbær")).decode().encode("latin-1")
    result = parse_transactions(data, "t.csv")
    assert [p.code for p in result.problems] == ["bad_encoding"]


def test_malformed_csv_is_a_problem_not_an_exception() -> None:
    data = csv_bytes(TX_HEADER, tx_line(description='"never closed'))
    result = parse_transactions(data, "t.csv")
    assert [p.code for p in result.problems] == ["bad_csv"]


def test_malformed_csv_problem_after_good_rows_keeps_them_but_fails_the_file() -> None:
    data = csv_bytes(TX_HEADER, tx_line(), tx_line(document_number='"F2"x'))
    result = parse_transactions(data, "t.csv")
    assert [p.code for p in result.problems] == ["bad_csv"]
    assert result.problems[0].row == 3
    assert not result.ok


def test_non_xlsx_file_starting_with_pk_is_a_problem() -> None:
    result = parse_parties(b"PK\x03\x04not really a zip", "p.xlsx")
    assert [p.code for p in result.problems] == ["bad_file"]


def test_empty_file_is_a_problem() -> None:
    assert [p.code for p in parse_transactions(b"", "t.csv").problems] == ["empty"]
    assert [p.code for p in parse_parties(b"", "p.csv").problems] == ["empty"]


def test_values_beyond_the_header_are_a_problem() -> None:
    result = parse_transactions(csv_bytes(TX_HEADER, tx_line() + ",surprise"), "t.csv")
    assert where(result.problems) == [(2, None, "extra_values")]


# --- XLSX ------------------------------------------------------------------------------------------


def xlsx(rows: Sequence[Sequence[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_transactions_with_real_date_and_number_cells() -> None:
    header = list(TRANSACTION_COLUMNS)
    row: dict[str, Any] = {c: None for c in header}
    row.update(party_number=10001, kind="customer", type="invoice", document_number=1001,
               date=naive(2024, 1, 15), due_date=date(2024, 1, 29), amount=1250.5, kid="0001000108")
    other = dict(row, document_number="1002", amount=99, date=naive(2024, 1, 16), due_date=None)
    result = parse_transactions(xlsx([header, [row[c] for c in header], [other[c] for c in header]]), "t.xlsx")
    assert result.ok
    first, second = result.records
    assert (first.party_number, first.document_number, first.date, first.due_date, first.amount) == (
        "10001", "1001", date(2024, 1, 15), date(2024, 1, 29), Decimal("1250.5"))
    assert (second.document_number, second.amount, second.due_date) == ("1002", Decimal(99), None)


def test_xlsx_bad_cells_are_reported_with_their_sheet_row() -> None:
    header = list(TRANSACTION_COLUMNS)
    good = ["10001", "customer", "invoice", "F1", date(2024, 1, 15), None, 100, None, None, None, None]
    bad = ["10001", "customer", "invoice", "F2", "not a date", None, -100, None, None, None, None]
    result = parse_transactions(xlsx([header, good, bad]), "t.xlsx")
    assert where(result.problems) == [(3, "date", "not_a_date"), (3, "amount", "not_positive")]
    assert [r.document_number for r in result.records] == ["F1"]


def test_xlsx_party_file_is_read() -> None:
    header = list(PARTY_COLUMNS)
    row = ["10001", "customer", "Fjord AS", "923456783", None, "nb", "NOK", 30, 5000.5, None, None, None, "NO"]
    result = parse_parties(xlsx([header, row]), "p.xlsx")
    assert result.ok
    assert (result.records[0].payment_terms_days, result.records[0].credit_limit) == (30, Decimal("5000.5"))
