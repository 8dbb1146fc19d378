"""Posting rules: balanced vouchers with VAT, control accounts, numbering, periods, currencies, bad input."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reskontro.domain.errors import (
    CurrencyMismatch,
    DuplicateDocument,
    ImportFailed,
    NotFound,
    PeriodClosed,
    ValidationFailed,
)
from reskontro.domain.parties import PartyKind
from reskontro.domain.periods import Period
from reskontro.domain.vouchers import CounterLine, ItemType
from reskontro.services.companies import close_period, reopen_period, set_rate
from reskontro.services.parties import create_group
from reskontro.services.posting import PostingRequest, post_stream
from reskontro.services.reports import reconciliation_report
from tests.builders import count, customer, gl_balance, item_open, lines_of, post, rules, supplier
from tests.conftest import Ctx

D = date(2026, 3, 2)


def test_customer_invoice_debits_receivables_and_credits_sales_and_output_vat(ctx: Ctx) -> None:
    customer(ctx)
    result = post(ctx, "invoice", "10001", "1250.00", D)
    assert lines_of(ctx, result.voucher_id) == [
        ("1500", Decimal("1250.00"), None), ("3000", Decimal("-1000.00"), "3"), ("2700", Decimal("-250.00"), "3")]
    assert result.voucher_ref == "SF2026-1"


def test_supplier_invoice_credits_payables_and_debits_cost_and_input_vat(ctx: Ctx) -> None:
    supplier(ctx)
    result = post(ctx, "invoice", "50001", "10000.00", D, kind=PartyKind.SUPPLIER)
    assert lines_of(ctx, result.voucher_id) == [
        ("2400", Decimal("-10000.00"), None), ("4000", Decimal("8000.00"), "1"), ("2710", Decimal("2000.00"), "1")]
    assert result.voucher_ref == "LF2026-1"


def test_fixed_posting_rules_on_the_card_flow_into_the_posting(ctx: Ctx) -> None:
    supplier(ctx, rules=rules("6300", "0", "D10", "P7"))
    result = post(ctx, "invoice", "50001", "4000.00", D, kind=PartyKind.SUPPLIER)
    assert lines_of(ctx, result.voucher_id) == [("2400", Decimal("-4000.00"), None), ("6300", Decimal("4000.00"), "0")]
    from tests.builders import raw

    dims = raw(ctx, "SELECT department, project FROM voucher_lines WHERE company_id = :c AND voucher_id = :v "
               "AND account = '6300'", c=ctx.company_id, v=result.voucher_id).one()
    assert tuple(dims) == ("D10", "P7")


def test_explicit_lines_override_the_rules_and_may_split_the_amount(ctx: Ctx) -> None:
    customer(ctx)
    result = post(ctx, "invoice", "10001", "1375.00", D,
                  lines=(CounterLine("3000", Decimal("1250.00"), "3"), CounterLine("3100", Decimal("125.00"), "5")))
    assert lines_of(ctx, result.voucher_id) == [
        ("1500", Decimal("1375.00"), None), ("3000", Decimal("-1000.00"), "3"), ("2700", Decimal("-250.00"), "3"),
        ("3100", Decimal("-125.00"), "5")]


def test_a_group_can_override_the_control_account(ctx: Ctx) -> None:
    create_group(uow=ctx.uow(), company_id=ctx.company_id, kind=PartyKind.CUSTOMER, code="KONSERN",
                 name="Konsern", control_account="1550")
    customer(ctx, group_code="KONSERN")
    result = post(ctx, "invoice", "10001", "500.00", D)
    assert lines_of(ctx, result.voucher_id)[0] == ("1550", Decimal("500.00"), None)
    recon = {r["account"]: r for r in reconciliation_report(uow=ctx.uow(), company_id=ctx.company_id, as_of=D)}
    assert recon["1550"]["gl_balance"] == recon["1550"]["subledger_open"] == Decimal("500.00")


def test_due_date_comes_from_payment_terms_when_omitted(ctx: Ctx) -> None:
    customer(ctx, payment_terms_days=10)
    post(ctx, "invoice", "10001", "100.00", D)
    from reskontro.services.reports import open_items_report

    rows = open_items_report(uow=ctx.uow(), company_id=ctx.company_id, as_of=D)
    assert rows[0]["due_date"] == date(2026, 3, 12)


def test_voucher_numbers_are_gapless_per_series_and_year_even_after_a_failed_posting(ctx: Ctx) -> None:
    customer(ctx)
    post(ctx, "invoice", "10001", "100.00", D, document_number="1")
    with pytest.raises(DuplicateDocument):
        post(ctx, "invoice", "10001", "100.00", D, document_number="1")
    second = post(ctx, "invoice", "10001", "100.00", D, document_number="2")
    next_year = post(ctx, "invoice", "10001", "100.00", date(2027, 1, 4), document_number="3")
    payment = post(ctx, "payment", "10001", "100.00", D)
    assert (second.voucher_ref, next_year.voucher_ref, payment.voucher_ref) == ("SF2026-2", "SF2027-1", "IB2026-1")


def test_document_number_is_unique_per_party_and_type_only(ctx: Ctx) -> None:
    customer(ctx, "10001")
    customer(ctx, "10002")
    post(ctx, "invoice", "10001", "100.00", D, document_number="F1")
    post(ctx, "invoice", "10002", "100.00", D, document_number="F1")
    post(ctx, "credit_note", "10001", "10.00", D, document_number="F1")
    with pytest.raises(DuplicateDocument) as exc:
        post(ctx, "invoice", "10001", "100.00", D, document_number="F1")
    assert exc.value.field == "document_number"


def test_nothing_posts_into_a_closed_period_until_it_is_reopened(ctx: Ctx) -> None:
    customer(ctx)
    close_period(uow=ctx.uow(), company_id=ctx.company_id, period=Period(2026, 3))
    with pytest.raises(PeriodClosed) as exc:
        post(ctx, "invoice", "10001", "100.00", D)
    assert "2026-03" in str(exc.value)
    assert count(ctx, "vouchers") == 0
    post(ctx, "invoice", "10001", "100.00", date(2026, 4, 1))
    reopen_period(uow=ctx.uow(), company_id=ctx.company_id, period=Period(2026, 3))
    post(ctx, "invoice", "10001", "100.00", D)
    assert count(ctx, "vouchers") == 2


@pytest.mark.parametrize(("kid", "ok"), [("0001000108", True), ("1009-", True), ("12343", True),
                                         ("0001000109", False), ("12A4", False), ("1", False)])
def test_kid_is_validated_by_mod10_or_mod11(ctx: Ctx, kid: str, ok: bool) -> None:
    customer(ctx)
    if ok:
        post(ctx, "invoice", "10001", "100.00", D, kid=kid)
    else:
        with pytest.raises(ValidationFailed) as exc:
            post(ctx, "invoice", "10001", "100.00", D, kid=kid)
        assert exc.value.field == "kid"


@pytest.mark.parametrize(("amount", "field"), [("0", "amount"), ("-5.00", "amount"), ("10.001", "amount")])
def test_amounts_must_be_positive_and_whole_ore(ctx: Ctx, amount: str, field: str) -> None:
    customer(ctx)
    with pytest.raises(ValidationFailed) as exc:
        post(ctx, "invoice", "10001", amount, D)
    assert exc.value.field == field


def test_unknown_party_is_refused_by_number(ctx: Ctx) -> None:
    with pytest.raises(NotFound) as exc:
        post(ctx, "invoice", "99999", "100.00", D)
    assert "99999" in str(exc.value)
    assert exc.value.field == "party_number"


def test_foreign_currency_uses_the_rate_table_and_keeps_both_amounts(ctx: Ctx) -> None:
    customer(ctx, currency="EUR")
    set_rate(uow=ctx.uow(), company_id=ctx.company_id, currency="EUR", on=date(2026, 3, 1), rate="11.50")
    result = post(ctx, "invoice", "10001", "100.00", D, lines=(CounterLine("3100", Decimal("100.00"), "52"),))
    assert lines_of(ctx, result.voucher_id) == [("1500", Decimal("1150.00"), None),
                                                ("3100", Decimal("-1150.00"), "52")]


def test_a_foreign_posting_without_any_rate_is_refused(ctx: Ctx) -> None:
    customer(ctx, currency="SEK")
    with pytest.raises(ValidationFailed) as exc:
        post(ctx, "invoice", "10001", "100.00", D)
    assert exc.value.field == "rate"


def test_settling_at_another_rate_posts_the_realised_difference_to_agio_or_disagio(ctx: Ctx) -> None:
    customer(ctx, "10001", currency="EUR", rules=rules("3100", "52"))
    supplier(ctx, "50001", currency="EUR", rules=rules("4300", "0"))
    inv = post(ctx, "invoice", "10001", "100.00", D, rate=Decimal("11.00"))
    pay = post(ctx, "payment", "10001", "100.00", date(2026, 3, 20), rate=Decimal("10.50"))
    assert pay.matches and pay.matches[0].fx_voucher_id is not None
    assert lines_of(ctx, pay.matches[0].fx_voucher_id) == [("1500", Decimal("-50.00"), None),
                                                           ("8160", Decimal("50.00"), None)]
    assert item_open(ctx, inv.item_id) == 0
    sinv = post(ctx, "invoice", "50001", "200.00", D, kind=PartyKind.SUPPLIER, rate=Decimal("11.00"))
    spay = post(ctx, "payment", "50001", "200.00", date(2026, 3, 20), kind=PartyKind.SUPPLIER,
                rate=Decimal("10.50"), applies_to=sinv.document_number)
    fx = spay.matches[0].fx_voucher_id
    assert fx is not None
    assert lines_of(ctx, fx) == [("2400", Decimal("100.00"), None), ("8060", Decimal("-100.00"), None)]
    assert gl_balance(ctx, "1500") == 0
    assert gl_balance(ctx, "2400") == 0
    recon = reconciliation_report(uow=ctx.uow(), company_id=ctx.company_id, as_of=date(2026, 3, 31))
    assert all(r["difference"] == 0 for r in recon)


def test_partial_settlement_in_foreign_currency_keeps_company_amounts_in_proportion(ctx: Ctx) -> None:
    customer(ctx, currency="EUR", rules=rules("3100", "52"))
    inv = post(ctx, "invoice", "10001", "300.00", D, rate=Decimal("11.00"))
    post(ctx, "payment", "10001", "100.00", date(2026, 3, 10), rate=Decimal("12.00"), applies_to=inv.document_number)
    from tests.builders import raw

    open_minor, open_company = raw(ctx, "SELECT open_minor, open_company_minor FROM items WHERE company_id = :c "
                                   "AND item_id = :i", c=ctx.company_id, i=inv.item_id).one()
    assert (open_minor, open_company) == (20000, 220000)
    assert gl_balance(ctx, "1500") == Decimal("2200.00")
    assert gl_balance(ctx, "8060") == Decimal("-100.00")


def test_a_payment_in_another_currency_than_the_document_it_names_is_refused(ctx: Ctx) -> None:
    customer(ctx)
    set_rate(uow=ctx.uow(), company_id=ctx.company_id, currency="EUR", on=date(2026, 1, 1), rate="11")
    post(ctx, "invoice", "10001", "100.00", D, document_number="F1")
    with pytest.raises(CurrencyMismatch) as exc:
        post(ctx, "payment", "10001", "100.00", D, currency="EUR", applies_to="F1")
    assert exc.value.field == "applies_to"
    assert count(ctx, "vouchers") == 1


def test_a_payment_naming_an_unknown_document_is_refused(ctx: Ctx) -> None:
    customer(ctx)
    with pytest.raises(NotFound) as exc:
        post(ctx, "payment", "10001", "100.00", D, applies_to="NOPE")
    assert exc.value.field == "applies_to"
    assert count(ctx, "vouchers") == 0


def test_every_voucher_balances_and_every_posting_is_audited(ctx: Ctx) -> None:
    customer(ctx)
    supplier(ctx)
    for n in range(5):
        post(ctx, "invoice", "10001", f"{100 + n}.33", D)
        post(ctx, "invoice", "50001", f"{77 + n}.19", D, kind=PartyKind.SUPPLIER)
    from tests.builders import raw

    unbalanced = raw(ctx, "SELECT voucher_id FROM voucher_lines WHERE company_id = :c GROUP BY voucher_id "
                     "HAVING SUM(amount_minor) <> 0", c=ctx.company_id).all()
    assert unbalanced == []
    audited = raw(ctx, "SELECT COUNT(*) FROM audit_events WHERE company_id = :c AND entity = 'voucher'",
                  c=ctx.company_id).scalar_one()
    assert audited == 10


@pytest.mark.parametrize("chunk_size", [10, 2], ids=["same-chunk", "later-chunk"])
@pytest.mark.parametrize("skip_identical", [False, True])
def test_a_document_twice_in_one_input_is_named_as_such_wherever_the_chunks_split(
        ctx: Ctx, chunk_size: int, skip_identical: bool) -> None:
    customer(ctx)

    def invoice(number: str, row: int) -> PostingRequest:
        return PostingRequest(kind=PartyKind.CUSTOMER, item_type=ItemType.INVOICE, party_number="10001", doc_date=D,
                              amount=Decimal("100.00"), document_number=number, row=row)

    requests = [invoice("1", 2), invoice("2", 3), invoice("1", 4)]
    with ctx.uow() as uow, pytest.raises(ImportFailed) as failed:
        post_stream(uow, uow.repo.company(ctx.company_id), requests, skip_identical=skip_identical,
                    chunk_size=chunk_size)
    assert failed.value.problems == [
        "row 4, field 'document_number': invoice 1 of customer 10001 is in the input twice"]
    assert count(ctx, "items") == 0


def test_an_imported_row_with_a_nul_in_its_text_is_a_row_error_and_nothing_is_posted(ctx: Ctx) -> None:
    from reskontro.domain.errors import ImportFailed
    from reskontro.services.imports import import_transactions

    customer(ctx, "100001")
    data = ("party_number,kind,type,document_number,date,due_date,amount,currency,kid,description,applies_to\n"
            "100001,customer,invoice,F1,2026-01-10,,10.00,NOK,,Grei,\n"
            "100001,customer,invoice,F\x002,2026-01-10,,10.00,NOK,,,\n"
            "100\x0001,customer,invoice,F3,2026-01-10,,10.00,NOK,,,\n"
            "100001,customer,payment,P1,2026-01-11,,10.00,NOK,,,F\x001\n")
    with pytest.raises(ImportFailed) as exc:
        import_transactions(uow=ctx.uow(), company_id=ctx.company_id, data=data.encode(), filename="t.csv")
    text = "\n".join(exc.value.problems)
    assert "row 3" in text and "document_number" in text
    assert "row 4" in text and "party_number" in text
    assert "row 5" in text and "applies_to" in text
    assert count(ctx, "vouchers") == 0
