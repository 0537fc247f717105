"""The evaluators' work, shared by the routes and the command line: replay and train.

Each function reads a pseudonymised extract (models.repo_extract), runs the pure engine
(matcher.replay, matcher.training, matcher.replay_report) and, for training, writes a
registry row. Nothing here commits: the caller's transaction does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlmodel import Session

from matcher import FACTORS, PREDICTORS, Policy, PolicyScorer
from matcher.calibration import calibrate_at_cut
from matcher.comparison import calibration_bins, compare, overall_verdict
from matcher.features import Scorer
from matcher.replay import replay_queries
from matcher.replay_data import ReplayExtract, take_queries, window_of
from matcher.replay_report import json_ready, off_policy_rows, replay_report
from matcher.small_cells import DEFAULT_MIN_GROUP_N
from matcher.training import outcome_labels, split_by_cut, train_at_cut
from matcher.value import values
from models.registry import CALIBRATED_POLICY, POLICY, ModelVersion, add_model_version, scorer_of
from models.repo_extract import build_extract, moment
from models.repo_registry import active_scorer, get_model_version, next_version

ALL_OF_TIME = (datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC))
DEFAULT_HORIZON_DAYS = 60
DEFAULT_SEED = 20260101  # bootstrap seed: the same request gives the same intervals


Progress = Callable[[str, int, int], None]
"""``progress(phase, done, total)``: long work reports how far it is (the CLI draws bars)."""

OVERALL_RULE = (
    "better: some metric better and none worse; worse: some worse and none better; "
    "mixed: some better and some worse; otherwise not distinguishable "
    "(each metric: the 95% paired bootstrap interval of the improvement above or below 0)"
)


class UnknownScorer(LookupError):
    """The scorer named is neither ``policy``, ``active`` nor a registered model version."""


class NotEnoughData(ValueError):
    """Too few decisions or outcomes on one side of the cut to train or compare."""


def window(from_day: date, to_day: date) -> tuple[datetime, datetime]:
    """Decisions dated ``from_day`` through ``to_day`` inclusive, as [start, stop) in UTC."""
    if to_day < from_day:
        raise ValueError("the window ends before it starts")
    start = datetime.combine(from_day, time(), tzinfo=UTC)
    return start, datetime.combine(to_day + timedelta(days=1), time(), tzinfo=UTC)


def resolve_scorer(session: Session, name: str, policy: Policy) -> tuple[str, Scorer]:
    """(label, scorer) for ``policy``, ``active`` (the scorer in use) or a model version."""
    if name == POLICY:
        return policy.version, PolicyScorer.from_policy(policy)
    if name == "active":
        active = active_scorer(session)
        return active if active else (policy.version, PolicyScorer.from_policy(policy))
    row = get_model_version(session, name)
    if row is None:
        raise UnknownScorer(f"no scorer {name!r}: use 'policy', 'active' or a model version")
    return row.version, scorer_of(row)


def _labels(extract: ReplayExtract, at: np.datetime64) -> np.ndarray:
    o = extract.outcomes
    return outcome_labels(len(extract.decisions), o.decision, o.success, o.known_at, at)


def report_for(
    extract: ReplayExtract, label: str, scorer: Scorer, policy: Policy, *, k: int, n_boot: int,
    seed: int = DEFAULT_SEED, off_policy: bool = True, min_group_n: int = DEFAULT_MIN_GROUP_N,
    progress: Progress | None = None, decline_memory_days: int = 0,
) -> dict:  # fmt: skip
    """Replay the extract's decisions (and lists) with one scorer and build the report.

    ``decline_memory_days``: what was declined for a participant within that many days is
    not ranked for them, as the live lists leave it out (PLATSA_DECLINE_MEMORY_DAYS)."""
    decisions, lists = replays(
        extract, scorer, policy, k=k, off_policy=off_policy, progress=progress,
        decline_memory_days=decline_memory_days,
    )  # fmt: skip
    if progress is not None:
        progress("bootstrap intervals", 0, 1)
    report = _report(extract, label, policy, decisions, lists, k=k, n_boot=n_boot, seed=seed,
                     min_group_n=min_group_n)  # fmt: skip
    report["decline_memory_days"] = int(decline_memory_days)
    return report


def replays(
    extract: ReplayExtract, scorer: Scorer, policy: Policy, *, k: int, off_policy=True,
    progress: Progress | None = None, label: str = "", decline_memory_days: int = 0,
):  # fmt: skip
    """(decisions, lists) replayed with one scorer; lists None without ``off_policy``."""
    decisions = replay_queries(
        extract, extract.decisions.queries, scorer, policy, k=k,
        progress=_phase(progress, f"replaying decisions {label}".strip()),
        decline_memory_days=decline_memory_days,
    )  # fmt: skip
    lists = None
    if off_policy:
        lists = replay_queries(
            extract, extract.lists.queries, scorer, policy, k=1,
            progress=_phase(progress, f"replaying logged lists {label}".strip()),
            decline_memory_days=decline_memory_days,
        )  # fmt: skip
    return decisions, lists


def _phase(progress: Progress | None, phase: str):
    """``progress`` bound to one phase, as the engine's ``(done, total)`` callback."""
    if progress is None:
        return None
    return lambda done, total: progress(phase, done, total)


