"""camt.054 / camt.053 rules: safe XML, the official schema, then the controls the schema cannot state; every fault
names its element path and the file yields nothing. Only booked entries become transactions."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from reskontro.formats import bank_files
from reskontro.formats.iso20022 import camt
from reskontro.formats.payments import BankFileInvalid
from tests.builders_bank import camt053, camt054
from tests.conftest import SHARED

FIXTURES = SHARED / "fixtures" / "iso20022"
needs_fixtures = pytest.mark.skipif(not FIXTURES.is_dir(), reason=f"shared ISO 20022 fixtures not found at {FIXTURES}")
NTFCTN = "/Document/BkToCstmrDbtCdtNtfctn/Ntfctn[1]"
STMT = "/Document/BkToCstmrStmt/Stmt[1]"
JAN28 = date(2026, 1, 28)


def problems(data: bytes) -> list[tuple[str | None, str]]:
    with pytest.raises(BankFileInvalid) as caught:
        camt.parse(data, "f.xml")
    assert all(p.source == "f.xml" for p in caught.value.problems)
    return [(p.column, p.code) for p in caught.value.problems]


# --- the shared fixtures ---------------------------------------------------------------------------------------


@needs_fixtures
@pytest.mark.parametrize("version", ["02", "08"])
def test_the_credit_notification_gives_a_kid_payment_and_a_stranger(version: str) -> None:
    name = f"camt.054.001.{version}-credit-no-kid.handmade.xml"
    f = camt.parse((FIXTURES / name).read_bytes(), name)
    assert (f.format, f.key) == (f"camt.054.001.{version}", "camt.054:CAMT054C-20260128-0001")
    assert f.created == datetime(2026, 1, 28, 18, 5, tzinfo=timezone(timedelta(hours=1)))
    kid, stranger = f.transactions
    assert (kid.location, kid.amount, kid.kid, kid.text, kid.counterparty_name, kid.counterparty_account) == (
        f"{NTFCTN}/Ntry[1]/NtryDtls[1]/TxDtls[1]", Decimal("12500.00"), "0001000108", None, "Kunde Testdata AS",
        "97100500004")
    assert (kid.bank_reference, kid.end_to_end_id, kid.transaction_type) == ("20260128-000001-1", None,
                                                                             "PMNT/RCDT/VCOM")
    assert (stranger.amount, stranger.kid, stranger.text, stranger.counterparty_name) == (
        Decimal("999.00"), None, "Faktura 10003 betaling", "Ola Privat")
    assert stranger.bank_reference == "20260128-000002"  # no reference of its own: the entry's
    for t in f.transactions:
        assert (t.account, t.currency, t.credit, t.reversal) == ("15031234562", "NOK", True, False)
        assert (t.booking_date, t.value_date) == (JAN28, JAN28)


@needs_fixtures
def test_the_debit_notification_gives_our_two_supplier_payments() -> None:
    f = camt.parse((FIXTURES / "camt.054.001.02-debit-no.handmade.xml").read_bytes(), "d.xml")
    assert f.key == "camt.054:CAMT054D-20260130-0001"
    assert [(t.amount, t.credit, t.end_to_end_id, t.kid, t.text, t.counterparty_name, t.counterparty_account)
            for t in f.transactions] == [
        (Decimal("10000.00"), False, "L2001-S-7788", "20250001235", None, "Leverandør Testdata AS", "12065432100"),
        (Decimal("1250.00"), False, "L2002-4455", None, "Faktura 4455", "Smaa Leveranser AS", "30001234567"),
    ]
    assert {t.booking_date for t in f.transactions} == {date(2026, 1, 30)}


@needs_fixtures
def test_the_statement_gives_three_entries_and_its_iban_becomes_the_bban() -> None:
    f = camt.parse((FIXTURES / "camt.053.001.02-no.handmade.xml").read_bytes(), "s.xml")
    assert (f.format, f.key) == ("camt.053.001.02", "camt.053:CAMT053-20260131-0001")
    assert [(t.location, t.amount, t.credit, t.kid, t.text) for t in f.transactions] == [
        (f"{STMT}/Ntry[1]/NtryDtls[1]/TxDtls[1]", Decimal("12500.00"), True, "0001000108", None),
        (f"{STMT}/Ntry[2]/NtryDtls[1]/TxDtls[1]", Decimal("999.00"), True, None, "Faktura 10003 betaling"),
        # The supplier batch is a lump sum without TxDtls (its Btch says 2 transactions): one transaction.
        (f"{STMT}/Ntry[3]", Decimal("11250.00"), False, None, None),
    ]
    assert {t.account for t in f.transactions} == {"15031234562"}  # from NO7215031234562


@needs_fixtures
@pytest.mark.parametrize(("name", "message"), [
    ("camt.054.001.02-credit-no-kid.handmade.xml", "camt.054.001.02"),
    ("camt.054.001.08-credit-no-kid.handmade.xml", "camt.054.001.08"),
    ("camt.053.001.02-no.handmade.xml", "camt.053.001.02"),
    ("pain.001.001.03-no-kid.handmade.xml", None),
])
def test_the_message_is_told_from_the_root_namespace(name: str, message: str | None) -> None:
    data = (FIXTURES / name).read_bytes()
    assert bank_files.detect(data) == message
    if message:
        assert bank_files.parse(data, name).format == message


@needs_fixtures
def test_a_pain001_is_not_a_bank_file_we_read() -> None:
    data = (FIXTURES / "pain.001.001.03-no-kid.handmade.xml").read_bytes()
    found = problems(data)
    assert found == [("/Document", "unsupported_message")]
    with pytest.raises(BankFileInvalid) as caught:
        camt.parse(data, "f.xml")
    assert "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03" in caught.value.problems[0].message


# --- what a good file gives ------------------------------------------------------------------------------------


def test_a_batch_entry_gives_one_transaction_per_txdtls() -> None:
    f = camt.parse(camt054([{"amount": "1.00", "kid": "0001000108"}, {"amount": "2.50", "kid": "1009-"},
                            {"amount": "3.00", "text": "x"}], per_entry=3), "f.xml")
    assert [(t.location, t.amount, t.kid) for t in f.transactions] == [
        (f"{NTFCTN}/Ntry[1]/NtryDtls[1]/TxDtls[1]", Decimal("1.00"), "0001000108"),
        (f"{NTFCTN}/Ntry[1]/NtryDtls[1]/TxDtls[2]", Decimal("2.50"), "1009-"),
        (f"{NTFCTN}/Ntry[1]/NtryDtls[1]/TxDtls[3]", Decimal("3.00"), None),
    ]


@pytest.mark.parametrize("version", ["02", "08"])
def test_payer_name_account_and_end_to_end_id_are_read_in_both_versions(version: str) -> None:
    (t,) = camt.parse(camt054([{"amount": "5.00", "name": "Ola & Kari <AS>", "payer_account": "NO9386011117947",
                                "end_to_end_id": "E2E-1"}], version=version), "f.xml").transactions
    assert (t.counterparty_name, t.counterparty_account, t.end_to_end_id) == ("Ola & Kari <AS>", "86011117947",
                                                                              "E2E-1")


def test_a_debit_notification_names_the_payee() -> None:
    (t,) = camt.parse(camt054([{"amount": "5.00", "name": "Lev AS", "payer_account": "12065432100"}], credit=False),
                      "f.xml").transactions
    assert (t.credit, t.counterparty_name, t.counterparty_account) == (False, "Lev AS", "12065432100")


def test_an_iban_account_of_ours_is_kept_as_the_bban() -> None:
    (t,) = camt.parse(camt054([{"amount": "5.00"}], account="NO7215031234562"), "f.xml").transactions
    assert t.account == "15031234562"


def test_entries_not_booked_are_left_out() -> None:
    f = camt.parse(camt054([{"amount": "1.00"}, {"amount": "2.00", "status": "PDNG"}, {"amount": "3.00",
                                                                                      "status": "INFO"}]), "f.xml")
    assert [t.amount for t in f.transactions] == [Decimal("1.00")]
    f = camt.parse(camt054([{"amount": "1.00", "status": "PDNG"}], version="08"), "f.xml")
    assert f.transactions == ()


@pytest.mark.parametrize("version", ["02", "08"])
def test_rvslind_marks_a_reversal_of_the_original_direction(version: str) -> None:
    # The bank takes back a credit: a DBIT entry with RvslInd (ISO's rule). Like OCR type 18: a credit, reversed.
    data = camt054([{"amount": "100.00", "kid": "0001000108", "reversal": True}], version=version)
    assert b"<CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd>" in data
    (t,) = camt.parse(data, "f.xml").transactions
    assert (t.credit, t.reversal, t.amount, t.kid) == (True, True, Decimal("100.00"), "0001000108")


def test_several_unstructured_texts_are_joined_with_a_space() -> None:
    data = camt054([{"amount": "1.00", "text": "Faktura 1"}]).replace(
        b"<Ustrd>Faktura 1</Ustrd>", b"<Ustrd>Faktura 1</Ustrd><Ustrd> og 2 </Ustrd>")
    (t,) = camt.parse(data, "f.xml").transactions
    assert t.text == "Faktura 1 og 2"


def test_a_single_txdtls_without_amount_takes_the_entry_amount() -> None:
    data = camt054([{"amount": "7.00"}]).replace(b'<AmtDtls><TxAmt><Amt Ccy="NOK">7.00</Amt></TxAmt></AmtDtls>', b"")
    (t,) = camt.parse(data, "f.xml").transactions
    assert t.amount == Decimal("7.00")


def test_a_proprietary_bank_transaction_code_is_used_without_a_domain() -> None:
    data = camt054([{"amount": "1.00"}]).replace(
        b"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>VCOM</SubFmlyCd></Fmly></Domn></BkTxCd>",
        b"<BkTxCd><Prtry><Cd>230</Cd><Issr>NETS</Issr></Prtry></BkTxCd>")
    (t,) = camt.parse(data, "f.xml").transactions
    assert t.transaction_type == "230"


def test_a_booking_date_time_gives_its_date() -> None:
    data = camt054([{"amount": "1.00"}]).replace(b"<BookgDt><Dt>2026-01-28</Dt></BookgDt>",
                                                 b"<BookgDt><DtTm>2026-01-29T23:30:00+01:00</DtTm></BookgDt>")
    (t,) = camt.parse(data, "f.xml").transactions
    assert (t.booking_date, t.value_date) == (date(2026, 1, 29), JAN28)


def test_a_statement_with_balances_and_summary_that_agree_is_read() -> None:
    f = camt.parse(camt053([{"amount": "5.00"}, {"amount": "7.00", "credit": False},
                            {"amount": "2.00", "reversal": True}], opening="-3.00"), "s.xml")
    assert [(t.amount, t.credit, t.reversal) for t in f.transactions] == [
        (Decimal("5.00"), True, False), (Decimal("7.00"), False, False), (Decimal("2.00"), True, True)]


# --- refused: unsafe, malformed, off-schema, wrong totals -------------------------------------------------------


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">&lol3;</Document>"""


