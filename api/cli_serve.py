"""``platsa serve``: migrate, load the demo into an empty database, and run uvicorn."""

from __future__ import annotations

import os
from typing import Annotated

import typer


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option(help="Worker processes (uvicorn); they share the per-user rate limits.")
    ] = 1,
    demo: Annotated[
        bool, typer.Option(help="Load the demo municipality when the database is empty.")
    ] = True,
    worker_timeout: Annotated[
        int,
        typer.Option(
            help="Seconds a worker may take to answer the supervisor's health check before "
            "it is replaced (with --workers > 1; raise it on a very busy host)."
        ),
    ] = 30,
) -> None:
    """Migrate the database, load the demo if empty, serve."""
    import uvicorn

    from api.settings import get_settings
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
    engine.dispose()  # the workers open their own connections
    typer.echo(f"\nPlatsa at http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    if users:
        typer.echo(
            f"Demo sign-in (synthetic data only): pages at http://{host}:{port}/ with the "
            "username and password; the API with 'Authorization: Bearer <token>'"
        )
        typer.echo(f"  {'role':<12} {'username':<20} {'password':<25} token")
        for role, username, token in users:
            typer.echo(f"  {role:<12} {username:<20} {demo_password(username):<25} {token}")
    os.environ["PLATSA_WORKERS"] = str(workers)  # each worker takes 1/N of the rate limits
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        timeout_worker_healthcheck=worker_timeout,
    )
