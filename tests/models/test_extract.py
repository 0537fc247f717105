# ruff: noqa: F811  (pytest fixtures imported from tests.evaluation_demo)
"""The replay extract on the demo history: equal to the engine on a catalog rebuilt with
the repository's own as-of queries, pseudonymised, and free of leakage from the future.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import Session, select

from matcher import (
    CompiledPlacements,
    PolicyScorer,
    Taxonomy,
    load_policy,
    rank_placements,
    values,
)
from matcher.replay import replay_queries
from matcher.replay_data import window_of
from models.convert import (
    concept_to_domain,
    department_capacity,
    participant_to_domain,
    placement_to_domain,
    placement_type_to_domain,
)
from models.db import make_engine
from models.match import Match
from models.repo_extract import build_extract
from models.repo_history import bookings_as_of, states_as_of
from models.taxonomy import SkillConcept
from tests.evaluation_demo import demo_url  # noqa: F401

START = datetime(2020, 1, 1, tzinfo=UTC)
STOP = datetime(2030, 1, 1, tzinfo=UTC)
POLICY = load_policy()
SCORER = PolicyScorer.from_policy(POLICY)
K = 10


@pytest.fixture(scope="module")
def extract(demo_url):
    with Session(make_engine(demo_url)) as session:
        return build_extract(session, START, STOP, salt=b"test-salt")


@pytest.fixture(scope="module")
def replayed(extract):
    return replay_queries(extract, extract.decisions.queries, SCORER, POLICY, k=K)


def _as_of_catalog(session: Session, at: datetime) -> CompiledPlacements:
    """The engine's catalog as of ``at``, from the repository's as-of queries.

    Full placements and departments are left out (the engine excludes them too), so the
    compiled eligibility is the type rules and the open dates.
    """
    held = bookings_as_of(session, at)
    by_placement: dict[int, int] = {}
    by_quota: dict[int, int] = {}
    for match in held:
        by_placement[match.placement_id] = by_placement.get(match.placement_id, 0) + 1
        if match.quota_id is not None:
            by_quota[match.quota_id] = by_quota.get(match.quota_id, 0) + 1
    day = at.date()
    quotas = {}
    for quota in sorted(
        states_as_of(session, "quota", at).values(),
        key=lambda q: (q["period_start"], q["id"]),
    ):
        if quota["period_start"] <= day.isoformat() <= quota["period_end"]:
            quotas[quota["department_id"]] = quota
    capacities = {d: department_capacity(d, q, by_quota.get(q["id"], 0)) for d, q in quotas.items()}
    placements = []
    for state in states_as_of(session, "placement", at).values():
        left = state["slots"] - by_placement.get(state["id"], 0)
        capacity = capacities.get(state["department_id"])
        full_department = capacity is not None and capacity.remaining_quota <= 0
        if state.get("is_open", True) and left > 0 and not full_department:
            placements.append(placement_to_domain(state, left))
    types = {
        code: placement_type_to_domain(state)
        for code, state in states_as_of(session, "placementtype", at).items()
    }
    taxonomy = Taxonomy([concept_to_domain(c) for c in session.exec(select(SkillConcept))])
    return CompiledPlacements.build(placements, taxonomy, types, capacities)


def test_every_replayed_decision_equals_the_engine_on_a_rebuilt_catalog(
    demo_url, extract, replayed
):
    with Session(make_engine(demo_url)) as session:
        matches = session.exec(select(Match).order_by(Match.decided_at, Match.id)).all()
        assert len(matches) == len(extract.decisions)
        rng = np.random.default_rng(0)
        for i in sorted(rng.choice(len(matches), size=40, replace=False).tolist()):
            match = matches[i]
            at = match.decided_at
            compiled = _as_of_catalog(session, at)
            state = states_as_of(session, "participant", at, [str(match.participant_id)])[
                str(match.participant_id)
            ]
            person = participant_to_domain(state, at.date())
            ranking = rank_placements(
                person, compiled, SCORER, k=len(compiled), as_of=at.date(), policy=POLICY
            )
            ids = [item.placement_id for item in ranking.items]
            expected = ids.index(match.placement_id) + 1 if match.placement_id in ids else np.inf
            assert replayed.rank[i] == expected, f"decision {i}"
            top = replayed.top_ids[i][replayed.top_ids[i] >= 0].tolist()
            assert top == ids[:K]
            assert replayed.candidate_count[i] == len(ids)
            if np.isfinite(expected):
                item = ranking.items[int(expected) - 1]
                chosen = replayed.chosen_X[i : i + 1].copy()
                # the replay's chosen row has the capacity of the moment; the score is
                # P(success) + adjustments on the same features
                assert values(SCORER, chosen, POLICY).probability[0] == pytest.approx(
                    item.probability
                )


def test_the_extract_names_nobody(extract):
    d = extract.decisions
    assert len(d) > 0
    assert all(len(p) == 20 and int(p, 16) >= 0 for p in d.pseudonym)
    ids = {p.id for p in d.queries.participant}
    assert ids <= set(range(len(set(d.pseudonym)) + 400))  # indices, not database ids
    assert set(d.groups) == {"gender", "age_band", "newcomer", "support_need", "unit"}
    assert all(len(values) == len(d) for values in d.groups.values())


def test_pseudonyms_depend_on_the_salt(demo_url, extract):
    with Session(make_engine(demo_url)) as session:
        other = build_extract(session, START, STOP, salt=b"another-salt")
    assert not set(other.decisions.pseudonym) & set(extract.decisions.pseudonym)


def _truncate_after(url: str, at: datetime) -> None:
    """Delete everything dated after ``at`` and scramble the current-state rows.

    The replay must read history only (revisions, the status log); current rows hold
    today's state, so scrambling them must not change any replay either.
    """
    stamp = at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    engine = make_engine(url)
    with engine.begin() as db:
        late = "SELECT id FROM match WHERE decided_at > :t"
        db.execute(
            text(f"DELETE FROM outcome WHERE recorded_at > :t OR match_id IN ({late})"),
            {"t": stamp},
        )
        db.execute(
            text(f"DELETE FROM matchevent WHERE at > :t OR match_id IN ({late})"), {"t": stamp}
        )
        db.execute(text("DELETE FROM match WHERE decided_at > :t"), {"t": stamp})
        lists = "SELECT id FROM suggestion WHERE created_at > :t"
        db.execute(
            text(f"DELETE FROM suggestionitem WHERE suggestion_id IN ({lists})"), {"t": stamp}
        )
        db.execute(text("DELETE FROM suggestion WHERE created_at > :t"), {"t": stamp})
        db.execute(text("DELETE FROM revision WHERE valid_from > :t"), {"t": stamp})
        db.execute(text("UPDATE placement SET slots = 1, booked = 0, is_open = 0"))
        db.execute(text("UPDATE participant SET support_need = 5, language_level = 0"))
        db.execute(text("UPDATE quota SET max_headcount = 0"))
    engine.dispose()


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(fraction=st.floats(min_value=0.1, max_value=0.95))
def test_nothing_after_a_decision_changes_its_replay(
    demo_url, extract, replayed, tmp_path_factory, fraction
):
    d = extract.decisions
    cut_index = int(fraction * (len(d) - 1))
    at = d.queries.at[cut_index].astype(datetime).replace(tzinfo=UTC)
    copy = tmp_path_factory.mktemp("truncated") / "demo.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    _truncate_after(url, at)
    with Session(make_engine(url)) as session:
        past = build_extract(session, START, STOP, salt=b"test-salt")
    again = replay_queries(past, past.decisions.queries, SCORER, POLICY, k=K)
    n = len(past.decisions)
    assert n == int(np.sum(d.queries.at <= d.queries.at[cut_index]))
    assert np.array_equal(again.rank, replayed.rank[:n])
    assert np.array_equal(again.top_ids, replayed.top_ids[:n])
    assert np.array_equal(again.candidate_count, replayed.candidate_count[:n])
    assert np.array_equal(again.chosen_X, replayed.chosen_X[:n], equal_nan=True)
    for name, labels in past.decisions.groups.items():
        assert np.array_equal(labels, d.groups[name][:n])
    assert np.array_equal(past.decisions.accepted, d.accepted[:n])


def test_a_window_cut_from_the_whole_equals_an_extract_of_that_window(demo_url, extract):
    start, stop = datetime(2025, 6, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    with Session(make_engine(demo_url)) as session:
        direct = build_extract(session, start, stop, salt=b"test-salt")
    cut = window_of(extract, np.datetime64("2025-06-01", "us"), np.datetime64("2026-02-01", "us"))
    a, b = direct.decisions, cut.decisions
    assert len(a) == len(b) > 50
    assert np.array_equal(a.queries.at, b.queries.at)
    assert np.array_equal(a.queries.placement_id, b.queries.placement_id)
    assert np.array_equal(a.accepted, b.accepted) and np.array_equal(a.pseudonym, b.pseudonym)
    for one, other in ((direct.outcomes, cut.outcomes), (direct.lists, cut.lists)):
        for name in ("decision", "success", "known_at", "top_propensity", "accepted_decision"):
            if hasattr(one, name):
                assert np.array_equal(getattr(one, name), getattr(other, name)), name


def test_each_withdrawn_decision_carries_its_withdrawal_moment(demo_url, extract):
    """The replay's decline memory reads when a booking was withdrawn: the moment of its
    withdrawn event, NaT for every decision never withdrawn."""
    from models.match import MatchEvent, MatchStatus

    with Session(make_engine(demo_url)) as session:
        matches = session.exec(select(Match).order_by(Match.decided_at, Match.id)).all()
        events = {
            e.match_id: e.at
            for e in session.exec(
                select(MatchEvent).where(MatchEvent.status == MatchStatus.withdrawn)
            )
        }
    withdrawn_at = extract.decisions.withdrawn_at
    assert len(withdrawn_at) == len(matches)
    assert events, "the demo history withdraws some bookings"
    for i, match in enumerate(matches):
        if match.id in events:
            at = events[match.id]
            at = at if at.tzinfo is None else at.astimezone(UTC).replace(tzinfo=None)
            assert withdrawn_at[i] == np.datetime64(at, "us")
        else:
            assert np.isnat(withdrawn_at[i])
