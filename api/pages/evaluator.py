"""Evaluator pages: start a replay, list stored runs, open a report; the model registry."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from api.deps import IdPath, SessionDep
from api.pages import calls, i18n
from api.pages.guard import admits
from api.pages.render import N_, render
from api.pages.signin import check_csrf
from api.routers import evaluation as evaluation_api
from models.org import User

router = APIRouter(include_in_schema=False, dependencies=[Depends(i18n.speak), Depends(check_csrf)])


@router.get("/evaluation")
def replays_page(
    request: Request, session: SessionDep, user: User = admits(evaluation_api.list_replay_runs)
):
    """Stored replays and the form to start one (period and scorer)."""
    return render(
        request,
        "evaluator/replays.html",
        {
            "title": i18n.gettext("Replays"),
            "runs": calls.replays(session, offset=0, limit=50).data,
            "models": calls.models(session),
            "today": date.today().isoformat(),
        },
    )


@router.post("/evaluation/replays")
def start_replay(
    request: Request,
    session: SessionDep,
    from_date: Annotated[date, Form()],
    to_date: Annotated[date, Form()],
    scorer: Annotated[str, Form(min_length=1, max_length=64)] = "active",
    user: User = admits(evaluation_api.start_replay_job),
):
    """Start the replay in the background and follow its progress; the report opens when
    it is done."""
    body = evaluation_api.ReplayRequest(from_date=from_date, to_date=to_date, scorer=scorer)
    job = calls.start_replay_job(session, user, request, body)
    return RedirectResponse(f"/evaluation/replay-jobs/{job.id}", status_code=303)


#: the replay's and the training's phases (api.services.evaluation), for the catalogs;
#: a phase may carry a label after these words ("replaying decisions candidate")
PHASES = {
    "reading the history": N_("reading the history"),
    "replaying decisions": N_("replaying decisions"),
    "replaying logged lists": N_("replaying logged lists"),
    "bootstrap intervals": N_("bootstrap intervals"),
    "features of the accepted decisions": N_("features of the accepted decisions"),
    "comparing, paired": N_("comparing, paired"),
}


def _phase_text(phase: str) -> str:
    for words, message in PHASES.items():
        if phase == words or phase.startswith(words + " "):
            return i18n.gettext(message) + phase[len(words) :]
    return phase


def _job_context(session: SessionDep, request: Request, job_id: int, training=False) -> dict:
    job = (calls.training_job if training else calls.replay_job)(session, request, job_id)
    share = job.done / job.total if job.total else 0.0
    title = i18n.gettext("Training in progress") if training else i18n.gettext("Replay in progress")
    return {"title": title, "job": job, "share": share, "phase": _phase_text(job.phase)}


def _result_url(job) -> str | None:
    """Where a finished job's result is: its model or its report (None while running)."""
    if job.model_version is not None:
        return f"/evaluation/models/{job.model_version}"
    return None if job.replay_id is None else f"/evaluation/replays/{job.replay_id}"


def _job_page(request: Request, session, job_id: int, training: bool = False):
    """A job's page, or its result once there is one."""
    context = _job_context(session, request, job_id, training)
    done = _result_url(context["job"])
    if done is not None:
        return RedirectResponse(done, status_code=303)
    return render(request, "evaluator/replay_job.html", context)


def _job_progress(request: Request, session, job_id: int, training: bool = False):
    """The progress fragment; once the result is stored, htmx is sent on to it."""
    context = _job_context(session, request, job_id, training)
    answer = render(request, "evaluator/_replay_progress.html", context)
    done = _result_url(context["job"])
    if done is not None:
        answer.headers["HX-Redirect"] = done
    return answer


@router.get("/evaluation/replay-jobs/{job_id}")
def replay_job_page(
    job_id: IdPath,
    request: Request,
    session: SessionDep,
    user: User = admits(evaluation_api.read_replay_job),
):
    """A running replay's phase and progress, polled by htmx; the report when it is done."""
    return _job_page(request, session, job_id)


@router.get("/evaluation/replay-jobs/{job_id}/progress")
def replay_job_progress(
    job_id: IdPath,
    request: Request,
    session: SessionDep,
    user: User = admits(evaluation_api.read_replay_job),
):
    """The progress fragment; once the report is stored, htmx is sent on to it."""
    return _job_progress(request, session, job_id)


@router.get("/evaluation/replays/{replay_id}")
def replay_report(
    replay_id: IdPath,
    request: Request,
    session: SessionDep,
    user: User = admits(evaluation_api.replay_report_page),
):
    """The stored report with its plots, as the API renders it."""
    return calls.replay_report(session, replay_id)


@router.get("/evaluation/models")
def models_page(
    request: Request, session: SessionDep, user: User = admits(evaluation_api.list_models)
):
    """Every registered model with its held-out comparison against the policy in use, and
    the form to train one."""
    return render(
        request,
        "evaluator/models.html",
        {
            "title": i18n.gettext("Models"),
            "models": calls.models(session),
            "may_train": user.role.value == "evaluator",  # roles of POST /training-jobs
            "today": request.app.state.clock.today().isoformat(),
        },
    )


@router.post("/evaluation/models/train")
def start_training(
    request: Request,
    session: SessionDep,
    cut: Annotated[date, Form()],
    horizon_days: Annotated[int, Form(ge=0, le=730)] = 60,
    user: User = admits(evaluation_api.start_training_job),
):
    """Train in the background and follow its progress; the model opens when it is done."""
    body = evaluation_api.TrainRequest(cut=cut, horizon_days=horizon_days)
    job = calls.start_training_job(session, user, request, body)
    return RedirectResponse(f"/evaluation/training-jobs/{job.id}", status_code=303)


@router.get("/evaluation/training-jobs/{job_id}")
def training_job_page(
    job_id: IdPath,
    request: Request,
    session: SessionDep,
    user: User = admits(evaluation_api.read_training_job),
):
    """A running training's phase and progress, polled by htmx; the model when done."""
    return _job_page(request, session, job_id, training=True)


@router.get("/evaluation/training-jobs/{job_id}/progress")
def training_job_progress(
    job_id: IdPath,
    request: Request,
    session: SessionDep,
    user: User = admits(evaluation_api.read_training_job),
):
    """The progress fragment; once the model is registered, htmx is sent on to it."""
    return _job_progress(request, session, job_id, training=True)


@router.get("/evaluation/models/{version}")
def model_report(
    version: str,
    request: Request,
    session: SessionDep,
    user: User = admits(evaluation_api.model_report_page),
):
    return calls.model_report(session, version[:64])
