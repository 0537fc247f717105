"""Small-cell protection: no figure for a group under the threshold anywhere in a report;
and the relative rate beside every gap, checked against hand-computed answers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.groups import group_gaps
from matcher.replay import Replayed
from matcher.replay_data import (
    FOREVER,
    GROUP_ATTRIBUTES,
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

PAST = np.datetime64("2025-01-01T00:00:00", "us")
FIGURES = {"value", "ci_low", "ci_high", "gap", "ratio", "ratio_ci_low", "ratio_ci_high"}
EMPTY_TIMES = np.array([], dtype="datetime64[us]")
NO_IDS = np.array([], dtype=np.int64)


def _extract(groups: dict[str, np.ndarray], m: int) -> ReplayExtract:
    """An extract with ``m`` accepted decisions and nothing else the report needs."""
    no_queries = Queries(EMPTY_TIMES, (), NO_IDS)
    at = PAST + np.arange(m) * np.timedelta64(1, "h")
    return ReplayExtract(
        start=PAST, stop=FOREVER, end=PAST + np.timedelta64(400, "D"), concepts=(),
        placements=PlacementStates((), NO_IDS, NO_IDS, NO_IDS, np.array([], bool), EMPTY_TIMES,
                                   EMPTY_TIMES),
        quotas=QuotaStates(NO_IDS, NO_IDS, np.array([], "datetime64[D]"),
                           np.array([], "datetime64[D]"), NO_IDS, NO_IDS, EMPTY_TIMES, EMPTY_TIMES),
        types=TypeStates((), (), EMPTY_TIMES, EMPTY_TIMES),
        bookings=Bookings(NO_IDS, NO_IDS, EMPTY_TIMES, EMPTY_TIMES),
        decisions=Decisions(
            queries=Queries(at, (None,) * m, np.zeros(m, np.int64)),
            accepted=np.ones(m, bool), suggestion_id=np.full(m, -1),
            logged_rank=np.full(m, np.inf), override=np.zeros(m, bool),
            department_id=np.zeros(m, np.int64), groups=groups,
            pseudonym=np.array([f"{i:020x}" for i in range(m)]),
        ),
        outcomes=Outcomes(NO_IDS, np.array([], bool), EMPTY_TIMES),
        lists=LoggedLists(no_queries, np.array([]), NO_IDS, ()),
        department_ids=np.array([1, 2], np.int64),
    )  # fmt: skip


@st.composite
def reports(draw):
    """(report, per-decision success, group labels, threshold) over skewed groups."""
    m = draw(st.integers(12, 60))
    labels = {}
    for attribute in GROUP_ATTRIBUTES:
        weights = draw(st.lists(st.integers(1, 20), min_size=1, max_size=4))
        cum = np.cumsum(weights) / sum(weights)
        u = np.array(draw(st.lists(st.floats(0, 0.999), min_size=m, max_size=m)))
        labels[attribute] = np.array([f"g{np.searchsorted(cum, x, side='right')}" for x in u])
    ranks = np.array(draw(st.lists(st.sampled_from([1.0, 2.0, 4.0, 12.0, np.inf]),
                                   min_size=m, max_size=m)))  # fmt: skip
    success = np.array(draw(st.lists(st.sampled_from([0.0, 1.0, np.nan]), min_size=m, max_size=m)))
    threshold = draw(st.integers(2, 15))
    replayed = Replayed(ranks, np.full((m, 10), -1), np.full((m, 10), -1),
                        np.full((m, 9), np.nan), np.zeros(m, np.int64))  # fmt: skip
    report = replay_report(
        _extract(labels, m), replayed, success, k=10, rng=np.random.default_rng(0), n_boot=20,
        min_group_n=threshold,
    )  # fmt: skip
    return report, success, labels, threshold


def _entries(node, path=()):
    """Every dict in the JSON with the path to it."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _entries(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _entries(value, (*path, i))


@settings(max_examples=30, deadline=None)
@given(reports())
def test_no_figure_for_a_group_under_the_threshold_appears_anywhere(case):
    report, success, labels, threshold = case
    assert report["small_cells"] == {"min_group_n": threshold}
    for path, entry in _entries(report):
        if "group" not in entry:
            continue
        assert path[0] == "groups"  # group figures live in one place only
        attribute, metric = path[1], path[2]
        known = ~np.isnan(success) if metric == "success" else np.ones(success.size, bool)
        sizes = {g: int(np.sum(known & (labels[attribute] == g))) for g in set(labels[attribute])}
        n = entry["n"] if "n" in entry else entry["n_group"]
        assert n == sizes[entry["group"]]  # n is shown, and is the group's true count
        small = n < threshold
        if "n_compared" in entry:
            assert entry["n_compared"] == sum(known) - n
            small |= entry["n_compared"] < threshold
        assert entry["suppressed"] is small
        if small:
            assert all(entry[key] is None for key in FIGURES & entry.keys()), entry


def test_the_relative_rate_is_the_ratio_of_the_means_with_an_interval():
    # group a: 20 of 50 succeed (0.4); group b: 40 of 50 (0.8)
    values = np.array([1.0] * 20 + [0.0] * 30 + [1.0] * 40 + [0.0] * 10)
    groups = np.array(["a"] * 50 + ["b"] * 50)
    gaps = {
        g.group: g for g in group_gaps(values, groups, rng=np.random.default_rng(1), n_boot=400)
    }
    assert gaps["a"].ratio == pytest.approx(0.5)  # 0.4 / 0.8: below four fifths
    assert gaps["b"].ratio == pytest.approx(2.0)
    assert gaps["a"].gap == pytest.approx(-0.4)
    for g in gaps.values():
        assert g.ratio_ci_low <= g.ratio <= g.ratio_ci_high
    assert gaps["a"].ratio_ci_high < 1.0 < gaps["b"].ratio_ci_low


def test_the_relative_rate_is_undefined_when_the_rest_has_no_successes():
    values = np.array([1.0, 1.0, 0.0, 0.0, 0.0, 0.0])
    groups = np.array(["a", "a", "b", "b", "b", "b"])
    gaps = {g.group: g for g in group_gaps(values, groups, rng=np.random.default_rng(0), n_boot=50)}
    assert gaps["a"].ratio is None
    assert gaps["b"].ratio == 0.0
