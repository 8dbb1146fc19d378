"""Who is asking, and may they: the browser's session, the CSRF check, and access to a company.

**Session.** Signing in sets the cookie ``reskontro_session`` (HttpOnly, SameSite=Lax, Secure when
the page is served over https, no Max-Age: it ends with the browser or after
:data:`~reskontro.services.access.SESSION_LIFETIME`, whichever is first). It holds a random secret;
the server keeps only its SHA-256 (``web_sessions``), so signing out ends it at once and a copy of
the database signs nobody in.

**CSRF.** Every POST (every unsafe method) must carry the CSRF token, as the form field
``csrf_token`` or the header ``X-CSRF-Token`` (``static/app.js`` adds it to every htmx request
from ``<meta name="csrf-token">``). A signed-in browser's token is derived from its session secret
(SHA-256 of ``"csrf:" + secret``), so it is per session, needs no storage, and is unknown to a page
on another site, which cannot read the HttpOnly cookie. Before sign-in (the login form, the language
switch) the token is the random ``reskontro_csrf`` cookie (double submit). The check is a
dependency of the whole web router, so a new POST route is protected without asking.

**Company access.** Pages of a company are under ``/c/{company_id}/``. :data:`Reader` and
:data:`Writer` call :func:`reskontro.domain.access.require` before anything else: a company the
user has no role in is the same 404 as one that does not exist; a read-only user on a write route
is a 403 (and the pages show read-only users no edit controls).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request

from reskontro.bootstrap import App
from reskontro.domain.access import Role, require
from reskontro.domain.errors import NotFound, ReskontroError
from reskontro.services import access, companies
from reskontro.services.access import WebSession
from reskontro.services.companies import Company
from reskontro.services.unit_of_work import UnitOfWork
from reskontro.web.security import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, WebState

MAX_INT32 = 2**31 - 1
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginRequired(ReskontroError):
    """The page needs a signed-in user; the browser is sent to the login page and back."""

    code = "unauthorized"


class CsrfRefused(ReskontroError):
    """A form or htmx request without the right CSRF token."""

    code = "csrf_refused"


def derived_csrf(secret: str) -> str:
    return hashlib.sha256(f"csrf:{secret}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Visitor:
    """Anyone's request: the app, the language, the session (None before sign-in) and the CSRF token."""

    app: App
    lang: str
    session: WebSession | None
    csrf: str
    https: bool

    @property
    def username(self) -> str | None:
        return self.session.principal.username if self.session else None


def get_app(request: Request) -> App:
    app: App = request.app.state.reskontro
    return app


def web_state(request: Request) -> WebState:
    state: WebState = request.state.web
    return state


def visitor(request: Request) -> Visitor:
    """The request's visitor; the session is looked up once per request (read-only, no write)."""
    app = get_app(request)
    state = web_state(request)
    secret = request.cookies.get(SESSION_COOKIE)
    found = access.find_session(uow=app.uow(readonly=True), secret=secret) if secret else None
    csrf = derived_csrf(secret) if found is not None and secret else state.anonymous_csrf
    return Visitor(app, state.lang, found, csrf, request.url.scheme == "https")


CurrentVisitor = Annotated[Visitor, Depends(visitor)]


async def csrf_protect(request: Request, who: CurrentVisitor) -> None:
    """Refuse an unsafe request whose CSRF token (form field or header) is not the visitor's."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent.encode(), who.csrf.encode()):
        raise CsrfRefused("the form is missing its security token or it has expired; reload the page",
                          field=CSRF_FIELD)


def signed_in(request: Request, who: CurrentVisitor) -> Visitor:
    if who.session is None:
        raise LoginRequired("sign in to see this page", field="session")
    return who


SignedIn = Annotated[Visitor, Depends(signed_in)]


@dataclass(frozen=True, slots=True)
class Desk:
    """A signed-in user at work in one company, with a role that allows the page."""

    visitor: Visitor
    session: WebSession
    company: Company
    role: Role
    companies: list[Company]

    @property
    def app(self) -> App:
        return self.visitor.app

    @property
    def company_id(self) -> int:
        return self.company.company_id

    @property
    def can_write(self) -> bool:
        return self.role.can_write

    @property
    def username(self) -> str:
        return self.session.principal.username

    def uow(self, *, readonly: bool = False) -> UnitOfWork:
        """A unit of work whose audit events name the signed-in user."""
        return self.app.uow(readonly=readonly, actor=self.username)


CompanyId = Annotated[int, Path(ge=1, le=MAX_INT32)]


def _desk(who: Visitor, company_id: int, *, write: bool) -> Desk:
    if who.session is None:
        raise LoginRequired("sign in to see this page", field="session")
    principal = who.session.principal
    role = require(principal, company_id, write=write)
    mine = companies.companies_by_ids(uow=who.app.uow(readonly=True), company_ids=principal.roles)
    company = next((c for c in mine if c.company_id == company_id), None)
    if company is None:  # a role in a company that is gone: the same answer as any unknown company
        raise NotFound(f"company {company_id} does not exist", field="company")
    return Desk(who, who.session, company, role, mine)


def read_desk(who: CurrentVisitor, company_id: CompanyId) -> Desk:
    return _desk(who, company_id, write=False)


def write_desk(who: CurrentVisitor, company_id: CompanyId) -> Desk:
    return _desk(who, company_id, write=True)


Reader = Annotated[Desk, Depends(read_desk)]
Writer = Annotated[Desk, Depends(write_desk)]
