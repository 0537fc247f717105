"""The engine does not favour placements about to end (issue #10, 8).

A placement's end date decides only whether it is open on the day (the eligibility
rule); its features, its value and its place in a ranking do not depend on
how soon it ends, nor on its type's ``meaningful_days`` (a warning shown to the
caseworker, never scored).
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from matcher import PolicyScorer, load_policy, pair_features, rank_placements, values
from tests.strategies import worlds

POLICY = load_policy()
SCORER = PolicyScorer.from_policy(POLICY)
FAST = settings(max_examples=60, deadline=None)

# an end on or after the day keeps an open placement open: only how soon it ends changes
ends = st.none() | st.integers(0, 400)


def _moved(world, new_end, meaningful):
    """The world with every placement that is still running on the day ending at
    ``as_of + new_end`` (None: open-ended) and every type saying ``meaningful`` days."""
    placements = [
        p
        if p.end is not None and p.end < world.as_of
        else dataclasses.replace(
            p, end=None if new_end is None else world.as_of + timedelta(days=new_end)
        )
        for p in world.placements
    ]
    types = {
        code: dataclasses.replace(t, meaningful_days=meaningful) for code, t in world.types.items()
    }
    return dataclasses.replace(world, placements=placements, types=types)


@FAST
@given(worlds(), ends, st.none() | st.integers(1, 400))
def test_how_soon_a_placement_ends_never_changes_its_value_or_rank(world, new_end, meaningful):
    before, after = world.compile(), _moved(world, new_end, meaningful).compile()
    for person in world.participants:
        a = pair_features(person, before, world.as_of, POLICY)
        b = pair_features(person, after, world.as_of, POLICY)
        assert (a.eligible == b.eligible).all()
        assert (a.X == b.X).all()
        va = values(SCORER, a.X, POLICY, before.department_ids)
        vb = values(SCORER, b.X, POLICY, after.department_ids)
        assert (va.value == vb.value).all()
        ranked = [
            [(i.placement_id, i.score) for i in rank_placements(
                person, compiled, SCORER, k=len(compiled), as_of=world.as_of, policy=POLICY
            ).items]
            for compiled in (before, after)
        ]  # fmt: skip
        assert ranked[0] == ranked[1]
