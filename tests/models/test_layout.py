"""models/ follows one naming rule: tables and schemas in ``<thing>.py``, queries in
``repo_<domain>.py``. A module that builds or runs SQL must be a repository, ``db.py``, or
one of the modules listed below that still hold both (to be split); a repository
declares no table. A new module that mixes the two fails here."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.api.test_layers import sql_uses

MODELS = Path(__file__).resolve().parents[2] / "models"
SQL_ALLOWED = {"db.py"}
#: table modules that still carry their own queries; each should move to repo_<domain>.py
NOT_YET_SPLIT = {
    "audit_chain.py", "catalog_state.py", "data_rights.py", "history.py",
    "history_import.py", "oversight.py", "plans.py", "quotas.py", "registry.py",
    "retention.py", "web_auth.py",
}  # fmt: skip


def _modules() -> list[Path]:
    return sorted(p for p in MODELS.glob("*.py") if p.name != "__init__.py")


def _declares_a_table(source: str) -> bool:
    return any(
        isinstance(node, ast.ClassDef) and any(k.arg == "table" for k in node.keywords)
        for node in ast.walk(ast.parse(source))
    )


def test_only_repositories_issue_sql():
    allowed = SQL_ALLOWED | NOT_YET_SPLIT
    offenders = [
        f"{path.name}:{use}"
        for path in _modules()
        if not path.name.startswith("repo_") and path.name not in allowed
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


def test_the_not_yet_split_list_names_only_modules_that_still_mix():
    still_mixing = {p.name for p in _modules() if sql_uses(p.read_text())}
    assert still_mixing >= NOT_YET_SPLIT
