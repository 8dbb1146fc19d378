"""pain.001 writer rules: our supplier payments as Norwegian banks take them, schema-valid or not written at all."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from reskontro.formats.iso20022 import pain001, xml
from reskontro.formats.iso20022.pain001 import clean_text, render
from reskontro.formats.payments import BankFileInvalid, CreditTransfer, PaymentOrder
from reskontro.identifiers import kid
from tests.conftest import SHARED

FIXTURES = SHARED / "fixtures" / "iso20022"
OUR_ACCOUNT = "15031234562"
OTHER_ACCOUNT = "97100500004"  # a second account of ours, for grouping
ON = date(2026, 1, 30)
CREATED = datetime.fromisoformat("2026-01-30T09:15:00")


def transfer(end_to_end_id: str = "L2001-S-7788", amount: str = "10000.00", **fields: Any) -> CreditTransfer:
    values: dict[str, Any] = {
        "currency": "NOK", "creditor_name": "Leverandør Testdata AS", "creditor_account": "12065432100",
        "debtor_account": OUR_ACCOUNT, "requested_date": ON,
    }
    values.update(fields)
    return CreditTransfer(end_to_end_id=end_to_end_id, amount=Decimal(amount), **values)


def order(*transfers: CreditTransfer, message_id: str = "PAIN-20260130-1") -> PaymentOrder:
    return PaymentOrder(message_id=message_id, created=CREATED, initiating_party_name="Fjordlys Testdata AS",
                        initiating_org_number="923456783", debtor_name="Fjordlys Testdata AS", transfers=transfers)


def supplier_batch() -> PaymentOrder:
    """The shared scenario's supplier payment batch (shared/fixtures/SOURCES.md)."""
    return order(
        transfer("L2001-S-7788", "10000.00", kid="20250001235", creditor_country="NO", debtor_bic="DNBANOKK"),
        transfer("L2002-4455", "1250.00", creditor_name="Smaa Leveranser AS", creditor_account="30001234567",
                 text="Faktura 4455", creditor_country="NO", debtor_bic="DNBANOKK"),
    )


class Doc:
    """A rendered document, read back with lxml, queried by local-name paths."""

    def __init__(self, data: bytes) -> None:
        self.root = etree.fromstring(data)
        self.ns = {"p": etree.QName(self.root).namespace}

    def _path(self, path: str) -> str:
        return "/".join(f"p:{step}" for step in path.split("/"))

    def all(self, path: str, at: etree._Element | None = None) -> list[etree._Element]:
        return list((self.root if at is None else at).iterfind(self._path(path), self.ns))

    def text(self, path: str, at: etree._Element | None = None) -> str | None:
        found = (self.root if at is None else at).find(self._path(path), self.ns)
        return None if found is None else found.text

    @property
    def groups(self) -> list[etree._Element]:
        return self.all("CstmrCdtTrfInitn/PmtInf")


def problems_of(exc: pytest.ExceptionInfo[BankFileInvalid]) -> set[tuple[int | None, str | None, str]]:
    return {(p.row, p.column, p.code) for p in exc.value.problems}


# --- the shared handmade samples ---------------------------------------------------------------------------------

