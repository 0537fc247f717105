"""Caseworker pages: the caseload, a participant, suggestions, why (not), decisions.

Each page admits the roles of its API twin (:func:`api.pages.guard.admits`) and calls
that twin through :mod:`api.pages.calls`; forms post back here and redirect (303) to
the page that shows the result, so a reload never submits twice.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse

from api.deps import IdPath, SessionDep
from api.pages import calls, i18n
from api.pages.guard import admits
from api.pages.render import render
from api.pages.signin import check_csrf
from api.routers import catalog as catalog_api
from api.routers import matches as matches_api
from api.routers import participants as participants_api
from api.routers import suggestions as suggestions_api
from matcher.language import language_label
from models.clock import municipal_today
from models.match import BOOKED_STATUSES, DeclineReason, OutcomeKind
from models.org import User
from models.schemas_match import Decision, MatchCreate, OutcomeCreate, WithdrawRequest

router = APIRouter(include_in_schema=False, dependencies=[Depends(i18n.speak), Depends(check_csrf)])

PAGE_SIZE = 25
View = Literal["waiting", "placed", "all"]
PLACED = {"waiting": False, "placed": True, "all": None}


def _(message: str) -> str:
    return i18n.gettext(message)


def reason_labels() -> dict[str, str]:
    return {
        DeclineReason.participant_declined: _("The participant declined"),
        DeclineReason.workplace_declined: _("The workplace declined"),
        DeclineReason.health: _("Health"),
        DeclineReason.commute: _("Commute"),
        DeclineReason.hours: _("Hours"),
        DeclineReason.language: _("Language"),
        DeclineReason.other: _("Other"),
    }


def outcome_labels() -> dict[str, str]:
    return {
        OutcomeKind.completed: _("Completed"),
        OutcomeKind.ended_early: _("Ended early"),
        OutcomeKind.regular_job: _("Regular job"),
        OutcomeKind.studies: _("Studies"),
        OutcomeKind.self_supporting_6m: _("Self-supporting after 6 months"),
        OutcomeKind.self_supporting_12m: _("Self-supporting after 12 months"),
    }


def status_labels() -> dict[str, str]:
    return {
        "accepted": _("Accepted"),
        "declined": _("Declined"),
        "started": _("Started"),
        "ended": _("Ended"),
        "withdrawn": _("Withdrawn"),
    }


def factor_labels() -> dict[str, str]:
    return {
        "skills": _("Skills"),
        "interests": _("Interests"),
        "language": _("Language"),
        "support": _("Supervision"),
        "distance": _("Distance from the labour market"),
        "commute": _("Commute"),
        "parent_commute": _("Commute (parent)"),
        "hours": _("Hours"),
        "parent_hours": _("Hours (parent)"),
        "department": _("Department"),
        "capacity": _("Capacity"),
        "scarcity": _("Scarcity"),
        "priority": _("Priority"),
    }


def _labels() -> dict:
    return {
        "reasons": reason_labels(),
        "outcomes_kinds": outcome_labels(),
        "statuses": status_labels(),
        "factors": factor_labels(),
    }


def _render(request: Request, template: str, context: dict, status: int = 200):
    return render(request, template, {**_labels(), **context}, status=status)


@router.get("/caseload")
def caseload_page(
    request: Request,
    session: SessionDep,
    user: User = admits(participants_api.list_caseload),
    view: View = "waiting",
    q: Annotated[str, Query(max_length=64)] = "",
    sort: Literal["waiting", "id"] = "waiting",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
):
    """My caseload: waiting, placed or all; search by reference; longest waiting first."""
    page = calls.caseload(
        session,
        user,
        request,
        placed=PLACED[view],
        ref=q.strip() or None,
        sort=sort,
        offset=offset,
        limit=PAGE_SIZE,
    )
    today = municipal_today()
    rows = [
        {"p": p, "days": (today - p.registered_at.astimezone(i18n.MUNICIPAL_TZ).date()).days}
        for p in page.data
    ]
    context = {
        "title": _("Caseload"),
        "rows": rows,
        "count": page.count,
        "offset": offset,
        "page_size": PAGE_SIZE,
        "view": view,
        "q": q,
        "sort": sort,
    }
    if request.headers.get("hx-request") and request.headers.get("hx-target") == "caseload":
        return _render(request, "caseworker/_caseload_table.html", context)
    return _render(request, "caseworker/caseload.html", context)


@router.get("/participants/{participant_id}")
def participant_page(
    participant_id: IdPath,
    request: Request,
    session: SessionDep,
    user: User = admits(participants_api.read_participant),
    done: str | None = None,
):
    """Profile summary, current match, and the decisions and outcomes so far."""
    participant = calls.participant(session, user, request, participant_id)
    matches = calls.matches_of(session, user, request, participant_id).data
    titles = {
        pid: p.title
        for pid, p in calls.placements(session, [m.placement_id for m in matches]).items()
    }
    current = next((m for m in matches if m.status in BOOKED_STATUSES), None)
    outcomes = {
        m.id: calls.outcomes_of(session, user, request, m.id)
        for m in matches
        if m.status not in ("declined",)
    }
    return _render(
        request,
        "caseworker/participant.html",
        {
            "title": _("Participant") + " " + participant.ref,
            "p": participant,
            "labels": calls.concept_labels(
                session, request, [*participant.skills, *participant.interests]
            ),
            "matches": matches,
            "titles": titles,
            "current": current,
            "outcomes": outcomes,
            "today": municipal_today(),
            "flash": _flash(done),
            "may_suggest": user.role.value in suggestion_roles(),
        },
    )


def suggestion_roles():
    from api.pages.guard import api_roles

    return api_roles(suggestions_api.suggest_placements)


def _flash(done: str | None) -> str | None:
    return {
        "accepted": _("Accepted: the slot is booked."),
        "declined": _("Declined: the reason is recorded."),
        "started": _("Marked as started."),
        "ended": _("Marked as ended."),
        "withdrawn": _("Withdrawn: the slot is free again."),
        "outcome": _("The outcome is recorded."),
    }.get(done or "")


@router.get("/participants/{participant_id}/suggestions")
def suggestions_page(
    participant_id: IdPath,
    request: Request,
    session: SessionDep,
    user: User = admits(suggestions_api.suggest_placements),
    done: str | None = None,
    include_declined: bool = False,
    despite_live_match: bool = False,
):
    """The ranked list with each factor's part, the reasons and the placement's facts;
    placements declined lately are left out, and a live match comes back instead of a
    list, unless asked (the API's ``include_declined`` and ``despite_live_match``)."""
    participant = calls.participant(session, user, request, participant_id)
    answer = calls.suggestions(
        session, user, request, participant_id, limit=10,
        include_declined=include_declined, despite_live_match=despite_live_match,
    )  # fmt: skip
    all_facts = calls.placements(
        session, [item["placement_id"] for item in answer["items"]] + _live_placement(answer)
    )
    items = [
        {
            **_explained(item, participant.parent),
            "facts": all_facts[item["placement_id"]],
            "km": item["placement"]["distance_km"],
            "chance": item.get("probability"),  # the estimated chance (matcher.value)
        }
        for item in answer["items"]
    ]
    live = answer["live_match"]
    return _render(
        request,
        "caseworker/suggestions.html",
        {
            "title": _("Suggestions for") + " " + participant.ref,
            "p": participant,
            "answer": answer,
            "items": items,
            "live": live,
            "live_title": all_facts[live["placement_id"]].title if live else None,
            "key": uuid.uuid4().hex,
            "flash": _flash(done),
        },
    )


def _live_placement(answer: dict) -> list[int]:
    live = answer["live_match"]
    return [] if live is None else [live["placement_id"]]


#: factors that exist only for parents (the domain's interactions: a parent's commute
#: and hours): a non-parent's card leaves them out; where the card does not know whether
#: the participant is a parent (a placement's candidates), a part of exactly 0 does
PARENT_FACTORS = frozenset({"parent_commute", "parent_hours"})


def _applies(name: str, contributions: dict[str, float], parent: bool | None) -> bool:
    if name not in PARENT_FACTORS or parent:
        return True
    return parent is None and contributions.get(name, 0.0) != 0.0


def _bars(contributions: dict[str, float], parent: bool | None = None) -> list[dict]:
    """One bar per factor that applies, as a share of the largest part (signs kept)."""
    largest = max((abs(v) for v in contributions.values()), default=0.0) or 1.0
    return [
        {"factor": name, "value": value, "width": round(100 * abs(value) / largest)}
        for name, value in contributions.items()
        if _applies(name, contributions, parent)
    ]


def _reasons(reasons: list, contributions: dict[str, float], parent: bool | None = None) -> list:
    """The reasons of the factors that apply (a non-parent hears nothing of parents'
    commutes), the policy adjustments' always."""

    def factor(reason) -> str:
        return reason["factor"] if isinstance(reason, dict) else reason.factor

    return [r for r in reasons if _applies(factor(r), contributions, parent)]


def _explained(item: dict, parent: bool | None = None) -> dict:
    """An API item with its bars and the reasons that apply, for a card."""
    return {
        **item,
        "bars": _bars(item["contributions"], parent),
        "reasons": _reasons(item["reasons"], item["contributions"], parent),
    }


@router.get("/participants/{participant_id}/why-not")
def why_not_page(
    participant_id: IdPath,
    request: Request,
    session: SessionDep,
    user: User = admits(suggestions_api.eligibility),
    placement_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
):
    """Why (not) any placement: the rules that exclude it, or its score and reasons."""
    participant = calls.participant(session, user, request, participant_id)
    answer = facts = None
    if placement_id is not None:
        answer = calls.why_not(session, user, request, participant_id, placement_id)
        facts = calls.placement(session, placement_id)
    return _render(
        request,
        "caseworker/why_not.html",
        {
            "title": _("Why (not) this placement?"),
            "p": participant,
            "answer": answer,
            "facts": facts,
            "names": calls.placement_names(session, facts) if facts else {},
            "bars": _bars(answer.contributions or {}, participant.parent) if answer else [],
            "factor_reasons": (
                _reasons(answer.reasons, answer.contributions or {}, participant.parent)
                if answer
                else []
            ),
            "placements": calls.open_placements(session, offset=0, limit=200).data,
            "placement_id": placement_id,
            "key": uuid.uuid4().hex,
        },
    )


@router.post("/participants/{participant_id}/decisions")
def decide(
    participant_id: IdPath,
    request: Request,
    session: SessionDep,
    placement_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    decision: Annotated[Decision, Form()],
    idempotency_key: Annotated[str, Form(min_length=1, max_length=200)],
    user: User = admits(matches_api.decide),
    suggestion_id: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
    reason_code: Annotated[DeclineReason | None, Form()] = None,
    reason: Annotated[str | None, Form(max_length=2000)] = None,
):
    """Accept (books a slot), decline with a reason code, or override with a reason."""
    body = MatchCreate(
        participant_id=participant_id,
        placement_id=placement_id,
        suggestion_id=suggestion_id,
        decision=decision,
        reason_code=reason_code if decision is Decision.declined else None,
        reason=(reason or "").strip() or None,
    )
    calls.decide(session, user, request, body, idempotency_key)
    if decision is Decision.declined:
        where = f"/participants/{participant_id}/suggestions?done=declined"
    else:
        where = f"/participants/{participant_id}?done=accepted"
    return RedirectResponse(where, status_code=303)


def _back(participant_id: int, done: str) -> RedirectResponse:
    return RedirectResponse(f"/participants/{participant_id}?done={done}", status_code=303)


@router.post("/matches/{match_id}/start")
def start(
    match_id: IdPath, request: Request, session: SessionDep, user: User = admits(matches_api.start)
):
    match = calls.start(session, user, request, match_id)
    return _back(match.participant_id, "started")


@router.post("/matches/{match_id}/end")
def end(
    match_id: IdPath, request: Request, session: SessionDep, user: User = admits(matches_api.end)
):
    match = calls.end(session, user, request, match_id)
    return _back(match.participant_id, "ended")


@router.post("/matches/{match_id}/withdraw")
def withdraw(
    match_id: IdPath,
    request: Request,
    session: SessionDep,
    reason_code: Annotated[DeclineReason, Form()],
    user: User = admits(matches_api.withdraw),
    reason: Annotated[str | None, Form(max_length=2000)] = None,
):
    body = WithdrawRequest(reason_code=reason_code, reason=reason)
    match = calls.withdraw(session, user, request, match_id, body)
    return _back(match.participant_id, "withdrawn")


@router.post("/matches/{match_id}/outcomes")
def record_outcome(
    match_id: IdPath,
    request: Request,
    session: SessionDep,
    kind: Annotated[OutcomeKind, Form()],
    occurred_on: Annotated[date, Form()],
    participant_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    user: User = admits(matches_api.record_outcome),
    reason: Annotated[str | None, Form(max_length=2000)] = None,
):
    body = OutcomeCreate(kind=kind, occurred_on=occurred_on, reason=reason)
    calls.record_outcome(session, user, request, match_id, body)
    return _back(participant_id, "outcome")


@router.get("/placements")
def placements_page(
    request: Request,
    session: SessionDep,
    user: User = admits(catalog_api.list_all_placements),
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
):
    """Open placements, each linking to its ranked candidates."""
    page = calls.open_placements(session, offset=offset, limit=50)
    return _render(
        request,
        "caseworker/placements.html",
        {
            "title": _("Placements"),
            "rows": page.data,
            "count": page.count,
            "offset": offset,
            "page_size": 50,
        },
    )


@router.get("/placements/{placement_id}")
def placement_page(
    placement_id: IdPath,
    request: Request,
    session: SessionDep,
    user: User = admits(suggestions_api.suggest_participants),
):
    """One placement's facts and the best waiting participants of my unit for it."""
    facts = calls.placement(session, placement_id)  # 404 when there is no such placement
    items = None
    if facts.is_open:
        answer = calls.candidates(session, user, request, placement_id, limit=10)
        items = [
            {**_explained(i), "language": language_label(i["participant"]["language_level"])}
            for i in answer["items"]
        ]
    return _render(
        request,
        "caseworker/placement.html",
        {
            "title": facts.title,
            "facts": facts,
            "names": calls.placement_names(session, facts),
            "items": items,
        },
    )
