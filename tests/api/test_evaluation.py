# ruff: noqa: F401, F811  (pytest fixtures imported from tests.evaluation_demo)
"""Evaluation routes on the demo history: roles, stored replays, HTML reports, training
with a time cut, admin-only activation that suggestions then follow."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, SQLModel, select

from api.services.evaluation import train_model
from api.settings import Settings
from fixtures.loader import demo_token, load_demo
from matcher import PREDICTORS
from matcher.policy import load_policy
from models.db import make_engine
from models.match import Match
from models.org import Role, User
from models.participant import Participant
from tests.apps import app_for
from tests.evaluation_demo import demo_url

REPLAY = {"from_date": "2025-01-01", "to_date": "2026-11-30", "scorer": "policy", "k": 10}
#: the demo's documented cut: ~130 training and ~200 held-out outcomes at scale 1 (seed 7);
#: later cuts leave fewer held-out outcomes (one-year placements end after the history)
CUT = "2025-09-01"
#: held-out AUC margin between the learned model and the calibrated hand policy
AUC_MARGIN = 0.02


@pytest.fixture(scope="module")
def demo(demo_url, tmp_path_factory) -> Iterator[tuple[TestClient, dict, object]]:
    """A writable copy of the demo database behind an app; tokens by role."""
    copy = tmp_path_factory.mktemp("evaluation") / "demo.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), copy)
    engine = make_engine(f"sqlite:///{copy}")
    with Session(engine) as session:
        users = session.exec(select(User).order_by(User.id)).all()
        tokens = {}
        for user in users:
            tokens.setdefault(user.role.value, demo_token(user.username))
    app = app_for(settings=Settings(database_url=f"sqlite:///{copy}"), engine=engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, tokens, engine
    engine.dispose()


def _as(tokens: dict, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}


@pytest.fixture(scope="module")
def stored_replay(demo) -> dict:
    client, tokens, _ = demo
    response = client.post(
        "/api/v1/evaluation/replays", json=REPLAY, headers=_as(tokens, "evaluator")
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture(scope="module")
def trained(demo) -> dict:
    client, tokens, _ = demo
    response = client.post(
        "/api/v1/evaluation/models", json={"cut": CUT}, headers=_as(tokens, "evaluator")
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_only_evaluators_replay_and_train(demo):
    client, tokens, _ = demo
    for role in ("caseworker", "coordinator", "admin"):
        assert (
            client.post(
                "/api/v1/evaluation/replays", json=REPLAY, headers=_as(tokens, role)
            ).status_code
            == 403
        )
        assert (
            client.post(
                "/api/v1/evaluation/models", json={"cut": CUT}, headers=_as(tokens, role)
            ).status_code
            == 403
        )


def test_a_replay_is_stored_and_reads_back(demo, stored_replay):
    client, tokens, _ = demo
    report = stored_replay["report"]
    assert report["counts"]["accepted"] > 100
    assert 0 < report["ranking"]["hit_at_10"]["estimate"] <= 1
    assert report["ranking"]["hit_at_10"]["ci_low"] <= report["ranking"]["hit_at_10"]["estimate"]
    assert set(report["groups"]) == {"gender", "age_band", "newcomer", "support_need", "unit"}
    assert report["off_policy"]["snips"]["ess"] > 0
    assert report["decline_memory_days"] == 90  # ranked as the live lists: declines left out
    again = client.get(
        f"/api/v1/evaluation/replays/{stored_replay['id']}", headers=_as(tokens, "evaluator")
    )
    assert again.status_code == 200 and again.json()["report"] == report


def test_the_report_names_no_participant(demo, stored_replay):
    _, _, engine = demo
    text = str(stored_replay)
    with Session(engine) as session:
        refs = session.exec(select(Participant.ref)).all()
    assert not any(ref in text for ref in refs)
    # aggregates only: no pseudonym, no field about one participant
    assert not any(re.fullmatch(r"[0-9a-f]{20}", value) for value in _strings(stored_replay))
    assert not any("participant" in key or "pseudonym" in key for key in _keys(stored_replay))


def _strings(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


def _keys(value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _keys(v)
    elif isinstance(value, list):
        for v in value:
            yield from _keys(v)


def test_the_html_report_renders_with_its_plots(demo, stored_replay):
    client, tokens, _ = demo
    page = client.get(
        f"/api/v1/evaluation/replays/{stored_replay['id']}/report.html?lang=en",
        headers=_as(tokens, "evaluator"),
    )
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.text.count("data:image/png;base64,") >= 5
    for heading in (
        "Ranking of the accepted placement",
        "Outcomes by rank",
        "Groups",
        "Quota fill",
    ):
        assert heading in page.text


def test_bad_requests_name_the_problem(demo):
    client, tokens, _ = demo
    evaluator = _as(tokens, "evaluator")
    unknown = client.post(
        "/api/v1/evaluation/replays", json={**REPLAY, "scorer": "nope"}, headers=evaluator
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["loc"] == ["body", "scorer"]
    backwards = {**REPLAY, "from_date": "2026-01-01", "to_date": "2025-01-01"}
    assert (
        client.post("/api/v1/evaluation/replays", json=backwards, headers=evaluator).status_code
        == 422
    )
    too_early = client.post(
        "/api/v1/evaluation/models", json={"cut": "2024-06-01"}, headers=evaluator
    )
    assert too_early.status_code == 409
    assert client.get("/api/v1/evaluation/replays/999999", headers=evaluator).status_code == 404


def test_training_registers_a_candidate_with_its_cut_and_comparison(demo, trained):
    client, tokens, _ = demo
    assert trained["status"] == "candidate"
    assert trained["cut"].startswith(CUT)
    assert trained["train_to"] < trained["cut"]
    assert len(trained["params"]["coef"]) == len(trained["features"]) == len(PREDICTORS)
    assert trained["params"]["n_outcomes"] == trained["metrics"]["n_train"]
    assert trained["metrics"]["calibration"]["n"] == trained["metrics"]["n_train"]
    assert {d["metric"] for d in trained["metrics"]["differences"]} == {
        "auc",
        "brier",
        "log_loss",
    }
    held = trained["metrics"]["held_out"]
    assert held["candidate"]["n"] == held["calibrated_policy"]["n"] > 30
    replay = trained["metrics"]["replay"]
    assert replay["candidate"]["hit_at_10"]["n"] == replay["in_use"]["hit_at_10"]["n"]
    listed = client.get("/api/v1/evaluation/models", headers=_as(tokens, "evaluator")).json()
    assert trained["version"] in [m["version"] for m in listed["data"]]
    page = client.get(
        f"/api/v1/evaluation/models/{trained['version']}/report.html?lang=en",
        headers=_as(tokens, "evaluator"),
    )
    assert page.status_code == 200 and "Held-out outcomes" in page.text
    assert "Is the new model better, and for whom is it worse?" in page.text


def _a_caseworkers_suggestions(client, engine):
    """The suggestions a caseworker gets for the first active participant of their unit
    (a new list even if they hold a live match: these tests read the scores)."""
    with Session(engine) as session:
        caseworker = session.exec(select(User).where(User.role == Role.caseworker)).first()
        person = session.exec(
            select(Participant).where(Participant.unit_id == caseworker.unit_id, Participant.active)
        ).first()
    return client.get(
        f"/api/v1/participants/{person.id}/suggestions",
        params={"despite_live_match": "true"},
        headers={"Authorization": f"Bearer {demo_token(caseworker.username)}"},
    )


def test_only_an_admin_activates_and_suggestions_follow(demo, trained):
    client, tokens, engine = demo
    url = f"/api/v1/evaluation/models/{trained['version']}/activate"
    assert client.post(url, headers=_as(tokens, "evaluator")).status_code == 403
    response = client.post(url, headers=_as(tokens, "admin"))
    assert response.status_code == 200
    assert response.json()["previous"] == "policy"
    log = client.get("/api/v1/evaluation/activations", headers=_as(tokens, "evaluator")).json()
    assert log[0]["version"] == trained["version"]
    suggestions = _a_caseworkers_suggestions(client, engine)
    assert suggestions.status_code == 200, suggestions.text
    body = suggestions.json()
    assert body["policy_version"] == trained["version"]
    for item in body["items"]:
        log_odds = item["baseline"] + sum(item["contributions"].values())
        assert log_odds == pytest.approx(item["log_odds"], abs=1e-9)
        assert item["score"] == pytest.approx(
            item["probability"] + sum(item["adjustments"].values()), abs=1e-9
        )
        assert item["calibration_n"] == trained["metrics"]["n_train"]
        # activating a model never switches the policy adjustments off
        assert set(item["adjustments"]) == {"priority", "capacity", "scarcity"}
    back = client.post("/api/v1/evaluation/models/policy/activate", headers=_as(tokens, "admin"))
    assert back.status_code == 200 and back.json()["previous"] == trained["version"]


def test_a_calibrated_policy_shows_its_probability_and_the_outcomes_it_rests_on(demo):
    client, tokens, engine = demo
    response = client.post(
        "/api/v1/evaluation/calibrations", json={"cut": CUT}, headers=_as(tokens, "evaluator")
    )
    assert response.status_code == 201, response.text
    row = response.json()
    params = row["params"]
    assert params["model"] == "calibrated policy" and params["n_outcomes"] > 30
    # only the intercept and the scale are fitted: the weights are the policy's
    assert params["weights"] == load_policy().prediction_weights.tolist()
    assert params["scale"] >= 0
    url = f"/api/v1/evaluation/models/{row['version']}/activate"
    assert client.post(url, headers=_as(tokens, "admin")).status_code == 200
    body = _a_caseworkers_suggestions(client, engine).json()
    assert body["items"]
    for item in body["items"]:
        assert item["calibration_n"] == params["n_outcomes"]
        assert item["baseline"] == pytest.approx(params["intercept"])
        assert 0 < item["probability"] < 1
    back = client.post("/api/v1/evaluation/models/policy/activate", headers=_as(tokens, "admin"))
    assert back.status_code == 200


def test_replaying_never_writes_a_decision(demo, stored_replay):
    _, _, engine = demo
    with Session(engine) as session:
        assert session.exec(select(Match)).first() is not None  # history still there, unchanged


def test_the_candidate_is_calibrated_better_than_the_base_rate(trained):
    held = trained["metrics"]["held_out"]["candidate"]
    rate = held["successes"] / held["n"]
    assert held["brier"] < rate * (1 - rate)  # better than always predicting the true rate
    assert held["auc"] > 0.6


def test_the_learned_model_and_the_calibrated_hand_policy_both_predict(trained):
    """Both predict the log-odds of success from the same factor features; the hand
    weights are stated from practice (hand-2026.4), the model is fitted before the cut.
    Measured on the demo (seed 7, cut 2025-09-01): held-out AUC 0.803 learned vs 0.826
    for the calibrated hand policy (hand-2026.3: 0.803 vs 0.801). Which is better is the
    data's to say (the paired comparison below); both must rank far better than chance."""
    held = trained["metrics"]["held_out"]
    assert held["candidate"]["n"] >= 150
    assert held["candidate"]["auc"] > 0.7
    assert held["calibrated_policy"]["auc"] > 0.7


