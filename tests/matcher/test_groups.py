"""Bootstrap intervals, metrics by group and group gaps (matcher.groups)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.groups import (
    age_band,
    bootstrap_ci,
    bootstrap_distribution,
    group_gaps,
    metric_by_group,
)

values_lists = st.lists(
    st.floats(-100, 100, allow_nan=False) | st.sampled_from([0.0, 1.0]), min_size=1, max_size=80
)


@settings(max_examples=80, deadline=None)
@given(values_lists, st.integers(0, 2**32 - 1))
def test_bootstrap_ci_contains_the_mean_and_is_seeded(values, seed):
    values = np.array(values)
    ci = bootstrap_ci(values, n_boot=200, rng=np.random.default_rng(seed))
    assert ci.estimate == pytest.approx(values.mean(), abs=1e-9)
    assert ci.ci_low - 1e-9 <= ci.estimate <= ci.ci_high + 1e-9
    again = bootstrap_ci(values, n_boot=200, rng=np.random.default_rng(seed))
    assert again == ci


@pytest.mark.parametrize("distinct", [2, 100_000], ids=["collapsed", "index-sampled"])
def test_both_resampling_paths_give_the_textbook_spread(distinct):
    # The bootstrap standard error of a mean is sd / sqrt(n); both ways of drawing
    # the counts must reproduce it (a wrong count matrix would not).
    rng = np.random.default_rng(3)
    n = 20_000
    values = rng.integers(0, distinct, n).astype(float) if distinct == 2 else rng.normal(size=n)
    _, replicates = bootstrap_distribution(values, n_boot=400, rng=rng)
    assert replicates.std() == pytest.approx(values.std() / np.sqrt(n), rel=0.15)
    assert replicates.mean() == pytest.approx(values.mean(), abs=4 * values.std() / np.sqrt(n))


def test_bootstrap_ci_of_a_custom_statistic_on_rows():
    rng = np.random.default_rng(0)
    rows = np.column_stack([rng.random(500), np.ones(500)])

    def ratio(r, counts):
        return (counts @ r[:, 0]) / (counts @ r[:, 1])

    ci = bootstrap_ci(rows, statistic=ratio, n_boot=300, rng=rng)
    assert ci.estimate == pytest.approx(rows[:, 0].mean())
    assert ci.ci_low < ci.estimate < ci.ci_high
    assert ci.n == 500


def test_bootstrap_of_a_constant_is_a_point():
    ci = bootstrap_ci(np.full(10, 0.3), n_boot=50, rng=np.random.default_rng(1))
    assert ci.ci_low == ci.estimate == ci.ci_high == pytest.approx(0.3)


def test_age_band_labels():
    bands = age_band(np.array([17, 18, 24, 25, 34.9, 35, 49, 50, 80, np.nan]))
    assert bands.tolist() == [
        "<18", "18-24", "18-24", "25-34", "25-34", "35-49", "35-49", "50+", "50+", "unknown",
    ]  # fmt: skip
    assert str(age_band(30)) == "25-34"


def test_metric_by_group_means_sizes_and_nan_rows():
    values = np.array([1, 0, 1, 1, np.nan, 0, 0, 0])
    groups = np.array(["f", "f", "f", "m", "m", "m", "x", "x"])
    result = metric_by_group(values, groups, rng=np.random.default_rng(0), n_boot=200)
    by = {g.group: g for g in result}
    assert [g.group for g in result] == ["f", "m", "x"]
    assert by["f"].value == pytest.approx(2 / 3) and by["f"].n == 3
    assert by["m"].value == pytest.approx(0.5) and by["m"].n == 2  # NaN left out
    assert by["x"].value == 0.0 and by["x"].ci_high == 0.0
    assert by["f"].ci_low <= by["f"].value <= by["f"].ci_high
    json.dumps([dataclasses.asdict(g) for g in result])  # JSON-ready


def test_group_gaps_against_rest_reference_and_best():
    rng = np.random.default_rng(4)
    groups = np.repeat(np.array(["a", "b", "c"]), [3000, 3000, 4000])
    rate = np.select([groups == "a", groups == "b"], [0.6, 0.4], 0.5)
    values = (rng.random(groups.size) < rate).astype(float)
    gaps = {g.group: g for g in group_gaps(values, groups, rng=rng, n_boot=300)}
    rest_a = values[groups != "a"].mean()
    assert gaps["a"].gap == pytest.approx(values[groups == "a"].mean() - rest_a)
    assert gaps["a"].compared_to == "rest" and gaps["a"].n_compared == 7000
    assert gaps["a"].ci_low > 0  # a truly better group is flagged
    assert gaps["b"].ci_high < 0

    vs_c = group_gaps(values, groups, rng=rng, n_boot=300, reference="c")
    assert [g.group for g in vs_c] == ["a", "b"] and vs_c[0].compared_to == "c"
    best = group_gaps(values, groups, rng=rng, n_boot=300, reference="best")
    assert all(g.compared_to == "a" for g in best)
    assert all(g.gap < 0 for g in best)
    with pytest.raises(ValueError, match="reference"):
        group_gaps(values, groups, rng=rng, reference="zz")


def test_gap_interval_covers_zero_when_groups_are_alike():
    rng = np.random.default_rng(5)
    groups = rng.integers(0, 2, 4000)
    values = (rng.random(4000) < 0.5).astype(float)
    (gap0, gap1) = group_gaps(values, groups, rng=rng, n_boot=500)
    assert gap0.ci_low < 0 < gap0.ci_high
    assert gap1.gap == pytest.approx(-gap0.gap)


def test_groups_must_align_with_values():
    with pytest.raises(ValueError, match="group labels"):
        metric_by_group(np.ones(3), np.array(["a"]), rng=np.random.default_rng(0))


def test_bootstrap_leaves_out_nan_and_wants_a_statistic_for_rows():
    ci = bootstrap_ci(np.array([1.0, np.nan, 0.0]), n_boot=20, rng=np.random.default_rng(0))
    assert ci.n == 2 and ci.estimate == 0.5
    with pytest.raises(ValueError, match="1-D"):
        bootstrap_ci(np.ones((4, 2)), rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="zero values"):
        bootstrap_ci(np.array([np.nan]), rng=np.random.default_rng(0))


def test_metric_by_group_with_the_rank_auc_statistic():
    from matcher.outcome_metrics import rank_auc_statistic, rank_separation

    rng = np.random.default_rng(6)
    ranks = rng.integers(1, 10, 600).astype(float)
    success = (rng.random(600) < 0.5).astype(float)
    groups = np.repeat(["newcomer", "other"], 300)
    rows = np.column_stack([ranks, success])
    result = metric_by_group(rows, groups, rng=rng, n_boot=200, statistic=rank_auc_statistic)
    first = rank_separation(ranks[:300], success[:300]).auc
    assert result[0].group == "newcomer" and result[0].value == pytest.approx(first)
    assert result[0].ci_low < first < result[0].ci_high
