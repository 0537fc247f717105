"""A change counter for what the engine compiles: open placements, slots, quotas.

The API keeps the compiled placement arrays in memory between requests. Any write that
changes what matching reads about placements, bookings or quotas calls
:func:`bump_catalog_version` in its transaction; a request compares the stored counter with
its cached one and recompiles when they differ. A counter, not ``max(updated_at)``: a
transaction committing later with an earlier timestamp would otherwise go unnoticed.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Field, Session, SQLModel, select


class CatalogVersion(SQLModel, table=True):
    id: int = Field(default=1, primary_key=True)
    version: int = 0


def bump_catalog_version(session: Session) -> None:
    """Mark the catalog changed.

    The migrations create the counter row; the insert below only serves databases built
    without them (``create_all`` in tests).
    """
    result = session.exec(
        update(CatalogVersion)
        .where(CatalogVersion.id == 1)
        .values(version=CatalogVersion.version + 1)
    )
    if result.rowcount == 0:
        session.add(CatalogVersion(id=1, version=1))
        session.flush()


def catalog_version(session: Session) -> int:
    row = session.exec(select(CatalogVersion.version).where(CatalogVersion.id == 1)).first()
    return row or 0
