"""What ``reskontro serve`` serves: the web UI and the REST API in one ASGI application.

The web UI owns the paths whose first segment is in :data:`reskontro.web.app.WEB_SEGMENTS` (``/``,
``/login``, ``/c/...``, ``/static/...`` and a few more); every other path goes to the API exactly as
before (``/auth/login``, ``/companies/...``, ``/docs``, ``/openapi.json``), with its own error
handling (problem+json) and middleware. The two share one sign-in rate limiter, so failed sign-ins
through either count together. Start-up and shutdown events go to the API.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from reskontro.api import create_app
from reskontro.bootstrap import App
from reskontro.services.ratelimit import LoginLimiter
from reskontro.web.app import WEB_SEGMENTS, create_web_app


def first_segment(path: str) -> str:
    return path.lstrip("/").split("/", 1)[0]


class Site:
    """Dispatches each request to the web UI or the API by the first segment of its path."""

    def __init__(self, api: ASGIApp, web: ASGIApp) -> None:
        self.api = api
        self.web = web

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and first_segment(scope.get("path", "/")) in WEB_SEGMENTS:
            await self.web(scope, receive, send)
        else:
            await self.api(scope, receive, send)


def create_site(app: App, *, login_limiter: LoginLimiter | None = None) -> Site:
    limiter = login_limiter or LoginLimiter()
    return Site(create_app(app, login_limiter=limiter), create_web_app(app, login_limiter=limiter))
