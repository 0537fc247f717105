"""placement types' meaningful duration

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

``placementtype.meaningful_days``: the shortest stay that gives a placement of this type
its effect. A suggested placement with fewer days left (from today, or its later start,
to its end) carries ``ends_soon`` and a reason in Swedish and English; the engine never
scores it. None: the type never flags. The four national types, under the codes the demo
uses, get the demo's defaults (documented in fixtures/organisation.py); any other type
stays None until an admin sets it (``PATCH /placement-types/{code}``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: code -> meaningful days, as fixtures.organisation.MEANINGFUL_DAYS (kept apart on purpose:
#: a migration must not change when the fixtures do)
DEFAULTS = {
    "extratjanst": 180,
    "kommunal_anstallning": 180,
    "ungdomsanstallning": 90,
    "praktik": 28,
}


def upgrade() -> None:
    op.add_column("placementtype", sa.Column("meaningful_days", sa.Integer(), nullable=True))
    table = sa.table("placementtype", sa.column("code", sa.String), sa.column("meaningful_days"))
    for code, days in DEFAULTS.items():
        op.execute(table.update().where(table.c.code == code).values(meaningful_days=days))


def downgrade() -> None:
    op.drop_column("placementtype", "meaningful_days")