def test_a_document_type_declaration_is_refused_before_parsing() -> None:
    with pytest.raises(BankFileInvalid) as caught:
        camt.parse(BILLION_LAUGHS, "f.xml")
    assert [(p.row, p.code) for p in caught.value.problems] == [(2, "xml_doctype")]
    with pytest.raises(BankFileInvalid):
        bank_files.parse(BILLION_LAUGHS, "f.xml")


def test_an_external_entity_is_refused() -> None:
    data = camt054([{"amount": "1.00"}]).replace(
        b"<Document", b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<Document', 1)
    assert problems(data) == [(None, "xml_doctype")]


def test_xml_that_is_not_well_formed_is_refused() -> None:
    data = camt054([{"amount": "1.00"}]).replace(b"</Ntfctn>", b"")
    assert [code for _, code in problems(data)] == ["xml_syntax"]


def test_a_schema_fault_is_named_by_its_path() -> None:
    data = camt054([{"amount": "1.00"}, {"amount": "2.00"}]).replace(b"<CdtDbtInd>CRDT</CdtDbtInd>",
                                                                     b"<CdtDbtInd>PLUS</CdtDbtInd>", 1)
    data = data.replace(b'<Amt Ccy="NOK">2.00</Amt><CdtDbtInd>', b'<Amt Ccy="NOK">2,00</Amt><CdtDbtInd>')
    with pytest.raises(BankFileInvalid) as caught:
        camt.parse(data, "f.xml")
    found = [(p.column, p.code) for p in caught.value.problems]
    assert found == [(f"{NTFCTN}/Ntry[1]/CdtDbtInd", "xml_schema"), (f"{NTFCTN}/Ntry[2]/Amt", "xml_schema")]
    assert all(p.row is not None for p in caught.value.problems)


def test_another_namespace_is_named() -> None:
    data = camt054([{"amount": "1.00"}]).replace(b"camt.054.001.02", b"camt.054.001.04")
    with pytest.raises(BankFileInvalid) as caught:
        bank_files.parse(data, "f.xml")
    (p,) = caught.value.problems
    assert (p.column, p.code) == ("/Document", "unsupported_message")
    assert "urn:iso:std:iso:20022:tech:xsd:camt.054.001.04" in p.message
    assert problems(b'<Document xmlns="urn:example:other"/>') == [("/Document", "unsupported_message")]


def test_transactions_that_do_not_add_up_to_their_entry() -> None:
    data = camt054([{"amount": "1.00"}, {"amount": "2.00"}], per_entry=2).replace(
        b'<Amt Ccy="NOK">3.00</Amt>', b'<Amt Ccy="NOK">3.01</Amt>')
    assert problems(data) == [(f"{NTFCTN}/Ntry[1]", "control_sum")]


def test_a_batch_count_that_is_not_the_number_of_transactions() -> None:
    data = camt054([{"amount": "1.00"}, {"amount": "2.00"}], per_entry=2).replace(
        b"<NbOfTxs>2</NbOfTxs>", b"<NbOfTxs>3</NbOfTxs>")
    assert problems(data) == [(f"{NTFCTN}/Ntry[1]/NtryDtls[1]/Btch/NbOfTxs", "control_count")]


def test_a_transaction_in_another_currency_than_its_entry() -> None:
    data = camt054([{"amount": "1.00"}]).replace(b'<TxAmt><Amt Ccy="NOK">', b'<TxAmt><Amt Ccy="EUR">')
    assert problems(data) == [(f"{NTFCTN}/Ntry[1]/NtryDtls[1]/TxDtls[1]/AmtDtls/TxAmt/Amt", "currency")]
    data = camt054([{"amount": "1.00"}], version="08").replace(b'<Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>'
                                                               b'<Amt Ccy="NOK">', b'<Refs><EndToEndId>NOTPROVIDED'
                                                               b'</EndToEndId></Refs><Amt Ccy="SEK">')
    assert problems(data) == [(f"{NTFCTN}/Ntry[1]/NtryDtls[1]/TxDtls[1]/Amt", "currency")]


def test_several_transactions_of_an_entry_each_need_an_amount() -> None:
    data = camt054([{"amount": "1.00"}, {"amount": "2.00"}], per_entry=2).replace(
        b'<AmtDtls><TxAmt><Amt Ccy="NOK">2.00</Amt></TxAmt></AmtDtls>', b"")
    assert problems(data) == [(f"{NTFCTN}/Ntry[1]/NtryDtls[1]/TxDtls[2]/AmtDtls/TxAmt/Amt", "missing_amount")]


def test_our_account_must_be_a_valid_account_number() -> None:
    assert problems(camt054([{"amount": "1.00"}], account="15031234563")) == [(f"{NTFCTN}/Acct/Id", "account")]


def test_a_booked_entry_needs_a_booking_date() -> None:
    data = camt054([{"amount": "1.00"}]).replace(b"<BookgDt><Dt>2026-01-28</Dt></BookgDt>", b"")
    assert problems(data) == [(f"{NTFCTN}/Ntry[1]/BookgDt", "booking_date")]


def _statement() -> bytes:
    return camt053([{"amount": "5.00"}, {"amount": "7.00", "credit": False}], opening="10.00")


@pytest.mark.parametrize(("old", "new", "expected"), [
    (b"<NbOfNtries>2</NbOfNtries>", b"<NbOfNtries>3</NbOfNtries>", (f"{STMT}/TxsSummry/TtlNtries/NbOfNtries",
                                                                    "control_count")),
    (b"<Sum>12.00</Sum>", b"<Sum>12.01</Sum>", (f"{STMT}/TxsSummry/TtlNtries/Sum", "control_sum")),
    (b"<TtlNetNtryAmt>2.00</TtlNetNtryAmt>", b"<TtlNetNtryAmt>2.50</TtlNetNtryAmt>",
     (f"{STMT}/TxsSummry/TtlNtries/TtlNetNtryAmt", "control_sum")),
    (b"<TtlCdtNtries><NbOfNtries>1</NbOfNtries><Sum>5.00</Sum>",
     b"<TtlCdtNtries><NbOfNtries>1</NbOfNtries><Sum>6.00</Sum>", (f"{STMT}/TxsSummry/TtlCdtNtries/Sum", "control_sum")),
    (b"<TtlDbtNtries><NbOfNtries>1</NbOfNtries>", b"<TtlDbtNtries><NbOfNtries>0</NbOfNtries>",
     (f"{STMT}/TxsSummry/TtlDbtNtries/NbOfNtries", "control_count")),
    (b'<Amt Ccy="NOK">8.00</Amt>', b'<Amt Ccy="NOK">8.10</Amt>', (f"{STMT}/Bal[2]", "control_sum")),
])
def test_a_statement_summary_or_balance_that_disagrees_with_its_entries(old: bytes, new: bytes,
                                                                         expected: tuple[str, str]) -> None:
    data = _statement()
    assert old in data
    assert problems(data.replace(old, new, 1)) == [expected]


def test_a_previously_closed_balance_opens_the_statement_too() -> None:
    data = _statement().replace(b"<Cd>OPBD</Cd>", b"<Cd>PRCD</Cd>")
    assert len(camt.parse(data, "s.xml").transactions) == 2
    assert problems(data.replace(b'<Amt Ccy="NOK">10.00</Amt>', b'<Amt Ccy="NOK">11.00</Amt>')) == [
        (f"{STMT}/Bal[2]", "control_sum")]


def test_every_fault_is_reported_not_just_the_first() -> None:
    data = camt054([{"amount": "1.00"}, {"amount": "2.00"}, {"amount": "4.00"}, {"amount": "8.00"}], per_entry=2)
    data = data.replace(b'<Amt Ccy="NOK">3.00</Amt>', b'<Amt Ccy="NOK">3.50</Amt>')
    data = data.replace(b"<NbOfTxs>2</NbOfTxs></Btch><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>"
                        b'<AmtDtls><TxAmt><Amt Ccy="NOK">4.00',
                        b"<NbOfTxs>5</NbOfTxs></Btch><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>"
                        b'<AmtDtls><TxAmt><Amt Ccy="DKK">4.00')
    assert problems(data) == [
        (f"{NTFCTN}/Ntry[1]", "control_sum"),
        (f"{NTFCTN}/Ntry[2]/NtryDtls[1]/Btch/NbOfTxs", "control_count"),
        (f"{NTFCTN}/Ntry[2]/NtryDtls[1]/TxDtls[1]/AmtDtls/TxAmt/Amt", "currency"),
    ]


# --- size ------------------------------------------------------------------------------------------------------


def test_a_hundred_thousand_payments_are_read() -> None:
    n = 100_000
    data = camt054([{"amount": f"{(i % 1000) + 1}.50", "kid": f"{i:010d}", "name": "Kunde AS",
                     "payer_account": "97100500004"} for i in range(n)], per_entry=100)
    f = camt.parse(data, "big.xml")
    assert len(f.transactions) == n
    assert sum(t.amount for t in f.transactions) == sum(Decimal(f"{(i % 1000) + 1}.50") for i in range(n))
    assert f.transactions[-1].kid == f"{n - 1:010d}"
