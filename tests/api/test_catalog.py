"""Catalog routes: departments, placement types, placements and the taxonomy import."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models.history import Revision
from models.org import Department
from models.placement import Placement
from models.repo_catalog_state import catalog_version
from models.taxonomy import PlacementType, SkillConcept
from tests.api.world import count_rows, placement_body, seed_world

V1 = "/api/v1"


@pytest.fixture
def world(session):
    return seed_world(session)


def _revisions(session, entity: str, entity_id) -> list[Revision]:
    session.expire_all()
    return list(
        session.exec(
            select(Revision)
            .where(Revision.entity == entity, Revision.entity_id == str(entity_id))
            .order_by(Revision.version)
        ).all()
    )


# -- departments ----------------------------------------------------------------------


def test_every_role_reads_departments(client, world):
    for who in ("caseworker", "coordinator", "evaluator", "admin"):
        page = client.get(f"{V1}/departments", headers=world.headers(who)).json()
        assert [d["code"] for d in page["data"]] == ["VOF"]
    one = client.get(f"{V1}/departments/{world.department}", headers=world.headers("evaluator"))
    assert one.json()["name"] == "Vård- och omsorgsförvaltningen"
    assert client.get(f"{V1}/departments/4242", headers=world.headers("admin")).status_code == 404


def test_coordinator_adds_and_renames_departments_codes_stay_unique(client, session, world):
    created = client.post(
        f"{V1}/departments",
        json={"code": "SKOL", "name": "Skolförvaltningen", "id": 77},
        headers=world.headers("coordinator"),
    )
    assert created.status_code == 201 and created.json()["id"] != 77
    again = client.post(
        f"{V1}/departments", json={"code": "SKOL", "name": "Kopia"}, headers=world.headers("admin")
    )
    assert again.status_code == 409
    renamed = client.patch(
        f"{V1}/departments/{created.json()['id']}",
        json={"name": "Barn- och skolförvaltningen", "kind": "company", "code": "NEW"},
        headers=world.headers("coordinator"),
    )
    assert renamed.json()["name"] == "Barn- och skolförvaltningen"
    assert renamed.json()["code"] == "SKOL" and renamed.json()["kind"] == "company"
    denied = client.post(
        f"{V1}/departments", json={"code": "X", "name": "X"}, headers=world.headers("caseworker")
    )
    assert denied.status_code == 403
    assert count_rows(session, Department) == 2


# -- placement types ------------------------------------------------------------------


def test_admin_creates_and_changes_placement_types_with_history(client, session, world):
    version = catalog_version(session)
    created = client.post(
        f"{V1}/placement-types",
        json={"code": "ungdom", "name": "Ungdomsanställning", "max_age": 24},
        headers=world.headers("admin"),
    )
    assert created.status_code == 201
    changed = client.patch(
        f"{V1}/placement-types/ungdom", json={"max_age": 25}, headers=world.headers("admin")
    )
    assert changed.json()["max_age"] == 25
    history = _revisions(session, "placementtype", "ungdom")
    assert [r.data["max_age"] for r in history] == [24, 25]
    assert history[-1].recorded_by == world.user_ids["admin"]
    assert catalog_version(session) == version + 2  # eligibility is part of what matching reads
    assert client.get(f"{V1}/placement-types/ungdom", headers=world.headers("evaluator")).is_success


def test_placement_type_rules_are_checked(client, world):
    admin = world.headers("admin")
    duplicate = client.post(
        f"{V1}/placement-types", json={"code": "praktik", "name": "Igen"}, headers=admin
    )
    assert duplicate.status_code == 409
    upside_down = client.post(
        f"{V1}/placement-types",
        json={"code": "x", "name": "X", "min_age": 30, "max_age": 20},
        headers=admin,
    )
    assert upside_down.status_code == 422
    assert upside_down.json()["errors"][0]["loc"] == ["body", "max_age"]
    patch = client.patch(f"{V1}/placement-types/praktik", json={"min_age": 30}, headers=admin)
    assert patch.is_success
    below = client.patch(f"{V1}/placement-types/praktik", json={"max_age": 20}, headers=admin)
    assert below.status_code == 422
    coordinator = client.patch(
        f"{V1}/placement-types/praktik", json={"name": "P"}, headers=world.headers("coordinator")
    )
    assert coordinator.status_code == 403
    assert client.get(f"{V1}/placement-types/nope", headers=admin).status_code == 404


# -- placements -----------------------------------------------------------------------


def test_placements_list_filters_and_evaluators_read(client, session, world):
    client.post(
        f"{V1}/placements",
        json=placement_body(world, work_area="competence:hygiene", title="Städ"),
        headers=world.headers("coordinator"),
    )
    read = world.headers("evaluator")
    assert client.get(f"{V1}/placements", headers=read).json()["count"] == 2
    by_area = client.get(
        f"{V1}/placements", params={"work_area": "competence:hygiene"}, headers=read
    ).json()
    assert [p["title"] for p in by_area["data"]] == ["Städ"]
    closed = client.get(f"{V1}/placements", params={"open": False}, headers=read).json()
    assert closed["count"] == 0
    other_department = client.get(
        f"{V1}/placements", params={"department_id": world.department + 1}, headers=read
    ).json()
    assert other_department["count"] == 0
    by_type = client.get(f"{V1}/placements", params={"type_code": "praktik"}, headers=read).json()
    assert by_type["count"] == 2
    one = client.get(f"{V1}/placements/{world.placement}", headers=read).json()
    assert one["remaining_slots"] == 2


def test_create_placement_ignores_server_fields_records_history_and_bumps(client, session, world):
    version = catalog_version(session)
    body = placement_body(world, booked=3, is_open=False, version=9, id=500)
    response = client.post(f"{V1}/placements", json=body, headers=world.headers("coordinator"))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["id"] != 500 and created["booked"] == 0 and created["is_open"] is True
    assert created["version"] == 1 and created["remaining_slots"] == 3
    assert created["min_language_level"] == 2 and created["min_language_label"] == "A2"
    history = _revisions(session, "placement", created["id"])
    assert len(history) == 1 and history[0].recorded_by == world.user_ids["coordinator"]
    assert catalog_version(session) == version + 1


def test_create_placement_names_every_unknown_reference_and_writes_nothing(client, session, world):
    before = (count_rows(session, Placement), count_rows(session, Revision))
    version = catalog_version(session)
    body = placement_body(
        world,
        department_id=999,
        type_code="nope",
        work_area="no:area",
        required_skills=["competence:cooking", "ghost"],
        useful_skills=["phantom"],
    )
    response = client.post(f"{V1}/placements", json=body, headers=world.headers("admin"))
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [
        ["body", "department_id"],
        ["body", "type_code"],
        ["body", "work_area"],
        ["body", "required_skills", 1],
        ["body", "useful_skills", 0],
    ]
    assert (count_rows(session, Placement), count_rows(session, Revision)) == before
    assert catalog_version(session) == version


def test_patch_placement_history_bump_and_slots_not_below_booked(client, session, world):
    placement = session.get(Placement, world.placement)
    placement.booked = 2
    session.add(placement)
    session.commit()
    url, coordinator = f"{V1}/placements/{world.placement}", world.headers("coordinator")
    version = catalog_version(session)
    lowered = client.patch(url, json={"slots": 1}, headers=coordinator)
    assert lowered.status_code == 409 and "2 booked" in lowered.json()["detail"]
    raised = client.patch(
        url, json={"slots": 4, "booked": 0, "is_open": False}, headers=coordinator
    )
    assert raised.status_code == 200
    assert raised.json()["booked"] == 2 and raised.json()["remaining_slots"] == 2
    assert raised.json()["is_open"] is False and raised.json()["version"] == 2
    assert [r.data["slots"] for r in _revisions(session, "placement", world.placement)] == [2, 4]
    assert catalog_version(session) == version + 1


def test_patch_placement_checks_skills_and_dates(client, session, world):
    url, admin = f"{V1}/placements/{world.placement}", world.headers("admin")
    unknown = client.patch(url, json={"useful_skills": ["ghost"]}, headers=admin)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["body", "useful_skills", 0]
    early = client.patch(url, json={"end_date": "2025-01-01"}, headers=admin)
    assert early.status_code == 422 and early.json()["errors"][0]["loc"] == ["body", "end_date"]
    assert len(_revisions(session, "placement", world.placement)) == 1
    caseworker = client.patch(url, json={"slots": 5}, headers=world.headers("caseworker"))
    assert caseworker.status_code == 403
    assert client.patch(f"{V1}/placements/31337", json={}, headers=admin).status_code == 404


# -- taxonomy -------------------------------------------------------------------------


def test_concepts_page_and_filters(client, world):
    headers = world.headers("evaluator")
    below = client.get(
        f"{V1}/concepts", params={"broader_id": "occupation:care"}, headers=headers
    ).json()
    assert [c["id"] for c in below["data"]] == ["competence:cooking", "competence:hygiene"]
    occupations = client.get(f"{V1}/concepts", params={"kind": "occupation"}, headers=headers)
    assert [c["id"] for c in occupations.json()["data"]] == ["occupation:care"]
    page = client.get(f"{V1}/concepts", params={"limit": 1, "offset": 1}, headers=headers).json()
    assert page["count"] == 3 and [c["id"] for c in page["data"]] == ["competence:hygiene"]
    assert client.get(f"{V1}/concepts/competence:cooking", headers=headers).is_success
    assert client.get(f"{V1}/concepts/none", headers=headers).status_code == 404


def test_json_import_allows_forward_references_and_updates_in_place(client, session, world):
    concepts = [
        {"id": "competence:dishes", "label_sv": "Disk", "broader_id": "occupation:kitchen"},
        {"id": "occupation:kitchen", "label_sv": "Kök", "kind": "occupation"},
        {"id": "competence:cooking", "label_sv": "Matlagning", "broader_id": "occupation:kitchen"},
        {"id": "competence:hygiene", "label_sv": "Hygien", "broader_id": "occupation:care"},
    ]
    response = client.post(f"{V1}/concepts/import", json=concepts, headers=world.headers("admin"))
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 2, "updated": 1, "unchanged": 1}
    session.expire_all()
    assert session.get(SkillConcept, "competence:dishes").broader_id == "occupation:kitchen"
    assert session.get(SkillConcept, "competence:cooking").broader_id == "occupation:kitchen"


def test_csv_import_with_bom_and_empty_cells(client, session, world):
    csv_text = (
        "\ufeffid,label_sv,broader_id,kind\n"
        "local:park,Parkskötsel,occupation:green,\n"
        "occupation:green,Grönyteskötsel,,occupation\n"
    )
    response = client.post(
        f"{V1}/concepts/import",
        content=csv_text.encode(),
        headers={**world.headers("admin"), "Content-Type": "text/csv; charset=utf-8"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 2
    park = session.get(SkillConcept, "local:park")
    assert (park.broader_id, park.kind) == ("occupation:green", "competence")


@pytest.mark.parametrize(
    ("concepts", "expected_locs", "says"),
    [
        (
            [
                {"id": "a", "label_sv": "A", "broader_id": "ghost"},
                {"id": "b", "label_sv": "B"},
                {"id": "c", "label_sv": "C", "broader_id": "spook"},
            ],
            [["body", 0, "broader_id"], ["body", 2, "broader_id"]],
            ["'ghost' (row 0)", "'spook' (row 2)"],
        ),
        (
            [
                {"id": "x", "label_sv": "X", "broader_id": "y"},
                {"id": "y", "label_sv": "Y", "broader_id": "x"},
            ],
            [["body", 0, "broader_id"]],
            ["x -> y -> x"],
        ),
        ([{"id": "s", "label_sv": "S", "broader_id": "s"}], [["body", 0, "broader_id"]], ["cycle"]),
        (  # a stored concept pulled into a cycle through the file
            [
                {"id": "occupation:care", "label_sv": "Vård", "broader_id": "competence:cooking"},
                {"id": "n", "label_sv": "N"},
            ],
            [["body", 0, "broader_id"]],
            ["cycle"],
        ),
        (
            [{"id": "d", "label_sv": "D"}, {"id": "d", "label_sv": "D2"}],
            [["body", 1, "id"]],
            ["repeats row 0"],
        ),
        (
            [{"id": "k", "label_sv": "K"}, {"id": "bad id", "label_sv": "K", "kind": "nope"}],
            [["body", 1, "id"], ["body", 1, "kind"]],
            [],
        ),
    ],
    ids=["unknown-broader", "cycle", "self-cycle", "cycle-through-stored", "duplicate", "schema"],
)
def test_import_rejects_the_whole_file(client, session, world, concepts, expected_locs, says):
    before, version = count_rows(session, SkillConcept), catalog_version(session)
    response = client.post(f"{V1}/concepts/import", json=concepts, headers=world.headers("admin"))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["loc"] for e in errors] == expected_locs
    for fragment in says:
        assert any(fragment in e["msg"] for e in errors), (fragment, errors)
    assert count_rows(session, SkillConcept) == before
    assert session.get(SkillConcept, "occupation:care").broader_id is None
    assert catalog_version(session) == version


def test_import_rejects_bad_csv_and_other_media_types(client, session, world):
    admin = world.headers("admin")
    wrong_header = client.post(
        f"{V1}/concepts/import",
        content=b"code,label\nx,X\n",
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert wrong_header.status_code == 422
    assert {e["loc"][-1] for e in wrong_header.json()["errors"]} == {"header"}
    unknown = client.post(
        f"{V1}/concepts/import",
        content=b"id,label_sv,broader_id\nx,X,nowhere\n",
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert unknown.status_code == 422 and "'nowhere' (row 0)" in unknown.json()["errors"][0]["msg"]
    xml = client.post(
        f"{V1}/concepts/import", content=b"<x/>", headers={**admin, "Content-Type": "text/xml"}
    )
    assert xml.status_code == 415 and xml.json()["status"] == 415
    not_json = client.post(
        f"{V1}/concepts/import",
        content=b"[{",
        headers={**admin, "Content-Type": "application/json"},
    )
    assert not_json.status_code == 422
    not_a_list = client.post(f"{V1}/concepts/import", json={"id": "x"}, headers=admin)
    assert not_a_list.status_code == 422
    coordinator = client.post(
        f"{V1}/concepts/import", json=[], headers=world.headers("coordinator")
    )
    assert coordinator.status_code == 403
    assert count_rows(session, SkillConcept) == 3
    assert count_rows(session, PlacementType) == 1


def test_a_placement_states_its_lowest_part_time_hours(client, session, world):
    headers = world.headers("coordinator")
    body = placement_body(world, hours_per_week=40, min_hours=20)
    created = client.post(f"{V1}/placements", json=body, headers=headers).json()
    assert (created["hours_per_week"], created["min_hours"]) == (40, 20)
    assert session.get(Placement, created["id"]).min_hours == 20
    more = client.post(
        f"{V1}/placements", json=placement_body(world, hours_per_week=20, min_hours=30),
        headers=headers,
    )  # fmt: skip
    assert more.status_code == 422
    assert "min_hours" in more.text
