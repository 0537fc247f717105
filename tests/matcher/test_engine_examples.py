"""Worked examples: each factor, eligibility, why-not, tie-break, taxonomy and policy checks."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import numpy as np
import pytest

from matcher import (
    FACTORS,
    CompiledPlacements,
    PolicyScorer,
    Taxonomy,
    load_policy,
    pair_features,
    rank_participants,
    rank_placements,
    sum_contributions,
    why_not,
)
from matcher.domain import (
    Concept,
    DepartmentCapacity,
    EligibilityRules,
    Participant,
    Placement,
    PlacementType,
)
from matcher.policy import EligibilityPolicy

AS_OF = date(2026, 3, 1)
POLICY = load_policy()
SCORER = PolicyScorer.from_policy(POLICY)
CONCEPTS = [
    Concept("care", "Vård och omsorg"),
    Concept("elder-care", "Äldreomsorg", broader="care"),
    Concept("home-care", "Hemtjänst", broader="care"),
    Concept("kitchen", "Storkök"),
    Concept("forklift", "Truckkort"),
]
TAXONOMY = Taxonomy(CONCEPTS)
TYPES = {
    "praktik": PlacementType("praktik", "Praktik"),
    "ungdom": PlacementType("ungdom", "Ungdomsanställning", EligibilityRules(max_age=24)),
    "extra": PlacementType(
        "extra", "Extratjänst", EligibilityRules(newcomer_or_long_term=True, long_term_months=12)
    ),
}


def person(**changes) -> Participant:
    base = Participant(
        id=1,
        birth_year=1990,
        skills=("elder-care",),
        interests=("area-care", "area-kitchen"),
        language_level=3,
        support_need=2,
        months_on_assistance=24,
        months_since_last_job=30,
        newcomer=False,
        parent=False,
        home_lat=55.70,
        home_lon=13.19,
        max_hours=40,
    )
    return dataclasses.replace(base, **changes)


def place(pid: int, **changes) -> Placement:
    base = Placement(
        id=pid,
        department_id=1,
        work_area="area-care",
        required_skills=("elder-care",),
        useful_skills=(),
        min_language_level=3,
        language_practice=False,
        supervision=2,
        remaining_slots=2,
        hours_per_week=30,
        site_lat=55.70,
        site_lon=13.19,
        type_code="praktik",
    )
    return dataclasses.replace(base, **changes)


def compile_(placements, capacities=None) -> CompiledPlacements:
    return CompiledPlacements.build(placements, TAXONOMY, TYPES, capacities or {})


def feature(participant, placement, name, capacities=None) -> float:
    compiled = compile_([placement], capacities)
    return float(pair_features(participant, compiled, AS_OF, POLICY).X[0, FACTORS.index(name)])


def test_skills_give_partial_credit_through_the_taxonomy_and_weigh_required_more():
    exact = feature(person(), place(1), "skills")
    sibling = feature(person(skills=("home-care",)), place(1), "skills")
    broader = feature(person(skills=("care",)), place(1), "skills")
    assert (exact, broader, sibling) == (1.0, 0.5, 0.25)
    assert feature(person(skills=("kitchen",)), place(1), "skills") == 0.0
    both = place(1, required_skills=("elder-care",), useful_skills=("forklift",))
    only_useful = place(1, required_skills=("forklift",), useful_skills=("elder-care",))
    assert feature(person(), both, "skills") == 2 / 3
    assert feature(person(), only_useful, "skills") == 1 / 3
    assert feature(person(), place(1, required_skills=()), "skills") == 0.5  # empty_coverage


def test_first_interest_counts_most_and_other_areas_nothing():
    assert feature(person(), place(1), "interests") == 1.0
    assert feature(person(), place(1, work_area="area-kitchen"), "interests") == 0.6
    assert feature(person(), place(1, work_area="area-parks"), "interests") == 0.0


def eligible(participant, placement) -> bool:
    return bool(pair_features(participant, compile_([placement]), AS_OF, POLICY).eligible[0])


def test_language_steps_below_cost_steeply_and_practice_accepts_one_step():
    assert feature(person(language_level=2), place(1), "language") == -1.0
    assert feature(person(language_level=5), place(1), "language") == 0.25  # well above
    practice = place(1, language_practice=True)
    assert feature(person(language_level=2), practice, "language") == 0.0
    assert feature(person(language_level=1), practice, "language") == -1.0
    # beyond the tolerance (1 step; 2 with a mentor) the pair is ineligible
    assert eligible(person(language_level=2), place(1))
    assert not eligible(person(language_level=1), place(1))
    assert eligible(person(language_level=1), practice)
    assert not eligible(person(language_level=0), practice)


def test_support_costs_per_missing_supervision_step_and_far_away_need_intensive_supervision():
    assert feature(person(support_need=5), place(1, supervision=1), "support") == -2.0
    assert feature(person(support_need=4), place(1, supervision=2), "support") == -1.0
    assert feature(person(support_need=5), place(1, supervision=3), "support") == 0.0
    assert feature(person(support_need=1), place(1, supervision=1), "support") == 0.0
    # two steps short of what the need calls for: not suggested at all
    assert not eligible(person(support_need=5), place(1, supervision=1))
    assert eligible(person(support_need=4), place(1, supervision=2))


def test_commute_weighs_more_for_parents_and_hours_beyond_the_maximum_cost():
    far = place(1, site_lat=55.70 + 23 / 111.2)  # about 23 km north
    alone = feature(person(), far, "commute")
    assert alone == pytest.approx(-2.0, abs=0.01)
    assert feature(person(parent=True), far, "commute") == alone
    assert feature(person(parent=True), far, "parent_commute") == alone
    assert feature(person(), far, "parent_commute") == 0.0
    part_time = place(1, hours_per_week=30, min_hours=20)
    assert feature(person(max_hours=20), part_time, "hours") == -2.0
    assert feature(person(max_hours=20, parent=True), part_time, "parent_hours") == -2.0
    assert feature(person(max_hours=40), place(1, hours_per_week=30), "hours") == 0.0


def test_hours_that_cannot_be_cut_to_the_maximum_are_ineligible_and_why_not_says_so():
    full_time, part_time = place(1, hours_per_week=40), place(2, hours_per_week=40, min_hours=20)
    compiled = compile_([full_time, part_time])
    parent = person(max_hours=20, parent=True)
    ranking = rank_placements(parent, compiled, SCORER, as_of=AS_OF, policy=POLICY)
    assert [item.placement_id for item in ranking.items] == [2]
    (hours,) = why_not(parent, 1, compiled, as_of=AS_OF, policy=POLICY)
    assert hours.rule == "hours_over_maximum"
    assert hours.sv == "Platsen kräver 40 timmar i veckan; deltagaren kan högst 20."
    assert hours.en == "The placement asks 40 hours a week; the participant can work at most 20."
    assert why_not(parent, 2, compiled, as_of=AS_OF, policy=POLICY) == []


def test_an_unknown_last_job_is_unknown_not_twenty_years():
    who = person(months_since_last_job=None)
    compiled = compile_([place(5, type_code="extra")])
    (rule,) = why_not(who, 5, compiled, as_of=AS_OF, policy=POLICY)
    assert rule.rule == "newcomer_or_long_term" and "not recorded" in rule.en
    assert "inte registrerat" in rule.sv
    assert why_not(dataclasses.replace(who, newcomer=True), 5, compiled, as_of=AS_OF) == []
    # priority then rests on the time on assistance alone
    assert feature(who, place(1), "priority") == pytest.approx(24 / 36)


def test_department_below_its_minimum_gets_the_boost():
    short = {1: DepartmentCapacity(1, remaining_quota=None, short_of_minimum=3)}
    assert feature(person(), place(1), "capacity", short) == pytest.approx(1.0 + 0.2 * 2 / 5)
    assert feature(person(), place(1), "capacity") == pytest.approx(0.2 * 2 / 5)


def test_priority_is_the_same_for_every_placement_and_orders_participants():
    compiled = compile_([place(1), place(2, work_area="area-parks")])
    X = pair_features(person(), compiled, AS_OF, POLICY).X
    assert (
        X[0, FACTORS.index("priority")]
        == X[1, FACTORS.index("priority")]
        == 0.5 * 24 / 36 + 0.5 * 30 / 60
    )
    newer = person(id=2, months_on_assistance=1, months_since_last_job=1)
    ranking = rank_participants(1, [newer, person()], compiled, SCORER, as_of=AS_OF, policy=POLICY)
    assert [item.participant_id for item in ranking.items] == [1, 2]


def test_full_placement_full_department_and_rules_are_excluded_and_named():
    placements = [
        place(1),
        place(2, remaining_slots=0),
        place(3, department_id=9),
        place(4, type_code="ungdom"),
        place(5, type_code="extra"),
        place(6, end=date(2026, 2, 1)),
    ]
    capacities = {9: DepartmentCapacity(9, remaining_quota=0)}
    compiled = compile_(placements, capacities)
    who = person(months_since_last_job=3)
    ranking = rank_placements(who, compiled, SCORER, as_of=AS_OF, policy=POLICY)
    assert [item.placement_id for item in ranking.items] == [1]
    assert (ranking.candidate_count, ranking.excluded_count) == (1, 5)
    rules = {
        pid: [e.rule for e in why_not(who, pid, compiled, as_of=AS_OF, policy=POLICY)]
        for pid in range(1, 7)
    }
    assert rules == {
        1: [],
        2: ["placement_full"],
        3: ["department_quota_full"],
        4: ["max_age"],
        5: ["newcomer_or_long_term"],
        6: ["not_open"],
    }
    assert why_not(person(newcomer=True), 5, compiled, as_of=AS_OF, policy=POLICY) == []
    reason = why_not(who, 4, compiled, as_of=AS_OF, policy=POLICY)[0]
    assert "24" in reason.sv and "24" in reason.en


def test_a_placement_starting_within_the_horizon_is_suggested_and_one_beyond_is_not():
    soon = place(1, start=AS_OF + timedelta(days=30))
    edge = place(2, start=AS_OF + timedelta(days=90))  # the horizon is inclusive
    later = place(3, start=date(2026, 9, 17))  # 200 days after AS_OF
    ended = place(4, start=date(2025, 1, 1), end=date(2026, 2, 28))
    compiled = compile_([soon, edge, later, ended])
    ranking = rank_placements(person(), compiled, SCORER, as_of=AS_OF, policy=POLICY)
    assert [item.placement_id for item in ranking.items] == [1, 2]
    assert why_not(person(), 1, compiled, as_of=AS_OF, policy=POLICY) == []
    (beyond,) = why_not(person(), 3, compiled, as_of=AS_OF, policy=POLICY)
    assert beyond.rule == "not_open"
    assert beyond.en == "The placement starts 2026-09-17, more than 90 days ahead."
    assert beyond.sv == "Platsen börjar 2026-09-17, mer än 90 dagar fram."
    (over,) = why_not(person(), 4, compiled, as_of=AS_OF, policy=POLICY)
    assert (over.rule, over.en, over.sv) == (
        "not_open",
        "The placement ended 2026-02-28.",
        "Platsen slutade 2026-02-28.",
    )
    # the horizon is the policy's: with none, only started placements are open
    started_only = dataclasses.replace(POLICY, eligibility=EligibilityPolicy(0))
    ranking = rank_placements(person(), compiled, SCORER, as_of=AS_OF, policy=started_only)
    assert ranking.items == [] and ranking.excluded_count == 4
    (too_soon,) = why_not(person(), 1, compiled, as_of=AS_OF, policy=started_only)
    assert "more than 0 days ahead" in too_soon.en
    # the same compiled placements answer both horizons (the per-date cache keys by it)
    assert rank_placements(person(), compiled, SCORER, as_of=AS_OF, policy=POLICY).items


def test_ties_break_by_id_ascending_and_k_limits_the_list():
    compiled = compile_([place(pid) for pid in (30, 10, 20)])
    ranking = rank_placements(person(), compiled, SCORER, k=2, as_of=AS_OF, policy=POLICY)
    assert [(item.placement_id, item.rank) for item in ranking.items] == [(10, 1), (20, 2)]
    assert ranking.candidate_count == 3
    assert rank_placements(person(), compiled, SCORER, k=0, as_of=AS_OF, policy=POLICY).items == []


def test_reasons_name_matched_and_missing_skills_in_both_languages():
    target = place(1, required_skills=("elder-care", "forklift"), useful_skills=("home-care",))
    compiled = compile_([target])
    item = rank_placements(person(), compiled, SCORER, as_of=AS_OF, policy=POLICY).items[0]
    skills = item.reasons[0]
    assert skills.factor == "skills"
    assert skills.matched == ("Äldreomsorg",)
    assert skills.partial == ("Hemtjänst",)
    assert skills.missing == ("Truckkort",)
    assert "Truckkort" in skills.sv and "Truckkort" in skills.en
    assert all(reason.sv and reason.en for reason in item.reasons)
    with pytest.raises(AttributeError):
        _ = item.participant_id


def test_prices_enter_as_a_negative_scarcity_adjustment():
    compiled = compile_([place(1), place(2)])
    prices = np.array([0.0, 0.3])
    ranking = rank_placements(person(), compiled, SCORER, as_of=AS_OF, policy=POLICY, prices=prices)
    assert [item.placement_id for item in ranking.items] == [1, 2]
    first, second = ranking.items
    assert second.adjustments["scarcity"] == -0.3 * POLICY.weights.scarcity
    assert "scarcity" not in second.contributions
    assert first.probability == second.probability
    assert first.score - second.score == pytest.approx(0.3)
    with pytest.raises(ValueError, match="prices"):
        rank_placements(person(), compiled, SCORER, as_of=AS_OF, policy=POLICY, prices=[1.0])


def test_taxonomy_rejects_unknown_broader_cycles_and_duplicates():
    with pytest.raises(ValueError, match="'nowhere'"):
        Taxonomy([Concept("a", "A", broader="nowhere")])
    with pytest.raises(ValueError, match="cycle"):
        Taxonomy([Concept("a", "A", broader="b"), Concept("b", "B", broader="a")])
    with pytest.raises(ValueError, match="duplicate"):
        Taxonomy([Concept("a", "A"), Concept("a", "A again")])


def test_compile_rejects_unknown_skills_types_and_duplicate_ids():
    with pytest.raises(ValueError, match="'welding'"):
        compile_([place(1, required_skills=("welding",))])
    with pytest.raises(ValueError, match="'nope'"):
        compile_([place(1, type_code="nope")])
    with pytest.raises(ValueError, match="duplicate"):
        compile_([place(1), place(1)])
    with pytest.raises(KeyError, match="99"):
        compile_([place(1)]).index_of(99)


class _DuckScorer:
    """A scorer stand-in with only ``contributions`` and ``decision_function``."""

    def __init__(self, weights, intercept):
        self.w, self.b = np.asarray(weights), intercept

    def contributions(self, X):
        return np.asarray(X) * self.w

    def decision_function(self, X):
        return self.b + sum_contributions(self.contributions(X))


def test_any_scorer_with_contributions_ranks_like_the_policy_scorer():
    placements = [
        place(1),
        place(2, work_area="area-kitchen"),
        place(3, required_skills=("forklift",)),
        place(4, site_lat=56.2, min_language_level=5),
    ]
    compiled = compile_(placements)
    duck = _DuckScorer(POLICY.prediction_weights, POLICY.scale.prior_intercept)
    for who in (person(), person(skills=("forklift",), parent=True, language_level=2)):
        ours = rank_placements(who, compiled, SCORER, as_of=AS_OF, policy=POLICY)
        theirs = rank_placements(who, compiled, duck, as_of=AS_OF, policy=POLICY)
        assert [i.placement_id for i in ours.items] == [i.placement_id for i in theirs.items]
        for a, b in zip(ours.items, theirs.items, strict=True):
            assert a.score == pytest.approx(b.score, abs=1e-12)
            assert a.contributions == pytest.approx(b.contributions, abs=1e-12)
        first = ours.items[0]
        people = rank_participants(
            first.placement_id, [who], compiled, duck, as_of=AS_OF, policy=POLICY
        )
        assert people.items[0].score == pytest.approx(first.score, abs=1e-12)


def test_a_placement_ranks_no_one_when_full_or_given_nobody():
    compiled = compile_([place(1), place(2, remaining_slots=0)])
    assert rank_participants(1, [], compiled, SCORER, as_of=AS_OF, policy=POLICY).items == []
    full = rank_participants(2, [person()], compiled, SCORER, as_of=AS_OF, policy=POLICY)
    assert (full.items, full.candidate_count, full.excluded_count) == ([], 0, 1)
    with pytest.raises(ValueError, match="duplicate"):
        rank_participants(1, [person(), person()], compiled, SCORER, as_of=AS_OF, policy=POLICY)
