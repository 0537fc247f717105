"""Bad input is answered 422 naming the field in the problem shape, and writes nothing.

Each case sends one defect to a participant or catalog route and checks three things:
the status, that ``errors[].loc`` points at the offending field, and that no table gained
or lost a row (the access log and revision history included).
"""

from __future__ import annotations

import pytest
from sqlmodel import SQLModel

from tests.api.world import count_rows, participant_body, placement_body, seed_world

V1 = "/api/v1"
TABLES = [t for t in SQLModel.metadata.sorted_tables]


def _world_urls(world) -> dict[str, str]:
    return {
        "participants": f"{V1}/participants",
        "participant": f"{V1}/participants/{world.participant_a}",
        "departments": f"{V1}/departments",
        "department": f"{V1}/departments/{world.department}",
        "types": f"{V1}/placement-types",
        "type": f"{V1}/placement-types/{world.type_code}",
        "placements": f"{V1}/placements",
        "placement": f"{V1}/placements/{world.placement}",
        "concepts": f"{V1}/concepts",
        "import": f"{V1}/concepts/import",
    }


def _p(**overrides):
    return lambda world: {"json": participant_body(**overrides)}


def _pl(**overrides):
    return lambda world: {"json": placement_body(world, **overrides)}


def _json(body):
    return lambda world: {"json": body}


def _params(**params):
    return lambda world: {"params": params}


# (id, method, url key, who, request, expected loc of the first error)
CASES = [
    ("missing-ref", "POST", "participants", "caseworker", _p(ref=None), ["body", "ref"]),
    ("ref-pattern", "POST", "participants", "caseworker", _p(ref="a b"), ["body", "ref"]),
    (
        "birth-year",
        "POST",
        "participants",
        "caseworker",
        _p(birth_year=1800),
        ["body", "birth_year"],
    ),
    ("gender", "POST", "participants", "caseworker", _p(gender="Q"), ["body", "gender"]),
    (
        "language",
        "POST",
        "participants",
        "caseworker",
        _p(language_level="Z9"),
        ["body", "language_level"],
    ),
    (
        "support-need",
        "POST",
        "participants",
        "caseworker",
        _p(support_need=0),
        ["body", "support_need"],
    ),
    ("latitude", "POST", "participants", "caseworker", _p(home_lat=91), ["body", "home_lat"]),
    ("skills-type", "POST", "participants", "caseworker", _p(skills="cooking"), ["body", "skills"]),
    (
        "too-many-interests",
        "POST",
        "participants",
        "caseworker",
        _p(interests=["occupation:care"] * 11),
        ["body", "interests"],
    ),
    (
        "unknown-skill",
        "POST",
        "participants",
        "caseworker",
        _p(skills=["competence:cooking", "x"]),
        ["body", "skills", 1],
    ),
    (
        "other-unit",
        "POST",
        "participants",
        "caseworker",
        lambda w: {"json": participant_body(unit_id=w.unit_b)},
        ["body", "unit_id"],
    ),
    (
        "patch-support",
        "PATCH",
        "participant",
        "caseworker",
        _json({"support_need": 9}),
        ["body", "support_need"],
    ),
    (
        "patch-hours",
        "PATCH",
        "participant",
        "caseworker",
        _json({"max_hours": 0}),
        ["body", "max_hours"],
    ),
    (
        "patch-language",
        "PATCH",
        "participant",
        "caseworker",
        _json({"language_level": "SFI E"}),
        ["body", "language_level"],
    ),
    (
        "patch-interest",
        "PATCH",
        "participant",
        "caseworker",
        _json({"interests": ["nope"]}),
        ["body", "interests", 0],
    ),
    ("patch-not-object", "PATCH", "participant", "admin", _json([1, 2]), ["body"]),
    (
        "path-not-int",
        "GET",
        "participants",
        "admin",
        lambda w: {"url": f"{V1}/participants/abc"},
        ["path", "participant_id"],
    ),
    ("page-limit", "GET", "participants", "admin", _params(limit=0), ["query", "limit"]),
    ("page-offset", "GET", "placements", "admin", _params(offset=-1), ["query", "offset"]),
    ("active-flag", "GET", "participants", "admin", _params(active="maybe"), ["query", "active"]),
    ("concept-kind", "GET", "concepts", "admin", _params(kind="tool"), ["query", "kind"]),
    (
        "department-code",
        "POST",
        "departments",
        "admin",
        _json({"code": "", "name": "X"}),
        ["body", "code"],
    ),
    (
        "department-kind",
        "PATCH",
        "department",
        "admin",
        _json({"kind": "agency"}),
        ["body", "kind"],
    ),
    (
        "type-min-age",
        "POST",
        "types",
        "admin",
        _json({"code": "t", "name": "T", "min_age": 5}),
        ["body", "min_age"],
    ),
    (
        "type-ages",
        "PATCH",
        "type",
        "admin",
        _json({"min_age": 40, "max_age": 30}),
        ["body", "max_age"],
    ),
    ("huge-unit", "POST", "participants", "admin", _p(unit_id=2**63), ["body", "unit_id"]),
    (
        "huge-department",
        "POST",
        "placements",
        "admin",
        _pl(department_id=2**63),
        ["body", "department_id"],
    ),
    ("bool-for-int", "POST", "placements", "admin", _pl(slots=True), ["body", "slots"]),
    ("string-for-int", "PATCH", "placement", "admin", _json({"slots": "5"}), ["body", "slots"]),
    (
        "int-for-bool",
        "PATCH",
        "participant",
        "caseworker",
        _json({"newcomer": 1}),
        ["body", "newcomer"],
    ),
    (
        "number-for-date",
        "POST",
        "participants",
        "caseworker",
        _p(assistance_start=1700000000),
        ["body", "assistance_start"],
    ),
    ("slots", "POST", "placements", "admin", _pl(slots=0), ["body", "slots"]),
    ("hours", "POST", "placements", "admin", _pl(hours_per_week=41), ["body", "hours_per_week"]),
    (
        "start-date",
        "POST",
        "placements",
        "admin",
        _pl(start_date="someday"),
        ["body", "start_date"],
    ),
    ("work-area", "POST", "placements", "admin", _pl(work_area="nowhere"), ["body", "work_area"]),
    (
        "department",
        "POST",
        "placements",
        "admin",
        _pl(department_id=404),
        ["body", "department_id"],
    ),
    (
        "patch-supervision",
        "PATCH",
        "placement",
        "admin",
        _json({"supervision": 4}),
        ["body", "supervision"],
    ),
    (
        "patch-skill",
        "PATCH",
        "placement",
        "admin",
        _json({"required_skills": ["gone"]}),
        ["body", "required_skills", 0],
    ),
    ("import-label", "POST", "import", "admin", _json([{"id": "a"}]), ["body", 0, "label_sv"]),
    (
        "import-broader",
        "POST",
        "import",
        "admin",
        _json([{"id": "a", "label_sv": "A", "broader_id": "b"}]),
        ["body", 0, "broader_id"],
    ),
]


