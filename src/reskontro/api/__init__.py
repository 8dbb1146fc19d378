"""The REST API (FastAPI): thin routes over the services, problem+json errors, bearer tokens."""

from reskontro.api.app import create_app

__all__ = ["create_app"]
