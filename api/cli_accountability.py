"""Accountability commands: ``platsa retention ...`` and ``platsa audit ...``.

Heavy modules are imported inside the commands, so ``import api.cli`` stays light.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

retention_app = typer.Typer(
    help="The retention policy and the job that applies it.", no_args_is_help=True
)
audit_app = typer.Typer(help="The tamper-evident access and decision logs.", no_args_is_help=True)


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise typer.BadParameter(f"{value!r} is not an ISO date or time") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _transaction():
    from api.settings import get_settings
    from models.db import engine_for, transaction, upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    return transaction(engine_for(settings.database_url))


@retention_app.command("run")
def retention_run(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would be done; change nothing.")
    ] = False,
    now: Annotated[
        str | None, typer.Option(help="Apply the rules as of this moment (ISO); default now.")
    ] = None,
) -> None:
    """Pseudonymise or delete what has expired; a participant under a legal hold is kept."""
    from api.services.retention import run_retention
    from models.clock import SYSTEM_CLOCK, FrozenClock

    moment = _moment(now)
    clock = SYSTEM_CLOCK if moment is None else FrozenClock(moment)
    with _transaction() as session:
        report = run_retention(session, clock=clock, dry_run=dry_run)
        if dry_run:
            session.rollback()
    typer.echo(report.describe())


@retention_app.command("rules")
def retention_rules() -> None:
    """List the retention rules in force (kind, days after the case closes, action)."""
    from models.repo_retention import retention_rules as rules_in_force

    with _transaction() as session:
        for rule in rules_in_force(session).values():
            typer.echo(f"{rule.kind.value:<12} {rule.days:>5} days  {rule.action:<12} {rule.note}")


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the access log's and the match event log's hash chains; report the first broken
    link of each (exit code 1 when one is broken)."""
    from models.audit import AccessLog
    from models.match import MatchEvent
    from models.repo_audit_chain import verify_chain

    broken = False
    with _transaction() as session:
        for model in (AccessLog, MatchEvent):
            checked, link = verify_chain(session, model)
            name = model.__tablename__
            if link is None:
                typer.echo(f"{name}: {checked} rows, chain intact")
            else:
                broken = True
                typer.echo(f"{link.describe()} (after {checked} intact rows)")
    if broken:
        raise typer.Exit(code=1)
