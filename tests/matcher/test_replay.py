"""The replay core: equal to the engine on any small world, exact about "strictly before",
and its report built from the evaluation functions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from hypothesis import Phase, assume, given, settings
from hypothesis import strategies as st

from matcher import (
    FACTORS,
    PREDICTORS,
    CompiledPlacements,
    PolicyScorer,
    load_policy,
    rank_placements,
    values,
)
from matcher.domain import EligibilityRules, Participant, Placement
from matcher.features import predictors, sum_contributions
from matcher.learned import LearnedScorer
from matcher.policy import EligibilityPolicy
from matcher.replay import replay_queries, scores_of
from matcher.replay_data import (
    FOREVER,
    Bookings,
    Decisions,
    LoggedLists,
    Outcomes,
    PlacementStates,
    Queries,
    QuotaStates,
    ReplayExtract,
    TypeStates,
)
from matcher.replay_report import replay_report
from tests.strategies import policies_with_horizon, worlds

POLICY = load_policy()
SCORER = PolicyScorer.from_policy(POLICY)
PAST = np.datetime64("2000-01-01T00:00:00", "us")
US = np.timedelta64(1, "us")


def _moment(day: date) -> np.datetime64:
    return np.datetime64(day.isoformat(), "us") + np.timedelta64(12, "h")


def extract_of(world, *, bookings: Bookings | None = None, queries: Queries | None = None):
    """A one-revision-per-row extract of a hypothesis world (quota rows from capacities)."""
    placements = sorted(world.placements, key=lambda p: p.id)
    n = len(placements)
    caps = [c for c in world.capacities.values() if c.remaining_quota is not None]
    quotas = QuotaStates(
        quota_id=np.arange(1, len(caps) + 1, dtype=np.int64),
        department_id=np.array([c.department_id for c in caps], dtype=np.int64),
        period_start=np.full(len(caps), np.datetime64("1990-01-01", "D")),
        period_end=np.full(len(caps), np.datetime64("2100-01-01", "D")),
        min_headcount=np.array([c.short_of_minimum for c in caps], dtype=np.int64),
        max_headcount=np.array([c.remaining_quota for c in caps], dtype=np.int64),
        valid_from=np.full(len(caps), PAST),
        valid_until=np.full(len(caps), FOREVER),
    )
    codes = tuple(world.types)
    queries = queries or Queries(
        at=np.full(len(world.participants), _moment(world.as_of)),
        participant=tuple(world.participants),
        placement_id=np.full(len(world.participants), placements[0].id, dtype=np.int64),
    )
    empty = np.array([], dtype="datetime64[us]")
    no_bookings = Bookings(np.array([], np.int64), np.array([], np.int64), empty, empty)
    m = len(queries)
    return ReplayExtract(
        start=PAST,
        stop=FOREVER,
        end=FOREVER,
        concepts=tuple(world.concepts),
        placements=PlacementStates(
            placements=tuple(placements),
            placement_id=np.array([p.id for p in placements], dtype=np.int64),
            department_id=np.array([p.department_id for p in placements], dtype=np.int64),
            slots=np.array([p.remaining_slots for p in placements], dtype=np.int64),
            is_open=np.ones(n, dtype=bool),
            valid_from=np.full(n, PAST),
            valid_until=np.full(n, FOREVER),
        ),
        quotas=quotas,
        types=TypeStates(
            code=codes,
            rules=tuple(world.types[c].rules for c in codes),
            valid_from=np.full(len(codes), PAST),
            valid_until=np.full(len(codes), FOREVER),
        ),
        bookings=bookings or no_bookings,
        decisions=Decisions(
            queries=queries,
            accepted=np.ones(m, dtype=bool),
            suggestion_id=np.full(m, -1),
            logged_rank=np.full(m, np.inf),
            override=np.zeros(m, dtype=bool),
            department_id=np.zeros(m, dtype=np.int64),
            groups={
                a: np.array(["a", "b"] * m)[:m]
                for a in ("gender", "age_band", "newcomer", "support_need", "unit")
            },
            pseudonym=np.array([f"{i:020x}" for i in range(m)]),
        ),  # fmt: skip
        outcomes=Outcomes(np.zeros(m, np.int64), np.arange(m) % 2 == 0, np.full(m, PAST)),
        lists=LoggedLists(
            queries=Queries(np.array([], "datetime64[us]"), (), np.array([], np.int64)),
            top_propensity=np.array([]),
            accepted_decision=np.array([], np.int64),
            policy_version=(),
        ),
        department_ids=np.arange(0, 10, dtype=np.int64),
    )


@settings(max_examples=40, deadline=None, phases=(Phase.explicit, Phase.generate))
@given(world=worlds(), policy=policies_with_horizon(POLICY))
def test_the_replay_ranks_as_the_engine_does(world, policy):
    # a quota row always has a maximum: a minimum without one cannot be stored
    caps = {
        d: c if c.remaining_quota is not None else replace(c, short_of_minimum=0)
        for d, c in world.capacities.items()
    }
    roomy = [
        p
        for p in world.placements
        if p.remaining_slots > 0
        and (
            p.department_id not in caps
            or caps[p.department_id].remaining_quota in (None, 1, 2, 3, 4)
        )
    ]
    reference = CompiledPlacements.build(roomy, world.taxonomy, world.types, caps)
    pairs = [(person, p.id) for person in world.participants for p in world.placements]
    queries = Queries(
        at=np.full(len(pairs), _moment(world.as_of)),
        participant=tuple(person for person, _ in pairs),
        placement_id=np.array([pid for _, pid in pairs], dtype=np.int64),
    )
    replayed = replay_queries(extract_of(world, queries=queries), queries, SCORER, policy, k=5)
    for i, (person, placement_id) in enumerate(pairs):
        ranking = rank_placements(
            person, reference, SCORER, k=len(reference), as_of=world.as_of, policy=policy
        )
        ids = [item.placement_id for item in ranking.items]
        expected = ids.index(placement_id) + 1 if placement_id in ids else np.inf
        assert replayed.rank[i] == expected
        assert replayed.top_ids[i][replayed.top_ids[i] >= 0].tolist() == ids[:5]


def _one_slot_world(slots: int = 1):
    placement = Placement(
        id=7, department_id=1, work_area="area-care", required_skills=(), useful_skills=(),
        min_language_level=0, language_practice=False, supervision=3, remaining_slots=slots,
        hours_per_week=20, site_lat=55.7, site_lon=13.2, type_code="praktik",
    )  # fmt: skip
    person = Participant(
        id=0, birth_year=1990, skills=(), interests=("area-care",), language_level=3,
        support_need=2, months_on_assistance=12, months_since_last_job=24, newcomer=False,
        parent=False, home_lat=55.7, home_lon=13.2, max_hours=40,
    )  # fmt: skip

    class World:
        concepts = []
        placements = [placement]
        participants = [person]
        capacities = {}
        types = {"praktik": type("T", (), {"rules": EligibilityRules()})()}
        as_of = date(2026, 3, 2)

    return World, person


def test_a_booking_counts_only_strictly_after_it_is_made_and_until_it_is_released():
    world, person = _one_slot_world()
    t = _moment(world.as_of)
    held = Bookings(np.array([7]), np.array([-1]), np.array([t]), np.array([t + 10 * US]))
    moments = np.array([t, t + US, t + 10 * US, t + 11 * US])
    queries = Queries(moments, (person,) * 4, np.full(4, 7, dtype=np.int64))
    replayed = replay_queries(
        extract_of(world, bookings=held, queries=queries), queries, SCORER, POLICY
    )
    # at t the booking made at t is not yet held; just after it is; at its release moment
    # it still holds (released "at" t+10 means held until then); after, free again
    assert replayed.rank.tolist() == [1.0, np.inf, np.inf, 1.0]


def test_a_revision_is_in_force_only_strictly_after_its_valid_from():
    world, person = _one_slot_world()
    t = _moment(world.as_of)
    extract = extract_of(world)
    closed = replace(world.placements[0], remaining_slots=1)
    states = PlacementStates(
        placements=(world.placements[0], closed),
        placement_id=np.array([7, 7]),
        department_id=np.array([1, 1]),
        slots=np.array([1, 1]),
        is_open=np.array([True, False]),
        valid_from=np.array([PAST, t]),
        valid_until=np.array([t, FOREVER]),
    )
    extract = replace_extract(extract, placements=states)
    queries = Queries(np.array([t, t + US]), (person, person), np.array([7, 7]))
    replayed = replay_queries(extract, queries, SCORER, POLICY)
    assert replayed.rank.tolist() == [1.0, np.inf]  # closed from t on, seen only after t
    assert not np.isnan(replayed.chosen_X[0]).any() and np.isnan(replayed.chosen_X[1]).all()


def test_the_replay_ranks_a_decision_on_a_placement_booked_ahead_of_its_start():
    world, person = _one_slot_world()
    world.placements = [
        replace(world.placements[0], start=date.fromordinal(world.as_of.toordinal() + 30)),
        replace(world.placements[0], id=8, start=date(2026, 9, 18)),  # 200 days ahead
    ]
    t = _moment(world.as_of)
    queries = Queries(np.array([t, t]), (person, person), np.array([7, 8]))
    extract = extract_of(world, queries=queries)
    replayed = replay_queries(extract, queries, SCORER, POLICY)
    assert replayed.rank.tolist() == [1.0, np.inf]
    assert replayed.candidate_count.tolist() == [1, 1]
    # with no horizon (the hand-2026.1 rule) the advance booking was unranked
    started_only = replace(POLICY, eligibility=EligibilityPolicy(0))
    assert replay_queries(extract, queries, SCORER, started_only).rank.tolist() == [np.inf] * 2


def replace_extract(extract: ReplayExtract, **changes) -> ReplayExtract:
    return replace(extract, **changes)


def test_scores_of_is_the_engine_value_for_any_scorer():
    X = np.random.default_rng(0).normal(size=(50, len(FACTORS)))
    learned = LearnedScorer.from_coefficients(np.arange(len(PREDICTORS)) - 4.0, 0.5)
    for scorer in (SCORER, learned):
        log_odds = scorer.intercept_ if scorer is learned else scorer.intercept
        log_odds = log_odds + sum_contributions(np.asarray(scorer.contributions(predictors(X))))
        adjustment = sum_contributions(X[:, len(PREDICTORS) :] * POLICY.adjustment_weights)
        expected = 1 / (1 + np.exp(-log_odds)) + adjustment
        np.testing.assert_allclose(scores_of(scorer, X, POLICY), expected, rtol=1e-12)
        # bit-equal to what the live engine ranks with: same ties
        assert np.array_equal(scores_of(scorer, X, POLICY), values(scorer, X, POLICY).value)


@settings(max_examples=5, deadline=None)
@given(world=worlds(max_participants=4))
def test_the_report_is_json_ready_and_uses_accepted_decisions(world):
    import json

    extract = extract_of(world)
    replayed = replay_queries(extract, extract.decisions.queries, SCORER, POLICY, k=3)
    labels = np.where(np.arange(len(extract.decisions)) % 2 == 0, 1.0, 0.0)
    report = replay_report(extract, replayed, labels, k=3, rng=np.random.default_rng(1), n_boot=50)
    json.dumps(report)
    assert report["counts"]["accepted"] == len(world.participants)
    hit = report["ranking"]["hit_at_3"]["estimate"]
    assert hit == pytest.approx(np.mean(replayed.rank <= 3))
    assert set(report["groups"]) == {"gender", "age_band", "newcomer", "support_need", "unit"}


def _decided_then_asked(world, person, placement: int, later: np.datetime64):
    """An extract of two queries for ``person`` on ``placement``: one decided at the
    world's day, one asked at ``later``."""
    queries = Queries(
        at=np.array([_moment(world.as_of), later]),
        participant=(person, person),
        placement_id=np.array([placement, placement], dtype=np.int64),
    )
    return extract_of(world, queries=queries), queries


