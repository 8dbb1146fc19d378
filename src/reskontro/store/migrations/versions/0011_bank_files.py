"""Payments in: the company's KID scheme and bank accounts, bank files and their transactions.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29

Incoming bank files (Nets OCR Giro, camt.054, camt.053) are taken in whole or not at all; ``bank_files`` keeps
each file's key at the bank so a second import posts nothing, and ``bank_payments`` keeps every transaction with
what became of it (posted to a customer and how it was matched, or waiting in the review queue, or posted to the
suspense account). The company gets the KID scheme of its OCR agreement and a suspense account. The items' KID
index now covers kind and party, so a file's KIDs find their customers from the index alone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _created() -> list[sa.Column[object]]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("created_by", sa.String(100), nullable=False)]


def upgrade() -> None:
    with op.batch_alter_table("companies") as batch:
        batch.add_column(sa.Column("kid_algorithm", sa.String(5)))
        batch.add_column(sa.Column("kid_length", sa.Integer()))
        batch.add_column(sa.Column("kid_source", sa.String(20)))
        batch.add_column(sa.Column("kid_customer_digits", sa.Integer()))
        batch.add_column(sa.Column("suspense_account", sa.String(10), nullable=False, server_default="2990"))
        batch.create_check_constraint(
            "kid_scheme",
            "kid_algorithm IS NULL OR (kid_algorithm IN ('mod10', 'mod11') AND kid_length BETWEEN 2 AND 25 "
            "AND kid_source IN ('invoice', 'customer', 'customer_invoice'))")
    op.create_table(
        "bank_accounts",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(34), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("gl_account", sa.String(10), nullable=False),
        sa.Column("bic", sa.String(11)),
        sa.Column("ocr_agreement_id", sa.String(9)),
        *_created(),
        sa.PrimaryKeyConstraint("company_id", "account", name="pk_bank_accounts"),
        sa.ForeignKeyConstraint(["company_id"], ["companies.company_id"],
                                name="fk_bank_accounts_company_id_companies"),
        sa.ForeignKeyConstraint(["company_id", "gl_account"], ["accounts.company_id", "accounts.number"],
                                name="fk_bank_accounts_company_id_gl_account_accounts"),
    )
    op.create_table(
        "bank_files",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("bank_file_id", sa.BigInteger(), nullable=False),
        sa.Column("file_key", sa.String(200), nullable=False),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("posted", sa.Integer(), nullable=False),
        sa.Column("review", sa.Integer(), nullable=False),
        *_created(),
        sa.PrimaryKeyConstraint("company_id", "bank_file_id", name="pk_bank_files"),
        sa.UniqueConstraint("company_id", "file_key", name="uq_bank_files_company_id_file_key"),
        sa.ForeignKeyConstraint(["company_id"], ["companies.company_id"], name="fk_bank_files_company_id_companies"),
    )
    op.create_table(
        "bank_payments",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("bank_payment_id", sa.BigInteger(), nullable=False),
        sa.Column("bank_file_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("account", sa.String(34), nullable=False),
        sa.Column("booking_date", sa.Date(), nullable=False),
        sa.Column("value_date", sa.Date()),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("credit", sa.Boolean(), nullable=False),
        sa.Column("reversal", sa.Boolean(), nullable=False),
        sa.Column("kid", sa.String(25)),
        sa.Column("text", sa.String(500)),
        sa.Column("counterparty_name", sa.String(200)),
        sa.Column("counterparty_account", sa.String(34)),
        sa.Column("bank_reference", sa.String(60)),
        sa.Column("end_to_end_id", sa.String(60)),
        sa.Column("transaction_type", sa.String(40)),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("method", sa.String(10)),
        sa.Column("party_id", sa.BigInteger()),
        sa.Column("invoice_item_id", sa.BigInteger()),
        sa.Column("voucher_id", sa.BigInteger()),
        sa.Column("reverses_payment_id", sa.BigInteger()),
        sa.Column("note", sa.String(500)),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("resolved_by", sa.String(100)),
        sa.PrimaryKeyConstraint("company_id", "bank_payment_id", name="pk_bank_payments"),
        sa.UniqueConstraint("company_id", "bank_file_id", "seq", name="uq_bank_payments_company_id_bank_file_id_seq"),
        sa.UniqueConstraint("company_id", "reverses_payment_id",
                            name="uq_bank_payments_company_id_reverses_payment_id"),
        sa.ForeignKeyConstraint(["company_id", "bank_file_id"], ["bank_files.company_id", "bank_files.bank_file_id"],
                                name="fk_bank_payments_company_id_bank_file_id_bank_files"),
        sa.ForeignKeyConstraint(["company_id", "party_id"], ["parties.company_id", "parties.party_id"],
                                name="fk_bank_payments_company_id_party_id_parties"),
        sa.ForeignKeyConstraint(["company_id", "voucher_id"], ["vouchers.company_id", "vouchers.voucher_id"],
                                name="fk_bank_payments_company_id_voucher_id_vouchers"),
        sa.ForeignKeyConstraint(["company_id", "reverses_payment_id"],
                                ["bank_payments.company_id", "bank_payments.bank_payment_id"],
                                name="fk_bank_payments_company_id_reverses_payment_id_bank_payments"),
        sa.CheckConstraint("status IN ('posted', 'review', 'suspense', 'duplicate')", name=op.f("ck_bank_payments_status")),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_bank_payments_amount_positive")),
    )
    op.create_index("ix_bank_payments_review", "bank_payments", ["company_id", "booking_date"],
                    sqlite_where=sa.text("status = 'review'"), postgresql_where=sa.text("status = 'review'"))
    op.create_index("ix_bank_payments_kid", "bank_payments", ["company_id", "kid"],
                    sqlite_where=sa.text("kid IS NOT NULL"), postgresql_where=sa.text("kid IS NOT NULL"))
    op.create_index("ix_bank_payments_reference", "bank_payments", ["company_id", "bank_reference"],
                    sqlite_where=sa.text("bank_reference IS NOT NULL"),
                    postgresql_where=sa.text("bank_reference IS NOT NULL"))
    # A bank file's KIDs find their customers from the index alone.
    op.drop_index("ix_items_kid", "items")
    op.create_index("ix_items_kid", "items", ["company_id", "kid", "kind", "party_id"],
                    sqlite_where=sa.text("kid IS NOT NULL"), postgresql_where=sa.text("kid IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_items_kid", "items")
    op.create_index("ix_items_kid", "items", ["company_id", "kid"],
                    sqlite_where=sa.text("kid IS NOT NULL"), postgresql_where=sa.text("kid IS NOT NULL"))
    op.drop_index("ix_bank_payments_reference", "bank_payments")
    op.drop_index("ix_bank_payments_kid", "bank_payments")
    op.drop_index("ix_bank_payments_review", "bank_payments")
    op.drop_table("bank_payments")
    op.drop_table("bank_files")
    op.drop_table("bank_accounts")
    with op.batch_alter_table("companies") as batch:
        batch.drop_constraint("kid_scheme", type_="check")
        for col in ("suspense_account", "kid_customer_digits", "kid_source", "kid_length", "kid_algorithm"):
            batch.drop_column(col)