@pytest.mark.parametrize("seed", [8, 9])
def test_the_learned_model_beats_a_hand_policy_that_contradicts_the_outcomes(seed):
    """Not a lucky seed: the same training path (api.services.evaluation.train_model) on
    the demo generated with seeds 8 and 9 (scale 1, the same cut, horizon 60 days), against
    a hand policy that ignores interests and weighs skills five times over: learning from
    the outcomes must find the better weighting, and the comparison must say so."""
    engine = make_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    wrong = load_policy().with_weights(interests=0.0, skills=3.0)
    try:
        with Session(engine) as session:
            load_demo(session, seed=seed, scale=1.0)
            session.commit()
            model = train_model(
                session, cut=date.fromisoformat(CUT), policy=wrong, trained_by=None,
                n_boot=20,
            )  # fmt: skip
        held = model.metrics["held_out"]
        assert held["candidate"]["n"] >= 100
        assert held["candidate"]["auc"] > held["calibrated_policy"]["auc"] + AUC_MARGIN
        assert held["candidate"]["log_loss"] < held["calibrated_policy"]["log_loss"]
    finally:
        engine.dispose()


def test_training_compares_paired_on_every_metric_and_prints_the_verdict(trained):
    from api.cli_evaluation import verdict_text

    comparison = trained["metrics"]["comparison"]
    k = trained["metrics"]["replay"]["k"]
    names = [m["metric"] for m in comparison["metrics"]]
    assert names == ["auc", "log_loss", "brier", "calibration_error",
                     f"hit_at_{k}", f"ndcg_at_{k}", "snips"]  # fmt: skip
    n = {m["metric"]: m["n"] for m in comparison["metrics"]}
    assert n["auc"] == n["brier"] == trained["metrics"]["held_out"]["candidate"]["n"]
    assert n[f"hit_at_{k}"] == n[f"ndcg_at_{k}"] > 0  # the same decisions for both scorers
    assert comparison["verdict"] in ("better", "worse", "mixed", "not distinguishable")
    for m in comparison["metrics"]:
        assert m["verdict"] in ("better", "worse", "not distinguishable", "not measured")
        if m["improvement"] is not None:
            assert m["ci_low"] <= m["improvement"] <= m["ci_high"]
            assert (m["verdict"] == "better") == (m["ci_low"] > 0)
    for name in ("candidate", "in_use"):  # calibration bins carry their counts
        assert sum(comparison["calibration"][name]["n"]) == n["brier"]
    for attribute, groups in comparison["by_group"].items():  # for whom is it worse?
        assert sum(g["n"] for g in groups) == n[f"hit_at_{k}"], attribute
        for g in groups:
            assert g["suppressed"] is (g["n"] < 10)
            assert (g["metrics"] == []) is g["suppressed"]
    worse_for = {(w["attribute"], w["group"]) for w in comparison["worse_for"]}
    assert worse_for == {
        (a, g["group"]) for a, gs in comparison["by_group"].items() for g in gs if g["worse_on"]
    }
    text = verdict_text(trained)
    assert comparison["verdict"].upper() in text
    assert all(name in text for name in names)  # every metric, never a one-metric claim


