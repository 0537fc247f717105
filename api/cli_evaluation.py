"""Evaluators' commands (replay, train); registered on the main CLI."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the evaluators' commands to ``app`` (filled in by the evaluation change)."""
