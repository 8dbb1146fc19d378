"""Signing in and out, the account page (password, language), and the start page."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from reskontro.domain.errors import ValidationFailed
from reskontro.services import access, companies
from reskontro.services.ratelimit import LoginLimiter
from reskontro.web.deps import CurrentVisitor, SignedIn, Visitor
from reskontro.web.errors import RateLimited
from reskontro.web.formatting import LANGUAGES
from reskontro.web.i18n import N_, Translator
from reskontro.web.render import page
from reskontro.web.security import LANG_COOKIE, LANG_MAX_AGE, SESSION_COOKIE, cookie

router = APIRouter()

PASSWORD_MESSAGES = {
    "current_password": N_("The current password is wrong."),
    "new_password": N_("A password needs at least 10 characters."),
    "confirm_password": N_("The two new passwords differ."),
}


async def form_data(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(form_data)]


def text(form: FormData, name: str, limit: int = 2000) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def local_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site (``/c/1/customers?q=x``), else None: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ch in target for ch in "\r\n\x00"):
        return None
    return target


def _limiter(request: Request) -> LoginLimiter:
    limiter: LoginLimiter = request.app.state.login_limiter
    return limiter


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/")
def start(who: CurrentVisitor) -> Response:
    """Signed in: the first of the user's companies (by name); else the login page."""
    if who.session is None:
        return RedirectResponse("/login", status_code=303)
    mine = companies.companies_by_ids(uow=who.app.uow(readonly=True), company_ids=who.session.principal.roles)
    if not mine:
        return RedirectResponse("/account", status_code=303)
    return RedirectResponse(f"/c/{mine[0].company_id}/", status_code=303)


@router.get("/login")
def login_page(request: Request, who: CurrentVisitor,
               next_: Annotated[str | None, Query(alias="next", max_length=2000)] = None) -> Response:
    if who.session is not None:
        return RedirectResponse(local_path(next_) or "/", status_code=303)
    return page(request, who, "login.html", next=local_path(next_) or "", username="", error=None)


@router.post("/login")
def login(request: Request, who: CurrentVisitor, form: Form) -> Response:
    """Check the password (rate-limited like the API's sign-in), start a session, go where the user was going."""
    t = Translator(who.lang)
    username = text(form, "username", 200).strip().lower()
    password = text(form, "password", 2000)
    target = local_path(text(form, "next")) or "/"
    limiter = _limiter(request)
    keys = [f"user:{username}", f"ip:{_client(request)}"]
    wait = limiter.retry_after(keys)
    if wait is not None:
        raise RateLimited(f"too many failed sign-ins; try again in {wait} seconds", retry_after=wait)
    found = access.authenticate_password(uow=who.app.uow(), username=username, password=password)
    if found is None:
        limiter.failed(keys)
        return page(request, who, "login.html", status=401, next=target if target != "/" else "", username=username,
                    error=t.gettext("Wrong user name or password."))
    limiter.succeeded(keys[0])
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        access.end_session(uow=who.app.uow(), secret=old)
    secret, _session = access.start_session(uow=who.app.uow(), user_id=found.user_id)
    response = RedirectResponse(target, status_code=303)
    response.headers.append("Set-Cookie", cookie(SESSION_COOKIE, secret, secure=who.https))
    return response


@router.post("/logout")
def logout(request: Request, who: CurrentVisitor) -> Response:
    """End the session at once (it no longer works, even if the cookie was copied) and forget the cookie."""
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        access.end_session(uow=who.app.uow(), secret=secret)
    response = RedirectResponse("/login", status_code=303)
    response.headers.append("Set-Cookie", cookie(SESSION_COOKIE, "", secure=who.https, max_age=0))
    return response


@router.post("/lang")
def set_language(who: CurrentVisitor, form: Form) -> Response:
    """Switch the language (kept in a cookie for a year, signed in or not) and go back to the page."""
    lang = text(form, "lang")
    response = RedirectResponse(local_path(text(form, "next")) or "/", status_code=303)
    if lang in LANGUAGES:
        response.headers.append("Set-Cookie", cookie(LANG_COOKIE, lang, secure=who.https, max_age=LANG_MAX_AGE))
    return response


def _account(request: Request, who: Visitor, *, status: int = 200, errors: dict[str, str] | None = None,
             notice: str | None = None) -> Response:
    assert who.session is not None
    principal = who.session.principal
    mine = companies.companies_by_ids(uow=who.app.uow(readonly=True), company_ids=principal.roles)
    return page(request, who, "account.html", status=status, errors=errors or {}, notice=notice,
                companies=[(c, principal.roles[c.company_id]) for c in mine], session=who.session)


@router.get("/account")
def account(request: Request, who: SignedIn) -> Response:
    return _account(request, who)


@router.post("/account/password")
def change_password(request: Request, who: SignedIn, form: Form) -> Response:
    """Change one's own password; the other sessions of the user end, this one goes on."""
    assert who.session is not None
    t = Translator(who.lang)
    current, new, confirm = (text(form, n) for n in ("current_password", "new_password", "confirm_password"))
    username = who.session.principal.username
    limiter = _limiter(request)
    keys = [f"user:{username}", f"ip:{_client(request)}"]
    wait = limiter.retry_after(keys)
    if wait is not None:
        raise RateLimited(f"too many failed attempts; try again in {wait} seconds", retry_after=wait)
    if new != confirm:
        return _account(request, who, status=422,
                        errors={"confirm_password": t.gettext(PASSWORD_MESSAGES["confirm_password"])})
    try:
        access.change_password(uow=who.app.uow(actor=username), username=username, current_password=current,
                               new_password=new, keep_session=who.session.session_id)
    except ValidationFailed as exc:
        if exc.field == "current_password":
            limiter.failed(keys)
        field = exc.field or "new_password"
        message = t.gettext(PASSWORD_MESSAGES[field]) if field in PASSWORD_MESSAGES else exc.message
        return _account(request, who, status=422, errors={field: message})
    return _account(request, who, notice=t.gettext("Your password is changed. Other sign-ins of yours have been "
                                                   "ended."))
