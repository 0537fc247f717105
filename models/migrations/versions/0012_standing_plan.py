"""the standing plan (the system's own cohort plan, source of scarcity prices), and who
took the places of a plan's unassigned participant

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02

``standing_plan``: one row per solve of the plan the system keeps over everyone waiting
and all open capacity (models/standing_plan.py); the newest recent row's prices are the
suggestions' scarcity prices, never a coordinator's plan. ``planrow.taken``: for an
unassigned row with reason ``capacity``, the plan's participants given the places and
those placements (``{}`` for other rows and rows from before).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "standing_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("scorer_version", sa.String(length=64), nullable=False),
        sa.Column("catalog_version", sa.Integer(), nullable=False),
        sa.Column("layout_version", sa.Integer(), nullable=False),
        sa.Column("caseload_version", sa.Integer(), nullable=False),
        sa.Column("n_participants", sa.Integer(), nullable=False),
        sa.Column("n_placements", sa.Integer(), nullable=False),
        sa.Column("n_assigned", sa.Integer(), nullable=False),
        sa.Column("objective", sa.Float(), nullable=False),
        sa.Column("solver_seconds", sa.Float(), nullable=False),
        sa.Column("placement_prices", sa.JSON(), nullable=False),
        sa.Column("department_prices", sa.JSON(), nullable=False),
        sa.Column("picks", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_standing_plan_created_at", "standing_plan", ["created_at"])
    with op.batch_alter_table("planrow") as batch:
        batch.add_column(sa.Column("taken", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("planrow") as batch:
        batch.drop_column("taken")
    op.drop_index("ix_standing_plan_created_at", table_name="standing_plan")
    op.drop_table("standing_plan")
