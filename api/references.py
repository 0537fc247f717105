"""Checks that a body's references exist, answering 422 with each unknown one located.

Shared by the participant and catalog routes: an unknown skill, work area, department or
placement type is a client error naming the field and position, e.g.
``errors[].loc == ["body", "skills", 2]``, never a silently dropped value or a 500 from a
foreign key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fastapi.exceptions import RequestValidationError
from sqlmodel import Session

from api.errors import InvalidReference
from models.repo_catalog import unknown_concepts


def reference_error(loc: Sequence[str | int], msg: str) -> dict:
    return {"loc": ["body", *loc], "msg": msg, "type": "invalid_reference"}


def concept_errors(
    session: Session, fields: Mapping[str, Sequence[str] | str | None]
) -> list[dict]:
    """One located error per unknown concept id in the given body fields.

    ``fields`` maps a body field to its concept ids (a list, one id, or None when absent).
    """
    located: list[tuple[list[str | int], str]] = []
    for name, value in fields.items():
        if value is None:
            continue
        if isinstance(value, str):
            located.append(([name], value))
        else:
            located.extend(([name, index], concept) for index, concept in enumerate(value))
    unknown = unknown_concepts(session, (concept for _, concept in located))
    return [
        reference_error(loc, f"unknown concept {concept!r}")
        for loc, concept in located
        if concept in unknown
    ]


def check_concepts(session: Session, fields: Mapping[str, Sequence[str] | str | None]) -> None:
    """Raise InvalidReference naming every unknown concept id in the given body fields."""
    raise_references(concept_errors(session, fields))


def raise_references(errors: list[dict]) -> None:
    """Raise one InvalidReference carrying all the errors (does nothing when there are none)."""
    if errors:
        where = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in errors[:10]
        )
        raise InvalidReference(f"unknown reference(s) at {where}", errors=errors)


def invalid_field(loc: Sequence[str | int], msg: str, kind: str = "value_error"):
    """A 422 validation problem for one body field, for checks pydantic cannot make alone."""
    return RequestValidationError([{"loc": ("body", *loc), "msg": msg, "type": kind}])
