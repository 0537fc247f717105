"""Request bodies take JSON values as the OpenAPI document types them, without coercion.

Pydantic's lax mode would store ``true`` sent for an integer as 1, ``"5"`` as 5, ``0`` for a
boolean as false, and a number for a date as a Unix time: a client bug would pass as data.
A request schema that mixes in :class:`StrictInput` rejects those with 422 naming the field,
and integers beyond the database's 32-bit range too.
Python callers may still pass ``date``/``datetime`` objects and enum members.
"""

from __future__ import annotations

import types
import typing
from datetime import date, datetime
from enum import Enum

from pydantic import ValidationInfo, field_validator
from sqlmodel import SQLModel

#: ids and counts are database INTEGER columns (32-bit on PostgreSQL); anything larger could
#: only reach the driver as an overflow (a 500), so it is refused here as a 422
INT_MIN, INT_MAX = -(2**31), 2**31 - 1

_JSON_NAMES = {
    bool: "true or false",
    int: "an integer",
    float: "a number",
    str: "a string",
    list: "a list",
    type(None): "null",
}


def accepted_types(annotation) -> tuple[type, ...] | None:
    """The Python types a decoded JSON value may have for ``annotation`` (None: no check)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return accepted_types(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        parts = [accepted_types(arg) for arg in typing.get_args(annotation)]
        return None if any(p is None for p in parts) else tuple(t for p in parts for t in p)
    if annotation is type(None):
        return (type(None),)
    if annotation in (bool, int, str):
        return (annotation,)
    if annotation is float:
        return (int, float)
    if annotation in (date, datetime):
        return (str, annotation)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return (str, annotation)
    if annotation is list or origin is list:
        return (list,)
    return None


def _describe(accepted: tuple[type, ...]) -> str:
    names = dict.fromkeys(_JSON_NAMES.get(t, "a string") for t in accepted)
    return " or ".join(names)


class StrictInput(SQLModel):
    """Mixin for Create/Update schemas: each field's JSON type must match exactly."""

    @field_validator("*", mode="before")
    @classmethod
    def _exact_json_type(cls, value, info: ValidationInfo):
        accepted = accepted_types(cls.model_fields[info.field_name].annotation)
        if accepted is None:
            return value
        # bool is an int subclass in Python, but true is not an integer in JSON
        mismatched = isinstance(value, bool) and bool not in accepted
        if mismatched or not isinstance(value, accepted):
            raise ValueError(f"expected {_describe(accepted)}, got {type(value).__name__}")
        if type(value) is int and not INT_MIN <= value <= INT_MAX:
            raise ValueError(f"{value} is outside the integer range {INT_MIN}..{INT_MAX}")
        return value
