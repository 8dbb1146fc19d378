"""Cookies and headers every web response carries.

:class:`WebMiddleware` runs before every page: it reads the language cookie and the anonymous CSRF
cookie (setting a new random one when there is none, so the login form can be protected before
there is a session), and adds to every response:

* ``Content-Security-Policy``: scripts, styles, images and form targets only from this server;
  no inline script, no inline style, no framing (the pages use neither, and htmx's own indicator
  style is switched off in favour of ``app.css``);
* ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``, ``X-Frame-Options: DENY``;
* ``Cache-Control: no-store`` on pages (ledger data must not stay in a shared cache or come back
  with the browser's back button after sign-out); static files are cacheable for an hour.

A request whose ``Content-Length`` is over :data:`MAX_BODY` (a 50 MB document and its form) is
refused with 413 before its body is read.

Cookies are ``HttpOnly`` and ``SameSite=Lax``, and ``Secure`` when the request came over https
(behind a TLS-terminating proxy, run ``reskontro serve --proxy-headers`` so the scheme is seen).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie

from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reskontro.web.formatting import DEFAULT_LANGUAGE, LANGUAGES

SESSION_COOKIE = "reskontro_session"
CSRF_COOKIE = "reskontro_csrf"
LANG_COOKIE = "reskontro_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
#: The language choice is kept for a year; the CSRF cookie for a browser session.
LANG_MAX_AGE = 365 * 24 * 3600

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                           "base-uri 'none'; object-src 'none'")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
#: The largest request body read: a document of at most 50 MB in a multipart form, with room to spare.
MAX_BODY = 51 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class WebState:
    """What the middleware read from the request's cookies."""

    lang: str
    anonymous_csrf: str


def cookie(name: str, value: str, *, secure: bool, max_age: int | None = None, http_only: bool = True) -> str:
    """A ``Set-Cookie`` value: path /, SameSite=Lax, HttpOnly; Secure over https. An empty value with
    ``max_age=0`` deletes the cookie."""
    jar: SimpleCookie = SimpleCookie()
    jar[name] = value
    morsel = jar[name]
    morsel["path"] = "/"
    morsel["samesite"] = "Lax"
    if http_only:
        morsel["httponly"] = True
    if secure:
        morsel["secure"] = True
    if max_age is not None:
        morsel["max-age"] = max_age
    return morsel.OutputString()


def _cookies(scope: Scope) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except CookieError:  # a malformed cookie header counts as no cookies
                continue
    return {k: m.value for k, m in jar.items()}


class WebMiddleware:
    def __init__(self, app: ASGIApp, *, static_prefix: str = "/static/") -> None:
        self.app = app
        self.static_prefix = static_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = _cookies(scope)
        lang = cookies.get(LANG_COOKIE, DEFAULT_LANGUAGE)
        if lang not in LANGUAGES:
            lang = DEFAULT_LANGUAGE
        anonymous = cookies.get(CSRF_COOKIE, "")
        new_token = None
        if not _TOKEN.match(anonymous):
            anonymous = new_token = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["web"] = WebState(lang, anonymous)
        length = next((v for k, v in scope.get("headers", []) if k == b"content-length"), b"0")
        if not length.isdigit() or int(length) > MAX_BODY:
            response = PlainTextResponse("413 the request is too large (a document may be at most 50 MB)",
                                         status_code=413, headers={"Connection": "close"})
            await response(scope, receive, send)
            return
        secure = scope.get("scheme") == "https"
        static = scope.get("path", "").startswith(self.static_prefix)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("Cache-Control", "public, max-age=3600" if static else "no-store")
                if new_token is not None and not static:
                    headers.append("Set-Cookie", cookie(CSRF_COOKIE, new_token, secure=secure))
            await send(message)

        await self.app(scope, receive, send_with_headers)
