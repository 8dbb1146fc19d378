"""Matching rules: one debit with one credit of one party and currency, never over-allocated; auto-match order."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from reskontro.domain.errors import CurrencyMismatch, MatchRefused, OverAllocation
from reskontro.domain.matching import Allocation, OpenItem, allocate, choose_targets, document_numbers_in_text

D = Decimal


def item(key: int, left: str, *, amount: str | None = None, company: str | None = None,
         open_company: str | None = None, party: int = 1, currency: str = "NOK", on: date = date(2024, 1, 10),
         doc: str | None = None, kid: str | None = None) -> OpenItem:
    """Item ``key`` with ``left`` open; by default fully open and booked at rate 1."""
    amt = D(amount if amount is not None else left)
    amt_c = D(company) if company is not None else amt
    open_c = D(open_company) if open_company is not None else (amt_c if D(left) == amt else D(left))
    return OpenItem(id=key, party_id=party, document_number=doc or f"D{key}", date=on, currency=currency,
                    amount=amt, open=D(left), amount_company=amt_c, open_company=open_c, kid=kid)


# --- allocate --------------------------------------------------------------------------------------


def test_full_match_settles_both_items() -> None:
    invoice, payment = item(1, "1000.00"), item(2, "-1000.00")
    assert allocate(invoice, payment, "NOK") == Allocation(1, 2, D("1000.00"), D("1000.00"), D("1000.00"),
                                                           date(2024, 1, 10))


def test_argument_order_does_not_matter() -> None:
    invoice, payment = item(1, "1000.00"), item(2, "-1000.00")
    assert allocate(payment, invoice, "NOK") == allocate(invoice, payment, "NOK")


def test_debit_is_the_positive_item_and_credit_the_negative() -> None:
    alloc = allocate(item(7, "-50.00"), item(8, "50.00"), "NOK")
    assert (alloc.debit_id, alloc.credit_id) == (8, 7)


def test_partial_payment_takes_the_smaller_open_amount() -> None:
    alloc = allocate(item(1, "1000.00"), item(2, "-400.00"), "NOK")
    assert alloc.amount == D("400.00")


def test_overpayment_takes_only_what_the_invoice_has_open() -> None:
    alloc = allocate(item(1, "400.00"), item(2, "-1000.00"), "NOK")
    assert alloc.amount == D("400.00")
    assert alloc.credit_company == D("400.00")


def test_an_explicit_smaller_amount_is_taken() -> None:
    alloc = allocate(item(1, "1000.00"), item(2, "-1000.00"), "NOK", D("250.00"))
    assert alloc.amount == D("250.00")
    assert (alloc.debit_company, alloc.credit_company) == (D("250.00"), D("250.00"))


def test_an_explicit_amount_equal_to_the_most_is_allowed() -> None:
    assert allocate(item(1, "1000.00"), item(2, "-400.00"), "NOK", D("400.00")).amount == D("400.00")


def test_over_allocation_raises_naming_the_amount_field() -> None:
    with pytest.raises(OverAllocation, match="D2") as info:
        allocate(item(1, "1000.00"), item(2, "-400.00"), "NOK", D("400.01"))
    assert info.value.field == "amount"
    assert info.value.code == "over_allocation"


def test_over_allocation_names_the_item_with_less_open() -> None:
    with pytest.raises(OverAllocation, match="D1"):
        allocate(item(1, "300.00"), item(2, "-400.00"), "NOK", D("350.00"))


@pytest.mark.parametrize("amount", ["0", "-10.00"])
def test_match_amount_must_be_positive(amount: str) -> None:
    with pytest.raises(MatchRefused) as info:
        allocate(item(1, "100.00"), item(2, "-100.00"), "NOK", D(amount))
    assert info.value.field == "amount"


def test_two_debits_cannot_be_matched() -> None:
    with pytest.raises(MatchRefused, match="debits"):
        allocate(item(1, "100.00"), item(2, "50.00"), "NOK")


def test_two_credits_cannot_be_matched() -> None:
    with pytest.raises(MatchRefused, match="credits"):
        allocate(item(1, "-100.00"), item(2, "-50.00"), "NOK")


def test_items_of_different_parties_cannot_be_matched() -> None:
    with pytest.raises(MatchRefused, match="different parties"):
        allocate(item(1, "100.00", party=1), item(2, "-100.00", party=2), "NOK")


def test_items_in_different_currencies_cannot_be_matched() -> None:
    with pytest.raises(CurrencyMismatch) as info:
        allocate(item(1, "100.00", currency="EUR"), item(2, "-100.00", currency="NOK"), "NOK")
    assert info.value.field == "currency"


def test_a_closed_item_cannot_be_matched() -> None:
    closed = item(1, "0.00", amount="100.00", open_company="0.00")
    with pytest.raises(MatchRefused, match="D1 has nothing open"):
        allocate(closed, item(2, "-100.00"), "NOK")
    with pytest.raises(MatchRefused, match="D1 has nothing open"):
        allocate(item(2, "-100.00"), closed, "NOK")


def test_match_date_is_the_later_of_the_two_dates() -> None:
    early, late = date(2024, 1, 5), date(2024, 2, 20)
    assert allocate(item(1, "10.00", on=early), item(2, "-10.00", on=late), "NOK").on == late
    assert allocate(item(1, "10.00", on=late), item(2, "-10.00", on=early), "NOK").on == late


# --- exchange differences --------------------------------------------------------------------------


def test_no_fx_difference_at_the_same_rate() -> None:
    alloc = allocate(item(1, "100.00", currency="EUR", company="1150.00"),
                     item(2, "-100.00", currency="EUR", company="-1150.00"), "NOK")
    assert alloc.fx_difference == 0


def test_customer_paying_at_a_lower_rate_gives_a_realised_loss() -> None:
    invoice = item(1, "100.00", currency="EUR", company="1100.00")  # booked at 11.00
    payment = item(2, "-100.00", currency="EUR", company="-1050.00")  # paid at 10.50
    alloc = allocate(invoice, payment, "NOK")
    assert (alloc.debit_company, alloc.credit_company) == (D("1100.00"), D("1050.00"))
    assert alloc.fx_difference == D("50.00")


def test_supplier_paid_at_a_lower_rate_gives_a_realised_gain() -> None:
    invoice = item(1, "-100.00", currency="EUR", company="-1100.00")  # payable booked at 11.00
    payment = item(2, "100.00", currency="EUR", company="1050.00")  # paid at 10.50
    assert allocate(invoice, payment, "NOK").fx_difference == D("-50.00")


def test_partial_match_takes_a_proportional_company_share_from_the_item_left_open() -> None:
    invoice = item(1, "100.00", currency="EUR", company="1100.00")
    payment = item(2, "-40.00", currency="EUR", company="-420.00")
    alloc = allocate(invoice, payment, "NOK")
    assert alloc.debit_company == D("440.00")  # 1100 * 40 / 100
    assert alloc.credit_company == D("420.00")  # the payment closes: all of it
    assert alloc.fx_difference == D("20.00")


def test_proportional_company_share_is_rounded_half_up_to_the_company_currency() -> None:
    invoice = item(1, "3.00", currency="EUR", company="100.01")
    alloc = allocate(invoice, item(2, "-2.00", currency="EUR", company="-66.00"), "NOK")
    assert alloc.debit_company == D("66.67")  # 100.01 * 2 / 3 = 66.6733...


def test_closing_allocation_takes_everything_left_in_company_currency() -> None:
    # 3 EUR booked as 100.00 NOK, settled by three payments of 1 EUR: 33.33 + 33.33 + 34 øre rest.
    invoice = item(1, "3.00", currency="EUR", company="100.00")
    taken: list[Decimal] = []
    for n in range(3):
        payment = item(10 + n, "-1.00", currency="EUR", company="-33.33")
        alloc = allocate(invoice, payment, "NOK")
        taken.append(alloc.debit_company)
        invoice = replace(invoice, open=invoice.open - alloc.amount,
                          open_company=invoice.open_company - alloc.debit_company)
    assert taken == [D("33.33"), D("33.33"), D("33.34")]
    assert sum(taken) == D("100.00")
    assert invoice.open == 0
    assert invoice.open_company == 0


def test_closing_share_uses_the_open_company_amount_not_the_proportion() -> None:
    invoice = item(1, "1.00", amount="3.00", currency="EUR", company="100.00", open_company="33.34")
    alloc = allocate(invoice, item(2, "-1.00", currency="EUR", company="-30.00"), "NOK")
    assert alloc.debit_company == D("33.34")
    assert alloc.credit_company == D("30.00")


# --- auto-match: choose_targets --------------------------------------------------------------------


def pay(left: str = "-1000.00", *, kid: str | None = None) -> OpenItem:
    return item(99, left, kid=kid, on=date(2024, 3, 1), doc="P1")


def ids(items: list[OpenItem]) -> list[int]:
    return [i.id for i in items]


def test_applies_to_comes_first() -> None:
    candidates = [item(1, "1000.00", doc="10001", kid="12343"), item(2, "1000.00", doc="10002"),
                  item(3, "500.00", doc="10003")]
    chosen = choose_targets(pay(kid="12343"), candidates, applies_to="10003", text="Faktura 10002")
    assert ids(chosen) == [3]


def test_applies_to_gives_at_most_one_item() -> None:
    candidates = [item(1, "100.00", doc="10001"), item(2, "100.00", doc="10001")]
    assert ids(choose_targets(pay(), candidates, applies_to="10001", text=None)) == [1]


def test_applies_to_naming_no_open_item_matches_nothing_and_does_not_fall_back() -> None:
    candidates = [item(1, "1000.00", doc="10001", kid="12343")]
    assert choose_targets(pay(kid="12343"), candidates, applies_to="99999", text="10001") == []


def test_kid_comes_before_text_and_exact_amount() -> None:
    candidates = [item(1, "1000.00", doc="10001"), item(2, "400.00", doc="10002", kid="12343"),
                  item(3, "300.00", doc="10003")]
    assert ids(choose_targets(pay(kid="12343"), candidates, applies_to=None, text="10003")) == [2]


def test_several_items_with_the_kid_are_taken_oldest_first() -> None:
    candidates = [item(5, "100.00", kid="12343", on=date(2024, 2, 1)), item(4, "100.00", kid="12343",
                                                                           on=date(2024, 2, 1)),
                  item(3, "100.00", kid="12343", on=date(2024, 1, 15))]
    assert ids(choose_targets(pay(kid="12343"), candidates, applies_to=None, text=None)) == [3, 4, 5]


def test_unknown_kid_falls_back_to_the_text() -> None:
    candidates = [item(1, "1000.00", doc="10001", kid="00000"), item(2, "200.00", doc="10002")]
    assert ids(choose_targets(pay(kid="12343"), candidates, applies_to=None, text="Faktura 10002")) == [2]


def test_document_number_in_text_comes_before_exact_amount() -> None:
    candidates = [item(1, "1000.00", doc="10001"), item(2, "200.00", doc="10002")]
    assert ids(choose_targets(pay(), candidates, applies_to=None, text="Betaling faktura 10002")) == [2]


def test_several_documents_in_text_are_taken_oldest_first() -> None:
    candidates = [item(1, "600.00", doc="10001", on=date(2024, 2, 1)), item(2, "400.00", doc="10002",
                                                                          on=date(2024, 1, 1)),
                  item(3, "400.00", doc="10003")]
    chosen = choose_targets(pay(), candidates, applies_to=None, text="Faktura 10001, 10002")
    assert ids(chosen) == [2, 1]


def test_text_naming_no_open_document_falls_back_to_exact_amount() -> None:
    candidates = [item(1, "1000.00", doc="10001"), item(2, "200.00", doc="10002")]
    assert ids(choose_targets(pay(), candidates, applies_to=None, text="Faktura 77777")) == [1]


def test_single_item_of_exactly_the_opposite_amount_is_chosen() -> None:
    candidates = [item(1, "999.99"), item(2, "1000.00"), item(3, "1000.01")]
    assert ids(choose_targets(pay(), candidates, applies_to=None, text=None)) == [2]


def test_two_items_of_the_exact_amount_give_no_match() -> None:
    candidates = [item(1, "1000.00"), item(2, "1000.00")]
    assert choose_targets(pay(), candidates, applies_to=None, text=None) == []


def test_no_rule_matching_gives_no_targets() -> None:
    assert choose_targets(pay(), [item(1, "500.00")], applies_to=None, text="nothing here") == []


def test_exact_amount_is_compared_on_the_open_amount() -> None:
    partly_paid = item(1, "1000.00", amount="1500.00")
    assert ids(choose_targets(pay(), [partly_paid], applies_to=None, text=None)) == [1]


def test_items_of_the_same_sign_are_never_targets() -> None:
    candidates = [item(1, "-1000.00", doc="10001", kid="12343")]
    assert choose_targets(pay(kid="12343"), candidates, applies_to="10001", text="10001") == []


def test_items_in_another_currency_are_never_targets() -> None:
    candidates = [item(1, "1000.00", doc="10001", currency="EUR")]
    assert choose_targets(pay(), candidates, applies_to="10001", text=None) == []
    assert choose_targets(pay(), candidates, applies_to=None, text=None) == []


def test_closed_items_are_never_targets() -> None:
    closed = item(1, "0.00", amount="1000.00", doc="10001", open_company="0.00")
    assert choose_targets(pay(), [closed], applies_to="10001", text=None) == []


def test_the_payment_itself_is_never_its_own_target() -> None:
    me = pay()
    assert choose_targets(me, [me], applies_to="P1", text=None) == []


def test_a_credit_note_for_a_supplier_chooses_a_credit_item() -> None:
    # a supplier credit note is a debit; the supplier invoice it settles is a credit
    note = item(50, "250.00", doc="K1")
    candidates = [item(1, "-250.00", doc="F1"), item(2, "250.00", doc="F2")]
    assert ids(choose_targets(note, candidates, applies_to=None, text=None)) == [1]


# --- document numbers in text ----------------------------------------------------------------------


def test_document_numbers_in_text_finds_the_number() -> None:
    assert "10003" in document_numbers_in_text("Faktura 10003 betaling")


def test_document_numbers_in_text_keeps_hyphens_and_slashes_inside_a_number() -> None:
    found = document_numbers_in_text("Ref INV-2024/17, takk")
    assert "INV-2024/17" in found
    assert "takk" in found


def test_document_numbers_in_text_strips_trailing_hyphen_and_slash() -> None:
    assert document_numbers_in_text("10003- 10004/") == {"10003", "10004"}


def test_document_numbers_in_text_of_nothing_is_empty() -> None:
    assert document_numbers_in_text(None) == set()
    assert document_numbers_in_text("") == set()
    assert document_numbers_in_text(" ,.; ") == set()
