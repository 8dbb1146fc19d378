"""Users, roles, API tokens, sign-in and idempotency keys, on SQLite and PostgreSQL.

Passwords are stored only as argon2id hashes and tokens only as SHA-256; a role is per company and
audited there; a stranger to a company is told it does not exist; an Idempotency-Key is taken once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from argon2 import profiles
from sqlalchemy import text

from reskontro.domain.access import Forbidden, Principal, Role, require
from reskontro.domain.errors import AlreadyExists, NotFound, ValidationFailed
from reskontro.services import access as svc
from reskontro.services.companies import init_company
from reskontro.store.uow import SqlUnitOfWork
from tests.conftest import Ctx

PASSWORD = "correct horse battery"
T0 = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at the cheapest parameters: the tests check behaviour, not cost."""
    monkeypatch.setattr(svc, "HASH_PARAMETERS", profiles.CHEAPEST)


class Clock:
    def __init__(self, at: datetime = T0) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def uow(ctx: Ctx, clock: Callable[[], datetime] | None = None, actor: str = "tester") -> SqlUnitOfWork:
    return SqlUnitOfWork(ctx.app.engine, actor=actor, now=clock or Clock())


def new_user(ctx: Ctx, prefix: str = "kari", **kw: Any) -> str:
    """A user with a name unique in the session's database (users are global, not per company)."""
    name = f"{prefix}.{uuid.uuid4().hex[:8]}"
    svc.create_user(uow=uow(ctx), username=name, password=kw.pop("password", PASSWORD), **kw)
    return name


def rows(ctx: Ctx, sql: str, **params: Any) -> list[dict[str, Any]]:
    with ctx.app.engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(sql), params).mappings()]


def audit(ctx: Ctx, company_id: int, entity: str, entity_id: str) -> list[tuple[str, str, str | None, str | None,
                                                                               str | None]]:
    with uow(ctx) as u:
        return [(e["actor"], e["action"], e["field"], e["old_value"], e["new_value"])
                for e in u.repo.audit_events(company_id, entity, entity_id)]


def other_company(ctx: Ctx) -> int:
    return init_company(uow=ctx.app.uow(), name=f"Annen {uuid.uuid4().hex[:6]} AS")


# -- users and passwords ---------------------------------------------------------------------------


def test_a_user_is_stored_with_an_argon2id_hash_never_the_password(ctx: Ctx) -> None:
    name = new_user(ctx, "Kari", display_name="  Kari Nordmann ")
    [row] = rows(ctx, "SELECT * FROM users WHERE username = :u", u=name.lower())
    assert row["username"] == name.lower()
    assert row["display_name"] == "Kari Nordmann"
    assert row["password_hash"].startswith("$argon2id$")
    assert not row["disabled"]
    assert all(PASSWORD not in str(v) for v in row.values())


def test_a_username_is_taken_once_whatever_its_case(ctx: Ctx) -> None:
    name = new_user(ctx)
    with pytest.raises(AlreadyExists) as exc:
        svc.create_user(uow=uow(ctx), username=name.upper(), password=PASSWORD)
    assert exc.value.field == "username"


