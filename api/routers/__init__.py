"""Routers by user group; ROUTERS are mounted under /api/v1 behind the role check."""

from api.routers import (
    admin,
    catalog,
    coordinators,
    evaluation,
    history,
    matches,
    participants,
    suggestions,
)

ROUTERS = [
    participants.router,
    suggestions.router,
    matches.router,
    catalog.router,
    coordinators.router,
    evaluation.router,
    history.router,
    admin.router,
]
