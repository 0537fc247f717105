"""The ``platsa`` command line: serve, migrate, load the demo, create users."""

from __future__ import annotations

import secrets
from typing import Annotated

import typer

from api.cli_evaluation import register as register_evaluation
from api.settings import get_settings
from models.org import Role

app = typer.Typer(
    help="Platsa: ranked, explained placement suggestions for supported employment.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
demo_app = typer.Typer(help="The synthetic demo municipality.", no_args_is_help=True)
users_app = typer.Typer(help="Users and their bearer tokens.", no_args_is_help=True)
units_app = typer.Typer(
    help="Units (caseworkers' teams that own participants).", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(users_app, name="users")
app.add_typer(units_app, name="units")
register_evaluation(app)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (uvicorn).")] = 1,
    demo: Annotated[
        bool, typer.Option(help="Load the demo municipality when the database is empty.")
    ] = True,
) -> None:
    """Migrate the database, load the demo municipality if it is empty, and serve the API."""
    import uvicorn

    from fixtures.loader import database_is_empty, demo_password, demo_users, load_demo
    from models.db import engine_for, transaction, upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    engine = engine_for(settings.database_url)
    with transaction(engine) as session:
        empty = database_is_empty(session)
    if empty and demo:
        typer.echo("Empty database: loading the demo municipality (synthetic data)...")
        with transaction(engine) as session:
            summary = load_demo(session, seed=settings.demo_seed)
        typer.echo(summary.describe())
    with transaction(engine) as session:
        users = demo_users(session)
    typer.echo(f"\nPlatsa at http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    if users:
        typer.echo(
            f"Demo sign-in (synthetic data only): pages at http://{host}:{port}/ with the "
            "username and password; the API with 'Authorization: Bearer <token>'"
        )
        typer.echo(f"  {'role':<12} {'username':<20} {'password':<25} token")
        for role, username, token in users:
            typer.echo(f"  {role:<12} {username:<20} {demo_password(username):<25} {token}")
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers)


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Bring the configured database (PLATSA_DATABASE_URL) to the newest schema."""
    from models.db import upgrade

    settings = get_settings()
    upgrade(settings.database_url, revision)
    typer.echo(f"database at {revision}: {_redact(settings.database_url)}")


@demo_app.command("load")
def demo_load(
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 7,
    scale: Annotated[
        float, typer.Option(help="1 = ~400 participants; 250 = ~100,000 (benchmarks).")
    ] = 1.0,
) -> None:
    """Load the synthetic demo municipality into an empty database (migrating it first)."""
    from fixtures.loader import database_is_empty, load_demo
    from models.db import engine_for, transaction, upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    with transaction(engine_for(settings.database_url)) as session:
        if not database_is_empty(session):
            typer.echo(
                "The database already holds data; load the demo into an empty one.", err=True
            )
            raise typer.Exit(code=1)
        summary = load_demo(session, seed=seed, scale=scale)
    typer.echo(summary.describe())


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Argument(help="Login name, unique.")],
    role: Annotated[Role, typer.Option(help="What the user may do.")],
    unit: Annotated[str | None, typer.Option(help="Unit code (required for caseworkers).")] = None,
    service: Annotated[
        bool, typer.Option(help="A service account (can never accept a placement).")
    ] = False,
) -> None:
    """Create a user and print their bearer token once (only its hash is stored)."""
    from models.db import engine_for, transaction, upgrade
    from models.users import create_user

    settings = get_settings()
    upgrade(settings.database_url)
    token = secrets.token_urlsafe(32)
    with transaction(engine_for(settings.database_url)) as session:
        try:
            create_user(session, username, role, unit_code=unit, token=token, is_person=not service)
        except ValueError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(code=2) from error
    typer.echo(f"created {role.value} {username!r}; token (shown once):\n{token}")


@units_app.command("create")
def units_create(
    code: Annotated[str, typer.Argument(help="Short unique code, e.g. AME-03.")],
    name: Annotated[str, typer.Argument(help="The unit's name.")],
) -> None:
    """Create a unit (the same rule as POST /api/v1/units: the code must be new)."""
    from pydantic import ValidationError

    from api.errors import PlatsaError
    from api.routers.units import UnitCreateBody, create
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


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


if __name__ == "__main__":
    app()
