"""A participant's export holds every kind of row on them and nothing of anyone else;
pseudonymisation keeps replay and group reports working; legal holds block it."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from api.services.evaluation import run_replay
from matcher import load_policy
from models.audit import AccessLog
from models.clock import municipal_today
from models.data_rights import PSEUDONYM_PREFIX
from models.db import make_engine
from models.history import Revision
from models.match import Match
from models.participant import Participant
from models.repo_data_rights import pseudonymise_participant
from tests.api.world import World, seed_world
from tests.evaluation_demo import demo_url  # noqa: F401  (fixture)

V1 = "/api/v1"


@pytest.fixture
def world(session: Session) -> World:
    return seed_world(session)


def _history_for_a(client, world: World) -> int:
    """Give participant A one of every kind of row (and B some too); returns A's match."""
    cw, co = world.headers("caseworker"), world.headers("coordinator")
    a, b = world.participant_a, world.participant_b
    client.patch(f"{V1}/participants/{a}", json={"max_hours": 30}, headers=cw)
    listed = client.get(f"{V1}/participants/{a}/suggestions", headers=cw).json()
    # a candidate list naming both A and B (the coordinator sees every unit)
    candidates = client.get(f"{V1}/placements/{world.placement}/candidates", headers=co).json()
    assert {i["participant_id"] for i in candidates["items"]} == {a, b}
    plan = client.post(f"{V1}/plans", json={"participant_ids": [a, b]}, headers=co)
    assert plan.status_code == 201, plan.text
    match = client.post(
        f"{V1}/matches",
        json={
            "participant_id": a,
            "placement_id": world.placement,
            "suggestion_id": listed["suggestion_id"],
            "reason": "talked it over with the workplace on Monday",
        },
        headers=cw,
    )
    assert match.status_code == 201, match.text
    match_id = match.json()["id"]
    outcome = client.post(
        f"{V1}/matches/{match_id}/outcomes",
        json={"kind": "regular_job", "occurred_on": str(municipal_today()), "reason": "moved away"},
        headers=cw,
    )
    assert outcome.status_code == 201, outcome.text
    b_cw = world.headers("caseworker_b")
    client.get(f"{V1}/participants/{b}/suggestions", headers=b_cw)
    client.post(
        f"{V1}/matches",
        json={"participant_id": b, "placement_id": world.placement, "reason": "B's own"},
        headers=b_cw,
    )
    return match_id


def _participant_ids(value) -> set[int]:
    """Every participant id the document mentions, however deep."""
    found = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "participant_id" and item is not None:
                found.add(item)
            found |= _participant_ids(item)
    elif isinstance(value, list):
        for item in value:
            found |= _participant_ids(item)
    return found


def test_export_holds_every_kind_of_row_and_nothing_of_another(client, world, session):
    _history_for_a(client, world)
    response = client.get(
        f"{V1}/participants/{world.participant_a}/export", headers=world.headers("admin")
    )
    assert response.status_code == 200, response.text
    export = response.json()
    for kind in (
        "revisions",
        "suggestion_lists",
        "decisions",
        "decision_events",
        "outcomes",
        "plan_rows",
        "access_log",
    ):
        assert export[kind], f"no {kind} exported"
    assert export["participant"]["id"] == world.participant_a
    assert len(export["revisions"]) == 2  # created, then max_hours changed
    assert {s["subject"] for s in export["suggestion_lists"]} == {"participant", "placement"}
    assert _participant_ids(export) == {world.participant_a}
    b_ref = session.get(Participant, world.participant_b).ref
    assert b_ref not in json.dumps(export) and "B's own" not in json.dumps(export)
    actions = {row["action"] for row in export["access_log"]}
    assert {"read", "write"} <= actions
    # the export itself is logged (sealed into the access log at commit)
    logged = session.exec(
        select(AccessLog.action).where(AccessLog.participant_id == world.participant_a)
    ).all()
    assert "export" in logged


