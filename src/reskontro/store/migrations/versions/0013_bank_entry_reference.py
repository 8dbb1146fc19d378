"""A camt entry's own reference on each bank payment, so a statement after its notification posts nothing.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29

A KID payment in a camt.054 notification carries the transaction's reference (``TxDtls/Refs/AcctSvcrRef``), and
the camt.053 statement that books it again may carry only its entry's (``Ntry/AcctSvcrRef``): the payment was
taken in twice. Each bank payment now keeps its entry's reference too, and a payment of another file with the
same account, day, amount, direction, KID and entry reference is the same payment.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bank_payments") as batch:
        batch.add_column(sa.Column("entry_reference", sa.String(60)))
    op.create_index("ix_bank_payments_entry", "bank_payments", ["company_id", "entry_reference"],
                    sqlite_where=sa.text("entry_reference IS NOT NULL"),
                    postgresql_where=sa.text("entry_reference IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_bank_payments_entry", "bank_payments")
    with op.batch_alter_table("bank_payments") as batch:
        batch.drop_column("entry_reference")