def _report(extract, label, policy, decisions, lists, *, k, n_boot, seed, min_group_n) -> dict:
    report = replay_report(
        extract, decisions, _labels(extract, extract.end), k=k,
        rng=np.random.default_rng(seed), n_boot=n_boot, lists=lists, min_group_n=min_group_n,
    )  # fmt: skip
    report["scorer"] = {"name": label, "feature_policy_version": policy.version}
    report["data_end"] = np.datetime_as_string(extract.end, unit="s") + "Z"
    return report


def run_replay(
    session: Session, *, start: datetime, stop: datetime, scorer_name: str, policy: Policy,
    k: int = 10, n_boot: int = 500, off_policy: bool = True,
    min_group_n: int = DEFAULT_MIN_GROUP_N, progress: Progress | None = None,
    decline_memory_days: int = 0,
) -> dict:  # fmt: skip
    """The replay report of the decisions in ``[start, stop)`` with the named scorer."""
    label, scorer = resolve_scorer(session, scorer_name, policy)
    if progress is not None:
        progress("reading the history", 0, 1)
    extract = build_extract(session, start, stop)
    if progress is not None:
        progress("reading the history", 1, 1)
    report = report_for(
        extract, label, scorer, policy, k=k, n_boot=n_boot, off_policy=off_policy,
        min_group_n=min_group_n, progress=progress, decline_memory_days=decline_memory_days,
    )  # fmt: skip
    if progress is not None:
        progress("bootstrap intervals", 1, 1)
    return report


def _summary(report: dict, k: int) -> dict:
    """The headline figures of a report, for the side-by-side comparison."""
    ranking, outcomes = report["ranking"], report["outcomes"]
    pick = ("hit_at_1", f"hit_at_{k}", "reciprocal_rank", f"ndcg_at_{k}", "unranked")
    ope = report.get("off_policy") or {}
    return {
        **{name: ranking.get(name) for name in pick},
        "separation_auc": outcomes.get("separation_auc"),
        "success_by_rank": outcomes.get("success_by_rank"),
        "snips": ope.get("snips"),
        "ips": ope.get("ips"),
    }


def _probability(scorer: Scorer, policy: Policy, X, departments) -> tuple[np.ndarray, np.ndarray]:
    """(predicted log-odds, probability of success) of held-out rows: every scorer, the
    hand policy (calibrated or its prior) and a learned model, predicts on one scale."""
    valued = values(scorer, X, policy, departments)
    return valued.log_odds, valued.probability


def held_out_comparison(
    held_out: ReplayExtract, replayed: dict, features, split, candidate, in_use, *, k: int,
    n_boot: int, policy: Policy, outcome_groups: dict, departments=None,
    seed: int = DEFAULT_SEED, min_n: int = DEFAULT_MIN_GROUP_N,
) -> dict:  # fmt: skip
    """Candidate against the scorer in use on the same held-out decisions, paired
    (:mod:`matcher.comparison`): every metric's verdict and the overall one."""
    X_test = features[split.test]
    test_departments = None if departments is None else departments[split.test]
    outcomes = {"y": split.y_test}
    for name, scorer in (("candidate", candidate), ("in_use", in_use)):
        score, p = _probability(scorer, policy, X_test, test_departments)
        outcomes[f"{name}_score"], outcomes[f"{name}_p"] = score, p
    accepted = np.flatnonzero(held_out.decisions.accepted)
    ranks = tuple(replayed[name][0].rank[accepted] for name in ("candidate", "in_use"))
    labels = _labels(held_out, held_out.end)
    rows = {name: off_policy_rows(held_out, replayed[name][1].rank, labels) for name in replayed}
    lists = None
    if rows["candidate"] is not None:
        lists = {
            "reward": rows["candidate"]["reward"], "propensity": rows["candidate"]["propensity"],
            "candidate_target": rows["candidate"]["target"],
            "in_use_target": rows["in_use"]["target"],
        }  # fmt: skip
    rng = np.random.default_rng(seed)
    metrics = compare(outcomes=outcomes, ranks=ranks, lists=lists, k=k, rng=rng, n_boot=n_boot)
    groups = _by_group(
        held_out, outcomes, outcome_groups, accepted, ranks, k=k, rng=rng, n_boot=n_boot,
        min_n=min_n,
    )  # fmt: skip
    return {
        "rule": OVERALL_RULE,
        "metrics": [asdict(m) for m in metrics],
        **overall_verdict(metrics),
        "by_group": groups,
        "min_group_n": int(min_n),
        "worse_for": [
            {"attribute": a, "group": g["group"], "n": g["n"], "worse_on": g["worse_on"]}
            for a, entries in groups.items()
            for g in entries
            if g["worse_on"]
        ],
        "calibration": {
            name: calibration_bins(outcomes[f"{name}_p"], outcomes["y"])
            for name in ("candidate", "in_use")
        },
    }


