"""SQL unit of work: a connection and a transaction per ``with`` block."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from types import TracebackType
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine

from reskontro.store.access import AccessRepository
from reskontro.store.repositories import Repository


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _today() -> date:
    # Accounting dates are Norwegian calendar dates.
    return datetime.now(ZoneInfo("Europe/Oslo")).date()


class SqlUnitOfWork:
    """``with uow: ...; uow.commit()``. Leaving the block without commit rolls everything back."""

    repo: Repository
    access: AccessRepository

    def __init__(self, engine: Engine, *, actor: str = "system", today: Callable[[], date] = _today,
                 now: Callable[[], datetime] = _utcnow, readonly: bool = False) -> None:
        self.engine = engine
        self.readonly = readonly
        self.actor = actor
        self.today = today
        self.now = now
        self._conn: Connection | None = None

    def __enter__(self) -> SqlUnitOfWork:
        if self._conn is not None:
            raise RuntimeError("unit of work is already open")
        conn = self.engine.connect()
        if self.readonly:
            conn = conn.execution_options(reskontro_readonly=True)
        self._conn = conn
        self.repo = Repository(self._conn, now=self.now, actor=self.actor)
        self.access = AccessRepository(self._conn, now=self.now, actor=self.actor)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self._conn is not None
        try:
            if self._conn.in_transaction():
                self._conn.rollback()
        finally:
            self._conn.close()
            self._conn = None

    def commit(self) -> None:
        assert self._conn is not None
        self._conn.commit()

    def rollback(self) -> None:
        assert self._conn is not None
        self._conn.rollback()
