"""``platsa standing-plan``: solve the system's standing plan now if it is due (or forced)."""

from __future__ import annotations

from typing import Annotated

import typer


def standing_plan(
    force: Annotated[
        bool, typer.Option(help="Solve even if nothing changed enough since the last one.")
    ] = False,
) -> None:
    """Solve the standing plan (the source of scarcity prices) if due; print the newest."""
    import json

    from api.settings import get_settings
    from api.standing_plan import StandingPlanKeeper
    from models.db import engine_for, transaction, upgrade
    from models.repo_standing_plan import latest_standing_plan

    settings = get_settings()
    upgrade(settings.database_url)
    engine = engine_for(settings.database_url)
    solved = StandingPlanKeeper(engine).run_once(force=force)
    with transaction(engine) as session:
        plan = latest_standing_plan(session)
    if plan is None:  # not due and none yet: another process holds the solve
        typer.echo("no standing plan yet (another process is solving it)")
        raise typer.Exit(code=1)
    state = f"solved ({plan.trigger})" if solved is not None else "unchanged (not due)"
    typer.echo(
        f"standing plan {plan.id} {state}: {plan.n_assigned} of {plan.n_participants} "
        f"waiting placed on {plan.n_placements} open placements, "
        f"{len(plan.placement_prices) + len(plan.department_prices)} non-zero prices"
    )
    figures = {
        "id": plan.id,
        "solved": solved is not None,
        "trigger": plan.trigger,
        "n_participants": plan.n_participants,
        "n_assigned": plan.n_assigned,
        "solver_seconds": round(plan.solver_seconds, 4),
    }
    typer.echo(json.dumps(figures))
