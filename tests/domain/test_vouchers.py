"""Voucher rules: VAT split, balanced lines to the øre in any currency, GL signs per party kind, reversals, series."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reskontro.domain.errors import Unbalanced, ValidationFailed
from reskontro.domain.parties import PartyKind
from reskontro.domain.vouchers import (
    SERIES,
    CounterLine,
    ItemType,
    Line,
    VatCode,
    VoucherType,
    build_lines,
    check_balanced,
    convert,
    ledger_sign,
    natural_sign,
    reversal_lines,
    split_vat,
    voucher_type_for,
)
from reskontro.money import to_minor

D = Decimal
VAT = {
    "0": VatCode("0", D(0), None, "none", "0", "No VAT"),
    "1": VatCode("1", D(25), "2710", "input", "1", "Input VAT 25%"),
    "3": VatCode("3", D(25), "2700", "output", "3", "Output VAT 25%"),
    "31": VatCode("31", D(15), "2701", "output", "31", "Output VAT 15%"),
    "33": VatCode("33", D(12), "2702", "output", "33", "Output VAT 12%"),
}


def total(lines: list[Line]) -> Decimal:
    return sum((ln.amount for ln in lines), D(0))


def by_account(lines: list[Line]) -> dict[str, Decimal]:
    return {ln.account: ln.amount for ln in lines}


# --- VAT split ------------------------------------------------------------------------------------


def test_split_vat_25_percent_of_1250() -> None:
    assert split_vat(D("1250.00"), D(25), "NOK") == (D("1000.00"), D("250.00"))


def test_split_vat_15_percent_of_1150() -> None:
    assert split_vat(D("1150.00"), D(15), "NOK") == (D("1000.00"), D("150.00"))


def test_split_vat_12_percent_of_112() -> None:
    assert split_vat(D("112.00"), D(12), "NOK") == (D("100.00"), D("12.00"))


def test_split_vat_rounds_the_vat_half_up_to_the_ore() -> None:
    # 0.42 * 12 / 112 = 0.045 exactly: half-up gives 0.05 (half-even would give 0.04)
    assert split_vat(D("0.42"), D(12), "NOK") == (D("0.37"), D("0.05"))


def test_split_vat_net_plus_vat_is_the_gross() -> None:
    net, vat = split_vat(D("99.99"), D(25), "NOK")
    assert vat == D("20.00")
    assert net + vat == D("99.99")


def test_split_vat_of_zero_rate_is_all_net() -> None:
    assert split_vat(D("100.00"), D(0), "NOK") == (D("100.00"), D("0.00"))


def test_split_vat_rounds_to_the_currency_minor_unit() -> None:
    assert split_vat(D(1001), D(25), "JPY") == (D(801), D(200))


def test_convert_rounds_half_up_to_the_company_currency() -> None:
    assert convert(D("100.00"), D("11.4567"), "NOK") == D("1145.67")
    assert convert(D("0.01"), D("0.5"), "NOK") == D("0.01")  # 0.005 -> 0.01


# --- building lines -------------------------------------------------------------------------------


def test_customer_invoice_debits_the_control_account_and_credits_revenue_and_vat() -> None:
    lines = build_lines(control_account="1500", sign=1, gross=D("1250.00"), currency="NOK", rate=D(1),
                        company_currency="NOK", counters=[CounterLine("3000", D("1250.00"), "3")], vat_codes=VAT)
    assert [(ln.account, ln.amount, ln.vat_code) for ln in lines] == [
        ("1500", D("1250.00"), None),
        ("3000", D("-1000.00"), "3"),
        ("2700", D("-250.00"), "3"),
    ]
    assert total(lines) == 0


def test_supplier_invoice_credits_the_control_account_and_debits_expense_and_vat() -> None:
    lines = build_lines(control_account="2400", sign=-1, gross=D("1250.00"), currency="NOK", rate=D(1),
                        company_currency="NOK", counters=[CounterLine("6300", D("1250.00"), "1")], vat_codes=VAT)
    assert by_account(lines) == {"2400": D("-1250.00"), "6300": D("1000.00"), "2710": D("250.00")}


def test_only_the_control_line_is_the_subledger_line() -> None:
    lines = build_lines(control_account="1500", sign=1, gross=D(100), currency="NOK", rate=D(1),
                        company_currency="NOK", counters=[CounterLine("3000", D(100), "3")], vat_codes=VAT)
    assert [ln.is_subledger for ln in lines] == [True, False, False]


def test_counter_line_without_vat_code_has_no_vat_line() -> None:
    lines = build_lines(control_account="1500", sign=-1, gross=D("500.00"), currency="NOK", rate=D(1),
                        company_currency="NOK", counters=[CounterLine("1920", D("500.00"))], vat_codes=VAT)
    assert by_account(lines) == {"1500": D("-500.00"), "1920": D("500.00")}


def test_zero_rate_vat_code_gives_no_vat_line_but_keeps_the_code() -> None:
    lines = build_lines(control_account="1500", sign=1, gross=D("500.00"), currency="NOK", rate=D(1),
                        company_currency="NOK", counters=[CounterLine("3100", D("500.00"), "0")], vat_codes=VAT)
    assert len(lines) == 2
    assert lines[1].vat_code == "0"
    assert lines[1].amount == D("-500.00")


def test_counter_lines_carry_dimensions_and_inherit_the_description() -> None:
    counters = [CounterLine("3000", D(100), "3", department="D1", project="P7"),
                CounterLine("3100", D(50), description="own text")]
    lines = build_lines(control_account="1500", sign=1, gross=D(150), currency="NOK", rate=D(1),
                        company_currency="NOK", counters=counters, vat_codes=VAT, description="Invoice 1001")
    assert lines[0].description == "Invoice 1001"
    assert [(ln.account, ln.department, ln.project, ln.description) for ln in lines[1:]] == [
        ("3000", "D1", "P7", "Invoice 1001"),
        ("2700", "D1", "P7", "Invoice 1001"),
        ("3100", None, None, "own text"),
    ]


def test_foreign_currency_lines_carry_currency_amounts_and_company_amounts() -> None:
    lines = build_lines(control_account="1500", sign=1, gross=D("100.00"), currency="EUR", rate=D("11.50"),
                        company_currency="NOK", counters=[CounterLine("3000", D("100.00"), "3")], vat_codes=VAT)
    assert [(ln.account, ln.currency, ln.currency_amount, ln.amount) for ln in lines] == [
        ("1500", "EUR", D("100.00"), D("1150.00")),
        ("3000", "EUR", D("-80.00"), D("-920.00")),
        ("2700", "EUR", D("-20.00"), D("-230.00")),
    ]


def test_foreign_currency_rounding_difference_goes_to_the_largest_counter_line() -> None:
    counters = [CounterLine("3000", D("33.34"), "3"), CounterLine("3100", D("33.34"), "31"),
                CounterLine("3200", D("33.33"), "0")]
    lines = build_lines(control_account="1500", sign=1, gross=D("100.01"), currency="EUR", rate=D("11.4567"),
                        company_currency="NOK", counters=counters, vat_codes=VAT)
    assert total(lines) == 0
    assert lines[0].amount == convert(D("100.01"), D("11.4567"), "NOK") == D("1145.78")
    converted = {ln.account: convert(ln.currency_amount, D("11.4567"), "NOK") for ln in lines}
    adjusted = {ln.account for ln in lines if ln.amount != converted[ln.account]}
    assert adjusted == {"3200"}  # the biggest counter line in company currency
    assert by_account(lines)["3200"] - converted["3200"] == D("0.01")


def test_currency_amounts_balance_too() -> None:
    counters = [CounterLine("3000", D("33.34"), "3"), CounterLine("3100", D("66.67"), "31")]
    lines = build_lines(control_account="1500", sign=1, gross=D("100.01"), currency="EUR", rate=D("11.4567"),
                        company_currency="NOK", counters=counters, vat_codes=VAT)
    assert sum((ln.currency_amount for ln in lines), D(0)) == 0


def test_amount_must_be_positive() -> None:
    for gross in (D(0), D(-100)):
        with pytest.raises(ValidationFailed) as info:
            build_lines(control_account="1500", sign=1, gross=gross, currency="NOK", rate=D(1),
                        company_currency="NOK", counters=[CounterLine("3000", gross)], vat_codes=VAT)
        assert info.value.field == "amount"


def test_counter_lines_must_add_up_to_the_gross() -> None:
    with pytest.raises(Unbalanced) as info:
        build_lines(control_account="1500", sign=1, gross=D(100), currency="NOK", rate=D(1),
                    company_currency="NOK", counters=[CounterLine("3000", D("99.99"))], vat_codes=VAT)
    assert info.value.field == "lines"


def test_a_posting_without_counter_lines_is_unbalanced() -> None:
    with pytest.raises(Unbalanced):
        build_lines(control_account="1500", sign=1, gross=D(100), currency="NOK", rate=D(1),
                    company_currency="NOK", counters=[], vat_codes=VAT)


def test_unknown_vat_code_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationFailed, match="'99'") as info:
        build_lines(control_account="1500", sign=1, gross=D(100), currency="NOK", rate=D(1),
                    company_currency="NOK", counters=[CounterLine("3000", D(100), "99")], vat_codes=VAT)
    assert info.value.field == "vat_code"


def test_check_balanced_accepts_lines_that_sum_to_zero() -> None:
    check_balanced([Line("1500", D("10.00"), "NOK", D("10.00")), Line("3000", D("-10.00"), "NOK", D("-10.00"))])


def test_check_balanced_refuses_a_one_ore_difference() -> None:
    with pytest.raises(Unbalanced, match=r"0\.01"):
        check_balanced([Line("1500", D("10.00"), "NOK", D("10.00")), Line("3000", D("-9.99"), "NOK", D("-9.99"))])


_VAT_CHOICES = st.sampled_from([None, "0", "3", "31", "33"])


@st.composite
def postings(draw: st.DrawFn) -> tuple[Decimal, Decimal, list[CounterLine], int]:
    gross_minor = draw(st.integers(min_value=1, max_value=10**9))
    parts = draw(st.integers(min_value=1, max_value=4))
    cuts = sorted(draw(st.lists(st.integers(min_value=0, max_value=gross_minor), min_size=parts - 1,
                                max_size=parts - 1)))
    bounds = [0, *cuts, gross_minor]
    counters = [CounterLine(f"30{i}0", D(hi - lo).scaleb(-2), draw(_VAT_CHOICES))
                for i, (lo, hi) in enumerate(itertools.pairwise(bounds))]
    rate = D(draw(st.integers(min_value=1, max_value=2_000_000))).scaleb(-4)  # 0.0001 .. 200.0000
    sign = draw(st.sampled_from([1, -1]))
    return D(gross_minor).scaleb(-2), rate, counters, sign


@settings(max_examples=200)
@given(posting=postings())
def test_lines_always_balance_to_the_ore_in_any_currency(posting: tuple[Decimal, Decimal, list[CounterLine], int],
                                                         ) -> None:
    gross, rate, counters, sign = posting
    lines = build_lines(control_account="1500", sign=sign, gross=gross, currency="EUR", rate=rate,
                        company_currency="NOK", counters=counters, vat_codes=VAT)
    assert total(lines) == 0
    assert sum((ln.currency_amount for ln in lines), D(0)) == 0
    assert lines[0].amount == sign * convert(gross, rate, "NOK")
    assert lines[0].currency_amount == sign * gross
    for ln in lines:
        to_minor(ln.amount, "NOK")  # whole øre: raises otherwise
        to_minor(ln.currency_amount, "EUR")
        # a line is off its own conversion by at most the rounding of all lines together
        assert abs(ln.amount - convert(ln.currency_amount, rate, "NOK")) <= D("0.01") * len(lines)


# --- signs ----------------------------------------------------------------------------------------

C, S = PartyKind.CUSTOMER, PartyKind.SUPPLIER


@pytest.mark.parametrize(
    ("kind", "item_type", "sign"),
    [
        (C, ItemType.INVOICE, 1),
        (C, ItemType.CREDIT_NOTE, -1),
        (C, ItemType.PAYMENT, -1),
        (C, ItemType.WRITE_OFF, -1),
        (C, ItemType.OPENING_BALANCE, 1),
        (S, ItemType.INVOICE, -1),
        (S, ItemType.CREDIT_NOTE, 1),
        (S, ItemType.PAYMENT, 1),
        (S, ItemType.WRITE_OFF, 1),
        (S, ItemType.OPENING_BALANCE, -1),
    ],
)
def test_ledger_sign_table(kind: PartyKind, item_type: ItemType, sign: int) -> None:
    assert ledger_sign(kind, item_type) == sign


def test_natural_sign_is_plus_for_customers_and_minus_for_suppliers() -> None:
    assert natural_sign(C) == 1
    assert natural_sign(S) == -1


@pytest.mark.parametrize("item_type", list(ItemType))
def test_invoices_are_positive_in_the_ledgers_natural_sign_for_both_kinds(item_type: ItemType) -> None:
    # ledger_sign * natural_sign is the same for customers and suppliers: the natural view is kind-neutral
    assert ledger_sign(C, item_type) * natural_sign(C) == ledger_sign(S, item_type) * natural_sign(S)


def test_payments_credit_notes_and_write_offs_go_against_the_invoice() -> None:
    for kind in PartyKind:
        for reducing in (ItemType.PAYMENT, ItemType.CREDIT_NOTE, ItemType.WRITE_OFF):
            assert ledger_sign(kind, reducing) == -ledger_sign(kind, ItemType.INVOICE)


def test_opening_balance_takes_the_invoice_sign() -> None:
    for kind in PartyKind:
        assert ledger_sign(kind, ItemType.OPENING_BALANCE) == ledger_sign(kind, ItemType.INVOICE)


# --- voucher types and series ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "item_type", "voucher_type"),
    [
        (C, ItemType.INVOICE, VoucherType.CUSTOMER_INVOICE),
        (C, ItemType.CREDIT_NOTE, VoucherType.CUSTOMER_CREDIT_NOTE),
        (C, ItemType.PAYMENT, VoucherType.CUSTOMER_PAYMENT),
        (S, ItemType.INVOICE, VoucherType.SUPPLIER_INVOICE),
        (S, ItemType.CREDIT_NOTE, VoucherType.SUPPLIER_CREDIT_NOTE),
        (S, ItemType.PAYMENT, VoucherType.SUPPLIER_PAYMENT),
        (C, ItemType.WRITE_OFF, VoucherType.WRITE_OFF),
        (S, ItemType.WRITE_OFF, VoucherType.WRITE_OFF),
        (C, ItemType.OPENING_BALANCE, VoucherType.OPENING_BALANCE),
        (S, ItemType.OPENING_BALANCE, VoucherType.OPENING_BALANCE),
    ],
)
def test_voucher_type_for_each_party_posting(kind: PartyKind, item_type: ItemType, voucher_type: VoucherType) -> None:
    assert voucher_type_for(kind, item_type) is voucher_type


def test_a_reversal_is_not_a_party_posting() -> None:
    with pytest.raises(ValidationFailed) as info:
        voucher_type_for(C, ItemType.REVERSAL)
    assert info.value.field == "type"


def test_series_covers_every_voucher_type() -> None:
    assert set(SERIES) == set(VoucherType)
    assert all(SERIES[t] for t in VoucherType)


def test_series_per_voucher_type() -> None:
    assert SERIES[VoucherType.CUSTOMER_INVOICE] == SERIES[VoucherType.CUSTOMER_CREDIT_NOTE] == "SF"
    assert SERIES[VoucherType.SUPPLIER_INVOICE] == SERIES[VoucherType.SUPPLIER_CREDIT_NOTE] == "LF"
    assert SERIES[VoucherType.CUSTOMER_PAYMENT] == "IB"
    assert SERIES[VoucherType.SUPPLIER_PAYMENT] == "UB"
    assert SERIES[VoucherType.OPENING_BALANCE] == "IB0"
    assert SERIES[VoucherType.WRITE_OFF] == SERIES[VoucherType.FX_DIFFERENCE] == SERIES[VoucherType.REVERSAL] == "M"


# --- reversals ------------------------------------------------------------------------------------


def _invoice_lines() -> list[Line]:
    counters = [CounterLine("3000", D("33.34"), "3", department="D1"), CounterLine("3100", D("66.67"), "31")]
    return build_lines(control_account="1500", sign=1, gross=D("100.01"), currency="EUR", rate=D("11.4567"),
                       company_currency="NOK", counters=counters, vat_codes=VAT, description="Invoice 7")


def test_reversal_turns_every_sign() -> None:
    original = _invoice_lines()
    reversed_ = reversal_lines(original)
    assert [ln.amount for ln in reversed_] == [-ln.amount for ln in original]
    assert [ln.currency_amount for ln in reversed_] == [-ln.currency_amount for ln in original]


def test_reversal_with_the_original_nets_to_zero_on_every_account() -> None:
    original = _invoice_lines()
    net: dict[str, Decimal] = {}
    for ln in [*original, *reversal_lines(original)]:
        net[ln.account] = net.get(ln.account, D(0)) + ln.amount
    assert set(net.values()) == {D(0)}


def test_reversal_is_itself_balanced() -> None:
    check_balanced(reversal_lines(_invoice_lines()))
    assert total(reversal_lines(_invoice_lines())) == 0


def test_reversal_keeps_everything_but_the_sign() -> None:
    original = _invoice_lines()
    for before, after in zip(original, reversal_lines(original), strict=True):
        assert (after.account, after.currency, after.vat_code, after.department, after.project, after.description,
                after.is_subledger) == (before.account, before.currency, before.vat_code, before.department,
                                        before.project, before.description, before.is_subledger)


def test_reversing_a_reversal_gives_the_original() -> None:
    original = _invoice_lines()
    assert reversal_lines(reversal_lines(original)) == original


def test_a_vat_code_with_a_rate_but_no_account_is_a_clear_error() -> None:
    broken = {"9": VatCode("9", Decimal("25"), None, "output", "3")}
    with pytest.raises(ValidationFailed) as exc:
        build_lines(control_account="1500", sign=1, gross=Decimal("125.00"), currency="NOK", rate=Decimal(1),
                    company_currency="NOK", counters=[CounterLine("3000", Decimal("125.00"), "9")],
                    vat_codes=broken)
    assert exc.value.field == "vat_code"
