"""Payments out over the API: a second user approves the supplier's account, a proposal is approved and exported
as a pain.001, and a pain.002 rejection puts the invoice back on the due list."""

from __future__ import annotations

from lxml import etree

from reskontro.formats.iso20022 import xml
from tests.api.conftest import Api, new_user
from tests.builders_pain import pain002


def test_the_due_list_a_proposal_its_pain001_and_a_rejection(api: Api) -> None:
    api.ok(api.post("/bank/accounts", {"account": "15031234562", "name": "Drift"}), 201)
    api.ok(api.post("/parties", {"kind": "supplier", "number": "L2001", "name": "Leverandør Testdata AS",
                                 "bank_account": "12065432100"}), 201)
    api.ok(api.post("/postings", {"kind": "supplier", "type": "invoice", "party_number": "L2001",
                                  "amount": "10000.00", "date": "2026-01-10", "document_number": "S-7788",
                                  "kid": "20250001235"}), 201)
    due = api.ok(api.get("/payments/due"))
    assert [(s["number"], s["account_state"], s["payable"], s["net"]) for s in due["suppliers"]] == [
        ("L2001", "pending", False, "10000.00")]
    waiting = api.ok(api.get("/payments/accounts"))
    assert len(waiting) == 1
    refused = api.post(f"/payments/accounts/{waiting[0]['approval_id']}/decide", {"approve": True})
    assert refused.status_code == 422 and "second user" in refused.text
    _, token = new_user(api.ctx, api.cid, "accountant", prefix="anne")
    second = api.client.post(f"/companies/{api.cid}/payments/accounts/{waiting[0]['approval_id']}/decide",
                             json={"approve": True}, headers={"Authorization": f"Bearer {token}"})
    assert second.status_code == 200 and second.json()["status"] == "approved"
    proposal = api.ok(api.post("/payments/proposals", {"debtor_account": "1503.12.34562",
                                                       "execution_date": "2099-01-02"}), 201)
    pid = proposal["proposal_id"]
    assert [(ln["document_number"], ln["amount"], ln["kid"]) for ln in proposal["lines"]] == [
        ("S-7788", "10000.00", "20250001235")]
    part = api.ok(api.patch(f"/payments/proposals/{pid}/lines/1", {"amount": "4000.00"}))
    assert part["totals"] == {"NOK": "4000.00"}
    assert api.ok(api.post(f"/payments/proposals/{pid}/approve", None))["status"] == "approved"
    exported = api.post(f"/payments/proposals/{pid}/export", {"version": "03"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("application/xml")
    root = etree.fromstring(exported.content)
    assert xml.schema_problems(root, "pain.001.001.03", "x") == []
    message = root.findtext(".//{*}GrpHdr/{*}MsgId") or ""
    e2e = proposal["lines"][0]["end_to_end_id"]
    report = pain002([{"end_to_end_id": e2e, "status": "RJCT", "reason_code": "AC04"}], original_msg_id=message)
    status = api.ok(api.post("/payments/status-reports", None, files={"file": ("sts.xml", report, "application/xml")}))
    assert (status["rejected"], status["already_imported"]) == (1, False)
    assert api.ok(api.get(f"/payments/proposals/{pid}"))["lines"][0]["status"] == "rejected"
    assert api.ok(api.get("/payments/due"))["suppliers"][0]["payable"] is True
    assert api.put("/payments/settings", {"approvals": 3}).status_code == 422
