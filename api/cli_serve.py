"""``platsa serve``: migrate, load the demo into an empty database, and run uvicorn.

It also keeps the standing plan (api/standing_plan.py), the only source of the
suggestions' scarcity prices: solved once before serving (so the demo starts with it),
then checked by one background thread in this process every ``--standing-interval``
seconds, whatever the number of workers (uvicorn's workers are child processes). With
``--workers`` > 1 on Linux each worker accepts on its own SO_REUSEPORT socket, so new
connections spread over the workers (api/serve_workers.py says why and how).
"""

from __future__ import annotations

import os
from typing import Annotated

import typer


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            help="Worker processes (uvicorn); they share the per-user rate limits. On Linux "
            "each has its own SO_REUSEPORT listener, so new connections spread over them."
        ),
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
    standing_interval: Annotated[
        float,
        typer.Option(
            help="Seconds between checks whether the standing plan (scarcity prices) is due "
            "a new solve; 0 turns the background thread off (run 'platsa standing-plan')."
        ),
    ] = 10.0,
) -> None:
    """Migrate the database, load the demo if empty, serve."""
    from api.serve_workers import run
    from api.settings import get_settings
    from api.standing_plan import StandingPlanKeeper
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
    keeper = StandingPlanKeeper(engine_for(settings.database_url), interval=standing_interval)
    standing = keeper.run_once()
    if standing is not None:
        typer.echo(
            f"Standing plan solved ({standing.trigger}): {standing.n_assigned} of "
            f"{standing.n_participants} waiting participants placed; its prices price scarcity."
        )
    if standing_interval > 0:
        keeper.start()
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
    run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        timeout_worker_healthcheck=worker_timeout,
    )
