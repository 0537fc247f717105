"""Reads of matches and outcomes, and the lookups a decision needs (quota, cited rank)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import bindparam
from sqlmodel import Session, col, func, select

from models.match import BOOKED_STATUSES, Match, MatchEvent, MatchStatus, Outcome
from models.org import Quota
from models.participant import Participant
from models.suggestion import Suggestion, SuggestionItem


def get_match(session: Session, match_id: int, *, for_update: bool = False) -> Match | None:
    """A match; ``for_update`` locks it and re-reads it from the database."""
    return session.get(Match, match_id, with_for_update=for_update, populate_existing=for_update)


def list_matches(
    session: Session,
    *,
    unit_id: int | None,
    participant_id: int | None = None,
    placement_id: int | None = None,
    status: MatchStatus | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Match], int]:
    """Matches newest first, limited to one unit's participants when ``unit_id`` is set."""
    query = select(Match)
    if unit_id is not None:
        query = query.join(Participant, Participant.id == Match.participant_id).where(
            Participant.unit_id == unit_id
        )
    if participant_id is not None:
        query = query.where(Match.participant_id == participant_id)
    if placement_id is not None:
        query = query.where(Match.placement_id == placement_id)
    if status is not None:
        query = query.where(Match.status == status)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(
        query.order_by(Match.decided_at.desc(), Match.id.desc()).offset(offset).limit(limit)
    ).all()
    return list(rows), total


def list_outcomes(session: Session, match_id: int) -> list[Outcome]:
    rows = session.exec(
        select(Outcome)
        .where(Outcome.match_id == match_id)
        .order_by(Outcome.occurred_on, Outcome.id)
    ).all()
    return list(rows)


def first_start(session: Session, match_id: int) -> datetime | None:
    """When the match was first marked started (None: never)."""
    return session.exec(
        select(func.min(MatchEvent.at)).where(
            MatchEvent.match_id == match_id, MatchEvent.status == MatchStatus.started
        )
    ).one()


def booked_match_of(session: Session, participant_id: int) -> Match | None:
    """The participant's match that holds a slot (accepted or started), if any."""
    return session.exec(
        select(Match).where(
            Match.participant_id == participant_id, Match.status.in_(BOOKED_STATUSES)
        )
    ).first()


def booked_matches_of(session: Session, participant_ids: list[int]) -> dict[int, Match]:
    """Participant id -> their match that holds a slot, for those who hold one."""
    if not participant_ids:
        return {}
    rows = session.exec(
        select(Match).where(
            col(Match.participant_id).in_(participant_ids), col(Match.status).in_(BOOKED_STATUSES)
        )
    ).all()
    return {match.participant_id: match for match in rows}


def _turned_down_since(since):
    """A match that turned the placement down at or after ``since``: declined then, or
    booked and withdrawn then (a withdrawal gives a decline's reason; withdrawn is final,
    so its ``updated_at`` is the withdrawal's moment, imported histories included)."""
    return ((Match.status == MatchStatus.declined) & (Match.decided_at >= since)) | (
        (Match.status == MatchStatus.withdrawn) & (Match.updated_at >= since)
    )


#: what a list remembers of a participant's decisions: a live match, recent turn-downs
#: (built once, values as parameters: building it cost more Python than running it)
_REMEMBERED_MATCH = col(Match.status).in_(BOOKED_STATUSES) | _turned_down_since(
    bindparam("declined_since", type_=Match.__table__.c.decided_at.type)
)
_WITH_DECISIONS = (
    select(Participant, Match)
    .outerjoin(Match, (Match.participant_id == Participant.id) & _REMEMBERED_MATCH)
    .where(Participant.id == bindparam("participant_id"))
    .order_by(Match.id)
)


def participant_with_decisions(
    session: Session, participant_id: int, declined_since: datetime
) -> tuple[Participant | None, Match | None, list[int]]:
    """The participant (None if there is none), their live match (accepted or started) if
    any, and the placements declined for them, or booked and withdrawn, at or after
    ``declined_since`` (each once, in id order).

    One round trip, of a statement built once: the suggestion lists and the why-not
    answer need all three on every request.
    """
    rows = session.exec(
        _WITH_DECISIONS,
        params={"participant_id": participant_id, "declined_since": declined_since},
    ).all()
    if not rows:
        return None, None, []
    matches = [match for _, match in rows if match is not None]
    live = next((m for m in matches if m.status in BOOKED_STATUSES), None)
    declined = sorted({m.placement_id for m in matches if m.status not in BOOKED_STATUSES})
    return rows[0][0], live, declined


def declined_for_placement(session: Session, placement_id: int, since: datetime) -> set[int]:
    """Participants for whom the placement was declined, or booked and withdrawn, at or
    after ``since``."""
    rows = session.exec(
        select(Match.participant_id).where(
            Match.placement_id == placement_id, _turned_down_since(since)
        )
    ).all()
    return set(rows)


def turned_down_pairs(
    session: Session, participant_ids: Iterable[int], since: datetime
) -> set[tuple[int, int]]:
    """(participant, placement) pairs declined, or booked and withdrawn, at or after
    ``since``, among ``participant_ids`` (a plan leaves them out as the lists do).

    The memory's turn-downs are few beside a cohort, so they are read whole and filtered
    here: no IN list of every waiting participant (a large municipality's would pass the
    drivers' parameter limits)."""
    wanted = set(participant_ids)
    if not wanted:
        return set()
    rows = session.exec(
        select(Match.participant_id, Match.placement_id).where(_turned_down_since(since))
    ).all()
    return {(int(p), int(q)) for p, q in rows if p in wanted}


def covering_quota(session: Session, department_id: int, on: date) -> Quota | None:
    """The department's quota whose period covers ``on``; the newest if periods overlap.

    "Newest" is the latest ``period_start`` (then the highest id), the same choice
    :func:`models.repo_matching_inputs.quotas_on` makes for the suggestions.
    """
    return session.exec(
        select(Quota)
        .where(
            Quota.department_id == department_id,
            Quota.period_start <= on,
            Quota.period_end >= on,
        )
        .order_by(Quota.period_start.desc(), Quota.id.desc())
    ).first()


def cited_rank(
    session: Session, suggestion_id: int, participant_id: int, placement_id: int
) -> tuple[bool, int | None]:
    """Whether the suggestion exists for this participant, and the placement's rank in it.

    A list of placements for one participant must be that participant's; a list of
    participants for one placement must contain the participant, and gives a rank only
    when it is the list for this placement. The rank is None when the pair was not shown.
    """
    suggestion = session.get(Suggestion, suggestion_id)
    if suggestion is None:
        return False, None
    items = select(SuggestionItem.rank).where(SuggestionItem.suggestion_id == suggestion_id)
    if suggestion.subject == "placement":
        rank = session.exec(items.where(SuggestionItem.participant_id == participant_id)).first()
        if rank is None:
            return False, None
        return True, rank if suggestion.placement_id == placement_id else None
    if suggestion.participant_id != participant_id:
        return False, None
    return True, session.exec(items.where(SuggestionItem.placement_id == placement_id)).first()


def match_events(session: Session, match_id: int) -> Sequence[MatchEvent]:
    return session.exec(
        select(MatchEvent).where(MatchEvent.match_id == match_id).order_by(MatchEvent.id)
    ).all()
