"""Properties of the one scale: probabilities, monotone factors, adjustments, hard rules."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher import PREDICTORS, PolicyScorer, load_policy, pair_features, rank_placements, values
from matcher.factors import language_tolerance
from matcher.learned import LearnedScorer
from tests.strategies import worlds

POLICY = load_policy()
FAST = settings(max_examples=40, deadline=None)
scorers = st.builds(
    lambda a, b: PolicyScorer.from_policy(POLICY, intercept=a, scale=b, n=100),
    st.floats(-4, 4),
    st.floats(0, 3),
)


def _probability(scorer, participant, placement, world) -> float:
    compiled = world.compile()
    row = pair_features(participant, compiled, world.as_of, POLICY).X
    return float(values(scorer, row, POLICY).probability[compiled.index_of(placement.id)])


@FAST
@given(worlds(), scorers)
def test_probabilities_lie_strictly_between_0_and_1(world, scorer):
    compiled = world.compile()
    for participant in world.participants:
        X = pair_features(participant, compiled, world.as_of, POLICY).X
        p = values(scorer, X, POLICY).probability
        assert ((p > 0) & (p < 1)).all()


@FAST
@given(worlds(), scorers, st.data())
def test_probability_is_monotone_as_the_factor_docstrings_promise(world, scorer, data):
    placement = data.draw(st.sampled_from(world.placements))
    person = data.draw(st.sampled_from(world.participants))
    base = _probability(scorer, person, placement, world)
    better = []
    if placement.required_skills:  # the credit towards a listed skill
        skill = data.draw(st.sampled_from(placement.required_skills))
        better.append(dataclasses.replace(person, skills=(*person.skills, skill)))
    if person.language_level < 6:  # the Swedish level
        better.append(dataclasses.replace(person, language_level=person.language_level + 1))
    if person.support_need > 1:  # a lower need, for the supervision given
        better.append(dataclasses.replace(person, support_need=person.support_need - 1))
    if person.max_hours < 40:  # fewer hours beyond the maximum
        better.append(dataclasses.replace(person, max_hours=person.max_hours + 5))
    # a shorter commute: living at the site
    better.append(
        dataclasses.replace(person, home_lat=placement.site_lat, home_lon=placement.site_lon)
    )
    for who in better:
        assert _probability(scorer, who, placement, world) >= base - 1e-12
    # more supervision at the workplace never lowers it either
    if placement.supervision < 3:
        more = dataclasses.replace(placement, supervision=placement.supervision + 1)
        richer = dataclasses.replace(
            world, placements=[more if p.id == placement.id else p for p in world.placements]
        )
        assert _probability(scorer, person, more, richer) >= base - 1e-12


@FAST
@given(worlds(), st.lists(st.floats(-3, 3), min_size=len(PREDICTORS), max_size=len(PREDICTORS)))
def test_adjustments_are_the_policys_whatever_a_model_learned(world, coef):
    compiled = world.compile()
    learned = LearnedScorer.from_coefficients(coef, 0.3)
    hand = PolicyScorer.from_policy(POLICY)
    for participant in world.participants:
        X = pair_features(participant, compiled, world.as_of, POLICY).X
        np.testing.assert_array_equal(
            values(learned, X, POLICY).adjustment, values(hand, X, POLICY).adjustment
        )


def test_training_never_changes_the_adjustments():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, len(PREDICTORS)))
    y = (rng.random(300) < 0.4).astype(int)
    before = POLICY.adjustment_weights.copy()
    LearnedScorer().fit(X, y)
    assert (POLICY.adjustment_weights == before).all()


@FAST
@given(worlds(), scorers)
def test_no_suggestion_breaks_the_hours_or_language_rules(world, scorer):
    compiled = world.compile()
    by_id = {p.id: p for p in world.placements}
    for person in world.participants:
        ranking = rank_placements(
            person, compiled, scorer, k=len(compiled), as_of=world.as_of, policy=POLICY
        )
        for item in ranking.items:
            placement = by_id[item.placement_id]
            assert placement.lowest_hours <= person.max_hours
            short = placement.min_language_level - person.language_level
            assert short <= language_tolerance(placement.language_practice, POLICY)
