"""The collection case file (out) and the agency's status file (in)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

from reskontro.formats.collection import (
    CSV_COLUMNS,
    CaseBatch,
    ClaimDocument,
    ClaimItemType,
    CollectionCase,
    CollectionFileInvalid,
    CollectionStatus,
    Creditor,
    Debtor,
    DebtorType,
    ReminderEvent,
    ReminderLevelType,
    case_batch_schema,
    read_status_file,
    write_case_batch_csv,
    write_case_batch_json,
)

# --- small builders -----------------------------------------------------------------------------------


def creditor() -> Creditor:
    return Creditor(name="Fjordvarer AS", org_number="923609016", bank_account="15031234562",
                    address=("Strandgata 1",), postal_code="5013", city="Bergen", contact_email="regnskap@fjord.no")


def debtor(**changes: object) -> Debtor:
    values: dict[str, object] = dict(
        party_number="10042", name="Kari Nordmann", debtor_type=DebtorType.CONSUMER, org_number=None,
        address=("Storgata 5", "H0201"), postal_code="0155", city="Oslo", email="kari@example.no",
        phone="+47 912 34 567", contact_name=None, language="nb")
    values.update(changes)
    return Debtor(**values)  # type: ignore[arg-type]


def document(number: str = "2026-101", item_type: ClaimItemType = ClaimItemType.INVOICE,
             original: str = "1234.50", open_: str | None = None, **changes: object) -> ClaimDocument:
    values: dict[str, object] = dict(
        document_number=number, item_type=item_type, item_date=date(2026, 1, 5), due_date=date(2026, 1, 19),
        currency="NOK", original=Decimal(original), open=Decimal(open_ or original), kid="0000201019")
    values.update(changes)
    return ClaimDocument(**values)  # type: ignore[arg-type]


def reminders() -> tuple[ReminderEvent, ...]:
    return (
        ReminderEvent(sent_on=date(2026, 2, 3), level_no=1, level_type=ReminderLevelType.REMINDER,
                      deadline=date(2026, 2, 17), fee=Decimal("35.00"), interest=Decimal("6.08"),
                      channel="email", reference="R-1"),  # type: ignore[arg-type]  # a plain code is taken
        ReminderEvent(sent_on=date(2026, 2, 18), level_no=2, level_type=ReminderLevelType.WARNING,
                      deadline=date(2026, 3, 4), fee=Decimal("35.00"), interest=Decimal("12.17"),
                      channel="letter", reference="R-2"),  # type: ignore[arg-type]
    )


def case(ref: str = "C-1", **changes: object) -> CollectionCase:
    values: dict[str, object] = dict(
        case_ref=ref, currency="NOK", debtor=debtor(),
        documents=(document(), document("2026-102", original="500", open_="250"),
                   document("P-1", ClaimItemType.REMINDER_FEE, "35", item_date=date(2026, 2, 3),
                            due_date=date(2026, 2, 17), kid=None),
                   document("P-2", ClaimItemType.REMINDER_FEE, "35", item_date=date(2026, 2, 18),
                            due_date=date(2026, 3, 4), kid=None),
                   document("R-1", ClaimItemType.INTEREST, "12.17", item_date=date(2026, 2, 18),
                            due_date=date(2026, 3, 4), kid=None)),
        principal=Decimal("1484.50"), fees=Decimal("70.00"), interest=Decimal("12.17"),
        compensation=Decimal(0), interest_from=date(2026, 2, 19),
        interest_rate_note="forsinkelsesrente, forsinkelsesrenteloven § 3 (12.00 % p.a.)",
        warning_sent_on=date(2026, 2, 18), warning_deadline=date(2026, 3, 4), ready_on=date(2026, 3, 5),
        reminders=reminders())
    values.update(changes)
    return CollectionCase(**values)  # type: ignore[arg-type]


def business_case() -> CollectionCase:
    return case("C-2", debtor=debtor(party_number="20001", name="=HYPERLINK(\"http://x\")", debtor_type="business",
                                     org_number="987654325", contact_name="@Per", phone="-12", email=None),
                documents=(document("2026-201", original="10000", kid=None),),
                principal=Decimal("10000"), fees=Decimal(0), interest=Decimal(0), compensation=Decimal("460"),
                reminders=())


def batch(*cases: CollectionCase) -> CaseBatch:
    return CaseBatch(batch_ref="B-2026-03-05.1", created_at=datetime(2026, 3, 5, 8, 15, tzinfo=UTC),
                     creditor=creditor(), cases=cases or (case(), business_case()))


# --- the case file: records ---------------------------------------------------------------------------


def test_case_sums_its_open_documents_by_type() -> None:
    c = case()
    assert (c.principal, c.fees, c.interest, c.total) == (Decimal("1484.50"), Decimal(70), Decimal("12.17"),
                                                          Decimal("1566.67"))


@pytest.mark.parametrize(("field", "value"), [("principal", "1484.49"), ("fees", "35"), ("interest", "0")])
def test_case_amounts_that_do_not_add_up_are_refused(field: str, value: str) -> None:
    with pytest.raises(ValueError, match=f"case 'C-1': {field} .* is not the sum of the open"):
        case(**{field: Decimal(value)})


@pytest.mark.parametrize(("changes", "message"), [
    ({"principal": 1484.5}, "is a float"),
    ({"compensation": Decimal(-1)}, "compensation -1 is negative"),
    ({"compensation": Decimal("0.001")}, "more decimals than NOK allows"),
    ({"compensation": Decimal(460)}, "cannot be claimed from a consumer"),
    ({"currency": "nok"}, "three-letter ISO 4217 code"),
    ({"documents": ()}, "a case has at least one invoice"),
    ({"warning_deadline": date(2026, 3, 3)}, "less than 14 days after the warning was sent"),
    ({"ready_on": date(2026, 3, 4)}, "not after the warning deadline"),
    ({"warning_sent_on": date(2026, 2, 17), "warning_deadline": date(2026, 3, 4)}, "not those of the last warning"),
    ({"reminders": tuple(reversed(reminders()))}, "not in date order"),
])
def test_an_inconsistent_case_is_refused_naming_the_field(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        case(**changes)


def test_a_document_in_another_currency_or_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="'2026-101' is in SEK, not NOK"):
        case(documents=(document(currency="SEK"),), principal=Decimal("1234.50"), fees=0, interest=0)
    with pytest.raises(ValueError, match="'2026-101' is given twice"):
        case(documents=(document(), document()), principal=Decimal(2469), fees=0, interest=0)


def test_an_invoice_not_yet_overdue_cannot_be_handed_over() -> None:
    with pytest.raises(ValueError, match="invoice '2026-101' is not overdue on 2026-03-05"):
        case(documents=(document(due_date=date(2026, 3, 5)),), principal=Decimal("1234.50"), fees=0, interest=0)


@pytest.mark.parametrize(("changes", "message"), [
    ({"open": Decimal(0)}, "must be above 0"),
    ({"open": Decimal("1234.51")}, "at most the original"),
    ({"item_type": "credit_note"}, "item_type 'credit_note' is not one of invoice, reminder_fee, interest"),
    ({"due_date": date(2026, 1, 4)}, "before the item date"),
    ({"kid": "12a4"}, "is not a KID"),
])
def test_a_bad_document_is_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        document(**changes)


def test_a_consumer_has_no_organisation_number() -> None:
    with pytest.raises(ValueError, match="org_number is given for a consumer"):
        debtor(org_number="987654325")


@pytest.mark.parametrize(("changes", "message"), [
    ({"country": None}, "country None is not a two-letter"),
    ({"language": "norsk"}, "language 'norsk' is not"),
    ({"debtor_type": "person"}, "debtor_type 'person' is not one of business, consumer"),
    ({"name": "  "}, "name is required"),
    ({"email": "kari"}, "email 'kari' is not an e-mail address"),
])
def test_a_bad_debtor_is_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        debtor(**changes)


def test_a_debtor_has_at_most_three_address_lines() -> None:
    with pytest.raises(ValueError, match="address must have 1 to 3 lines, not 4"):
        debtor(address=("a", "b", "c", "d"))


def test_a_batch_needs_an_aware_time_unique_cases_and_a_plain_reference() -> None:
    with pytest.raises(ValueError, match="created_at must be an aware datetime"):
        dataclasses.replace(batch(), created_at=datetime(2026, 3, 5, 8, 15))  # noqa: DTZ001 - the point
    with pytest.raises(ValueError, match="give case_ref 'C-1' more than once"):
        batch(case(), case())
    for ref in ("../x", "a/b", ".hidden", ""):
        with pytest.raises(ValueError, match="batch_ref"):
            dataclasses.replace(batch(), batch_ref=ref)


def test_a_batch_keeps_its_time_in_utc() -> None:
    oslo = timezone(timedelta(hours=1))
    b = dataclasses.replace(batch(), created_at=datetime(2026, 3, 5, 9, 15, tzinfo=oslo))
    assert b.created_at == datetime(2026, 3, 5, 8, 15, tzinfo=UTC)
    assert b.created_at.utcoffset() == timedelta(0)


# --- the case file: JSON --------------------------------------------------------------------------------


def test_the_json_case_file_round_trips_with_amounts_as_strings() -> None:
    data = write_case_batch_json(batch())
    doc = json.loads(data, parse_float=lambda text: pytest.fail(f"a JSON float {text} in the case file"))
    assert (doc["format"], doc["version"], doc["batch_ref"]) == ("reskontro-collection-cases", 1, "B-2026-03-05.1")
    assert doc["created_at"] == "2026-03-05T08:15:00Z"
    assert doc["creditor"]["org_number"] == "923609016"
    assert doc["case_count"] == 2
    assert doc["totals"] == [{"currency": "NOK", "principal": "11484.50", "fees": "70.00", "interest": "12.17",
                              "compensation": "460.00", "total": "12026.67"}]
    first = doc["cases"][0]
    assert first["case_ref"] == "C-1"
    assert (first["principal"], first["fees"], first["interest"], first["total"]) == ("1484.50", "70.00", "12.17",
                                                                                     "1566.67")
    assert first["interest_from"] == "2026-02-19"
    assert first["debtor"]["debtor_type"] == "consumer"
    assert first["debtor"]["address"] == ["Storgata 5", "H0201"]
    assert first["documents"][1] == {"document_number": "2026-102", "item_type": "invoice",
                                     "item_date": "2026-01-05", "due_date": "2026-01-19", "currency": "NOK",
                                     "original": "500.00", "open": "250.00", "kid": "0000201019"}
    assert first["reminders"][1]["level_type"] == "warning"
    assert first["reminders"][1]["fee"] == "35.00"
    assert doc["cases"][1]["compensation"] == "460.00"
    assert doc["cases"][1]["debtor"]["email"] is None


def test_the_json_case_file_is_valid_against_its_schema() -> None:
    schema = case_batch_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    doc = json.loads(write_case_batch_json(batch()))
    assert list(validator.iter_errors(doc)) == []
    doc["cases"][0]["principal"] = 1484.5  # a JSON number is not an amount
    doc["cases"][0]["documents"][0]["item_type"] = "credit_note"
    assert {e.json_path for e in validator.iter_errors(doc)} == {
        "$.cases[0].principal", "$.cases[0].documents[0].item_type"}


def test_the_json_case_file_is_stable_and_keeps_its_key_order() -> None:
    b = batch()
    data = write_case_batch_json(b)
    assert data == write_case_batch_json(batch())
    assert list(json.loads(data)) == ["format", "version", "batch_ref", "created_at", "creditor", "case_count",
                                      "totals", "cases"]
    assert "§ 3".encode() in data  # UTF-8 text, not \\u escapes
    assert b"\\u00a7" not in data


def test_amounts_take_the_currency_decimals() -> None:
    yen = case(currency="JPY", documents=(document(currency="JPY", original="12000"),), principal=Decimal(12000),
               fees=Decimal(0), interest=Decimal(0), reminders=())
    doc = json.loads(write_case_batch_json(batch(yen)))
    assert doc["cases"][0]["principal"] == "12000"
    assert doc["cases"][0]["documents"][0]["open"] == "12000"


# --- the case file: CSV ---------------------------------------------------------------------------------


def _csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_the_csv_case_file_has_one_row_per_case_document() -> None:
    data = write_case_batch_csv(batch())
    rows = _csv(data)
    assert data.decode("utf-8-sig").splitlines()[0].split(";") == list(CSV_COLUMNS)
    assert [(r["case_ref"], r["document_number"], r["item_type"], r["open"]) for r in rows] == [
        ("C-1", "2026-101", "invoice", "1234.50"), ("C-1", "2026-102", "invoice", "250.00"),
        ("C-1", "P-1", "reminder_fee", "35.00"), ("C-1", "P-2", "reminder_fee", "35.00"),
        ("C-1", "R-1", "interest", "12.17"), ("C-2", "2026-201", "invoice", "10000.00")]
    first = rows[0]
    assert (first["principal"], first["case_total"], first["debtor_name"]) == ("1484.50", "1566.67", "Kari Nordmann")
    assert (first["debtor_address_1"], first["debtor_address_2"], first["debtor_address_3"]) == (
        "Storgata 5", "H0201", "")
    assert (first["warning_deadline"], first["interest_from"]) == ("2026-03-04", "2026-02-19")
    assert all(r["batch_ref"] == "B-2026-03-05.1" and r["creditor_org_number"] == "923609016" for r in rows)


def test_the_csv_case_file_neutralises_would_be_formulas() -> None:
    row = _csv(write_case_batch_csv(batch()))[-1]
    assert row["debtor_name"] == "'=HYPERLINK(\"http://x\")"
    assert row["debtor_contact_name"] == "'@Per"
    assert row["debtor_phone"] == "-12"  # a plain number is left as it is (the project's rule)
    assert _csv(write_case_batch_csv(batch()))[0]["debtor_phone"] == "'+47 912 34 567"


# --- the status file --------------------------------------------------------------------------------------

HEADER = "agency_ref;case_ref;event_id;event_date;status;currency;paid_principal;paid_fees;paid_interest;" \
         "agency_fee;remitted;paid_costs;note"


def status_csv(*rows: str, header: str = HEADER, bom: bool = False) -> bytes:
    return (("\ufeff" if bom else "") + "\r\n".join([header, *rows]) + "\r\n").encode("utf-8")


def test_a_status_file_is_read_with_every_component() -> None:
    data = status_csv(
        "A-77;C-1;E-1;2026-03-06;acknowledged;NOK;0;0;0;0;0;;mottatt",
        "A-77;C-1;E-2;20.03.2026;partly_paid;NOK;500,00;0;0;0;500.00;;",
        "A-77;C-1;E-3;2026-04-02;paid;nok;984.50;70.00;30.10;1050.00;1084.60;1050.00;",
        "A-78;C-2;E-4;2026-04-30;closed;NOK;0;0;0;350.00;0;;withdrawn", bom=True)
    status = read_status_file(data, "status.csv")
    assert (status.source, status.format) == ("status.csv", "csv")
    assert [e.event_id for e in status.events] == ["E-1", "E-2", "E-3", "E-4"]
    ack, part, paid, closed = status.events
    assert (ack.status, ack.note, ack.location) == (CollectionStatus.ACKNOWLEDGED, "mottatt", "row 2")
    assert (part.event_date, part.paid_principal, part.remitted) == (date(2026, 3, 20), Decimal(500), Decimal(500))
    assert (paid.currency, paid.paid, paid.collected, paid.remitted) == (
        "NOK", Decimal("2134.60"), Decimal("1084.60"), Decimal("1084.60"))
    assert (closed.remitted, closed.owed_to_agency) == (Decimal(0), Decimal(350))


def test_a_comma_separated_status_file_without_optional_columns_is_read() -> None:
    data = (b"agency_ref,case_ref,event_id,event_date,status,currency,paid_principal,paid_fees,paid_interest,"
            b"agency_fee,remitted\nA-1,C-1,E-9,2026-04-01,partly_paid,NOK,1000.00,35.00,0,200.00,835.00\n")
    (event,) = read_status_file(data, "s.csv").events
    assert (event.paid_costs, event.agency_fee, event.remitted, event.note) == (0, Decimal(200), Decimal(835), None)


def test_the_agency_fee_beyond_the_payment_is_owed_by_us() -> None:
    data = status_csv("A-1;C-1;E-1;2026-04-01;partly_paid;NOK;100;0;0;300;0;;")
    (event,) = read_status_file(data, "s.csv").events
    assert (event.remitted, event.owed_to_agency) == (0, Decimal(200))


def test_a_json_status_file_is_read_the_same_way() -> None:
    doc = {"format": "reskontro-collection-status", "version": 1, "events": [
        {"agency_ref": "A-1", "case_ref": "C-1", "event_id": "E-1", "event_date": "2026-04-01", "status": "paid",
         "currency": "NOK", "paid_principal": "1000.00", "paid_fees": 35, "paid_interest": 12.5,
         "paid_costs": "700.00", "agency_fee": "700.00", "remitted": "1047.50", "note": None}]}
    status = read_status_file(json.dumps(doc).encode(), "s.json")
    (event,) = status.events
    assert status.format == "json"
    assert (event.paid_interest, event.remitted, event.location) == (Decimal("12.5"), Decimal("1047.50"), "event 1")


def _problems(data: bytes, source: str = "s.csv") -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(CollectionFileInvalid) as caught:
        read_status_file(data, source)
    assert caught.value.source == source
    return [(p.row, p.column, p.code) for p in caught.value.problems]


def test_every_bad_value_is_named_by_row_and_column() -> None:
    data = status_csv(
        "A-1;C-1;E-1;2026-04-01;paid;NOK;-5;0;0;0;0;;",
        "A-1;C-1;E-2;2026-02-30;paid;NOK;5;0;0;0;5;;",
        "A-1;C-1;E-3;2026-04-01;settled;NOK;5;0;0;0;5;;",
        "A-1;C-1;E-4;2026-04-01;paid;NOKK;5;0;0;0;5;;",
        "A-1;C-1;E-5;2026-04-01;paid;NOK;5.001;abc;0;0;5;;",
        ";C-1;E-6;2026-04-01;paid;NOK;5;0;0;0;5;;",
        "A-1;C-1;E-7;2026-04-01;paid;NOK;5;0;0;0;4;;")
    assert _problems(data) == [
        (2, "paid_principal", "negative_amount"), (3, "event_date", "not_a_date"), (4, "status", "unknown_status"),
        (5, "currency", "bad_currency"), (6, "paid_principal", "too_many_decimals"), (6, "paid_fees", "not_a_number"),
        (7, "agency_ref", "required"), (8, "remitted", "remitted_mismatch")]


def test_the_error_message_names_file_row_and_column() -> None:
    with pytest.raises(CollectionFileInvalid, match=r"s\.csv, row 2, column 'remitted': 4 is not what the debtor "
                                                    r"paid \(5\) less the agency's fee \(0\), which is 5"):
        read_status_file(status_csv("A-1;C-1;E-7;2026-04-01;paid;NOK;5;0;0;0;4;;"), "s.csv")


def test_a_duplicate_event_id_is_refused() -> None:
    data = status_csv("A-1;C-1;E-1;2026-04-01;acknowledged;NOK;0;0;0;0;0;;",
                      "A-1;C-1;E-2;2026-04-01;acknowledged;NOK;0;0;0;0;0;;",
                      "A-1;C-1;E-1;2026-04-02;open;NOK;0;0;0;0;0;;")
    with pytest.raises(CollectionFileInvalid) as caught:
        read_status_file(data, "s.csv")
    (problem,) = caught.value.problems
    assert (problem.row, problem.column, problem.code) == (4, "event_id", "duplicate_event")
    assert "already used in row 2" in problem.message


@pytest.mark.parametrize(("row", "expected"), [
    ("A;C;E;2026-04-01;acknowledged;NOK;5;0;0;0;5;;", [(2, "paid_principal", "amount_not_allowed"),
                                                       (2, "remitted", "amount_not_allowed")]),
    ("A;C;E;2026-04-01;open;NOK;0;0;0;100;0;;", [(2, "agency_fee", "amount_not_allowed")]),
    ("A;C;E;2026-04-01;closed;NOK;0;0;10;0;10;;", [(2, "paid_interest", "amount_not_allowed")]),
    ("A;C;E;2026-04-01;written_off;NOK;0;0;0;0;0;5;", [(2, "paid_costs", "amount_not_allowed")]),
    ("A;C;E;2026-04-01;partly_paid;NOK;0;0;0;0;0;;", [(2, "status", "payment_missing")]),
])
def test_each_status_carries_only_the_money_it_can(row: str, expected: list[tuple[int, str, str]]) -> None:
    assert _problems(status_csv(row)) == expected


def test_a_closed_or_written_off_case_may_cost_us_a_fee() -> None:
    data = status_csv("A;C;E;2026-04-01;written_off;NOK;0;0;0;250;0;;")
    assert read_status_file(data, "s.csv").events[0].owed_to_agency == Decimal(250)


def test_a_bad_header_is_refused_naming_the_missing_column() -> None:
    with pytest.raises(CollectionFileInvalid, match=r"missing column.*remitted") as caught:
        read_status_file(b"agency_ref;case_ref;event_id;event_date;status;currency;paid_principal;paid_fees;"
                         b"paid_interest;agency_fee\n", "s.csv")
    assert [(p.row, p.code) for p in caught.value.problems] == [(1, "bad_header")]


def test_json_status_file_errors_name_the_event_and_field() -> None:
    doc = {"format": "reskontro-collection-status", "version": 1, "events": [
        {"agency_ref": "A", "case_ref": "C", "event_id": "E-1", "event_date": "2026-04-01", "status": "paid",
         "currency": "NOK", "paid_principal": "5", "paid_fees": "0", "paid_interest": "0", "agency_fee": "0",
         "remitted": "5", "colour": "red"},
        {"agency_ref": 7, "case_ref": "C", "event_id": "E-1", "event_date": "2026-04-01", "status": "paid",
         "currency": "NOK", "paid_principal": "-5", "paid_fees": "0", "paid_interest": "0", "agency_fee": "0",
         "remitted": "0"},
        "not an event"]}
    with pytest.raises(CollectionFileInvalid) as caught:
        read_status_file(json.dumps(doc).encode(), "s.json")
    problems = caught.value.problems
    assert [(p.row, p.column, p.code, p.unit) for p in problems] == [
        (1, "colour", "unknown_field", "event"), (2, "agency_ref", "bad_type", "event"),
        (2, "paid_principal", "negative_amount", "event"), (2, "event_id", "duplicate_event", "event"),
        (3, None, "bad_type", "event")]
    assert str(problems[1]).startswith("s.json, event 2, field 'agency_ref'")


@pytest.mark.parametrize(("data", "code"), [
    (b'{"format": "something-else", "version": 1, "events": []}', "bad_format"),
    (b'{"format": "reskontro-collection-status", "version": true, "events": []}', "bad_format"),
    (b'[{"event_id": "E-1"}]', "bad_format"),
    (b'{"format": "reskontro-collection-status",\n "version": 1, "events": [}', "bad_json"),
    (b"PK\x03\x04rest", "bad_file"),
    (b"agency_ref;case_ref\n\xff\xfe;x\n", "bad_encoding"),
])
def test_a_file_that_is_not_a_status_file_is_refused(data: bytes, code: str) -> None:
    assert [c for _, _, c in _problems(data)] == [code]


def test_a_status_file_with_no_events_is_empty() -> None:
    assert read_status_file(status_csv(), "s.csv").events == ()


def test_the_examples_in_the_docs_are_valid_files() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "collection.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(\w*)\n(.*?)```", text, re.S)
    case_file, status_json = (body for lang, body in blocks if lang == "json")
    assert list(jsonschema.Draft202012Validator(case_batch_schema()).iter_errors(json.loads(case_file))) == []
    assert read_status_file(status_json.encode(), "example.json").events[0].remitted == Decimal("799.60")
    (status_csv_example,) = (body for lang, body in blocks if body.startswith("agency_ref;"))
    events = read_status_file(status_csv_example.encode(), "example.csv").events
    assert [(e.status, e.remitted, e.owed_to_agency) for e in events] == [
        ("acknowledged", 0, 0), ("partly_paid", 500, 0), ("paid", Decimal("799.60"), 0), ("closed", 0, 350)]
