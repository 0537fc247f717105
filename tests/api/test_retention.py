"""Retention with a frozen clock: what expired goes, a legal hold keeps its participant."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from api.services.retention import run_retention
from models.audit import AccessLog, IdempotencyRecord
from models.audit_chain import append_access
from models.clock import FrozenClock
from models.data_rights import PSEUDONYM_PREFIX
from models.match import Match, MatchEvent, MatchStatus, Outcome, OutcomeKind
from models.org import Role
from models.participant import Participant
from models.repo_audit_chain import verify_chain
from models.retention import LegalHold, RecordKind, RetentionRule
from tests.factories import (
    make_concept,
    make_department,
    make_participant,
    make_placement,
    make_placement_type,
    make_unit,
    make_user,
)

CLOSED = datetime(2026, 2, 1, tzinfo=UTC)
NOW = CLOSED + timedelta(days=5 * 365 + 30)  # past every default rule


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def session(request):
    """Each test on SQLite and on the real PostgreSQL."""
    engine = request.getfixturevalue("engine" if request.param == "sqlite" else "pg_engine")
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def history(session: Session) -> dict:
    unit = make_unit(session)
    admin, _ = make_user(session, role=Role.admin)
    make_placement_type(session)
    make_concept(session, id="occupation:care", kind="occupation")
    department = make_department(session)
    placement = make_placement(session, department=department, work_area="occupation:care")
    people = {}
    for name, active in (("expired", False), ("held", False), ("open", True)):
        participant = make_participant(session, unit=unit)
        participant.active, participant.updated_at = active, CLOSED
        match = Match(
            participant_id=participant.id,
            placement_id=placement.id,
            status=MatchStatus.ended,
            reason_text=f"notes about {name}",
            decided_at=CLOSED - timedelta(days=90),
        )
        session.add_all([participant, match])
        session.flush()
        session.add(MatchEvent(match_id=match.id, status=MatchStatus.ended, at=CLOSED))
        session.add(
            Outcome(
                match_id=match.id,
                kind=OutcomeKind.ended_early,
                occurred_on=date(2026, 1, 20),
                reason=f"outcome of {name}",
                recorded_at=CLOSED - timedelta(days=1),
            )
        )
        people[name] = participant.id
    session.add(LegalHold(participant_id=people["held"], reason="appeal", placed_by=admin.id))
    # the access log: two old rows on the expired, then one on the held, then one more
    for name, days in (("expired", 3000), ("expired", 2900), ("held", 2800), ("expired", 2700)):
        append_access(
            session,
            {
                "user_id": admin.id,
                "participant_id": people[name],
                "at": NOW - timedelta(days=days),
                "method": "GET",
                "route": "/x",
                "action": "read",
            },
        )
    session.add(
        IdempotencyRecord(
            user_id=admin.id, key="k", request_hash="h", status_code=201, body={},
            created_at=NOW - timedelta(days=3),
        )
    )  # fmt: skip
    session.commit()
    return people


def _state(session: Session, participant_id: int) -> tuple[str, str | None]:
    session.expire_all()
    ref = session.get(Participant, participant_id).ref
    text = session.exec(
        select(Match.reason_text).where(Match.participant_id == participant_id)
    ).one()
    return ref, text


def test_dry_run_reports_and_changes_nothing(session, history):
    before = {name: _state(session, pid) for name, pid in history.items()}
    report = run_retention(session, clock=FrozenClock(NOW), dry_run=True)
    session.rollback()
    assert report.pseudonymised == [history["expired"]]
    assert report.kept_for_hold == [history["held"]]
    assert report.free_texts_deleted == 2  # the expired's decision and outcome reasons
    assert report.access_log_deleted == 2 and report.idempotency_deleted == 1
    assert {name: _state(session, pid) for name, pid in history.items()} == before


def test_run_pseudonymises_the_expired_and_keeps_the_held(session, history):
    report = run_retention(session, clock=FrozenClock(NOW))
    session.commit()
    ref, text = _state(session, history["expired"])
    assert ref.startswith(PSEUDONYM_PREFIX) and text is None
    assert _state(session, history["held"])[1] == "notes about held"
    assert not _state(session, history["held"])[0].startswith(PSEUDONYM_PREFIX)
    assert _state(session, history["open"])[1] == "notes about open"
    # the access log is cut only up to the first row the hold keeps
    remaining = session.exec(select(AccessLog.participant_id).order_by(AccessLog.id)).all()
    assert remaining == [history["held"], history["expired"]]
    assert verify_chain(session, AccessLog) == (2, None)  # anchored after the cut
    assert session.exec(select(IdempotencyRecord)).all() == []
    assert "kept under a legal hold: 1" in report.describe()
    # nothing left to do the second time
    again = run_retention(session, clock=FrozenClock(NOW))
    assert again.pseudonymised == [] and again.access_log_deleted == 0


def test_nothing_expires_before_its_time(session, history):
    report = run_retention(session, clock=FrozenClock(CLOSED + timedelta(days=30)))
    assert report.pseudonymised == [] and report.free_texts_deleted == 0
    assert report.access_log_deleted == 0


def test_the_rules_are_data(session, history):
    # the migrated schema seeds the shipped rules: this replaces the participant rule
    session.merge(RetentionRule(kind=RecordKind.participant, days=100 * 365, action="pseudonymise"))
    session.commit()
    report = run_retention(session, clock=FrozenClock(NOW))
    assert report.pseudonymised == []
    assert report.free_texts_deleted == 2  # its own rule still applies


def test_the_migration_seeds_the_shipped_rules(tmp_path):
    from models.db import make_engine, upgrade
    from models.repo_retention import retention_rules
    from models.retention import DEFAULT_RULES

    url = f"sqlite:///{tmp_path / 'rules.db'}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        stored = session.exec(select(RetentionRule)).all()
        in_force = retention_rules(session)
    engine.dispose()
    assert {(r.kind, r.days, r.action, r.note) for r in stored} == set(DEFAULT_RULES)
    assert set(in_force) == set(RecordKind)


def _standing_plan(session: Session, created_at: datetime):
    from models.standing_plan import StandingPlan

    plan = StandingPlan(
        created_at=created_at, planned_on=created_at.date(), trigger="none",
        scorer_version="hand", catalog_version=0, layout_version=0, caseload_version=0,
        n_participants=1, n_placements=1, n_assigned=1, objective=0.5, solver_seconds=0.0,
        placement_prices={}, department_prices={}, picks={"1": 1},
    )  # fmt: skip
    session.add(plan)
    session.flush()
    return plan.id


def test_standing_plans_go_after_their_days_but_the_newest_stays(session, history):
    """Each solve stores who the plan gave what: derived personal data with a rule of its
    own (30 days), and the newest plan, which may still price the lists, is never cut."""
    from models.standing_plan import StandingPlan

    old = [_standing_plan(session, NOW - timedelta(days=d)) for d in (90, 60)]
    newest_but_old = _standing_plan(session, NOW - timedelta(days=40))
    session.commit()
    dry = run_retention(session, clock=FrozenClock(NOW), dry_run=True)
    session.rollback()
    assert dry.standing_plans_deleted == 2 and "standing plans deleted (would): 2" in (
        dry.describe()
    )
    report = run_retention(session, clock=FrozenClock(NOW))
    session.commit()
    kept = set(session.exec(select(StandingPlan.id)).all())
    assert report.standing_plans_deleted == 2
    assert kept == {newest_but_old} and not kept & set(old)
    fresh = _standing_plan(session, NOW - timedelta(days=1))
    session.commit()
    again = run_retention(session, clock=FrozenClock(NOW))
    session.commit()
    assert again.standing_plans_deleted == 1  # the 40-day-old one, no longer the newest
    assert set(session.exec(select(StandingPlan.id)).all()) == {fresh}