#: The values a bank acts on, by path: they must be where the samples have them and say the same.
ESSENTIAL = [
    "CstmrCdtTrfInitn/GrpHdr/MsgId", "CstmrCdtTrfInitn/GrpHdr/CreDtTm", "CstmrCdtTrfInitn/GrpHdr/NbOfTxs",
    "CstmrCdtTrfInitn/GrpHdr/CtrlSum", "CstmrCdtTrfInitn/GrpHdr/InitgPty/Nm",
    "CstmrCdtTrfInitn/GrpHdr/InitgPty/Id/OrgId/Othr/Id", "CstmrCdtTrfInitn/GrpHdr/InitgPty/Id/OrgId/Othr/SchmeNm/Cd",
]
ESSENTIAL_GROUP = [
    "PmtMtd", "BtchBookg", "NbOfTxs", "CtrlSum", "PmtTpInf/SvcLvl/Cd", "PmtTpInf/CtgyPurp/Cd", "Dbtr/Nm",
    "Dbtr/Id/OrgId/Othr/Id", "Dbtr/Id/OrgId/Othr/SchmeNm/Cd", "DbtrAcct/Id/Othr/Id", "DbtrAcct/Id/Othr/SchmeNm/Cd",
    "ChrgBr",
]
ESSENTIAL_TX = [
    "PmtId/InstrId", "PmtId/EndToEndId", "Amt/InstdAmt", "Cdtr/Nm", "Cdtr/PstlAdr/Ctry", "CdtrAcct/Id/Othr/Id",
    "CdtrAcct/Id/Othr/SchmeNm/Cd", "RmtInf/Strd/CdtrRefInf/Tp/CdOrPrtry/Cd", "RmtInf/Strd/CdtrRefInf/Ref",
    "RmtInf/Ustrd",
]


@pytest.mark.parametrize(("version", "sample", "date_path", "bic_path"), [
    ("03", "pain.001.001.03-no-kid.handmade.xml", "ReqdExctnDt", "DbtrAgt/FinInstnId/BIC"),
    ("09", "pain.001.001.09-no-kid.handmade.xml", "ReqdExctnDt/Dt", "DbtrAgt/FinInstnId/BICFI"),
])
def test_the_supplier_batch_says_what_the_shared_sample_says(version: str, sample: str, date_path: str,
                                                            bic_path: str) -> None:
    path = FIXTURES / sample
    if not path.is_file():
        pytest.skip(f"the shared samples are not here ({path}); they come with the project's shared/ folder")
    expected = Doc(path.read_bytes())
    ours = Doc(render(supplier_batch(), version))

    assert etree.QName(ours.root).namespace == etree.QName(expected.root).namespace
    for p in ESSENTIAL:
        assert ours.text(p) == expected.text(p), p
    assert len(ours.groups) == len(expected.groups) == 1
    for p in [*ESSENTIAL_GROUP, date_path, bic_path]:
        assert ours.text(p, ours.groups[0]) == expected.text(p, expected.groups[0]), p
    ours_tx = ours.all("CdtTrfTxInf", ours.groups[0])
    expected_tx = expected.all("CdtTrfTxInf", expected.groups[0])
    assert len(ours_tx) == len(expected_tx) == 2
    for mine, theirs in zip(ours_tx, expected_tx, strict=True):
        for p in ESSENTIAL_TX:
            assert ours.text(p, mine) == expected.text(p, theirs), p
        assert ours.all("Amt/InstdAmt", mine)[0].get("Ccy") == expected.all("Amt/InstdAmt", theirs)[0].get("Ccy")


@pytest.mark.parametrize("version", ["03", "09"])
def test_every_version_is_valid_against_its_official_schema(version: str) -> None:
    data = render(supplier_batch(), version)
    root = xml.load(data, "ours")
    assert xml.schema_problems(root, pain001.VERSIONS[version], "ours") == []
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert etree.QName(root).namespace == f"urn:iso:std:iso:20022:tech:xsd:{pain001.VERSIONS[version]}"


def test_the_version_is_03_or_09() -> None:
    with pytest.raises(ValueError, match="version"):
        render(supplier_batch(), "10")


def test_the_kid_goes_as_a_structured_scor_reference_and_text_as_unstructured() -> None:
    doc = Doc(render(supplier_batch()))
    with_kid, with_text = doc.all("CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf")
    assert doc.text("RmtInf/Strd/CdtrRefInf/Tp/CdOrPrtry/Cd", with_kid) == "SCOR"
    assert doc.text("RmtInf/Strd/CdtrRefInf/Ref", with_kid) == "20250001235"
    assert doc.text("RmtInf/Ustrd", with_kid) is None
    assert doc.text("RmtInf/Ustrd", with_text) == "Faktura 4455"
    assert doc.all("RmtInf/Strd", with_text) == []


