"""Sign-in, tokens, sign-out, the login rate limit, and tokens never showing up in logs or errors."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from reskontro.services import access, listings
from tests.api.conftest import PASSWORD, Api, new_user, other_company


def login(api: Api, username: str, password: str = PASSWORD, **kw: object):  # type: ignore[no-untyped-def]
    return api.client.post("/auth/login", json={"username": username, "password": password}, **kw)


def test_sign_in_issues_a_twelve_hour_token_that_opens_the_api(api: Api) -> None:
    response = login(api, api.users["accountant"])
    body = api.ok(response)
    assert body["token"].startswith("rsk_") and body["token_type"] == "bearer"
    assert body["username"] == api.users["accountant"]
    me = api.ok(api.client.get("/me", headers={"Authorization": f"Bearer {body['token']}"}))
    assert me["username"] == api.users["accountant"]
    assert me["companies"] == [{"company_id": api.cid, "name": me["companies"][0]["name"], "org_number": None,
                                "currency": "NOK", "role": "accountant"}]
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(hours=11, minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=12)


def test_a_wrong_password_is_401_problem_json(api: Api) -> None:
    response = login(api, api.users["accountant"], "not the password")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "unauthorized" and problem["status"] == 401
    assert "not the password" not in response.text


@pytest.mark.parametrize("header", [None, "Bearer rsk_not-a-real-token", "Basic dXNlcjpwYXNz", "Bearer"])
def test_company_routes_need_a_valid_bearer_token(api: Api, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = api.client.get(api.url("/parties"), headers=headers)
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "unauthorized"
    assert response.headers["www-authenticate"].lower().startswith("bearer")


def test_every_route_but_sign_in_and_the_docs_answers_401_without_a_token(api: Api) -> None:
    doc = api.app.openapi()
    checked = 0
    for path, operations in doc["paths"].items():
        for method in operations:
            if path == "/auth/login":
                continue
            url = path.format(company_id=api.cid, kind="customer", number="1", block="credit_stop",
                              follow_up_id=1, document_id=1, code="x", ref="SF2026-1", match_id=1, name="q",
                              bank_payment_id=1, proposal_id=1, approval_id=1, line_no=1)
            response = api.client.request(method.upper(), url)
            assert response.status_code == 401, f"{method.upper()} {path}: {response.status_code}"
            checked += 1
    assert checked >= 30
    assert api.client.get("/docs").status_code == 200
    assert api.client.get("/openapi.json").status_code == 200


def test_sign_out_revokes_only_the_token_it_was_sent_with(api: Api) -> None:
    first = api.ok(login(api, api.users["read_only"]))["token"]
    second = api.ok(login(api, api.users["read_only"]))["token"]
    response = api.client.post("/auth/logout", headers={"Authorization": f"Bearer {first}"})
    assert response.status_code == 204
    assert api.client.get("/me", headers={"Authorization": f"Bearer {first}"}).status_code == 401
    assert api.client.get("/me", headers={"Authorization": f"Bearer {second}"}).status_code == 200


def test_companies_lists_only_the_companies_the_user_has_a_role_in(api: Api) -> None:
    other = other_company(api.ctx)
    username, token = new_user(api.ctx, other, "read_only")
    access.grant(uow=api.ctx.app.uow(), username=username, company_id=api.cid, role="accountant")
    rows = api.ok(api.client.get("/companies", headers={"Authorization": f"Bearer {token}"}))
    assert {(r["company_id"], r["role"]) for r in rows} == {(api.cid, "accountant"), (other, "read_only")}
    assert [r["company_id"] for r in api.ok(api.client.get("/companies", headers=api.headers()))] == [api.cid]


def test_five_failed_sign_ins_for_a_user_lock_it_for_five_minutes(api: Api) -> None:
    user = api.users["read_only"]
    for _ in range(5):
        assert login(api, user, "wrong password!").status_code == 401
    locked = login(api, user)  # even the right password
    assert locked.status_code == 429
    assert locked.json()["code"] == "rate_limited"
    assert locked.headers["content-type"] == "application/problem+json"
    assert 1 <= int(locked.headers["retry-after"]) <= 300
    api.clock.now += 299
    assert login(api, user).status_code == 429
    api.clock.now += 2
    assert login(api, user).status_code == 200


def test_five_failures_from_one_address_lock_that_address_whatever_the_user_name(api: Api) -> None:
    for n in range(5):
        assert login(api, f"nobody-{n}", "wrong password!").status_code == 401
    response = login(api, api.users["admin"])
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) == 300


def test_a_successful_sign_in_clears_the_users_failures(api: Api) -> None:
    user = api.users["admin"]
    for _ in range(4):
        login(api, user, "wrong password!")
    api.clock.now += 1
    assert login(api, user).status_code == 200
    # The address has 4 failures; the user name none: 4 more failures for the user would lock the address first.
    assert login(api, user, "wrong password!").status_code == 401
    assert login(api, user).status_code == 429


def test_tokens_never_appear_in_logs_or_error_responses(api: Api, caplog: pytest.LogCaptureFixture,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    token = api.tokens["accountant"]

    def explode(**_: object) -> None:
        raise RuntimeError(f"something broke while serving Authorization: Bearer {token} (token {token})")

    monkeypatch.setattr(listings, "list_parties", explode)
    caplog.set_level(logging.DEBUG)
    responses = [
        api.get("/parties"),  # 500
        api.get("/parties/customer/nope"),  # 404
        api.post("/postings", {"amount": 12.5}),  # 422
        api.client.get(api.url("/parties"), headers={"Authorization": f"Bearer {token}x"}),  # 401
        api.client.post("/auth/login", json={"username": "x", "password": token}),  # 401
    ]
    assert [r.status_code for r in responses] == [500, 404, 422, 401, 401]
    crash = responses[0].json()
    assert crash["code"] == "internal_error" and crash["status"] == 500
    assert "RuntimeError" not in responses[0].text and "broke" not in responses[0].text
    assert "unexpected error on GET" in caplog.text and "RuntimeError" in caplog.text
    assert "[redacted]" in caplog.text
    for r in responses:
        assert token not in r.text
    assert token not in caplog.text
    assert token[4:20] not in caplog.text
