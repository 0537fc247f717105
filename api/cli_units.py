"""``platsa units create``: a unit, by the same rule as ``POST /api/v1/units``."""

from __future__ import annotations

from typing import Annotated

import typer

units_app = typer.Typer(
    help="Units (caseworkers' teams that own participants).", no_args_is_help=True
)


@units_app.command("create")
def units_create(
    code: Annotated[str, typer.Argument(help="Short unique code, e.g. AME-03.")],
    name: Annotated[str, typer.Argument(help="The unit's name.")],
) -> None:
    """Create a unit (the same rule as POST /api/v1/units: the code must be new)."""
    from pydantic import ValidationError

    from api.errors import PlatsaError
    from api.routers.units import UnitCreateBody, create
    from api.settings import get_settings
    from models.db import engine_for, transaction, upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    try:
        body = UnitCreateBody(code=code, name=name)
        with transaction(engine_for(settings.database_url)) as session:
            unit = create(session, body)
            created = (unit.id, unit.code)
    except (ValidationError, PlatsaError) as error:
        typer.echo(f"error: {getattr(error, 'detail', error)}", err=True)
        raise typer.Exit(code=2) from error
    typer.echo(f"created unit {created[1]!r} (id {created[0]})")
