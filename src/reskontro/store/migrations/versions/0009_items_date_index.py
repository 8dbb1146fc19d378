"""Items by date: the transactions of a period are read in date order from an index.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29

The transactions report lists the items dated in a period. In posting order (the primary key) its
first page had to walk every item posted before the period's first one: the first 500 rows of this
year cost a walk past a year of history (0.5 s at 1.75M items). In date order, read from this index,
they cost 500 index entries (52 ms for the whole page). SQLite keeps no statistics here, so a query whose
ORDER BY is (item_date, item_id) would walk this index to skip a sort, though it filters by party: a party's
open items order by ``item_id + 0`` (``Repository.open_items_of_party``), which reads them by the party's
index and sorts the few.
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_items_date", "items", ["company_id", "item_date", "item_id"])


def downgrade() -> None:
    op.drop_index("ix_items_date", "items")
