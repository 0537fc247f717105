"""Routers by user group; ROUTERS are mounted under /api/v1 behind the role check."""

from api.routers import (
    admin,
    catalog,
    coordinators,
    evaluation,
    matches,
    participants,
    suggestions,
    units,
)

ROUTERS = [
    participants.router,
    suggestions.router,
    matches.router,
    catalog.router,
    coordinators.router,
    evaluation.router,
    admin.router,
    units.router,
]
