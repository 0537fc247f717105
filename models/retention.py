"""Retention: how long each kind of record is kept after its case closes, and legal holds.

The policy is data (:class:`RetentionRule` rows, seeded by migration 0007 with the
defaults in :data:`DEFAULT_RULES`), read by the ``platsa retention run`` job. A case
closes when the participant is inactive; it closed at the latest of the record's last
change, its last decision event and its last recorded outcome. A legal hold on a
participant keeps everything about them until the hold is released.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, Session, SQLModel

from models.base import timestamp_field
from models.repo_data_rights import erasure_of
from models.strict_input import StrictInput


class RecordKind(StrEnum):
    participant = "participant"  # the record, its revisions, decisions: pseudonymised
    free_text = "free_text"  # reasons written on decisions and outcomes: deleted
    access_log = "access_log"  # who read what: deleted (the chain keeps an anchor)
    idempotency = "idempotency"  # stored first answers to retried requests: deleted
    standing_plan = "standing_plan"  # the system's own plans (who it gave what): deleted


class RetentionRule(SQLModel, table=True):
    """Keep ``kind`` for ``days`` after the case closes (after the row was written, for
    rows that belong to no case: access log, idempotency records, standing plans)."""

    kind: RecordKind = Field(primary_key=True)
    days: int = Field(ge=0)
    action: str = Field(max_length=16)  # pseudonymise | delete
    note: str = Field(default="", max_length=500)


STANDING_PLAN_NOTE = (
    "the standing plan's solves (who the plan gave what): 30 days; the newest is kept"
)
#: the shipped defaults (a municipality edits the rows, not the code)
DEFAULT_RULES = (
    (RecordKind.participant, 5 * 365, "pseudonymise", "SoL case records: 5 years after closing"),
    (RecordKind.free_text, 2 * 365, "delete", "reasons in free text: 2 years after closing"),
    (RecordKind.access_log, 5 * 365, "delete", "log of reads and changes: 5 years"),
    (RecordKind.idempotency, 2, "delete", "a retried request's first answer: 2 days"),
    (RecordKind.standing_plan, 30, "delete", STANDING_PLAN_NOTE),
)


class LegalHold(SQLModel, table=True):
    """Keep everything about a participant (a complaint, an appeal, a supervisory case)."""

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    reason: str = Field(max_length=2000)
    placed_by: int = Field(foreign_key="user.id")
    placed_at: datetime = timestamp_field()
    released_by: int | None = Field(default=None, foreign_key="user.id")
    released_at: datetime | None = timestamp_field(nullable=True, default=False)


class LegalHoldCreate(StrictInput):
    reason: str = Field(min_length=3, max_length=2000)


class LegalHoldPublic(SQLModel):
    id: int
    participant_id: int
    reason: str
    placed_by: int
    placed_at: datetime
    released_by: int | None
    released_at: datetime | None


# --- what the retention job reads and changes ---------------------------------------------


def is_pseudonymised(session: Session, participant_id: int) -> bool:
    return erasure_of(session, participant_id) is not None