def test_a_kid_payment_carries_no_free_text() -> None:
    doc = Doc(render(order(transfer(kid="20250001235", text="Faktura S-7788"))))
    assert doc.text("CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf/RmtInf/Ustrd") is None


def test_a_kid_is_written_compact() -> None:
    doc = Doc(render(order(transfer(kid=" 2025 0001 235 "))))
    assert doc.text("CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf/RmtInf/Strd/CdtrRefInf/Ref") == "20250001235"


# --- grouping -----------------------------------------------------------------------------------------------------


def test_one_payment_group_per_debtor_account_and_date_with_its_own_count_and_sum() -> None:
    later = date(2026, 2, 2)
    doc = Doc(render(order(
        transfer("T1", "100.00", debtor_account=OTHER_ACCOUNT, requested_date=later),
        transfer("T2", "200.00"),
        transfer("T3", "300.50", debtor_account=OTHER_ACCOUNT),
        transfer("T4", "400.25", requested_date=later),
        transfer("T5", "0.01"),
        transfer("T6", "1000", debtor_account=OTHER_ACCOUNT, requested_date=later),
    )))

    summary = [
        (doc.text("ReqdExctnDt/Dt", g), doc.text("DbtrAcct/Id/Othr/Id", g), doc.text("NbOfTxs", g),
         doc.text("CtrlSum", g), [doc.text("PmtId/EndToEndId", t) for t in doc.all("CdtTrfTxInf", g)],
         doc.text("PmtInfId", g))
        for g in doc.groups
    ]
    assert summary == [  # by date, then account; transfers in the order given
        ("2026-01-30", OUR_ACCOUNT, "2", "200.01", ["T2", "T5"], "PAIN-20260130-1-1"),
        ("2026-01-30", OTHER_ACCOUNT, "1", "300.50", ["T3"], "PAIN-20260130-1-2"),
        ("2026-02-02", OUR_ACCOUNT, "1", "400.25", ["T4"], "PAIN-20260130-1-3"),
        ("2026-02-02", OTHER_ACCOUNT, "2", "1100.00", ["T1", "T6"], "PAIN-20260130-1-4"),
    ]
    assert doc.text("CstmrCdtTrfInitn/GrpHdr/NbOfTxs") == "6"
    assert doc.text("CstmrCdtTrfInitn/GrpHdr/CtrlSum") == "2000.76"
    # InstrId keeps the transfer's place in the order, whatever group it lands in.
    assert doc.text("CdtTrfTxInf/PmtId/InstrId", doc.groups[3]) == "PAIN-20260130-1-0001"


def test_a_norwegian_iban_of_ours_is_written_as_its_bban_in_the_same_group() -> None:
    doc = Doc(render(order(transfer("T1"), transfer("T2", debtor_account="NO72 1503 1234 562"))))
    assert len(doc.groups) == 1
    assert doc.text("DbtrAcct/Id/Othr/Id", doc.groups[0]) == OUR_ACCOUNT


def test_without_a_debtor_bic_the_agent_is_not_provided() -> None:
    for version, bic in (("03", "BIC"), ("09", "BICFI")):
        doc = Doc(render(order(transfer()), version))
        assert doc.text("DbtrAgt/FinInstnId/Othr/Id", doc.groups[0]) == "NOTPROVIDED"
        assert doc.text(f"DbtrAgt/FinInstnId/{bic}", doc.groups[0]) is None


def test_two_bics_for_one_debtor_account_are_refused() -> None:
    with pytest.raises(BankFileInvalid) as exc:
        render(order(transfer("T1", debtor_bic="DNBANOKK"), transfer("T2", debtor_bic="NDEANOKK")))
    assert problems_of(exc) == {(2, "debtor_bic", "conflicting_bic")}


