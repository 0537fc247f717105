"""placements' lowest part-time hours, participants' language level as entered

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

``placement.min_hours``: the fewest hours a week a placement can be taken at (None:
only its full ``hours_per_week``); a placement whose lowest hours exceed a participant's
maximum is not suggested to them (matcher.eligibility ``hours_over_maximum``).
``participant.language_entered``: the level as the caseworker entered it ("SFI C"),
shown beside its normalised CEFR value; rows from before keep None (the CEFR value).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("placement", sa.Column("min_hours", sa.Integer(), nullable=True))
    op.add_column("participant", sa.Column("language_entered", sa.String(length=16), nullable=True))


def downgrade() -> None:
    op.drop_column("participant", "language_entered")
    op.drop_column("placement", "min_hours")
