"""Participant routes: unit visibility, server-owned fields, references, history, access log."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models.audit import AccessLog
from models.history import Revision
from models.participant import Participant
from models.repo_catalog_state import catalog_version
from tests.api.world import count_rows, participant_body, seed_world

URL = "/api/v1/participants"


@pytest.fixture
def world(session):
    return seed_world(session)


def _log(session, **where) -> list[AccessLog]:
    session.expire_all()
    query = select(AccessLog)
    for name, value in where.items():
        query = query.where(getattr(AccessLog, name) == value)
    return list(session.exec(query).all())


def test_caseworker_lists_only_own_unit_and_each_read_is_logged(client, session, world):
    response = client.get(URL, headers=world.headers("caseworker"))
    assert response.status_code == 200
    page = response.json()
    assert [p["id"] for p in page["data"]] == [world.participant_a]
    assert page["count"] == 1
    reads = _log(session, user_id=world.user_ids["caseworker"])
    assert [(r.participant_ids, r.action) for r in reads] == [([world.participant_a], "read")]
    assert reads[0].route.endswith("/participants") and reads[0].method == "GET"


def test_a_list_read_is_one_log_row_found_under_each_participant(client, session, world):
    client.get(URL, headers=world.headers("coordinator"))
    reads = _log(session, user_id=world.user_ids["coordinator"])
    shown = sorted([world.participant_a, world.participant_b])
    assert [(r.participant_id, r.participant_ids) for r in reads] == [(None, shown)]
    for participant in shown:
        found = client.get(
            "/api/v1/access-log",
            params={"participant_id": participant},
            headers=world.headers("admin"),
        ).json()
        assert [row["participant_ids"] for row in found["data"]] == [shown]


def test_caseworker_asking_for_another_unit_gets_an_empty_page(client, world):
    response = client.get(
        URL, params={"unit_id": world.unit_b}, headers=world.headers("caseworker")
    )
    assert response.status_code == 200
    assert response.json()["data"] == [] and response.json()["count"] == 0


def test_coordinator_lists_all_units_and_filters(client, session, world):
    everyone = client.get(URL, headers=world.headers("coordinator")).json()
    assert {p["id"] for p in everyone["data"]} == {world.participant_a, world.participant_b}
    only_b = client.get(URL, params={"unit_id": world.unit_b}, headers=world.headers("coordinator"))
    assert [p["id"] for p in only_b.json()["data"]] == [world.participant_b]
    inactive = client.get(URL, params={"active": False}, headers=world.headers("coordinator"))
    assert inactive.json()["count"] == 0
    # one row per list read: both, then B; the empty inactive page shows no one
    lists = [r.participant_ids for r in _log(session, user_id=world.user_ids["coordinator"])]
    assert lists == [sorted([world.participant_a, world.participant_b]), [world.participant_b]]


def test_page_size_is_capped_and_count_is_the_total(client, world):
    too_big = client.get(URL, params={"limit": 10_000}, headers=world.headers("admin"))
    assert too_big.status_code == 422
    assert too_big.json()["errors"][0]["loc"] == ["query", "limit"]
    page = client.get(URL, params={"limit": 1}, headers=world.headers("admin")).json()
    assert len(page["data"]) == 1 and page["count"] == 2 and page["limit"] == 1


def test_caseworker_registers_in_own_unit_and_server_fields_are_ignored(client, session, world):
    body = participant_body(id=999, version=42, active=False, registered_at="2000-01-01T00:00:00Z")
    response = client.post(URL, json=body, headers=world.headers("caseworker"))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["id"] != 999 and created["version"] == 1 and created["active"] is True
    assert created["unit_id"] == world.unit_a
    assert created["language_level"] == 3 and created["language_label"] == "B1"
    assert (created["home_lat"], created["home_lon"]) == (55.7, 13.19)  # about 1 km
    stored = session.get(Participant, created["id"])
    assert stored.unit_id == world.unit_a and stored.registered_at.year > 2000
    revision = session.exec(
        select(Revision).where(
            Revision.entity == "participant", Revision.entity_id == str(stored.id)
        )
    ).one()
    assert revision.recorded_by == world.user_ids["caseworker"] and revision.version == 1
    assert [e.action for e in _log(session, participant_id=stored.id)] == ["write"]


def test_caseworker_may_name_own_unit_but_not_another(client, session, world):
    own = client.post(
        URL, json=participant_body(unit_id=world.unit_a), headers=world.headers("caseworker")
    )
    assert own.status_code == 201 and own.json()["unit_id"] == world.unit_a
    before = count_rows(session, Participant)
    other = client.post(
        URL,
        json=participant_body(ref="NEW-0002", unit_id=world.unit_b),
        headers=world.headers("caseworker"),
    )
    assert other.status_code == 422
    assert other.json()["errors"][0]["loc"] == ["body", "unit_id"]
    assert count_rows(session, Participant) == before


def test_admin_must_name_an_existing_unit(client, world):
    missing = client.post(URL, json=participant_body(), headers=world.headers("admin"))
    assert missing.status_code == 422 and missing.json()["errors"][0]["loc"] == ["body", "unit_id"]
    unknown = client.post(URL, json=participant_body(unit_id=9999), headers=world.headers("admin"))
    assert unknown.status_code == 422 and unknown.json()["type"].endswith("invalid-reference")
    ok = client.post(
        URL, json=participant_body(unit_id=world.unit_b), headers=world.headers("admin")
    )
    assert ok.status_code == 201 and ok.json()["unit_id"] == world.unit_b


def test_unknown_skills_and_interests_are_named_and_nothing_is_written(client, session, world):
    before = (count_rows(session, Participant), count_rows(session, Revision))
    body = participant_body(
        skills=["competence:cooking", "competence:hygiene", "no:such"], interests=["nor:this"]
    )
    response = client.post(URL, json=body, headers=world.headers("caseworker"))
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("invalid-reference")
    assert [e["loc"] for e in problem["errors"]] == [
        ["body", "skills", 2],
        ["body", "interests", 0],
    ]
    assert "no:such" in problem["detail"] and "nor:this" in problem["detail"]
    assert (count_rows(session, Participant), count_rows(session, Revision)) == before


def test_a_reused_ref_is_a_conflict(client, world):
    first = client.post(URL, json=participant_body(), headers=world.headers("caseworker"))
    assert first.status_code == 201
    again = client.post(URL, json=participant_body(), headers=world.headers("caseworker_b"))
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")


def test_read_one_own_unit_only_and_logged(client, session, world):
    own = client.get(f"{URL}/{world.participant_a}", headers=world.headers("caseworker"))
    assert own.status_code == 200 and own.json()["id"] == world.participant_a
    other = client.get(f"{URL}/{world.participant_b}", headers=world.headers("caseworker"))
    assert other.status_code == 404
    assert other.json()["detail"] == f"participant {world.participant_b} not found"
    missing = client.get(f"{URL}/987654", headers=world.headers("caseworker"))
    assert missing.json()["detail"] == "participant 987654 not found"  # same answer
    assert client.get(
        f"{URL}/{world.participant_b}", headers=world.headers("coordinator")
    ).is_success
    reads = _log(session, user_id=world.user_ids["caseworker"])
    assert [(r.participant_id, r.action) for r in sorted(reads, key=lambda r: r.id)] == [
        (world.participant_a, "read"),
        (world.participant_b, "refused"),  # the attempt is kept, though it was answered 404
        (None, "refused"),  # no such participant: nothing to point at
    ]
    assert all(r.route.endswith("/participants/{participant_id}") for r in reads)
    assert not _log(session, user_id=world.user_ids["coordinator"], action="refused")


def test_a_refused_change_is_logged_and_changes_nothing(client, session, world):
    before = session.get(Participant, world.participant_b).support_need
    other = client.patch(
        f"{URL}/{world.participant_b}",
        json={"support_need": 3 - before if before != 3 else 1},
        headers=world.headers("caseworker"),
    )
    assert other.status_code == 404
    session.expire_all()
    assert session.get(Participant, world.participant_b).support_need == before
    refused = _log(session, participant_id=world.participant_b)
    assert [(r.user_id, r.method, r.action) for r in refused] == [
        (world.user_ids["caseworker"], "PATCH", "refused")
    ]
    admin = client.get(
        "/api/v1/access-log",
        params={"participant_id": world.participant_b},
        headers=world.headers("admin"),
    ).json()
    assert [row["action"] for row in admin["data"]] == ["refused"]


def test_evaluators_have_no_participant_access(client, world):
    for response in (
        client.get(URL, headers=world.headers("evaluator")),
        client.get(f"{URL}/{world.participant_a}", headers=world.headers("evaluator")),
        client.post(URL, json=participant_body(), headers=world.headers("evaluator")),
    ):
        assert response.status_code == 403


def test_patch_writes_a_revision_and_does_not_touch_the_catalog(client, session, world):
    version_before = catalog_version(session)
    response = client.patch(
        f"{URL}/{world.participant_a}",
        json={"support_need": 5, "skills": ["competence:hygiene"], "language_level": "SFI D"},
        headers=world.headers("caseworker"),
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["support_need"] == 5 and changed["skills"] == ["competence:hygiene"]
    assert changed["version"] == 2
    session.expire_all()
    revisions = session.exec(
        select(Revision)
        .where(Revision.entity == "participant", Revision.entity_id == str(world.participant_a))
        .order_by(Revision.version)
    ).all()
    assert [r.version for r in revisions] == [1, 2]
    assert revisions[-1].recorded_by == world.user_ids["caseworker"]
    assert revisions[-1].data["support_need"] == 5 and revisions[0].data["support_need"] == 2
    assert catalog_version(session) == version_before
    writes = _log(session, participant_id=world.participant_a, action="write")
    assert len(writes) == 1 and writes[0].method == "PATCH"


def test_patch_ignores_server_fields_and_null_means_no_change(client, session, world):
    response = client.patch(
        f"{URL}/{world.participant_a}",
        json={"unit_id": world.unit_b, "version": 99, "id": 5, "support_need": None, "ref": "X"},
        headers=world.headers("caseworker"),
    )
    assert response.status_code == 200
    session.expire_all()
    stored = session.get(Participant, world.participant_a)
    assert (stored.unit_id, stored.support_need, stored.version) == (world.unit_a, 2, 1)
    assert stored.ref != "X"


def test_patch_other_unit_is_404_and_bad_skill_changes_nothing(client, session, world):
    other = client.patch(
        f"{URL}/{world.participant_b}",
        json={"support_need": 1},
        headers=world.headers("caseworker"),
    )
    assert other.status_code == 404
    bad = client.patch(
        f"{URL}/{world.participant_a}",
        json={"support_need": 1, "interests": ["occupation:care", "gone"]},
        headers=world.headers("caseworker"),
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "interests", 1]
    session.expire_all()
    assert session.get(Participant, world.participant_a).support_need == 2
    assert session.get(Participant, world.participant_b).support_need == 2


def test_patch_can_clear_last_job_end(client, world):
    url = f"{URL}/{world.participant_a}"
    set_ = client.patch(url, json={"last_job_end": "2023-06-30"}, headers=world.headers("admin"))
    assert set_.json()["last_job_end"] == "2023-06-30"
    cleared = client.patch(url, json={"last_job_end": None}, headers=world.headers("admin"))
    assert cleared.json()["last_job_end"] is None


def test_the_caseload_can_be_filtered_to_those_waiting_for_a_placement(client, session):
    from models.match import Match, MatchStatus
    from models.org import Unit
    from models.participant import Participant
    from tests.api.world import seed_world
    from tests.factories import make_participant

    world = seed_world(session)
    unit_a = session.get(Participant, world.participant_a).unit_id
    placed = make_participant(session, unit=session.get(Unit, unit_a))
    session.add(
        Match(participant_id=placed.id, placement_id=world.placement, status=MatchStatus.started)
    )
    session.commit()
    url = "/api/v1/participants"
    waiting = client.get(url, params={"placed": False}, headers=world.headers("caseworker"))
    holding = client.get(url, params={"placed": True}, headers=world.headers("caseworker"))
    assert [p["id"] for p in waiting.json()["data"]] == [world.participant_a]
    assert [p["id"] for p in holding.json()["data"]] == [placed.id]


def test_the_language_level_is_kept_as_entered_beside_its_cefr_value(client, session, world):
    body = participant_body(language_level="sfi c", language_entered="C2")
    created = client.post(URL, json=body, headers=world.headers("caseworker")).json()
    # stored as entered (spelled one way), shown beside the normalised CEFR level;
    # a language_entered sent by the client is replaced by what language_level says
    assert (created["language_level"], created["language_label"]) == (2, "A2")
    assert created["language_entered"] == "SFI C"
    assert session.get(Participant, created["id"]).language_entered == "SFI C"
    changed = client.patch(
        f"{URL}/{created['id']}", json={"language_level": "B1"}, headers=world.headers("caseworker")
    ).json()
    assert (changed["language_entered"], changed["language_label"]) == ("B1", "B1")
    untouched = client.patch(
        f"{URL}/{created['id']}", json={"support_need": 4}, headers=world.headers("caseworker")
    ).json()
    assert untouched["language_entered"] == "B1"
