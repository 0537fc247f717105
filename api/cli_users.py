"""``platsa users create``: a user and their bearer token, printed once."""

from __future__ import annotations

import secrets
from enum import StrEnum
from typing import Annotated

import typer

users_app = typer.Typer(help="Users and their bearer tokens.", no_args_is_help=True)


class RoleName(StrEnum):
    """models.org.Role's values, spelt out so that --help does not load the tables
    (tests/test_cli.py checks that the two agree)."""

    caseworker = "caseworker"
    coordinator = "coordinator"
    evaluator = "evaluator"
    admin = "admin"


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Argument(help="Login name, unique.")],
    role: Annotated[RoleName, typer.Option(help="What the user may do.")],
    unit: Annotated[str | None, typer.Option(help="Unit code (required for caseworkers).")] = None,
    service: Annotated[
        bool, typer.Option(help="A service account (can never accept a placement).")
    ] = False,
) -> None:
    """Create a user and print their bearer token once (only its hash is stored)."""
    from api.settings import get_settings
    from models.db import engine_for, transaction, upgrade
    from models.org import Role
    from models.repo_users import create_user

    settings = get_settings()
    upgrade(settings.database_url)
    token = secrets.token_urlsafe(32)
    with transaction(engine_for(settings.database_url)) as session:
        try:
            create_user(
                session,
                username,
                Role(role.value),
                unit_code=unit,
                token=token,
                is_person=not service,
            )
        except ValueError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(code=2) from error
    typer.echo(f"created {role.value} {username!r}; token (shown once):\n{token}")


@users_app.command("grant")
def users_grant(
    username: Annotated[str, typer.Argument(help="The user who gets the right.")],
    grant: Annotated[str, typer.Argument(help="history_import: an evaluator may import history.")],
    by: Annotated[str, typer.Option(help="The admin giving it (recorded).")],
    revoke: Annotated[bool, typer.Option(help="Take the right away instead.")] = False,
) -> None:
    """Give a user a right beyond their role (or take it away with --revoke)."""
    from api.settings import get_settings
    from models.db import engine_for, transaction, upgrade
    from models.org import Role
    from models.repo_history_import import give_grant, revoke_grant, user_by_name

    settings = get_settings()
    upgrade(settings.database_url)
    with transaction(engine_for(settings.database_url)) as session:
        admin, user = user_by_name(session, by), user_by_name(session, username)
        if admin is None or admin.role is not Role.admin:
            raise typer.BadParameter(f"{by!r} is not an admin; only admins give rights")
        if user is None:
            raise typer.BadParameter(f"no user {username!r}")
        try:
            if revoke:
                changed = revoke_grant(session, user, grant)
            else:
                changed = give_grant(session, user, grant, by=admin.id)
        except ValueError as error:
            raise typer.BadParameter(str(error)) from error
    if not changed:
        typer.echo(f"nothing to do: {username} {'lacks' if revoke else 'holds'} {grant}")
    elif revoke:
        typer.echo(f"took {grant} from {username}")
    else:
        typer.echo(f"gave {grant} to {username}")
