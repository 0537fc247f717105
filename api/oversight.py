"""The stop switch as the API applies it: suggestion routes refuse while it is off.

A route that produces suggestions, candidates or plan proposals declares
``dependencies=[SuggestionsOpen]``. While an admin has paused suggestions it answers 503
``suggestions-paused`` (with ``Retry-After``) before it reads anything; accepting,
declining, follow-up and outcomes never depend on it, so manual booking continues.
"""

from __future__ import annotations

from fastapi import Depends, Request

from api.catalog_cache import suggestions_paused
from api.deps import SessionDep
from api.errors import Conflict, Unavailable
from models.oversight import OversightEvent, OversightState
from models.repo_oversight import latest_event, switch

#: what a paused route tells clients to wait before asking again (seconds)
PAUSED_RETRY_AFTER = 300


class SuggestionsPaused(Unavailable):
    slug, title = "suggestions-paused", "Suggestions are paused"
    retry_after = PAUSED_RETRY_AFTER


def require_suggestions_open(request: Request, session: SessionDep) -> None:
    """503 while suggestions are paused; otherwise nothing (and no extra round trip)."""
    if not suggestions_paused(session):
        return
    state = OversightState.of(latest_event(session))
    raise SuggestionsPaused(
        "suggestions and plan proposals are paused by an administrator"
        f" since {state.since:%Y-%m-%d %H:%M} UTC: {state.reason}."
        " Manual booking continues: accept or decline a placement with POST /api/v1/matches.",
        paused_since=state.since.isoformat() if state.since else None,
        reason=state.reason,
    )


SuggestionsOpen = Depends(require_suggestions_open)


def pause(session, *, reason: str, by: int) -> OversightEvent:
    """Switch suggestions off (409 when they already are)."""
    return _switch(session, paused=True, reason=reason, by=by)


def resume(session, *, reason: str, by: int) -> OversightEvent:
    """Switch suggestions back on (409 when they are running)."""
    return _switch(session, paused=False, reason=reason, by=by)


def _switch(session, **fields) -> OversightEvent:
    try:
        return switch(session, **fields)
    except ValueError as error:
        raise Conflict(str(error)) from None
