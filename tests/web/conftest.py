"""Web UI test fixtures: the served site (web + API) over the test's database, users with each role, and a
browser-like client per user that signs in through the login form.

Like the API tests, every test gets its own company (``ctx``, on SQLite and PostgreSQL) and its own users
(names carry a random suffix), and argon2 runs with its cheapest parameters.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from reskontro.bootstrap import App, build
from reskontro.services import access
from reskontro.services.ratelimit import LoginLimiter
from reskontro.site import Site, create_site
from reskontro.web.uploads import UploadStore
from tests.conftest import Ctx, FakeClock

PASSWORD = "correct horse battery"
ROLES = ("admin", "accountant", "read_only")
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def new_user(ctx: Ctx, company_id: int | None, role: str | None, prefix: str = "w") -> str:
    username = f"{prefix}-{uuid.uuid4().hex[:10]}"
    access.create_user(uow=ctx.app.uow(), username=username, password=PASSWORD)
    if company_id is not None and role is not None:
        access.grant(uow=ctx.app.uow(), username=username, company_id=company_id, role=role)
    return username


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, "the page has no CSRF meta tag"
    return found.group(1)


@dataclass
class Browser:
    """One signed-in (or not) browser: a client with its own cookies and the CSRF token of its pages."""

    client: TestClient
    username: str | None = None
    csrf: str = ""

    def get(self, url: str, **kw: Any) -> httpx.Response:
        response = self.client.get(url, **kw)
        if response.headers.get("content-type", "").startswith("text/html") and 'name="csrf-token"' in response.text:
            self.csrf = csrf_of(response.text)
        return response

    def post(self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kw: Any) -> httpx.Response:
        body = dict(data or {})
        if csrf:
            body.setdefault("csrf_token", self.csrf)
        kw.setdefault("follow_redirects", False)
        return self.client.post(url, data=body, **kw)


@dataclass
class Web:
    ctx: Ctx
    app: App
    site: Site
    limiter: LoginLimiter
    clock: FakeClock
    users: dict[str, str] = field(default_factory=dict)
    clients: list[TestClient] = field(default_factory=list)

    @property
    def cid(self) -> int:
        return self.ctx.company_id

    @property
    def web(self) -> FastAPI:
        app = self.site.web
        assert isinstance(app, FastAPI)
        return app

    def url(self, path: str = "/") -> str:
        return f"/c/{self.cid}{path}"

    def browser(self, *, https: bool = False) -> Browser:
        client = TestClient(self.site, base_url="https://testserver" if https else "http://testserver")
        client.__enter__()
        self.clients.append(client)
        return Browser(client)

    def sign_in(self, role_or_user: str = "accountant", password: str = PASSWORD, *, https: bool = False) -> Browser:
        username = self.users.get(role_or_user, role_or_user)
        b = self.browser(https=https)
        b.get("/login")
        response = b.post("/login", {"username": username, "password": password})
        assert response.status_code == 303, response.text
        b.username = username
        b.get(self.url("/"))
        return b


@contextmanager
def private_uploads(site: Site) -> Iterator[Path]:
    """The site keeps its pending import files in a folder of the test's own, removed after it (not in the
    machine's shared upload folder, where a test's uploads would wait an hour to be swept)."""
    folder = Path(tempfile.mkdtemp(prefix="reskontro-test-uploads-"))
    web = site.web
    assert isinstance(web, FastAPI)
    web.state.uploads = UploadStore(folder)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def make_web(ctx: Ctx) -> Iterator[Web]:
    """The site over the test's database, on the test's clock (``ctx.today_value``)."""
    clock = FakeClock()
    limiter = LoginLimiter(clock=clock)
    app = build(ctx.app.settings, today=lambda: ctx.today_value)
    web = Web(ctx, app, create_site(app, login_limiter=limiter), limiter, clock)
    for role in ROLES:
        web.users[role] = new_user(ctx, ctx.company_id, role, prefix=role.replace("_", ""))
    try:
        with private_uploads(web.site):
            yield web
    finally:
        for client in web.clients:
            client.__exit__(None, None, None)
        app.close()


@pytest.fixture
def web(ctx: Ctx) -> Iterator[Web]:
    yield from make_web(ctx)
