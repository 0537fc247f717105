"""Off-policy estimators (matcher.ope)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.ope import (
    deterministic_target_propensities,
    effective_sample_size,
    estimate,
    ips,
    snips,
)


@st.composite
def logs(draw):
    """Random logs: rewards in {0, 1}, logging propensities in (0, 1], target in [0, 1]."""
    n = draw(st.integers(1, 60))
    rewards = draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=n, max_size=n))
    logging_p = draw(st.lists(st.floats(0.01, 1.0), min_size=n, max_size=n))
    target_p = draw(
        st.lists(st.floats(0.0, 1.0) | st.sampled_from([0.0, 1.0]), min_size=n, max_size=n)
    )
    return np.array(rewards), np.array(logging_p), np.array(target_p)


@settings(max_examples=100, deadline=None)
@given(logs())
def test_ips_and_snips_equal_the_direct_formula(log):
    rewards, logging_p, target_p = log
    n = rewards.size
    direct_ips = sum(t / p * r for r, p, t in zip(rewards, logging_p, target_p, strict=True)) / n
    assert ips(rewards, logging_p, target_p) == pytest.approx(direct_ips, abs=1e-12)
    weight_sum = sum(t / p for p, t in zip(logging_p, target_p, strict=True))
    if weight_sum > 0:
        assert snips(rewards, logging_p, target_p) == pytest.approx(
            direct_ips * n / weight_sum, abs=1e-12
        )
        # SNIPS stays within the reward range, IPS need not.
        assert 0 <= snips(rewards, logging_p, target_p) <= 1
    else:
        assert np.isnan(snips(rewards, logging_p, target_p))


@settings(max_examples=50, deadline=None)
@given(logs(), st.integers(0, 2**32 - 1))
def test_estimate_is_seeded_and_its_interval_holds_the_value(log, seed):
    rewards, logging_p, target_p = log
    first = estimate(rewards, logging_p, target_p, rng=np.random.default_rng(seed), n_boot=100)
    again = estimate(rewards, logging_p, target_p, rng=np.random.default_rng(seed), n_boot=100)
    assert first == again
    weights = target_p / logging_p
    assert first.ess == pytest.approx(effective_sample_size(weights))
    assert first.max_weight == pytest.approx(weights.max())
    if first.value is not None:
        assert first.value == pytest.approx(snips(rewards, logging_p, target_p))
        assert first.ci_low - 1e-9 <= first.value <= first.ci_high + 1e-9


def test_effective_sample_size_extremes():
    assert effective_sample_size(np.full(50, 2.0)) == pytest.approx(50)
    assert effective_sample_size(np.array([0, 0, 5.0, 0])) == pytest.approx(1)
    assert effective_sample_size(np.zeros(3)) == 0.0


def test_ips_recovers_a_known_success_rate_under_exploration():
    # Logging shows the placement with p = 0.25; the outcome succeeds with rate 0.7 and
    # the target always takes it, so its true value is 0.7.
    rng = np.random.default_rng(7)
    n = 40_000
    shown = rng.random(n) < 0.25
    rewards = np.where(shown, rng.random(n) < 0.7, 0).astype(float)
    logging_p = np.where(shown, 0.25, 0.75)
    target_p = shown.astype(float)  # credit only rows where the logged action is the target's
    result = estimate(rewards, logging_p, target_p, rng=rng, estimator="ips", n_boot=300)
    assert result.ci_low < 0.7 < result.ci_high
    assert result.warning is None and result.estimator == "ips"


def test_small_ess_warns_and_no_overlap_warns():
    rng = np.random.default_rng(0)
    rewards = np.array([1.0, 0, 1, 0])
    warned = estimate(rewards, np.full(4, 0.5), np.ones(4), rng=rng, n_boot=50)
    assert "effective sample size 4.0 is below 100" in warned.warning
    fine = estimate(rewards, np.full(4, 0.5), np.ones(4), rng=rng, n_boot=50, min_ess=3)
    assert "effective sample size" not in fine.warning  # the weights pass; two rewards do not
    assert "2 rewarded decisions" in fine.warning
    relaxed = estimate(rewards, np.full(4, 0.5), np.ones(4), rng=rng, n_boot=50, min_ess=3,
                       min_reward_ess=2, max_term_share=0.5)  # fmt: skip
    assert relaxed.warning is None
    none = estimate(rewards, np.full(4, 0.5), np.zeros(4), rng=rng, n_boot=50)
    assert "no overlap" in none.warning and none.value is None


def test_zero_logging_propensity_names_the_rows():
    with pytest.raises(ValueError, match=r"rows \[1, 3\]"):
        ips(np.ones(4), np.array([0.5, 0.0, 1.0, 0.0]), np.ones(4))
    with pytest.raises(ValueError, match="outside"):
        ips(np.ones(2), np.array([0.5, 0.5]), np.array([1.5, 0.0]))
    with pytest.raises(ValueError, match="estimator"):
        estimate(np.ones(2), np.ones(2), np.ones(2), rng=np.random.default_rng(0), estimator="dr")


def test_deterministic_target_propensities():
    target_rank = np.array([1, 2, 4, np.inf])
    assert deterministic_target_propensities(target_rank, 1).tolist() == [1, 0, 0, 0]
    assert deterministic_target_propensities(target_rank, 3).tolist() == [1, 1, 0, 0]
    same = deterministic_target_propensities(target_rank, 5, logged_position=np.array([1, 3, 4, 1]))
    assert same.tolist() == [1, 0, 1, 0]
    with pytest.raises(ValueError, match="1-based"):
        deterministic_target_propensities(np.array([0]))


def test_the_warning_sees_a_few_rewards_carrying_the_estimate():
    """10,000 logged lists, 42 rewards, one of which carries a third of the estimate:
    the weights' ESS is large (the old warning stayed silent), the rewards' is 8.2."""
    from matcher.ope import estimate, reward_diagnostics

    n = 10_000
    rewards = np.zeros(n)
    rewards[:42] = 1.0
    logging = np.ones(n)
    logging[0] = 1 / 20.5  # weight 20.5: 20.5 of the 61.5 rewarded mass
    target = np.ones(n)
    weights = target / logging
    reward_ess, share = reward_diagnostics(weights, rewards)
    assert share == pytest.approx(1 / 3)
    assert reward_ess == pytest.approx(61.5**2 / (41 + 20.5**2))  # 8.2
    result = estimate(rewards, logging, target, rng=np.random.default_rng(0), n_boot=100)
    assert result.ess > 9_000  # the weights alone look fine
    assert result.rewarded == 42
    assert result.reward_ess == pytest.approx(8.2, abs=0.01)
    assert result.largest_term_share == pytest.approx(1 / 3)
    assert "42 rewarded decisions" in result.warning and "33%" in result.warning


def test_evenly_spread_rewards_raise_no_warning():
    from matcher.ope import estimate

    rewards = (np.arange(2_000) % 4 == 0).astype(float)  # 500 rewards, equal weights
    result = estimate(rewards, np.full(2_000, 0.5), np.full(2_000, 0.5),
                      rng=np.random.default_rng(0), n_boot=50)  # fmt: skip
    assert result.reward_ess == pytest.approx(500)
    assert result.largest_term_share == pytest.approx(1 / 500)
    assert result.warning is None