@settings(max_examples=30, deadline=None, phases=(Phase.explicit, Phase.generate))
@given(world=worlds())
def test_a_declined_placement_is_not_ranked_within_the_decline_memory(world):
    """As the live lists (api.services.suggestions): a placement declined for the
    participant within the memory is left out of the later query's ranking, nothing else
    moves, and a shorter memory than the time since the decline changes nothing."""
    person = world.participants[0]
    declined_at = _moment(world.as_of)
    later = declined_at + np.timedelta64(10, "D")
    k = 5

    def replayed(declined_placement: int, days: int):
        extract, queries = _decided_then_asked(world, person, declined_placement, later)
        extract = replace(
            extract, decisions=replace(extract.decisions, accepted=np.array([False, True]))
        )
        return replay_queries(
            extract, queries, SCORER, POLICY, k=k, decline_memory_days=days
        ).top_ids[1]

    first = min(p.id for p in world.placements)
    top = replayed(first, 0)
    assume(top[0] >= 0)  # something eligible at the later moment, to decline
    declined = int(top[0])
    unremembered = replayed(declined, 0)
    remembered = replayed(declined, 90)
    assert declined not in remembered.tolist()
    kept = [t for t in unremembered.tolist() if t not in (declined, -1)]
    assert [t for t in remembered.tolist() if t != -1][: len(kept)] == kept  # moved up one
    assert replayed(declined, 5).tolist() == unremembered.tolist()  # 10 days ago > 5


