"""The unit of work a service runs in: one transaction, one commit, rollback on leaving without it.

Services are written against :class:`UnitOfWork`; :class:`reskontro.store.uow.SqlUnitOfWork` is
the implementation on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from reskontro.store.access import AccessRepository
    from reskontro.store.repositories import Repository


class UnitOfWork(Protocol):
    actor: str
    repo: Repository
    access: AccessRepository
    today: Callable[[], date]
    now: Callable[[], datetime]

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
