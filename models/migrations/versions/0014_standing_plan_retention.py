"""the standing plans are kept 30 days (a retention rule of their own)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02

Each solve of the standing plan writes a row with who the plan gave what (``picks``);
solves can come every few minutes, so the rows are derived personal data that would
otherwise grow without bound. models.retention.RecordKind gains ``standing_plan`` and
its shipped rule (30 days, delete; the newest plan is never deleted).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOTE = "the standing plan's solves (who the plan gave what): 30 days; the newest is kept"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # a new enum value cannot be used in the transaction that adds it
        with op.get_context().autocommit_block():
            op.execute("ALTER TYPE recordkind ADD VALUE IF NOT EXISTS 'standing_plan'")
    op.execute(
        sa.text(
            "INSERT INTO retentionrule (kind, days, action, note) "
            "VALUES ('standing_plan', 30, 'delete', :note)"
        ).bindparams(note=NOTE)
    )


def downgrade() -> None:
    # PostgreSQL cannot drop an enum value; the unused value stays
    op.execute("DELETE FROM retentionrule WHERE kind = 'standing_plan'")
