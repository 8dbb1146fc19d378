"""The FastAPI application: routers, error handling, idempotency, and the OpenAPI document.

:func:`create_app` takes an already built :class:`~reskontro.bootstrap.App` (settings, engine, units of
work) and adds nothing global: two apps over two databases can live in one process, as the tests do.
"""

from __future__ import annotations

import importlib
from urllib.parse import unquote_to_bytes

from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from reskontro.api.errors import EXCEPTION_HANDLERS, CatchAllMiddleware, problem
from reskontro.api.idempotency import IdempotencyMiddleware
from reskontro.api.openapi import install
from reskontro.api.ratelimit import LoginLimiter
from reskontro.bootstrap import App

DESCRIPTION = """\
Customer and supplier sub-ledgers (kundereskontro / leverandørreskontro) for Norwegian companies.

* **Auth**: `Authorization: Bearer <token>` on every route but `POST /auth/login` and these docs.
* **Companies**: every company route is `/companies/{company_id}/...`; a company you have no role in
  is a 404, a change you may not make (read-only role) a 403.
* **Errors** are RFC 9457 `application/problem+json` with a stable `code` and `errors` naming each
  field or import row at fault.
* **Money** is a decimal string (`"1250.00"`), dates are ISO 8601.
* **Idempotency**: send `Idempotency-Key` on a POST to make a retry safe.
* **Paging**: lists take `limit` (1–500, default 50) and `after` (the `next` cursor of the previous page).
"""

#: Router modules of the API (each defines ``router``), in the order they appear in the docs.
ROUTER_MODULES: tuple[str, ...] = (
    "auth",
    "parties",
    "ledger",
    "imports",
    "saved_queries",
    "audit",
    "reports",
    "bank",
    "payments",
    # ─── Add a router module here, one line each (e.g. "reports",). ──────────────────────────────────────
    # The company-isolation and schemathesis tests walk every route in the OpenAPI document, so a new
    # route is tested there too; a new path parameter or request body needs a line in
    # tests/api/test_isolation.py (the test says which).
)


def routers() -> list[APIRouter]:
    return [importlib.import_module(f"reskontro.api.{name}").router for name in ROUTER_MODULES]


class _RefuseNul:
    """A NUL character anywhere in the path or query string is refused (PostgreSQL cannot store one, and no
    identifier contains one) before any route sees it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw_query: bytes = scope.get("query_string", b"")
            if "\x00" in scope.get("path", "") or b"\x00" in unquote_to_bytes(raw_query.replace(b"+", b" ")):
                await problem(422, "invalid_request", "the path or query string contains a NUL character",
                              instance=scope.get("path", "").replace("\x00", ""),
                              errors=[{"field": "path", "message": "must not contain NUL"}])(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(app: App, *, login_limiter: LoginLimiter | None = None) -> FastAPI:
    """The REST API over ``app``'s database."""
    api = FastAPI(title="Reskontro API", version="1", description=DESCRIPTION,
                  exception_handlers=dict(EXCEPTION_HANDLERS),  # type: ignore[arg-type]
                  openapi_tags=[
                      {"name": "auth", "description": "Sign in and out; who am I."},
                      {"name": "companies", "description": "The companies you have a role in."},
                      {"name": "parties", "description": "Customers and suppliers and everything on the card."},
                      {"name": "ledger", "description": "Postings, vouchers, items and matches."},
                      {"name": "imports", "description": "CSV/XLSX imports."},
                      {"name": "saved queries", "description": "Named report queries."},
                      {"name": "audit", "description": "The audit trail."},
                      {"name": "reports", "description": "Every report in JSON, CSV or XLSX; statements as PDF."},
                      {"name": "bank", "description": "Bank files in (OCR Giro, camt.054/053), the review queue, "
                                                      "bank accounts and the KID scheme."},
                      {"name": "payments", "description": "The due list, payment proposals, pain.001 out, "
                                                          "pain.002 in, supplier bank-account approvals."},
                  ])
    api.state.reskontro = app
    api.state.login_limiter = login_limiter or LoginLimiter()
    for router in routers():
        api.include_router(router)
    # Middleware added last runs first: catch-all, then the NUL guard, then idempotency, then the routes.
    api.add_middleware(IdempotencyMiddleware, reskontro=app)
    api.add_middleware(_RefuseNul)
    api.add_middleware(CatchAllMiddleware)
    install(api)
    return api
