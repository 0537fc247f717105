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
inserted sealed (one statement more per request than a plain insert on PostgreSQL, where
the row's INSERT rides in the head's UPDATE; two on SQLite); match events are
rarer and inserted as usual, then sealed by id.

When retention deletes the oldest access-log rows it records the last deleted row's
``seq`` and ``hash`` as the chain's anchor, and verification starts there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Integer, bindparam, event, insert, select, update
from sqlalchemy.orm.util import identity_key
from sqlmodel import Field, Session, SQLModel, col

from models.audit import AccessLog
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


@event.listens_for(ChainHead.__table__, "after_create")
def _seed_heads(table, connection, **_kw) -> None:
    """A database built with ``create_all`` (tests, the demo file) gets the same two head
    rows as migration 0007 seeds, so the first seal writes no row of its own."""
    connection.execute(insert(table), [{"name": "accesslog"}, {"name": "matchevent"}])


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
_CLAIM = (
    update(_HEADS)
    .where(_HEADS.c.name == bindparam("chain"))
    .values(seq=_HEADS.c.seq + bindparam("count", type_=Integer))
    .returning(_HEADS.c.seq, _HEADS.c.hash)
)
_STORE_HEAD = (
    update(_HEADS).where(_HEADS.c.name == bindparam("chain")).values(hash=bindparam("head"))
)


def _forget_loaded_head(session: Session, name: str) -> None:
    """A head row this session loaded (``verify_chain``) is stale after a Core UPDATE of it:
    expire it so the next read fetches the new seq and hash."""
    loaded = session.identity_map.get(identity_key(ChainHead, name))
    if loaded is not None:
        session.expire(loaded)


def _claim(session: Session, name: str, count: int) -> tuple[int, str]:
    """Move the head ``count`` places on (taking its lock); the old (seq, hash)."""
    params = {"chain": name, "count": count}
    row = session.execute(_CLAIM, params).first()
    if row is None:  # a database built without the migration's seed rows (create_all)
        session.add(ChainHead(name=name))
        session.flush()
        row = session.execute(_CLAIM, params).first()
    return row[0] - count, row[1]


def _store_head(session: Session, name: str, head: str) -> None:
    session.execute(_STORE_HEAD, {"chain": name, "head": head})
    _forget_loaded_head(session, name)


_ACCESS_COLUMNS = ("user_id", "participant_id", "at", "method", "route", "action",
                   "participant_ids", "seq", "prev_hash", "hash")  # fmt: skip


def _insert_one_and_store_head():
    """One statement for the common case of one sealed row (PostgreSQL): the row's INSERT
    as a data-modifying CTE of the head's UPDATE, so the seal costs two round trips (claim,
    then this) instead of three. Built once; the values are parameters."""
    table = AccessLog.__table__
    row = insert(table).values(
        {name: bindparam(f"row_{name}", type_=table.c[name].type) for name in _ACCESS_COLUMNS}
    )
    return _STORE_HEAD.add_cte(row.cte("sealed_row"))


_INSERT_ONE_AND_STORE_HEAD = _insert_one_and_store_head()


def _seal_access(session: Session, rows: list[dict]) -> None:
    seq, head = _claim(session, "accesslog", len(rows))
    sealed = []
    for row in rows:
        seq += 1
        digest = link_hash("accesslog", seq, head, row)
        sealed.append({**row, "seq": seq, "prev_hash": head, "hash": digest})
        head = digest
    if len(sealed) == 1 and session.get_bind().dialect.name == "postgresql":
        params = {f"row_{name}": sealed[0][name] for name in _ACCESS_COLUMNS}
        session.execute(_INSERT_ONE_AND_STORE_HEAD, {**params, "chain": "accesslog", "head": head})
        _forget_loaded_head(session, "accesslog")
        return
    session.execute(insert(AccessLog.__table__), sealed)
    _store_head(session, "accesslog", head)


