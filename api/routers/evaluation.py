"""Evaluators: replay history with a scorer, train and compare models; admins activate them.

Everything returned is aggregate and pseudonymised: no participant id, reference or
pseudonym appears in a report or a model entry.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, status
from fastapi.responses import HTMLResponse
from pydantic import Field, StrictBool, StrictInt, model_validator
from sqlmodel import SQLModel

from api.deps import MAX_ID, CatalogDep, ClockDep, CurrentUser, SessionDep, SettingsDep, roles
from api.errors import Conflict, InvalidReference, NotFound, problems
from api.pagination import Paged, PageDep
from api.reports import model_html, replay_html
from api.services import replay_jobs
from api.services.evaluation import (
    DEFAULT_HORIZON_DAYS,
    NotEnoughData,
    UnknownScorer,
    calibrate_policy,
    run_replay,
    train_model,
    window,
)
from models.org import Role
from models.registry import ModelStatus, store_replay
from models.replay_job import JobKind, ReplayJobPublic
from models.repo_registry import (
    activate,
    activations,
    get_model_version,
    get_replay,
    list_model_versions,
    list_replays,
)
from models.strict_input import Text

router = APIRouter(prefix="/evaluation", tags=["evaluation"])

Day = Annotated[date, Field(ge=date(1990, 1, 1), le=date(2100, 12, 31))]
ReplayId = Annotated[int, Path(ge=1, le=MAX_ID, description="a stored replay's id")]
JobId = Annotated[int, Path(ge=1, le=MAX_ID, description="a background replay's id")]
Version = Annotated[str, Path(min_length=1, max_length=64, description="a model version")]
Lang = Annotated[Literal["sv", "en"], Query(description="the page's language")]
HTML = {200: {"content": {"text/html": {}}, "description": "A self-contained HTML page"}}


class ReplayRequest(SQLModel):
    from_date: Day = Field(description="first day of decisions replayed (UTC)")
    to_date: Day = Field(description="last day of decisions replayed, inclusive")
    scorer: Text = Field(
        default="active",
        min_length=1,
        max_length=64,
        description="'policy' (hand weights), 'active' (what suggestions use) or a model version",
    )
    k: StrictInt = Field(default=10, ge=1, le=50, description="list length for hit@k, NDCG@k")
    off_policy: StrictBool = Field(default=True, description="also estimate from logged lists")

    @model_validator(mode="after")
    def _ordered(self):
        if self.to_date < self.from_date:
            raise ValueError("to_date must not be before from_date")
        return self


class ReplaySummary(SQLModel):
    id: int
    created_at: datetime
    scorer: str
    k: int
    window_from: datetime
    window_to: datetime


class ReplayRunPublic(ReplaySummary):
    report: dict[str, Any]


class CalibrationRequest(SQLModel):
    cut: Day = Field(description="calibrate on outcomes of decisions before it")
    horizon_days: StrictInt = Field(
        default=DEFAULT_HORIZON_DAYS, ge=0, le=730, description="minimum age of a training decision"
    )


class TrainRequest(CalibrationRequest):
    cut: Day = Field(description="train on decisions before it, evaluate on those after")
    C: float | None = Field(
        default=None, gt=0, le=1000, allow_inf_nan=False,
        description="inverse L2 strength; default: chosen on the training outcomes, by time "
        "(matcher.regularisation)",
    )  # fmt: skip


class ModelVersionPublic(SQLModel):
    version: str
    status: ModelStatus
    created_at: datetime
    trained_by: int | None
    train_from: datetime | None
    train_to: datetime | None
    cut: datetime
    horizon_days: int
    features: list[str]
    feature_policy_version: str
    params: dict[str, Any]
    metrics: dict[str, Any]


class ModelVersionsPublic(SQLModel):
    data: list[ModelVersionPublic]
    count: int


class ActivationPublic(SQLModel):
    at: datetime
    by: int
    version: str
    previous: str


def _unknown_scorer(error: UnknownScorer) -> InvalidReference:
    where = {"loc": ["body", "scorer"], "msg": str(error), "type": "unknown_scorer"}
    return InvalidReference(str(error), errors=[where])


@router.post(
    "/replays",
    status_code=201,
    response_model=ReplayRunPublic,
    openapi_extra=roles(Role.evaluator),
    responses=problems(),
)
def replay(
    body: ReplayRequest,
    catalog: CatalogDep,
    settings: SettingsDep,
    session: SessionDep,
    user: CurrentUser,
):
    """Replay the window's decisions with a scorer as of their moments; the report is stored."""
    start, stop = window(body.from_date, body.to_date)
    try:
        report = run_replay(
            session, start=start, stop=stop, scorer_name=body.scorer, policy=catalog.policy,
            k=body.k, off_policy=body.off_policy,
            min_group_n=settings.min_group_size,
            decline_memory_days=settings.decline_memory_days,
        )  # fmt: skip
    except UnknownScorer as error:
        raise _unknown_scorer(error) from error
    return store_replay(
        session, created_by=user.id, window_from=start, window_to=stop,
        scorer=report["scorer"]["name"], k=body.k, report=report,
    )  # fmt: skip


