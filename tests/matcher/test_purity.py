"""matcher/ stays pure: no database, web or models import, at import time or in source.

And the engine never reads the demo generator's truth (fixtures.process holds the true
success model): no matcher module imports ``fixtures``, and neither do the API modules
that build the engine's inputs and scorers.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

FORBIDDEN = ("sqlmodel", "fastapi", "sqlalchemy", "models", "api", "starlette", "fixtures")
ENGINE_MODULES = (
    "api.catalog_cache",
    "api.planning",
    "api.services.evaluation",
    "api.routers.suggestions",
)
MATCHER = Path(__file__).resolve().parents[2] / "matcher"


def _top_level(name: str | None) -> str:
    return (name or "").split(".")[0]


def test_no_matcher_source_file_imports_a_forbidden_package():
    offenders = []
    for path in sorted(MATCHER.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            offenders += [f"{path.name}: {n}" for n in names if _top_level(n) in FORBIDDEN]
    assert offenders == []


def test_importing_every_matcher_module_loads_no_forbidden_package():
    # A fresh interpreter: this test process has already imported sqlmodel via conftest.
    code = (
        "import importlib, pkgutil, sys, matcher\n"
        "for m in pkgutil.walk_packages(matcher.__path__, 'matcher.'):\n"
        "    importlib.import_module(m.name)\n"
        f"bad = sorted({{n.split('.')[0] for n in sys.modules}} & set({FORBIDDEN!r}))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=MATCHER.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == ""


def test_the_api_engine_modules_never_load_the_demo_generator():
    code = (
        "import importlib, sys\n"
        f"for name in {ENGINE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "print(','.join(sorted(n for n in sys.modules if n.split('.')[0] == 'fixtures')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=MATCHER.parent, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