def test_only_admins_export_and_erase(client, world):
    for who in ("caseworker", "coordinator", "evaluator"):
        headers = world.headers(who)
        url = f"{V1}/participants/{world.participant_a}"
        assert client.get(f"{url}/export", headers=headers).status_code == 403
        erase = client.post(f"{url}/erasure", json={"reason": "art. 17"}, headers=headers)
        assert erase.status_code == 403
    assert (
        client.get(f"{V1}/participants/999/export", headers=world.headers("admin")).status_code
        == 404
    )


def test_erasure_pseudonymises_the_record_everywhere_and_is_logged(client, world, session):
    match_id = _history_for_a(client, world)
    a = world.participant_a
    old_ref = session.get(Participant, a).ref
    admin = world.headers("admin")
    erased = client.post(
        f"{V1}/participants/{a}/erasure", json={"reason": "GDPR art. 17 request"}, headers=admin
    )
    assert erased.status_code == 201, erased.text
    session.expire_all()
    participant = session.get(Participant, a)
    assert participant.ref.startswith(PSEUDONYM_PREFIX) and not participant.active
    revisions = session.exec(
        select(Revision).where(Revision.entity == "participant", Revision.entity_id == str(a))
    ).all()
    assert all(r.data["ref"] == participant.ref for r in revisions)
    assert session.get(Match, match_id).reason_text is None
    export = client.get(f"{V1}/participants/{a}/export", headers=admin).json()
    assert old_ref not in json.dumps(export)
    assert "moved away" not in json.dumps(export)
    assert export["erasure"][0]["reason"] == "GDPR art. 17 request"
    assert export["decisions"] and export["outcomes"]  # kept, pseudonymised
    logged = session.exec(select(AccessLog.action).where(AccessLog.participant_id == a)).all()
    assert "erase" in logged
    again = client.post(f"{V1}/participants/{a}/erasure", json={"reason": "twice"}, headers=admin)
    assert again.status_code == 409
    # B is untouched
    assert not session.get(Participant, world.participant_b).ref.startswith(PSEUDONYM_PREFIX)


def test_a_legal_hold_blocks_erasure_until_released(client, world):
    admin, url = world.headers("admin"), f"{V1}/participants/{world.participant_a}"
    held = client.post(f"{url}/legal-hold", json={"reason": "appeal at the court"}, headers=admin)
    assert held.status_code == 201
    assert (
        client.post(f"{url}/legal-hold", json={"reason": "again"}, headers=admin).status_code == 409
    )
    refused = client.post(f"{url}/erasure", json={"reason": "art. 17"}, headers=admin)
    assert refused.status_code == 409 and refused.json()["what"] == "legal-hold"
    assert client.delete(f"{url}/legal-hold", headers=admin).status_code == 200
    assert client.delete(f"{url}/legal-hold", headers=admin).status_code == 404
    assert (
        client.post(f"{url}/erasure", json={"reason": "art. 17"}, headers=admin).status_code == 201
    )


def _figures(report: dict) -> dict:
    groups = {
        attribute: {
            metric: [(g["group"], g["n"], g["value"]) for g in by_metric[metric]["groups"]]
            for metric in by_metric
        }
        for attribute, by_metric in report["groups"].items()
    }
    return {"counts": report["counts"], "ranking": report["ranking"]["hit_at_1"], "groups": groups}


def test_replay_and_group_reports_work_the_same_on_pseudonymised_rows(demo_url, tmp_path):  # noqa: F811
    path = tmp_path / "demo.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), path)
    engine = make_engine(f"sqlite:///{path}")
    window = dict(start=datetime(2020, 1, 1, tzinfo=UTC), stop=datetime(2030, 1, 1, tzinfo=UTC))

    def replay() -> dict:
        with Session(engine) as session:
            return run_replay(
                session, **window, scorer_name="policy", policy=load_policy(), n_boot=20,
                off_policy=False,
            )  # fmt: skip

    before = replay()
    with Session(engine, expire_on_commit=False) as session:
        decided = session.exec(select(Match.participant_id).distinct().limit(25)).all()
        for participant_id in decided:
            participant = session.get(Participant, participant_id)
            pseudonymise_participant(session, participant, by=None, reason="test")
        session.commit()
    after = replay()
    assert before["counts"]["accepted"] > 0
    assert _figures(after) == _figures(before)
    engine.dispose()
