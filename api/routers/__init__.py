"""Routers by user group; ROUTERS are mounted under /api/v1 behind the role check."""

from api.routers import (
    admin,
    catalog,
    coordinators,
    data_rights,
    evaluation,
    history,
    log_review,
    matches,
    model_info,
    oversight,
    participants,
    suggestions,
    units,
    user_admin,
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
    oversight.router,
    model_info.router,
    data_rights.router,
    units.router,
    user_admin.router,
    log_review.router,
]