@router.post(
    "/replay-jobs",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ReplayJobPublic,
    openapi_extra=roles(Role.evaluator),
    responses=problems(503),
)
def start_replay_job(
    body: ReplayRequest,
    request: Request,
    catalog: CatalogDep,
    settings: SettingsDep,
    clock: ClockDep,
    session: SessionDep,
    user: CurrentUser,
):
    """Start the same replay in the background; follow it at ``GET /replay-jobs/{id}``
    (``done`` of ``total`` per phase) until ``status`` is ``done`` with its ``replay_id``."""
    start, stop = window(body.from_date, body.to_date)
    try:
        job = replay_jobs.start(
            session, engine=request.app.state.engine, runner=request.app.state.replay_runner,
            clock=clock, policy=catalog.policy, by=user.id, start=start, stop=stop,
            scorer=body.scorer, k=body.k, off_policy=body.off_policy,
            min_group_n=settings.min_group_size,
            decline_memory_days=settings.decline_memory_days,
        )  # fmt: skip
    except UnknownScorer as error:
        raise _unknown_scorer(error) from error
    return ReplayJobPublic.of(job, clock.now())


@router.get(
    "/replay-jobs/{job_id}",
    response_model=ReplayJobPublic,
    openapi_extra=roles(Role.evaluator),
    responses=problems(404),
)
def read_replay_job(job_id: JobId, session: SessionDep, clock: ClockDep):
    """How far a background replay is: its phase, ``done`` of ``total``, and when done the
    stored replay's id (``failed`` with the error; ``interrupted`` if its process died)."""
    job = replay_jobs.job_or_none(session, job_id, clock.now())
    if job is None:
        raise NotFound(f"replay job {job_id} not found")
    return job


@router.post(
    "/training-jobs",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ReplayJobPublic,
    openapi_extra=roles(Role.evaluator),
    responses=problems(503),
)
def start_training_job(
    body: TrainRequest,
    request: Request,
    catalog: CatalogDep,
    settings: SettingsDep,
    clock: ClockDep,
    session: SessionDep,
    user: CurrentUser,
):
    """Train as ``POST /models`` does, in the background; follow it at ``GET
    /training-jobs/{id}`` until ``status`` is ``done`` with its ``model_version``
    (``failed`` with the reason, e.g. too few outcomes on a side of the cut)."""
    job = replay_jobs.start_training(
        session, engine=request.app.state.engine, runner=request.app.state.replay_runner,
        clock=clock, policy=catalog.policy, by=user.id, cut=body.cut,
        horizon_days=body.horizon_days, C=body.C, min_group_n=settings.min_group_size,
        decline_memory_days=settings.decline_memory_days,
    )  # fmt: skip
    return ReplayJobPublic.of(job, clock.now())


@router.get(
    "/training-jobs/{job_id}",
    response_model=ReplayJobPublic,
    openapi_extra=roles(Role.evaluator),
    responses=problems(404),
)
def read_training_job(job_id: JobId, session: SessionDep, clock: ClockDep):
    """How far a background training is: its phase, ``done`` of ``total``, and when done
    the registered model version (a candidate, never active)."""
    job = replay_jobs.job_or_none(session, job_id, clock.now(), JobKind.training)
    if job is None:
        raise NotFound(f"training job {job_id} not found")
    return job


@router.get(
    "/replays",
    response_model=Paged[ReplaySummary],
    openapi_extra=roles(Role.evaluator),
    responses=problems(),
)
def list_replay_runs(session: SessionDep, page: PageDep):
    """Stored replays, newest first (open one for its report)."""
    rows, total = list_replays(session, offset=page.offset, limit=page.limit)
    fields = ("id", "created_at", "scorer", "k", "window_from", "window_to")
    data = [ReplaySummary(**dict(zip(fields, row, strict=True))) for row in rows]
    return Paged(data=data, count=total, offset=page.offset, limit=page.limit)


