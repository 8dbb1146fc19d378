"""Typed settings, read once at start-up from the environment (``RESKONTRO_*``) and passed down."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

from reskontro.integrations.mail import SmtpSettings


def default_database_url() -> str:
    """A SQLite file in the user's data directory."""
    return f"sqlite:///{Path(user_data_dir('reskontro', appauthor=False)) / 'reskontro.sqlite3'}"


def _actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no user name in some containers
        return "system"


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    company_id: int | None = None
    actor: str = "system"
    documents_folder: Path | None = None
    smtp: SmtpSettings | None = None  # None: no mail server configured (RESKONTRO_SMTP_HOST unset)

    @classmethod
    def from_env(cls, *, database: str | None = None, company: int | None = None,
                 environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        company_text = env.get("RESKONTRO_COMPANY")
        folder = env.get("RESKONTRO_DOCUMENTS_FOLDER")
        return cls(
            database_url=database or env.get("RESKONTRO_DATABASE_URL") or default_database_url(),
            company_id=company if company is not None else (int(company_text) if company_text else None),
            actor=env.get("RESKONTRO_USER") or _actor(),
            documents_folder=Path(folder) if folder else None,
            smtp=SmtpSettings.from_env(env),
        )
