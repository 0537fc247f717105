"""seed the catalog layout counter

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

A second counter row that moves only when which placements are open, or what they ask,
changes (models.catalog_state.LAYOUT); bookings and quota edits move only row 1. Seeded
here, like row 1 in 0002, so two first writers never both try to insert it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    counter = sa.table(
        "catalogversion", sa.column("id", sa.Integer), sa.column("version", sa.Integer)
    )
    op.bulk_insert(counter, [{"id": 2, "version": 0}])


def downgrade() -> None:
    op.execute("DELETE FROM catalogversion WHERE id = 2")