def test_the_report_reads_in_swedish_with_the_asked_window_as_dates(demo, stored_replay):
    client, tokens, _ = demo
    assert stored_replay["report"]["window"] == {"from": "2025-01-01", "to": "2026-11-30"}
    page = client.get(
        f"/api/v1/evaluation/replays/{stored_replay['id']}/report.html?lang=sv",
        headers=_as(tokens, "evaluator"),
    ).text
    assert "<html lang='sv'>" in page and "Återspelningsrapport" in page
    assert "från 1 januari 2025 till och med 30 november 2026" in page
    assert "T00:00:00" not in page and "Definitioner" in page
    assert not [m for m in stored_replay["report"]["ranking"] if m.startswith("recall")]
    departments = stored_replay["report"]["quota_fill"]["departments"]
    assert all(not d["name"].startswith("#") for d in departments)  # named, not "department 6"
    english = client.get(
        f"/api/v1/evaluation/replays/{stored_replay['id']}/report.html?lang=en",
        headers=_as(tokens, "evaluator"),
    ).text
    assert "January 1, 2025" in english and "Definitions" in english


def test_a_background_replay_reports_progress_and_stores_the_same_report(demo, stored_replay):
    client, tokens, _ = demo
    short = {**REPLAY, "from_date": "2026-10-01"}
    started = client.post(
        "/api/v1/evaluation/replay-jobs", json=short, headers=_as(tokens, "evaluator")
    )
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["status"] == "running" and job["replay_id"] is None
    client.app.state.replay_runner.join()
    done = client.get(
        f"/api/v1/evaluation/replay-jobs/{job['id']}", headers=_as(tokens, "evaluator")
    ).json()
    assert done["status"] == "done" and done["error"] is None
    assert done["phase"] and done["done"] == done["total"] > 0
    run = client.get(
        f"/api/v1/evaluation/replays/{done['replay_id']}", headers=_as(tokens, "evaluator")
    ).json()
    direct = client.post(
        "/api/v1/evaluation/replays", json=short, headers=_as(tokens, "evaluator")
    ).json()
    assert run["report"]["ranking"] == direct["report"]["ranking"]


