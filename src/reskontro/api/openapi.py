"""The OpenAPI document: error responses as problem+json, declared once for every route."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from reskontro.api.errors import PROBLEM_JSON
from reskontro.api.schemas import Problem

_DESCRIPTIONS = {
    400: "The request cannot be carried out.",
    401: "No API token, or one that is unknown, expired or revoked.",
    403: "Your role in the company does not allow this (read-only users cannot change anything).",
    404: "No such company (or you have no role in it), or no such record in it.",
    409: "A conflict: it already exists, someone else changed it, or the Idempotency-Key was used for "
         "another request or is still running.",
    413: "The upload is too large.",
    422: "Invalid input: ``errors`` names each field (or import row) at fault.",
    429: "Too many failed sign-ins; see Retry-After.",
}

Responses = dict[int | str, dict[str, Any]]


def problems(*statuses: int) -> Responses:
    """OpenAPI responses for these error statuses, each a problem+json."""
    return {s: {"model": Problem, "description": _DESCRIPTIONS[s]} for s in statuses}


READ = problems(400, 401, 404, 422)
WRITE = problems(400, 401, 403, 404, 409, 422)


def install(app: FastAPI) -> None:
    """Generate the document once, with 4xx bodies as ``application/problem+json``."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes,
                          tags=app.openapi_tags)
        ref = {"$ref": "#/components/schemas/Problem"}
        for operations in doc.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    if status.isdigit() and int(status) >= 400:
                        response["content"] = {PROBLEM_JSON: {"schema": ref}}
                        if int(status) == 422:
                            response["description"] = _DESCRIPTIONS[422]
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault("Problem", Problem.model_json_schema(ref_template="#/components/schemas/{model}"))
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
