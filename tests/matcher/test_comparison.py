"""Paired comparison of a candidate with the scorer in use: figures, intervals, verdicts."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

from matcher.comparison import compare, overall_verdict


def _case(seed: int = 3, n: int = 300):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.4).astype(float)
    good = y + rng.normal(0, 0.6, n)  # orders successes above failures
    noise = rng.normal(0, 1, n)
    outcomes = {
        "y": y,
        "candidate_score": good, "candidate_p": 1 / (1 + np.exp(-(good - 0.5) * 2)),
        "in_use_score": noise, "in_use_p": np.full(n, 0.4),
    }  # fmt: skip
    # ...but ranks the accepted placement worse than the scorer in use
    candidate_ranks = rng.integers(4, 16, n).astype(float)
    in_use_ranks = rng.integers(1, 6, n).astype(float)
    return outcomes, (candidate_ranks, in_use_ranks)


def test_better_on_auc_and_worse_on_ranking_is_mixed_and_says_so():
    outcomes, ranks = _case()
    metrics = compare(outcomes=outcomes, ranks=ranks, lists=None, k=10,
                      rng=np.random.default_rng(0), n_boot=400)  # fmt: skip
    by_name = {m.metric: m for m in metrics}
    assert by_name["auc"].verdict == "better"
    assert by_name["hit_at_10"].verdict == "worse"
    assert by_name["ndcg_at_10"].verdict == "worse"
    overall = overall_verdict(metrics)
    assert overall["verdict"] == "mixed"
    assert "auc" in overall["better_on"]
    assert {"hit_at_10", "ndcg_at_10"} <= set(overall["worse_on"])


def test_figures_agree_with_sklearn_and_losses_are_oriented():
    outcomes, ranks = _case()
    by_name = {
        m.metric: m
        for m in compare(
            outcomes=outcomes,
            ranks=ranks,
            lists=None,
            k=10,
            rng=np.random.default_rng(0),
            n_boot=50,
        )  # fmt: skip
    }
    y = outcomes["y"]
    assert by_name["auc"].candidate == pytest.approx(roc_auc_score(y, outcomes["candidate_score"]))
    assert by_name["auc"].in_use == pytest.approx(roc_auc_score(y, outcomes["in_use_score"]))
    assert by_name["log_loss"].candidate == pytest.approx(log_loss(y, outcomes["candidate_p"]))
    assert by_name["brier"].in_use == pytest.approx(brier_score_loss(y, outcomes["in_use_p"]))
    brier = by_name["brier"]
    assert not brier.higher_is_better
    assert brier.improvement == pytest.approx(brier.in_use - brier.candidate)
    # a constant 0.4 against a base rate near 0.4: calibration error is |0.4 - mean(y)|
    assert by_name["calibration_error"].in_use == pytest.approx(abs(0.4 - y.mean()))
    hit = by_name["hit_at_10"]
    assert hit.candidate == pytest.approx(np.mean(ranks[0] <= 10))
    assert hit.ci_low <= hit.improvement <= hit.ci_high


def test_the_same_scorer_twice_is_not_distinguishable():
    outcomes, ranks = _case()
    same = {**outcomes, "in_use_score": outcomes["candidate_score"],
            "in_use_p": outcomes["candidate_p"]}  # fmt: skip
    lists = {"reward": np.array([1.0, 0, 0, 1]), "propensity": np.array([0.5, 0.5, 1, 0.25]),
             "candidate_target": np.array([1.0, 1, 0, 1]),
             "in_use_target": np.array([1.0, 1, 0, 1])}  # fmt: skip
    metrics = compare(outcomes=same, ranks=(ranks[0], ranks[0]), lists=lists, k=10,
                      rng=np.random.default_rng(0), n_boot=100)  # fmt: skip
    assert {m.verdict for m in metrics} == {"not distinguishable"}
    assert all(m.improvement == 0 and m.ci_low == 0 == m.ci_high for m in metrics)
    snips = metrics[-1]
    assert snips.metric == "snips"
    assert snips.candidate == pytest.approx((2 + 4) / (2 + 2 + 4))  # sum(w r) / sum(w)
    assert overall_verdict(metrics)["verdict"] == "not distinguishable"


def test_an_empty_side_is_not_measured():
    metrics = compare(outcomes=None, ranks=(np.array([]), np.array([])), lists=None, k=5,
                      rng=np.random.default_rng(0))  # fmt: skip
    assert [m.verdict for m in metrics] == ["not measured", "not measured"]
    assert overall_verdict(metrics)["verdict"] == "not distinguishable"
