"""``Idempotency-Key`` on POST: a retried request is answered with the first response, not run twice.

The header is optional. With it, a POST to a company route is handled like this:

1. The key is reserved for (company, user, key) together with a SHA-256 of the request — method,
   path, query string and body bytes — before the route runs
   (:func:`reskontro.services.access.reserve_idempotency`; the primary key of ``idempotency_keys``
   decides between two concurrent requests).
2. The route runs. Its response is stored under the key (``complete_idempotency``) and then sent.
   A 409, 429 or 5xx response is not stored: the key is released, so a retry runs again (a conflict
   may be gone by then, and a 5xx is a bug that may be fixed).
3. The same key again with the same request gets the stored status and body back, with the header
   ``Idempotent-Replayed: true``, and nothing is run. The same key with a different request is a
   409 ``idempotency_key_reused``; while the first request is still running, a 409
   ``idempotency_key_in_progress``.

A request that will fail authentication or names a company the user has no role in passes through
untouched (and gets its 401/404 from the route): keys are only kept for members. POSTs outside
``/companies/{id}`` (sign-in, sign-out) are not covered. A multipart upload must be retried with
the same bytes, boundary included, to count as the same request.
"""

from __future__ import annotations

import hashlib
import logging
import re

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reskontro.api.errors import (
    IdempotencyConflict,
    IdempotencyInProgress,
    InvalidRequest,
    from_error,
)
from reskontro.bootstrap import App
from reskontro.domain.access import validate_idempotency_key
from reskontro.domain.errors import ReskontroError
from reskontro.services import access
from reskontro.services.unit_of_work import UnitOfWork

logger = logging.getLogger("reskontro.api")

_COMPANY_PATH = re.compile(r"^/companies/([1-9][0-9]{0,9})(?:/|$)")
HEADER = "idempotency-key"


def storable(status: int) -> bool:
    """Whether a response is kept for replay (else the key is released and a retry runs again)."""
    return status < 500 and status not in (409, 429)


def request_hash(method: str, path: str, query: bytes, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode("utf-8", "surrogateescape"), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _bearer(headers: Headers) -> str | None:
    value = headers.get("authorization")
    if not value:
        return None
    parts = value.split(None, 1)
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    return parts[1].strip()


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, *, reskontro: App) -> None:
        self.app = app
        self.reskontro = reskontro

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get(HEADER)
        match = _COMPANY_PATH.match(scope["path"])
        token = _bearer(headers)
        if key is None or match is None or token is None:
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        try:
            validate_idempotency_key(key)
        except ReskontroError as exc:
            await from_error(InvalidRequest(exc.message, field="Idempotency-Key"), path)(scope, receive, send)
            return
        company_id = int(match.group(1))
        principal = await run_in_threadpool(
            lambda: access.authenticate_token(uow=self.reskontro.uow(readonly=True), token=token))
        if principal is None or principal.role_in(company_id) is None:
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = (token, principal)
        body = await _read_body(receive)
        digest = request_hash(scope["method"], path, scope.get("query_string", b""), body)

        user_id = principal.user_id

        def uow() -> UnitOfWork:
            return self.reskontro.uow(actor=principal.username)

        try:
            record = await run_in_threadpool(lambda: access.reserve_idempotency(
                uow=uow(), company_id=company_id, user_id=user_id, key=key, request_hash=digest))
        except ReskontroError as exc:
            await from_error(exc, path)(scope, receive, send)
            return
        if record is not None:
            if record.request_hash != digest:
                error: ReskontroError = IdempotencyConflict(
                    "this Idempotency-Key was used for a different request; use a new key for a new request",
                    field="Idempotency-Key")
            elif record.status != "done" or record.status_code is None:
                error = IdempotencyInProgress("a request with this Idempotency-Key is still running; retry later",
                                              field="Idempotency-Key")
            else:
                replay = Response(record.body, status_code=record.status_code,
                                  media_type=record.content_type or "application/json",
                                  headers={"Idempotent-Replayed": "true"})
                await replay(scope, receive, send)
                return
            await from_error(error, path)(scope, receive, send)
            return

        messages: list[Message] = []

        async def capture(message: Message) -> None:
            messages.append(message)

        async def forget() -> None:
            try:
                await run_in_threadpool(lambda: access.release_idempotency(
                    uow=uow(), company_id=company_id, user_id=user_id, key=key))
            except Exception:  # the key stays pending; a retry is told it is in progress
                logger.exception("could not release an Idempotency-Key")

        try:
            await self.app(scope, _replaying(body, receive), capture)
        except BaseException:
            await forget()
            raise
        start = next((m for m in messages if m["type"] == "http.response.start"), None)
        status = int(start["status"]) if start else 500
        if start is not None and storable(status):
            content_type = Headers(raw=start.get("headers", [])).get("content-type", "application/json")
            payload = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
            try:
                await run_in_threadpool(lambda: access.complete_idempotency(
                    uow=uow(), company_id=company_id, user_id=user_id, key=key, status_code=status,
                    content_type=content_type, body=payload))
            except Exception:  # the request did happen: answer it; the key stays pending, so no retry repeats it
                logger.exception("could not store the response of an Idempotency-Key")
        else:
            await forget()
        for message in messages:
            await send(message)

