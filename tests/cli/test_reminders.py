"""Reminders from the command line: a routine exported, changed and saved, a run proposed and approved, letters
printed, disputes, the rate table, and ``run --auto`` for cron — against a real SMTP server."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.cli.test_cli import cli, env
from tests.smtp_server import Inbox

__all__ = ["env"]


def test_a_reminder_run_from_proposal_to_print(env: Path) -> None:
    cli("init")
    cli("party", "add", "customer", "1001", "--name", "Kari Nordmann")
    cli("post", "invoice", "customer", "1001", "1000.00", "--date", "2026-03-01", "--document", "F-1")
    assert "inkassosats" in cli("reminders", "rates")
    assert "STANDARD" in cli("reminders", "routines")
    out = cli("reminders", "propose", "--date", "2026-03-29")
    assert "1 letters" in out and "fees 37.50" in out
    run_id = out.split()[1]
    shown = cli("reminders", "show", run_id, "--why", "--format", "csv")
    assert "F-1" in shown and "inkassosats NOK 750" in shown
    assert "posted" in cli("reminders", "approve", run_id)
    batch = env / "print.pdf"
    cli("reminders", "print", "-o", str(batch))
    text = PdfReader(io.BytesIO(batch.read_bytes())).pages[0].extract_text()
    assert "Kari Nordmann" in text and "F-1" in text
    assert "nothing to print" in cli("reminders", "print", "-o", str(batch))
    assert "1 reminder" in cli("reminders", "history", "1001", "--format", "csv")


def test_a_routine_round_trips_through_json_and_bad_ones_are_named(env: Path) -> None:
    cli("init")
    data = json.loads(cli("reminders", "routine-show", "STANDARD"))
    data["code"], data["default"], data["version"] = "B2B", False, None
    data["b2b_compensation"] = True
    path = env / "b2b.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert "saved routine B2B" in cli("reminders", "routine-save", str(path))
    data["levels"][1]["deadline_days"] = 7
    data["code"] = "BAD"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert "at least 14 days" in cli("reminders", "routine-save", str(path), code=1)
    cli("party", "add", "customer", "2001", "--name", "Bedrift AS", "--org-number", "923456783")
    assert "customer 2001: B2B" in cli("reminders", "assign", "B2B", "--customer", "2001")


def test_rates_disputes_and_promises(env: Path) -> None:
    cli("init")
    assert "late_interest from 2026-07-01: 11.75" in cli("reminders", "rate-set", "late_interest", "2026-07-01",
                                                         "11.75", "--source", "FOR-2026-06-20")
    cli("party", "add", "customer", "1001", "--name", "Kari Nordmann")
    cli("post", "invoice", "customer", "1001", "1000.00", "--date", "2026-03-01", "--document", "F-1")
    assert "disputed" in cli("reminders", "dispute", "1", "--reason", "Feil vare", "--deadline", "2099-01-01")
    assert "Feil vare" in cli("reminders", "disputes")
    assert "nothing to remind" in cli("reminders", "propose", "--date", "2026-03-29")
    cli("reminders", "resolve", "1", "--resolution", "Riktig vare")
    assert "promised 2026-04-10" in cli("reminders", "promise", "1", "2026-04-10")
    assert "nothing to remind" in cli("reminders", "propose", "--date", "2026-04-10")
    assert "1 letters" in cli("reminders", "propose", "--date", "2026-04-11")


def test_run_auto_is_what_cron_calls(env: Path, serve: Callable[..., int], monkeypatch: pytest.MonkeyPatch) -> None:
    inbox = Inbox()
    monkeypatch.setenv("RESKONTRO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("RESKONTRO_SMTP_PORT", str(serve(inbox)))
    monkeypatch.setenv("RESKONTRO_SMTP_SECURITY", "none")
    monkeypatch.setenv("RESKONTRO_SMTP_FROM", "Demo AS <faktura@demo.example>")
    cli("init")
    data = json.loads(cli("reminders", "routine-show", "STANDARD"))
    data["automatic"] = True
    path = env / "std.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    cli("reminders", "routine-save", str(path))
    cli("party", "add", "customer", "1001", "--name", "Kari Nordmann", "--email", "kari@example.no")
    cli("post", "invoice", "customer", "1001", "1000.00", "--date", "2026-03-01", "--document", "F-1")
    out = cli("reminders", "run", "--auto", "--date", "2026-03-29")
    assert "e-mailed 1" in out
    assert "e-mailed 0" in cli("reminders", "run", "--auto", "--date", "2026-03-29")
    assert len(inbox.received) == 1