def test_a_background_replay_is_refused_at_once_for_an_unknown_scorer_or_a_role(demo):
    client, tokens, _ = demo
    unknown = client.post(
        "/api/v1/evaluation/replay-jobs",
        json={**REPLAY, "scorer": "learned-999"},
        headers=_as(tokens, "evaluator"),
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["body", "scorer"]
    refused = client.post(
        "/api/v1/evaluation/replay-jobs", json=REPLAY, headers=_as(tokens, "caseworker")
    )
    assert refused.status_code == 403
    missing = client.get("/api/v1/evaluation/replay-jobs/999999", headers=_as(tokens, "evaluator"))
    assert missing.status_code == 404


def test_one_replay_at_a_time_and_a_dead_process_reads_as_interrupted(demo):
    from datetime import UTC, datetime

    from models.replay_job import STALE_AFTER, ReplayJobPublic
    from models.repo_replay_jobs import add_job

    client, tokens, engine = demo
    now = datetime.now(UTC)
    with Session(engine, expire_on_commit=False) as session:
        running = add_job(session, by=1, now=now)
        session.commit()
    try:
        busy = client.post(
            "/api/v1/evaluation/replay-jobs", json=REPLAY, headers=_as(tokens, "evaluator")
        )
        assert busy.status_code == 503 and busy.headers["retry-after"] == "30"
        assert busy.json()["type"].endswith("/replays-busy")
        assert ReplayJobPublic.of(running, now).status == "running"
        assert ReplayJobPublic.of(running, now + STALE_AFTER * 2).status == "interrupted"
    finally:
        with Session(engine) as session:
            session.delete(session.get(type(running), running.id))
            session.commit()


def test_a_background_training_registers_the_same_candidate_as_the_route(demo, trained):
    """POST /training-jobs trains as POST /models does, off the request; the job names the
    version; a training's id is no replay job's."""
    client, tokens, _ = demo
    evaluator = _as(tokens, "evaluator")
    started = client.post("/api/v1/evaluation/training-jobs", json={"cut": CUT}, headers=evaluator)
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["kind"] == "training" and job["status"] == "running"
    client.app.state.replay_runner.join()
    done = client.get(f"/api/v1/evaluation/training-jobs/{job['id']}", headers=evaluator).json()
    assert done["status"] == "done" and done["error"] is None, done
    model = client.get(
        f"/api/v1/evaluation/models/{done['model_version']}", headers=evaluator
    ).json()
    assert model["status"] == "candidate" and model["version"] != trained["version"]
    assert model["params"]["coef"] == trained["params"]["coef"]  # the same fit, deterministic
    assert model["params"]["prior_policy_version"] == trained["feature_policy_version"]
    other = client.get(f"/api/v1/evaluation/replay-jobs/{job['id']}", headers=evaluator)
    assert other.status_code == 404


def test_a_background_training_without_enough_outcomes_fails_saying_why(demo):
    client, tokens, _ = demo
    evaluator = _as(tokens, "evaluator")
    job = client.post(
        "/api/v1/evaluation/training-jobs", json={"cut": "2024-06-01"}, headers=evaluator
    ).json()
    client.app.state.replay_runner.join()
    failed = client.get(f"/api/v1/evaluation/training-jobs/{job['id']}", headers=evaluator).json()
    assert failed["status"] == "failed" and failed["error"].startswith("cannot train:")
    assert failed["model_version"] is None
    refused = client.post(
        "/api/v1/evaluation/training-jobs", json={"cut": CUT}, headers=_as(tokens, "caseworker")
    )
    assert refused.status_code == 403