@pytest.mark.parametrize(("username", "password", "field"), [
    ("ab", PASSWORD, "username"),
    ("kari nordmann", PASSWORD, "username"),
    ("kari-short-pw", "123456789", "password"),
])
def test_a_bad_username_or_short_password_is_refused_naming_the_field(ctx: Ctx, username: str, password: str,
                                                                       field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        svc.create_user(uow=uow(ctx), username=username, password=password)
    assert exc.value.field == field
    assert rows(ctx, "SELECT user_id FROM users WHERE username = :u", u=username) == []


def test_the_right_password_signs_in_and_a_wrong_one_or_unknown_user_does_not(ctx: Ctx) -> None:
    name = new_user(ctx)
    svc.grant(uow=uow(ctx), username=name, company_id=ctx.company_id, role="accountant")
    who = svc.authenticate_password(uow=uow(ctx), username=name.upper(), password=PASSWORD)
    assert who is not None
    assert (who.username, dict(who.roles)) == (name, {ctx.company_id: Role.ACCOUNTANT})
    assert svc.authenticate_password(uow=uow(ctx), username=name, password=PASSWORD + "!") is None
    assert svc.authenticate_password(uow=uow(ctx), username="nobody." + name, password=PASSWORD) is None
    assert svc.authenticate_password(uow=uow(ctx), username="x" * 500, password=PASSWORD) is None


def test_an_unknown_user_costs_a_password_check_like_a_known_one(ctx: Ctx, monkeypatch: pytest.MonkeyPatch) -> None:
    """So the time a sign-in takes does not tell whether the user name exists."""
    name = new_user(ctx)
    verified: list[str] = []
    real_verify = svc.PasswordHasher.verify

    def counting_verify(self: svc.PasswordHasher, hash: str, password: str) -> bool:
        verified.append(password)
        return real_verify(self, hash, password)

    monkeypatch.setattr(svc.PasswordHasher, "verify", counting_verify)
    assert svc.authenticate_password(uow=uow(ctx), username="nobody." + name, password="guess one") is None
    assert svc.authenticate_password(uow=uow(ctx), username=name, password="guess two") is None
    assert verified == ["guess one", "guess two"]


def test_a_hash_made_with_older_parameters_is_upgraded_at_sign_in(ctx: Ctx,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    name = new_user(ctx)
    [before] = rows(ctx, "SELECT password_hash FROM users WHERE username = :u", u=name)
    stronger = dataclasses.replace(profiles.CHEAPEST, time_cost=2)
    monkeypatch.setattr(svc, "HASH_PARAMETERS", stronger)
    assert svc.authenticate_password(uow=uow(ctx), username=name, password=PASSWORD) is not None
    [after] = rows(ctx, "SELECT password_hash FROM users WHERE username = :u", u=name)
    assert before["password_hash"] != after["password_hash"]
    assert ",t=2," in after["password_hash"]
    assert svc.authenticate_password(uow=uow(ctx), username=name, password=PASSWORD) is not None


def test_a_new_password_replaces_the_old_and_is_audited_without_its_value(ctx: Ctx) -> None:
    name = new_user(ctx)
    svc.grant(uow=uow(ctx), username=name, company_id=ctx.company_id, role=Role.READ_ONLY)
    svc.set_password(uow=uow(ctx), username=name, password="another long secret")
    assert svc.authenticate_password(uow=uow(ctx), username=name, password=PASSWORD) is None
    assert svc.authenticate_password(uow=uow(ctx), username=name, password="another long secret") is not None
    assert audit(ctx, ctx.company_id, "user", name) == [("tester", "set_password", "password", None, None)]


def test_a_disabled_user_can_neither_sign_in_nor_use_a_token_nor_reach_a_company(ctx: Ctx) -> None:
    name = new_user(ctx)
    svc.grant(uow=uow(ctx), username=name, company_id=ctx.company_id, role=Role.ADMIN)
    _, token = svc.issue_token(uow=uow(ctx), username=name, name="ci")
    svc.set_disabled(uow=uow(ctx), username=name, disabled=True)
    assert svc.authenticate_password(uow=uow(ctx), username=name, password=PASSWORD) is None
    assert svc.authenticate_token(uow=uow(ctx), token=token) is None
    [user] = rows(ctx, "SELECT user_id FROM users WHERE username = :u", u=name)
    assert dict(svc.principal(uow=uow(ctx), user_id=user["user_id"]).roles) == {}
    svc.set_disabled(uow=uow(ctx), username=name, disabled=False)
    assert svc.authenticate_token(uow=uow(ctx), token=token) is not None


def test_principal_of_an_unknown_user_is_not_found(ctx: Ctx) -> None:
    with pytest.raises(NotFound):
        svc.principal(uow=uow(ctx), user_id=2_000_000_000)


# -- roles -----------------------------------------------------------------------------------------


def test_a_role_is_granted_changed_and_revoked_per_company_and_audited_there(ctx: Ctx) -> None:
    name = new_user(ctx)
    elsewhere = other_company(ctx)
    svc.grant(uow=uow(ctx, actor="admin-a"), username=name, company_id=ctx.company_id, role="read_only")
    svc.grant(uow=uow(ctx, actor="admin-a"), username=name, company_id=ctx.company_id, role="read_only")  # no-op
    svc.grant(uow=uow(ctx, actor="admin-a"), username=name, company_id=ctx.company_id, role=Role.ACCOUNTANT)
    svc.grant(uow=uow(ctx, actor="admin-b"), username=name, company_id=elsewhere, role=Role.ADMIN)
    [user] = rows(ctx, "SELECT user_id FROM users WHERE username = :u", u=name)
    who = svc.principal(uow=uow(ctx), user_id=user["user_id"])
    assert dict(who.roles) == {ctx.company_id: Role.ACCOUNTANT, elsewhere: Role.ADMIN}
    svc.revoke(uow=uow(ctx, actor="admin-a"), username=name, company_id=ctx.company_id)
    assert dict(svc.principal(uow=uow(ctx), user_id=user["user_id"]).roles) == {elsewhere: Role.ADMIN}
    assert audit(ctx, ctx.company_id, "membership", name) == [
        ("admin-a", "grant", "role", None, "read_only"),
        ("admin-a", "grant", "role", "read_only", "accountant"),
        ("admin-a", "revoke", "role", "accountant", None),
    ]
    assert audit(ctx, elsewhere, "membership", name) == [("admin-b", "grant", "role", None, "admin")]


@pytest.mark.parametrize(("kwargs", "error", "field"), [
    ({"role": "owner"}, ValidationFailed, "role"),
    ({"company_id": 2_000_000_000}, NotFound, "company"),
    ({"username": "no.such.user"}, NotFound, "username"),
])
def test_a_grant_needs_a_known_role_company_and_user(ctx: Ctx, kwargs: dict[str, Any], error: type[Exception],
                                                      field: str) -> None:
    args: dict[str, Any] = {"username": new_user(ctx), "company_id": ctx.company_id, "role": "admin", **kwargs}
    with pytest.raises(error) as exc:
        svc.grant(uow=uow(ctx), **args)
    assert exc.value.field == field  # type: ignore[attr-defined]


def test_revoking_a_role_the_user_does_not_have_is_not_found(ctx: Ctx) -> None:
    with pytest.raises(NotFound):
        svc.revoke(uow=uow(ctx), username=new_user(ctx), company_id=ctx.company_id)


@pytest.mark.parametrize(("role", "read", "write", "admin"), [
    (Role.READ_ONLY, True, False, False),
    (Role.ACCOUNTANT, True, True, False),
    (Role.ADMIN, True, True, True),
])
def test_a_signed_in_user_may_do_what_the_role_allows_and_nothing_in_other_companies(
        ctx: Ctx, role: Role, read: bool, write: bool, admin: bool) -> None:
    name = new_user(ctx)
    svc.grant(uow=uow(ctx), username=name, company_id=ctx.company_id, role=role)
    who = svc.authenticate_password(uow=uow(ctx), username=name, password=PASSWORD)
    assert isinstance(who, Principal)

    def allowed(**needs: bool) -> bool:
        try:
            return svc.require(who, ctx.company_id, **needs) is role
        except Forbidden:
            return False

    assert (allowed(), allowed(write=True), allowed(admin=True)) == (read, write, admin)
    with pytest.raises(NotFound) as exc:
        require(who, other_company(ctx))
    assert exc.value.field == "company"


# -- API tokens ------------------------------------------------------------------------------------


def test_a_token_is_shown_once_and_only_its_sha256_is_stored(ctx: Ctx) -> None:
    name = new_user(ctx)
    token_id, token = svc.issue_token(uow=uow(ctx), username=name, name="  Regnskapsbyrå-integrasjon ")
    assert token.startswith("rsk_")
    assert len(token) >= 4 + 43  # 256 random bits, URL-safe base64
    [row] = rows(ctx, "SELECT * FROM api_tokens WHERE token_id = :t", t=token_id)
    assert row["token_sha256"] == hashlib.sha256(token.encode()).hexdigest()
    assert row["prefix"] == token[:8]
    assert row["name"] == "Regnskapsbyrå-integrasjon"
    assert all(token not in str(v) for v in row.values())
    [listed] = svc.list_tokens(uow=uow(ctx), username=name)
    assert set(listed) == {"id", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"}
    assert (listed["id"], listed["prefix"], listed["created_at"]) == (token_id, token[:8], T0)


def test_a_token_signs_in_as_its_user_with_their_roles(ctx: Ctx) -> None:
    name = new_user(ctx)
    svc.grant(uow=uow(ctx), username=name, company_id=ctx.company_id, role=Role.READ_ONLY)
    _, token = svc.issue_token(uow=uow(ctx), username=name, name="bi")
    who = svc.authenticate_token(uow=uow(ctx), token=token)
    assert who is not None
    assert (who.username, who.role_in(ctx.company_id)) == (name, Role.READ_ONLY)


@pytest.mark.parametrize("token", ["", "rsk_", "rsk_" + "A" * 43, "Bearer rsk_x", "rsk_" + "x" * 500])
def test_an_unknown_or_malformed_token_signs_in_nobody(ctx: Ctx, token: str) -> None:
    assert svc.authenticate_token(uow=uow(ctx), token=token) is None


def test_a_revoked_token_stops_working_and_revoking_again_changes_nothing(ctx: Ctx) -> None:
    name = new_user(ctx)
    svc.grant(uow=uow(ctx), username=name, company_id=ctx.company_id, role=Role.ACCOUNTANT)
    token_id, token = svc.issue_token(uow=uow(ctx), username=name, name="erp")
    _, other = svc.issue_token(uow=uow(ctx), username=name, name="bank")
    svc.revoke_token(uow=uow(ctx), username=name, token_id=token_id)
    svc.revoke_token(uow=uow(ctx), username=name, token_id=token_id)
    assert svc.authenticate_token(uow=uow(ctx), token=token) is None
    assert svc.authenticate_token(uow=uow(ctx), token=other) is not None
    assert [t["revoked_at"] for t in svc.list_tokens(uow=uow(ctx), username=name)] == [T0, None]
    events = audit(ctx, ctx.company_id, "user", name)
    assert [e[1:] for e in events] == [
        ("issue_token", "token", None, f"{token_id} erp"),
        ("issue_token", "token", None, f"{token_id + 1} bank"),
        ("revoke_token", "token", f"{token_id} erp", None),
    ]
    assert not any(token[4:12] in str(e) or other[4:12] in str(e) for e in events)


def test_a_user_cannot_revoke_someone_elses_token(ctx: Ctx) -> None:
    token_id, token = svc.issue_token(uow=uow(ctx), username=new_user(ctx), name="mine")
    with pytest.raises(NotFound) as exc:
        svc.revoke_token(uow=uow(ctx), username=new_user(ctx, "ola"), token_id=token_id)
    assert exc.value.field == "token_id"
    assert svc.authenticate_token(uow=uow(ctx), token=token) is not None


def test_a_token_expires_at_its_time(ctx: Ctx) -> None:
    name = new_user(ctx)
    clock = Clock()
    _, token = svc.issue_token(uow=uow(ctx, clock), username=name, name="temp", expires_at=T0 + timedelta(days=1))
    clock.at = T0 + timedelta(days=1) - timedelta(seconds=1)
    assert svc.authenticate_token(uow=uow(ctx, clock), token=token) is not None
    clock.at = T0 + timedelta(days=1)
    assert svc.authenticate_token(uow=uow(ctx, clock), token=token) is None


def test_an_expiry_in_another_zone_or_naive_is_the_same_instant_in_utc(ctx: Ctx) -> None:
    name = new_user(ctx)
    oslo = datetime(2026, 7, 1, 14, 0, tzinfo=ZoneInfo("Europe/Oslo"))  # 12:00 UTC
    svc.issue_token(uow=uow(ctx), username=name, name="oslo", expires_at=oslo)
    svc.issue_token(uow=uow(ctx), username=name, name="naive", expires_at=datetime(2026, 7, 1, 12, 0))  # noqa: DTZ001
    assert [t["expires_at"] for t in svc.list_tokens(uow=uow(ctx), username=name)] == [
        datetime(2026, 7, 1, 12, 0, tzinfo=UTC)] * 2


def test_an_expiry_in_the_past_or_an_empty_name_is_refused(ctx: Ctx) -> None:
    name = new_user(ctx)
    with pytest.raises(ValidationFailed) as exc:
        svc.issue_token(uow=uow(ctx), username=name, name="old", expires_at=T0)
    assert exc.value.field == "expires_at"
    with pytest.raises(ValidationFailed) as exc:
        svc.issue_token(uow=uow(ctx), username=name, name="  ")
    assert exc.value.field == "name"


def test_last_use_is_recorded_at_most_once_a_minute(ctx: Ctx) -> None:
    name = new_user(ctx)
    clock = Clock()
    _, token = svc.issue_token(uow=uow(ctx, clock), username=name, name="poller")

    def last_used() -> datetime | None:
        return svc.list_tokens(uow=uow(ctx), username=name)[0]["last_used_at"]  # type: ignore[no-any-return]

    assert last_used() is None
    for seconds, expected in ((0, T0), (30, T0), (59, T0), (60, T0 + timedelta(seconds=60)),
                              (100, T0 + timedelta(seconds=60)), (121, T0 + timedelta(seconds=121))):
        clock.at = T0 + timedelta(seconds=seconds)
        assert svc.authenticate_token(uow=uow(ctx, clock), token=token) is not None
        assert last_used() == expected, seconds


# -- idempotency keys ------------------------------------------------------------------------------


@pytest.fixture
def user_id(ctx: Ctx) -> int:
    name = new_user(ctx, "api")
    return int(rows(ctx, "SELECT user_id FROM users WHERE username = :u", u=name)[0]["user_id"])


def test_a_new_key_is_reserved_then_completed_and_a_retry_gets_the_stored_response(ctx: Ctx, user_id: int) -> None:
    key: dict[str, Any] = {"company_id": ctx.company_id, "user_id": user_id, "key": "7d5c-retry"}
    assert svc.reserve_idempotency(uow=uow(ctx), request_hash="h1", **key) is None
    pending = svc.reserve_idempotency(uow=uow(ctx), request_hash="h1", **key)
    assert pending is not None
    assert (pending.status, pending.status_code, pending.body, pending.created_at) == ("pending", None, b"", T0)
    body = b'{"voucher": "SF2026-1"}\x00\xff'
    svc.complete_idempotency(uow=uow(ctx), status_code=201, content_type="application/json", body=body, **key)
    done = svc.reserve_idempotency(uow=uow(ctx), request_hash="h1", **key)
    assert done is not None
    assert (done.request_hash, done.status, done.status_code, done.content_type, done.body) == (
        "h1", "done", 201, "application/json", body)


def test_the_same_key_with_a_different_request_returns_the_first_requests_hash(ctx: Ctx, user_id: int) -> None:
    key: dict[str, Any] = {"company_id": ctx.company_id, "user_id": user_id, "key": "k"}
    svc.reserve_idempotency(uow=uow(ctx), request_hash="first", **key)
    found = svc.reserve_idempotency(uow=uow(ctx), request_hash="second", **key)
    assert found is not None
    assert found.request_hash == "first"  # the caller refuses: same key, another request


def test_keys_belong_to_one_user_in_one_company(ctx: Ctx, user_id: int) -> None:
    other_user = int(rows(ctx, "SELECT user_id FROM users WHERE username = :u", u=new_user(ctx))[0]["user_id"])
    for company_id, uid in ((ctx.company_id, user_id), (ctx.company_id, other_user), (other_company(ctx), user_id)):
        assert svc.reserve_idempotency(uow=uow(ctx), company_id=company_id, user_id=uid, key="same",
                                       request_hash="h") is None


def test_a_released_reservation_can_be_taken_again_but_a_done_one_stays(ctx: Ctx, user_id: int) -> None:
    key: dict[str, Any] = {"company_id": ctx.company_id, "user_id": user_id, "key": "k"}
    svc.reserve_idempotency(uow=uow(ctx), request_hash="h", **key)
    svc.release_idempotency(uow=uow(ctx), **key)
    assert svc.reserve_idempotency(uow=uow(ctx), request_hash="h", **key) is None
    svc.complete_idempotency(uow=uow(ctx), status_code=200, content_type="text/plain", body=b"ok", **key)
    svc.release_idempotency(uow=uow(ctx), **key)
    done = svc.reserve_idempotency(uow=uow(ctx), request_hash="h", **key)
    assert done is not None
    assert done.status == "done"


def test_completing_a_key_that_was_never_reserved_is_not_found(ctx: Ctx, user_id: int) -> None:
    with pytest.raises(NotFound) as exc:
        svc.complete_idempotency(uow=uow(ctx), company_id=ctx.company_id, user_id=user_id, key="never",
                                 status_code=200, content_type="text/plain", body=b"")
    assert exc.value.field == "Idempotency-Key"


@pytest.mark.parametrize("key", ["", "k" * 256, "nøkkel"])
def test_a_malformed_key_is_refused_naming_the_header(ctx: Ctx, user_id: int, key: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        svc.reserve_idempotency(uow=uow(ctx), company_id=ctx.company_id, user_id=user_id, key=key,
                                request_hash="h")
    assert exc.value.field == "Idempotency-Key"


class SlowCommit(SqlUnitOfWork):
    """Holds its transaction open a while before committing, so a concurrent one has to wait for it."""

    def commit(self) -> None:
        time.sleep(0.5)
        super().commit()


def test_two_concurrent_reservations_of_one_key_let_exactly_one_win(ctx: Ctx, user_id: int) -> None:
    """On PostgreSQL the second INSERT waits for the first transaction, then finds the key taken;
    on SQLite the second writer waits for the lock. Either way one request runs, the other replays."""
    results: dict[str, object] = {}

    def reserve(who: str, unit: SqlUnitOfWork) -> None:
        results[who] = svc.reserve_idempotency(uow=unit, company_id=ctx.company_id, user_id=user_id, key="race",
                                               request_hash=who)

    first = threading.Thread(target=reserve, args=("first", SlowCommit(ctx.app.engine, now=Clock())))
    first.start()
    time.sleep(0.2)  # the first has inserted and is still in its transaction
    started = time.monotonic()
    reserve("second", uow(ctx))
    waited = time.monotonic() - started
    first.join(30)
    assert waited > 0.1, "the second reservation should have waited for the first transaction"
    assert results["first"] is None
    second = results["second"]
    assert isinstance(second, svc.IdempotencyRecord)
    assert (second.request_hash, second.status) == ("first", "pending")


def test_many_concurrent_reservations_of_one_key_let_exactly_one_win(ctx: Ctx, user_id: int) -> None:
    barrier = threading.Barrier(6)
    winners: list[str] = []
    errors: list[BaseException] = []

    def reserve(n: int) -> None:
        barrier.wait()
        try:
            if svc.reserve_idempotency(uow=uow(ctx), company_id=ctx.company_id, user_id=user_id, key="stampede",
                                       request_hash=str(n)) is None:
                winners.append(str(n))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reserve, args=(n,)) for n in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert errors == []
    assert len(winners) == 1
    [row] = rows(ctx, "SELECT request_hash FROM idempotency_keys WHERE company_id = :c AND key = 'stampede'",
                 c=ctx.company_id)
    assert row["request_hash"] == winners[0]
