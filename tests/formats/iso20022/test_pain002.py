"""pain.002 status report rules: every status of the bank's answer, or the whole report refused with where."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources

import pytest

from reskontro.formats.iso20022.pain002 import parse
from reskontro.formats.payments import BankFileInvalid, TransferStatus
from tests.builders_pain import pain002
from tests.conftest import SHARED

MSG = "PAIN-20260130-1"
GROUP = f"{MSG}-1"


def codes(exc: pytest.ExceptionInfo[BankFileInvalid]) -> list[str]:
    return [p.code for p in exc.value.problems]


def test_an_accepted_batch_gives_the_message_and_each_transfer_accepted() -> None:
    report = parse(pain002([{"end_to_end_id": "L2001-S-7788", "status": "ACCP"},
                            {"end_to_end_id": "L2002-4455", "status": "ACCP"}], group_status="ACCP"), "sts.xml")

    assert report.format == "pain.002.001.03"
    assert report.key == "pain.002:STS-20260130-1"
    assert report.created == datetime.fromisoformat("2026-01-30T10:00:00")
    assert report.statuses == (
        TransferStatus("/Document/CstmrPmtStsRpt/OrgnlGrpInfAndSts", MSG, None, None, "ACCP"),
        TransferStatus("/Document/CstmrPmtStsRpt/OrgnlPmtInfAndSts/TxInfAndSts[1]", MSG, GROUP, "L2001-S-7788",
                       "ACCP"),
        TransferStatus("/Document/CstmrPmtStsRpt/OrgnlPmtInfAndSts/TxInfAndSts[2]", MSG, GROUP, "L2002-4455",
                       "ACCP"),
    )


def test_a_rejected_transfer_carries_its_reason_code_and_text() -> None:
    report = parse(pain002([
        {"end_to_end_id": "L2001-S-7788", "status": "ACCP"},
        {"end_to_end_id": "L2002-4455", "status": "RJCT", "reason_code": "AC04",
         "reason_text": ["Kontoen er avsluttet.", "Kontakt mottaker."]},
    ], group_status="PART"), "sts.xml")

    rejected = [s for s in report.statuses if s.status == "RJCT"]
    assert len(rejected) == 1
    assert rejected[0].end_to_end_id == "L2002-4455"
    assert rejected[0].original_payment_info_id == GROUP
    assert rejected[0].reason_code == "AC04"
    assert rejected[0].reason_text == "Kontoen er avsluttet. Kontakt mottaker."
    assert report.statuses[0].status == "PART"
    assert report.statuses[0].end_to_end_id is None


def test_a_proprietary_reason_is_the_reason_code_when_there_is_no_iso_code() -> None:
    report = parse(pain002([{"end_to_end_id": "E1", "status": "RJCT", "reason_proprietary": "KID-FEIL"}]), "s")
    assert report.statuses[0].reason_code == "KID-FEIL"
    assert report.statuses[0].reason_text is None


def test_a_rejected_message_is_one_status_with_no_group_and_no_transfer() -> None:
    report = parse(pain002([], group_status="RJCT", group_reason_code="FF01",
                           group_reason_text="Filen kan ikke leses"), "sts.xml")
    assert report.statuses == (
        TransferStatus("/Document/CstmrPmtStsRpt/OrgnlGrpInfAndSts", MSG, None, None, "RJCT", "FF01",
                       "Filen kan ikke leses"),
    )


def test_a_payment_group_status_is_reported_with_its_group_and_passed_to_transfers_without_one() -> None:
    report = parse(pain002([
        {"payment_info_id": "B2", "status": "RJCT", "reason_code": "AM04"},
        {"payment_info_id": "B2", "end_to_end_id": "E1"},
        {"payment_info_id": "B2", "end_to_end_id": "E2", "status": "RJCT", "reason_code": "AC01"},
    ]), "sts.xml")
    assert [(s.original_payment_info_id, s.end_to_end_id, s.status, s.reason_code) for s in report.statuses] == [
        ("B2", None, "RJCT", "AM04"),
        ("B2", "E1", "RJCT", None),
        ("B2", "E2", "RJCT", "AC01"),
    ]
    assert report.statuses[0].location == "/Document/CstmrPmtStsRpt/OrgnlPmtInfAndSts"


def test_a_transfer_without_a_status_under_a_partly_accepted_group_is_refused() -> None:
    with pytest.raises(BankFileInvalid) as exc:
        parse(pain002([{"end_to_end_id": "E1"}], group_status="PART"), "sts.xml")
    assert codes(exc) == ["no_status"]
    assert exc.value.problems[0].column == "/Document/CstmrPmtStsRpt/OrgnlPmtInfAndSts/TxInfAndSts"
    assert exc.value.problems[0].row is not None


def test_statuses_in_several_payment_groups_keep_their_group() -> None:
    report = parse(pain002([
        {"payment_info_id": "B1", "end_to_end_id": "E1", "status": "ACSC"},
        {"payment_info_id": "B2", "end_to_end_id": "E2", "status": "PDNG"},
    ]), "sts.xml")
    assert [(s.location, s.original_payment_info_id, s.status) for s in report.statuses] == [
        ("/Document/CstmrPmtStsRpt/OrgnlPmtInfAndSts[1]/TxInfAndSts", "B1", "ACSC"),
        ("/Document/CstmrPmtStsRpt/OrgnlPmtInfAndSts[2]/TxInfAndSts", "B2", "PDNG"),
    ]


def test_the_creation_time_keeps_its_time_zone() -> None:
    utc = parse(pain002([], group_status="ACTC", created="2026-01-30T10:00:00Z"), "s").created
    oslo = parse(pain002([], group_status="ACTC", created="2026-01-30T11:00:00.1234567+01:00"), "s").created
    assert utc == datetime(2026, 1, 30, 10, tzinfo=UTC)
    assert oslo.utcoffset() == timedelta(hours=1)
    assert oslo.replace(microsecond=0) == utc


# --- refusals -------------------------------------------------------------------------------------------------------


def test_a_document_type_declaration_is_refused() -> None:
    data = pain002([{"end_to_end_id": "E1", "status": "ACCP"}]).replace(
        b"?>\n", b'?>\n<!DOCTYPE Document [<!ENTITY x "boom">]>\n', 1)
    with pytest.raises(BankFileInvalid) as exc:
        parse(data, "evil.xml")
    assert codes(exc) == ["xml_doctype"]
    assert exc.value.problems[0].row == 2
    assert exc.value.source == "evil.xml"


def test_text_that_is_not_xml_is_refused() -> None:
    with pytest.raises(BankFileInvalid) as exc:
        parse(b"<Document><unclosed></Document>", "broken.xml")
    assert codes(exc) == ["xml_syntax"]


def test_a_schema_invalid_report_is_refused_with_the_line_and_path_of_each_fault() -> None:
    data = pain002([{"end_to_end_id": "E1", "status": "ACCP"}, {"end_to_end_id": "E2", "status": "RJCT"}])
    data = data.replace(b"<TxSts>RJCT</TxSts>", b"<TxSts>NOPE</TxSts>")
    with pytest.raises(BankFileInvalid) as exc:
        parse(data, "sts.xml")
    assert codes(exc) == ["xml_schema"]
    problem = exc.value.problems[0]
    assert problem.column == "/Document/CstmrPmtStsRpt/OrgnlPmtInfAndSts/TxInfAndSts[2]/TxSts"
    line = data[: data.index(b"NOPE")].count(b"\n") + 1
    assert problem.row == line
    assert "NOPE" in problem.message


def test_a_report_missing_its_original_message_is_refused() -> None:
    data = pain002([], group_status="ACCP").replace(b"<OrgnlMsgId>PAIN-20260130-1</OrgnlMsgId>", b"")
    with pytest.raises(BankFileInvalid) as exc:
        parse(data, "sts.xml")
    assert codes(exc) == ["xml_schema"]
    assert exc.value.problems[0].column == "/Document/CstmrPmtStsRpt/OrgnlGrpInfAndSts/OrgnlMsgNmId"


def test_a_payment_file_is_not_a_status_report() -> None:
    sample = SHARED / "fixtures" / "iso20022" / "pain.001.001.03-no-kid.handmade.xml"
    data = sample.read_bytes() if sample.is_file() else (
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/></Document>')
    with pytest.raises(BankFileInvalid) as exc:
        parse(data, "pain001.xml")
    assert codes(exc) == ["not_pain002"]


def test_a_version_we_do_not_read_is_refused_by_name() -> None:
    data = pain002([], group_status="ACCP").replace(b"pain.002.001.03", b"pain.002.001.02")
    with pytest.raises(BankFileInvalid) as exc:
        parse(data, "old.xml")
    assert codes(exc) == ["unsupported_version"]
    assert "pain.002.001.02" in str(exc.value)


def test_version_10_is_read_once_its_official_schema_is_shipped() -> None:
    data = pain002([{"end_to_end_id": "E1", "status": "RJCT", "reason_code": "AC04"}], version="10",
                   original_message_name="pain.001.001.09", group_status="PART")
    schema = resources.files("reskontro.formats.iso20022") / "schemas" / "pain.002.001.10.xsd"
    if not schema.is_file():
        with pytest.raises(BankFileInvalid) as exc:
            parse(data, "sts10.xml")
        assert codes(exc) == ["unsupported_version"]
        assert "schema" in str(exc.value)
        return
    report = parse(data, "sts10.xml")
    assert report.format == "pain.002.001.10"
    assert [(s.end_to_end_id, s.status, s.reason_code) for s in report.statuses] == [
        (None, "PART", None), ("E1", "RJCT", "AC04")]


def test_a_transaction_status_that_names_no_transfer_is_refused() -> None:
    data = pain002([{"end_to_end_id": "E1", "status": "ACCP"}]).replace(b"<OrgnlEndToEndId>E1</OrgnlEndToEndId>", b"")
    with pytest.raises(BankFileInvalid) as exc:
        parse(data, "sts.xml")
    assert codes(exc) == ["no_end_to_end_id"]


def test_a_large_report_is_read_quickly() -> None:
    statuses = [{"end_to_end_id": f"E{n}", "status": "ACSC"} for n in range(20_000)]
    report = parse(pain002(statuses, group_status="ACSC"), "big.xml")
    assert len(report.statuses) == 20_001
    assert report.statuses[-1].location == "/Document/CstmrPmtStsRpt/OrgnlPmtInfAndSts/TxInfAndSts[20000]"
