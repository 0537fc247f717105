"""History import: all or nothing with every problem located, once per file, who may."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from models.history_import import HISTORY_IMPORT, HistoryImport, ImportedDecision
from models.match import Match, MatchEvent, Outcome
from models.org import User
from models.participant import Participant
from models.placement import Placement
from models.repo_history_import import give_grant
from tests.api.world import World, count_rows, seed_world

URL = "/api/v1/history/imports"
JSONL = {"Content-Type": "application/jsonl"}


@pytest.fixture
def world(engine) -> World:
    with Session(engine) as session:
        world = seed_world(session)
        placement = session.get(Placement, world.placement)
        placement.ref = "PL-1"
        session.add(placement)
        session.commit()
    return world


def _refs(engine, world: World) -> tuple[str, str]:
    with Session(engine) as session:
        a = session.get(Participant, world.participant_a).ref
        b = session.get(Participant, world.participant_b).ref
    return a, b


def _history(a: str, b: str) -> list[dict]:
    return [
        {"kind": "decision", "decision_ref": "B-1", "participant_ref": a, "placement_ref": "PL-1",
         "at": "2025-03-04T10:15", "status": "accepted"},
        {"kind": "status", "decision_ref": "B-1", "at": "2025-03-18", "status": "started"},
        {"kind": "status", "decision_ref": "B-1", "at": "2025-09-12", "status": "ended"},
        {"kind": "outcome", "decision_ref": "B-1", "outcome": "completed",
         "occurred_on": "2025-09-12"},
        {"kind": "decision", "decision_ref": "B-2", "participant_ref": b, "placement_ref": "PL-1",
         "at": "2025-04-01", "status": "declined", "reason_code": "commute"},
    ]  # fmt: skip


def _jsonl(records: list[dict]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def _written(engine) -> tuple[int, int, int, int]:
    with Session(engine) as session:
        return tuple(
            count_rows(session, table) for table in (Match, MatchEvent, Outcome, HistoryImport)
        )


def test_a_file_with_one_bad_row_writes_nothing_and_names_line_and_field(client, engine, world):
    a, b = _refs(engine, world)
    records = _history(a, b)
    records[3]["occurred_on"] = "2025-02-30"  # line 4: no such day
    records[4]["placement_ref"] = "PL-404"  # line 5: unknown placement
    response = client.post(
        URL, content=_jsonl(records), headers={**JSONL, **world.headers("admin")}
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    located = {(e["loc"][1], e["loc"][2]) for e in body["errors"]}
    assert located == {(4, "occurred_on"), (5, "placement_ref")}
    assert any("line 5, placement_ref" in e["msg"] and "PL-404" in e["msg"] for e in body["errors"])
    assert "nothing was imported" in body["detail"]
    assert _written(engine) == (0, 0, 0, 0)


def test_timeline_problems_are_located(client, engine, world):
    a, b = _refs(engine, world)
    records = _history(a, b)
    records[2]["status"] = "started"  # started twice
    records[1]["at"] = "2025-03-01"  # before the decision
    records.append({"kind": "outcome", "decision_ref": "B-2", "outcome": "completed",
                    "occurred_on": "2025-05-01"})  # fmt: skip
    records.append({"kind": "status", "decision_ref": "B-9", "at": "2025-05-01",
                    "status": "started"})  # fmt: skip
    response = client.post(
        URL, content=_jsonl(records), headers={**JSONL, **world.headers("admin")}
    )
    assert response.status_code == 422
    located = {(e["loc"][1], e["loc"][2]) for e in response.json()["errors"]}
    assert located == {(2, "at"), (3, "status"), (6, "decision_ref"), (7, "decision_ref")}
    assert _written(engine) == (0, 0, 0, 0)


def test_the_same_file_twice_writes_once(client, engine, world):
    a, b = _refs(engine, world)
    raw = _jsonl(_history(a, b))
    first = client.post(URL, content=raw, headers={**JSONL, **world.headers("admin")})
    assert first.status_code == 201, first.text
    assert first.json()["counts"] == {
        "decisions": 2, "accepted": 1, "status_changes": 2, "outcomes": 1, "holding_a_slot_now": 0,
        # the world's participants and placement were registered today, after these
        "before_participant_state": 2, "before_placement_state": 2,
    }  # fmt: skip
    written = _written(engine)
    assert written == (2, 4, 1, 1)
    again = client.post(URL, content=raw, headers={**JSONL, **world.headers("admin")})
    assert again.status_code == 200
    assert again.json()["already_imported"] is True
    assert again.json()["import_id"] == first.json()["import_id"]
    assert _written(engine) == written
    # the same decisions in another file (another hash) are refused by their references
    other = client.post(URL, content=raw + b"\n", headers={**JSONL, **world.headers("admin")})
    assert other.status_code == 422
    assert {e["loc"][2] for e in other.json()["errors"]} == {"decision_ref"}
    assert _written(engine) == written


def test_imported_decisions_are_marked_with_their_dates(client, engine, world):
    a, b = _refs(engine, world)
    response = client.post(
        URL, content=_jsonl(_history(a, b)), headers={**JSONL, **world.headers("admin")}
    )
    assert response.status_code == 201
    with Session(engine) as session:
        match = session.exec(select(Match).where(Match.participant_id == world.participant_a)).one()
        assert match.decided_at.isoformat() == "2025-03-04T09:15:00+00:00"  # 10:15 in Sweden
        assert match.status.value == "ended" and match.suggestion_id is None
        marked = session.exec(select(ImportedDecision)).all()
        assert sorted((m.decision_ref, m.line) for m in marked) == [("B-1", 1), ("B-2", 5)]
        outcome = session.exec(select(Outcome)).one()
        assert outcome.recorded_at.isoformat() == "2025-09-12T00:00:00+00:00"
        assert session.get(Placement, world.placement).booked == 0


def test_a_booking_still_held_counts_against_the_slots_now(client, engine, world):
    a, b = _refs(engine, world)
    held = [
        {"kind": "decision", "decision_ref": f"H-{i}", "participant_ref": ref,
         "placement_ref": "PL-1", "at": "2026-01-10", "status": "accepted"}
        for i, ref in enumerate([a, b])
    ]  # fmt: skip
    ok = client.post(URL, content=_jsonl(held), headers={**JSONL, **world.headers("admin")})
    assert ok.status_code == 201, ok.text
    with Session(engine) as session:
        assert session.get(Placement, world.placement).booked == 2  # both slots
    one_more = [{**held[0], "decision_ref": "H-9"}]
    full = client.post(URL, content=_jsonl(one_more), headers={**JSONL, **world.headers("admin")})
    assert full.status_code == 422
    assert full.json()["errors"][0]["loc"][1:] == [1, "placement_ref"]


def test_csv_with_the_same_records(client, engine, world):
    a, b = _refs(engine, world)
    csv_text = (
        "kind,decision_ref,participant_ref,placement_ref,at,status,reason_code,outcome,occurred_on\n"
        f"decision,C-1,{a},PL-1,2025-03-04,accepted,,,\n"
        "status,C-1,,,2025-03-10,started,,,\n"
        "outcome,C-1,,,,,,completed,2025-08-01\n"
        f"decision,C-2,{b},PL-1,2025-03-05,declined,,,\n"
    )
    headers = {"Content-Type": "text/csv", **world.headers("admin")}
    bad = client.post(URL, content=csv_text.encode(), headers=headers)
    assert bad.status_code == 422  # the decline on line 5 has no reason
    assert [e["loc"][1:] for e in bad.json()["errors"]] == [[5, "reason_code"]]
    good = client.post(URL, content=csv_text.replace("declined,,", "declined,hours,").encode(),
                       headers=headers)  # fmt: skip
    assert good.status_code == 201, good.text
    assert good.json()["counts"]["outcomes"] == 1


@pytest.mark.parametrize(
    ("records", "line", "code"),
    [
        # completed with no start recorded
        ([("outcome", "completed", "2025-08-01")], 2, "completed-before-start"),
        # ended early before the start day
        ([("status", "started", "2025-03-20"), ("outcome", "ended_early", "2025-03-15")],
         3, "completed-before-start"),
        # two final outcomes: a placement ends once
        ([("status", "started", "2025-03-10"), ("outcome", "completed", "2025-08-01"),
          ("outcome", "ended_early", "2025-09-01")], 4, "contradictory-outcome"),
        # withdrawn before it began: nothing followed from it
        ([("status", "withdrawn", "2025-03-06"), ("outcome", "regular_job", "2025-06-01")],
         3, "status"),
    ],
)  # fmt: skip
def test_imported_outcomes_follow_the_rules_a_caseworker_does(client, engine, world, records,
                                                              line, code):  # fmt: skip
    """models.outcome_rules, the same rules as POST .../outcomes, checked on the file."""
    a, _ = _refs(engine, world)
    rows = [{"kind": "decision", "decision_ref": "R-1", "participant_ref": a,
             "placement_ref": "PL-1", "at": "2025-03-04", "status": "accepted"}]  # fmt: skip
    for kind, value, day in records:
        if kind == "status":
            rows.append({"kind": "status", "decision_ref": "R-1", "at": day, "status": value})
        else:
            rows.append({"kind": "outcome", "decision_ref": "R-1", "outcome": value,
                         "occurred_on": day})  # fmt: skip
    response = client.post(URL, content=_jsonl(rows), headers={**JSONL, **world.headers("admin")})
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [(e["loc"][1], e["type"]) for e in errors] == [(line, code)], errors
    assert _written(engine) == (0, 0, 0, 0)


def test_dry_run_checks_and_writes_nothing(client, engine, world):
    a, b = _refs(engine, world)
    response = client.post(
        URL + "?dry_run=true", content=_jsonl(_history(a, b)),
        headers={**JSONL, **world.headers("admin")},
    )  # fmt: skip
    assert response.status_code == 200 and response.json()["dry_run"] is True
    assert response.json()["counts"]["decisions"] == 2
    assert _written(engine) == (0, 0, 0, 0)


def test_who_may_import(client, engine, world):
    a, b = _refs(engine, world)
    raw = _jsonl(_history(a, b))
    for role in ("caseworker", "coordinator", "evaluator"):
        response = client.post(URL, content=raw, headers={**JSONL, **world.headers(role)})
        assert response.status_code == 403, role
    assert "history_import" in response.json()["detail"]
    with Session(engine) as session:
        evaluator = session.get(User, world.user_ids["evaluator"])
        assert give_grant(session, evaluator, HISTORY_IMPORT, by=world.user_ids["admin"])
        session.commit()
    granted = client.post(URL, content=raw, headers={**JSONL, **world.headers("evaluator")})
    assert granted.status_code == 201
    wrong_type = client.post(
        URL, content=raw, headers={"Content-Type": "text/plain", **world.headers("admin")}
    )
    assert wrong_type.status_code == 415
