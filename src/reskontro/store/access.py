"""The SQL of identity and per-user data: users, API tokens, web sessions, memberships, idempotency keys,
saved queries.

``users``, ``api_tokens`` and ``web_sessions`` are global (a user can belong to several companies); everything else
here is company data and every statement filters on ``company_id``, except the one scan of a
user's memberships (see :meth:`AccessRepository.memberships_of`). Like the other repositories,
this one never commits.

Timestamps come back as aware UTC datetimes on both backends (SQLite stores them without a zone,
so they are written in UTC and read back as UTC).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from reskontro.domain.errors import AlreadyExists
from reskontro.store import tables as t
from reskontro.store.repositories import Repository


def utc(value: datetime | None) -> datetime | None:
    """An aware UTC datetime (a naive one, as SQLite returns them, is UTC by construction)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc(value: datetime) -> datetime:
    out = utc(value)
    assert out is not None
    return out


@dataclass(frozen=True, slots=True)
class UserRecord:
    user_id: int
    username: str
    display_name: str | None
    password_hash: str
    disabled: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """A token as stored: never its plaintext; its hash stays inside the store."""

    token_id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None

    def public(self) -> dict[str, Any]:
        return {"id": self.token_id, "name": self.name, "prefix": self.prefix, "created_at": self.created_at,
                "last_used_at": self.last_used_at, "expires_at": self.expires_at, "revoked_at": self.revoked_at}


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A web session as stored: never the cookie's secret, whose hash stays inside the store."""

    session_id: int
    user_id: int
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """What an ``Idempotency-Key`` holds: the request's hash, and its response once done."""

    request_hash: str
    status: str  # pending / done
    status_code: int | None
    content_type: str | None
    body: bytes  # empty while pending
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SavedQueryRecord:
    query_id: int
    owner: str
    name: str
    report: str
    parameters: str  # JSON object of str -> str
    shared: bool
    created_at: datetime
    created_by: str
    updated_at: datetime


def _user(row: RowMapping) -> UserRecord:
    return UserRecord(user_id=int(row["user_id"]), username=row["username"], display_name=row["display_name"],
                      password_hash=row["password_hash"], disabled=bool(row["disabled"]),
                      created_at=_utc(row["created_at"]))


def _token(row: RowMapping) -> TokenRecord:
    return TokenRecord(token_id=int(row["token_id"]), user_id=int(row["user_id"]), name=row["name"],
                       prefix=row["prefix"], created_at=_utc(row["created_at"]),
                       last_used_at=utc(row["last_used_at"]), expires_at=utc(row["expires_at"]),
                       revoked_at=utc(row["revoked_at"]))


_TOKEN_COLUMNS = [c for c in t.api_tokens.c if c.name != "token_sha256"]


