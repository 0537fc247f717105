"""The ``platsa`` command line: a light entry whose commands load when they are used.

``platsa --help`` and every ``platsa <command> --help`` import only typer and the one
module that defines the command asked for; the engine, scikit-learn, OR-Tools, SciPy and
matplotlib load inside the commands that use them. This matters twice: a script calling
the CLI pays the start-up on every call, and every ``platsa serve --workers N`` worker
re-imports this module (multiprocessing's spawn) before it can answer uvicorn's health
check.

How to add a command without making ``--help`` heavy:

1. Define it in a module of its own (``api/cli_<area>.py``): a plain function for one
   command, or a ``typer.Typer`` for a group (``platsa history import``). Import heavy
   things (``matcher``, ``models``, ``api.app``, numpy...) inside the function bodies,
   never at the module's top; typer and the standard library are fine at the top.
2. Add one line to :data:`COMMANDS` below: the name, ``"module:attribute"`` and the
   one-line help shown by ``platsa --help`` (tests/test_cli.py checks that it matches the
   command's own help and that ``--help`` stays free of the heavy libraries).
"""

from __future__ import annotations

import importlib
from typing import NamedTuple

import click
import typer
from typer.core import TyperGroup


class Lazy(NamedTuple):
    """A command known by name and help text, imported from ``target`` when it is used."""

    target: str  # "module:attribute": a function (one command) or a typer.Typer (a group)
    help: str


COMMANDS: dict[str, Lazy] = {
    "serve": Lazy("api.cli_serve:serve", "Migrate the database, load the demo if empty, serve."),
    "db": Lazy("api.cli_db:db_app", "Database migrations."),
    "standing-plan": Lazy(
        "api.cli_standing_plan:standing_plan",
        "Solve the standing plan (the source of scarcity prices) if due; print the newest.",
    ),
    "demo": Lazy("api.cli_db:demo_app", "The synthetic demo municipality."),
    "users": Lazy("api.cli_users:users_app", "Users and their bearer tokens."),
    "replay": Lazy(
        "api.cli_evaluation:replay",
        "Replay the logged decisions of a window, as of each decision's moment.",
    ),
    "calibrate": Lazy(
        "api.cli_evaluation:calibrate",
        "Fit only the hand policy's intercept and scale to logged outcomes; register it.",
    ),
    "train": Lazy(
        "api.cli_evaluation:train",
        "Train a candidate model with a time cut, compare it with the scorer in use, register it.",
    ),
    "models": Lazy("api.cli_evaluation:models_app", "The learned-model registry."),
    "history": Lazy(
        "api.cli_evaluation:history_app",
        "The municipality's past decisions: import them from a file, export them to one.",
    ),
    "units": Lazy("api.cli_units:units_app", "Units (caseworkers' teams that own participants)."),
    "retention": Lazy(
        "api.cli_accountability:retention_app",
        "The retention policy and the job that applies it.",
    ),
    "audit": Lazy(
        "api.cli_accountability:audit_app", "The tamper-evident access and decision logs."
    ),
}


def load_command(name: str, lazy: Lazy) -> click.Command:
    """Import ``lazy.target`` and turn it into the click command called ``name``."""
    module_name, attribute = lazy.target.split(":")
    target = getattr(importlib.import_module(module_name), attribute)
    if isinstance(target, typer.Typer):
        command = typer.main.get_group(target)
    else:
        single = typer.Typer(add_completion=False)
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    _plain_help(command)
    return command


def _plain_help(command: click.Command) -> None:
    """Format help with click, as the top level does: rich costs ~0.5 s to import."""
    command.rich_markup_mode = None
    for sub in getattr(command, "commands", {}).values():
        _plain_help(sub)


class LazyGroup(TyperGroup):
    """A group that lists :data:`COMMANDS` from their help texts and imports one on use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*COMMANDS, *(name for name in self.commands if name not in COMMANDS)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.commands[cmd_name] = load_command(cmd_name, COMMANDS[cmd_name])
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name].help) for name in COMMANDS]
        rows += [(n, c.get_short_help_str()) for n, c in self.commands.items() if n not in COMMANDS]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


app = typer.Typer(
    cls=LazyGroup,
    help="Platsa: ranked, explained placement suggestions for supported employment.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # plain click help: rich would load every command to list it
)


@app.callback()
def main() -> None:
    """Platsa: ranked, explained placement suggestions for supported employment."""


if __name__ == "__main__":
    app()
