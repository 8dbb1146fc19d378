"""Error pages: every failure is an HTML page in the visitor's language (or, for htmx, a short message).

=====================================  ======  ===============================================
what                                   status  page
=====================================  ======  ===============================================
not signed in                          303     to ``/login?next=<the page>`` (htmx: HX-Redirect)
CSRF token missing or wrong            403     "reload the page and try again"
role does not allow it                 403     "your role … cannot change anything"
no such company (or no role in it),    404     one page for all, so ids cannot be probed
record, page; a malformed path
too many failed sign-ins               429     with Retry-After
any other rule broken                  422     the rule's message
a bug                                  500     logged; no internals on the page
=====================================  ======  ===============================================
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from reskontro.domain.access import Forbidden
from reskontro.domain.errors import NotFound, ReskontroError
from reskontro.web.deps import CsrfRefused, LoginRequired
from reskontro.web.formatting import DEFAULT_LANGUAGE
from reskontro.web.i18n import N_, Translator
from reskontro.web.render import is_htmx, static_url
from reskontro.web.templating import render

logger = logging.getLogger("reskontro.web")

TITLES = {
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Not found"),
    413: N_("The file is too large"),
    422: N_("That did not work"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong"),
}


class RateLimited(ReskontroError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TooLarge(ReskontroError):
    code = "payload_too_large"


def _lang(request: Request) -> str:
    state = getattr(request.state, "web", None)
    return state.lang if state is not None else DEFAULT_LANGUAGE


def error_page(request: Request, status: int, message: str, *, headers: dict[str, str] | None = None) -> Response:
    lang = _lang(request)
    t = Translator(lang)
    title = t.gettext(TITLES.get(status, TITLES[422]))
    if is_htmx(request):
        # htmx does not swap an error response; static/app.js shows this message in the page's alert area.
        return HTMLResponse(f"{title}", status_code=status,
                            headers={**(headers or {}), "X-Message": quote(f"{title}: {message}")})
    html = render(lang, "error.html", {"t": t, "status": status, "title": title, "message": message,
                                       "static": static_url, "request": request})
    return HTMLResponse(html, status_code=status, headers=headers)


def _login_required(request: Request, exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = "/login" + (f"?{urlencode({'next': target})}" if target not in ("/", "") else "")
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def _csrf(request: Request, exc: Exception) -> Response:
    t = Translator(_lang(request))
    return error_page(request, 403, t.gettext("The form had expired or came from another site. Reload the page "
                                              "and try again."))


def _forbidden(request: Request, exc: Exception) -> Response:
    t = Translator(_lang(request))
    return error_page(request, 403, t.gettext("Your role in this company can look at everything here, but not "
                                              "change it. Ask an administrator for the accountant role."))


def _not_found(request: Request, exc: Exception) -> Response:
    t = Translator(_lang(request))
    return error_page(request, 404, t.gettext("The page does not exist, or you have no access to it."))


def _validation(request: Request, exc: Exception) -> Response:
    # A malformed path (a company id that is not a number, say) is a page that does not exist.
    return _not_found(request, exc)


def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in (404, 405):
        return _not_found(request, exc)
    return error_page(request, exc.status_code, str(exc.detail))


def _rate_limited(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RateLimited)
    t = Translator(_lang(request))
    minutes = max(1, (exc.retry_after + 59) // 60)
    return error_page(request, 429, t.ngettext("Too many failed sign-ins. Try again in %(num)d minute.",
                                               "Too many failed sign-ins. Try again in %(num)d minutes.", minutes),
                      headers={"Retry-After": str(exc.retry_after)})


def _rule(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ReskontroError)
    status = 413 if isinstance(exc, TooLarge) else 422
    return error_page(request, status, exc.message)


def _bug(request: Request, exc: Exception) -> Response:
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    t = Translator(_lang(request))
    return error_page(request, 500, t.gettext("This is a bug on our side and has been logged. Try again, or go "
                                              "back to the start page."))


HANDLERS: dict[Any, Any] = {
    LoginRequired: _login_required,
    CsrfRefused: _csrf,
    Forbidden: _forbidden,
    NotFound: _not_found,
    RateLimited: _rate_limited,
    RequestValidationError: _validation,
    StarletteHTTPException: _http,
    ReskontroError: _rule,
    Exception: _bug,
}


def install(app: FastAPI) -> None:
    for exc, handler in HANDLERS.items():
        app.add_exception_handler(exc, handler)