class AccessRepository:
    """Users, tokens, memberships, idempotency keys and saved queries, for one connection."""

    def __init__(self, conn: Connection, *, now: Callable[[], datetime], actor: str) -> None:
        self.conn = conn
        self.now = now
        self.actor = actor
        self.is_postgres = conn.dialect.name == "postgresql"
        self._ids = Repository(conn, now=now, actor=actor).next_ids

    # -- users ---------------------------------------------------------------------------------------

    def insert_user(self, username: str, display_name: str | None, password_hash: str) -> int:
        """A new user; a username taken meanwhile by a concurrent insert raises AlreadyExists."""
        try:
            with self.conn.begin_nested():
                user_id = self.conn.execute(insert(t.users).values(
                    username=username, display_name=display_name, password_hash=password_hash, disabled=False,
                    created_at=_utc(self.now())).returning(t.users.c.user_id)).scalar_one()
        except IntegrityError:
            raise AlreadyExists(f"user {username} already exists", field="username") from None
        return int(user_id)

    def user_by_name(self, username: str) -> UserRecord | None:
        row = self.conn.execute(select(t.users).where(t.users.c.username == username)).mappings().first()
        return None if row is None else _user(row)

    def user(self, user_id: int) -> UserRecord | None:
        row = self.conn.execute(select(t.users).where(t.users.c.user_id == user_id)).mappings().first()
        return None if row is None else _user(row)

    def users(self) -> list[UserRecord]:
        return [_user(r) for r in self.conn.execute(select(t.users).order_by(t.users.c.username)).mappings()]

    def update_user(self, user_id: int, **values: Any) -> None:
        """Set ``password_hash``, ``display_name`` or ``disabled``."""
        assert set(values) <= {"password_hash", "display_name", "disabled"}, values
        self.conn.execute(update(t.users).where(t.users.c.user_id == user_id).values(**values))

    # -- memberships ---------------------------------------------------------------------------------

    def memberships_of(self, user_id: int) -> dict[int, str]:
        """Company id -> role code of every company the user belongs to.

        The one query here that does not lead with company_id: it scans ``memberships`` (the rule
        that company_id leads every index forbids a user-first index). With a few companies and
        their users per database that is a few pages, read once per authentication.
        """
        m = t.memberships
        rows = self.conn.execute(select(m.c.company_id, m.c.role).where(m.c.user_id == user_id))
        return {int(cid): role for cid, role in rows}

    def membership(self, company_id: int, user_id: int) -> str | None:
        m = t.memberships
        return self.conn.execute(select(m.c.role).where(m.c.company_id == company_id, m.c.user_id == user_id)
                                 ).scalar()

    def members(self, company_id: int) -> list[RowMapping]:
        m, u = t.memberships, t.users
        return list(self.conn.execute(
            select(u.c.username, u.c.display_name, m.c.role, m.c.granted_at, m.c.granted_by)
            .join(u, u.c.user_id == m.c.user_id).where(m.c.company_id == company_id).order_by(u.c.username))
            .mappings())

    def set_membership(self, company_id: int, user_id: int, role: str) -> None:
        """Insert or change the user's role in the company (the caller has read the current one)."""
        m = t.memberships
        values = {"role": role, "granted_at": _utc(self.now()), "granted_by": self.actor}
        done = self.conn.execute(update(m).where(m.c.company_id == company_id, m.c.user_id == user_id)
                                 .values(**values)).rowcount
        if not done:
            self.conn.execute(insert(m).values(company_id=company_id, user_id=user_id, **values))

    def delete_membership(self, company_id: int, user_id: int) -> bool:
        m = t.memberships
        return bool(self.conn.execute(delete(m).where(m.c.company_id == company_id, m.c.user_id == user_id))
                    .rowcount)

    # -- API tokens ----------------------------------------------------------------------------------

    def insert_token(self, user_id: int, name: str, prefix: str, token_sha256: str,
                     expires_at: datetime | None) -> int:
        token_id = self.conn.execute(insert(t.api_tokens).values(
            user_id=user_id, name=name, prefix=prefix, token_sha256=token_sha256, created_at=_utc(self.now()),
            expires_at=utc(expires_at)).returning(t.api_tokens.c.token_id)).scalar_one()
        return int(token_id)

    def token_by_hash(self, token_sha256: str) -> TokenRecord | None:
        a = t.api_tokens
        row = self.conn.execute(select(*_TOKEN_COLUMNS).where(a.c.token_sha256 == token_sha256)).mappings().first()
        return None if row is None else _token(row)

    def tokens_of(self, user_id: int) -> list[TokenRecord]:
        a = t.api_tokens
        rows = self.conn.execute(select(*_TOKEN_COLUMNS).where(a.c.user_id == user_id).order_by(a.c.token_id))
        return [_token(r) for r in rows.mappings()]

    def revoke_token(self, token_id: int) -> bool:
        """Revoke a live token; False if it was revoked already."""
        a = t.api_tokens
        return bool(self.conn.execute(update(a).where(a.c.token_id == token_id, a.c.revoked_at.is_(None))
                                      .values(revoked_at=_utc(self.now()))).rowcount)

    def touch_token(self, token_id: int, at: datetime, *, unless_after: datetime) -> None:
        """Record a use at ``at``, unless one after ``unless_after`` is recorded (a concurrent request did)."""
        a = t.api_tokens
        self.conn.execute(update(a).where(a.c.token_id == token_id, or_(
            a.c.last_used_at.is_(None), a.c.last_used_at <= _utc(unless_after))).values(last_used_at=_utc(at)))

    # -- web sessions --------------------------------------------------------------------------------

    def insert_session(self, user_id: int, token_sha256: str, expires_at: datetime) -> int:
        w = t.web_sessions
        session_id = self.conn.execute(insert(w).values(
            user_id=user_id, token_sha256=token_sha256, created_at=_utc(self.now()), expires_at=_utc(expires_at))
            .returning(w.c.session_id)).scalar_one()
        return int(session_id)

    def session_by_hash(self, token_sha256: str) -> SessionRecord | None:
        w = t.web_sessions
        row = self.conn.execute(select(w.c.session_id, w.c.user_id, w.c.created_at, w.c.expires_at)
                                .where(w.c.token_sha256 == token_sha256)).mappings().first()
        if row is None:
            return None
        return SessionRecord(session_id=int(row["session_id"]), user_id=int(row["user_id"]),
                             created_at=_utc(row["created_at"]), expires_at=_utc(row["expires_at"]))

    def delete_session(self, session_id: int) -> bool:
        w = t.web_sessions
        return bool(self.conn.execute(delete(w).where(w.c.session_id == session_id)).rowcount)

    def delete_sessions_of(self, user_id: int, *, keep: int | None = None) -> int:
        """End every session of the user (but ``keep``); the number ended."""
        w = t.web_sessions
        q = delete(w).where(w.c.user_id == user_id)
        if keep is not None:
            q = q.where(w.c.session_id != keep)
        return int(self.conn.execute(q).rowcount or 0)

    def delete_expired_sessions(self, now: datetime) -> int:
        w = t.web_sessions
        return int(self.conn.execute(delete(w).where(w.c.expires_at <= _utc(now))).rowcount or 0)

    # -- idempotency keys ----------------------------------------------------------------------------

    def _idempotency_where(self, company_id: int, user_id: int, key: str) -> list[Any]:
        k = t.idempotency_keys
        return [k.c.company_id == company_id, k.c.user_id == user_id, k.c.key == key]

    def reserve_idempotency(self, company_id: int, user_id: int, key: str, request_hash: str) -> bool:
        """Insert a pending reservation; False if the key exists (or a concurrent request holds it).

        ``ON CONFLICT DO NOTHING`` on the primary key: on PostgreSQL a second transaction inserting
        the same key waits for the first to commit or roll back, then inserts or does nothing.
        """
        k = t.idempotency_keys
        dialect_insert = postgresql.insert if self.is_postgres else sqlite.insert
        stmt = dialect_insert(k).values(
            company_id=company_id, user_id=user_id, key=key, request_hash=request_hash, status="pending",
            created_at=_utc(self.now())).on_conflict_do_nothing(index_elements=["company_id", "user_id", "key"])
        # RETURNING, not rowcount: SQLAlchemy reports rowcount -1 for this insert on psycopg.
        return self.conn.execute(stmt.returning(k.c.key)).first() is not None

    def idempotency(self, company_id: int, user_id: int, key: str) -> IdempotencyRecord | None:
        k = t.idempotency_keys
        row = self.conn.execute(select(k).where(*self._idempotency_where(company_id, user_id, key))
                                ).mappings().first()
        if row is None:
            return None
        return IdempotencyRecord(request_hash=row["request_hash"], status=row["status"],
                                 status_code=row["status_code"], content_type=row["content_type"],
                                 body=bytes(row["body"] or b""), created_at=_utc(row["created_at"]))

    def complete_idempotency(self, company_id: int, user_id: int, key: str, status_code: int, content_type: str,
                             body: bytes) -> bool:
        """Store the response of a pending reservation; False if there is none pending."""
        k = t.idempotency_keys
        return bool(self.conn.execute(
            update(k).where(*self._idempotency_where(company_id, user_id, key), k.c.status == "pending")
            .values(status="done", status_code=status_code, content_type=content_type, body=body)).rowcount)

    def release_idempotency(self, company_id: int, user_id: int, key: str) -> bool:
        k = t.idempotency_keys
        return bool(self.conn.execute(
            delete(k).where(*self._idempotency_where(company_id, user_id, key), k.c.status == "pending")).rowcount)

    # -- saved queries -------------------------------------------------------------------------------

    def saved_queries(self, company_id: int, *, owner: str | None = None, visible_to: str | None = None,
                      name: str | None = None) -> list[SavedQueryRecord]:
        """Saved queries of the company: one owner's, or those ``visible_to`` a user (own + shared)."""
        q = t.saved_queries
        conds = [q.c.company_id == company_id]
        if owner is not None:
            conds.append(q.c.owner == owner)
        if visible_to is not None:
            conds.append(or_(q.c.owner == visible_to, q.c.shared.is_(True)))
        if name is not None:
            conds.append(q.c.name == name)
        rows = self.conn.execute(select(q).where(*conds).order_by(q.c.name, q.c.owner)).mappings()
        return [SavedQueryRecord(
            query_id=int(r["query_id"]), owner=r["owner"], name=r["name"], report=r["report"],
            parameters=r["parameters"], shared=bool(r["shared"]), created_at=_utc(r["created_at"]),
            created_by=r["created_by"], updated_at=_utc(r["updated_at"])) for r in rows]

    def insert_saved_query(self, company_id: int, owner: str, name: str, report: str, parameters: str,
                           shared: bool) -> int:
        """A new saved query; the same name saved concurrently by the same owner raises AlreadyExists."""
        query_id = self._ids(company_id, "saved_queries")[0]
        now = _utc(self.now())
        try:
            with self.conn.begin_nested():
                self.conn.execute(insert(t.saved_queries).values(
                    company_id=company_id, query_id=query_id, owner=owner, name=name, report=report,
                    parameters=parameters, shared=shared, created_at=now, created_by=self.actor, updated_at=now))
        except IntegrityError:
            raise AlreadyExists(f"{owner} already has a saved query named {name!r}", field="name") from None
        return query_id

    def update_saved_query(self, company_id: int, query_id: int, **values: Any) -> None:
        q = t.saved_queries
        self.conn.execute(update(q).where(q.c.company_id == company_id, q.c.query_id == query_id)
                          .values(updated_at=_utc(self.now()), **values))

    def delete_saved_query(self, company_id: int, query_id: int) -> None:
        q = t.saved_queries
        self.conn.execute(delete(q).where(q.c.company_id == company_id, q.c.query_id == query_id))
