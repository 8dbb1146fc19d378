"""Errors as RFC 9457 problem details (``application/problem+json``), from one table.

Every :class:`~reskontro.domain.errors.ReskontroError` becomes a 4xx problem whose ``code`` is the
error's stable code and whose ``errors`` name the field or row at fault; request validation errors
become 422 with one entry per bad field (``body.lines.0.account``, ``query.limit``...); anything
else is a 500 with no internals in it, logged — without the ``Authorization`` header or any token
— for someone to fix, because a 5xx is always a bug.
"""

from __future__ import annotations

import contextvars
import logging
import re
import traceback
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reskontro.domain.errors import ImportFailed, ReskontroError
from reskontro.money import MoneyError

logger = logging.getLogger("reskontro.api")

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE = "urn:reskontro:problem:"

#: Error code -> HTTP status. Codes not listed are 400.
STATUS: Mapping[str, int] = {
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "already_exists": 409,
    "duplicate_document": 409,
    "concurrent_update": 409,
    "already_reversed": 409,
    "idempotency_key_reused": 409,
    "idempotency_key_in_progress": 409,
    "payload_too_large": 413,
    "invalid_value": 422,
    "invalid_request": 422,
    "currency_mismatch": 422,
    "unbalanced_voucher": 422,
    "period_closed": 422,
    "over_allocation": 422,
    "match_refused": 422,
    "import_failed": 422,
    "rate_limited": 429,
    "internal_error": 500,
}


class Unauthorized(ReskontroError):
    """No token, or one that is unknown, expired or revoked; or a wrong user name or password."""

    code = "unauthorized"


class RateLimited(ReskontroError):
    """Too many failed sign-ins; ``retry_after`` seconds until the next try is allowed."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class InvalidRequest(ReskontroError):
    """A request the API refuses before it reaches a service (bad header, bad upload...)."""

    code = "invalid_request"


class PayloadTooLarge(ReskontroError):
    code = "payload_too_large"


class IdempotencyConflict(ReskontroError):
    code = "idempotency_key_reused"


class IdempotencyInProgress(ReskontroError):
    code = "idempotency_key_in_progress"


def status_of(code: str) -> int:
    return STATUS.get(code, 400)


# -- redaction ---------------------------------------------------------------------------------------

#: The bearer token of the request being served, so that nothing logged while serving it can show it.
presented_token: contextvars.ContextVar[str | None] = contextvars.ContextVar("presented_token", default=None)
_SECRETS = re.compile(r"(?i)(bearer\s+)[^\s'\",]+|rsk_[A-Za-z0-9_\-]+|(authorization['\"]?\s*[:=]\s*['\"]?)[^'\",}]+")


def redact(text: str) -> str:
    """The text with the current token, any ``rsk_`` token and any bearer credential replaced."""
    token = presented_token.get()
    if token:
        text = text.replace(token, "[redacted]")
    return _SECRETS.sub(lambda m: (m.group(1) or m.group(2) or "") + "[redacted]", text)


class RedactingFilter(logging.Filter):
    """A logging filter that takes tokens out of a record's message and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = redact(record.getMessage())
        if record.exc_info:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
            record.exc_info = None
        record.msg, record.args = message, None
        return True


logger.addFilter(RedactingFilter())


# -- problems ----------------------------------------------------------------------------------------


def problem(status: int, code: str, detail: str, *, instance: str | None = None,
            errors: Sequence[Mapping[str, Any]] = (), headers: Mapping[str, str] | None = None) -> JSONResponse:
    """A problem+json response."""
    body = {"type": f"{PROBLEM_TYPE}{code}", "title": HTTPStatus(status).phrase, "status": status,
            "detail": detail, "instance": instance, "code": code,
            "errors": [{"field": e.get("field"), "row": e.get("row"), "message": e.get("message", "")} for e in errors]}
    return JSONResponse(jsonable_encoder(body), status_code=status, media_type=PROBLEM_JSON, headers=headers)


_ROW = re.compile(r"\brow (\d+)\b")
_COLUMN = re.compile(r"\bcolumn '([^']+)'")


def _import_errors(problems: Iterable[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for text in problems:
        entry: dict[str, Any] = {"message": text}
        if m := _ROW.search(text):
            entry["row"] = int(m.group(1))
        if m := _COLUMN.search(text):
            entry["field"] = m.group(1)
        out.append(entry)
    return out


def from_error(exc: ReskontroError, instance: str | None) -> JSONResponse:
    """The problem for a domain error: status from the table, the field or row in ``errors``."""
    status = status_of(exc.code)
    if isinstance(exc, ImportFailed):
        errors = _import_errors(exc.problems)
    else:
        entry: dict[str, Any] = {"message": exc.message}
        if exc.field is not None:
            entry["field"] = exc.field
        if exc.row is not None:
            entry["row"] = exc.row
        errors = [entry]
    headers = {}
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer realm="reskontro"'
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    detail = exc.message if isinstance(exc, ImportFailed) else str(exc)
    return problem(status, exc.code, redact(detail), instance=instance, errors=errors, headers=headers)


def _location(loc: Sequence[int | str]) -> str:
    return ".".join(str(p) for p in loc)


def validation_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Pydantic errors as ``{field, message}``; the input is not echoed (it may be a password)."""
    return [{"field": _location(e.get("loc", ())), "message": redact(str(e.get("msg", "invalid value")))}
            for e in errors]


async def _reskontro_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ReskontroError)
    return from_error(exc, request.url.path)


async def _money_error(request: Request, exc: Exception) -> JSONResponse:
    # A bad amount that got past the schema (say 0.005 NOK on a line): bad input, not a bug.
    return problem(422, "invalid_value", str(exc), instance=request.url.path,
                   errors=[{"field": "amount", "message": str(exc)}])


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = validation_errors(exc.errors())
    return problem(422, "invalid_request", "the request does not match the API's schema; see errors",
                   instance=request.url.path, errors=errors)


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}.get(
        exc.status_code, "invalid_request" if exc.status_code < 500 else "internal_error")
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return problem(exc.status_code, code, detail, instance=request.url.path, headers=exc.headers)


EXCEPTION_HANDLERS = {
    ReskontroError: _reskontro_error,
    MoneyError: _money_error,
    RequestValidationError: _request_validation,
    StarletteHTTPException: _http_exception,
}


class CatchAllMiddleware:
    """The outermost layer: keeps the request's token for redaction, and turns any exception that got
    this far into a 500 problem with no internals, logged without the token."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = None
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                parts = value.decode("latin-1").split(None, 1)
                token = parts[1].strip() if len(parts) == 2 else value.decode("latin-1")
        reset = presented_token.set(token)
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            trace = "".join(traceback.format_exception(exc))
            logger.error("unexpected error on %s %s\n%s", scope.get("method"), scope.get("path"), redact(trace))
            if not started:
                response = problem(500, "internal_error", "an unexpected error occurred; it has been logged",
                                   instance=scope.get("path"))
                await response(scope, receive, send)
        finally:
            presented_token.reset(reset)
