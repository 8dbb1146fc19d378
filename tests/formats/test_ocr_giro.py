"""OCR Giro rules: 80-character records in a fixed order, checked totals; any fault names its line and field and
the file yields nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import netsgiro
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reskontro.formats import bank_files, ocr_giro
from reskontro.formats.payments import BankFileInvalid
from tests.builders_bank import camt054, ocr_file
from tests.conftest import SHARED

FIXTURES = SHARED / "fixtures" / "ocr-giro"
needs_fixtures = pytest.mark.skipif(not FIXTURES.is_dir(), reason=f"shared OCR Giro fixtures not found at {FIXTURES}")
JAN28 = date(2026, 1, 28)


def lines_of(data: bytes) -> list[str]:
    return data.decode("iso-8859-1").split("\n")[:-1]


def put(line: str, position: int, text: str) -> str:
    """``line`` with ``text`` written from 1-based ``position`` (the Nets manual's numbering)."""
    return line[:position - 1] + text + line[position - 1 + len(text):]


def joined(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("iso-8859-1")


def problems(data: bytes) -> set[tuple[int | None, str | None, str]]:
    with pytest.raises(BankFileInvalid) as caught:
        ocr_giro.parse(data, "f.txt")
    assert all(p.source == "f.txt" for p in caught.value.problems)
    return {(p.row, p.column, p.code) for p in caught.value.problems}


TWO = [{"amount": "100.00", "kid": "0001000108"}, {"amount": "50.00", "kid": "10030"}]
# Lines of ocr_file(TWO): 1 transmission start, 2 assignment start, 3-4 transaction 1, 5-6 transaction 2,
# 7 assignment end, 8 transmission end.


# --- the shared fixtures ---------------------------------------------------------------------------------------


@needs_fixtures
def test_the_handmade_file_gives_its_three_payments() -> None:
    f = ocr_giro.parse((FIXTURES / "ocr-giro-incoming-kid.handmade.txt").read_bytes(), "ocr.txt")
    assert (f.format, f.key, f.created) == ("ocr-giro", "ocr:00008080:2601281:00123456", JAN28)
    assert [(t.location, t.amount, t.kid, t.transaction_type, t.counterparty_account, t.text)
            for t in f.transactions] == [
        ("line 3", Decimal("12500.00"), "0001000108", "10", "97100500004", None),
        ("line 5", Decimal("499.00"), "10030", "10", "12065432100", None),
        ("line 7", Decimal("250.00"), "0001000207", "21", "30001234567", "Delbetaling faktura 10002"),
    ]
    for t in f.transactions:
        assert (t.account, t.booking_date, t.value_date, t.currency) == ("15031234562", JAN28, JAN28, "NOK")
        assert (t.credit, t.reversal, t.bank_reference) == (True, False, "000000001")


@needs_fixtures
def test_the_netsgiro_file_gives_twenty_payments_of_51449_nok() -> None:
    f = ocr_giro.parse((FIXTURES / "netsgiro-ocr_giro_transactions.txt").read_bytes(), "n.txt")
    assert f.key == "ocr:00008080:0170031:00010200"
    assert len(f.transactions) == 20
    assert sum(t.amount for t in f.transactions) == Decimal("51449.00")
    assert {t.account for t in f.transactions} == {"99991042764"}
    assert {t.transaction_type for t in f.transactions} == {"10", "11", "12", "13", "21"}
    first = f.transactions[0]
    assert (first.kid, first.text, first.amount, first.bank_reference) == ("0000531", "Foo bar baz", Decimal("1020.00"),
                                                                           "099038562")
    # Nets writes two-digit years; we read them as 20YY (the fixture's 1992 becomes 2092).
    assert (first.booking_date, first.value_date) == (date(2092, 1, 20), date(2092, 1, 16))
    assert f.transactions[8].value_date is None  # bank date 000000


@needs_fixtures
@pytest.mark.parametrize("name", ["netsgiro-ocr_giro_transactions.txt", "ocr-giro-incoming-kid.handmade.txt"])
def test_netsgiro_reads_the_same_payments(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    ours = ocr_giro.parse(data, name).transactions
    theirs = [t for a in netsgiro.parse(data.decode("iso-8859-1")).assignments for t in a.transactions]

    def day(d: date | None) -> tuple[int, int, int] | None:
        # netsgiro puts two-digit years 69-99 in the 1900s, we put every year in the 2000s.
        return None if d is None else (d.day, d.month, d.year % 100)

    assert [(t.amount, t.kid, day(t.booking_date), day(t.value_date), t.transaction_type, t.text,
             t.counterparty_account) for t in ours] == [
        (n.amount, n.kid, day(n.date), day(n.bank_date), f"{int(n.type):02d}", n.text, n.debit_account)
        for n in theirs]


@needs_fixtures
def test_an_avtalegiro_file_is_not_an_ocr_giro_file() -> None:
    found = problems((FIXTURES / "netsgiro-avtalegiro_agreements.txt").read_bytes())
    assert (2, "record_type", "record_type") in found


# --- what a good file gives ------------------------------------------------------------------------------------


def test_a_mod11_kid_ending_in_a_hyphen_is_read() -> None:
    f = ocr_giro.parse(ocr_file([{"amount": "12.50", "kid": "1009-"}]), "f.txt")
    assert [(t.kid, t.amount) for t in f.transactions] == [("1009-", Decimal("12.50"))]


def test_a_blank_kid_and_a_zero_payer_account_are_none() -> None:
    (t,) = ocr_giro.parse(ocr_file([{"amount": "1.00", "bank_date": None}]), "f.txt").transactions
    assert (t.kid, t.counterparty_account, t.value_date, t.text) == (None, None, None, None)


def test_the_key_is_sender_transmission_number_and_recipient() -> None:
    f = ocr_giro.parse(ocr_file(TWO, number="0000042", sender="12345678", recipient="87654321"), "f.txt")
    assert f.key == "ocr:12345678:0000042:87654321"
    assert f.created == JAN28


@pytest.mark.parametrize("ending", [b"\r\n", b"\n"])
def test_line_ends_may_be_crlf_and_the_last_newline_may_be_missing(ending: bytes) -> None:
    data = ocr_file(TWO).replace(b"\n", ending).removesuffix(ending)
    assert len(ocr_giro.parse(data, "f.txt").transactions) == 2


@pytest.mark.parametrize(("type_", "sign"), [("18", "0"), ("10", "-"), ("20", "-")])
def test_types_18_and_20_and_a_minus_sign_are_one_reversal(type_: str, sign: str) -> None:
    (t,) = ocr_giro.parse(ocr_file([{"amount": "10.00", "type": type_, "sign": sign}]), "f.txt").transactions
    assert (t.reversal, t.credit, t.amount) == (True, True, Decimal("10.00"))


def test_types_20_and_21_may_carry_a_text_record() -> None:
    f = ocr_giro.parse(ocr_file([{"type": "21", "text": "  Faktura 7 æøå  "}, {"type": "21"}]), "f.txt")
    assert [t.text for t in f.transactions] == ["Faktura 7 æøå", None]


def test_an_empty_assignment_is_a_file_without_payments() -> None:
    assert ocr_giro.parse(ocr_file([]), "f.txt").transactions == ()


# --- every fault, with its line and field ----------------------------------------------------------------------


def edit(rows: int | tuple[int, ...], position: int, text: str) -> bytes:
    """``ocr_file(TWO)`` with ``text`` written at ``position`` of each of ``rows`` (1-based)."""
    lines = lines_of(ocr_file(TWO))
    for row in (rows,) if isinstance(rows, int) else rows:
        lines[row - 1] = put(lines[row - 1], position, text)
    return joined(lines)


@pytest.mark.parametrize(("data", "expected"), [
    pytest.param(edit(3, 33, "0000000000001000x"), (3, "amount", "not_digits"), id="amount not digits"),
    pytest.param(edit(3, 16, "320126"), (3, "nets_date", "date"), id="no 32nd of January"),
    pytest.param(edit(4, 42, "290299"), (4, "bank_date", "date"), id="no 29 February 2099"),
    pytest.param(edit(3, 32, "+"), (3, "sign", "sign"), id="sign"),
    pytest.param(edit(3, 50, " " * 20 + "1A030"), (3, "kid", "kid"), id="letter in KID"),
    pytest.param(edit(3, 50, " " * 20 + "10-30"), (3, "kid", "kid"), id="hyphen inside KID"),
    pytest.param(edit(3, 50, " " * 23 + "--"), (3, "kid", "kid"), id="two hyphens"),
    pytest.param(edit(4, 9, "0000009"), (4, "transaction_number", "transaction_number"), id="item 2 number differs"),
    pytest.param(edit((5, 6), 9, "0000001"), (5, "transaction_number", "transaction_number"),
                 id="numbers do not ascend"),
    pytest.param(edit((3, 4), 5, "22"), (3, "transaction_type", "transaction_type"), id="type 22"),
    pytest.param(edit(4, 5, "11"), (4, "transaction_type", "transaction_type"), id="item 2 of another type"),
    pytest.param(edit(2, 25, "15031234563"), (2, "assignment_account", "account"), id="bad account check digit"),
    pytest.param(edit(7, 9, "00000003"), (7, "num_transactions", "control_count"), id="assignment count"),
    pytest.param(edit(7, 17, "00000007"), (7, "num_records", "control_count"), id="assignment records"),
    pytest.param(edit(7, 25, "00000000000015001"), (7, "total_amount", "control_sum"), id="assignment sum"),
    pytest.param(edit(8, 9, "00000001"), (8, "num_transactions", "control_count"), id="transmission count"),
    pytest.param(edit(8, 17, "00000007"), (8, "num_records", "control_count"), id="transmission records"),
    pytest.param(edit(8, 25, "00000000000014999"), (8, "total_amount", "control_sum"), id="transmission sum"),
    pytest.param(edit(8, 42, "000000"), (8, "nets_date", "date"), id="transmission without date"),
    pytest.param(edit(1, 17, "00000A1"), (1, "transmission_number", "not_digits"), id="transmission number"),
])
def test_a_bad_field_is_named_by_line_and_field(data: bytes, expected: tuple[int, str, str]) -> None:
    assert expected in problems(data)


def lines_with(change: Any) -> bytes:
    lines = lines_of(ocr_file(TWO))
    change(lines)
    return joined(lines)


@pytest.mark.parametrize(("data", "expected"), [
    pytest.param(lines_with(lambda ls: ls.__setitem__(2, ls[2][:79])), (3, None, "line_length"), id="79 chars"),
    pytest.param(lines_with(lambda ls: ls.__setitem__(2, ls[2] + " ")), (3, None, "line_length"), id="81 chars"),
    pytest.param(lines_with(lambda ls: ls.insert(3, "")), (4, None, "line_length"), id="blank line"),
    pytest.param(lines_with(lambda ls: ls.__setitem__(3, put(ls[3], 7, "35"))), (4, "record_type", "record_type"),
                 id="unknown record type"),
    pytest.param(lines_with(lambda ls: ls.__setitem__(0, put(ls[0], 1, "XX"))), (1, "record_type", "record_order"),
                 id="no NY"),
    pytest.param(lines_with(lambda ls: ls.insert(2, ls.pop(3))), (3, "record_type", "record_order"),
                 id="item 2 before item 1"),
    pytest.param(lines_with(lambda ls: ls.pop(3)), (4, "record_type", "record_order"), id="item 2 missing"),
    pytest.param(lines_with(lambda ls: ls.insert(4, put(ls[3], 7, "32"))), (5, "record_type", "record_order"),
                 id="text record for type 10"),
    pytest.param(lines_with(lambda ls: ls.pop(6)), (7, "record_type", "record_order"), id="assignment end missing"),
    pytest.param(lines_with(lambda ls: ls.pop(1)), (2, "record_type", "record_order"),
                 id="transaction before any assignment"),
    pytest.param(lines_with(lambda ls: ls.pop()), (7, "record_type", "record_order"), id="transmission end missing"),
    pytest.param(lines_with(lambda ls: ls.append(ls[-1])), (9, "record_type", "record_order"), id="two ends"),
    pytest.param(lines_with(lambda ls: ls.append(ls[2])), (9, "record_type", "record_order"),
                 id="a record after the end"),
    pytest.param(lines_with(lambda ls: ls.insert(1, ls[0])), (2, "record_type", "record_order"),
                 id="two transmission starts"),
    pytest.param(lines_with(lambda ls: ls.pop(0)), (1, "record_type", "record_order"), id="start missing"),
    pytest.param(lines_with(lambda ls: ls.insert(6, ls[1])), (7, "record_type", "record_order"),
                 id="assignment inside an assignment"),
])
def test_a_record_out_of_place_is_named_by_line(data: bytes, expected: tuple[int, str | None, str]) -> None:
    assert expected in problems(data)


def test_every_fault_is_reported_not_just_the_first() -> None:
    lines = lines_of(ocr_file(TWO))
    lines[2] = put(lines[2], 33, "0000000000001000x")  # amount
    lines[4] = put(lines[4], 50, " " * 20 + "1A030")  # KID
    lines[5] = lines[5][:70]  # length
    lines[6] = put(lines[6], 9, "00000009")  # assignment count
    found = problems(joined(lines))
    assert {(3, "amount", "not_digits"), (5, "kid", "kid"), (6, None, "line_length"),
            (7, "num_transactions", "control_count")} <= found


def test_a_short_line_does_not_also_report_the_fields_it_lacks() -> None:
    lines = lines_of(ocr_file(TWO))
    lines[2] = lines[2][:40]
    assert {code for _, _, code in problems(joined(lines))} == {"line_length"}


def test_an_empty_file_is_refused() -> None:
    assert problems(b"") == {(None, None, "empty")}


def test_the_message_names_the_file_line_and_field() -> None:
    with pytest.raises(BankFileInvalid) as caught:
        ocr_giro.parse(edit(3, 16, "320126"), "innbetalinger.txt")
    assert str(caught.value).startswith("innbetalinger.txt, line 3, field 'nets_date': nets_date must be a date")


# --- detection -------------------------------------------------------------------------------------------------


def test_the_file_kind_is_told_from_its_first_bytes() -> None:
    assert bank_files.detect(ocr_file(TWO)) == "ocr-giro"
    assert bank_files.detect(camt054(TWO)) == "camt.054.001.02"
    assert bank_files.detect(b"Dato;Bel\xf8p\n") is None
    assert bank_files.parse(ocr_file(TWO), "f.txt").format == "ocr-giro"
    with pytest.raises(BankFileInvalid) as caught:
        bank_files.parse(b"hello", "f.txt")
    assert [p.code for p in caught.value.problems] == ["unknown_format"]


# --- size and round trip ---------------------------------------------------------------------------------------


def test_a_hundred_thousand_payments_are_read() -> None:
    n = 100_000
    data = ocr_file([{"amount": (i % 1000) + 1, "kid": f"{i:010d}"} for i in range(n)])
    f = ocr_giro.parse(data, "big.txt")
    assert len(f.transactions) == n
    assert sum(t.amount for t in f.transactions) == Decimal(sum((i % 1000) + 1 for i in range(n)))
    assert f.transactions[-1].location == f"line {2 + 2 * n - 1}"


_text = st.text(st.characters(min_codepoint=32, max_codepoint=255, blacklist_categories=("Cc",)), max_size=40)


@st.composite
def _transactions(draw: st.DrawFn) -> dict[str, Any]:
    type_ = draw(st.sampled_from([f"{n}" for n in range(10, 22)]))
    kid = draw(st.none() | st.from_regex(r"[0-9]{1,24}-?", fullmatch=True))
    tx: dict[str, Any] = {
        "amount": Decimal(draw(st.integers(0, 10**15 - 1))).scaleb(-2),
        "kid": kid,
        "type": type_,
        "sign": draw(st.sampled_from("0-")),
        "date": draw(st.dates(date(2000, 1, 1), date(2099, 12, 31))),
        "bank_date": draw(st.none() | st.dates(date(2000, 1, 1), date(2099, 12, 31))),
        "payer_account": draw(st.none() | st.from_regex(r"[0-9]{10}[1-9]", fullmatch=True)),
        "reference": draw(st.from_regex(r"[0-9]{9}", fullmatch=True)),
    }
    if type_ in ("20", "21"):
        tx["text"] = draw(st.none() | _text)
    return tx


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_transactions(), max_size=12))
def test_what_the_builder_writes_the_parser_reads_back(transactions: list[dict[str, Any]]) -> None:
    f = ocr_giro.parse(ocr_file(transactions), "f.txt")
    assert [(t.amount, t.kid, t.transaction_type, t.reversal, t.booking_date, t.value_date, t.counterparty_account,
             t.bank_reference, t.text) for t in f.transactions] == [
        (tx["amount"], tx["kid"], tx["type"], tx["type"] in ("18", "20") or tx["sign"] == "-", tx["date"],
         tx["bank_date"], tx["payer_account"], tx["reference"], (tx.get("text") or "").strip() or None)
        for tx in transactions]
