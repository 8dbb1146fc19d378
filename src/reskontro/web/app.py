"""The web application: server-rendered pages (Jinja2) made lively with htmx, over the same services as
the API and the CLI.

:func:`create_web_app` takes a built :class:`~reskontro.bootstrap.App` and returns an ASGI app; it adds
nothing global, so two can live in one process (the tests run one per backend). ``reskontro serve``
mounts it beside the API (:mod:`reskontro.site`): the web owns the first path segments in
:data:`WEB_SEGMENTS`, the API everything else.
"""

from __future__ import annotations

import importlib

from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from reskontro.bootstrap import App
from reskontro.services.dashboard import DashboardCache
from reskontro.services.ratelimit import LoginLimiter
from reskontro.web import errors
from reskontro.web.deps import csrf_protect
from reskontro.web.render import STATIC_DIR
from reskontro.web.security import WebMiddleware
from reskontro.web.uploads import UploadStore

#: Route modules of the web UI (each defines ``router``).
ROUTER_MODULES: tuple[str, ...] = (
    "auth",
    "dashboard",
    # Before "parties": its card route /c/{id}/{kind}/{number} would otherwise take the GET of any
    # two-segment path (/c/1/vouchers/SF2026-1) and answer 404 for a kind that is not customer/supplier.
    "postings",
    "matching",
    "reports",  # /c/{id}/reports/{name}, /c/{id}/import/{upload}: two segments too
    "imports",
    "bank",  # /c/{id}/bank/queue, /c/{id}/bank/{upload}: two segments too
    "payments",  # /c/{id}/payments/proposals, /c/{id}/payments/accounts: two segments too
    "parties",
    # ─── Add a route module here. Every route is walked by tests/web/test_isolation.py (another company's
    # user must get 404 everywhere) and, if it changes anything, by the CSRF and read-only tests too.
)

#: First path segments served by the web UI; everything else belongs to the API. ``""`` is the start page.
WEB_SEGMENTS = frozenset({"", "login", "logout", "account", "lang", "c", "static"})


def routers() -> list[APIRouter]:
    return [importlib.import_module(f"reskontro.web.routes.{name}").router for name in ROUTER_MODULES]


def create_web_app(app: App, *, login_limiter: LoginLimiter | None = None) -> FastAPI:
    """The web UI over ``app``'s database; ``login_limiter`` is shared with the API when served together."""
    web = FastAPI(title="Reskontro", docs_url=None, redoc_url=None, openapi_url=None)
    web.state.reskontro = app
    web.state.login_limiter = login_limiter or LoginLimiter()
    web.state.dashboard_cache = DashboardCache()
    web.state.uploads = UploadStore()  # import files between preview and confirm (web/uploads.py)
    # Every route, present and future, checks the CSRF token of an unsafe request before anything else.
    for router in routers():
        web.include_router(router, dependencies=[Depends(csrf_protect)])
    web.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    errors.install(web)
    web.add_middleware(WebMiddleware)
    return web
