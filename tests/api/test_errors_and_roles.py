"""Problem+json for every kind of error, and what each role may do."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, other_company

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "code", "errors"}


def test_a_body_that_does_not_match_the_schema_names_every_field_at_fault(api: Api) -> None:
    response = api.post("/postings", {"kind": "customer", "type": "refund", "amount": "1,5", "date": "31.12.2026",
                                      "extra": 1})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert set(problem) == PROBLEM_KEYS
    assert problem["type"] == "urn:reskontro:problem:invalid_request" and problem["status"] == 422
    assert problem["instance"] == api.url("/postings")
    fields = {e["field"] for e in problem["errors"]}
    assert {"body.type", "body.amount", "body.date", "body.party_number", "body.extra"} <= fields


def test_query_and_path_parameters_are_validated_by_location(api: Api) -> None:
    too_many = api.get("/parties", params={"limit": 501})
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "query.limit"
    bad_kind = api.get("/parties/client/10001")
    assert bad_kind.status_code == 422 and bad_kind.json()["errors"][0]["field"] == "path.kind"
    bad_cursor = api.get("/parties", params={"after": "bm90LWEtY3Vyc29y"})
    assert bad_cursor.status_code == 422 and bad_cursor.json()["errors"][0]["field"] == "after"
    nul = api.client.get(api.url("/parties") + "?search=a%00b", headers=api.headers())
    assert nul.status_code == 422 and nul.json()["code"] == "invalid_request"


def test_unknown_routes_and_methods_are_problems_too(api: Api) -> None:
    missing = api.client.get("/no/such/route", headers=api.headers())
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert missing.headers["content-type"] == "application/problem+json"
    wrong_method = api.client.put("/me", headers=api.headers())
    assert wrong_method.status_code == 405 and wrong_method.json()["code"] == "method_not_allowed"


def test_a_missing_company_and_a_company_without_a_role_are_the_same_404(api: Api) -> None:
    other = other_company(api.ctx)
    none = api.client.get("/companies/2147483647/parties", headers=api.headers())
    foreign = api.client.get(f"/companies/{other}/parties", headers=api.headers())
    assert none.status_code == foreign.status_code == 404
    assert none.json()["code"] == foreign.json()["code"] == "not_found"
    assert none.json()["errors"][0]["field"] == foreign.json()["errors"][0]["field"] == "company"


WRITES = [
    ("post", "/parties", {"kind": "customer", "number": "2", "name": "X"}),
    ("patch", "/parties/customer/10001", {"city": "Oslo"}),
    ("put", "/parties/customer/10001/blocks/credit_stop", {"reason": "x"}),
    ("delete", "/parties/customer/10001/blocks/credit_stop", None),
    ("post", "/parties/customer/10001/contacts", {"name": "Kari"}),
    ("post", "/parties/customer/10001/follow-ups", {"title": "Ring"}),
    ("patch", "/follow-ups/1", {"status": "done"}),
    ("post", "/free-fields", {"code": "x", "type": "text"}),
    ("put", "/parties/customer/10001/free-fields/x", {"value": "y"}),
    ("post", "/postings", {"kind": "customer", "type": "invoice", "party_number": "10001", "amount": "1.00",
                           "date": "2026-06-01"}),
    ("post", "/vouchers/SF2026-1/reverse", {}),
    ("post", "/matches", {"item_a": 1, "item_b": 2}),
    ("post", "/matches/1/unmatch", None),
    ("post", "/saved-queries", {"name": "q", "report": "aged", "shared": True}),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_a_read_only_user_may_not_change_anything(api: Api, method: str, path: str, body: object) -> None:
    api.customer("10001")
    kwargs = {} if body is None else {"json": body}
    response = api.client.request(method.upper(), api.url(path), headers=api.headers("read_only"), **kwargs)
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "forbidden"


@pytest.mark.parametrize("upload", ["/parties/customer/10001/documents", "/imports/parties",
                                    "/imports/transactions"])
def test_a_read_only_user_may_not_upload(api: Api, upload: str) -> None:
    api.customer("10001")
    response = api.post(upload, None, role="read_only", files={"file": ("a.csv", b"number\n", "text/csv")})
    assert response.status_code == 403


def test_a_read_only_user_reads_everything_and_keeps_personal_queries(api: Api) -> None:
    api.customer("10001")
    for path in ("/parties", "/parties/customer/10001", "/parties/customer/10001/ledger", "/vouchers", "/items",
                 "/audit", "/free-fields", "/saved-queries", "/parties/customer/10001/match-suggestions"):
        assert api.get(path, role="read_only").status_code == 200, path
    mine = api.post("/saved-queries", {"name": "mine", "report": "aged"}, role="read_only")
    assert mine.status_code == 201 and mine.json()["owner"] == api.users["read_only"]
    assert api.delete("/saved-queries/mine", role="read_only").status_code == 204
