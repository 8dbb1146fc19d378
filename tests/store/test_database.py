"""The database: migrations reach head on both backends and re-run harmlessly; SQLite runs in WAL with FKs on."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import OperationalError

from reskontro.bootstrap import App
from reskontro.store import database, tables


def test_migrations_reach_head_and_running_them_again_changes_nothing(migrated: App) -> None:
    assert database.current_revision(migrated.engine) == database.head_revision(migrated.engine)
    migrated.migrate()
    assert migrated.is_migrated()


#: Identity, not company data (a user can belong to several companies): the only tables without company_id.
GLOBAL_TABLES = {"users", "api_tokens", "web_sessions"}


def test_every_table_leads_its_keys_and_indexes_with_company_id(migrated: App) -> None:
    insp = inspect(migrated.engine)
    for name in tables.metadata.tables:
        cols = {c["name"] for c in insp.get_columns(name)}
        if name in GLOBAL_TABLES:
            assert "company_id" not in cols, name
            continue
        assert "company_id" in cols, name
        pk = insp.get_pk_constraint(name)["constrained_columns"]
        assert pk[0] == "company_id", (name, pk)
        keys = [*insp.get_indexes(name), *insp.get_unique_constraints(name)]
        for key in keys:
            # The one global key: an org number names one company (companies is the tenant table itself).
            allowed = ("company_id", "org_number") if name == "companies" else ("company_id",)
            assert key["column_names"][0] in allowed, (name, key["name"])


def test_sqlite_uses_wal_and_enforces_foreign_keys(tmp_path: Path) -> None:
    engine = database.make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_postgres_sessions_run_reports_without_jit_and_with_room_to_sort(migrated: App) -> None:
    if migrated.engine.dialect.name != "postgresql":
        return  # SQLite has neither setting; its tuning is the test above
    with migrated.engine.connect() as conn:
        assert conn.execute(text("SHOW jit")).scalar() == "off"
        assert conn.execute(text("SHOW work_mem")).scalar() == "64MB"


def test_a_postgres_url_gets_the_psycopg3_driver_and_sqlite_paths_are_created(tmp_path: Path) -> None:
    assert database.normalise_url("postgresql://u@h/db").startswith("postgresql+psycopg://")
    url = database.normalise_url(f"sqlite:///{tmp_path / 'deep' / 'er' / 'x.sqlite3'}")
    assert (tmp_path / "deep" / "er").is_dir()
    assert url.endswith("x.sqlite3")


def test_a_sqlite_uri_filename_opens_read_only_as_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database.make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}").dispose()  # no file yet: an empty database
    with database.make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}").begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///file:{tmp_path / 'x.sqlite3'}?mode=ro&uri=true"
    assert database.normalise_url(url) == url
    assert not (tmp_path / "file:").exists()  # no folder made of the URI
    engine = database.make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 0
        with pytest.raises(OperationalError, match="readonly"):
            conn.execute(text("INSERT INTO t VALUES (1)"))
    engine.dispose()


def test_the_migrations_build_exactly_the_schema_the_code_declares(migrated: App) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with migrated.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), tables.metadata)
    assert diff == []
