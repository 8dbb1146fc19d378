"""Payments in: a bank file settles the customer ledger by itself where the KID is right; the rest waits for a user.

Each test builds its own files (tests/builders_bank.py); the shared handmade scenario runs at the end.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text

from reskontro.domain.errors import AlreadyExists, ImportFailed, ValidationFailed
from reskontro.domain.periods import Period
from reskontro.services import bank_payments as bank
from reskontro.services.companies import close_period, set_kid_scheme, set_suspense_account
from reskontro.services.reports import open_items_report, reconciliation_report
from tests.builders import customer, gl_balance, post
from tests.builders_bank import camt053, camt054, ocr_file
from tests.conftest import SHARED, Ctx

JAN = date(2026, 1, 15)
PAID = date(2026, 1, 28)
ACCOUNT = "15031234562"


def setup_bank(ctx: Ctx, account: str = ACCOUNT, gl_account: str = "1920") -> None:
    bank.add_bank_account(uow=ctx.uow(), company_id=ctx.company_id, account=account, name="Driftskonto",
                          gl_account=gl_account)


def open_docs(ctx: Ctx, as_of: date = date(2026, 6, 30)) -> dict[str, Decimal]:
    rows = open_items_report(uow=ctx.uow(), company_id=ctx.company_id, as_of=as_of)
    return {r["document_number"]: r["open_amount"] for r in rows}


def rows(ctx: Ctx, sql: str) -> list[tuple[object, ...]]:
    with ctx.app.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), {"c": ctx.company_id})]


def count(ctx: Ctx, table: str) -> int:
    return int(str(rows(ctx, f"SELECT COUNT(*) FROM {table} WHERE company_id = :c")[0][0]))


def import_file(ctx: Ctx, data: bytes, name: str = "bank.txt") -> bank.BankImportSummary:
    return bank.import_bank_file(uow=ctx.uow(), company_id=ctx.company_id, data=data, filename=name)


def reconciled(ctx: Ctx) -> None:
    rows = reconciliation_report(uow=ctx.uow(), company_id=ctx.company_id, as_of=date(2026, 12, 31))
    assert all(r["difference"] == 0 for r in rows), rows


# -- KID on customer invoices ------------------------------------------------------------------------------


def test_a_company_kid_scheme_gives_every_customer_invoice_its_kid(ctx: Ctx) -> None:
    set_kid_scheme(uow=ctx.uow(), company_id=ctx.company_id, algorithm="mod10", length=10, source="invoice")
    customer(ctx, "1001")
    post(ctx, "invoice", "1001", "100.00", JAN, document_number="10001")
    post(ctx, "credit_note", "1001", "10.00", JAN, document_number="10002")
    kids = dict(rows(ctx, "SELECT document_number, kid FROM items WHERE company_id = :c"))
    assert kids == {"10001": "0000100016", "10002": None}


def test_mod11_customer_and_invoice_number_and_the_dash_check_digit(ctx: Ctx) -> None:
    set_kid_scheme(uow=ctx.uow(), company_id=ctx.company_id, algorithm="mod11", length=8, source="customer_invoice",
                   customer_digits=3)
    customer(ctx, "100")
    post(ctx, "invoice", "100", "100.00", JAN, document_number="5")  # payload 1000005 → MOD11 check 10 → '-'
    post(ctx, "invoice", "100", "100.00", JAN, document_number="4")
    kids = sorted(str(k) for (k,) in rows(ctx, "SELECT kid FROM items WHERE company_id = :c"))
    assert kids == ["10000041", "1000005-"]


def test_a_given_kid_must_fit_the_company_scheme_and_a_number_too_long_for_it_is_refused(ctx: Ctx) -> None:
    set_kid_scheme(uow=ctx.uow(), company_id=ctx.company_id, algorithm="mod10", length=6, source="invoice")
    customer(ctx, "1001")
    with pytest.raises(ValidationFailed, match="says 6"):
        post(ctx, "invoice", "1001", "100.00", JAN, document_number="1", kid="0001000108")
    with pytest.raises(ValidationFailed, match="MOD10"):
        post(ctx, "invoice", "1001", "100.00", JAN, document_number="1", kid="000019")
    with pytest.raises(ValidationFailed, match="leaves it 5"):
        post(ctx, "invoice", "1001", "100.00", JAN, document_number="123456")
    post(ctx, "invoice", "1001", "100.00", JAN, document_number="2", kid="000026")


def test_a_kid_scheme_is_refused_when_it_cannot_work(ctx: Ctx) -> None:
    with pytest.raises(ValidationFailed, match="mod10 or mod11"):
        set_kid_scheme(uow=ctx.uow(), company_id=ctx.company_id, algorithm="luhn", length=10)
    with pytest.raises(ValidationFailed, match="2–25"):
        set_kid_scheme(uow=ctx.uow(), company_id=ctx.company_id, algorithm="mod10", length=30)
    with pytest.raises(ValidationFailed, match="customer number needs"):
        set_kid_scheme(uow=ctx.uow(), company_id=ctx.company_id, algorithm="mod10", length=10,
                       source="customer_invoice")


# -- bank accounts -----------------------------------------------------------------------------------------


def test_bank_accounts_are_validated_and_registered_once(ctx: Ctx) -> None:
    setup_bank(ctx)
    with pytest.raises(AlreadyExists):
        setup_bank(ctx, account="NO72 1503 1234 562")  # the same account as an IBAN
    with pytest.raises(ValidationFailed, match="not valid"):
        setup_bank(ctx, account="15031234563")
    with pytest.raises(ValidationFailed, match="does not exist"):
        setup_bank(ctx, account="12065432100", gl_account="1999")
    accounts = bank.list_bank_accounts(uow=ctx.uow(), company_id=ctx.company_id)
    assert [(a.account, a.display, a.gl_account) for a in accounts] == [(ACCOUNT, "1503.12.34562", "1920")]


# -- import and automatic matching ---------------------------------------------------------------------------


def test_an_ocr_file_settles_invoices_by_kid_without_a_click(ctx: Ctx) -> None:
    setup_bank(ctx)
    customer(ctx, "1001")
    customer(ctx, "1002")
    post(ctx, "invoice", "1001", "15000.00", JAN, document_number="10001", kid="0001000108")
    post(ctx, "invoice", "1002", "499.00", JAN, document_number="10003", kid="10030")
    s = import_file(ctx, ocr_file([{"amount": "15000.00", "kid": "0001000108"}, {"amount": "499.00", "kid": "10030"}]))
    assert (s.transactions, s.posted, s.settled, s.review, s.by_method) == (2, 2, 2, 0, {"kid": 2})
    assert s.amount_in == Decimal("15499.00")
    assert open_docs(ctx) == {}
    assert gl_balance(ctx, "1920") == Decimal("15499.00")
    reconciled(ctx)


def test_a_payment_larger_than_its_invoice_leaves_the_rest_as_a_credit(ctx: Ctx) -> None:
    setup_bank(ctx)
    customer(ctx, "1001")
    post(ctx, "invoice", "1001", "100.00", JAN, document_number="10001", kid="0001000108")
    s = import_file(ctx, ocr_file([{"amount": "150.00", "kid": "0001000108"}]))
    assert (s.posted, s.settled) == (1, 1)
    assert list(open_docs(ctx).values()) == [Decimal("-50.00")]


def test_a_kid_of_a_paid_invoice_still_names_the_customer_whose_money_it_is(ctx: Ctx) -> None:
    setup_bank(ctx)
    customer(ctx, "1001")
    post(ctx, "invoice", "1001", "100.00", JAN, document_number="10001", kid="0001000108")
    import_file(ctx, ocr_file([{"amount": "100.00", "kid": "0001000108"}], number="1000001"))
    s = import_file(ctx, ocr_file([{"amount": "100.00", "kid": "0001000108", "reference": "000000002"}],
                                  number="1000002"))  # paid twice
    assert (s.posted, s.settled, s.by_method) == (1, 0, {"kid": 1})
    assert list(open_docs(ctx).values()) == [Decimal("-100.00")]


def test_without_kid_the_invoice_number_in_the_text_then_the_payer_with_an_exact_amount(ctx: Ctx) -> None:
    setup_bank(ctx)
    customer(ctx, "1001")
    customer(ctx, "1002", bank_account="97100500004")
    customer(ctx, "1003", name="Ola Privat")
    post(ctx, "invoice", "1001", "300.00", JAN, document_number="F-77")
    post(ctx, "invoice", "1002", "200.00", JAN, document_number="F-78")
    post(ctx, "invoice", "1003", "999.00", JAN, document_number="F-79")
    post(ctx, "invoice", "1003", "10.00", JAN, document_number="F-80")
    s = import_file(ctx, camt054([
        {"amount": "300.00", "text": "Betaling faktura F-77"},
        {"amount": "200.00", "payer_account": "97100500004"},
        {"amount": "999.00", "name": "OLA PRIVAT"},
        {"amount": "55.00", "name": "Ola Privat"},  # known payer, no item of that amount
    ]))
    assert s.by_method == {"text": 1, "payer": 2}
    assert (s.posted, s.settled, s.review) == (3, 3, 1)
    assert open_docs(ctx) == {"F-80": Decimal("10.00")}
    queue = bank.review_queue(uow=ctx.uow(), company_id=ctx.company_id)
    assert [(r.amount, r.note) for r in queue.rows] == [
        (Decimal("55.00"), "the payer is known, but has no open item of exactly this amount")]


def test_camt054_version_08_and_a_bad_kid_check_digit(ctx: Ctx) -> None:
    setup_bank(ctx)
    customer(ctx, "1001")
    post(ctx, "invoice", "1001", "100.00", JAN, document_number="10001", kid="0001000108")
    s = import_file(ctx, camt054([{"amount": "100.00", "kid": "0001000108"}, {"amount": "7.00", "kid": "0001000109"}],
                                 version="08"), "camt08.xml")
    assert (s.format, s.posted, s.review) == ("camt.054.001.08", 1, 1)
    assert bank.review_queue(uow=ctx.uow(), company_id=ctx.company_id).rows[0].note == \
        "KID 0001000109 fails its check digit"


def test_the_same_file_twice_posts_nothing_the_second_time(ctx: Ctx) -> None:
    setup_bank(ctx)
    customer(ctx, "1001")
    post(ctx, "invoice", "1001", "100.00", JAN, document_number="10001", kid="0001000108")
    data = ocr_file([{"amount": "60.00", "kid": "0001000108"}, {"amount": "5.00"}])
    first = import_file(ctx, data)
    vouchers = count(ctx, "vouchers")
    again = import_file(ctx, data, "renamed.txt")
    assert again.already_imported and again.bank_file_id == first.bank_file_id
    assert (again.posted, again.review) == (first.posted, first.review) == (1, 1)
    assert count(ctx, "vouchers") == vouchers
    assert open_docs(ctx) == {"10001": Decimal("40.00")}


def test_a_statement_after_its_notification_counts_each_payment_once(ctx: Ctx) -> None:
    setup_bank(ctx)
    customer(ctx, "1001")
    post(ctx, "invoice", "1001", "100.00", JAN, document_number="10001", kid="0001000108")
    import_file(ctx, camt054([{"amount": "100.00", "kid": "0001000108", "reference": "ARCH-1"}]))
    s = import_file(ctx, camt053([{"amount": "100.00", "kid": "0001000108", "reference": "ARCH-1"},
                                  {"amount": "20.00", "reference": "ARCH-2", "text": "Renter"}]), "stmt.xml")
    assert (s.duplicates, s.posted, s.review) == (1, 0, 1)
    assert gl_balance(ctx, "1920") == Decimal("100.00")


def test_a_reversal_takes_back_the_payment_and_reopens_the_invoice(ctx: Ctx) -> None:
    setup_bank(ctx)
    customer(ctx, "1001")
    post(ctx, "invoice", "1001", "100.00", JAN, document_number="10001", kid="0001000108")
    import_file(ctx, ocr_file([{"amount": "100.00", "kid": "0001000108"}], number="1000001"))
    assert open_docs(ctx) == {}
    s = import_file(ctx, ocr_file([{"amount": "100.00", "kid": "0001000108", "type": "18",
                                    "date": date(2026, 1, 30)}], number="1000002"))
    assert (s.reversals, s.posted, s.review, s.amount_out) == (1, 0, 0, Decimal("100.00"))
    assert open_docs(ctx) == {"10001": Decimal("100.00")}
    assert gl_balance(ctx, "1920") == 0
    reconciled(ctx)
    # A second reversal finds nothing left to take back: it waits for a user.
    s = import_file(ctx, ocr_file([{"amount": "100.00", "kid": "0001000108", "type": "18"}], number="1000003"))
    assert (s.reversals, s.review) == (0, 1)


def test_a_reversal_in_the_same_camt_file_as_its_payment(ctx: Ctx) -> None:
    setup_bank(ctx)
    customer(ctx, "1001")
    post(ctx, "invoice", "1001", "100.00", JAN, document_number="10001", kid="0001000108")
    s = import_file(ctx, camt054([{"amount": "100.00", "kid": "0001000108", "reference": "A"},
                                  {"amount": "100.00", "kid": "0001000108", "reference": "B", "reversal": True}]))
    assert (s.posted, s.reversals) == (1, 1)
    assert open_docs(ctx) == {"10001": Decimal("100.00")}


# -- bad input: nothing is posted ---------------------------------------------------------------------------


def test_a_file_for_an_account_the_company_does_not_have_is_refused_whole(ctx: Ctx) -> None:
    customer(ctx, "1001")
    post(ctx, "invoice", "1001", "100.00", JAN, document_number="10001", kid="0001000108")
    with pytest.raises(ImportFailed) as caught:
        import_file(ctx, ocr_file([{"amount": "100.00", "kid": "0001000108"}]), "x.txt")
    assert "x.txt, line 3: account 1503.12.34562 is not one of the company's bank accounts" in caught.value.problems[0]
    assert open_docs(ctx) == {"10001": Decimal("100.00")}
    assert count(ctx, "bank_files") == 0


def test_an_ocr_file_under_another_agreement_than_the_accounts_is_refused(ctx: Ctx) -> None:
    bank.add_bank_account(uow=ctx.uow(), company_id=ctx.company_id, account=ACCOUNT, name="Drift",
                          ocr_agreement_id="123456789")
    with pytest.raises(ImportFailed) as caught:
        import_file(ctx, ocr_file([{"amount": "1.00"}], agreement="999999999"), "o.txt")
    assert caught.value.problems == ["o.txt, line 3: OCR agreement 999999999 is not the agreement 123456789 of "
                                     "account 1503.12.34562"]
    assert import_file(ctx, ocr_file([{"amount": "1.00"}], agreement="123456789")).review == 1


def test_a_damaged_file_names_its_line_and_posts_nothing(ctx: Ctx) -> None:
    setup_bank(ctx)
    customer(ctx, "1001")
    post(ctx, "invoice", "1001", "100.00", JAN, document_number="10001", kid="0001000108")
    data = ocr_file([{"amount": "100.00", "kid": "0001000108"}]).replace(b"00000000000010000", b"00000000000010001", 1)
    with pytest.raises(ImportFailed) as caught:
        import_file(ctx, data, "bad.txt")
    assert any("bad.txt" in p and "line" in p for p in caught.value.problems)
    with pytest.raises(ImportFailed) as caught:
        import_file(ctx, b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', "evil.xml")
    assert "DOCTYPE" in caught.value.problems[0] or "not" in caught.value.problems[0]
    assert open_docs(ctx) == {"10001": Decimal("100.00")}


def test_a_payment_in_a_closed_period_waits_in_the_queue(ctx: Ctx) -> None:
    setup_bank(ctx)
    customer(ctx, "1001")
    post(ctx, "invoice", "1001", "100.00", JAN, document_number="10001", kid="0001000108")
    close_period(uow=ctx.uow(), company_id=ctx.company_id, period=Period(2026, 1))
    s = import_file(ctx, ocr_file([{"amount": "100.00", "kid": "0001000108"}]))
    assert (s.posted, s.review) == (0, 1)
    assert bank.review_queue(uow=ctx.uow(), company_id=ctx.company_id).rows[0].note == "period 2026-01 is closed"


# -- the review queue ------------------------------------------------------------------------------------------


def _queued(ctx: Ctx) -> bank.QueuedPayment:
    return bank.review_queue(uow=ctx.uow(), company_id=ctx.company_id).rows[0]


def test_an_invoice_named_in_the_text_is_settled_first_and_the_rest_stays_a_credit(ctx: Ctx) -> None:
    setup_bank(ctx)
    customer(ctx, "1002", name="Per Hansen")
    post(ctx, "invoice", "1002", "999.00", JAN, document_number="20002")
    post(ctx, "invoice", "1002", "50.00", JAN, document_number="20003")
    s = import_file(ctx, camt054([{"amount": "999.00", "name": "Per Hansen", "text": "Faktura 20003 og mer"}]))
    assert (s.by_method, s.settled) == ({"text": 1}, 1)
    docs = open_docs(ctx)
    assert docs.pop("20002") == Decimal("999.00")
    assert list(docs.values()) == [Decimal("-949.00")]


def test_resolving_a_queued_payment_to_a_named_invoice(ctx: Ctx) -> None:
    setup_bank(ctx)
    customer(ctx, "1001", name="Kari Nordmann")
    customer(ctx, "1002", name="Per Hansen")
    post(ctx, "invoice", "1001", "999.00", JAN, document_number="20001")
    post(ctx, "invoice", "1002", "999.00", JAN, document_number="20002")
    import_file(ctx, camt054([{"amount": "999.00", "name": "P. Hansen"}]))
    item = _queued(ctx)
    found = bank.suggestions(uow=ctx.uow(), company_id=ctx.company_id, bank_payment_id=item.bank_payment_id)
    assert [(s.document_number, s.reasons) for s in found] == [("20002", ("exact amount", "payer's name")),
                                                               ("20001", ("exact amount",))]
    r = bank.resolve_payment(uow=ctx.uow(), company_id=ctx.company_id, bank_payment_id=item.bank_payment_id,
                             party_number="1002", invoice="20002", note="called Per")
    assert (r.status, r.settled) == ("posted", ("20002",))
    assert open_docs(ctx) == {"20001": Decimal("999.00")}
    assert bank.review_queue(uow=ctx.uow(), company_id=ctx.company_id).total == 0
    with pytest.raises(ValidationFailed, match="is posted"):
        bank.post_to_suspense(uow=ctx.uow(), company_id=ctx.company_id, bank_payment_id=item.bank_payment_id)
    reconciled(ctx)


def test_suspense_and_later_clearing_it_to_a_customer(ctx: Ctx) -> None:
    setup_bank(ctx)
    set_suspense_account(uow=ctx.uow(), company_id=ctx.company_id, account="2900")
    customer(ctx, "1001")
    post(ctx, "invoice", "1001", "80.00", JAN, document_number="30001")
    import_file(ctx, ocr_file([{"amount": "80.00"}]))
    item = _queued(ctx)
    r = bank.post_to_suspense(uow=ctx.uow(), company_id=ctx.company_id, bank_payment_id=item.bank_payment_id)
    assert r.status == "suspense"
    assert (gl_balance(ctx, "1920"), gl_balance(ctx, "2900")) == (Decimal("80.00"), Decimal("-80.00"))
    parked = bank.review_queue(uow=ctx.uow(), company_id=ctx.company_id, status="suspense")
    assert [p.bank_payment_id for p in parked.rows] == [item.bank_payment_id]
    bank.resolve_payment(uow=ctx.uow(), company_id=ctx.company_id, bank_payment_id=item.bank_payment_id,
                         party_number="1001")
    assert (gl_balance(ctx, "1920"), gl_balance(ctx, "2900")) == (Decimal("80.00"), 0)
    assert open_docs(ctx) == {}
    reconciled(ctx)


def test_a_reversal_with_nothing_to_take_back_can_only_be_parked(ctx: Ctx) -> None:
    setup_bank(ctx)
    customer(ctx, "1001")
    import_file(ctx, ocr_file([{"amount": "40.00", "kid": "0001000108", "type": "18"}]))
    item = _queued(ctx)
    with pytest.raises(ValidationFailed, match="suspense"):
        bank.resolve_payment(uow=ctx.uow(), company_id=ctx.company_id, bank_payment_id=item.bank_payment_id,
                             party_number="1001")
    bank.post_to_suspense(uow=ctx.uow(), company_id=ctx.company_id, bank_payment_id=item.bank_payment_id)
    assert (gl_balance(ctx, "1920"), gl_balance(ctx, "2990")) == (Decimal("-40.00"), Decimal("40.00"))


def test_preview_says_what_the_import_would_do_and_writes_nothing(ctx: Ctx) -> None:
    setup_bank(ctx)
    customer(ctx, "1001")
    post(ctx, "invoice", "1001", "100.00", JAN, document_number="10001", kid="0001000108")
    data = ocr_file([{"amount": "100.00", "kid": "0001000108"}, {"amount": "3.00"}])
    p = bank.preview_bank_file(uow=ctx.uow(), company_id=ctx.company_id, data=data, filename="b.txt")
    assert [(r.location, r.outcome, r.method, r.party_number) for r in p.rows] == [
        ("line 3", "posted", "kid", "1001"), ("line 5", "review", None, None)]
    assert count(ctx, "bank_payments") == 0
    assert open_docs(ctx) == {"10001": Decimal("100.00")}


# -- the shared handmade scenario ------------------------------------------------------------------------------

FIXTURES = SHARED / "fixtures"
needs_fixtures = pytest.mark.skipif(not FIXTURES.is_dir(), reason="shared fixtures (../shared/fixtures) absent")


def _fjordlys(ctx: Ctx) -> None:
    setup_bank(ctx)
    customer(ctx, "K1001", name="Kunde Testdata AS", org_number="934567897", bank_account="97100500004")
    post(ctx, "invoice", "K1001", "15000.00", JAN, document_number="10001", kid="0001000108")
    post(ctx, "credit_note", "K1001", "2500.00", date(2026, 1, 20), document_number="10002", applies_to="10001")


@needs_fixtures
def test_the_shared_ocr_file_settles_invoice_10001_net_of_its_credit_note(ctx: Ctx) -> None:
    _fjordlys(ctx)
    data = (FIXTURES / "ocr-giro" / "ocr-giro-incoming-kid.handmade.txt").read_bytes()
    s = import_file(ctx, data, "ocr.txt")
    assert (s.transactions, s.posted, s.settled, s.review) == (3, 1, 1, 2)
    assert s.amount_in == Decimal("13249.00")
    assert open_docs(ctx) == {}
    queued = bank.review_queue(uow=ctx.uow(), company_id=ctx.company_id).rows
    assert sorted(q.amount for q in queued) == [Decimal("250.00"), Decimal("499.00")]
    reconciled(ctx)


@needs_fixtures
@pytest.mark.parametrize("name", ["camt.054.001.02-credit-no-kid.handmade.xml",
                                  "camt.054.001.08-credit-no-kid.handmade.xml"])
def test_the_shared_camt054_pays_by_kid_and_queues_the_stranger(ctx: Ctx, name: str) -> None:
    _fjordlys(ctx)
    s = import_file(ctx, (FIXTURES / "iso20022" / name).read_bytes(), name)
    assert (s.posted, s.settled, s.review) == (1, 1, 1)
    assert open_docs(ctx) == {}
    q = _queued(ctx)
    assert (q.amount, q.counterparty_name, q.text) == (Decimal("999.00"), "Ola Privat", "Faktura 10003 betaling")


@needs_fixtures
def test_the_shared_statement_after_its_notification_posts_nothing_twice(ctx: Ctx) -> None:
    _fjordlys(ctx)
    import_file(ctx, (FIXTURES / "iso20022" / "camt.054.001.02-credit-no-kid.handmade.xml").read_bytes(), "n.xml")
    s = import_file(ctx, (FIXTURES / "iso20022" / "camt.053.001.02-no.handmade.xml").read_bytes(), "s.xml")
    # 12 500.00 (KID; the notification named the transaction, the statement only its entry) and 999.00 are the
    # notification's again; the 11 250.00 lump sum out has no EndToEndIds: it waits for a user.
    assert (s.transactions, s.duplicates, s.posted, s.review) == (3, 2, 0, 1)
    assert gl_balance(ctx, "1920") == Decimal("12500.00")
