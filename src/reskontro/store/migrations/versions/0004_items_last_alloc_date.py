"""Items remember the date of their latest allocation, so historic reports probe only items touched later.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

An item's open amount at a past date D is its open amount now plus what allocations dated after D
took off it. Without knowing which items have such allocations, the aged report at a past date
probed the allocations index twice for every candidate (420k probes at 1M items, 4 s). With
``last_alloc_date`` in the covering index of open items, only items with ``last_alloc_date > D``
are probed. It is the latest ``alloc_date`` of the item's allocations, unmatch events included.
``item_id`` completes the index, so the probe needs no visit to the table row (SQLite indexes carry
the rowid, not the primary key).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_WHERE = sa.text("open_minor <> 0")
_OPEN_COLUMNS = ["company_id", "kind", "party_id", "due_date", "item_date", "open_minor", "open_company_minor"]


def upgrade() -> None:
    op.add_column("items", sa.Column("last_alloc_date", sa.Date(), nullable=True))
    op.execute("UPDATE items SET last_alloc_date = (SELECT MAX(a.alloc_date) FROM allocations a "
               "WHERE a.company_id = items.company_id AND a.item_id = items.item_id) "
               "WHERE EXISTS (SELECT 1 FROM allocations a WHERE a.company_id = items.company_id "
               "AND a.item_id = items.item_id)")
    op.drop_index("ix_items_open", "items")
    op.create_index("ix_items_open", "items", [*_OPEN_COLUMNS, "last_alloc_date", "item_id"],
                    sqlite_where=_WHERE, postgresql_where=_WHERE)


def downgrade() -> None:
    op.drop_index("ix_items_open", "items")
    op.create_index("ix_items_open", "items", _OPEN_COLUMNS, sqlite_where=_WHERE, postgresql_where=_WHERE)
    with op.batch_alter_table("items") as batch:
        batch.drop_column("last_alloc_date")
