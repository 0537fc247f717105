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
from api.routers import admin as admin_api
from api.routers import catalog as catalog_api
from api.routers import coordinator_plans as plans_api
from api.routers import coordinators as coordinators_api
from api.routers import evaluation as evaluation_api
from api.routers import matches as matches_api
from api.routers import oversight as oversight_api
from api.routers import participants as participants_api
from api.routers import suggestions as suggestions_api
from api.routers import units as units_api
from api.routers import user_admin as user_admin_api
from models.org import QuotaUpdate, User
from models.schemas_match import MatchCreate, OutcomeCreate, WithdrawRequest


def _todays(session: Session, request: Request):
    """What the routes get from ``TodaysCatalog``: the catalog for the municipality's day."""
    return request.app.state.catalog.get(session, request.app.state.clock.today())


def concept_labels(session: Session, request: Request, ids) -> dict[str, str]:
    """Swedish labels of skill and work-area concepts, from the compiled taxonomy (a term
    outside the taxonomy keeps its id)."""
    taxonomy = _todays(session, request).compiled.taxonomy
    return {concept: taxonomy.label(concept) for concept in ids}


def _person(user: User) -> User:
    """What the routes get from ``CurrentPerson``: a service account is refused (403)."""
    from api.deps import current_person

    return current_person(user)


def _idempotent(session: Session, user: User, request: Request, key: str | None):
    from api.idempotency import Idempotency

    return Idempotency(session=session, user_id=user.id, key=key, request=request)


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
    return participants_api.participant_record(session, user, request, participant_id)


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


def _ranked(route, subject_id: int, session: Session, user: User, request: Request, **query):
    """A ranking route (suggestions or candidates) with the dependencies it would get."""
    require_suggestions_open(request, session)
    catalog, settings = _todays(session, request), request.app.state.settings
    return _body(route(subject_id, request, session, user, catalog, settings, **query))


def suggestions(
    session: Session, user: User, request: Request, participant_id: int, limit: int, *,
    include_declined: bool = False, despite_live_match: bool = False,
) -> dict:  # fmt: skip
    return _ranked(
        suggestions_api.suggest_placements, participant_id, session, user, request,
        limit=limit, include_declined=include_declined, despite_live_match=despite_live_match,
    )  # fmt: skip


def why_not(session: Session, user: User, request: Request, participant_id: int, placement_id):
    require_suggestions_open(request, session)
    return suggestions_api.eligibility(
        participant_id, placement_id, request, session, user, _todays(session, request),
        request.app.state.settings,
    )  # fmt: skip


def candidates(session: Session, user: User, request: Request, placement_id: int, limit: int):
    return _ranked(
        suggestions_api.suggest_participants, placement_id, session, user, request, limit=limit
    )


def placement(session: Session, placement_id: int):
    return catalog_api.read_placement(session, placement_id)


def placement_names(session: Session, facts) -> dict[str, str]:
    """The department's and the type's names of a placement's facts (the cards show
    names, never ids or codes)."""
    from models.repo_catalog import get_department, get_placement_type

    department = get_department(session, facts.department_id)
    placement_type = get_placement_type(session, facts.type_code)
    return {
        "department": department.name if department else str(facts.department_id),
        "type_name": placement_type.name if placement_type else facts.type_code,
    }


def placements(session: Session, ids) -> dict:
    """The public facts of several placements at once (the suggestion cards)."""
    from models.placement import PlacementPublic
    from models.repo_catalog import placements_by_id

    return {
        pid: PlacementPublic.from_row(row) for pid, row in placements_by_id(session, ids).items()
    }


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
    return _body(
        matches_api.decide(
            body,
            session,
            _person(user),
            request,
            request.app.state.catalog,
            request.app.state.clock,
            _idempotent(session, user, request, key),
        )
    )


def withdraw(session: Session, user: User, request: Request, match_id: int, body: WithdrawRequest):
    return matches_api.withdraw(match_id, body, session, _person(user), request)


def start(session: Session, user: User, request: Request, match_id: int):
    return matches_api.start(match_id, session, _person(user), request)


def end(session: Session, user: User, request: Request, match_id: int):
    return matches_api.end(match_id, session, _person(user), request)


def record_outcome(
    session: Session, user: User, request: Request, match_id: int, body: OutcomeCreate
):
    return matches_api.record_outcome(
        match_id, body, session, _person(user), request, _idempotent(session, user, request, None)
    )


