"""Evaluators' commands: ``platsa replay``, ``platsa calibrate``, ``platsa train``,
``platsa models ...``.

They run the same code as the /api/v1/evaluation routes (api.services.evaluation) against the
configured database (PLATSA_DATABASE_URL) and write the JSON for machines and the HTML
page for people. Reports are aggregates over pseudonymised extracts.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

NEWLINE = b"\n"
models_app = typer.Typer(help="The learned-model registry.", no_args_is_help=True)
history_app = typer.Typer(
    help="The municipality's past decisions: import them from a file, export them to one.",
    no_args_is_help=True,
)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from error


def _session():
    from api.settings import get_settings
    from models.db import engine_for, transaction, upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    return transaction(engine_for(settings.database_url)), settings


def _policy(settings):
    from matcher import load_policy

    return load_policy(settings.policy_path)


def _write(path: Path | None, text: str) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {path}")


@contextmanager
def _progress(enabled: bool | None):
    """A ``progress(phase, done, total)`` callback drawing one bar per phase with its ETA
    (rich, on stderr); None when disabled (by default when stderr is not a terminal)."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield None
        return
    from rich import progress as rp
    from rich.console import Console

    columns = (
        rp.TextColumn("{task.description:<40}"), rp.BarColumn(), rp.MofNCompleteColumn(),
        rp.TextColumn("elapsed"), rp.TimeElapsedColumn(), rp.TextColumn("ETA"),
        rp.TimeRemainingColumn(),
    )  # fmt: skip
    tasks: dict[str, int] = {}
    with rp.Progress(*columns, console=Console(stderr=True)) as bars:

        def report(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bars.add_task(phase, total=max(total, 1))
            bars.update(tasks[phase], completed=done, total=max(total, 1))

        yield report


def _lang(value: str) -> str:
    if value not in ("sv", "en"):
        raise typer.BadParameter(f"{value!r}: say sv or en")
    return value


def _user_id(session, username: str | None, *, must_be_admin: bool = False) -> int | None:
    from models.org import Role
    from models.repo_users import user_named

    if username is None:
        if must_be_admin:
            raise typer.BadParameter("name the admin who activates with --by")
        return None
    user = user_named(session, username)
    if user is None:
        raise typer.BadParameter(f"no user {username!r}")
    if must_be_admin and user.role != Role.admin:
        raise typer.BadParameter(f"{username!r} is not an admin; only admins activate models")
    return user.id


def replay(
    from_date: Annotated[str, typer.Option("--from", help="First decision day, YYYY-MM-DD.")],
    to_date: Annotated[str, typer.Option("--to", help="Last decision day (inclusive).")],
    scorer: Annotated[
        str, typer.Option(help="'policy' (hand weights), 'active', or a model version.")
    ] = "active",
    k: Annotated[int, typer.Option(help="List length for hit@k, NDCG@k and coverage.")] = 10,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the report here.")] = None,
    html_path: Annotated[Path | None, typer.Option("--html", help="Write the HTML here.")] = None,
    n_boot: Annotated[int, typer.Option(help="Bootstrap resamples per interval.")] = 500,
    off_policy: Annotated[
        bool, typer.Option(help="Estimate from logged propensities too (IPS, SNIPS).")
    ] = True,
    by: Annotated[str | None, typer.Option(help="Username recorded with the stored run.")] = None,
    progress: Annotated[
        bool | None, typer.Option(help="Progress bars with ETA (default: on a terminal).")
    ] = None,
    lang: Annotated[str, typer.Option(help="Language of the HTML page: sv or en.")] = "sv",
) -> None:
    """Replay the logged decisions of a window, as of each decision's moment.

    The run is stored like the API's (GET /api/v1/evaluation/replays/ID)."""
    from api.reports import replay_html
    from api.services.evaluation import UnknownScorer, run_replay, window
    from models.registry import store_replay

    start, stop = window(_day(from_date), _day(to_date))
    transaction, settings = _session()
    with transaction as session, _progress(progress) as bars:
        try:
            report = run_replay(
                session, start=start, stop=stop, scorer_name=scorer, policy=_policy(settings),
                k=k, n_boot=n_boot, off_policy=off_policy, min_group_n=settings.min_group_size,
                decline_memory_days=settings.decline_memory_days, progress=bars,
            )  # fmt: skip
        except UnknownScorer as error:
            raise typer.BadParameter(str(error)) from error
        stored = store_replay(
            session, created_by=_user_id(session, by), window_from=start, window_to=stop,
            scorer=report["scorer"]["name"], k=k, report=report,
        )  # fmt: skip
        replay_id = stored.id
    figures = [
        f"{name} {ci['estimate']:.3f}"
        for name, ci in report["ranking"].items()
        if ci and ci["estimate"] is not None
    ]
    counts = report["counts"]
    typer.echo(
        f"{counts['decisions']} decisions, {counts['accepted']} accepted; " + ", ".join(figures)
    )
    typer.echo(f"stored as replay {replay_id} (GET /api/v1/evaluation/replays/{replay_id})")
    _write(json_path, json.dumps(report, indent=1))
    _write(html_path, replay_html(report, _lang(lang)))


def train(
    cut: Annotated[str, typer.Option(help="Train before this day, evaluate from it on.")],
    horizon_days: Annotated[
        int, typer.Option(help="Minimum age (days) of a training decision at the cut.")
    ] = 60,
    c: Annotated[
        float | None,
        typer.Option(
            "--C", help="Inverse L2 strength (default: chosen on the training outcomes, by time)."
        ),
    ] = None,
    by: Annotated[str | None, typer.Option(help="Username recorded as the trainer.")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the entry here.")] = None,
    html_path: Annotated[Path | None, typer.Option("--html", help="Write the HTML here.")] = None,
    progress: Annotated[
        bool | None, typer.Option(help="Progress bars with ETA (default: on a terminal).")
    ] = None,
    lang: Annotated[str, typer.Option(help="Language of the HTML page: sv or en.")] = "sv",
) -> None:
    """Train a candidate model with a time cut, compare it with the scorer in use, register it.

    Prints the paired comparison's verdict; never activates the model."""
    from api.reports import model_html
    from api.services.evaluation import NotEnoughData, train_model

    transaction, settings = _session()
    with transaction as session, _progress(progress) as bars:
        try:
            row = train_model(
                session, cut=_day(cut), policy=_policy(settings),
                trained_by=_user_id(session, by), horizon_days=horizon_days, C=c,
                progress=bars, min_group_n=settings.min_group_size,
                decline_memory_days=settings.decline_memory_days,
            )  # fmt: skip
        except NotEnoughData as error:
            typer.echo(f"cannot train: {error}", err=True)
            raise typer.Exit(code=1) from error
        entry = row.model_dump(mode="json")
    typer.echo(verdict_text(entry))
    held = entry["metrics"]["held_out"]
    typer.echo(
        f"held-out AUC {held['candidate']['auc']:.3f} vs "
        f"{held['calibrated_policy']['auc']:.3f} for the hand policy calibrated on the same rows"
    )
    _write(json_path, json.dumps(entry, indent=1))
    _write(html_path, model_html(entry, _lang(lang)))


def verdict_text(entry: dict) -> str:
    """The comparison as a person reads it: the overall verdict, then every metric."""
    comparison = entry["metrics"]["comparison"]
    lines = [
        f"registered {entry['version']} (candidate), compared with {entry['metrics']['in_use']} "
        f"on the same held-out decisions: {comparison['verdict'].upper()}"
    ]
    if comparison["better_on"]:
        lines.append(f"  better on: {', '.join(comparison['better_on'])}")
    if comparison["worse_on"]:
        lines.append(f"  worse on: {', '.join(comparison['worse_on'])}")
    for m in comparison["metrics"]:
        if m["improvement"] is None:
            lines.append(f"  {m['metric']:<18} {m['verdict']}")
            continue
        lines.append(
            f"  {m['metric']:<18} {m['candidate']:.3f} vs {m['in_use']:.3f}  "
            f"gain {m['improvement']:+.3f} [{m['ci_low']:+.3f}, {m['ci_high']:+.3f}]  "
            f"n={m['n']}  {m['verdict']}"
        )
    for w in comparison.get("worse_for", []):
        lines.append(
            f"  worse for {w['attribute']} {w['group']} (n={w['n']}): {', '.join(w['worse_on'])}"
        )
    lines.append(f"rule: {comparison['rule']}")
    lines.append("only an admin activates a model (platsa models activate VERSION --by ADMIN)")
    return "\n".join(lines)


def calibrate(
    cut: Annotated[str, typer.Option(help="Calibrate on outcomes of decisions before this day.")],
    horizon_days: Annotated[
        int, typer.Option(help="Minimum age (days) of a decision at the cut.")
    ] = 60,
    by: Annotated[str | None, typer.Option(help="Username recorded as the trainer.")] = None,
) -> None:
    """Fit only the hand policy's intercept and scale to logged outcomes; register it."""
    from api.services.evaluation import NotEnoughData, calibrate_policy

    transaction, settings = _session()
    with transaction as session:
        try:
            row = calibrate_policy(
                session, cut=_day(cut), policy=_policy(settings),
                trained_by=_user_id(session, by), horizon_days=horizon_days,
            )  # fmt: skip
        except NotEnoughData as error:
            typer.echo(f"cannot calibrate: {error}", err=True)
            raise typer.Exit(code=1) from error
        params = row.params
        typer.echo(
            f"registered {row.version} (candidate): intercept {params['intercept']:.3f}, "
            f"scale {params['scale']:.3f} on {params['n_outcomes']} outcomes; "
            "an admin activates it"
        )


@models_app.command("list")
def models_list() -> None:
    """List registered models, newest first, with their status and held-out AUC."""
    from models.repo_registry import list_model_versions

    transaction, _ = _session()
    with transaction as session:
        for row in list_model_versions(session):
            auc = row.metrics.get("held_out", {}).get("candidate", {}).get("auc")
            created = row.created_at.isoformat(timespec="minutes")
            typer.echo(f"{row.version:<14} {row.status.value:<10} {created}  AUC {auc}")


@models_app.command("activate")
def models_activate(
    version: Annotated[str, typer.Argument(help="A model version, or 'policy'.")],
    by: Annotated[str, typer.Option(help="The admin's username (recorded in the log).")],
) -> None:
    """Make a model (or the hand-weighted 'policy') the scorer suggestions use; logged."""
    from models.repo_registry import activate

    transaction, _ = _session()
    with transaction as session:
        try:
            entry = activate(session, version, by=_user_id(session, by, must_be_admin=True))
        except LookupError as error:
            raise typer.BadParameter(str(error)) from error
        typer.echo(f"{entry.version} active (was {entry.previous}) at {_iso(entry.at)}")


@history_app.command("import")
def history_import(
    file: Annotated[Path, typer.Argument(help="JSON Lines (.jsonl) or CSV (.csv) file.")],
    by: Annotated[str, typer.Option(help="Who imports: an admin, or an evaluator with the grant.")],
    file_format: Annotated[
        str | None, typer.Option("--format", help="jsonl or csv (default: by the extension).")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Check the file only; write nothing.")] = False,
) -> None:
    """Import past decisions, all or nothing (the format is in the README)."""
    from api.services.history_import import ImportForbidden, ImportInvalid, import_history
    from models.org import User

    kind = (file_format or file.suffix.lstrip(".")).lower()
    media_type = {"jsonl": "application/jsonl", "ndjson": "application/jsonl", "csv": "text/csv"}
    if kind not in media_type:
        raise typer.BadParameter(f"{file}: say --format jsonl or --format csv")
    raw = file.read_bytes()
    transaction, _ = _session()
    with transaction as session:
        user = session.get(User, _user_id(session, by))
        try:
            result = import_history(
                session, raw, media_type=media_type[kind], user=user, filename=file.name,
                dry_run=dry_run,
            )  # fmt: skip
        except ImportForbidden as error:
            typer.echo(f"refused: {error}", err=True)
            raise typer.Exit(code=1) from error
        except ImportInvalid as error:
            typer.echo(f"{file}: {error.detail}", err=True)
            for problem in error.errors:
                typer.echo(f"  {problem['msg']}", err=True)
            raise typer.Exit(code=1) from error
    counts = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in result.counts.items())
    if result.already_imported:
        typer.echo(f"{file} was imported before (import {result.import_id}); nothing written")
    elif result.dry_run:
        typer.echo(f"{file} is valid (dry run, nothing written): {counts}")
    else:
        typer.echo(f"imported {file} as import {result.import_id}: {counts}")


@history_app.command("export")
def history_export(
    file: Annotated[Path, typer.Argument(help="Where to write the JSON Lines file.")],
) -> None:
    """Write every decision, status change and outcome as an importable JSON Lines file."""
    from api.services.history_import import export_history

    transaction, _ = _session()
    with transaction as session:
        data = export_history(session)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(data)
    records = data.count(NEWLINE)
    typer.echo(f"wrote {records} records to {file}")


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
