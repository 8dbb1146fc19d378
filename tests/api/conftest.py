"""API test fixtures: the app over the test's database, users with each role, and their tokens.

Every test gets its own company (the ``ctx`` fixture, on SQLite and PostgreSQL) and its own users
(user names are global, so each carries a random suffix). Password hashing uses argon2's cheapest
parameters so that signing in costs microseconds, not 50 ms.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from reskontro.api import create_app
from reskontro.api.ratelimit import LoginLimiter
from reskontro.services import access
from reskontro.services.companies import init_company
from tests.conftest import Ctx, FakeClock

PASSWORD = "correct horse battery"
ROLES = ("admin", "accountant", "read_only")


def new_user(ctx: Ctx, company_id: int | None, role: str | None, prefix: str = "u") -> tuple[str, str]:
    """A user with a role in the company and an API token: (username, token)."""
    username = f"{prefix}-{uuid.uuid4().hex[:10]}"
    access.create_user(uow=ctx.app.uow(), username=username, password=PASSWORD)
    if company_id is not None and role is not None:
        access.grant(uow=ctx.app.uow(), username=username, company_id=company_id, role=role)
    _, token = access.issue_token(uow=ctx.app.uow(), username=username, name="test")
    return username, token


@dataclass
class Api:
    """A test client with a user per role in the test's company."""

    ctx: Ctx
    app: FastAPI
    client: TestClient
    clock: FakeClock
    users: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def cid(self) -> int:
        return self.ctx.company_id

    def url(self, path: str) -> str:
        return f"/companies/{self.cid}{path}"

    def headers(self, role: str = "accountant", **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}", **extra}

    def get(self, path: str, role: str = "accountant", **kw: Any) -> httpx.Response:
        return self.client.get(self.url(path), headers=self.headers(role, **kw.pop("headers", {})), **kw)

    def post(self, path: str, json: Any = None, role: str = "accountant", **kw: Any) -> httpx.Response:
        return self.client.post(self.url(path), json=json, headers=self.headers(role, **kw.pop("headers", {})),
                                **kw)

    def patch(self, path: str, json: Any = None, role: str = "accountant", **kw: Any) -> httpx.Response:
        return self.client.patch(self.url(path), json=json, headers=self.headers(role, **kw.pop("headers", {})),
                                 **kw)

    def put(self, path: str, json: Any = None, role: str = "accountant", **kw: Any) -> httpx.Response:
        return self.client.put(self.url(path), json=json, headers=self.headers(role, **kw.pop("headers", {})),
                               **kw)

    def delete(self, path: str, role: str = "accountant", **kw: Any) -> httpx.Response:
        return self.client.delete(self.url(path), headers=self.headers(role, **kw.pop("headers", {})), **kw)

    def ok(self, response: httpx.Response, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    def customer(self, number: str = "10001", **fields: Any) -> dict[str, Any]:
        body = {"kind": "customer", "number": number, "name": f"Kunde {number} AS", **fields}
        return self.ok(self.post("/parties", body), 201)  # type: ignore[no-any-return]

    def supplier(self, number: str = "50001", **fields: Any) -> dict[str, Any]:
        body = {"kind": "supplier", "number": number, "name": f"Leverandør {number} AS", **fields}
        return self.ok(self.post("/parties", body), 201)  # type: ignore[no-any-return]

    def posting(self, type_: str, party: str, amount: str, on: str, kind: str = "customer",
                **fields: Any) -> dict[str, Any]:
        body = {"kind": kind, "type": type_, "party_number": party, "amount": amount, "date": on, **fields}
        return self.ok(self.post("/postings", body), 201)  # type: ignore[no-any-return]


def make_api(ctx: Ctx) -> Iterator[Api]:
    clock = FakeClock()
    app = create_app(ctx.app, login_limiter=LoginLimiter(clock=clock))
    with TestClient(app) as client:
        api = Api(ctx, app, client, clock)
        for role in ROLES:
            api.users[role], api.tokens[role] = new_user(ctx, ctx.company_id, role, prefix=role.replace("_", ""))
        yield api


@pytest.fixture
def api(ctx: Ctx) -> Iterator[Api]:
    yield from make_api(ctx)


def other_company(ctx: Ctx, name: str = "Annen") -> int:
    return init_company(uow=ctx.app.uow(), name=f"{name} {uuid.uuid4().hex[:6]} AS")
