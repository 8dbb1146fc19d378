"""Bank files over the API: preview, import, the review queue and its resolution, the KID scheme."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.builders_bank import camt054, ocr_file


def _setup(api: Api) -> None:
    api.ok(api.post("/parties", {"kind": "customer", "number": "1001", "name": "Kunde En AS"}), 201)
    api.ok(api.post("/parties", {"kind": "customer", "number": "1002", "name": "Per Hansen"}), 201)
    api.ok(api.post("/postings", {"kind": "customer", "type": "invoice", "party_number": "1001", "amount": "100.00",
                                  "date": "2026-01-15", "document_number": "10001", "kid": "0001000108"}), 201)
    api.ok(api.post("/postings", {"kind": "customer", "type": "invoice", "party_number": "1002", "amount": "999.00",
                                  "date": "2026-01-15", "document_number": "20002"}), 201)
    account = api.ok(api.post("/bank/accounts", {"account": "1503.12.34562", "name": "Driftskonto"}), 201)
    assert (account["account"], account["gl_account"]) == ("15031234562", "1920")


def _upload(api: Api, path: str, name: str, data: bytes, role: str = "accountant"):  # type: ignore[no-untyped-def]
    return api.post(path, None, role=role, files={"file": (name, data, "application/octet-stream")})


def test_a_bank_file_is_previewed_imported_and_its_stranger_resolved_by_hand(api: Api) -> None:
    _setup(api)
    data = camt054([{"amount": "100.00", "kid": "0001000108"}, {"amount": "999.00", "name": "P. Hansen"}])
    preview = api.ok(_upload(api, "/bank/files/preview", "c.xml", data))
    assert [(r["outcome"], r["method"], r["party_number"]) for r in preview["rows"]] == [
        ("posted", "kid", "1001"), ("review", None, None)]
    done = api.ok(_upload(api, "/bank/files", "c.xml", data))
    assert (done["posted"], done["settled"], done["review"], done["amount_in"]) == (1, 1, 1, "1099.00")
    again = api.ok(_upload(api, "/bank/files", "c.xml", data))
    assert again["already_imported"] is True
    queue = api.ok(api.get("/bank/queue"))
    assert queue["total"] == 1
    pid = queue["rows"][0]["bank_payment_id"]
    best = api.ok(api.get(f"/bank/payments/{pid}/suggestions"))[0]
    assert (best["party_number"], best["document_number"], best["reasons"]) == (
        "1002", "20002", ["exact amount", "payer's name"])
    resolved = api.ok(api.post(f"/bank/payments/{pid}/resolve", {"party_number": "1002", "invoice": "20002"}))
    assert resolved["settled"] == ["20002"]
    assert api.ok(api.get("/bank/queue"))["total"] == 0
    files = api.ok(api.get("/bank/files"))
    assert [(f["transactions"], f["posted"], f["review"]) for f in files] == [(2, 1, 1)]


def test_a_damaged_file_is_a_422_naming_each_line_and_posts_nothing(api: Api) -> None:
    _setup(api)
    data = ocr_file([{"amount": "100.00", "kid": "0001000108"}]).replace(b"NY000089", b"NY000088")
    problem = _upload(api, "/bank/files", "ocr.txt", data)
    assert problem.status_code == 422
    assert any("ocr.txt" in e["message"] and "line" in e["message"] for e in problem.json()["errors"])
    assert api.ok(api.get("/bank/files")) == []


def test_a_hostile_xml_file_is_refused(api: Api) -> None:
    _setup(api)
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
            b"<Document>&lol2;</Document>")
    problem = _upload(api, "/bank/files", "bomb.xml", bomb)
    assert problem.status_code == 422
    assert "DOCTYPE" in problem.text


def test_the_kid_scheme_and_a_read_only_user(api: Api) -> None:
    scheme = api.ok(api.put("/bank/kid-scheme", {"algorithm": "mod11", "length": 8, "source": "invoice"}))
    assert scheme == {"algorithm": "mod11", "length": 8, "source": "invoice", "customer_digits": None}
    assert api.put("/bank/kid-scheme", {"algorithm": "mod10"}).status_code == 422
    assert _upload(api, "/bank/files", "c.xml", camt054([{"amount": "1.00"}]), role="read_only").status_code == 403
