"""Browser sessions of the web UI.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

A web session belongs to a *user*, not to a company: one sign-in reaches every company the user
has a role in, and the company is chosen per page (``/c/{company_id}/...``). So ``web_sessions``
is identity data like ``users`` and ``api_tokens`` and has no ``company_id`` (on Citus it would be
a reference table). What the user may do in a company is still read from ``memberships`` on every
request. The cookie's secret is stored as its SHA-256 only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("session_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.user_id"], name=op.f("fk_web_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_web_sessions_token_sha256")),
    )
    op.create_index("ix_web_sessions_user", "web_sessions", ["user_id"])
    op.create_index("ix_web_sessions_expires_at", "web_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_web_sessions_expires_at", "web_sessions")
    op.drop_index("ix_web_sessions_user", "web_sessions")
    op.drop_table("web_sessions")
