"""Imports: a file posts whole or not at all, every problem names its row and column, re-import adds nothing."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook

from reskontro.domain.errors import ImportFailed
from reskontro.domain.periods import Period
from reskontro.services.companies import close_period
from reskontro.services.imports import ImportProblem, import_parties, import_transactions, preview_import
from reskontro.services.reports import open_items_report
from tests.builders import HEADER, PARTIES, count, customer
from tests.conftest import Ctx

TRANSACTIONS = HEADER + (
    "100001,customer,invoice,F1,2026-01-10,2026-01-24,1000.00,NOK,0001000108,Faktura 1,\n"
    "100001,customer,payment,P1,2026-01-20,,400.00,NOK,0001000108,,\n"
    "100002,customer,invoice,F2,2026-01-11,,250.00,NOK,,,\n"
    "100002,customer,credit_note,K2,2026-01-12,,50.00,NOK,,,F2\n"
    "500001,supplier,invoice,L1,2026-01-05,2026-02-04,8000.00,NOK,,,\n"
    "500001,supplier,payment,U1,2026-02-04,,8000.00,NOK,,,L1\n"
)


def load_parties(ctx: Ctx, text: str = PARTIES) -> None:
    import_parties(uow=ctx.uow(), company_id=ctx.company_id, data=text.encode(), filename="parties.csv")


def load(ctx: Ctx, text: str, name: str = "tx.csv") -> object:
    return import_transactions(uow=ctx.uow(), company_id=ctx.company_id, data=text.encode(), filename=name)


def test_a_good_file_posts_every_row_and_auto_matches(ctx: Ctx) -> None:
    load_parties(ctx)
    summary = load(ctx, TRANSACTIONS)
    assert (summary.rows, summary.created, summary.matches) == (6, 6, 3)  # type: ignore[attr-defined]
    rows = open_items_report(uow=ctx.uow(), company_id=ctx.company_id, as_of=date(2026, 2, 28))
    assert {r["document_number"]: r["open_amount"] for r in rows} == {"F1": Decimal("600.00"),
                                                                     "F2": Decimal("200.00")}


def test_reimporting_the_same_rows_posts_nothing_new(ctx: Ctx) -> None:
    load_parties(ctx)
    load(ctx, TRANSACTIONS)
    vouchers, matches = count(ctx, "vouchers"), count(ctx, "matches")
    again = load(ctx, TRANSACTIONS, "tx-again.csv")
    assert (again.created, again.skipped) == (0, 6)  # type: ignore[attr-defined]
    assert (count(ctx, "vouchers"), count(ctx, "matches")) == (vouchers, matches)
    load_parties(ctx)
    assert count(ctx, "parties") == 3


def test_a_file_with_new_and_known_rows_posts_only_the_new_ones(ctx: Ctx) -> None:
    load_parties(ctx)
    load(ctx, TRANSACTIONS)
    more = TRANSACTIONS + "100001,customer,payment,P2,2026-02-01,,600.00,NOK,0001000108,,\n"
    summary = load(ctx, more)
    assert (summary.created, summary.skipped, summary.matches) == (1, 6, 1)  # type: ignore[attr-defined]


def test_a_known_document_with_another_amount_is_an_error_not_a_skip(ctx: Ctx) -> None:
    load_parties(ctx)
    load(ctx, TRANSACTIONS)
    changed = TRANSACTIONS.replace("F2,2026-01-11,,250.00", "F2,2026-01-11,,260.00")
    with pytest.raises(ImportFailed) as exc:
        load(ctx, changed)
    assert any("row 4" in p and "another amount or date" in p for p in exc.value.problems)


def test_every_bad_row_is_reported_with_row_and_column_and_nothing_is_posted(ctx: Ctx) -> None:
    load_parties(ctx)
    bad = HEADER + (
        "100001,customer,invoice,F1,2026-01-10,,1000.00,NOK,,,\n"
        "100001,customer,invoice,F2,10/01/2026,,1000.00,NOK,,,\n"
        "100001,customer,bill,F3,2026-01-10,,1000.00,NOK,,,\n"
        "100001,customer,invoice,F4,2026-01-10,,-5,NOK,,,\n"
        "999999,customer,invoice,F5,2026-01-10,,10.00,NOK,,,\n"
        "100001,customer,invoice,F6,2026-01-10,,10.00,NOK,0001000109,,\n"
        "100001,customer,invoice,F1,2026-01-11,,10.00,NOK,,,\n"
        "100001,customer,invoice,F8,2026-01-10,,abc,NOK,,,\n"
    )
    with pytest.raises(ImportFailed) as exc:
        load(ctx, bad)
    text = "\n".join(exc.value.problems)
    for expected in ("row 3, column 'date'", "row 4, column 'type'", "row 5, column 'amount'",
                     "row 6, field 'party_number'", "row 7, field 'kid'", "row 8, field 'document_number'",
                     "row 9, column 'amount'"):
        assert expected in text, expected
    assert len(exc.value.problems) == 7
    assert count(ctx, "vouchers") == 0
    assert count(ctx, "items") == 0


def test_wrong_column_names_are_refused_naming_them(ctx: Ctx) -> None:
    wrong = HEADER.replace("amount", "belop").replace("kid,", "") + "100001,customer,invoice,F1\n"
    with pytest.raises(ImportFailed) as exc:
        load(ctx, wrong)
    problem = exc.value.problems[0]
    assert "missing column(s) amount, kid" in problem
    assert "unknown column(s) belop" in problem


@pytest.mark.parametrize("content", [b"\xff\xfe\x00garbage", b"PK\x03\x04not-a-zip",
                                     (HEADER + '100001,customer,invoice,"F1,2026-01-10\n').encode()])
def test_a_malformed_file_is_a_clear_error(ctx: Ctx, content: bytes) -> None:
    with pytest.raises(ImportFailed) as exc:
        import_transactions(uow=ctx.uow(), company_id=ctx.company_id, data=content, filename="x.csv")
    assert exc.value.problems[0].startswith("x.csv")
    assert count(ctx, "vouchers") == 0


def test_an_error_late_in_a_large_file_still_posts_nothing(ctx: Ctx) -> None:
    customer(ctx, "100001")
    rows = [f"100001,customer,invoice,F{n},2026-01-10,,10.00,NOK,,," for n in range(45_000)]
    rows.append("100001,customer,invoice,BAD,2026-13-01,,10.00,NOK,,,")
    with pytest.raises(ImportFailed) as exc:
        load(ctx, HEADER + "\n".join(rows) + "\n")
    assert "row 45002" in exc.value.problems[0]
    assert count(ctx, "vouchers") == 0


def test_a_payment_may_name_an_invoice_that_comes_later_in_the_file(ctx: Ctx) -> None:
    load_parties(ctx)
    text = HEADER + ("100001,customer,payment,P1,2026-01-20,,100.00,NOK,,,F9\n"
                     "100001,customer,invoice,F9,2026-01-10,,100.00,NOK,,,\n")
    from reskontro.services import posting

    old = posting.CHUNK
    posting.CHUNK = 1  # each row its own chunk: the payment is matched only after the invoice arrives
    try:
        summary = import_transactions(uow=ctx.uow(), company_id=ctx.company_id, data=text.encode(),
                                      filename="t.csv")
    finally:
        posting.CHUNK = old
    assert summary.matches == 1


def test_xlsx_files_with_real_dates_and_numbers_import_like_csv(ctx: Ctx) -> None:
    load_parties(ctx)
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.strip().split(","))
    ws.append(["100001", "customer", "invoice", "F1", date(2026, 1, 10), date(2026, 1, 24), 1000.5, "NOK", None,
               "Faktura", None])
    ws.append([100001, "customer", "payment", "P1", date(2026, 1, 20), None, 1000.5, "NOK", None, None, "F1"])
    buf = io.BytesIO()
    wb.save(buf)
    summary = import_transactions(uow=ctx.uow(), company_id=ctx.company_id, data=buf.getvalue(),
                                  filename="tx.xlsx")
    assert (summary.created, summary.matches) == (2, 1)


def test_party_import_reports_every_bad_row_and_updates_only_what_differs(ctx: Ctx) -> None:
    bad = PARTIES + ("100003,customer,Feil AS,923456784,,nb,NOK,14,,,,,NO\n"
                     "100004,kunde,Feil AS,,,nb,NOK,14,,,,,NO\n"
                     "100001,customer,Dobbel AS,,,nb,NOK,14,,,,,NO\n")
    with pytest.raises(ImportFailed) as exc:
        load_parties(ctx, bad)
    text = "\n".join(exc.value.problems)
    assert "row 5, column 'org_number'" in text
    assert "row 6, column 'kind'" in text
    assert "row 7, column 'number'" in text and "also on row 2" in text
    assert count(ctx, "parties") == 0
    load_parties(ctx)
    summary = import_parties(uow=ctx.uow(), company_id=ctx.company_id,
                             data=PARTIES.replace("a@kunde.no", "ny@kunde.no").encode(), filename="p2.csv")
    assert (summary.created, summary.updated, summary.skipped) == (0, 1, 2)


# -- preview: the real import, rolled back ---------------------------------------------------------------

TABLES = ("parties", "vouchers", "voucher_lines", "items", "matches", "allocations", "imports", "audit_events")


def counts(ctx: Ctx) -> dict[str, int]:
    return {table: count(ctx, table) for table in TABLES}


def preview(ctx: Ctx, kind: str, text: str | bytes, name: str = "file.csv") -> Any:
    data = text.encode() if isinstance(text, str) else text
    return preview_import(uow=ctx.uow(), company_id=ctx.company_id, kind=kind, data=data,  # type: ignore[arg-type]
                          filename=name)


def test_a_preview_says_what_the_import_would_do_and_writes_nothing(ctx: Ctx) -> None:
    before = counts(ctx)
    parties = preview(ctx, "parties", PARTIES, "parties.csv")
    assert parties.ok and parties.rows == 3 and parties.problems == ()
    assert (parties.summary.created, parties.summary.updated, parties.summary.skipped) == (3, 0, 0)
    assert counts(ctx) == before
    load_parties(ctx)
    before = counts(ctx)
    tx = preview(ctx, "transactions", TRANSACTIONS, "tx.csv")
    assert tx.ok and (tx.rows, tx.summary.created, tx.summary.skipped, tx.summary.matches) == (6, 6, 0, 3)
    assert counts(ctx) == before
    assert tx.sha256 == hashlib.sha256(TRANSACTIONS.encode()).hexdigest() and tx.previous == ()


def test_a_preview_catches_what_only_the_ledger_knows_by_row_and_field(ctx: Ctx) -> None:
    load_parties(ctx)
    load(ctx, TRANSACTIONS)
    close_period(uow=ctx.uow(), company_id=ctx.company_id, period=Period(2026, 1))
    bad = HEADER + (
        "100001,customer,invoice,F9,2026-02-10,,10.00,NOK,,,\n"           # fine
        "999999,customer,invoice,F5,2026-02-10,,10.00,NOK,,,\n"           # unknown party
        "100001,customer,invoice,F6,2026-01-15,,10.00,NOK,,,\n"           # closed period
        "500001,supplier,payment,U1,2026-02-04,,7000.00,NOK,,,L1\n"       # posted before with another amount
        "100001,customer,invoice,F8,2026-02-10,,abc,NOK,,,\n"             # not an amount
    )
    before = counts(ctx)
    p = preview(ctx, "transactions", bad, "tx.csv")
    assert not p.ok and p.summary is None and p.problem_count == 4 and p.rows == 5
    got = {(x.row, x.field) for x in p.problems}
    assert got == {(3, "party_number"), (4, "date"), (5, "document_number"), (6, "amount")}, p.problems
    assert all(x.message and not x.message.startswith("tx.csv") for x in p.problems)
    assert counts(ctx) == before


def test_a_file_imported_before_is_named_in_the_preview_and_imports_nothing_new(ctx: Ctx) -> None:
    load_parties(ctx)
    load(ctx, TRANSACTIONS, "tx.csv")
    p = preview(ctx, "transactions", TRANSACTIONS, "tx-again.csv")
    assert p.ok and (p.summary.created, p.summary.skipped) == (0, 6)
    assert [(x.kind, x.filename, x.rows_posted) for x in p.previous] == [("transactions", "tx.csv", 6)]


@pytest.mark.parametrize(("text", "row", "field", "message"), [
    ("tx.csv, row 7, column 'amount': not an amount", 7, "amount", "not an amount"),
    ("tx.csv, row 12, field 'kid': bad KID", 12, "kid", "bad KID"),
    ("tx.csv, row 1: missing column(s) kid", 1, None, "missing column(s) kid"),
    ("tx.csv: not a readable XLSX file (x)", None, None, "not a readable XLSX file (x)"),
    ("row 3, field 'party_number': customer '9' does not exist", 3, "party_number", "customer '9' does not exist"),
])
def test_problems_are_split_into_row_field_and_message(text: str, row: int | None, field: str | None,
                                                       message: str) -> None:
    assert ImportProblem.parse(text, "tx.csv") == ImportProblem(row, field, message)