def _replay_or_404(session, replay_id: int):
    row = get_replay(session, replay_id)
    if row is None:
        raise NotFound(f"replay {replay_id} not found")
    return row


@router.get(
    "/replays/{replay_id}",
    response_model=ReplayRunPublic,
    openapi_extra=roles(Role.evaluator),
    responses=problems(404),
)
def get_replay_run(replay_id: ReplayId, session: SessionDep):
    """A stored replay report (JSON)."""
    return _replay_or_404(session, replay_id)


@router.get(
    "/replays/{replay_id}/report.html",
    response_class=HTMLResponse,
    openapi_extra=roles(Role.evaluator),
    responses={**problems(404), **HTML},
)
def replay_report_page(replay_id: ReplayId, session: SessionDep, lang: Lang = "sv"):
    """A stored replay report as an HTML page with plots, in Swedish or English."""
    return HTMLResponse(replay_html(_replay_or_404(session, replay_id).report, lang))


@router.post(
    "/models",
    status_code=201,
    response_model=ModelVersionPublic,
    openapi_extra=roles(Role.evaluator),
    responses=problems(409),
)
def train(
    body: TrainRequest,
    catalog: CatalogDep,
    settings: SettingsDep,
    session: SessionDep,
    user: CurrentUser,
):
    """Train a candidate model with a time cut; held-out metrics and a replay comparison."""
    try:
        return train_model(
            session, cut=body.cut, policy=catalog.policy, trained_by=user.id,
            horizon_days=body.horizon_days, C=body.C,
            min_group_n=settings.min_group_size,
            decline_memory_days=settings.decline_memory_days,
        )  # fmt: skip
    except NotEnoughData as error:
        raise Conflict(f"cannot train: {error}") from error


@router.post(
    "/calibrations",
    status_code=201,
    response_model=ModelVersionPublic,
    openapi_extra=roles(Role.evaluator),
    responses=problems(409),
)
def calibrate(
    body: CalibrationRequest, session: SessionDep, user: CurrentUser, catalog: CatalogDep
):
    """Fit only the hand policy's intercept and scale to outcomes before the cut; a candidate."""
    try:
        return calibrate_policy(
            session, cut=body.cut, policy=catalog.policy, trained_by=user.id,
            horizon_days=body.horizon_days,
        )  # fmt: skip
    except NotEnoughData as error:
        raise Conflict(f"cannot calibrate: {error}") from error


@router.get(
    "/models",
    response_model=ModelVersionsPublic,
    openapi_extra=roles(Role.evaluator, Role.admin),
    responses=problems(),
)
def list_models(session: SessionDep):
    """Every registered model, newest first."""
    rows = list_model_versions(session)
    return ModelVersionsPublic(data=rows, count=len(rows))


def _model_or_404(session, version: str):
    row = get_model_version(session, version)
    if row is None:
        raise NotFound(f"model version {version!r} not found")
    return row


@router.get(
    "/models/{version}",
    response_model=ModelVersionPublic,
    openapi_extra=roles(Role.evaluator, Role.admin),
    responses=problems(404),
)
def get_model(version: Version, session: SessionDep):
    """One registered model with its training window, coefficients and metrics."""
    return _model_or_404(session, version)


@router.get(
    "/models/{version}/report.html",
    response_class=HTMLResponse,
    openapi_extra=roles(Role.evaluator, Role.admin),
    responses={**problems(404), **HTML},
)
def model_report_page(version: Version, session: SessionDep, lang: Lang = "sv"):
    """A model's report (is it better, for whom worse) as an HTML page, Swedish or English."""
    row = _model_or_404(session, version)
    return HTMLResponse(model_html(row.model_dump(mode="json"), lang))


@router.post(
    "/models/{version}/activate",
    response_model=ActivationPublic,
    openapi_extra=roles(Role.admin),
    responses=problems(404),
)
def activate_model(version: Version, request: Request, session: SessionDep, user: CurrentUser):
    """Make a model (or 'policy') the scorer suggestions use; the switch is logged."""
    try:
        return activate(session, version, by=user.id)
    except LookupError as error:
        raise NotFound(str(error)) from error


@router.get(
    "/activations",
    response_model=list[ActivationPublic],
    openapi_extra=roles(Role.evaluator, Role.admin),
    responses=problems(),
)
def activation_log(session: SessionDep):
    """Every activation, newest first: who switched which scorer on, replacing which."""
    return activations(session)
