"""Properties of the decision memory: a placement declined within the period is never
suggested, and hiding it changes nothing else about the list (issue #10, 7)."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from api.catalog_cache import Catalog
from api.services.suggestions import declined_since, rank_remembering
from matcher import PolicyScorer, load_policy, rank_placements
from models.clock import MUNICIPAL_TZ
from tests.strategies import AS_OF, worlds

POLICY = load_policy()
SCORER = PolicyScorer.from_policy(POLICY)
FAST = settings(max_examples=60, deadline=None)


def _catalog(world) -> Catalog:
    compiled = world.compile()
    return Catalog(
        key=(), day=world.as_of, compiled=compiled, policy=POLICY, scorer=SCORER,
        titles={}, department_names={}, prices=None,
    )  # fmt: skip


@FAST
@given(st.integers(0, 400), st.integers(0, 400), st.times())
def test_a_decline_is_remembered_exactly_within_the_period(days_ago, period, at):
    decided = datetime.combine(AS_OF - timedelta(days=days_ago), at, tzinfo=MUNICIPAL_TZ)
    remembered = decided >= declined_since(AS_OF, period)
    assert remembered == (days_ago < period)


@FAST
@given(worlds(), st.data())
def test_a_declined_placement_is_not_suggested_within_the_period(world, data):
    catalog = _catalog(world)
    ids = [p.id for p in world.placements]
    hidden = set(data.draw(st.lists(st.sampled_from(ids), max_size=len(ids)), label="declined"))
    limit = data.draw(st.integers(1, 12), label="limit")
    for person in world.participants:
        _, shown = rank_remembering(person, catalog, limit=limit, hidden=hidden)
        shown_ids = [item.placement_id for item in shown]
        assert not hidden & set(shown_ids)
        # the rest keep the engine's order, and hiding never shortens the list needlessly
        everything = rank_placements(
            person, catalog.compiled, SCORER, k=len(ids), as_of=world.as_of, policy=POLICY
        )
        rest = [i.placement_id for i in everything.items if i.placement_id not in hidden]
        assert shown_ids == rest[:limit]
