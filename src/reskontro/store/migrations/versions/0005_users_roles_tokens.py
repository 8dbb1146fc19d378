"""Users, roles in companies, API tokens, idempotency keys and saved queries; report filters on items.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

``users`` and ``api_tokens`` are identity, not company data (one person works in several
companies), so they are the only tables besides ``companies`` without ``company_id``; their ids
are plain auto-increment keys (SQLite ``INTEGER PRIMARY KEY``, PostgreSQL ``SERIAL``). What a user
may do in a company is a row of ``memberships``. A token is stored as its SHA-256 only.

``idempotency_keys`` keeps the response to each API request sent with an ``Idempotency-Key``;
its primary key (company, user, key) decides between two concurrent requests with the same key.

The three new ``items`` columns are filters that later features set (disputed items, items at
collection); they start empty.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("user_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("token_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=8), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.user_id"], name=op.f("fk_api_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_api_tokens_token_sha256")),
    )
    op.create_index("ix_api_tokens_user", "api_tokens", ["user_id"])
    op.create_table(
        "memberships",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("granted_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint("role IN ('admin', 'accountant', 'read_only')", name=op.f("ck_memberships_role")),
        sa.ForeignKeyConstraint(["company_id"], ["companies.company_id"],
                                name=op.f("fk_memberships_company_id_companies")),
        sa.ForeignKeyConstraint(["user_id"], ["users.user_id"], name=op.f("fk_memberships_user_id_users")),
        sa.PrimaryKeyConstraint("company_id", "user_id", name=op.f("pk_memberships")),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=200), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'done')", name=op.f("ck_idempotency_keys_status")),
        sa.ForeignKeyConstraint(["company_id"], ["companies.company_id"],
                                name=op.f("fk_idempotency_keys_company_id_companies")),
        sa.ForeignKeyConstraint(["user_id"], ["users.user_id"], name=op.f("fk_idempotency_keys_user_id_users")),
        sa.PrimaryKeyConstraint("company_id", "user_id", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "saved_queries",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("query_id", sa.BigInteger(), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("report", sa.String(length=40), nullable=False),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.company_id"],
                                name=op.f("fk_saved_queries_company_id_companies")),
        sa.PrimaryKeyConstraint("company_id", "query_id", name=op.f("pk_saved_queries")),
        sa.UniqueConstraint("company_id", "owner", "name", name=op.f("uq_saved_queries_company_id_owner_name")),
    )
    # Nullable columns without a default: a catalogue-only change on both backends, however large items is.
    op.add_column("items", sa.Column("disputed_since", sa.Date(), nullable=True))
    op.add_column("items", sa.Column("dispute_note", sa.String(length=500), nullable=True))
    op.add_column("items", sa.Column("collection_since", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("collection_since")
        batch.drop_column("dispute_note")
        batch.drop_column("disputed_since")
    op.drop_table("saved_queries")
    op.drop_table("idempotency_keys")
    op.drop_table("memberships")
    op.drop_index("ix_api_tokens_user", "api_tokens")
    op.drop_table("api_tokens")
    op.drop_table("users")
