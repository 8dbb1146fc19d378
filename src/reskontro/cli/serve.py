"""``reskontro serve``: run the web UI and the REST API with uvicorn.

The database comes from settings as for every other command (``--database`` /
``RESKONTRO_DATABASE_URL``, default a SQLite file in the user's data directory); it is created or
upgraded first unless ``--no-migrate`` is given. The web UI is at ``/`` once it runs, the API's
docs at ``/docs`` (:mod:`reskontro.site` puts the two together).
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
import uvicorn

from reskontro.api.errors import RedactingFilter
from reskontro.bootstrap import App, build
from reskontro.services.scheduler import Scheduler
from reskontro.settings import Settings
from reskontro.site import create_site

OSLO = ZoneInfo("Europe/Oslo")


def build_server(app: App, host: str = "127.0.0.1", port: int = 8000, *, migrate: bool = True,
                 log_level: str = "info", proxy_headers: bool = False) -> uvicorn.Server:
    """A uvicorn server for the web UI and the API over ``app``'s database (migrated first when ``migrate``)."""
    if migrate and not app.is_migrated():
        app.migrate()
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):  # no token is ever logged, whoever logs
        log = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in log.filters):
            log.addFilter(RedactingFilter())
    config = uvicorn.Config(create_site(app), host=host, port=port, log_level=log_level, server_header=False,
                            proxy_headers=proxy_headers, forwarded_allow_ips="127.0.0.1" if proxy_headers else None)
    return uvicorn.Server(config)


def scheduler_for(app: App, *, at: time | None = None, interval: float = 300.0) -> Scheduler:
    """The daily jobs over ``app``'s database: every company's automatic reminder routines, at
    ``RESKONTRO_JOBS_AT`` (HH:MM, Norwegian time, default 06:00)."""

    def companies() -> list[int]:
        with app.uow(readonly=True) as uow:
            return [c.company_id for c in uow.repo.companies()]

    when = at or time.fromisoformat(os.environ.get("RESKONTRO_JOBS_AT", "06:00"))
    return Scheduler(lambda: app.uow(actor="scheduler"), companies, app.mailer, at=when, interval=interval,
                     now=lambda: datetime.now(OSLO))


def serve(host: str = "127.0.0.1", port: int = 8000, *, database: str | None = None, migrate: bool = True,
          log_level: str = "info", proxy_headers: bool = False, jobs: bool = True) -> None:
    """Run the web UI and the API until interrupted, over the database from settings (or ``database``), with the
    daily jobs (automatic reminders) in the background unless ``jobs`` is off."""
    app = build(Settings.from_env(database=database))
    scheduler = scheduler_for(app) if jobs else None
    try:
        server = build_server(app, host, port, migrate=migrate, log_level=log_level, proxy_headers=proxy_headers)
        if scheduler is not None:
            scheduler.start()
        server.run()
    finally:
        if scheduler is not None:
            scheduler.stop()
        app.close()


def serve_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    migrate: Annotated[bool, typer.Option(help="Create or upgrade the database first.")] = True,
    log_level: Annotated[str, typer.Option(help="critical, error, warning, info, debug")] = "info",
    jobs: Annotated[bool, typer.Option(help="Run the daily jobs (automatic reminder routines) in the background, "
                                            "at RESKONTRO_JOBS_AT (default 06:00).")] = True,
    proxy_headers: Annotated[bool, typer.Option(
        help="Trust X-Forwarded-For from a reverse proxy on 127.0.0.1 (the client address counts for the "
             "sign-in rate limit).")] = False,
) -> None:
    """Run the web UI (at /) and the REST API (OpenAPI docs at /docs)."""
    root = ctx.find_root()
    database = root.params.get("database") if root is not ctx else None
    typer.echo(f"Reskontro on http://{host}:{port}/  (API docs: http://{host}:{port}/docs)", err=True)
    serve(host, port, database=database, migrate=migrate, log_level=log_level, proxy_headers=proxy_headers,
          jobs=jobs)