# --- foreign and EUR transfers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("version", "bic_tag"), [("03", "BIC"), ("09", "BICFI")])
def test_a_foreign_iban_is_paid_with_the_bic_of_its_bank(version: str, bic_tag: str) -> None:
    doc = Doc(render(order(transfer(creditor_account="GB82 WEST 1234 5698 7654 32", creditor_bic="NWBKGB2L",
                                    creditor_country="gb", creditor_name="Westminster Supplies Ltd")), version))
    tx = doc.all("CdtTrfTxInf", doc.groups[0])[0]
    assert doc.text("CdtrAcct/Id/IBAN", tx) == "GB82WEST12345698765432"
    assert doc.text(f"CdtrAgt/FinInstnId/{bic_tag}", tx) == "NWBKGB2L"
    assert doc.text("Cdtr/PstlAdr/Ctry", tx) == "GB"
    assert doc.text("PmtTpInf/SvcLvl/Cd", doc.groups[0]) == "NURG"  # NOK abroad is not SEPA


def test_eur_to_a_sepa_iban_is_sepa_and_eur_to_a_bban_is_not() -> None:
    doc = Doc(render(order(
        transfer("T1", "99.95", currency="EUR", creditor_account="DE89370400440532013000", creditor_bic="COBADEFFXXX"),
        transfer("T2", "10.00", currency="EUR"),
        transfer("T3", "10.00"),
    )))
    levels = [(doc.text("PmtTpInf/SvcLvl/Cd", g), doc.all("CdtTrfTxInf/Amt/InstdAmt", g)[0].get("Ccy"),
               doc.text("CtrlSum", g)) for g in doc.groups]
    assert levels == [("NURG", "EUR", "10.00"), ("SEPA", "EUR", "99.95"), ("NURG", "NOK", "10.00")]
    assert doc.text("CstmrCdtTrfInitn/GrpHdr/CtrlSum") == "119.95"
    assert [doc.text("ChrgBr", g) for g in doc.groups] == ["SLEV"] * 3


def test_amounts_have_the_decimals_of_their_currency() -> None:
    doc = Doc(render(order(
        transfer("T1", "1500", currency="JPY", creditor_account="DE89370400440532013000", creditor_bic="COBADEFF"),
        transfer("T2", "12.5"),
    )))
    amounts = {doc.text("PmtId/EndToEndId", t): doc.text("Amt/InstdAmt", t)
               for t in doc.all("CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf")}
    assert amounts == {"T1": "1500", "T2": "12.50"}
    assert doc.text("CstmrCdtTrfInitn/GrpHdr/CtrlSum") == "1512.50"


# --- refusals -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("fields", "column", "code"), [
    ({"kid": "20250001234"}, "kid", "invalid_kid"),
    ({"kid": "1"}, "kid", "invalid_kid"),
    ({"creditor_account": "12065432101"}, "creditor_account", "invalid_account"),
    ({"debtor_account": "1503123456"}, "debtor_account", "invalid_account"),
    ({"creditor_account": "DE89370400440532013000"}, "creditor_bic", "bic_required"),
    ({"creditor_account": "DE89370400440532013000", "creditor_bic": "NOTABIC"}, "creditor_bic", "invalid_bic"),
    ({"amount": Decimal("10.001")}, "amount", "too_many_decimals"),
    ({"amount": Decimal("10.5"), "currency": "JPY", "creditor_account": "DE89370400440532013000",
      "creditor_bic": "COBADEFF"}, "amount", "too_many_decimals"),
    ({"amount": Decimal("0")}, "amount", "not_positive"),
    ({"amount": Decimal("-5.00")}, "amount", "not_positive"),
    ({"currency": "kroner"}, "currency", "bad_currency"),
    ({"end_to_end_id": "E" * 36}, "end_to_end_id", "too_long"),
    ({"end_to_end_id": ""}, "end_to_end_id", "empty"),
    ({"end_to_end_id": "E2E\x00"}, "end_to_end_id", "bad_characters"),
    ({"creditor_name": " \t "}, "creditor_name", "empty"),
    ({"creditor_country": "Norway"}, "creditor_country", "bad_country"),
])
def test_a_bad_transfer_is_refused_naming_its_row_and_field(fields: dict[str, Any], column: str, code: str) -> None:
    good = transfer("T1")
    bad = dataclasses.replace(transfer("T2", creditor_name="Smaa Leveranser AS", creditor_account="30001234567"),
                              **fields)
    with pytest.raises(BankFileInvalid) as exc:
        render(order(good, bad))
    assert problems_of(exc) == {(2, column, code)}
    assert "transfer 2" in str(exc.value)


