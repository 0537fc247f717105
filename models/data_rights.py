"""The data subject's rights: everything held on one participant, and pseudonymisation.

:func:`participant_export` gathers every row Platsa holds on one participant and nothing
of anyone else: where a stored list also names other participants (a placement's
candidate list), only this participant's item goes out.

:func:`pseudonymise_participant` is the erasure the law allows for social-services
records: decisions on public support and the log of who read them must be kept, and
evaluation needs the decisions with the features they were made on. So the case
reference (the only direct identifier stored) is replaced by a random pseudonym in the
record and in every revision of it, the free-text reasons of decisions and outcomes are
deleted, and the case is closed. Kept, pseudonymised: the matching features, the
decisions, their events, outcome kinds, suggestion lists, plan rows and the access log,
all keyed by the participant's internal id, which nothing outside Platsa knows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from models.base import timestamp_field
from models.strict_input import StrictInput

PSEUDONYM_PREFIX = "ERASED-"


class ParticipantErasure(SQLModel, table=True):
    """One pseudonymisation of a participant: when, by whom (a user or the retention job)
    and why. The participant's old case reference is not kept anywhere."""

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", unique=True)
    at: datetime = timestamp_field(index=True)
    by: int | None = Field(default=None, foreign_key="user.id")  # None: the retention job
    reason: str = Field(max_length=2000)


class ErasureRequest(StrictInput):
    reason: str = Field(min_length=3, max_length=2000, description="the legal ground, for the log")


def _plain(row: SQLModel) -> dict[str, Any]:
    return row.model_dump(mode="json")
