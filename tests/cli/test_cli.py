"""The command line: set-up, posting and reports end to end, and one clear line with exit 1 for bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reskontro.bootstrap import build
from reskontro.cli import app as cli_app
from reskontro.cli.app import app
from reskontro.services import access
from reskontro.settings import Settings
from tests.conftest import SHARED

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("RESKONTRO_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("RESKONTRO_USER", "cli-tester")
    monkeypatch.delenv("RESKONTRO_COMPANY", raising=False)
    monkeypatch.setattr(cli_app.console, "width", 200)  # wide tables, so cells are not cut
    return tmp_path


def cli(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def test_init_creates_the_database_and_a_company_and_is_safe_to_rerun(env: Path) -> None:
    assert "Created company 1" in cli("init", "--company-name", "Fjordlys AS", "--org-number", "923456783")
    assert "already exists" in cli("init", "--company-name", "Fjordlys AS")
    assert "Fjordlys AS" in cli("companies")


def test_post_match_and_report_from_the_command_line(env: Path) -> None:
    cli("init")
    cli("party", "add", "customer", "10001", "--name", "Kunde AS", "--org-number", "934567897",
        "--payment-terms", "10")
    cli("post", "invoice", "customer", "10001", "1250.00", "--date", "2026-01-05", "--document", "F1",
        "--kid", "0001000108")
    out = cli("post", "payment", "customer", "10001", "500,00", "--date", "2026-01-20", "--kid", "0001000108")
    assert "matched 500.00 by kid" in out
    rows = json.loads(cli("report", "open-items", "--kind", "customer", "--as-of", "2026-01-31", "--format", "json"))
    assert [(r["document_number"], r["open_amount"], r["due_date"]) for r in rows] == [
        ("F1", "750.00", "2026-01-15")]
    aged = json.loads(cli("report", "aged", "--kind", "customer", "--as-of", "2026-01-31", "--format", "json"))
    assert aged == [{"party_number": "10001", "party_name": "Kunde AS", "kind": "customer", "not_due": "0.00",
                     "days_1_30": "750.00", "days_31_60": "0.00", "days_61_90": "0.00", "days_over_90": "0.00",
                     "total": "750.00"}]
    csv_file = env / "aged.csv"
    cli("report", "aged", "--as-of", "2026-01-31", "--buckets", "10,20", "--format", "csv", "--output",
        str(csv_file))
    assert csv_file.read_bytes().startswith(b"\xef\xbb\xbfparty_number,party_name,kind,not_due,days_1_10,days_11_20,")
    assert "0.00" in cli("report", "reconcile")
    assert "Kunde AS" in cli("party", "show", "10001")
    cli("voucher", "reverse", "SF2026-1", "--date", "2026-01-31", "--reason", "feil")
    assert "reverses" in cli("voucher", "show", "M2026-1")


@pytest.mark.parametrize(("args", "message"), [
    (("party", "add", "customer", "1", "--name", "X", "--org-number", "123456789"), "field 'org_number'"),
    (("post", "invoice", "customer", "404", "10.00"), "customer '404' does not exist"),
    (("post", "invoice", "customer", "10001", "10.00", "--kid", "1234"), "field 'kid'"),
    (("period", "close", "2026-13"), "period '2026-13' is not YYYY-MM"),
    (("report", "aged", "--buckets", "60,30"), "must be positive and increasing"),
])
def test_bad_input_prints_one_clear_line_and_exits_1(env: Path, args: tuple[str, ...], message: str) -> None:
    cli("init")
    cli("party", "add", "customer", "10001", "--name", "Kunde AS")
    out = cli(*args, code=1)
    assert "error:" in out
    assert message in out
    assert "Traceback" not in out


def test_an_import_with_errors_lists_every_row_and_posts_nothing(env: Path) -> None:
    cli("init")
    bad = env / "tx.csv"
    bad.write_text("party_number,kind,type,document_number,date,due_date,amount,currency,kid,description,applies_to\n"
                   "1,customer,invoice,F1,2026-01-01,,x,NOK,,,\n2,customer,invoice,F2,2026-01-01,,5,NOK,,,\n")
    out = cli("import", "transactions", str(bad), code=1)
    assert "row 2, column 'amount'" in out
    assert "row 3, field 'party_number'" in out
    assert "[]" in cli("report", "open-items", "--as-of", "2026-12-31", "--format", "json")


@pytest.mark.skipif(not (SHARED / "examples" / "core-ledger").is_dir(), reason="shared conformance sample absent")
def test_the_conformance_sample_imports_twice_with_nothing_new_the_second_time(env: Path) -> None:
    sample = SHARED / "examples" / "core-ledger"
    cli("init")
    cli("import", "parties", str(sample / "parties.csv"))
    assert "344 posted" in cli("import", "transactions", str(sample / "transactions.csv"))
    assert "0 posted/created, 0 updated, 344 already there" in cli("import", "transactions",
                                                                   str(sample / "transactions.csv"))


def test_the_demo_builds_a_reconciled_ledger(env: Path) -> None:
    out = cli("demo", "--customers", "20", "--suppliers", "10")
    assert "Demo company 1 created" in out
    assert "reskontro --company 1 report aged" in out
    assert "Difference" in cli("--company", "1", "report", "reconcile")
    again = cli("demo", "--customers", "20", "--suppliers", "10")
    assert "already there" in again
    # The web UI's demo user: printed with a password that signs in (a new one on every run).
    password = re.search(r"sign in as demo with the password (\S+)", " ".join(again.split()))
    assert password is not None, again
    app = build(Settings.from_env())
    try:
        who = access.authenticate_password(uow=app.uow(), username="demo", password=password.group(1))
    finally:
        app.close()
    assert who is not None and who.role_in(1) is not None and who.role_in(1).can_admin


def test_a_posting_can_override_the_account_vat_code_and_dimensions(env: Path) -> None:
    cli("init")
    cli("party", "add", "customer", "1", "--name", "A AS", "--account", "3000", "--vat-code", "3")
    cli("post", "invoice", "customer", "1", "1250", "--date", "2026-01-05", "--account", "3100", "--vat-code", "5",
        "--department", "D1", "--project", "P9")
    out = cli("voucher", "show", "SF2026-1")
    assert "3100" in out
    assert "D1" in out
    assert "P9" in out
    assert "2700" not in out


def test_check_recounts_the_books_and_names_what_disagrees(env: Path) -> None:
    cli("init")
    cli("party", "add", "customer", "10001", "--name", "Kunde AS")
    cli("post", "invoice", "customer", "10001", "1250.00", "--date", "2026-01-05", "--document", "F1")
    cli("post", "payment", "customer", "10001", "500.00", "--date", "2026-01-20")
    assert "check out" in cli("check", "--as-of", "2026-01-31")
    app_ = build(Settings(database_url=f"sqlite:///{env / 'cli.sqlite3'}"))
    with app_.engine.begin() as conn:  # a total that no longer adds up (as a faulty writer would leave it)
        conn.exec_driver_sql("UPDATE party_totals SET open_company_minor = open_company_minor + 1")
    out = cli("check", code=1)
    # the party's balance and its debit items' part: the balance is off by one øre
    assert "maintained total party_totals" in out and "stored (75001, 125000), counted (75000," in out
    app_.close()
