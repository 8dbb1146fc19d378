"""Parties over the API: the card, optimistic versions, blocks, contacts, follow-ups, documents, free fields,
the ledger with its running balance, and open items."""

from __future__ import annotations

import hashlib

from tests.api.conftest import Api


def test_a_party_is_created_read_and_listed_with_compact_identifiers(api: Api) -> None:
    created = api.customer("10001", org_number="923 456 783", email=" post@kunde.no ", credit_limit="50000.00",
                           rules={"account": "3000", "vat_code": "3", "department": "20"})
    assert created["org_number"] == "923456783" and created["email"] == "post@kunde.no"
    assert created["credit_limit"] == "50000.00" and created["version"] == 1 and created["balance"] == "0.00"
    assert created["rules"] == {"account": "3000", "vat_code": "3", "department": "20", "project": None}
    response = api.get("/parties/customer/10001")
    assert api.ok(response)["name"] == "Kunde 10001 AS"
    assert response.headers["etag"] == '"1"'
    listed = api.ok(api.get("/parties", params={"kind": "customer"}))
    assert [p["number"] for p in listed["items"]] == ["10001"] and listed["next"] is None


def test_a_duplicate_number_is_409_and_a_bad_org_number_422_naming_the_field(api: Api) -> None:
    api.customer("10001")
    duplicate = api.post("/parties", {"kind": "customer", "number": "10001", "name": "Igjen AS"})
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "already_exists"
    assert duplicate.json()["errors"] == [{"field": "number", "row": None,
                                           "message": "customer 10001 already exists"}]
    bad = api.post("/parties", {"kind": "customer", "number": "10002", "name": "X AS", "org_number": "923456784"})
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_value" and bad.json()["errors"][0]["field"] == "org_number"


def test_patch_changes_only_the_fields_sent_and_merges_posting_rules(api: Api) -> None:
    api.customer("10001", rules={"account": "3000", "vat_code": "3"}, phone="12345678")
    changed = api.ok(api.patch("/parties/customer/10001", {"email": "ny@kunde.no", "rules": {"project": "P1"}}))
    assert changed["email"] == "ny@kunde.no" and changed["phone"] == "12345678"
    assert changed["rules"] == {"account": "3000", "vat_code": "3", "department": None, "project": "P1"}
    assert changed["version"] == 2
    audit = api.ok(api.get("/audit", params={"entity": "party", "actor": api.users["accountant"]}))
    assert {(e["field"], e["new_value"]) for e in audit["items"]} >= {("email", "ny@kunde.no"),
                                                                     ("rules.project", "P1")}


