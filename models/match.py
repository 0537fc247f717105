"""Matches (decisions), their status history, and outcomes."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from models.base import timestamp_field


class MatchStatus(StrEnum):
    accepted = "accepted"
    declined = "declined"
    started = "started"
    ended = "ended"
    withdrawn = "withdrawn"


#: statuses that hold a slot and count against the department's quota
BOOKED_STATUSES = frozenset({MatchStatus.accepted, MatchStatus.started})


class DeclineReason(StrEnum):
    participant_declined = "participant_declined"
    workplace_declined = "workplace_declined"
    health = "health"
    commute = "commute"
    hours = "hours"
    language = "language"
    other = "other"


class OutcomeKind(StrEnum):
    completed = "completed"
    ended_early = "ended_early"
    regular_job = "regular_job"
    studies = "studies"
    self_supporting_6m = "self_supporting_6m"
    self_supporting_12m = "self_supporting_12m"


#: outcomes that count as success when evaluating and training
SUCCESS_OUTCOMES = frozenset(
    {
        OutcomeKind.completed,
        OutcomeKind.regular_job,
        OutcomeKind.studies,
        OutcomeKind.self_supporting_6m,
        OutcomeKind.self_supporting_12m,
    }
)


class Match(SQLModel, table=True):
    """One decision about one participant and one placement.

    ``quota_id`` is the quota the booking counted against (None when the department had
    no quota for the period). ``override`` is true when the caseworker chose a placement
    the cited suggestion did not contain, or cited none.
    """

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    placement_id: int = Field(foreign_key="placement.id", index=True)
    quota_id: int | None = Field(default=None, foreign_key="quota.id")
    status: MatchStatus = Field(index=True)
    reason_code: str | None = Field(default=None, max_length=64)
    reason_text: str | None = Field(default=None, max_length=2000)
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime = timestamp_field(index=True)
    from_suggestion: bool = False
    suggestion_id: int | None = Field(default=None, foreign_key="suggestion.id")
    suggestion_rank: int | None = None
    override: bool = False
    updated_at: datetime = timestamp_field()


class MatchEvent(SQLModel, table=True):
    """Append-only status history of a match: replay reads bookings as of a moment here."""

    id: int | None = Field(default=None, primary_key=True)
    match_id: int = Field(foreign_key="match.id", index=True)
    status: MatchStatus
    at: datetime = timestamp_field(index=True)
    by: int | None = Field(default=None, foreign_key="user.id")
    reason_code: str | None = Field(default=None, max_length=64)
    # the hash chain (models.audit_chain), sealed at commit
    seq: int | None = Field(default=None, unique=True, index=True)
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str | None = Field(default=None, max_length=64)


class Outcome(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    match_id: int = Field(foreign_key="match.id", index=True)
    kind: OutcomeKind
    occurred_on: date = Field(index=True)
    reason: str | None = Field(default=None, max_length=2000)
    recorded_by: int | None = Field(default=None, foreign_key="user.id")
    recorded_at: datetime = timestamp_field()