def _by_group(held_out, outcomes, outcome_groups, accepted, ranks, *, k, rng, n_boot, min_n):
    """The same paired comparison inside each group (gender, age band, ...): for whom is
    the candidate worse? Groups under ``min_n`` decisions are suppressed (no figures)."""
    d = held_out.decisions
    out = {}
    for attribute, labels in d.groups.items():
        entries = []
        for group in sorted(set(labels[accepted].tolist())):
            in_group = labels[accepted] == group
            n = int(in_group.sum())
            entry = {"group": group, "n": n, "suppressed": n < min_n, "worse_on": [],
                     "better_on": [], "metrics": []}  # fmt: skip
            if not entry["suppressed"]:
                rows = outcome_groups[attribute] == group
                subset = {name: np.asarray(v)[rows] for name, v in outcomes.items()}
                found = compare(
                    outcomes=subset if rows.sum() >= min_n else None,
                    ranks=(ranks[0][in_group], ranks[1][in_group]), lists=None, k=k, rng=rng,
                    n_boot=n_boot,
                )  # fmt: skip
                entry["metrics"] = [asdict(m) for m in found]
                entry.update(overall_verdict(found))
            entries.append(entry)
        out[attribute] = entries
    return out


def _labelled_features(
    session: Session, *, cut: date, policy: Policy, horizon_days: int,
    progress: Progress | None = None,
) -> tuple[ReplayExtract, np.ndarray, np.ndarray, object, np.datetime64]:  # fmt: skip
    """The extract, each decision's factor features and department as of its moment, the
    split and the cut. Raises :class:`NotEnoughData` when either side of the cut lacks
    successes or failures (success: matcher.calibration)."""
    if progress is not None:
        progress("reading the history", 0, 1)
    extract = build_extract(session, *ALL_OF_TIME)
    if progress is not None:
        progress("reading the history", 1, 1)
    cut_at = moment(datetime.combine(cut, time(), tzinfo=UTC))
    d = extract.decisions
    accepted = np.flatnonzero(d.accepted)
    features = np.full((len(d), len(FACTORS)), np.nan)
    departments = np.full(len(d), -1, dtype=np.int64)
    if accepted.size:
        # features do not depend on the scorer; the policy's ranks are not needed here
        queries = take_queries(d.queries, accepted)
        replayed = replay_queries(
            extract, queries, PolicyScorer.from_policy(policy), policy, k=1,
            progress=_phase(progress, "features of the accepted decisions"),
        )  # fmt: skip
        features[accepted] = replayed.chosen_X
        departments[accepted] = replayed.chosen_department
    usable = d.accepted & ~np.isnan(features[:, 0])
    split = split_by_cut(
        d.queries.at, usable, _labels(extract, cut_at), _labels(extract, extract.end),
        cut=cut_at, end=extract.end, horizon_days=horizon_days,
    )  # fmt: skip
    for side, y in (("training", split.y_train), ("held-out", split.y_test)):
        if y.size == 0 or y.min() == y.max():
            raise NotEnoughData(
                f"the {side} decisions need both successes and failures "
                f"({y.size} labelled, {int(y.sum())} successes); move the cut or the horizon"
            )
    return extract, features, departments, split, cut_at


def _window_fields(extract: ReplayExtract, split, cut: date, horizon_days: int) -> dict:
    train_rows = extract.decisions.queries.at[split.train]
    return {
        "train_from": train_rows.min().astype(datetime).replace(tzinfo=UTC),
        "train_to": train_rows.max().astype(datetime).replace(tzinfo=UTC),
        "cut": datetime.combine(cut, time(), tzinfo=UTC),
        "horizon_days": horizon_days,
    }