def test_a_save_over_someone_elses_change_is_refused_with_409(api: Api) -> None:
    api.customer("10001")
    api.ok(api.patch("/parties/customer/10001", {"city": "Bergen"}, headers={"If-Match": '"1"'}))
    stale = api.patch("/parties/customer/10001", {"city": "Oslo"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409 and stale.json()["code"] == "concurrent_update"
    stale_body = api.patch("/parties/customer/10001", {"city": "Oslo", "version": 1})
    assert stale_body.status_code == 409
    fresh = api.ok(api.patch("/parties/customer/10001", {"city": "Oslo", "version": 2}))
    assert (fresh["city"], fresh["version"]) == ("Oslo", 3)
    bad = api.patch("/parties/customer/10001", {"city": "Oslo"}, headers={"If-Match": "yesterday"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "If-Match"
    null = api.patch("/parties/customer/10001", {"name": None})
    assert null.status_code == 422 and null.json()["errors"][0]["field"] == "name"


def test_blocks_are_set_with_a_reason_and_lifted(api: Api) -> None:
    api.customer("10001")
    api.supplier("50001")
    blocked = api.ok(api.put("/parties/customer/10001/blocks/credit_stop",
                             {"reason": "Over limit", "since": "2026-06-01"}))
    assert blocked["credit_stop"] == {"reason": "Over limit", "since": "2026-06-01"}
    assert api.ok(api.get("/parties"))["items"][0]["blocked"] is True
    wrong_kind = api.put("/parties/customer/10001/blocks/payment_block", {"reason": "x"})
    assert wrong_kind.status_code == 422 and wrong_kind.json()["errors"][0]["field"] == "block"
    assert api.ok(api.put("/parties/supplier/50001/blocks/payment_block", {"reason": "Disputed"}))["payment_block"]
    lifted = api.ok(api.delete("/parties/customer/10001/blocks/credit_stop"))
    assert lifted["credit_stop"] is None


def test_contacts_and_follow_ups_hang_on_the_card(api: Api) -> None:
    api.customer("10001")
    contact = api.ok(api.post("/parties/customer/10001/contacts", {"name": "Kari", "email": "kari@kunde.no"}), 201)
    assert contact["name"] == "Kari" and contact["contact_id"] >= 1
    follow_up = api.ok(api.post("/parties/customer/10001/follow-ups",
                                {"title": "Ring om faktura", "due_date": "2026-07-01"}), 201)
    assert follow_up["owner"] == api.users["accountant"] and follow_up["status"] == "open"
    done = api.patch(f"/follow-ups/{follow_up['follow_up_id']}", {"status": "done"})
    assert done.status_code == 204
    card = api.ok(api.get("/parties/customer/10001"))
    assert [c["name"] for c in card["contacts"]] == ["Kari"]
    assert card["follow_ups"][0]["status"] == "done" and card["follow_ups"][0]["done_at"] is not None
    missing = api.patch("/follow-ups/987654321", {"status": "done"})
    assert missing.status_code == 404


def test_a_document_round_trips_with_its_sha256(api: Api) -> None:
    api.customer("10001")
    content = bytes(range(256)) * 400 + "kontrakt æøå".encode()
    response = api.post("/parties/customer/10001/documents", None,
                        files={"file": ("Kontrakt æøå 2026.pdf", content, "application/pdf")},
                        data={"doc_type": "contract"})
    meta = api.ok(response, 201)
    assert meta["sha256"] == hashlib.sha256(content).hexdigest() and meta["size"] == len(content)
    assert (meta["filename"], meta["doc_type"], meta["content_type"]) == ("Kontrakt æøå 2026.pdf", "contract",
                                                                           "application/pdf")
    download = api.get(f"/documents/{meta['document_id']}")
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == meta["sha256"]
    assert download.headers["content-type"] == "application/pdf"
    assert "attachment" in download.headers["content-disposition"]
    assert "filename*=UTF-8''Kontrakt%20%C3%A6%C3%B8%C3%A5%202026.pdf" in download.headers["content-disposition"]
    assert download.headers["repr-digest"].startswith("sha-256=:")
    assert [d["document_id"] for d in api.ok(api.get("/parties/customer/10001"))["documents"]] == [
        meta["document_id"]]
    assert api.get("/documents/987654321").status_code == 404


def test_free_fields_are_defined_per_company_and_set_per_party_by_type(api: Api) -> None:
    api.customer("10001")
    field = api.ok(api.post("/free-fields", {"code": "region", "label": "Region", "type": "choice",
                                             "choices": ["vest", "øst"]}), 201)
    assert field == {"code": "region", "label": "Region", "type": "choice", "choices": ["vest", "øst"],
                     "required": False}
    assert api.post("/free-fields", {"code": "region", "type": "text"}).status_code == 409
    assert api.put("/parties/customer/10001/free-fields/region", {"value": "vest"}).status_code == 204
    refused = api.put("/parties/customer/10001/free-fields/region", {"value": "sør"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "free_field.region"
    assert api.ok(api.get("/parties/customer/10001"))["free_fields"] == {"region": "vest"}
    assert [f["code"] for f in api.ok(api.get("/free-fields"))] == ["region"]
    assert api.put("/parties/customer/10001/free-fields/nope", {"value": "x"}).status_code == 404


def test_the_ledger_carries_a_running_balance_across_pages(api: Api) -> None:
    api.customer("10001")
    for n, (kind, amount, day) in enumerate([("invoice", "1000.00", "2026-01-05"), ("invoice", "250.00", "2026-01-09"),
                                             ("payment", "600.00", "2026-01-20"), ("invoice", "75.50", "2026-02-01"),
                                             ("credit_note", "25.50", "2026-02-03")]):
        api.posting(kind, "10001", amount, day, document_number=f"D{n}", auto_match=False)
    lines, after = [], None
    while True:
        page = api.ok(api.get("/parties/customer/10001/ledger", params={"limit": 2, **({"after": after} if after
                                                                                        else {})}))
        lines += page["items"]
        after = page["next"]
        if after is None:
            break
    assert [ln["balance"] for ln in lines] == ["1000.00", "1250.00", "650.00", "725.50", "700.00"]
    assert [ln["amount"] for ln in lines] == ["1000.00", "250.00", "-600.00", "75.50", "-25.50"]
    card = api.ok(api.get("/parties/customer/10001"))
    assert card["balance"] == "700.00"
    open_items = api.ok(api.get("/parties/customer/10001/open-items", params={"limit": 500}))
    assert sum(float(i["open_amount"]) for i in open_items["items"]) == 700.0
    assert len(open_items["items"]) == 5


def test_a_supplier_ledger_is_in_the_natural_sign(api: Api) -> None:
    api.supplier("50001")
    api.posting("invoice", "50001", "800.00", "2026-03-01", kind="supplier", document_number="L1")
    api.posting("payment", "50001", "300.00", "2026-03-10", kind="supplier", applies_to="L1")
    lines = api.ok(api.get("/parties/supplier/50001/ledger"))["items"]
    assert [(ln["amount"], ln["balance"]) for ln in lines] == [("800.00", "800.00"), ("-300.00", "500.00")]
    assert api.ok(api.get("/parties/supplier/50001"))["balance"] == "500.00"
    assert api.get("/parties/customer/50001/ledger").status_code == 404
