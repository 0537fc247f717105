"""seed the catalog change counter

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

The counter row exists from the start, so two first bookings racing on a new database
both find it to update, instead of both trying to insert it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    counter = sa.table(
        "catalogversion", sa.column("id", sa.Integer), sa.column("version", sa.Integer)
    )
    op.bulk_insert(counter, [{"id": 1, "version": 0}])


def downgrade() -> None:
    op.execute("DELETE FROM catalogversion WHERE id = 1")