def test_a_duplicate_end_to_end_id_is_refused_naming_both_transfers() -> None:
    with pytest.raises(BankFileInvalid) as exc:
        render(order(transfer("SAME"), transfer("OTHER"), transfer("SAME")))
    assert problems_of(exc) == {(3, "end_to_end_id", "duplicate")}
    assert "transfer 1" in exc.value.problems[0].message


def test_every_fault_is_reported_at_once() -> None:
    with pytest.raises(BankFileInvalid) as exc:
        render(order(transfer("T1", kid="123"), transfer("T2", amount="1.001", creditor_account="1"),
                     message_id="M" * 40))
    assert problems_of(exc) == {
        (None, "message_id", "too_long"), (1, "kid", "invalid_kid"), (2, "amount", "too_many_decimals"),
        (2, "creditor_account", "invalid_account"),
    }


def test_an_order_without_transfers_is_refused() -> None:
    with pytest.raises(BankFileInvalid) as exc:
        render(order())
    assert problems_of(exc) == {(None, "transfers", "no_transfers")}


def test_a_bad_organisation_number_is_refused() -> None:
    with pytest.raises(BankFileInvalid) as exc:
        render(dataclasses.replace(order(transfer()), initiating_org_number="923456784"))
    assert problems_of(exc) == {(None, "initiating_org_number", "invalid_orgnr")}


def test_a_bic_the_2009_schema_does_not_take_is_refused_for_03_only() -> None:
    # A location code starting with 1 is valid for stdnum and the 2019 schema, not for pain.001.001.03.
    tr = transfer(creditor_account="DE89370400440532013000", creditor_bic="COBADE1F")
    assert render(order(tr), "09")
    with pytest.raises(BankFileInvalid) as exc:
        render(order(tr), "03")
    assert problems_of(exc) == {(1, "creditor_bic", "invalid_bic")}


def test_a_long_message_id_still_gives_identifiers_within_35_characters() -> None:
    doc = Doc(render(order(transfer("T1"), transfer("T2", requested_date=date(2026, 2, 2)), message_id="M" * 35)))
    ids = [el.text for el in doc.all("CstmrCdtTrfInitn/PmtInf/PmtInfId")]
    ids += [el.text for el in doc.all("CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf/PmtId/InstrId")]
    assert all(len(i) <= 35 for i in ids)
    assert len(set(ids)) == 4


# --- text ---------------------------------------------------------------------------------------------------------


def test_markup_characters_in_a_name_are_escaped_and_read_back_the_same() -> None:
    name = 'Bygg <&> "Rør" AS'
    data = render(order(transfer(creditor_name=name, text="Faktura <1> & 2")))
    assert b"Bygg &lt;&amp;&gt;" in data
    doc = Doc(data)
    assert doc.text("CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf/Cdtr/Nm") == name
    assert doc.text("CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf/RmtInf/Ustrd") == "Faktura <1> & 2"


