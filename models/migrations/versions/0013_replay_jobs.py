"""replays started from the pages run in the background, with their progress in a row

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

models.replay_job: one row per background replay (status, phase, done of total, the
stored replay when done, the error when failed, and a heartbeat).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "replayjob",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("user.id"), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("phase", sa.String(length=64), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("replay_id", sa.Integer(), sa.ForeignKey("replayrun.id"), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
    )
    op.create_index("ix_replayjob_created_at", "replayjob", ["created_at"])


def downgrade() -> None:
    op.drop_table("replayjob")
