"""training started from the pages runs in the background too, in the same job rows

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02

models.replay_job: a job is a replay or a training (``kind``); a training job names the
model version it registered when done (``model_version``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("replayjob") as table:
        table.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="replay")
        )
        table.add_column(sa.Column("model_version", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("replayjob") as table:
        table.drop_column("model_version")
        table.drop_column("kind")
