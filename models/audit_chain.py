"""Tamper-evident logs: the access log and the match event log are hash chains.

Each row carries its position ``seq``, the ``prev_hash`` of the row before it and its
own ``hash = sha256(prev_hash | its fields)``. Editing a row breaks its own hash, deleting
one breaks the next row's link (and the numbering), a row inserted behind Platsa's back
has no place in the chain or a hash that does not fit. :func:`verify_chain` walks a chain
and reports the first broken link (``platsa audit verify``).

Rows are sealed at commit (a ``before_commit`` hook), not when written, so the chain head
is held only for the last instant of a transaction: the hook moves the head row of
:class:`ChainHead` with ``UPDATE ... RETURNING`` (a row lock on PostgreSQL, the write
lock on SQLite, released by the commit right after), appends the transaction's rows
after the head and stores the new head. Access-log rows are buffered in the session and
inserted sealed (on PostgreSQL a transaction's one row is sealed by one statement that
locks the head, inserts the row with its hash computed by the database and moves the
head, no more than a plain insert; two statements more on SQLite); match events are
rarer and inserted as usual, then sealed by id.

When retention deletes the oldest access-log rows it records the last deleted row's
``seq`` and ``hash`` as the chain's anchor, and verification starts there.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.orm.util import identity_key
from sqlmodel import Field, Session, SQLModel

from models.match import MatchEvent

GENESIS = "0" * 64
_PENDING_ACCESS = "platsa.chain.access"  # session.info: access-log rows to insert at commit
_PENDING_EVENTS = "platsa.chain.events"  # session.info: ids of match events written, or ALL
_ALL = "all"


class ChainHead(SQLModel, table=True):
    """The newest sealed row of one chain, and where the kept part of the chain starts."""

    name: str = Field(primary_key=True, max_length=32)  # accesslog | matchevent
    seq: int = 0
    hash: str = Field(default=GENESIS, max_length=64)
    anchor_seq: int = 0  # rows up to here were removed by retention
    anchor_hash: str = Field(default=GENESIS, max_length=64)


def _moment(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _payload(table: str, row) -> str:
    g = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    if table == "accesslog":
        fields = (g("user_id"), g("participant_id"), _moment(g("at")), g("method"), g("route"),
                  g("action"))  # fmt: skip
        # a list read's ids are sealed too (rows from before the column have none)
        ids = row.get("participant_ids") if hasattr(row, "get") else row.participant_ids
        if ids is not None:
            fields += (",".join(map(str, ids)),)
    else:
        status = g("status")
        fields = (g("match_id"), getattr(status, "value", status), _moment(g("at")), g("by"),
                  g("reason_code"))  # fmt: skip
    return "|".join("" if v is None else str(v) for v in fields)


def link_hash(table: str, seq: int, prev_hash: str, row) -> str:
    text = f"{table}|{seq}|{prev_hash}|{_payload(table, row)}"
    return hashlib.sha256(text.encode()).hexdigest()


# --- sealing at commit ---------------------------------------------------------------------


def append_access(session: Session, row: dict) -> None:
    """Queue one access-log row; it is inserted, sealed, when the transaction commits."""
    session.info.setdefault(_PENDING_ACCESS, []).append(row)


# Built once, on the table rather than the ORM class: every logged request claims the
# head and stores it, and an ORM-enabled UPDATE costs ~8x the Python of a Core one (its
# session synchronisation scans for matching objects); see _forget_loaded_head.
_HEADS = ChainHead.__table__


def _forget_loaded_head(session: Session, name: str) -> None:
    """A head row this session loaded (``verify_chain``) is stale after a Core UPDATE of it:
    expire it so the next read fetches the new seq and hash."""
    loaded = session.identity_map.get(identity_key(ChainHead, name))
    if loaded is not None:
        session.expire(loaded)


_ACCESS_COLUMNS = ("user_id", "participant_id", "at", "method", "route", "action",
                   "participant_ids", "seq", "prev_hash", "hash")  # fmt: skip


def mark_events_written(session: Session) -> None:
    """Match events were bulk-inserted without the ORM (the demo loader): seal every
    unsealed one at commit."""
    session.info[_PENDING_EVENTS] = _ALL


@event.listens_for(Session, "after_flush")
def _note_events(session, _context) -> None:
    ids = {obj.id for obj in session.new if isinstance(obj, MatchEvent)}
    if ids and session.info.get(_PENDING_EVENTS) != _ALL:
        session.info[_PENDING_EVENTS] = session.info.get(_PENDING_EVENTS, set()) | ids


@event.listens_for(Session, "after_rollback")
def _forget(session) -> None:
    session.info.pop(_PENDING_ACCESS, None)
    session.info.pop(_PENDING_EVENTS, None)


# --- verification ------------------------------------------------------------------------


@dataclass(frozen=True)
class BrokenLink:
    table: str
    seq: int | None
    row_id: int | None
    problem: str

    def describe(self) -> str:
        where = f"seq {self.seq}" if self.seq is not None else "no seq"
        return f"{self.table}: first broken link at {where} (row id {self.row_id}): {self.problem}"


def _problem(name: str, row, seq: int, prev: str) -> str | None:
    if row["seq"] != seq + 1:
        return f"rows {seq + 1}..{row['seq'] - 1} are missing (deleted)"
    if row["prev_hash"] != prev:
        return "it does not link to the row before it (a row was deleted or inserted)"
    if link_hash(name, row["seq"], prev, row) != row["hash"]:
        return "its content does not match its hash (edited)"
    return None
