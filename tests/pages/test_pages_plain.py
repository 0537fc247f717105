"""Pages without a browser: placement types and their rules, the stop switch, and the
concept labels on a participant's page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel

from api.app import create_app
from api.settings import Settings
from models.db import make_engine
from tests.pages.web_world import csrf_of, seed_web_world, sign_in, username_of

BANNER = "Förslagen är pausade av en administratör"


@pytest.fixture
def web() -> Iterator[tuple[TestClient, TestClient, Session, object]]:
    """An admin's and a caseworker's signed-in clients on one app."""
    engine = make_engine("sqlite://", poolclass=StaticPool)
    SQLModel.metadata.create_all(engine)
    session = Session(engine, expire_on_commit=False)
    world = seed_web_world(session)
    app = create_app(settings=Settings(database_url="sqlite://"), engine=engine)
    with TestClient(app) as admin, TestClient(app) as caseworker:
        assert sign_in(admin, username_of(session, world, "admin")).status_code == 303
        assert sign_in(caseworker, username_of(session, world, "caseworker")).status_code == 303
        yield admin, caseworker, session, world
    session.close()
    engine.dispose()


def _type(client: TestClient, world, code: str) -> dict:
    return client.get(f"/api/v1/placement-types/{code}", headers=world.headers("admin")).json()


def test_an_admin_changes_a_types_rules_and_an_empty_age_box_clears_the_limit(web):
    admin, _, _, world = web
    page = admin.get("/admin/placement-types")
    assert page.status_code == 200 and "Insatstyper" in page.text
    form = {
        "csrf_token": csrf_of(admin, "/admin/placement-types"),
        "name": "Praktik med stöd",
        "min_age": "18",
        "max_age": "",
        "min_months_on_assistance": "6",
        "long_term_months": "24",
        "newcomer_or_long_term": "true",
        "meaningful_days": "120",
    }
    saved = admin.post(
        f"/admin/placement-types/{world.type_code}", data=form, follow_redirects=False
    )
    assert saved.status_code == 303
    rules = _type(admin, world, world.type_code)
    assert rules["name"] == "Praktik med stöd"
    assert (rules["min_age"], rules["max_age"]) == (18, None)
    assert (rules["min_months_on_assistance"], rules["long_term_months"]) == (6, 24)
    assert rules["newcomer_or_long_term"] is True and rules["meaningful_days"] == 120
    # unticked box and empty age: no requirement, no lower age
    form.update(min_age="", newcomer_or_long_term="", meaningful_days="")
    del form["newcomer_or_long_term"]
    admin.post(f"/admin/placement-types/{world.type_code}", data=form)
    rules = _type(admin, world, world.type_code)
    assert rules["min_age"] is None and rules["newcomer_or_long_term"] is False
    assert rules["meaningful_days"] is None


def test_an_age_out_of_range_is_refused_and_nothing_is_saved(web):
    admin, _, _, world = web
    before = _type(admin, world, world.type_code)
    form = {
        "csrf_token": csrf_of(admin, "/admin/placement-types"),
        "name": "x",
        "min_age": "3",
        "min_months_on_assistance": "0",
        "long_term_months": "12",
    }
    refused = admin.post(f"/admin/placement-types/{world.type_code}", data=form)
    assert refused.status_code == 422
    assert _type(admin, world, world.type_code) == before


def test_a_caseworker_sees_the_types_but_cannot_change_them(web):
    _, caseworker, _, world = web
    page = caseworker.get("/admin/placement-types")
    assert (
        page.status_code == 200 and '<form method="post" action="/admin/placement' not in page.text
    )
    form = {"csrf_token": csrf_of(caseworker, "/caseload"), "name": "x",
            "min_months_on_assistance": "0", "long_term_months": "12"}  # fmt: skip
    assert (
        caseworker.post(f"/admin/placement-types/{world.type_code}", data=form).status_code == 403
    )


def test_the_stop_switch_pauses_suggestions_with_a_banner_for_everyone_and_resumes(web):
    admin, caseworker, _, world = web
    assert BANNER not in caseworker.get("/caseload").text
    token = csrf_of(admin, "/admin/oversight")
    paused = admin.post(
        "/admin/oversight/pause", data={"csrf_token": token, "reason": "granskning av modellen"},
        follow_redirects=False,
    )  # fmt: skip
    assert paused.status_code == 303
    state = admin.get("/admin/oversight").text
    assert "Pausad" in state and "granskning av modellen" in state
    assert BANNER in caseworker.get("/caseload").text
    api = caseworker.get(
        f"/api/v1/participants/{world.participant_a}/suggestions",
        headers=world.headers("caseworker"),
    )
    assert api.status_code == 503
    # pausing twice is a conflict, shown as a page, and changes nothing
    again = admin.post("/admin/oversight/pause", data={"csrf_token": token, "reason": "igen"})
    assert again.status_code == 409
    admin.post("/admin/oversight/resume", data={"csrf_token": token, "reason": "klar"})
    assert BANNER not in caseworker.get("/caseload").text
    history = admin.get("/admin/oversight").text
    assert history.count('<tr><th scope="row">') == 2


def test_only_admins_open_the_stop_switch(web):
    _, caseworker, _, _ = web
    assert caseworker.get("/admin/oversight").status_code == 403


def test_the_participant_page_names_skills_by_their_labels_not_their_ids(web):
    _, caseworker, _, world = web
    page = caseworker.get(f"/participants/{world.participant_a}")
    assert page.status_code == 200
    assert "Matlagning" in page.text and "competence:cooking" not in page.text


def test_the_plans_page_shows_the_systems_standing_plan_in_swedish(web):
    """A coordinator (here the admin, who may plan too) sees when and why the system last
    solved its own plan, and that a plan made on the page is only a proposal."""
    from api.standing_plan import StandingPlanKeeper

    admin, _, session, _ = web
    before = admin.get("/plans")
    assert before.status_code == 200 and "Systemets stående plan" in before.text
    assert "Inte löst ännu" in before.text
    plan = StandingPlanKeeper(session.get_bind(), interval=0).run_once(force=True)
    after = admin.get("/plans").text
    assert "Inte löst ännu" not in after and "löst på begäran" in after
    assert f"{plan.n_assigned} / {plan.n_participants}" in after


def test_a_non_parent_hears_nothing_of_parents_commutes_and_no_part_reads_minus_zero(web):
    """The suggestions card shows the factors that apply: a non-parent's card has no
    "(förälder)" rows and no "Gäller inte" lines; a part that rounds to 0 has no sign;
    the chance says what its calibration rests on."""
    _, caseworker, _, world = web
    person = caseworker.get(f"/api/v1/participants/{world.participant_a}",
                            headers=world.headers("caseworker")).json()  # fmt: skip
    assert person["parent"] is False
    page = caseworker.get(f"/participants/{world.participant_a}/suggestions")
    assert page.status_code == 200 and "Uppskattad chans" in page.text
    assert "(förälder)" not in page.text and "inte förälder" not in page.text
    assert "-0,00" not in page.text
    assert "policyns egen uppskattning, ännu inte kalibrerad mot utfall" in page.text


def test_a_parents_interaction_parts_show_for_parents_and_only_for_them():
    from api.pages.caseworker import _bars, _reasons

    parts = {"commute": -0.4, "parent_commute": -0.2, "hours": 0.0, "parent_hours": 0.0}
    reasons = [{"factor": name, "sv": name} for name in parts] + [{"factor": "priority"}]

    def shown(parent):
        bars = [bar["factor"] for bar in _bars(parts, parent)]
        assert [r["factor"] for r in _reasons(reasons, parts, parent)] == [*bars, "priority"]
        return bars

    assert shown(True) == list(parts)  # a parent's zero says "fits, also for a parent"
    assert shown(False) == ["commute", "hours"]
    assert shown(None) == ["commute", "parent_commute", "hours"]  # unknown: the zero goes


@pytest.mark.parametrize(
    ("language", "value", "digits", "shown"),
    [("sv", -0.001, 2, "0,00"), ("sv", -0.0, 2, "0,00"), ("sv", -0.006, 2, "-0,01"),
     ("en", -0.004, 2, "0.00"), ("sv", 1234.5, 1, "1\xa0234,5")],
)  # fmt: skip
def test_numbers_that_round_to_zero_have_no_sign(language, value, digits, shown):
    from api.pages.i18n import DEFAULT_LANGUAGE, fmt_number, use_language

    use_language(language)
    try:
        assert fmt_number(value, digits) == shown
    finally:
        use_language(DEFAULT_LANGUAGE)  # the language is per context: leave the default


def test_placement_facts_name_the_department_and_type_and_say_no_requirement_in_words(web):
    _, caseworker, session, world = web
    from models.repo_catalog import get_department, get_placement, get_placement_type

    row = get_placement(session, world.placement)
    row.min_language_level = 0  # no Swedish needed: said in words
    session.add(row)
    session.commit()
    page = caseworker.get(f"/placements/{row.id}").text
    assert "Inget krav" in page
    assert get_department(session, row.department_id).name in page
    assert get_placement_type(session, row.type_code).name in page
    assert "NONE" not in page


def test_an_evaluator_trains_from_the_models_page_and_is_told_why_it_could_not(web):
    """The models page has the form; the training runs as a job whose page says what
    happened (this small world has too few outcomes to train on)."""
    from api.services.replay_jobs import ReplayRunner

    admin, caseworker, session, world = web
    app = admin.app
    app.state.replay_runner = ReplayRunner(inline=True)  # one shared in-memory connection
    with TestClient(app) as evaluator:
        assert sign_in(evaluator, username_of(session, world, "evaluator")).status_code == 303
        page = evaluator.get("/evaluation/models")
        assert page.status_code == 200 and "Träna en modell" in page.text
        started = evaluator.post(
            "/evaluation/models/train",
            data={"cut": "2026-01-01", "horizon_days": "60",
                  "csrf_token": csrf_of(evaluator, "/evaluation/models")},
            follow_redirects=False,
        )  # fmt: skip
        assert started.status_code == 303
        assert re.fullmatch(r"/evaluation/training-jobs/\d+", started.headers["location"])
        job = evaluator.get(started.headers["location"])
        assert job.status_code == 200 and "Träningen misslyckades: cannot train" in job.text
    listed = admin.get("/evaluation/models")  # an admin sees the models, trains none
    assert listed.status_code == 200 and "Träna en modell" not in listed.text
