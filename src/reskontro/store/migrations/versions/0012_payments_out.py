"""Payments out: supplier bank accounts approved by a second user, payment proposals and their lines.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29

The due list pays a supplier only to a bank account a second user approved (``bank_account_approvals``); the
accounts already on supplier cards are taken as approved ("migration"), so nothing stops paying. A payment
proposal holds the chosen items (``payment_lines``, each with its own EndToEndId), its approvals, and the pain.001
it was written as. Items get the account a supplier invoice says to pay to; parties the date they went bankrupt;
companies how many approvals a proposal needs.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _created() -> list[sa.Column[object]]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("created_by", sa.String(100), nullable=False)]


def upgrade() -> None:
    with op.batch_alter_table("companies") as batch:
        batch.add_column(sa.Column("payment_approvals", sa.Integer(), nullable=False, server_default="1"))
        batch.create_check_constraint("payment_approvals", "payment_approvals IN (1, 2)")
    with op.batch_alter_table("parties") as batch:
        batch.add_column(sa.Column("bankrupt_since", sa.Date()))
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("payee_account", sa.String(34)))
    op.create_table(
        "bank_account_approvals",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("approval_id", sa.BigInteger(), nullable=False),
        sa.Column("party_id", sa.BigInteger(), nullable=False),
        sa.Column("account", sa.String(34), nullable=False),
        sa.Column("bic", sa.String(11)),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(100)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("note", sa.String(500)),
        sa.PrimaryKeyConstraint("company_id", "approval_id", name="pk_bank_account_approvals"),
        sa.ForeignKeyConstraint(["company_id", "party_id"], ["parties.company_id", "parties.party_id"],
                                name="fk_bank_account_approvals_company_id_party_id_parties"),
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name=op.f("ck_bank_account_approvals_status")),
        sa.CheckConstraint("status = 'pending' OR decided_by IS NOT NULL", name=op.f("ck_bank_account_approvals_decided")),
    )
    op.create_index("ix_bank_account_approvals_party", "bank_account_approvals", ["company_id", "party_id", "account"])
    op.create_table(
        "payment_proposals",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("debtor_account", sa.String(34), nullable=False),
        sa.Column("execution_date", sa.Date(), nullable=False),
        sa.Column("message_id", sa.String(35)),
        sa.Column("pain_version", sa.String(2)),
        sa.Column("file", sa.LargeBinary()),
        sa.Column("exported_at", sa.DateTime(timezone=True)),
        sa.Column("exported_by", sa.String(100)),
        sa.Column("version", sa.Integer(), nullable=False),
        *_created(),
        sa.PrimaryKeyConstraint("company_id", "proposal_id", name="pk_payment_proposals"),
        sa.UniqueConstraint("company_id", "message_id", name="uq_payment_proposals_company_id_message_id"),
        sa.ForeignKeyConstraint(["company_id", "debtor_account"], ["bank_accounts.company_id", "bank_accounts.account"],
                                name="fk_payment_proposals_company_id_debtor_account_bank_accounts"),
        sa.CheckConstraint("status IN ('draft', 'approved', 'exported', 'cancelled')",
                           name=op.f("ck_payment_proposals_status")),
    )
    op.create_table(
        "payment_approvals",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.BigInteger(), nullable=False),
        sa.Column("approved_by", sa.String(100), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("company_id", "proposal_id", "approved_by", name="pk_payment_approvals"),
        sa.ForeignKeyConstraint(["company_id", "proposal_id"], ["payment_proposals.company_id",
                                                                "payment_proposals.proposal_id"],
                                name="fk_payment_approvals_company_id_proposal_id_payment_proposals"),
    )
    op.create_table(
        "payment_lines",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.BigInteger(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        sa.Column("party_id", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("creditor_account", sa.String(34), nullable=False),
        sa.Column("creditor_bic", sa.String(11)),
        sa.Column("kid", sa.String(25)),
        sa.Column("text", sa.String(140)),
        sa.Column("end_to_end_id", sa.String(35), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(500)),
        sa.Column("bank_payment_id", sa.BigInteger()),
        sa.PrimaryKeyConstraint("company_id", "proposal_id", "line_no", name="pk_payment_lines"),
        sa.UniqueConstraint("company_id", "end_to_end_id", name="uq_payment_lines_company_id_end_to_end_id"),
        sa.ForeignKeyConstraint(["company_id", "proposal_id"], ["payment_proposals.company_id",
                                                                "payment_proposals.proposal_id"],
                                name="fk_payment_lines_company_id_proposal_id_payment_proposals"),
        sa.ForeignKeyConstraint(["company_id", "item_id"], ["items.company_id", "items.item_id"],
                                name="fk_payment_lines_company_id_item_id_items"),
        sa.CheckConstraint("status IN ('proposed', 'in_payment', 'paid', 'rejected', 'cancelled')",
                           name=op.f("ck_payment_lines_status")),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_payment_lines_amount_positive")),
    )
    op.create_index("ix_payment_lines_item", "payment_lines", ["company_id", "item_id"])
    # The accounts on supplier cards today were in use before the guard: they stay payable.
    op.execute("INSERT INTO bank_account_approvals (company_id, approval_id, party_id, account, bic, source, status, "
               "requested_by, requested_at, decided_by, decided_at, note) "
               "SELECT company_id, party_id, party_id, bank_account, bic, 'migration', 'approved', 'migration', "
               "CURRENT_TIMESTAMP, 'migration', CURRENT_TIMESTAMP, 'on the card before approvals were kept' "
               "FROM parties WHERE kind = 'supplier' AND bank_account IS NOT NULL")
    if op.get_bind().dialect.name == "sqlite":  # ids count per company there: new approvals start above these
        op.execute("INSERT INTO id_counters (company_id, name, last_id) SELECT company_id, 'bank_account_approvals', "
                   "MAX(party_id) FROM parties GROUP BY company_id")


def downgrade() -> None:
    op.execute("DELETE FROM id_counters WHERE name = 'bank_account_approvals'")
    op.drop_index("ix_payment_lines_item", "payment_lines")
    op.drop_table("payment_lines")
    op.drop_table("payment_approvals")
    op.drop_table("payment_proposals")
    op.drop_index("ix_bank_account_approvals_party", "bank_account_approvals")
    op.drop_table("bank_account_approvals")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("payee_account")
    with op.batch_alter_table("parties") as batch:
        batch.drop_column("bankrupt_since")
    with op.batch_alter_table("companies") as batch:
        batch.drop_constraint("payment_approvals", type_="check")
        batch.drop_column("payment_approvals")
