"""passwords, browser sessions and failed sign-ins for the web pages

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-01

models.web_auth: an argon2 hash per user, sessions keyed by the SHA-256 of their cookie,
and failed sign-ins kept for throttling.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "usercredential",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user.id"), primary_key=True),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "websession",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_websession_user_id", "websession", ["user_id"])
    op.create_table(
        "signinattempt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_signinattempt_username", "signinattempt", ["username"])
    op.create_index("ix_signinattempt_at", "signinattempt", ["at"])


def downgrade() -> None:
    op.drop_table("signinattempt")
    op.drop_table("websession")
    op.drop_table("usercredential")
