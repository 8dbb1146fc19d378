"""Bank files in and payments out from the command line: the same services as the API and the web, end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from reskontro.formats.iso20022 import xml
from tests.builders_bank import ocr_file
from tests.builders_pain import pain002
from tests.cli.test_cli import cli, env

__all__ = ["env"]


def test_a_bank_file_settles_an_invoice_and_queues_a_stranger(env: Path) -> None:
    cli("init")
    cli("bank", "account", "add", "1503.12.34562", "--name", "Drift", "--ocr-agreement", "12345")
    cli("bank", "kid-scheme", "mod10", "--length", "10", "--source", "invoice")
    cli("party", "add", "customer", "1001", "--name", "Kunde En AS")
    cli("post", "invoice", "customer", "1001", "500.00", "--date", "2026-01-15", "--document", "10001")
    kid = "0000100016"  # MOD10 of the invoice number, made by the scheme
    data = env / "OCR.txt"
    data.write_bytes(ocr_file([{"amount": "500.00", "kid": kid}, {"amount": "9.00"}], agreement="000012345"))
    preview = cli("bank", "import", str(data), "--preview")
    assert "posted" in preview and "review" in preview
    out = cli("bank", "import", str(data))
    assert "posted 1 (1 by kid), settling an invoice 1; review queue 1" in out
    assert "nothing was posted" in cli("bank", "import", str(data))
    queue = cli("bank", "queue", "--format", "csv")
    payment_id = queue.splitlines()[1].split(",")[0].lstrip("\ufeff")
    assert "parked on the suspense account" in cli("bank", "suspense", payment_id)
    assert "does not exist" in cli("bank", "resolve", "999", "--party", "1001", code=1)


def test_a_supplier_is_paid_by_proposal_and_pain001_and_a_rejection_comes_back(env: Path,
                                                                                  monkeypatch: pytest.MonkeyPatch
                                                                                  ) -> None:
    cli("init")
    cli("bank", "account", "add", "15031234562", "--name", "Drift")
    cli("party", "add", "supplier", "L2001", "--name", "Leverandør Testdata AS", "--bank-account", "12065432100")
    cli("post", "invoice", "supplier", "L2001", "10000.00", "--date", "2026-01-10", "--document", "S-7788",
        "--kid", "20250001235")
    assert "pending" in cli("pay", "due")
    assert "a second user must approve it" in " ".join(cli("pay", "approve-account", "1", code=1).split())
    monkeypatch.setenv("RESKONTRO_USER", "anne")
    assert "approved" in cli("pay", "approve-account", "1")
    monkeypatch.setenv("RESKONTRO_USER", "cli-tester")
    out = cli("pay", "propose", "--from", "15031234562", "--date", "2099-01-02")
    assert "S-7788" in out and "draft" in out
    cli("pay", "adjust", "1", "1", "--amount", "6000,00")
    assert "approved by cli-tester" in cli("pay", "approve", "1")
    target = env / "pain.xml"
    assert "1 transfers" in cli("pay", "export", "1", "--output", str(target))
    root = etree.fromstring(target.read_bytes())
    assert xml.schema_problems(root, "pain.001.001.09", "x") == []
    message = root.findtext(".//{*}GrpHdr/{*}MsgId")
    report = env / "sts.xml"
    report.write_bytes(pain002([{"end_to_end_id": "P1-1", "status": "RJCT", "reason_code": "AC04"}],
                               original_msg_id=message or ""))
    assert "1 rejected" in cli("pay", "status", str(report))
    assert "AC04" in cli("pay", "show", "1")
    assert "S-7788" in cli("pay", "due")
