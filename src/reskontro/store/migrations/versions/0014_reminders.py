"""Reminders, late-payment interest and debt collection.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29

Dated legal rates per company (seeded from ``domain.legal_rates.DEFAULT_RATES``), reminder routines with their
levels (assigned per company, customer group and customer), disputes with their history, reminder runs with one
row per letter and one per item and level (unique: no item reaches a level twice, so no fee is posted twice), and
collection cases with the agency's events. Items get their reminder state; companies the accounts fees and
interest post to.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _created() -> list[sa.Column[object]]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("created_by", sa.String(100), nullable=False)]


def _pk(table: str, *cols: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*cols, name=f"pk_{table}")


def _fk(table: str, cols: list[str], ref: str, ref_cols: list[str]) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(cols, [f"{ref}.{c}" for c in ref_cols],
                                   name=f"fk_{table}_{'_'.join(cols)}_{ref}")


def upgrade() -> None:
    with op.batch_alter_table("companies") as batch:
        batch.add_column(sa.Column("reminder_fee_account", sa.String(10), nullable=False, server_default="3910"))
        batch.add_column(sa.Column("interest_account", sa.String(10), nullable=False, server_default="8050"))
    with op.batch_alter_table("party_groups") as batch:
        batch.add_column(sa.Column("reminder_routine_id", sa.BigInteger()))
    with op.batch_alter_table("parties") as batch:
        batch.add_column(sa.Column("reminder_routine_id", sa.BigInteger()))
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("reminder_level", sa.Integer()))
        batch.add_column(sa.Column("reminded_on", sa.Date()))
        batch.add_column(sa.Column("reminder_deadline", sa.Date()))
        batch.add_column(sa.Column("interest_to", sa.Date()))
        batch.add_column(sa.Column("promised_date", sa.Date()))
        batch.add_column(sa.Column("dispute_owner", sa.String(100)))
        batch.add_column(sa.Column("dispute_deadline", sa.Date()))
        batch.add_column(sa.Column("ready_for_collection", sa.Date()))
    op.create_table(
        "legal_rates",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("value", sa.String(30), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        *_created(),
        _pk("legal_rates", "company_id", "kind", "valid_from"),
        _fk("legal_rates", ["company_id"], "companies", ["company_id"]),
        sa.CheckConstraint("kind IN ('inkassosats', 'reminder_fee_fraction', 'warning_fee_fraction', 'late_interest', "
                           "'b2b_compensation')", name=op.f("ck_legal_rates_kind")),
    )
    op.create_table(
        "reminder_routines",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("routine_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("fee_basis", sa.String(10), nullable=False),
        sa.Column("b2b_compensation", sa.Boolean(), nullable=False),
        sa.Column("late_payment_interest", sa.Boolean(), nullable=False),
        sa.Column("min_interest_minor", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_created(),
        _pk("reminder_routines", "company_id", "routine_id"),
        sa.UniqueConstraint("company_id", "code", name="uq_reminder_routines_company_id_code"),
        _fk("reminder_routines", ["company_id"], "companies", ["company_id"]),
        sa.CheckConstraint("fee_basis IN ('letter', 'claim')", name=op.f("ck_reminder_routines_fee_basis")),
    )
    op.create_table(
        "reminder_levels",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("routine_id", sa.BigInteger(), nullable=False),
        sa.Column("level_no", sa.Integer(), nullable=False),
        sa.Column("level_type", sa.String(10), nullable=False),
        sa.Column("days_after", sa.Integer(), nullable=False),
        sa.Column("deadline_days", sa.Integer(), nullable=False),
        sa.Column("min_amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("charge_fee", sa.Boolean(), nullable=False),
        sa.Column("charge_interest", sa.Boolean(), nullable=False),
        sa.Column("channels", sa.String(20), nullable=False),
        sa.Column("titles", sa.Text(), nullable=False),
        sa.Column("texts", sa.Text(), nullable=False),
        _pk("reminder_levels", "company_id", "routine_id", "level_no"),
        _fk("reminder_levels", ["company_id", "routine_id"], "reminder_routines", ["company_id", "routine_id"]),
        sa.CheckConstraint("level_type IN ('reminder', 'warning', 'collection')",
                           name=op.f("ck_reminder_levels_level_type")),
    )
    op.create_table(
        "item_disputes",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("dispute_id", sa.BigInteger(), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("deadline", sa.Date()),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date()),
        sa.Column("resolution", sa.String(500)),
        *_created(),
        _pk("item_disputes", "company_id", "dispute_id"),
        _fk("item_disputes", ["company_id", "item_id"], "items", ["company_id", "item_id"]),
    )
    op.create_index("ix_item_disputes_item", "item_disputes", ["company_id", "item_id"])
    op.create_table(
        "reminder_runs",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("run_date", sa.Date(), nullable=False),
        sa.Column("routine_id", sa.BigInteger()),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("print_batch", sa.LargeBinary()),
        sa.Column("approved_by", sa.String(100)),
        sa.Column("approved_at", sa.DateTime(timezone=True)),
        *_created(),
        _pk("reminder_runs", "company_id", "run_id"),
        _fk("reminder_runs", ["company_id"], "companies", ["company_id"]),
        sa.CheckConstraint("status IN ('proposed', 'posted', 'cancelled')", name=op.f("ck_reminder_runs_status")),
    )
    op.create_index("ix_reminder_runs_date", "reminder_runs", ["company_id", "run_date"])
    op.create_table(
        "reminders",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("reminder_id", sa.BigInteger(), nullable=False),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("party_id", sa.BigInteger(), nullable=False),
        sa.Column("routine_id", sa.BigInteger(), nullable=False),
        sa.Column("level_no", sa.Integer(), nullable=False),
        sa.Column("level_type", sa.String(10), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("letter_date", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("principal_minor", sa.BigInteger(), nullable=False),
        sa.Column("fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("compensation_minor", sa.BigInteger(), nullable=False),
        sa.Column("interest_minor", sa.BigInteger(), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("fee_item_id", sa.BigInteger()),
        sa.Column("compensation_item_id", sa.BigInteger()),
        sa.Column("interest_item_id", sa.BigInteger()),
        sa.Column("document_id", sa.BigInteger()),
        sa.Column("channel", sa.String(10)),
        sa.Column("email_to", sa.String(254)),
        sa.Column("delivery", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(500)),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("message_id", sa.String(200)),
        _pk("reminders", "company_id", "reminder_id"),
        sa.UniqueConstraint("company_id", "run_id", "party_id", "level_no", "currency",
                            name="uq_reminders_company_id_run_id_party_id_level_no_currency"),
        _fk("reminders", ["company_id", "run_id"], "reminder_runs", ["company_id", "run_id"]),
        _fk("reminders", ["company_id", "party_id"], "parties", ["company_id", "party_id"]),
        _fk("reminders", ["company_id", "document_id"], "documents", ["company_id", "document_id"]),
        sa.CheckConstraint("status IN ('proposed', 'posted', 'cancelled')", name=op.f("ck_reminders_status")),
        sa.CheckConstraint("delivery IN ('pending', 'sending', 'printed', 'sent', 'failed', 'none')",
                           name=op.f("ck_reminders_delivery")),
    )
    op.create_index("ix_reminders_party", "reminders", ["company_id", "party_id", "letter_date"])
    op.create_index("ix_reminders_run", "reminders", ["company_id", "run_id"])
    op.create_table(
        "reminder_lines",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("reminder_id", sa.BigInteger(), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        sa.Column("level_no", sa.Integer(), nullable=False),
        sa.Column("open_minor", sa.BigInteger(), nullable=False),
        sa.Column("fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("fee_offset_minor", sa.BigInteger(), nullable=False),
        sa.Column("compensation_minor", sa.BigInteger(), nullable=False),
        sa.Column("interest_minor", sa.BigInteger(), nullable=False),
        sa.Column("interest_from", sa.Date()),
        sa.Column("interest_to", sa.Date()),
        sa.Column("reasons", sa.Text(), nullable=False),
        _pk("reminder_lines", "company_id", "reminder_id", "item_id"),
        sa.UniqueConstraint("company_id", "item_id", "level_no", name="uq_reminder_lines_company_id_item_id_level_no"),
        _fk("reminder_lines", ["company_id", "reminder_id"], "reminders", ["company_id", "reminder_id"]),
        _fk("reminder_lines", ["company_id", "item_id"], "items", ["company_id", "item_id"]),
    )
    op.create_table(
        "collection_cases",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("party_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(15), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("principal_minor", sa.BigInteger(), nullable=False),
        sa.Column("fees_minor", sa.BigInteger(), nullable=False),
        sa.Column("interest_minor", sa.BigInteger(), nullable=False),
        sa.Column("agency", sa.String(40)),
        sa.Column("batch_ref", sa.String(60)),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("agency_ref", sa.String(60)),
        sa.Column("closed_on", sa.Date()),
        sa.Column("note", sa.String(500)),
        sa.Column("version", sa.Integer(), nullable=False),
        *_created(),
        _pk("collection_cases", "company_id", "case_id"),
        _fk("collection_cases", ["company_id", "party_id"], "parties", ["company_id", "party_id"]),
        sa.CheckConstraint("status IN ('ready', 'sent', 'paused', 'partly_paid', 'paid', 'closed', 'written_off', "
                           "'recalled', 'estate')", name=op.f("ck_collection_cases_status")),
    )
    op.create_index("ix_collection_cases_party", "collection_cases", ["company_id", "party_id"])
    op.create_index("ix_collection_cases_status", "collection_cases", ["company_id", "status"])
    op.create_table(
        "collection_case_items",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        _pk("collection_case_items", "company_id", "case_id", "item_id"),
        _fk("collection_case_items", ["company_id", "case_id"], "collection_cases", ["company_id", "case_id"]),
        _fk("collection_case_items", ["company_id", "item_id"], "items", ["company_id", "item_id"]),
    )
    op.create_index("ix_collection_case_items_item", "collection_case_items", ["company_id", "item_id"])
    op.create_table(
        "collection_events",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(100), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(15), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("paid_principal_minor", sa.BigInteger(), nullable=False),
        sa.Column("paid_fees_minor", sa.BigInteger(), nullable=False),
        sa.Column("paid_interest_minor", sa.BigInteger(), nullable=False),
        sa.Column("agency_fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("remitted_minor", sa.BigInteger(), nullable=False),
        sa.Column("voucher_ids", sa.String(200)),
        sa.Column("filename", sa.String(255), nullable=False),
        *_created(),
        _pk("collection_events", "company_id", "event_id"),
        _fk("collection_events", ["company_id", "case_id"], "collection_cases", ["company_id", "case_id"]),
    )
    op.create_index("ix_collection_events_case", "collection_events", ["company_id", "case_id"])


def downgrade() -> None:
    for name, index in (("collection_events", "ix_collection_events_case"),
                        ("collection_case_items", "ix_collection_case_items_item"),
                        ("collection_cases", "ix_collection_cases_status"),
                        ("collection_cases", "ix_collection_cases_party"),
                        ("reminders", "ix_reminders_run"), ("reminders", "ix_reminders_party"),
                        ("reminder_runs", "ix_reminder_runs_date"), ("item_disputes", "ix_item_disputes_item")):
        op.drop_index(index, name)
    for table in ("collection_events", "collection_case_items", "collection_cases", "reminder_lines", "reminders",
                  "reminder_runs", "item_disputes", "reminder_levels", "reminder_routines", "legal_rates"):
        op.drop_table(table)
    with op.batch_alter_table("items") as batch:
        for col in ("ready_for_collection", "dispute_deadline", "dispute_owner", "promised_date", "interest_to",
                    "reminder_deadline", "reminded_on", "reminder_level"):
            batch.drop_column(col)
    for table in ("parties", "party_groups"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("reminder_routine_id")
    with op.batch_alter_table("companies") as batch:
        batch.drop_column("interest_account")
        batch.drop_column("reminder_fee_account")
