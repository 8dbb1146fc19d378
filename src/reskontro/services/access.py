"""Users, their roles in companies, API tokens, web sessions, sign-in, and the API's idempotency keys.

Passwords are hashed with argon2id (argon2-cffi, RFC 9106 low-memory profile); only the PHC hash
string is stored. An API token is ``rsk_`` + 256 random bits, shown once; only its SHA-256 is
stored (a random 256-bit secret cannot be guessed from a fast hash, so no slow hash is needed)
beside an 8-character prefix that lets the user recognise it in a list.

Audit: granting and revoking a role is audited in that company. Issuing and revoking a token, and
changing a password or disabling a user, concern every company the user can reach, so they are
audited in each company the user belongs to at that moment (entity ``user``, id = username); a
user without memberships leaves no trace, having nothing to reach. Tokens appear in the audit by
id and name only — never the token or its hash.

A web session (the browser's sign-in) is a random secret in a cookie; like a token, only its SHA-256
is stored. Sessions are not audited (a sign-in changes nothing in a company); changing one's own
password is, like any password change, and it ends the user's other sessions.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from argon2 import PasswordHasher, Type, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from reskontro.domain.access import (
    Forbidden,
    Principal,
    Role,
    require,
    validate_idempotency_key,
    validate_password,
    validate_username,
)
from reskontro.domain.errors import AlreadyExists, ConcurrentUpdate, NotFound, ValidationFailed
from reskontro.services.unit_of_work import UnitOfWork
from reskontro.store.access import IdempotencyRecord, UserRecord, utc

__all__ = [
    "Forbidden",
    "IdempotencyRecord",
    "Principal",
    "Role",
    "WebSession",
    "authenticate_password",
    "authenticate_token",
    "change_password",
    "complete_idempotency",
    "create_user",
    "end_session",
    "find_session",
    "grant",
    "issue_token",
    "list_tokens",
    "list_users",
    "principal",
    "release_idempotency",
    "require",
    "reserve_idempotency",
    "revoke",
    "revoke_token",
    "set_disabled",
    "set_password",
    "start_session",
]

#: argon2id cost. RFC 9106's second recommendation (t=3, 64 MiB, p=4), argon2-cffi's default. Tests
#: lower it (``argon2.profiles.CHEAPEST``); a hash made with other parameters still verifies and is
#: upgraded at the next sign-in.
HASH_PARAMETERS = profiles.RFC_9106_LOW_MEMORY

TOKEN_PREFIX = "rsk_"
#: Characters of the token kept for display: ``rsk_`` and four random ones. Not enough to guess it.
TOKEN_DISPLAY_CHARS = 8
#: A token's ``last_used_at`` is written at most this often, so requests do not each write a row.
TOUCH_INTERVAL = timedelta(minutes=1)
MAX_NAME_LENGTH = 100
#: How long a web sign-in lasts: a working day, like the API's sign-in token. Then the user signs in again.
SESSION_LIFETIME = timedelta(hours=12)

_dummy: tuple[object, str] | None = None


def _hasher() -> PasswordHasher:
    p = HASH_PARAMETERS
    return PasswordHasher(time_cost=p.time_cost, memory_cost=p.memory_cost, parallelism=p.parallelism,
                          hash_len=p.hash_len, salt_len=p.salt_len, type=Type.ID)  # always argon2id


def _now(uow: UnitOfWork) -> datetime:
    now = utc(uow.now())
    assert now is not None
    return now


def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash with the current parameters, to verify against when the user does not exist."""
    global _dummy
    if _dummy is None or _dummy[0] != HASH_PARAMETERS:
        _dummy = (HASH_PARAMETERS, hasher.hash(secrets.token_urlsafe(16)))
    return _dummy[1]


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _name(value: str | None, field: str, *, required: bool = True, limit: int = MAX_NAME_LENGTH) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise ValidationFailed(f"{field.replace('_', ' ')} must not be empty", field=field)
        return None
    if len(text) > limit:
        raise ValidationFailed(f"{field.replace('_', ' ')} may have at most {limit} characters", field=field)
    return text