# -- coordinators ------------------------------------------------------------------------


def fill_rates(session: Session, request: Request):
    return coordinators_api.fill_rates(
        session,
        request.app.state.clock,
        on=None,
        group_by=coordinators_api.FillRateGrouping.department,
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


def standing_plans(session: Session, *, limit: int):
    return plans_api.get_standing_plans(session, Page(offset=0, limit=limit))


def create_plan(session: Session, user: User, request: Request, body):
    require_suggestions_open(request, session)
    return plans_api.create_plan(
        session, user, request, body, _todays(session, request), request.app.state.settings
    )


def plan(session: Session, user: User, request: Request, plan_id: int):
    return plans_api.read_plan(session, user, request, plan_id)


def edit_plan_rows(session: Session, user: User, request: Request, plan_id: int, body):
    require_suggestions_open(request, session)
    return plans_api.edit_plan_rows(
        session, user, request, plan_id, body, _todays(session, request)
    )


def apply_plan(session: Session, user: User, request: Request, plan_id: int):
    require_suggestions_open(request, session)
    return plans_api.apply_plan(
        session,
        _person(user),
        request,
        plan_id,
        request.app.state.catalog,
        request.app.state.clock,
    )


# -- units -------------------------------------------------------------------------------


def units(session: Session):
    return units_api.get_units(session, Page(offset=0, limit=200)).data


def create_unit(session: Session, body):
    return units_api.create_unit(session, body)


def rename_unit(session: Session, unit_id: int, body):
    return units_api.rename(session, unit_id, body)


# -- evaluators --------------------------------------------------------------------------


def replays(session: Session, *, offset: int, limit: int):
    return evaluation_api.list_replay_runs(session, Page(offset=offset, limit=limit))


def start_replay(session: Session, user: User, request: Request, body):
    return evaluation_api.replay(
        body, request.app.state.catalog, request.app.state.settings, session, user
    )


def start_replay_job(session: Session, user: User, request: Request, body):
    state = request.app.state
    return evaluation_api.start_replay_job(
        body, request, state.catalog, state.settings, state.clock, session, user
    )


def replay_job(session: Session, request: Request, job_id: int):
    return evaluation_api.read_replay_job(job_id, session, request.app.state.clock)


def start_training_job(session: Session, user: User, request: Request, body):
    state = request.app.state
    return evaluation_api.start_training_job(
        body, request, state.catalog, state.settings, state.clock, session, user
    )


def training_job(session: Session, request: Request, job_id: int):
    return evaluation_api.read_training_job(job_id, session, request.app.state.clock)


def replay_report(session: Session, replay_id: int):
    return evaluation_api.replay_report_page(replay_id, session)


def replay_run(session: Session, replay_id: int):
    return evaluation_api.get_replay_run(replay_id, session)


def models(session: Session):
    return evaluation_api.list_models(session).data


def model_report(session: Session, version: str):
    return evaluation_api.model_report_page(version, session)


# -- admins ------------------------------------------------------------------------------


def users(session: Session, *, offset: int, limit: int):
    return admin_api.list_users(session, Page(offset=offset, limit=limit))


def access_log(session: Session, *, participant_id, user_id, offset: int, limit: int):
    return admin_api.access_log(
        session, Page(offset=offset, limit=limit), participant_id=participant_id, user_id=user_id
    )


def create_user(session: Session, body):
    return user_admin_api.add_user(session, body)


def change_user(session: Session, user_id: int, body):
    return user_admin_api.change_user(session, user_id, body)


def set_password(session: Session, user_id: int, body):
    return user_admin_api.set_password(session, user_id, body)


def placement_types(session: Session):
    return catalog_api.list_all_placement_types(session, Page(offset=0, limit=200)).data


def change_placement_type(session: Session, user: User, code: str, body):
    return catalog_api.change_placement_type(session, user, code, body)


def oversight_state(session: Session):
    return oversight_api.read_state(session)


def oversight_events(session: Session, *, offset: int, limit: int):
    return oversight_api.events(session, Page(offset=offset, limit=limit))


def switch(session: Session, user: User, body, *, paused: bool):
    """Pause or resume suggestions (the stop switch's two API routes)."""
    return (oversight_api.pause if paused else oversight_api.resume)(body, session, user)
