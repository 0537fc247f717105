"""Who may see which participant, and the access log of every read and change.

A caseworker sees only participants owned by their unit; anyone else's answers 404 (not
403), so ids of other units' participants are not confirmed to exist. Coordinators and
admins see all units. Evaluators never read participant records here: they work on
pseudonymised extracts through the evaluation routes. A refused attempt is logged too,
with action "refused" (:class:`RefusedAccess`).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlmodel import Session

from api.errors import NotFound
from models.org import Role, User
from models.participant import Participant
from models.repo_access_log import log_access, log_list_access
from models.repo_participants import get_participant


@dataclass(frozen=True, slots=True)
class Where:
    """Where an access happened, as the access log records it: the HTTP method and the
    route template. Routers make it from the request (:meth:`of`); a command names its
    own. The service layer takes this, never the request itself."""

    method: str
    route: str

    @classmethod
    def of(cls, request: Request) -> Where:
        return cls(request.method, route_template(request))


def visible_unit(user: User) -> int | None:
    """The unit a user is limited to, or None when they see every unit."""
    return user.unit_id if user.role is Role.caseworker else None


class RefusedAccess(NotFound):
    """A participant the caller may not see (or that does not exist): 404, and the attempt
    is logged with action "refused" after the request's transaction is rolled back
    (``api.deps.get_session``), so auditors see who tried to open whose record."""

    def __init__(self, detail: str, attempt: dict) -> None:
        super().__init__(detail)
        self.attempt = attempt  # log_access's arguments

    def reworded(self, detail: str) -> RefusedAccess:
        """The same refusal, to be logged the same way, answered with another detail (a
        match route says which match was not found, not which participant)."""
        return RefusedAccess(detail, self.attempt)


def participant_for(
    session: Session,
    user: User,
    participant_id: int,
    where: Where,
    *,
    action: str = "read",
    for_update: bool = False,
) -> Participant:
    """Load a participant the user may see and log the access; 404 otherwise."""
    participant = get_participant(session, participant_id, for_update=for_update)
    return admitted(session, user, participant_id, participant, where, action=action)


def admitted(
    session: Session,
    user: User,
    participant_id: int,
    participant: Participant | None,
    where: Where,
    *,
    action: str = "read",
) -> Participant:
    """``participant`` (as the caller loaded it, None when there is none) if the user may
    see it, with the access logged; 404 otherwise, logged as refused."""
    unit = visible_unit(user)
    if participant is None or (unit is not None and participant.unit_id != unit):
        attempt = {
            "user_id": user.id,
            # a participant that does not exist is logged without an id (it has none)
            "participant_id": None if participant is None else participant.id,
            "method": where.method,
            "route": where.route,
            "action": "refused",
        }
        raise RefusedAccess(f"participant {participant_id} not found", attempt)
    record_access(session, user, where, participant_id, action)
    return participant


def record_access(
    session: Session, user: User, where: Where, participant_id: int | None, action: str
) -> None:
    log_access(
        session,
        user_id=user.id,
        participant_id=participant_id,
        method=where.method,
        route=where.route,
        action=action,
    )


def record_list_access(
    session: Session, user: User, where: Where, participant_ids, action: str = "read"
) -> None:
    """One access-log row for a list that showed (or changed) these participants."""
    log_list_access(
        session,
        user_id=user.id,
        participant_ids=participant_ids,
        method=where.method,
        route=where.route,
        action=action,
    )


def route_template(request: Request) -> str:
    """The matched route's full path template, e.g. /api/v1/participants/{participant_id}.

    FastAPI hands the route as declared on its router, without the prefixes it was
    mounted under; the request's path tells how many prefix segments to put back.
    """
    route = request.scope.get("route")
    template = getattr(route, "path", None)
    if template is None:
        return request.url.path
    path = request.url.path
    depth = template.count("/")
    prefix = "/".join(path.split("/")[: path.count("/") - depth + 1])
    return prefix + template