def _user(uow: UnitOfWork, username: str) -> UserRecord:
    name = username.strip().lower()
    user = uow.access.user_by_name(name)
    if user is None:
        raise NotFound(f"user {name!r} does not exist", field="username")
    return user


def _audit_everywhere(uow: UnitOfWork, user: UserRecord, action: str,
                      changes: Iterable[tuple[str | None, Any, Any]]) -> None:
    """Audit a change to the user in every company they belong to."""
    changes = list(changes)
    for company_id in sorted(uow.access.memberships_of(user.user_id)):
        uow.repo.audit(company_id, "user", user.username, action, changes)


def _principal(uow: UnitOfWork, user: UserRecord) -> Principal:
    roles = {} if user.disabled else {cid: Role(r) for cid, r in uow.access.memberships_of(user.user_id).items()}
    return Principal(user_id=user.user_id, username=user.username, roles=MappingProxyType(roles))


# -- users -------------------------------------------------------------------------------------------


def create_user(*, uow: UnitOfWork, username: str, password: str, display_name: str | None = None) -> int:
    """Create a user (no roles yet); the user name is stored lower-case."""
    name = validate_username(username)
    validate_password(password)
    display = _name(display_name, "display_name", required=False, limit=200)
    with uow:
        if uow.access.user_by_name(name) is not None:
            raise AlreadyExists(f"user {name} already exists", field="username")
        user_id = uow.access.insert_user(name, display, _hasher().hash(password))
        uow.commit()
    return user_id


def set_password(*, uow: UnitOfWork, username: str, password: str) -> None:
    """Replace a user's password (audited without the password, in the user's companies)."""
    validate_password(password)
    password_hash = _hasher().hash(password)
    with uow:
        user = _user(uow, username)
        uow.access.update_user(user.user_id, password_hash=password_hash)
        _audit_everywhere(uow, user, "set_password", [("password", None, None)])
        uow.commit()


def set_disabled(*, uow: UnitOfWork, username: str, disabled: bool) -> None:
    """Disable a user (password and tokens stop working at once, memberships are kept) or enable again."""
    with uow:
        user = _user(uow, username)
        if user.disabled != disabled:
            uow.access.update_user(user.user_id, disabled=disabled)
            _audit_everywhere(uow, user, "disable" if disabled else "enable", [("disabled", user.disabled, disabled)])
        uow.commit()