def _seal_events(session: Session, ids) -> None:
    """Seal this transaction's match events (or, after a bulk load, every unsealed one): a
    row inserted behind Platsa's back is never sealed, so verification finds it."""
    query = select(MatchEvent.__table__).where(col(MatchEvent.seq).is_(None))
    if ids != _ALL:
        query = query.where(col(MatchEvent.id).in_(sorted(ids)))
    unsealed = session.execute(query.order_by(MatchEvent.id)).mappings().all()
    if not unsealed:
        return
    seq, head = _claim(session, "matchevent", len(unsealed))
    updates = []
    for row in unsealed:
        seq += 1
        digest = link_hash("matchevent", seq, head, row)
        updates.append({"row_id": row["id"], "seq": seq, "prev_hash": head, "hash": digest})
        head = digest
    table = MatchEvent.__table__
    session.execute(
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values(seq=bindparam("seq"), prev_hash=bindparam("prev_hash"), hash=bindparam("hash")),
        updates,
    )
    _store_head(session, "matchevent", head)


def mark_events_written(session: Session) -> None:
    """Match events were bulk-inserted without the ORM (the demo loader): seal every
    unsealed one at commit."""
    session.info[_PENDING_EVENTS] = _ALL


@event.listens_for(Session, "after_flush")
def _note_events(session, _context) -> None:
    ids = {obj.id for obj in session.new if isinstance(obj, MatchEvent)}
    if ids and session.info.get(_PENDING_EVENTS) != _ALL:
        session.info[_PENDING_EVENTS] = session.info.get(_PENDING_EVENTS, set()) | ids


@event.listens_for(Session, "before_commit")
def _seal(session) -> None:
    info = session.info
    unflushed = any(isinstance(obj, MatchEvent) for obj in session.new)
    if not unflushed and info.get(_PENDING_EVENTS) is None and not info.get(_PENDING_ACCESS):
        return
    session.flush()
    events = info.pop(_PENDING_EVENTS, None)
    if events:
        _seal_events(session, events)
    rows = info.pop(_PENDING_ACCESS, None)
    if rows:
        _seal_access(session, rows)


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


def _rows(session: Session, model) -> Iterable:
    table = model.__table__
    query = select(table).order_by(col(model.seq).is_(None), model.seq, model.id)
    return session.execute(query.execution_options(yield_per=2000)).mappings()


def verify_chain(session: Session, model) -> tuple[int, BrokenLink | None]:
    """(rows checked, the first broken link or None) for AccessLog or MatchEvent."""
    name = model.__tablename__
    head = session.get(ChainHead, name) or ChainHead(name=name)
    seq, prev = head.anchor_seq, head.anchor_hash
    checked = 0
    for row in _rows(session, model):
        if row["seq"] is None:
            return checked, BrokenLink(name, None, row["id"], "a row outside the chain (inserted)")
        problem = _problem(name, row, seq, prev)
        if problem:
            return checked, BrokenLink(name, row["seq"], row["id"], problem)
        seq, prev, checked = row["seq"], row["hash"], checked + 1
    if seq != head.seq or prev != head.hash:
        problem = f"the chain ends at {seq} but its head is at {head.seq} (rows deleted at the end)"
        return checked, BrokenLink(name, head.seq, None, problem)
    return checked, None


def _problem(name: str, row, seq: int, prev: str) -> str | None:
    if row["seq"] != seq + 1:
        return f"rows {seq + 1}..{row['seq'] - 1} are missing (deleted)"
    if row["prev_hash"] != prev:
        return "it does not link to the row before it (a row was deleted or inserted)"
    if link_hash(name, row["seq"], prev, row) != row["hash"]:
        return "its content does not match its hash (edited)"
    return None


def set_anchor(session: Session, name: str, seq: int, digest: str) -> None:
    """Retention removed the chain up to ``seq``: verification starts after it."""
    session.execute(
        update(ChainHead).where(ChainHead.name == name).values(anchor_seq=seq, anchor_hash=digest)
    )
