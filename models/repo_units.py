"""Repository functions for units (the caseworkers' teams that own participants)."""

from __future__ import annotations

from sqlmodel import Session, func, select

from models.org import Unit


def list_units(session: Session, *, offset: int, limit: int) -> tuple[list[Unit], int]:
    rows = session.exec(select(Unit).order_by(Unit.code).offset(offset).limit(limit)).all()
    return list(rows), session.exec(select(func.count()).select_from(Unit)).one()


def get_unit(session: Session, unit_id: int) -> Unit | None:
    return session.get(Unit, unit_id)


def unit_by_code(session: Session, code: str) -> Unit | None:
    return session.exec(select(Unit).where(Unit.code == code)).first()


def add_unit(session: Session, *, code: str, name: str) -> Unit:
    unit = Unit(code=code, name=name)
    session.add(unit)
    session.flush()
    return unit


def rename_unit(session: Session, unit: Unit, name: str) -> Unit:
    unit.name = name
    session.add(unit)
    session.flush()
    return unit
