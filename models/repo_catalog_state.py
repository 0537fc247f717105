"""Queries on the tables of :mod:`models.catalog_state` (the repository; all SQL here)."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, select

from models.catalog_state import ANY_CHANGE, LAYOUT, CatalogVersion


def bump_catalog_version(session: Session, *, layout: bool = True) -> None:
    """Mark the catalog changed; ``layout=False`` only for capacity (bookings, quotas).

    The default is the safe one: a write that does not say it leaves the layout alone
    makes every worker recompile. The migrations create both rows; the insert below only
    serves databases built without them (``create_all`` in tests).
    """
    for row in (ANY_CHANGE, LAYOUT) if layout else (ANY_CHANGE,):
        result = session.exec(
            update(CatalogVersion)
            .where(CatalogVersion.id == row)
            .values(version=CatalogVersion.version + 1)
        )
        if result.rowcount == 0:
            session.add(CatalogVersion(id=row, version=1))
            session.flush()


def catalog_version(session: Session) -> int:
    query = select(CatalogVersion.version).where(CatalogVersion.id == ANY_CHANGE)
    row = session.exec(query).first()
    return row or 0
