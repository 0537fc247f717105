"""Request and response schemas for matches and outcomes (the tables never go over the wire).

Request bodies forbid unknown fields, so a client that sends ``status``, ``decided_by``
or a booked count gets a 422 naming that field instead of having it silently ignored.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import ConfigDict, field_validator
from sqlmodel import Field, SQLModel

from models.clock import municipal_today
from models.match import DeclineReason, MatchStatus, OutcomeKind
from models.strict_input import INT_MAX, Prose

#: ids are 32-bit integer columns on PostgreSQL; larger ones are refused as invalid input
MAX_ID = INT_MAX


class Decision(StrEnum):
    accepted = "accepted"
    declined = "declined"


class MatchCreate(SQLModel):
    """A caseworker's decision about one participant and one placement.

    ``suggestion_id`` cites the stored list the placement came from. Accepting a placement
    the cited list did not contain (or citing none) is an override and needs ``reason``.
    A decline needs ``reason_code``.
    """

    model_config = ConfigDict(extra="forbid")

    participant_id: int = Field(ge=1, le=MAX_ID)
    placement_id: int = Field(ge=1, le=MAX_ID)
    suggestion_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    decision: Decision = Decision.accepted
    reason_code: DeclineReason | None = Field(
        default=None, description="why it was declined; required for, and only for, declines"
    )
    reason: Prose | None = Field(
        default=None,
        max_length=2000,
        description="free text; required when accepting a placement that was not suggested",
    )


class WithdrawRequest(SQLModel):
    """Why a booked match is withdrawn; withdrawing frees the slot and the quota."""

    model_config = ConfigDict(extra="forbid")

    reason_code: DeclineReason
    reason: Prose | None = Field(default=None, max_length=2000)


class MatchPublic(SQLModel):
    id: int
    participant_id: int
    placement_id: int
    quota_id: int | None
    status: MatchStatus
    reason_code: str | None
    reason_text: str | None
    decided_by: int | None
    decided_at: datetime
    from_suggestion: bool
    suggestion_id: int | None
    suggestion_rank: int | None
    override: bool
    updated_at: datetime


class OutcomeCreate(SQLModel):
    """What happened after a placement; recorded later, never dated in the future."""

    model_config = ConfigDict(extra="forbid")

    kind: OutcomeKind
    occurred_on: date
    reason: Prose | None = Field(default=None, max_length=2000)

    @field_validator("occurred_on")
    @classmethod
    def _not_in_future(cls, value: date) -> date:
        if value > municipal_today():
            raise ValueError("occurred_on must not be in the future")
        return value


class OutcomePublic(SQLModel):
    id: int
    match_id: int
    kind: OutcomeKind
    occurred_on: date
    reason: str | None
    recorded_by: int | None
    recorded_at: datetime
