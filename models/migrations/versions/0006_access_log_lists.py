"""access log: one row per list read

Revision ID: 0006
Revises: 0009
Create Date: 2026-12-01

A list read (participants, matches, suggestions, plans) wrote one access-log row per
participant it showed (~158 for one page of participants). It now writes one row with
every participant id in ``participant_ids`` (JSONB on PostgreSQL, with a GIN index so
``GET /access-log?participant_id=`` still finds the reads that showed someone).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "accesslog",
        sa.Column(
            "participant_ids",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=True,
        ),
    )
    op.create_index(
        "ix_accesslog_participant_ids",
        "accesslog",
        ["participant_ids"],
        postgresql_using="gin",
        postgresql_ops={"participant_ids": "jsonb_path_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_accesslog_participant_ids", table_name="accesslog")
    op.drop_column("accesslog", "participant_ids")
