"""Web sessions: a random secret in the cookie, only its SHA-256 stored; expiry, sign-out, password change."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import profiles
from sqlalchemy import text

from reskontro.domain.errors import NotFound, ValidationFailed
from reskontro.services import access
from reskontro.store.uow import SqlUnitOfWork
from tests.conftest import Ctx

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access, "HASH_PARAMETERS", profiles.CHEAPEST)


def user(ctx: Ctx, role: str | None = "accountant") -> tuple[str, int]:
    name = f"s-{uuid.uuid4().hex[:10]}"
    user_id = access.create_user(uow=ctx.app.uow(), username=name, password=PASSWORD)
    if role:
        access.grant(uow=ctx.app.uow(), username=name, company_id=ctx.company_id, role=role)
    return name, user_id


def at(ctx: Ctx, moment: datetime) -> SqlUnitOfWork:
    return SqlUnitOfWork(ctx.app.engine, actor="tester", now=lambda: moment)


def test_a_session_is_stored_as_a_hash_and_carries_the_users_roles(ctx: Ctx) -> None:
    name, user_id = user(ctx)
    secret, started = access.start_session(uow=ctx.app.uow(), user_id=user_id)
    assert len(secret) >= 40
    found = access.find_session(uow=ctx.app.uow(readonly=True), secret=secret)
    assert found is not None and found.session_id == started.session_id
    assert found.principal.username == name and found.principal.role_in(ctx.company_id) is not None
    with ctx.app.engine.connect() as conn:
        stored = conn.execute(text("SELECT token_sha256 FROM web_sessions WHERE session_id = :s"),
                              {"s": started.session_id}).scalar_one()
    assert stored == hashlib.sha256(secret.encode()).hexdigest() and secret not in stored
    assert access.find_session(uow=ctx.app.uow(), secret=secret + "x") is None
    assert access.find_session(uow=ctx.app.uow(), secret="") is None
    assert access.find_session(uow=ctx.app.uow(), secret="x" * 500) is None


def test_a_session_ends_at_its_expiry_and_expired_ones_are_swept(ctx: Ctx) -> None:
    _, user_id = user(ctx)
    t0 = datetime(2026, 6, 30, 8, 0, tzinfo=UTC)
    secret, session = access.start_session(uow=at(ctx, t0), user_id=user_id)
    assert session.expires_at == t0 + access.SESSION_LIFETIME
    assert access.find_session(uow=at(ctx, t0 + timedelta(hours=11, minutes=59)), secret=secret) is not None
    assert access.find_session(uow=at(ctx, t0 + timedelta(hours=12)), secret=secret) is None
    access.start_session(uow=at(ctx, t0 + timedelta(hours=13)), user_id=user_id)  # sweeps the expired one
    with ctx.app.engine.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM web_sessions WHERE token_sha256 = :h"),
                            {"h": hashlib.sha256(secret.encode()).hexdigest()}).scalar_one()
    assert left == 0


def test_signing_out_ends_only_that_session(ctx: Ctx) -> None:
    _, user_id = user(ctx)
    first, _ = access.start_session(uow=ctx.app.uow(), user_id=user_id)
    second, _ = access.start_session(uow=ctx.app.uow(), user_id=user_id)
    access.end_session(uow=ctx.app.uow(), secret=first)
    access.end_session(uow=ctx.app.uow(), secret="unknown")  # changes nothing
    assert access.find_session(uow=ctx.app.uow(), secret=first) is None
    assert access.find_session(uow=ctx.app.uow(), secret=second) is not None


def test_a_disabled_user_has_no_session_and_cannot_start_one(ctx: Ctx) -> None:
    name, user_id = user(ctx)
    secret, _ = access.start_session(uow=ctx.app.uow(), user_id=user_id)
    access.set_disabled(uow=ctx.app.uow(), username=name, disabled=True)
    assert access.find_session(uow=ctx.app.uow(), secret=secret) is None
    with pytest.raises(NotFound):
        access.start_session(uow=ctx.app.uow(), user_id=user_id)


def test_changing_ones_password_needs_the_current_one_and_ends_the_other_sessions(ctx: Ctx) -> None:
    name, user_id = user(ctx)
    kept, kept_session = access.start_session(uow=ctx.app.uow(), user_id=user_id)
    other, _ = access.start_session(uow=ctx.app.uow(), user_id=user_id)
    with pytest.raises(ValidationFailed) as wrong:
        access.change_password(uow=ctx.app.uow(), username=name, current_password="nope",
                               new_password="a new pass phrase")
    assert wrong.value.field == "current_password"
    with pytest.raises(ValidationFailed) as short:
        access.change_password(uow=ctx.app.uow(), username=name, current_password=PASSWORD, new_password="short")
    assert short.value.field == "new_password"
    access.change_password(uow=ctx.app.uow(), username=name, current_password=PASSWORD,
                           new_password="a new pass phrase", keep_session=kept_session.session_id)
    assert access.find_session(uow=ctx.app.uow(), secret=kept) is not None
    assert access.find_session(uow=ctx.app.uow(), secret=other) is None
    assert access.authenticate_password(uow=ctx.app.uow(), username=name, password="a new pass phrase")
    with ctx.app.engine.connect() as conn:
        audited = conn.execute(text("SELECT count(*) FROM audit_events WHERE company_id = :c AND entity = 'user' "
                                    "AND entity_id = :u AND action = 'set_password'"),
                               {"c": ctx.company_id, "u": name}).scalar_one()
    assert audited == 1
