"""models/ follows one naming rule: tables and schemas in ``<thing>.py``, queries in
``repo_<domain>.py``. A module that builds or runs SQL must be a repository or ``db.py``;
a repository declares no table. A new module that mixes the two fails here."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.api.test_layers import sql_uses

MODELS = Path(__file__).resolve().parents[2] / "models"
SQL_ALLOWED = {"db.py"}


def _modules() -> list[Path]:
    return sorted(p for p in MODELS.glob("*.py") if p.name != "__init__.py")


def _declares_a_table(source: str) -> bool:
    return any(
        isinstance(node, ast.ClassDef) and any(k.arg == "table" for k in node.keywords)
        for node in ast.walk(ast.parse(source))
    )


def test_only_repositories_issue_sql():
    offenders = [
        f"{path.name}:{use}"
        for path in _modules()
        if not path.name.startswith("repo_") and path.name not in SQL_ALLOWED
        for use in sql_uses(path.read_text())
    ]
    assert offenders == []


def test_repositories_declare_no_tables():
    mixed = [
        p.name
        for p in _modules()
        if p.name.startswith("repo_") and _declares_a_table(p.read_text())
    ]
    assert mixed == []