@settings(max_examples=30, deadline=None, phases=(Phase.explicit, Phase.generate))
@given(world=worlds(), withdrawn_after=st.integers(0, 9))
def test_a_withdrawn_booking_is_remembered_from_its_withdrawal(world, withdrawn_after):
    """As the live lists: a placement booked for the participant and then withdrawn is
    left out of later queries within the memory, counted from the withdrawal, not from
    the booking; a booking never withdrawn is not remembered."""
    person = world.participants[0]
    booked_at = _moment(world.as_of)
    later = booked_at + np.timedelta64(10, "D")
    withdrawn_at = booked_at + np.timedelta64(withdrawn_after, "D")

    def replayed(placement: int, days: int, withdrawn):
        extract, queries = _decided_then_asked(world, person, placement, later)
        decisions = replace(
            extract.decisions,
            withdrawn_at=np.array([withdrawn, np.datetime64("NaT")], dtype="datetime64[us]"),
        )
        return replay_queries(
            replace(extract, decisions=decisions), queries, SCORER, POLICY, k=5,
            decline_memory_days=days,
        ).top_ids[1]  # fmt: skip

    first = min(p.id for p in world.placements)
    top = replayed(first, 0, np.datetime64("NaT"))
    assume(top[0] >= 0)
    placement = int(top[0])
    never = replayed(placement, 90, np.datetime64("NaT"))
    assert placement in never.tolist()  # booked, not withdrawn: nothing to remember
    assert placement not in replayed(placement, 90, withdrawn_at).tolist()
    # a memory that reaches the withdrawal but not the booking still remembers it
    reaches = 10 - withdrawn_after  # the memory is [moment - days, moment)
    assert placement not in replayed(placement, reaches, withdrawn_at).tolist()
    assert replayed(placement, reaches - 1, withdrawn_at).tolist() == never.tolist()
