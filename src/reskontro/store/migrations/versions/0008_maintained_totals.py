"""Maintained totals: open amounts by due date, allocations by day, GL movements by day, open balance per
party, items posted and settled by day.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29

A report page's whole-ledger figures (the totals row of the aged report over 370k open items, the GL and
sub-ledger balances of the reconciliation over 1.75M lines, the largest balances) took 0.6-2 s to add up
from the rows. These tables hold the sums, written by the posting engine in the same transaction as the
rows (``store.totals.add``), so the figures come from a few thousand rows. This migration fills them from
the rows already posted; ``reskontro check`` recounts them at any time. An index on the items' date lets the
transactions of a period be listed by date from their first row.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _item_key() -> list[sa.Column[object]]:
    return [sa.Column("company_id", sa.Integer(), nullable=False), sa.Column("kind", sa.String(10), nullable=False),
            sa.Column("control_account", sa.String(10), nullable=False),
            sa.Column("currency", sa.String(3), nullable=False), sa.Column("due_date", sa.Date(), nullable=False),
            sa.Column("item_date", sa.Date(), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "open_totals",
        *_item_key(),
        sa.Column("open_minor", sa.BigInteger(), nullable=False),
        sa.Column("open_company_minor", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("company_id", "kind", "control_account", "currency", "due_date", "item_date",
                                name="pk_open_totals"),
    )
    op.create_index("ix_open_totals_item_date", "open_totals", ["company_id", "item_date"])
    op.create_table(
        "alloc_totals",
        *_item_key(),
        sa.Column("alloc_date", sa.Date(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("amount_company_minor", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("company_id", "kind", "control_account", "currency", "due_date", "item_date",
                                "alloc_date", name="pk_alloc_totals"),
    )
    op.create_index("ix_alloc_totals_date", "alloc_totals", ["company_id", "alloc_date"])
    op.create_table(
        "gl_totals",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(10), nullable=False),
        sa.Column("party_kind", sa.String(10), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("debit_minor", sa.BigInteger(), nullable=False),
        sa.Column("credit_minor", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("company_id", "account", "party_kind", "day", name="pk_gl_totals"),
    )
    op.create_table(
        "party_totals",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("open_company_minor", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("company_id", "party_id", name="pk_party_totals"),
    )
    op.create_table(
        "posted_totals",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("item_type", sa.String(20), nullable=False),
        sa.Column("item_date", sa.Date(), nullable=False),
        sa.Column("items", sa.BigInteger(), nullable=False),
        sa.Column("amount_company_minor", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("company_id", "kind", "item_type", "item_date", name="pk_posted_totals"),
    )
    op.create_table(
        "settled_totals",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("item_type", sa.String(20), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=False),
        sa.Column("items", sa.BigInteger(), nullable=False),
        sa.Column("late_items", sa.BigInteger(), nullable=False),
        sa.Column("days_sum", sa.BigInteger(), nullable=False),
        sa.Column("days_amount_sum", sa.BigInteger(), nullable=False),
        sa.Column("amount_company_minor", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("company_id", "kind", "item_type", "closed_on", name="pk_settled_totals"),
    )
    # The sums of what is posted so far (the same figures ``reskontro check`` recounts).
    op.execute("INSERT INTO open_totals (company_id, kind, control_account, currency, due_date, item_date, "
               "open_minor, open_company_minor) "
               "SELECT company_id, kind, control_account, currency, due_date, item_date, "
               "SUM(open_minor), SUM(open_company_minor) FROM items "
               "GROUP BY company_id, kind, control_account, currency, due_date, item_date")
    op.execute("INSERT INTO alloc_totals (company_id, kind, control_account, currency, due_date, item_date, "
               "alloc_date, amount_minor, amount_company_minor) "
               "SELECT i.company_id, i.kind, i.control_account, i.currency, i.due_date, i.item_date, a.alloc_date, "
               "SUM(a.amount_minor), SUM(a.amount_company_minor) FROM allocations a JOIN items i "
               "ON i.company_id = a.company_id AND i.item_id = a.item_id "
               "GROUP BY i.company_id, i.kind, i.control_account, i.currency, i.due_date, i.item_date, a.alloc_date")
    op.execute("INSERT INTO gl_totals (company_id, account, party_kind, day, debit_minor, credit_minor) "
               "SELECT l.company_id, l.account, COALESCE(p.kind, ''), l.line_date, "
               "SUM(CASE WHEN l.amount_minor > 0 THEN l.amount_minor ELSE 0 END), "
               "SUM(CASE WHEN l.amount_minor < 0 THEN -l.amount_minor ELSE 0 END) "
               "FROM voucher_lines l LEFT JOIN parties p "
               "ON p.company_id = l.company_id AND p.party_id = l.party_id "
               "GROUP BY l.company_id, l.account, COALESCE(p.kind, ''), l.line_date")
    op.execute("INSERT INTO party_totals (company_id, party_id, kind, open_company_minor) "
               "SELECT company_id, party_id, kind, SUM(open_company_minor) FROM items "
               "GROUP BY company_id, party_id, kind")
    op.execute("INSERT INTO posted_totals (company_id, kind, item_type, item_date, items, amount_company_minor) "
               "SELECT company_id, kind, item_type, item_date, COUNT(*), SUM(amount_company_minor) FROM items "
               "GROUP BY company_id, kind, item_type, item_date")
    days = ("CAST(julianday(closed_on) - julianday(due_date) AS INTEGER)"
            if op.get_context().dialect.name == "sqlite" else "(closed_on - due_date)")
    op.execute("INSERT INTO settled_totals (company_id, kind, item_type, closed_on, items, late_items, days_sum, "
               "days_amount_sum, amount_company_minor) "
               f"SELECT company_id, kind, item_type, closed_on, COUNT(*), SUM(CASE WHEN {days} > 0 THEN 1 ELSE 0 END), "
               f"SUM({days}), SUM({days} * amount_company_minor), SUM(amount_company_minor) FROM items "
               "WHERE closed_on IS NOT NULL GROUP BY company_id, kind, item_type, closed_on")


def downgrade() -> None:
    op.drop_table("settled_totals")
    op.drop_table("posted_totals")
    op.drop_table("party_totals")
    op.drop_table("gl_totals")
    op.drop_index("ix_alloc_totals_date", "alloc_totals")
    op.drop_table("alloc_totals")
    op.drop_index("ix_open_totals_item_date", "open_totals")
    op.drop_table("open_totals")
