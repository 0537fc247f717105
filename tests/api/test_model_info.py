"""GET /model-info: generated from the registry, the engine's inputs and the policy."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from api.services.model_info import (
    NEVER_READ,
    inputs_read,
    policy_adjustments,
    stored_participant_fields,
)
from matcher import load_policy
from models.registry import ModelVersion, ReplayRun
from models.repo_registry import activate
from tests.api.world import World, seed_world

URL = "/api/v1/model-info"
BOOKKEEPING = {"id", "version", "registered_at", "updated_at", "active"}


@pytest.fixture
def world(session: Session) -> World:
    return seed_world(session)


def group(name: str, n: int, value: float) -> dict:
    return {"group": name, "n": n, "value": value, "ci_low": 0.0, "ci_high": 1.0}


def _replay(session: Session, scorer: str) -> ReplayRun:
    run = ReplayRun(
        window_from=datetime(2026, 1, 1, tzinfo=UTC),
        window_to=datetime(2026, 6, 1, tzinfo=UTC),
        scorer=scorer,
        k=10,
        report={
            "counts": {"decisions": 29, "accepted": 29},
            "ranking": {"hit_at_1": {"estimate": 0.4}, "reciprocal_rank": {"estimate": 0.5}},
            "outcomes": {"success_rate": {"estimate": 0.6}},
            "groups": {
                "gender": {
                    "hit_at_1": {
                        "groups": [group("F", 20, 0.45), group("M", 9, 0.3)],
                        "gaps": [],
                    }
                }
            },
        },
    )
    session.add(run)
    session.commit()
    return run


@pytest.mark.parametrize("who", ["caseworker", "coordinator", "evaluator", "admin"])
def test_every_signed_in_role_reads_it(client, world, who):
    response = client.get(URL, headers=world.headers(who))
    assert response.status_code == 200
    body = response.json()
    assert body["scorer"]["version"] == load_policy().version
    assert body["purpose"] and body["intended_use"]
    assert "gender" in body["inputs_never_read"]
    assert client.get(URL).status_code == 401


def test_every_stored_participant_field_is_either_read_or_never_read():
    """A new participant column must be classified before it can reach the scorer."""
    read = set(inputs_read()["participant_stored_as"])
    never = set(NEVER_READ) & stored_participant_fields()
    assert not read & set(NEVER_READ)
    assert stored_participant_fields() - BOOKKEEPING - {"skills", "interests"} <= read | never
    assert "gender" not in inputs_read()["participant"]


def test_last_evaluation_by_group_suppresses_small_cells(client, world, session):
    _replay(session, load_policy().version)
    body = client.get(URL, headers=world.headers("caseworker")).json()
    figures = body["evaluation"]
    assert figures["overall"]["hit_at_1"] == {"estimate": 0.4}
    groups = {g["group"]: g for g in figures["by_group"]["gender"]["hit_at_1"]}
    assert groups["F"] == {"group": "F", "n": 20, "value": 0.45}
    assert groups["M"] == {"group": "M", "n": None, "value": None, "suppressed": True}
    assert not any("No stored evaluation" in t for t in body["known_limitations"])


def test_an_activated_model_says_who_activated_it_and_its_own_evaluation(client, world, session):
    _replay(session, load_policy().version)  # the policy's replay is not the model's
    session.add(
        ModelVersion(
            version="learned-1",
            cut=datetime(2026, 3, 1, tzinfo=UTC),
            horizon_days=90,
            features=[],
            feature_policy_version="hand-2026.2",
            params={"coef": [0.0] * 9, "intercept": 0.0},
            metrics={"held_out": {"candidate": {"auc": 0.7}}},
        )
    )
    session.flush()
    activate(session, "learned-1", by=world.user_ids["admin"])
    session.commit()
    body = client.get(URL, headers=world.headers("evaluator")).json()
    assert body["scorer"]["version"] == "learned-1"
    assert body["scorer"]["kind"] == "learned"
    assert body["scorer"]["activated_by"] == world.user_ids["admin"]
    assert body["scorer"]["held_out"] == {"candidate": {"auc": 0.7}}
    assert body["evaluation"] is None
    assert any("evaluation (replay) of learned-1" in t for t in body["known_limitations"])


def test_policy_adjustments_list_what_differs_from_the_shipped_default():
    shipped = load_policy()
    assert policy_adjustments(shipped)["changed_from_default"] == {}
    adjusted = policy_adjustments(shipped.with_weights(commute=0.0))
    assert adjusted["changed_from_default"] == {
        "weights.commute": {"default": shipped.weights.commute, "in_force": 0.0}
    }
    assert adjusted["weights"]["commute"] == 0.0
