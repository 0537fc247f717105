"""history import: imported files, imported decisions, user grants, placement references

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-01

``historyimport`` keys each imported file by its content hash (a second import of the
same file writes nothing); ``importeddecision`` marks the matches that came from a file
(no logged suggestion list); ``usergrant`` holds rights an admin gives beyond a role
(``history_import`` for evaluators); ``placement.ref`` is the municipality's own
reference, by which an import names placements.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("placement", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_placement_ref"), ["ref"], unique=True)

    op.create_table(
        "historyimport",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("media_type", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("imported_by", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["imported_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("historyimport", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_historyimport_content_hash"), ["content_hash"], unique=True
        )

    op.create_table(
        "importeddecision",
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("decision_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["import_id"], ["historyimport.id"]),
        sa.ForeignKeyConstraint(["match_id"], ["match.id"]),
        sa.PrimaryKeyConstraint("match_id"),
    )
    with op.batch_alter_table("importeddecision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_importeddecision_decision_ref"), ["decision_ref"], unique=True
        )
        batch_op.create_index(
            batch_op.f("ix_importeddecision_import_id"), ["import_id"], unique=False
        )

    op.create_table(
        "usergrant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("grant", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("granted_by", sa.Integer(), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["granted_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "grant"),
    )
    with op.batch_alter_table("usergrant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_usergrant_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("usergrant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_usergrant_user_id"))
    op.drop_table("usergrant")
    with op.batch_alter_table("importeddecision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_importeddecision_import_id"))
        batch_op.drop_index(batch_op.f("ix_importeddecision_decision_ref"))
    op.drop_table("importeddecision")
    with op.batch_alter_table("historyimport", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_historyimport_content_hash"))
    op.drop_table("historyimport")
    with op.batch_alter_table("placement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_placement_ref"))
        batch_op.drop_column("ref")
