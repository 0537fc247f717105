"""Routers and services issue no SQL: every query is a repository function in models/.

Like tests/matcher/test_purity.py, a source check: a router or a service that imports a
statement builder (``select``, ``text``, ``update``...) or calls ``session.get``,
``session.execute``, ``session.exec`` (or ``session.scalar(s)``, ``session.query``) fails.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

API = Path(__file__).resolve().parents[2] / "api"
LAYERS = [API / "routers", API / "services"]
SQL_PACKAGES = ("sqlmodel", "sqlalchemy")
BUILDERS = {"select", "text", "update", "insert", "delete", "func", "col", "and_", "or_"}
SESSION_CALLS = {"get", "execute", "exec", "scalar", "scalars", "query"}


def sql_uses(source: str) -> list[str]:
    """Each place in ``source`` that builds or runs SQL, as ``line: what``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in SQL_PACKAGES:
            found += [
                (node.lineno, node.col_offset, f"imports {alias.name}")
                for alias in node.names
                if alias.name in BUILDERS
            ]
        elif isinstance(node, ast.Call):
            called = node.func
            if isinstance(called, ast.Name) and called.id in {"select", "text"}:
                found.append((node.lineno, node.col_offset, f"{called.id}(...)"))
            elif (
                isinstance(called, ast.Attribute)
                and called.attr in SESSION_CALLS
                and isinstance(called.value, ast.Name)
                and called.value.id in {"session", "connection"}
            ):
                what = f"{called.value.id}.{called.attr}(...)"
                found.append((node.lineno, node.col_offset, what))
    return [f"{line}: {what}" for line, _, what in sorted(found)]


def test_the_check_sees_each_kind_of_sql():
    source = (
        "from sqlmodel import select\n"
        "from sqlalchemy import text\n"
        "def f(session):\n"
        "    session.get(A, 1)\n"
        "    session.execute(text('SELECT 1'))\n"
        "    session.exec(select(A))\n"
        "    session.add(A())\n"
    )
    assert [use.split(": ")[1] for use in sql_uses(source)] == [
        "imports select",
        "imports text",
        "session.get(...)",
        "session.execute(...)",
        "text(...)",
        "session.exec(...)",
        "select(...)",
    ]


@pytest.mark.parametrize("layer", LAYERS, ids=lambda p: p.name)
def test_no_router_or_service_issues_sql(layer: Path):
    offenders = [
        f"{path.relative_to(API.parent)}:{use}"
        for path in sorted(layer.rglob("*.py"))
        for use in sql_uses(path.read_text())
    ]
    assert offenders == []


def test_no_service_takes_the_http_request():
    """Services take the access log's ``Where``; only routers (and pages) see the request."""
    offenders = [
        f"{path.relative_to(API.parent)}:{node.lineno}"
        for path in sorted((API / "services").rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom)
        and (node.module or "").split(".")[0] in {"fastapi", "starlette"}
        and any(alias.name == "Request" for alias in node.names)
    ]
    assert offenders == []
