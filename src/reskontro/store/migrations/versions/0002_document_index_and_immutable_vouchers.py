"""Document-number index; posted vouchers and their lines can no longer be changed or deleted.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

Vouchers are append-only by rule; these triggers make the database refuse an UPDATE or DELETE
of a voucher or voucher line from any client, not only from this application.
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TABLES = ("vouchers", "voucher_lines")


def upgrade() -> None:
    op.create_index("ix_items_document", "items", ["company_id", "document_number"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION reskontro_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'posted % are immutable: post a reversal instead', TG_TABLE_NAME
                    USING ERRCODE = 'integrity_constraint_violation';
            END $$""")
        for table in _TABLES:
            op.execute(f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION reskontro_refuse_change()")
    else:
        for table in _TABLES:
            for action in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, 'posted {table} are immutable: post a reversal instead'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _TABLES:
            op.execute(f"DROP TRIGGER {table}_immutable ON {table}")
        op.execute("DROP FUNCTION reskontro_refuse_change()")
    else:
        for table in _TABLES:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER {table}_no_{action}")
    op.drop_index("ix_items_document", "items")
