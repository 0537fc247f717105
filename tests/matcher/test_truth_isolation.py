"""The engine never reads the demo generator's truth (issue #10).

The truth is the generator's true success model and its draws: ``fixtures.process``
(coefficients, ``success_logit``), ``fixtures.generator`` and the modules it runs
(``fixtures.history``, ``fixtures.lists``, ``fixtures.population``) and the
``DemoMunicipality.truth`` record (``fixtures.records.GenerativeTruth``). Only
bench/quality.py may read it, to score the engine's choices.

An AST scan of every source file of the engine (matcher/, api/, models/): no import of a
truth module, no name of the truth's parts, no ``.truth`` attribute. The one fixtures
module the engine may import is ``fixtures.loader`` (the CLI writes the demo into a
database with it). The loader has to run the generator, so it is scanned for reads only:
it writes the records and never touches ``.truth``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE_PACKAGES = ("matcher", "api", "models")
TRUTH_MODULES = (
    "fixtures.process",
    "fixtures.generator",
    "fixtures.history",
    "fixtures.lists",
    "fixtures.population",
)
ALLOWED_FIXTURES = ("fixtures.loader",)
TRUTH_NAMES = frozenset(
    {"GenerativeTruth", "SuccessModel", "success_logit", "participant_latent", "truth"}
)


def _imported(node: ast.AST) -> list[str]:
    """Module names an import statement brings in (``from a import b`` gives a and a.b)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return []


def truth_uses(source: str, *, filename: str = "<source>", imports: bool = True) -> list[str]:
    """Every place ``source`` imports a truth module (``imports``) or names a part of the
    truth."""
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        for module in _imported(node) if imports else ():
            parts = module.split(".")
            fixture = parts[0] == "fixtures" and ".".join(parts[:2]) not in ALLOWED_FIXTURES
            if fixture or parts[-1] in TRUTH_NAMES:
                found.append(f"line {node.lineno}: imports {module}")
        if isinstance(node, ast.Attribute) and node.attr in TRUTH_NAMES:
            found.append(f"line {node.lineno}: reads .{node.attr}")
        if isinstance(node, ast.Name) and node.id in TRUTH_NAMES:
            found.append(f"line {node.lineno}: names {node.id}")
    return found


LOADER = ROOT / "fixtures" / "loader.py"


def _engine_files() -> list[Path]:
    return [p for package in ENGINE_PACKAGES for p in sorted((ROOT / package).rglob("*.py"))]


def test_no_engine_source_imports_or_reads_the_truth():
    offenders = []
    for path in _engine_files():
        for use in truth_uses(path.read_text(), filename=str(path)):
            offenders.append(f"{path.relative_to(ROOT)} {use}")
    assert offenders == []


def test_the_demo_loader_never_reads_the_truth():
    assert truth_uses(LOADER.read_text(), filename=str(LOADER), imports=False) == []


def test_the_scan_covers_every_engine_package():
    scanned = {p.relative_to(ROOT).parts[0] for p in _engine_files()}
    assert scanned == set(ENGINE_PACKAGES)
    assert len(_engine_files()) > 100


def test_the_scan_finds_each_way_of_reaching_the_truth():
    """The scanner itself: each of these would leak the truth into the engine."""
    leaks = [
        "import fixtures.process",
        "from fixtures.process import success_logit",
        "from fixtures import generator",
        "from fixtures.generator import generate",
        "from fixtures.records import GenerativeTruth",
        "def f(demo):\n    return demo.truth.process",
        "from fixtures.history import Simulation",
    ]
    for source in leaks:
        assert truth_uses(source), source


def test_the_scan_lets_the_demo_loader_and_lookalike_names_through():
    allowed = [
        "from fixtures.loader import load_demo",
        "department_effect_ = {}",  # the learned model's own, fitted effects
        "truthful = True",
        "from matcher.learned import LearnedScorer",
    ]
    for source in allowed:
        assert truth_uses(source) == [], source
