"""Test fixtures: storage over SQLite and PostgreSQL, one fresh company per test.

Each backend gets one migrated database per test session (per xdist worker); every test makes
its own company in it, which is how the product isolates tenants anyway. PostgreSQL tests skip
with a one-line reason when no server answers — except in CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from reskontro.bootstrap import App, build
from reskontro.services.companies import init_company
from reskontro.settings import Settings

#: The SMTP server fixture (``serve``) for every test that sends mail.
pytest_plugins = ["tests.smtp_server"]

PG_ADMIN_URL = os.environ.get("RESKONTRO_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def _pg_database(worker: str) -> Iterator[str]:
    import psycopg

    name = f"reskontro_test_{worker}_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL.replace("postgresql+psycopg", "postgresql"), autocommit=True,
                                connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and is not reachable at {PG_ADMIN_URL}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    else:
        yield from _pg_database(worker)


@pytest.fixture(scope="session")
def migrated(backend_url: str) -> Iterator[App]:
    app = build(Settings(database_url=backend_url, actor="tester"))
    app.migrate()
    yield app
    app.close()


@dataclass
class Ctx:
    """A test's company in a migrated database, with a settable clock."""

    app: App
    company_id: int
    today_value: date = date(2026, 6, 30)

    def uow(self, readonly: bool = False):  # type: ignore[no-untyped-def]
        from reskontro.store.uow import SqlUnitOfWork

        return SqlUnitOfWork(self.app.engine, actor="tester", readonly=readonly, today=lambda: self.today_value)

    @property
    def backend(self) -> str:
        return self.app.engine.dialect.name


@pytest.fixture
def ctx(migrated: App, request: pytest.FixtureRequest) -> Iterator[Ctx]:
    """A new company; afterwards its maintained totals must still be the sums of its rows, whatever the test
    posted, matched, unmatched or reversed (a test that writes rows behind the engine's back is marked
    ``raw_rows``)."""
    company_id = init_company(uow=migrated.uow(), name=f"Test {uuid.uuid4().hex[:6]} AS")
    yield Ctx(migrated, company_id)
    if request.node.get_closest_marker("raw_rows") is None:
        from reskontro.store import totals

        with migrated.engine.connect() as conn:
            assert totals.recount(conn, company_id) == []


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its cheapest in every test (a test of the parameters sets its own)."""
    from argon2 import profiles

    from reskontro.services import access

    monkeypatch.setattr(access, "HASH_PARAMETERS", profiles.CHEAPEST)


class FakeClock:
    """A monotonic clock the test moves by hand (rate limits, session expiry)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