def test_names_keep_norwegian_letters_lose_control_characters_and_are_cut_to_70() -> None:
    doc = Doc(render(order(transfer(creditor_name="Blåbær\x07 og\tØl\u200b AS " + "x" * 100,
                                    text="Linje 1\nLinje 2 " + "y" * 200))))
    tx = doc.all("CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf")[0]
    name = doc.text("Cdtr/Nm", tx)
    assert name is not None
    assert name.startswith("Blåbær og Øl AS xxx")
    assert len(name) == 70
    text = doc.text("RmtInf/Ustrd", tx)
    assert text is not None
    assert text.startswith("Linje 1 Linje 2 yyy")
    assert len(text) == 140


@pytest.mark.parametrize(("raw", "clean"), [
    ("Müller & Söhne GmbH", "Müller & Söhne GmbH"),
    ("Çelik Dış Ticaret", "Celik Dis Ticaret"),
    ("Łódź – “Sp. z o.o.”", 'Lodz - "Sp. z o.o."'),
    ("Straße", "Strasse"),
    ("Blåbær\u0301", "Blåbær"),  # a stray combining mark goes
    ("A\u030a", "Å"),  # decomposed å is put together
    ("東京 Trading", "?? Trading"),
    ("\x00\x1f", ""),
])
def test_text_is_cleaned_to_what_banks_take(raw: str, clean: str) -> None:
    assert clean_text(raw, 70) == clean


# --- speed and properties -----------------------------------------------------------------------------------------

_KIDS = st.integers(min_value=1, max_value=10**12).map(lambda n: kid.create(str(n)))
_NAMES = st.text(min_size=1, max_size=90).filter(lambda s: clean_text(s, 70) != "")
_ACCOUNTS = st.sampled_from(["12065432100", "30001234567", "97100500004", "15031234562"])


@st.composite
def _transfers(draw: st.DrawFn) -> list[CreditTransfer]:
    count = draw(st.integers(min_value=1, max_value=12))
    out = []
    for n in range(count):
        currency = draw(st.sampled_from(["NOK", "EUR", "JPY", "KWD"]))
        decimals = {"JPY": 0, "KWD": 3}.get(currency, 2)
        minor = draw(st.integers(min_value=1, max_value=10**13))
        amount = Decimal(minor).scaleb(-decimals)
        foreign = currency != "NOK" and draw(st.booleans())
        out.append(CreditTransfer(
            end_to_end_id=f"E{n}", amount=amount, currency=currency, creditor_name=draw(_NAMES),
            creditor_account="DE89370400440532013000" if foreign else draw(_ACCOUNTS),
            creditor_bic="COBADEFFXXX" if foreign else None,
            debtor_account=draw(st.sampled_from([OUR_ACCOUNT, OTHER_ACCOUNT])),
            requested_date=draw(st.sampled_from([ON, date(2026, 2, 2)])),
            kid=draw(st.none() | _KIDS), text=draw(st.none() | st.text(max_size=200))))
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(transfers=_transfers(), version=st.sampled_from(["03", "09"]))
def test_any_valid_order_renders_a_schema_valid_document_whose_control_sum_is_the_sum(
        transfers: list[CreditTransfer], version: str) -> None:
    data = render(order(*transfers), version)
    root = xml.load(data, "ours")
    assert xml.schema_problems(root, pain001.VERSIONS[version], "ours") == []
    doc = Doc(data)
    total = sum((t.amount for t in transfers), Decimal(0))
    assert Decimal(doc.text("CstmrCdtTrfInitn/GrpHdr/CtrlSum") or "") == total
    assert doc.text("CstmrCdtTrfInitn/GrpHdr/NbOfTxs") == str(len(transfers))
    for group in doc.groups:
        amounts = [Decimal(el.text) for el in doc.all("CdtTrfTxInf/Amt/InstdAmt", group)]
        assert Decimal(doc.text("CtrlSum", group) or "") == sum(amounts, Decimal(0))
        assert doc.text("NbOfTxs", group) == str(len(amounts))
