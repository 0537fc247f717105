"""Queries on the tables of :mod:`models.audit_chain` (the repository; all SQL here)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Integer, Text, bindparam, cast, event, func, insert, literal, select, update
from sqlmodel import Session, col

from models.audit import AccessLog
from models.audit_chain import (
    _ACCESS_COLUMNS,
    _ALL,
    _HEADS,
    _PENDING_ACCESS,
    _PENDING_EVENTS,
    BrokenLink,
    ChainHead,
    _forget_loaded_head,
    _payload,
    _problem,
    link_hash,
)
from models.match import MatchEvent


@event.listens_for(ChainHead.__table__, "after_create")
def _seed_heads(table, connection, **_kw) -> None:
    """A database built with ``create_all`` (tests, the demo file) gets the same two head
    rows as migration 0007 seeds, so the first seal writes no row of its own."""
    connection.execute(insert(table), [{"name": "accesslog"}, {"name": "matchevent"}])


_CLAIM = (
    update(_HEADS)
    .where(_HEADS.c.name == bindparam("chain"))
    .values(seq=_HEADS.c.seq + bindparam("count", type_=Integer))
    .returning(_HEADS.c.seq, _HEADS.c.hash)
)


_STORE_HEAD = (
    update(_HEADS).where(_HEADS.c.name == bindparam("chain")).values(hash=bindparam("head"))
)


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


_ROW_COLUMNS = _ACCESS_COLUMNS[:-3]  # the row's own fields, without seq, prev_hash, hash


def _seal_one_in_sql():
    """The whole seal of one row as one statement (PostgreSQL): lock the head, insert the
    row after it with its hash computed by the database, move the head to it.

    ``WITH head AS (SELECT seq, hash ... FOR UPDATE), sealed AS (INSERT ... SELECT ...,
    head.seq + 1, head.hash, encode(sha256(convert_to('accesslog|' || (head.seq + 1) || '|'
    || head.hash || '|' || :payload, 'UTF8')), 'hex') FROM head RETURNING seq, hash)
    UPDATE chainhead SET seq = sealed.seq, hash = sealed.hash FROM sealed ...``.
    The hashed text is :func:`models.audit_chain.link_hash`'s, its payload built in
    Python (``_payload``), so verification recomputes the same digest. Under READ
    COMMITTED the ``FOR UPDATE`` waits for a concurrent seal and then reads the head it
    committed, and the UPDATE follows that same row version: one chain, no gap. One round
    trip instead of two (claim, then insert + store), and no hashing in Python."""
    table = AccessLog.__table__
    head = (
        select(_HEADS.c.seq, _HEADS.c.hash)
        .where(_HEADS.c.name == "accesslog")
        .with_for_update()
        .cte("head")
    )
    seq = head.c.seq + 1
    text = (
        literal("accesslog|", Text) + cast(seq, Text) + "|" + head.c.hash + "|"
        + bindparam("payload", type_=Text)
    )  # fmt: skip
    digest = func.encode(func.sha256(func.convert_to(text, "UTF8")), "hex")
    values = [bindparam(f"row_{name}", type_=table.c[name].type) for name in _ROW_COLUMNS]
    sealed = (
        insert(table)
        .from_select(list(_ACCESS_COLUMNS), select(*values, seq, head.c.hash, digest))
        .returning(table.c.seq, table.c.hash)
        .cte("sealed")
    )
    return (
        update(_HEADS)
        .where(_HEADS.c.name == "accesslog")
        .values(seq=sealed.c.seq, hash=sealed.c.hash)
        .add_cte(head)
        .add_cte(sealed)
    )


_SEAL_ONE_IN_SQL = _seal_one_in_sql()


def _seal_access(session: Session, rows: list[dict]) -> None:
    if len(rows) == 1 and session.get_bind().dialect.name == "postgresql":
        params = {f"row_{name}": rows[0][name] for name in _ROW_COLUMNS}
        params["payload"] = _payload("accesslog", rows[0])
        if session.execute(_SEAL_ONE_IN_SQL, params).rowcount == 0:
            # no head row (a database built without the migration's seed rows): nothing
            # was inserted; add the head and seal again
            session.add(ChainHead(name="accesslog"))
            session.flush()
            session.execute(_SEAL_ONE_IN_SQL, params)
        _forget_loaded_head(session, "accesslog")
        return
    links, head = _links(session, "accesslog", rows)
    session.execute(insert(AccessLog.__table__), [{**row, **link} for row, link in links])
    _store_head(session, "accesslog", head)


def _links(session: Session, name: str, rows) -> tuple[list[tuple[dict, dict]], str]:
    """Claim ``len(rows)`` places on chain ``name`` and link the rows in order: each row
    with its ``seq``, ``prev_hash`` and ``hash``, and the chain's new head."""
    seq, head = _claim(session, name, len(rows))
    links = []
    for row in rows:
        seq += 1
        digest = link_hash(name, seq, head, row)
        links.append((row, {"seq": seq, "prev_hash": head, "hash": digest}))
        head = digest
    return links, head


def _seal_events(session: Session, ids) -> None:
    """Seal this transaction's match events (or, after a bulk load, every unsealed one): a
    row inserted behind Platsa's back is never sealed, so verification finds it."""
    query = select(MatchEvent.__table__).where(col(MatchEvent.seq).is_(None))
    if ids != _ALL:
        query = query.where(col(MatchEvent.id).in_(sorted(ids)))
    unsealed = session.execute(query.order_by(MatchEvent.id)).mappings().all()
    if not unsealed:
        return
    links, head = _links(session, "matchevent", unsealed)
    updates = [{"row_id": row["id"], **link} for row, link in links]
    table = MatchEvent.__table__
    session.execute(
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values(seq=bindparam("seq"), prev_hash=bindparam("prev_hash"), hash=bindparam("hash")),
        updates,
    )
    _store_head(session, "matchevent", head)


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


def set_anchor(session: Session, name: str, seq: int, digest: str) -> None:
    """Retention removed the chain up to ``seq``: verification starts after it."""
    session.execute(
        update(ChainHead).where(ChainHead.name == name).values(anchor_seq=seq, anchor_hash=digest)
    )
