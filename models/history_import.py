"""Imported history: the import log, which decisions came from a file, and write grants.

A municipality starting with Platsa has years of decisions in its case-management
system. ``api.services.history_import`` parses and checks such a file as a whole; this module
holds its tables and all the SQL it needs:

* :class:`HistoryImport`: one row per imported file, keyed by the SHA-256 of its bytes,
  so the same file imported twice is written once;
* :class:`ImportedDecision`: which match came from which file and line, under the
  municipality's own decision reference (unique: a decision is never imported twice,
  even from two different files). A match listed here was not made from a logged
  suggestion list: replay ranks it, off-policy estimates leave it out;
* :class:`UserGrant`: extra rights given to one user by an admin. The one grant so far is
  :data:`HISTORY_IMPORT`: an evaluator holding it may import history (admins always may).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel

from models.base import json_dict_field, timestamp_field, utcnow
from models.match import BOOKED_STATUSES, MatchStatus

#: the grant that lets an evaluator import history (``platsa users grant NAME history_import``)
HISTORY_IMPORT = "history_import"
GRANTS = (HISTORY_IMPORT,)


class HistoryImport(SQLModel, table=True):
    """One imported file: who, when, its content hash and what it wrote."""

    id: int | None = Field(default=None, primary_key=True)
    content_hash: str = Field(max_length=64, unique=True, index=True)
    filename: str | None = Field(default=None, max_length=255)
    media_type: str = Field(max_length=64)
    imported_by: int | None = Field(default=None, foreign_key="user.id")
    imported_at: datetime = timestamp_field()
    counts: dict = json_dict_field()


class ImportedDecision(SQLModel, table=True):
    """A match that came from an imported file (not from a logged suggestion list)."""

    match_id: int = Field(foreign_key="match.id", primary_key=True)
    import_id: int = Field(foreign_key="historyimport.id", index=True)
    decision_ref: str = Field(max_length=64, unique=True, index=True)
    line: int


class UserGrant(SQLModel, table=True):
    """A right an admin gave one user beyond their role (see :data:`GRANTS`)."""

    __table_args__ = (UniqueConstraint("user_id", "grant"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    grant: str = Field(max_length=32)
    granted_by: int | None = Field(default=None, foreign_key="user.id")
    granted_at: datetime = timestamp_field()


# --- grants --------------------------------------------------------------------------------


# --- look-ups the checks need --------------------------------------------------------------


@dataclass(frozen=True)
class PlacementFacts:
    id: int
    department_id: int
    slots: int
    booked: int


@dataclass(frozen=True)
class QuotaFacts:
    id: int
    max_headcount: int
    booked: int


# --- writing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusChange:
    status: MatchStatus
    at: datetime
    reason_code: str | None = None


@dataclass(frozen=True)
class OutcomeFact:
    kind: str
    occurred_on: date
    recorded_at: datetime
    reason: str | None = None


@dataclass(frozen=True)
class DecisionToWrite:
    """One decision resolved to Platsa's ids, with its whole status log and outcomes.

    ``changes`` holds every status after the decision itself, oldest first. The
    suggestion fields are None for imported history (it was not made from a logged list).
    """

    participant_id: int
    placement_id: int
    quota_id: int | None
    status: MatchStatus  # the decision: accepted or declined
    decided_at: datetime
    reason_code: str | None
    changes: tuple[StatusChange, ...] = ()
    outcomes: tuple[OutcomeFact, ...] = ()
    decided_by: int | None = None
    suggestion_id: int | None = None
    suggestion_rank: int | None = None
    override: bool = False
    decision_ref: str | None = None
    line: int | None = None

    @property
    def final(self) -> StatusChange:
        first = StatusChange(self.status, self.decided_at, self.reason_code)
        return self.changes[-1] if self.changes else first

    @property
    def holds_slot(self) -> bool:
        return self.final.status in BOOKED_STATUSES


def add_import(session: Session, **fields) -> HistoryImport:
    row = HistoryImport(imported_at=utcnow(), **fields)
    session.add(row)
    session.flush()
    return row


# --- export --------------------------------------------------------------------------------