def calibrate_policy(
    session: Session, *, cut: date, policy: Policy, trained_by: int | None,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> ModelVersion:  # fmt: skip
    """Fit the hand policy's intercept and scale to the outcomes before ``cut`` (nothing
    else is fitted) and register the calibrated policy as a candidate to activate."""
    extract, features, _, split, _ = _labelled_features(
        session, cut=cut, policy=policy, horizon_days=horizon_days
    )
    calibration = calibrate_at_cut(features, split, policy)
    return add_model_version(
        session,
        version=next_version(session),
        trained_by=trained_by,
        **_window_fields(extract, split, cut, horizon_days),
        features=list(PREDICTORS),
        feature_policy_version=policy.version,
        params={
            "model": CALIBRATED_POLICY,
            "weights": policy.prediction_weights.tolist(),
            "intercept": calibration.intercept,
            "scale": calibration.scale,
            "n_outcomes": calibration.n,
        },
        metrics={"n_train": calibration.n, "train_successes": calibration.successes},
    )


def train_model(
    session: Session, *, cut: date, policy: Policy, trained_by: int | None,
    horizon_days: int = DEFAULT_HORIZON_DAYS, C: float | None = None, k: int = 10,
    n_boot: int = 300,
    progress: Progress | None = None, min_group_n: int = DEFAULT_MIN_GROUP_N,
    decline_memory_days: int = 0,
) -> ModelVersion:  # fmt: skip
    """Train a learned scorer with a global time cut and register it as a candidate.

    Features are each accepted decision's factor features as of its moment (the replay's
    by-product); labels follow :mod:`matcher.training`. On the held-out decisions (on or
    after the cut) the model is compared with the hand policy calibrated on the same
    training rows (paired bootstrap intervals of the differences), and it and the scorer
    in use are replayed and compared, paired; all of it is stored with the model. ``C``
    None: both strengths are chosen on the training outcomes (matcher.regularisation); a
    ``C`` given is kept and only ``department_C`` is chosen. Raises
    :class:`NotEnoughData` when either side of the cut lacks successes or failures.
    """
    extract, features, departments, split, cut_at = _labelled_features(
        session, cut=cut, policy=policy, horizon_days=horizon_days, progress=progress
    )
    in_use_label, in_use = resolve_scorer(session, "active", policy)
    result = train_at_cut(
        features, split, policy, C=C, departments=departments,
        decided_at=extract.decisions.queries.at, n_boot=n_boot,
    )  # fmt: skip
    held_out = window_of(extract, cut_at, extract.stop)
    version = next_version(session)
    scorers = {"candidate": (version, result.scorer), "in_use": (in_use_label, in_use)}
    replayed = {
        name: replays(
            held_out,
            s,
            policy,
            k=k,
            progress=progress,
            label=f"({name})",
            decline_memory_days=decline_memory_days,
        )  # fmt: skip
        for name, (_, s) in scorers.items()
    }
    if progress is not None:
        progress("comparing, paired", 0, 1)
    comparison = {
        name: _summary(
            _report(
                held_out,
                scorers[name][0],
                policy,
                *replayed[name],
                k=k,
                n_boot=n_boot,
                seed=DEFAULT_SEED,
                min_group_n=min_group_n,
            ),
            k,
        )  # fmt: skip
        for name in scorers
    }
    paired = held_out_comparison(
        held_out, replayed, features, split, result.scorer, in_use, k=k, n_boot=n_boot,
        policy=policy, departments=departments,
        outcome_groups={a: labels[split.test] for a, labels in extract.decisions.groups.items()},
        min_n=min_group_n,
    )  # fmt: skip
    if progress is not None:
        progress("comparing, paired", 1, 1)
    return add_model_version(
        session,
        version=version,
        trained_by=trained_by,
        **_window_fields(extract, split, cut, horizon_days),
        features=list(PREDICTORS),
        feature_policy_version=policy.version,
        params={
            "coef": result.scorer.coef_.tolist(),
            "intercept": result.scorer.intercept_,
            "C": result.regularisation.C,
            "department_C": result.regularisation.department_C,
            "regularisation_validation_log_loss": result.regularisation.validation_log_loss,
            "n_outcomes": result.n_train,
            "department_effect": {str(d): e for d, e in result.scorer.department_effect_.items()},
            "prior_policy_version": policy.version,
            "prior_scale": result.scorer.prior_scale_,
            "model": "logistic regression on the prediction features and regularised "
            "department effects, its weights shrunk towards the hand policy's "
            "(matcher.learned)",
        },
        metrics=json_ready(
            {
                "n_train": result.n_train,
                "train_successes": result.train_successes,
                "unresolved_train": split.unresolved_train,
                "unresolved_held_out": split.unresolved_test,
                "held_out": {
                    "candidate": asdict(result.learned),
                    "calibrated_policy": asdict(result.policy),
                },
                "calibration": asdict(result.calibration),
                "differences": [asdict(d) for d in result.differences],
                "in_use": in_use_label,
                "replay": {
                    "k": k,
                    "from": str(cut),
                    "to": np.datetime_as_string(extract.end, unit="D"),
                    **comparison,
                },  # fmt: skip
                "comparison": paired,
            }
        ),
    )
