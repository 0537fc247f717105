"""The pages' way into the rules: the very functions the API routes run.

A page never queries the database itself. Each function here calls the API route's own
function with the page's session, user and request, so roles' unit scoping, booking,
idempotency, access logging and the business errors are one implementation. When the
service layer (``api/services``) lands, these become calls into it and nothing above
them changes. Calling a route function skips its route-level dependencies, so the stop
switch (``api.oversight``) is checked here for every call that produces suggestions or
plan proposals.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request, Response
from sqlmodel import Session

from api.oversight import require_suggestions_open
from api.pagination import Page
from api.routers import catalog as catalog_api
from api.routers import coordinator_plans as plans_api
from api.routers import coordinators as coordinators_api
from api.routers import matches as matches_api
from api.routers import participants as participants_api
from api.routers import suggestions as suggestions_api
from api.routers import units as units_api
from models.org import QuotaUpdate, User
from models.schemas_match import MatchCreate, OutcomeCreate, WithdrawRequest


def _body(answer: Any) -> Any:
    """A route's answer as plain data (the hot routes hand back a finished JSON response)."""
    if isinstance(answer, Response):
        return json.loads(answer.body)
    return answer


def caseload(
    session: Session,
    user: User,
    request: Request,
    *,
    placed: bool | None,
    ref: str | None,
    sort: str,
    offset: int,
    limit: int,
):
    return participants_api.list_caseload(
        session,
        user,
        request,
        Page(offset=offset, limit=limit),
        unit_id=None,
        active=True,
        placed=placed,
        ref=ref,
        sort=sort,
    )


def participant(session: Session, user: User, request: Request, participant_id: int):
    return participants_api.read_participant(session, user, request, participant_id)


def matches_of(session: Session, user: User, request: Request, participant_id: int):
    return matches_api.list_matches(
        session,
        user,
        request,
        Page(offset=0, limit=100),
        participant_id=participant_id,
        placement_id=None,
        status=None,
    )


def outcomes_of(session: Session, user: User, request: Request, match_id: int):
    return matches_api.list_outcomes(match_id, session, user, request)


def suggestions(
    session: Session, user: User, request: Request, participant_id: int, limit: int
) -> dict:
    require_suggestions_open(request, session)
    return _body(
        suggestions_api.suggest_placements(participant_id, request, session, user, limit=limit)
    )


def why_not(session: Session, user: User, request: Request, participant_id: int, placement_id):
    require_suggestions_open(request, session)
    return suggestions_api.eligibility(participant_id, placement_id, request, session, user)


def candidates(session: Session, user: User, request: Request, placement_id: int, limit: int):
    require_suggestions_open(request, session)
    return _body(
        suggestions_api.suggest_participants(placement_id, request, session, user, limit=limit)
    )


def placement(session: Session, placement_id: int):
    return catalog_api.read_placement(session, placement_id)


def open_placements(session: Session, *, offset: int, limit: int):
    return catalog_api.list_all_placements(
        session,
        Page(offset=offset, limit=limit),
        open=True,
        department_id=None,
        work_area=None,
        type_code=None,
    )


def decide(session: Session, user: User, request: Request, body: MatchCreate, key: str | None):
    """Accept or decline; ``key`` is the form's idempotency key, so a double submit books
    once (the second answers with the first's stored result)."""
    return _body(matches_api.decide(body, session, user, request, idempotency_key=key))


def withdraw(session: Session, user: User, request: Request, match_id: int, body: WithdrawRequest):
    return matches_api.withdraw(match_id, body, session, user, request)


def start(session: Session, user: User, request: Request, match_id: int):
    return matches_api.start(match_id, session, user, request)


def end(session: Session, user: User, request: Request, match_id: int):
    return matches_api.end(match_id, session, user, request)


def record_outcome(
    session: Session, user: User, request: Request, match_id: int, body: OutcomeCreate
):
    return matches_api.record_outcome(match_id, body, session, user, request)


# -- coordinators ------------------------------------------------------------------------


def fill_rates(session: Session):
    return coordinators_api.fill_rates(
        session, on=None, group_by=coordinators_api.FillRateGrouping.department
    )


def quota(session: Session, quota_id: int):
    return coordinators_api.read_quota(session, quota_id)


def quota_history(session: Session, quota_id: int):
    return coordinators_api.read_quota_history(session, quota_id)


def change_quota(
    session: Session, user: User, quota_id: int, body: QuotaUpdate, version: int | None
):
    """``version``: the one the form showed; a change made meanwhile answers 409."""
    return coordinators_api.update_quota(
        session, user, quota_id, body, if_match=None if version is None else str(version)
    )


def plans(session: Session, *, offset: int, limit: int):
    return plans_api.get_plans(session, Page(offset=offset, limit=limit), status=None)


def create_plan(session: Session, user: User, request: Request, body):
    require_suggestions_open(request, session)
    return plans_api.create_plan(session, user, request, body)


def plan(session: Session, user: User, request: Request, plan_id: int):
    return plans_api.read_plan(session, user, request, plan_id)


def edit_plan_rows(session: Session, user: User, request: Request, plan_id: int, body):
    require_suggestions_open(request, session)
    return plans_api.edit_plan_rows(session, user, request, plan_id, body)


def apply_plan(session: Session, user: User, request: Request, plan_id: int):
    require_suggestions_open(request, session)
    return plans_api.apply_plan(session, user, request, plan_id)


# -- units -------------------------------------------------------------------------------


def units(session: Session):
    return units_api.get_units(session, Page(offset=0, limit=200)).data


def create_unit(session: Session, body):
    return units_api.create_unit(session, body)


def rename_unit(session: Session, unit_id: int, body):
    return units_api.rename(session, unit_id, body)
