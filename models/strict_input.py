"""Request input: JSON values as the OpenAPI document types them, and one rule for text.

Text: every string a client sends (body fields at any depth, query and path parameters,
the headers we read) is refused with 422 naming the field when it holds a control
character (Unicode category Cc: U+0000-U+001F, U+007F-U+009F) or a lone surrogate.
PostgreSQL cannot store NUL at all, the others are invisible in every screen and log, and
none is ever part of a name, code or search term. The one exception is free text meant
to be read as prose (:data:`Prose`: the reasons given for decisions and outcomes), which
may hold line breaks and tabs (``\n``, ``\r``, ``\t``) because people type them.
Request schemas that mix in :class:`StrictInput` apply the rule to every string field
(a field annotated :data:`Prose` gets the prose rule); other schemas annotate theirs with
:data:`Text` or :data:`Prose`; ``api.guards.refuse_control_characters`` applies it to
query and path parameters; :func:`declare_text_rule` writes it into the OpenAPI document.

Types:

Pydantic's lax mode would store ``true`` sent for an integer as 1, ``"5"`` as 5, ``0`` for a
boolean as false, and a number for a date as a Unix time: a client bug would pass as data.
A request schema that mixes in :class:`StrictInput` rejects those with 422 naming the field,
and integers beyond the database's 32-bit range too.
Python callers may still pass ``date``/``datetime`` objects and enum members.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any

from pydantic import AfterValidator, Field, ValidationInfo, field_validator
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


#: what no string may hold; prose may hold \t \n \r
_LINE_FORBIDDEN = "\x00-\x1f\x7f-\x9f\ud800-\udfff"
_PROSE_FORBIDDEN = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
_LINE = re.compile(f"[{_LINE_FORBIDDEN}]")
_PROSE = re.compile(f"[{_PROSE_FORBIDDEN}]")
#: the same rules as JSON Schema patterns (surrogates cannot be written in one)
LINE_PATTERN = "^[^\\x00-\\x1f\\x7f-\\x9f]*$"
PROSE_PATTERN = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"


def text_problem(value: str, *, prose: bool = False) -> str | None:
    """Why ``value`` is refused as text (None when it is fine)."""
    found = (_PROSE if prose else _LINE).search(value)
    if found is None:
        return None
    char = found.group()
    what = "a lone surrogate" if "\ud800" <= char <= "\udfff" else "a control character"
    allowed = "; only line breaks and tabs are allowed" if prose else ""
    return f"{what} (U+{ord(char):04X}) at position {found.start()} is not allowed{allowed}"


def _checked(prose: bool):
    def check(value: str) -> str:
        problem = text_problem(value, prose=prose)
        if problem is not None:
            raise ValueError(problem)
        return value

    return check


_check_line, _check_prose = _checked(False), _checked(True)
#: one line of text: names, codes, titles, ids, search terms
Text = Annotated[
    str, AfterValidator(_check_line), Field(json_schema_extra={"pattern": LINE_PATTERN})
]
#: free text people write (reasons): line breaks and tabs allowed
Prose = Annotated[
    str, AfterValidator(_check_prose), Field(json_schema_extra={"pattern": PROSE_PATTERN})
]


def _strings_in(value: Any, loc: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Every string inside a decoded JSON value, with where it sits."""
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings_in(item, (*loc, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings_in(key, (*loc, key))
            yield from _strings_in(item, (*loc, key))


def text_errors(values: Mapping[str, Any], where: str) -> list[dict[str, Any]]:
    """422 error entries (``loc``, ``msg``, ``type``) for the refused strings in ``values``."""
    return [
        {"loc": [where, name, *loc], "msg": problem, "type": "string_control_character"}
        for name, value in values.items()
        for loc, text in _strings_in(value)
        if (problem := text_problem(text)) is not None
    ]


def _is_prose(field) -> bool:
    return any(getattr(m, "func", None) is _check_prose for m in field.metadata)


def declare_text_rule(document: dict[str, Any]) -> dict[str, Any]:
    """Write the text rule into an OpenAPI document: every string a request may carry (in
    parameters and request bodies, through the schemas they refer to) without a format,
    enum or pattern of its own gets :data:`LINE_PATTERN`. Responses are left as they are
    (a problem's ``instance`` echoes the path that was refused). Returns the document."""
    components = document.get("components", {}).get("schemas", {})
    seen: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/components/schemas/") and ref not in seen:
                seen.add(ref)
                visit(components.get(ref.rsplit("/", 1)[1], {}))
            kind = node.get("type")
            if kind == "string" and not {"format", "enum", "pattern", "const"} & set(node):
                node["pattern"] = LINE_PATTERN
            for child in node.values():
                visit(child)
        elif isinstance(node, list):
            for child in node:
                visit(child)

    for item in document.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict):
                visit(operation.get("parameters", []))
                visit(operation.get("requestBody", {}))
    return document


def _describe(accepted: tuple[type, ...]) -> str:
    names = dict.fromkeys(_JSON_NAMES.get(t, "a string") for t in accepted)
    return " or ".join(names)


class StrictInput(SQLModel):
    """Mixin for Create/Update schemas: each field's JSON type must match exactly, and no
    string in it (at any depth) may break the text rule."""

    @field_validator("*", mode="before")
    @classmethod
    def _exact_json_type(cls, value, info: ValidationInfo):
        field = cls.model_fields[info.field_name]
        prose = _is_prose(field)
        for loc, text in _strings_in(value):
            problem = text_problem(text, prose=prose)
            if problem is not None:
                where = "".join(f"[{part!r}]" for part in loc)
                raise ValueError(problem if not where else f"{where}: {problem}")
        accepted = accepted_types(field.annotation)
        if accepted is None:
            return value
        # bool is an int subclass in Python, but true is not an integer in JSON
        mismatched = isinstance(value, bool) and bool not in accepted
        if mismatched or not isinstance(value, accepted):
            raise ValueError(f"expected {_describe(accepted)}, got {type(value).__name__}")
        if type(value) is int and not INT_MIN <= value <= INT_MAX:
            raise ValueError(f"{value} is outside the integer range {INT_MIN}..{INT_MAX}")
        return value
