"""Composition root: settings → engine → units of work. Nothing connects until asked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine

from reskontro.domain.errors import NotFound
from reskontro.integrations.mail import Mailer, SmtpMailer
from reskontro.services.unit_of_work import UnitOfWork
from reskontro.settings import Settings
from reskontro.store import database
from reskontro.store.uow import SqlUnitOfWork


@dataclass
class App:
    settings: Settings
    today: Callable[[], date] | None = None
    _engine: Engine | None = field(default=None, init=False)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = database.make_engine(self.settings.database_url)
        return self._engine

    def uow(self, *, readonly: bool = False, actor: str | None = None) -> UnitOfWork:
        """A unit of work; ``actor`` (the signed-in user) is who the audit names, else the settings' actor."""
        who = actor or self.settings.actor
        if self.today is not None:
            return SqlUnitOfWork(self.engine, actor=who, readonly=readonly, today=self.today)
        return SqlUnitOfWork(self.engine, actor=who, readonly=readonly)

    def mailer(self) -> Mailer | None:
        """The SMTP mailer of the settings (``RESKONTRO_SMTP_*``), or None when no server is configured."""
        return SmtpMailer(self.settings.smtp) if self.settings.smtp is not None else None

    def migrate(self) -> None:
        database.upgrade(self.engine)

    def is_migrated(self) -> bool:
        return database.current_revision(self.engine) == database.head_revision(self.engine)

    def company_id(self) -> int:
        """The company chosen in settings, else the only (or first) one in the database."""
        if self.settings.company_id is not None:
            return self.settings.company_id
        if not self.is_migrated():
            raise NotFound("the database is not set up; run `reskontro init` first", field="database")
        with self.uow(readonly=True) as uow:
            companies = uow.repo.companies()
        if not companies:
            raise NotFound("there is no company yet; run `reskontro init` first", field="company")
        return companies[0].company_id

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def build(settings: Settings, *, today: Callable[[], date] | None = None) -> App:
    return App(settings, today)
