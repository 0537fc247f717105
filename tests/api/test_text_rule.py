"""The text rule, generated from the OpenAPI document: NUL and other control characters in
every string parameter and every string body field of every operation answer 422 naming
that field, never 500, as a role the operation admits. A new route or field is covered
the moment it appears in the document."""

from __future__ import annotations

import re
from functools import cache
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from api.deps import ROLES_KEY
from models.db import make_engine
from models.strict_input import PROSE_PATTERN, text_problem
from tests.api.world import World, seed_world
from tests.apps import app_for
from tests.database import migrate

#: the app on the process's shared routes (tests.apps); its database is seeded on first use
_engine = make_engine("sqlite://", poolclass=StaticPool)
APP = app_for(engine=_engine)
DOCUMENT = APP.openapi()
CLIENT = TestClient(APP, raise_server_exceptions=False)


@cache
def world() -> World:
    """The seeded world on the migrated schema, built when the first test runs (not at import)."""
    migrate(_engine)
    with Session(_engine, expire_on_commit=False) as session:
        return seed_world(session)


#: NUL (PostgreSQL cannot store it), ESC (a C0 control), NEL (a C1 control), DEL
BAD = ["\x00", "\x1b", "\x85", "\x7f"]
#: and a line break, refused everywhere but in prose
LINE_BREAK = "\n"


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = DOCUMENT["components"]["schemas"][name]
    return schema


def _alternatives(schema: dict) -> list[dict]:
    schema = _resolve(schema)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return [alt for part in schema[key] for alt in _alternatives(part)]
    return [schema]


def _string_leaves(schema: dict, path: tuple = (), depth: int = 0):
    """(path, schema) of every string a body may hold; a list index is written as 0."""
    for alt in _alternatives(schema):
        if alt.get("type") == "string":
            yield path, alt
        elif alt.get("type") == "array" and depth < 4:
            yield from _string_leaves(alt.get("items", {}), (*path, 0), depth + 1)
        elif alt.get("type") == "object" and depth < 4:
            for name, child in alt.get("properties", {}).items():
                yield from _string_leaves(child, (*path, name), depth + 1)


def _nest(path: tuple, value):
    for part in reversed(path):
        value = [value] if part == 0 else {part: value}
    return value


def _who(operation: dict) -> str:
    admitted = operation.get(ROLES_KEY, ["admin"])
    return "admin" if "admin" in admitted else admitted[0]


def _cases():
    """(operation id, method, url template, where, name, json path, schema) to send."""
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            op = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                for alt in _alternatives(parameter["schema"]):
                    if alt.get("type") == "string":
                        yield op, method, path, parameter["in"], parameter["name"], (), alt
                        break
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                for leaf, alt in _string_leaves(content["application/json"]["schema"]):
                    yield op, method, path, "body", leaf[0] if leaf else "", leaf, alt


CASES = list(_cases())


def _url(template: str, override: tuple[str, str] | None = None) -> str:
    def fill(match):
        name = match.group(1)
        if override and override[0] == name:
            return quote(override[1], safe="")
        return str(world().placement if "placement" in name else 1)

    return re.sub(r"\{([^}]+)\}", fill, template)


def _send(case, bad: str):
    op, method, template, where, name, leaf, _ = case
    operation = DOCUMENT["paths"][template][method]
    headers = world().headers(_who(operation))
    value = f"a{bad}b"
    kwargs: dict = {}
    url = _url(template, (name, value) if where == "path" else None)
    if where == "query":
        kwargs["params"] = {name: value}
    elif where == "header":
        headers = {**headers, name: value}
    elif where == "body":
        kwargs["json"] = _nest(leaf, value)
    return CLIENT.request(method.upper(), url, headers=headers, **kwargs)


def test_the_document_has_string_inputs_to_probe():
    wheres = {case[3] for case in CASES}
    assert {"query", "path", "body"} <= wheres
    assert len(CASES) > 40


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{c[0]} {c[3]}:{'.'.join(map(str, c[5])) or c[4]}" for c in CASES]
)
def test_control_characters_in_any_string_input_answer_422_naming_it(case):
    *_, where, name, leaf, schema = case
    prose = schema.get("pattern") == PROSE_PATTERN
    for bad in BAD + ([] if prose else [LINE_BREAK]):
        if where == "header" and bad in ("\x00", "\n", "\x7f", "\x85"):
            continue  # a client library refuses to send these in a header at all
        answer = _send(case, bad)
        assert answer.status_code == 422, (repr(bad), answer.status_code, answer.text[:300])
        problem = answer.json()
        named = [
            [str(p).lower() for p in e["loc"]] if where == "header" else e["loc"]
            for e in problem["errors"]
            if e["loc"][:1] == [where]
        ]
        # a body error names the field; a nested position is in its message
        expected = (
            list(leaf[:1]) if where == "body" else [name.lower() if where == "header" else name]
        )
        assert any(loc[1 : 1 + len(expected)] == expected for loc in named), (
            repr(bad),
            expected,
            problem["errors"],
        )


def test_prose_keeps_line_breaks_and_tabs():
    body = {"reason_code": "participant_declined", "reason": "Line one.\r\n\tLine two."}
    answer = CLIENT.post(
        "/api/v1/matches/999/withdraw", json=body, headers=world().headers("caseworker")
    )
    assert answer.status_code == 404  # the text passed; the match does not exist


@given(st.text())
def test_text_problem_refuses_exactly_the_control_characters(value):
    controls = [c for c in value if ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F]
    assert (text_problem(value) is None) == (not controls)
    assert (text_problem(value, prose=True) is None) == (
        not [c for c in controls if c not in "\t\n\r"]
    )


@pytest.mark.parametrize("bad", BAD)
def test_control_characters_in_a_csv_concept_import_answer_422(bad):
    csv = f"id,label_sv,broader_id,kind\ncomp-x,a{bad}b,,competence\n"
    answer = CLIENT.post(
        "/api/v1/concepts/import",
        content=csv.encode(),
        headers={**world().headers("admin"), "Content-Type": "text/csv"},
    )
    assert answer.status_code == 422, answer.text[:300]
    assert "label_sv" in {str(part) for e in answer.json()["errors"] for part in e["loc"]}
