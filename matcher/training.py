"""Training a scorer from outcomes with one global time cut, and judging it on held-out ones.

The time cut. A model trained "as of" a cut date may use only what was known then:

* **training set**: accepted decisions made before ``cut - horizon`` whose outcome is
  known by the cut, reading only outcomes that occurred *and* were recorded by then;
* **held-out set**: accepted decisions made on or after the cut (and before
  ``end - horizon``), labelled with everything known at ``end`` (the extract's end).

``horizon`` is the minimum age a decision must reach before its outcome counts. Early
failures are known sooner than completions (a one-year placement completes after a year,
but may end early after a month), so labelling very recent decisions would over-count
failures; waiting ``horizon`` days trims that censoring bias at the cost of fewer rows.
Decisions whose outcome is still unknown at the labelling moment are left out and
counted (``unresolved_*``).

Labels. A decision's label at moment *t* is 1 when any success outcome of it is known at
*t* (completed, regular job, studies, self-supporting: the caller marks which outcome
rows are successes), 0 when only failures are known (ended early), NaN when none is.

Regularisation. Unless the caller fixes them, the learned model's ``C`` and
``department_C`` are chosen on the training rows alone, by time
(:mod:`matcher.regularisation`), then the model is refitted on all of them: nothing after
the cut is read.

Metrics on held-out outcomes: AUC (how well the score orders successes above failures;
any monotone score), Brier score and log-loss (calibration and sharpness of
probabilities), and a reliability curve. The learned model is compared with the
**calibrated** hand policy (:mod:`matcher.calibration`: intercept and scale fitted on the
same training rows), both predicting the log-odds of success on the same held-out rows,
with paired bootstrap intervals for the differences (learned minus policy; resampling
the held-out rows once for both, so the intervals are of the difference itself).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

from matcher.calibration import Calibration, calibrate_at_cut, calibrated_scorer
from matcher.features import predictors
from matcher.learned import LearnedScorer
from matcher.policy import Policy
from matcher.regularisation import (
    C_GRID,
    DEFAULT_C,
    DEFAULT_DEPARTMENT_C,
    DEPARTMENT_C_GRID,
    Regularisation,
    choose_regularisation,
)

__all__ = [
    "HeldOutMetrics",
    "PairedDifference",
    "Regularisation",
    "Split",
    "TrainingResult",
    "choose_regularisation",
    "heldout_metrics",
    "outcome_labels",
    "split_by_cut",
    "train_at_cut",
]

DAY = np.timedelta64(1, "D")


def outcome_labels(
    n_decisions: int,
    outcome_decision: np.ndarray,
    outcome_success: np.ndarray,
    outcome_known_at: np.ndarray,
    at: np.datetime64,
) -> np.ndarray:
    """Per decision: 1.0 success known at ``at``, 0.0 only failure known, NaN nothing known.

    Parameters
    ----------
    n_decisions
        Number of decisions (labels are indexed 0..n-1).
    outcome_decision
        For each outcome row, the index of its decision.
    outcome_success
        For each outcome row, whether it counts as a success.
    outcome_known_at
        For each outcome row, when it became known: the later of when it occurred and
        when it was recorded (datetime64).
    at
        The labelling moment; rows known after it are ignored.
    """
    known = np.asarray(outcome_known_at) <= at
    decision = np.asarray(outcome_decision, dtype=np.int64)[known]
    success = np.asarray(outcome_success, dtype=bool)[known]
    any_outcome = np.bincount(decision, minlength=n_decisions) > 0
    any_success = np.bincount(decision, weights=success, minlength=n_decisions) > 0
    labels = np.full(n_decisions, np.nan)
    labels[any_outcome] = 0.0
    labels[any_success] = 1.0
    return labels


@dataclass(frozen=True, slots=True)
class Split:
    """Row indices of the training and held-out decisions, and what was left out."""

    train: np.ndarray
    test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    unresolved_train: int
    unresolved_test: int


def split_by_cut(
    decided_at: np.ndarray,
    accepted: np.ndarray,
    labels_at_cut: np.ndarray,
    labels_at_end: np.ndarray,
    *,
    cut: np.datetime64,
    end: np.datetime64,
    horizon_days: int,
) -> Split:
    """The global time cut (see the module docstring); labels as from :func:`outcome_labels`."""
    decided_at = np.asarray(decided_at)
    accepted = np.asarray(accepted, dtype=bool)
    horizon = np.timedelta64(int(horizon_days), "D")
    before = accepted & (decided_at < cut - horizon)
    after = accepted & (decided_at >= cut) & (decided_at < end - horizon)
    train_known = before & ~np.isnan(labels_at_cut)
    test_known = after & ~np.isnan(labels_at_end)
    train, test = np.flatnonzero(train_known), np.flatnonzero(test_known)
    return Split(
        train=train,
        test=test,
        y_train=labels_at_cut[train].astype(np.int64),
        y_test=labels_at_end[test].astype(np.int64),
        unresolved_train=int(before.sum() - train.size),
        unresolved_test=int(after.sum() - test.size),
    )


@dataclass(frozen=True, slots=True)
class HeldOutMetrics:
    """How well one scorer predicts held-out outcomes (None where undefined).

    ``auc``: probability a random success scores above a random failure (ties 1/2).
    ``brier``: mean squared error of the probability (0 perfect; 0.25 for a constant 0.5).
    ``log_loss``: mean negative log-likelihood. ``calibration_*``: the reliability curve,
    mean predicted probability against observed success rate in quantile bins.
    """

    n: int
    successes: int
    auc: float | None
    brier: float | None
    log_loss: float | None
    calibration_predicted: tuple[float, ...]
    calibration_observed: tuple[float, ...]


def heldout_metrics(y: np.ndarray, score: np.ndarray, probability: np.ndarray) -> HeldOutMetrics:
    """AUC of ``score`` and Brier, log-loss and reliability of ``probability``."""
    y = np.asarray(y, dtype=np.int64)
    both = y.size > 0 and 0 < y.sum() < y.size
    if y.size:
        observed, predicted = calibration_curve(y, probability, n_bins=5, strategy="quantile")
    else:
        observed, predicted = np.array([]), np.array([])
    return HeldOutMetrics(
        n=int(y.size),
        successes=int(y.sum()),
        auc=float(roc_auc_score(y, score)) if both else None,
        brier=float(brier_score_loss(y, probability)) if y.size else None,
        log_loss=float(log_loss(y, probability, labels=[0, 1])) if y.size else None,
        calibration_predicted=tuple(float(v) for v in predicted),
        calibration_observed=tuple(float(v) for v in observed),
    )


@dataclass(frozen=True, slots=True)
class PairedDifference:
    """Learned minus policy on the same held-out rows, with a paired bootstrap interval."""

    metric: str
    difference: float | None
    low: float | None
    high: float | None
    n_boot: int


def _metric(name: str, y: np.ndarray, p: np.ndarray) -> float | None:
    if name == "auc":
        return float(roc_auc_score(y, p)) if 0 < y.sum() < y.size else None
    if name == "brier":
        return float(brier_score_loss(y, p))
    return float(log_loss(y, p, labels=[0, 1]))


def paired_differences(
    y: np.ndarray,
    learned: np.ndarray,
    policy: np.ndarray,
    *,
    rng: np.random.Generator,
    n_boot: int = 500,
    level: float = 0.95,
) -> list[PairedDifference]:
    """AUC, Brier and log-loss of learned minus policy, each with a percentile interval
    from resampling the held-out rows (the same resample for both scorers)."""
    y = np.asarray(y, dtype=np.int64)
    found = []
    for name in ("auc", "brier", "log_loss"):
        if y.size == 0:
            found.append(PairedDifference(name, None, None, None, 0))
            continue
        a, b = _metric(name, y, learned), _metric(name, y, policy)
        point = None if a is None or b is None else a - b
        samples = []
        for _ in range(n_boot):
            rows = rng.integers(0, y.size, y.size)
            a, b = _metric(name, y[rows], learned[rows]), _metric(name, y[rows], policy[rows])
            if a is not None and b is not None:
                samples.append(a - b)
        if samples:
            low, high = np.quantile(samples, [(1 - level) / 2, (1 + level) / 2])
            found.append(PairedDifference(name, point, float(low), float(high), len(samples)))
        else:
            found.append(PairedDifference(name, point, None, None, 0))
    return found


@dataclass(frozen=True, slots=True)
class TrainingResult:
    """A fitted learned scorer, the calibrated policy, and their held-out comparison."""

    scorer: LearnedScorer
    n_train: int
    train_successes: int
    learned: HeldOutMetrics
    policy: HeldOutMetrics
    calibration: Calibration  # of the hand policy, on the same training rows
    differences: tuple[PairedDifference, ...] = ()
    regularisation: Regularisation = Regularisation(DEFAULT_C, DEFAULT_DEPARTMENT_C)


def train_at_cut(
    X: np.ndarray,
    split: Split,
    policy: Policy,
    *,
    C: float | None = None,
    department_C: float | None = None,
    departments: np.ndarray | None = None,
    decided_at: np.ndarray | None = None,
    n_boot: int = 300,
    seed: int = 20260101,
    shrink_to_policy: bool = True,
) -> TrainingResult:
    """Fit a :class:`LearnedScorer` on the training rows of ``X`` and compare it, on the
    held-out rows, with the hand policy calibrated on the same training rows.

    ``X`` holds the factor features of each decision's accepted placement as of the
    decision's moment (from the replay; all columns, the scorers see the prediction
    ones); ``policy`` is the :class:`matcher.policy.Policy` whose weights are calibrated;
    ``departments`` (one id per row of ``X``) adds regularised department effects.
    ``C`` and ``department_C`` left None are chosen by :func:`choose_regularisation` on the
    training rows ordered by ``decided_at`` (one moment per row of ``X``; default: row
    order); a strength given is kept.
    """
    X = np.asarray(X, dtype=np.float64)
    X_train, X_test = predictors(X[split.train]), predictors(X[split.test])
    prior_weights = policy.prediction_weights if shrink_to_policy else None
    train_departments = None if departments is None else np.asarray(departments)[split.train]
    regularisation = Regularisation(
        DEFAULT_C if C is None else C,
        DEFAULT_DEPARTMENT_C if department_C is None else department_C,
    )
    if C is None or department_C is None:
        order = split.train if decided_at is None else np.asarray(decided_at)[split.train]
        chosen = choose_regularisation(
            X_train, split.y_train, order, train_departments,
            C_grid=C_GRID if C is None else (C,),
            department_C_grid=DEPARTMENT_C_GRID if department_C is None else (department_C,),
            prior_weights=prior_weights,
        )  # fmt: skip
        regularisation = chosen
    scorer = LearnedScorer(
        C=regularisation.C,
        department_C=regularisation.department_C,
        prior_weights=prior_weights,
    ).fit(X_train, split.y_train, departments=train_departments)
    learned_probability = np.array([])
    if len(X_test):
        z = scorer.decision_function(X_test)
        if departments is not None:
            z = z + scorer.department_offsets(np.asarray(departments)[split.test])
        learned_probability = 1.0 / (1.0 + np.exp(-z))
    learned = heldout_metrics(split.y_test, learned_probability, learned_probability)
    calibration = calibrate_at_cut(X, split, policy)
    hand = calibrated_scorer(policy, calibration)
    probability = hand.predict_proba(X_test)[:, 1] if len(X_test) else np.array([])
    policy_metrics = heldout_metrics(split.y_test, probability, probability)
    differences = paired_differences(
        split.y_test,
        learned_probability,
        probability,
        rng=np.random.default_rng(seed),
        n_boot=n_boot,
    )
    return TrainingResult(
        scorer=scorer,
        n_train=int(split.train.size),
        train_successes=int(split.y_train.sum()),
        learned=learned,
        policy=policy_metrics,
        calibration=calibration,
        differences=tuple(differences),
        regularisation=regularisation,
    )
