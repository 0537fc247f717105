"""Taxonomy import checks: any order of a forest is accepted and inserted parents first;
one link closing a loop is reported as a cycle."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from models.repo_concept_import import _parents_first, check_links, rows_from_csv
from models.taxonomy import SkillConceptCreate


@st.composite
def shuffled_forests(draw):
    """Concepts c0..cn where each broader is an earlier concept (or none), in random order."""
    n = draw(st.integers(min_value=1, max_value=30))
    parents = [None] + [
        draw(st.one_of(st.none(), st.integers(min_value=0, max_value=i - 1))) for i in range(1, n)
    ]
    order = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).permutation(n)
    concepts = [
        SkillConceptCreate(id=f"c{i}", label_sv=f"C{i}", broader_id=None if p is None else f"c{p}")
        for i, p in enumerate(parents)
    ]
    return [concepts[i] for i in order], parents


@settings(max_examples=60, deadline=None)
@given(shuffled_forests())
def test_any_order_of_a_forest_is_accepted_and_ordered_parents_first(forest):
    concepts, _ = forest
    assert check_links(concepts, stored={}) == []
    ordered = _parents_first(concepts)
    position = {c.id: i for i, c in enumerate(ordered)}
    assert sorted(position) == sorted(c.id for c in concepts)
    for concept in ordered:
        if concept.broader_id is not None:
            assert position[concept.broader_id] < position[concept.id]


@settings(max_examples=60, deadline=None)
@given(shuffled_forests(), st.data())
def test_a_link_from_an_ancestor_to_its_descendant_is_a_cycle(forest, data):
    concepts, parents = forest
    chains = [i for i, p in enumerate(parents) if p is not None]
    if not chains:
        return
    child = data.draw(st.sampled_from(chains))
    root = child
    while parents[root] is not None:
        root = parents[root]
    looped = [
        c.model_copy(update={"broader_id": f"c{child}"}) if c.id == f"c{root}" else c
        for c in concepts
    ]
    errors = check_links(looped, stored={})
    assert [e["type"] for e in errors] == ["cycle"]
    assert f"c{root}" in errors[0]["msg"] and f"c{child}" in errors[0]["msg"]


def test_stored_concepts_count_as_known_broader_ids():
    concept = SkillConceptCreate(id="new", label_sv="Ny", broader_id="old")
    assert check_links([concept], stored={"old": None}) == []
    assert check_links([concept], stored={})[0]["loc"] == ["body", 0, "broader_id"]


def test_csv_rows_keep_empty_optional_cells_out():
    rows = rows_from_csv(b"id,label_sv,broader_id,kind\na,A,,\nb,B,a,local\n")
    assert rows == [
        {"id": "a", "label_sv": "A"},
        {"id": "b", "label_sv": "B", "broader_id": "a", "kind": "local"},
    ]
