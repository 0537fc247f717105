"""``platsa db upgrade`` and ``platsa demo load``."""

from __future__ import annotations

from typing import Annotated

import typer

db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
demo_app = typer.Typer(help="The synthetic demo municipality.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Bring the configured database (PLATSA_DATABASE_URL) to the newest schema."""
    from api.settings import get_settings
    from models.db import upgrade

    settings = get_settings()
    upgrade(settings.database_url, revision)
    typer.echo(f"database at {revision}: {redact(settings.database_url)}")


@demo_app.command("load")
def demo_load(
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 7,
    scale: Annotated[
        float, typer.Option(help="1 = ~400 participants; 250 = ~100,000 (benchmarks).")
    ] = 1.0,
) -> None:
    """Load the synthetic demo municipality into an empty database (migrating it first)."""
    from api.settings import get_settings
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


def redact(url: str) -> str:
    """The URL without its credentials, for printing."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
