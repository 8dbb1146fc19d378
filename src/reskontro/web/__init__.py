"""The web UI: server-rendered pages with htmx, in Norwegian bokmål and English (see docs/web.md)."""

from reskontro.web.app import create_web_app

__all__ = ["create_web_app"]