@pytest.fixture
def world(session):
    return seed_world(session)


def _row_counts(session) -> dict[str, int]:
    return {table.name: count_rows(session, table) for table in TABLES}


@pytest.mark.parametrize(
    ("method", "target", "who", "request_for", "loc"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_bad_input_names_the_field_and_writes_nothing(
    client, session, world, method, target, who, request_for, loc
):
    before = _row_counts(session)
    request = request_for(world)
    url = request.pop("url", _world_urls(world)[target])
    response = client.request(method, url, headers=world.headers(who), **request)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 422 and problem["title"] and problem["detail"]
    assert problem["errors"][0]["loc"] == loc
    assert _row_counts(session) == before


def test_an_invalid_date_range_names_the_field_in_the_message(client, session, world):
    before = _row_counts(session)
    response = client.post(
        f"{V1}/placements",
        json=placement_body(world, start_date="2026-05-01", end_date="2026-04-01"),
        headers=world.headers("coordinator"),
    )
    assert response.status_code == 422
    assert "end_date" in response.json()["errors"][0]["msg"]
    assert _row_counts(session) == before


def test_a_rejected_read_of_another_unit_writes_only_its_refusal(client, session, world):
    before = _row_counts(session)
    response = client.get(
        f"{V1}/participants/{world.participant_b}", headers=world.headers("caseworker")
    )
    assert response.status_code == 404
    after = _row_counts(session)
    assert after.pop("accesslog") == before.pop("accesslog") + 1  # action "refused"
    assert after == before