def list_users(*, uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every user with their roles (``{company_id: role}``)."""
    with uow:
        return [{"id": u.user_id, "username": u.username, "display_name": u.display_name, "disabled": u.disabled,
                 "created_at": u.created_at,
                 "roles": {cid: Role(r) for cid, r in sorted(uow.access.memberships_of(u.user_id).items())}}
                for u in uow.access.users()]


def principal(*, uow: UnitOfWork, user_id: int) -> Principal:
    """The user and their roles; a disabled user's principal has no roles (so every check fails)."""
    with uow:
        user = uow.access.user(user_id)
        if user is None:
            raise NotFound(f"user {user_id} does not exist", field="user")
        return _principal(uow, user)


# -- roles -------------------------------------------------------------------------------------------


def grant(*, uow: UnitOfWork, username: str, company_id: int, role: Role | str) -> None:
    """Give a user a role in a company, or change it (audited in that company)."""
    new = Role.parse(role)
    with uow:
        uow.repo.company(company_id)
        user = _user(uow, username)
        old = uow.access.membership(company_id, user.user_id)
        if old != new.value:
            uow.access.set_membership(company_id, user.user_id, new.value)
            uow.repo.audit(company_id, "membership", user.username, "grant", [("role", old, new.value)])
        uow.commit()


def revoke(*, uow: UnitOfWork, username: str, company_id: int) -> None:
    """Take away a user's role in a company (audited in that company)."""
    with uow:
        uow.repo.company(company_id)
        user = _user(uow, username)
        old = uow.access.membership(company_id, user.user_id)
        if old is None:
            raise NotFound(f"{user.username} has no role in company {company_id}", field="username")
        uow.access.delete_membership(company_id, user.user_id)
        uow.repo.audit(company_id, "membership", user.username, "revoke", [("role", old, None)])
        uow.commit()


# -- API tokens --------------------------------------------------------------------------------------


def issue_token(*, uow: UnitOfWork, username: str, name: str, expires_at: datetime | None = None
                ) -> tuple[int, str]:
    """A new API token for the user: ``(token_id, plaintext)``. The plaintext is never stored; show it once.

    A naive ``expires_at`` is taken as UTC.
    """
    label = _name(name, "name")
    assert label is not None
    expires = utc(expires_at)
    with uow:
        if expires is not None and expires <= _now(uow):
            raise ValidationFailed("the expiry must be in the future", field="expires_at")
        user = _user(uow, username)
        if user.disabled:
            raise ValidationFailed(f"user {user.username} is disabled", field="username")
        plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token_id = uow.access.insert_token(user.user_id, label, plaintext[:TOKEN_DISPLAY_CHARS], _sha256(plaintext),
                                           expires)
        _audit_everywhere(uow, user, "issue_token", [("token", None, f"{token_id} {label}")])
        uow.commit()
    return token_id, plaintext


def revoke_token(*, uow: UnitOfWork, username: str, token_id: int) -> None:
    """Revoke one of the user's tokens; revoking it again changes nothing."""
    with uow:
        user = _user(uow, username)
        token = next((tok for tok in uow.access.tokens_of(user.user_id) if tok.token_id == token_id), None)
        if token is None:
            raise NotFound(f"{user.username} has no token {token_id}", field="token_id")
        if uow.access.revoke_token(token_id):
            _audit_everywhere(uow, user, "revoke_token", [("token", f"{token_id} {token.name}", None)])
        uow.commit()


def list_tokens(*, uow: UnitOfWork, username: str) -> list[dict[str, Any]]:
    """The user's tokens: id, name, prefix and timestamps — never the token or its hash."""
    with uow:
        user = _user(uow, username)
        return [tok.public() for tok in uow.access.tokens_of(user.user_id)]


# -- sign-in -----------------------------------------------------------------------------------------


def authenticate_token(*, uow: UnitOfWork, token: str) -> Principal | None:
    """The principal of a live token; None if it is unknown, revoked, expired or its user is disabled."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    with uow:
        found = uow.access.token_by_hash(_sha256(token))
        if found is None or found.revoked_at is not None:
            return None
        now = _now(uow)
        if found.expires_at is not None and found.expires_at <= now:
            return None
        user = uow.access.user(found.user_id)
        if user is None or user.disabled:
            return None
        who = _principal(uow, user)
        if found.last_used_at is None or now - found.last_used_at >= TOUCH_INTERVAL:
            uow.access.touch_token(found.token_id, now, unless_after=now - TOUCH_INTERVAL)
            uow.commit()
        return who


def authenticate_password(*, uow: UnitOfWork, username: str, password: str) -> Principal | None:
    """The principal if the password is right and the user enabled; else None, in comparable time."""
    hasher = _hasher()
    name = username.strip().lower()
    with uow:
        user = uow.access.user_by_name(name) if len(name) <= 100 else None
        if user is None:
            # Spend the time a real check takes, so a missing user cannot be told by the clock.
            with suppress(VerificationError):
                hasher.verify(_dummy_hash(hasher), password)
            return None
        try:
            hasher.verify(user.password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if user.disabled:
            return None
        who = _principal(uow, user)
        if hasher.check_needs_rehash(user.password_hash):  # parameters were raised since: upgrade the hash
            uow.access.update_user(user.user_id, password_hash=hasher.hash(password))
            uow.commit()
        return who


# -- web sessions ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WebSession:
    """A live browser sign-in: whose, and until when."""

    session_id: int
    principal: Principal
    expires_at: datetime


def start_session(*, uow: UnitOfWork, user_id: int, lifetime: timedelta = SESSION_LIFETIME) -> tuple[str, WebSession]:
    """A new web session for a user who has just proved their password: ``(secret, session)``.

    The secret goes into the cookie and is never stored; expired sessions of anyone are swept away here,
    so the table holds live sessions only.
    """
    with uow:
        user = uow.access.user(user_id)
        if user is None or user.disabled:
            raise NotFound(f"user {user_id} does not exist or is disabled", field="username")
        now = _now(uow)
        uow.access.delete_expired_sessions(now)
        secret = secrets.token_urlsafe(32)
        expires = now + lifetime
        session_id = uow.access.insert_session(user.user_id, _sha256(secret), expires)
        who = _principal(uow, user)
        uow.commit()
    return secret, WebSession(session_id, who, expires)


def find_session(*, uow: UnitOfWork, secret: str) -> WebSession | None:
    """The live session of a cookie's secret with the user's roles now; None if unknown, expired or the user
    is disabled."""
    if not secret or len(secret) > 200:
        return None
    with uow:
        found = uow.access.session_by_hash(_sha256(secret))
        if found is None or found.expires_at <= _now(uow):
            return None
        user = uow.access.user(found.user_id)
        if user is None or user.disabled:
            return None
        return WebSession(found.session_id, _principal(uow, user), found.expires_at)


def end_session(*, uow: UnitOfWork, secret: str) -> None:
    """Sign out: the session stops working at once. An unknown secret changes nothing."""
    with uow:
        found = uow.access.session_by_hash(_sha256(secret)) if secret and len(secret) <= 200 else None
        if found is not None:
            uow.access.delete_session(found.session_id)
        uow.commit()


def change_password(*, uow: UnitOfWork, username: str, current_password: str, new_password: str,
                    keep_session: int | None = None) -> None:
    """Change one's own password, proving the current one; every other web session of the user ends.

    A wrong current password names ``current_password``; a new one that breaks the rules names
    ``new_password``. API tokens are kept (they are revoked one by one, ``reskontro user revoke-token``).
    """
    try:
        validate_password(new_password)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, field="new_password") from None
    hasher = _hasher()
    with uow:
        user = _user(uow, username)
        try:
            hasher.verify(user.password_hash, current_password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            raise ValidationFailed("the current password is wrong", field="current_password") from None
        uow.access.update_user(user.user_id, password_hash=hasher.hash(new_password))
        uow.access.delete_sessions_of(user.user_id, keep=keep_session)
        _audit_everywhere(uow, user, "set_password", [("password", None, None)])
        uow.commit()


# -- idempotency keys --------------------------------------------------------------------------------


def reserve_idempotency(*, uow: UnitOfWork, company_id: int, user_id: int, key: str, request_hash: str
                        ) -> IdempotencyRecord | None:
    """Reserve a key before running a request: None if it is new (now pending), else what it holds.

    The caller compares ``request_hash`` (same key, different request: refuse) and ``status``
    (``pending``: the first request is still running; ``done``: replay its response).
    """
    validate_idempotency_key(key)
    if not request_hash or len(request_hash) > 128:
        raise ValidationFailed("a request hash is 1–128 characters", field="request_hash")
    for _attempt in range(3):
        with uow:
            if uow.access.reserve_idempotency(company_id, user_id, key, request_hash):
                uow.commit()
                return None
            existing = uow.access.idempotency(company_id, user_id, key)
            if existing is not None:
                return existing
        # Released by its holder between our insert and our read: try again.
    raise ConcurrentUpdate(f"Idempotency-Key {key!r} is being reserved and released concurrently; try again",
                           field="Idempotency-Key")


def complete_idempotency(*, uow: UnitOfWork, company_id: int, user_id: int, key: str, status_code: int,
                         content_type: str, body: bytes) -> None:
    """Store the response of a reserved key, to be replayed for every retry."""
    validate_idempotency_key(key)
    if not 100 <= status_code <= 599:
        raise ValidationFailed(f"status code {status_code} is not an HTTP status", field="status_code")
    with uow:
        if not uow.access.complete_idempotency(company_id, user_id, key, status_code, content_type[:200],
                                               bytes(body)):
            raise NotFound(f"Idempotency-Key {key!r} has no pending reservation", field="Idempotency-Key")
        uow.commit()


def release_idempotency(*, uow: UnitOfWork, company_id: int, user_id: int, key: str) -> None:
    """Drop a pending reservation (the request failed in a way a retry should run again)."""
    validate_idempotency_key(key)
    with uow:
        uow.access.release_idempotency(company_id, user_id, key)
        uow.commit()
