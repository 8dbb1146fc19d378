"""Idempotency-Key: a retried POST is answered with the first response and posts nothing twice."""

from __future__ import annotations

import json

from reskontro.api.idempotency import request_hash
from reskontro.services import access
from tests.api.conftest import Api, new_user, other_company
from tests.builders import count

INVOICE = {"kind": "customer", "type": "invoice", "party_number": "10001", "amount": "1250.00",
           "date": "2026-06-01"}


def test_the_same_key_and_body_replays_the_first_response_and_posts_once(api: Api) -> None:
    api.customer("10001")
    first = api.post("/postings", INVOICE, headers={"Idempotency-Key": "inv-1"})
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    again = api.post("/postings", INVOICE, headers={"Idempotency-Key": "inv-1"})
    assert again.status_code == 201
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["content-type"] == "application/json"
    assert count(api.ctx, "vouchers") == 1


def test_the_same_key_with_another_body_is_409(api: Api) -> None:
    api.customer("10001")
    api.ok(api.post("/postings", INVOICE, headers={"Idempotency-Key": "inv-1"}), 201)
    other = api.post("/postings", {**INVOICE, "amount": "99.00"}, headers={"Idempotency-Key": "inv-1"})
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["code"] == "idempotency_key_reused"
    elsewhere = api.post("/parties", {"kind": "customer", "number": "2", "name": "X"},
                         headers={"Idempotency-Key": "inv-1"})
    assert elsewhere.status_code == 409
    assert count(api.ctx, "vouchers") == 1


def test_a_key_whose_first_request_is_still_running_is_409(api: Api) -> None:
    api.customer("10001")
    principal = access.authenticate_token(uow=api.ctx.app.uow(), token=api.tokens["accountant"])
    assert principal is not None
    user_id = principal.user_id
    body = json.dumps(INVOICE).encode()
    assert access.reserve_idempotency(uow=api.ctx.app.uow(), company_id=api.cid, user_id=user_id, key="busy",
                                      request_hash=request_hash("POST", api.url("/postings"), b"", body)) is None
    running = api.client.post(api.url("/postings"), content=body,
                              headers=api.headers(**{"Idempotency-Key": "busy", "Content-Type": "application/json"}))
    assert running.status_code == 409 and running.json()["code"] == "idempotency_key_in_progress"
    assert count(api.ctx, "vouchers") == 0


def test_keys_belong_to_the_user_and_requests_without_a_key_are_not_deduplicated(api: Api) -> None:
    api.customer("10001")
    api.ok(api.post("/postings", INVOICE, headers={"Idempotency-Key": "k"}), 201)
    api.ok(api.post("/postings", INVOICE, role="admin", headers={"Idempotency-Key": "k"}), 201)
    api.ok(api.post("/postings", INVOICE), 201)
    api.ok(api.post("/postings", INVOICE), 201)
    assert count(api.ctx, "vouchers") == 4


def test_a_client_error_is_replayed_but_a_conflict_is_not_kept(api: Api) -> None:
    bad = api.post("/postings", INVOICE, headers={"Idempotency-Key": "early"})
    assert bad.status_code == 404  # no such party yet
    assert api.post("/postings", INVOICE, headers={"Idempotency-Key": "early"}).content == bad.content
    api.customer("10001")
    conflict = api.post("/parties", {"kind": "customer", "number": "10001", "name": "X"},
                        headers={"Idempotency-Key": "dup"})
    assert conflict.status_code == 409
    api.ok(api.patch("/parties/customer/10001", {"number": "10009"}))
    retried = api.post("/parties", {"kind": "customer", "number": "10001", "name": "X"},
                       headers={"Idempotency-Key": "dup"})
    assert retried.status_code == 201  # the conflict was gone; the retry ran again


def test_a_bad_key_is_422_and_a_stranger_with_a_key_gets_404_not_a_replay(api: Api) -> None:
    api.customer("10001")
    too_long = api.post("/postings", INVOICE, headers={"Idempotency-Key": "x" * 256})
    assert too_long.status_code == 422
    assert any("Idempotency-Key" in (e["field"] or "") for e in too_long.json()["errors"])
    _, stranger = new_user(api.ctx, other_company(api.ctx), "admin")
    response = api.client.post(api.url("/postings"), json=INVOICE,
                               headers={"Authorization": f"Bearer {stranger}", "Idempotency-Key": "k2"})
    assert response.status_code == 404
    assert count(api.ctx, "vouchers") == 0
