"""A replay report: ranking, outcome, coverage, group and off-policy figures as plain data.

Built from a :class:`~matcher.replay_data.ReplayExtract` and the replay of its decisions
(and logged lists) with one scorer. Every figure comes from the evaluation functions in
:mod:`matcher.metrics`, :mod:`matcher.outcome_metrics`, :mod:`matcher.groups` and
:mod:`matcher.ope`; this module only picks the rows and names the results.

Which decisions count where:

* ranking metrics (hit@1, hit@k, MRR, NDCG@k): **accepted** decisions, the accepted
  placement being the one relevant item. Recall@k is not reported: with one accepted
  placement per decision it equals hit@k exactly (:func:`matcher.metrics.recall_at_k`
  serves lists that record several acceptable placements);
* outcome metrics: accepted decisions whose outcome is known at the extract's end
  (1 = a success outcome, 0 = ended early without one);
* coverage and concentration: the top k of **every** replayed decision, against the
  placements open at some moment of the window and every department;
* off-policy estimates: logged lists with the placement they showed first (see
  :func:`off_policy`).
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from matcher.exploration import expected_ndcg_cost
from matcher.groups import bootstrap_ci, group_gaps, metric_by_group
from matcher.metrics import hit_at_k, ndcg_from_ranks, reciprocal_rank
from matcher.ope import estimate
from matcher.outcome_metrics import (
    concentration,
    coverage,
    rank_auc_statistic,
    rank_separation,
    success_by_rank,
)
from matcher.replay import Replayed
from matcher.replay_data import GROUP_ATTRIBUTES, ReplayExtract
from matcher.replay_state import Timeline
from matcher.small_cells import DEFAULT_MIN_GROUP_N, gap_entries, group_entries

__all__ = [
    "decision_metrics", "group_section", "json_ready", "off_policy", "off_policy_rows",
    "quota_fill", "replay_report",
]  # fmt: skip

EXPLORATION_EPSILON = 0.1  # the cost figure reports exploring one list in ten


def json_ready(value):
    """The same data with numpy scalars as Python numbers and NaN/inf as None (JSON lacks them)."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_ready(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def window_days(start: np.datetime64, stop: np.datetime64) -> dict[str, str]:
    """The asked window as dates: first day and last day, inclusive (``stop`` is the
    exclusive midnight after the last day)."""
    last = (stop - np.timedelta64(1, "us")).astype("datetime64[D]")
    return {"from": str(start.astype("datetime64[D]")), "to": str(last)}


def decision_metrics(rank: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Per accepted decision: hit@1, hit@k, reciprocal rank, NDCG@k, not ranked."""
    return {
        "hit_at_1": hit_at_k(rank, 1),
        f"hit_at_{k}": hit_at_k(rank, k),
        "reciprocal_rank": reciprocal_rank(rank),
        f"ndcg_at_{k}": ndcg_from_ranks(rank, k),
        "unranked": np.isinf(rank).astype(np.float64),
    }


def _ci(values: np.ndarray, rng, n_boot: int, **kwargs) -> dict | None:
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0 or np.isnan(values).all():
        return None
    return asdict(bootstrap_ci(values, rng=rng, n_boot=n_boot, **kwargs))


def group_section(
    metrics: dict[str, np.ndarray], groups: dict[str, np.ndarray], rng, n_boot: int, min_n: int
) -> dict:
    """Every metric by every group attribute, with intervals, each group's gap to the rest
    and its relative rate; groups under ``min_n`` decisions suppressed
    (:mod:`matcher.small_cells`)."""
    out = {}
    for attribute, labels in groups.items():
        by_metric = {}
        for name, values in metrics.items():
            if values.size == 0 or np.isnan(values).all():
                continue
            by_group = metric_by_group(values, labels, rng=rng, n_boot=n_boot)
            gaps = group_gaps(values, labels, rng=rng, n_boot=n_boot)
            by_metric[name] = {
                "groups": group_entries(by_group, min_n),
                "gaps": gap_entries(gaps, min_n),
            }
        out[attribute] = by_metric
    return out


def quota_fill(extract: ReplayExtract, step_days: int = 7) -> dict:
    """Booked headcount against each department's quota, weekly through the window.

    Points are the state just before each day's midnight (UTC); ``max_headcount`` is
    None on days without a quota. Departments that never had a quota are left out.
    """
    timeline = Timeline(extract)
    moments = extract.decisions.queries.at
    first = max(extract.start, moments.min()) if moments.size else extract.start
    last = min(extract.stop, extract.end)
    first = first.astype("datetime64[D]").astype("datetime64[us]")
    # weekly points, thinned so that an open-ended window never draws thousands of them
    step_days = max(int(step_days), int((last - first) / np.timedelta64(1, "D")) // 260 + 1)
    step = np.timedelta64(step_days, "D")
    days = np.arange(first, last + step, step) if last >= first else np.array([first])
    days = days[days <= max(last, first)]
    series: dict[int, dict[str, list]] = {}
    for position, at in enumerate(days):
        timeline.advance(at)
        departments, maximum, minimum, booked = timeline.quota_position(at)
        for d, mx, mn, b in zip(departments, maximum, minimum, booked, strict=True):
            entry = series.setdefault(int(timeline.departments[d]), _empty_series(len(days)))
            entry["booked"][position] = int(b)
            entry["max_headcount"][position] = int(mx)
            entry["min_headcount"][position] = int(mn)
    names = extract.department_names
    return {
        "days": [str(d.astype("datetime64[D]")) for d in days],
        "departments": [
            {"department_id": d, "name": names.get(d, f"#{d}"), **s}
            for d, s in sorted(series.items())
        ],
    }


def _empty_series(n: int) -> dict[str, list]:
    return {"booked": [None] * n, "max_headcount": [None] * n, "min_headcount": [None] * n}


def off_policy_rows(extract: ReplayExtract, target_rank_of_logged_top, labels) -> dict | None:
    """The logged lists an off-policy estimate can use (see :func:`off_policy`): their
    rewards, first-item propensities, the target's 0/1 and the ``keep`` mask; None if none."""
    lists = extract.lists
    if len(lists) == 0:
        return None
    accepted = lists.accepted_decision
    reward = np.zeros(len(lists))
    reward[accepted >= 0] = labels[accepted[accepted >= 0]]
    keep = ~np.isnan(reward) & (accepted != -2) & (lists.top_propensity > 0)
    if not keep.any():
        return None
    target = (np.asarray(target_rank_of_logged_top) == 1).astype(np.float64)[keep]
    return {
        "reward": reward[keep], "propensity": lists.top_propensity[keep], "target": target,
        "keep": keep,
    }  # fmt: skip


def off_policy(
    extract: ReplayExtract, target_rank_of_logged_top: np.ndarray, labels: np.ndarray, rng, n_boot
) -> dict | None:
    """IPS and SNIPS estimates of P(the first suggestion is accepted and succeeds).

    Action: the placement a logged list showed first; its logging propensity is the
    probability of being shown first, which every logged kind records at rank 1
    (a Plackett-Luce step is the marginal there; exploration logs the position marginal;
    a deterministic list has 1). Reward: 1 when that placement was accepted from the list
    and succeeded, 0 when it was not accepted or failed. The target (the replayed scorer,
    deterministic) shows it first when it ranks it 1. Lists whose accepted first item has
    no known outcome yet, or was decided after the window, are left out and counted.
    Imported decisions (``imported_left_out``) were not made from a logged list, so they
    cannot enter these estimates at all.
    """
    rows = off_policy_rows(extract, target_rank_of_logged_top, labels)
    if rows is None:
        return None
    keep = rows["keep"]
    args = (rows["reward"], rows["propensity"], rows["target"])
    return {
        "action": "the placement a list shows first",
        "reward": "it was accepted from the list and succeeded",
        "n_lists": int(keep.sum()),
        "left_out": int((~keep).sum()),
        "imported_left_out": int(extract.decisions.imported_mask.sum()),
        "logged_value": float(rows["reward"].mean()),
        "ips": asdict(estimate(*args, rng=rng, estimator="ips", n_boot=n_boot)),
        "snips": asdict(estimate(*args, rng=rng, estimator="snips", n_boot=n_boot)),
    }


def replay_report(
    extract: ReplayExtract,
    decisions: Replayed,
    labels: np.ndarray,
    *,
    k: int,
    rng: np.random.Generator,
    n_boot: int = 1000,
    lists: Replayed | None = None,
    min_group_n: int = DEFAULT_MIN_GROUP_N,
) -> dict:
    """The whole report as JSON-ready data (see the module docstring for the rows used).

    ``labels`` is one outcome label per decision (1, 0, NaN unknown), e.g. from
    :func:`matcher.training.outcome_labels` at the extract's end.
    """
    d = extract.decisions
    accepted = np.flatnonzero(d.accepted)
    rank = decisions.rank[accepted]
    per_decision = decision_metrics(rank, k)
    success = labels[accepted]
    known = ~np.isnan(success)
    ranking = {name: _ci(v, rng, n_boot) for name, v in per_decision.items()}
    separation = rank_separation(rank, success) if known.any() else None
    outcomes = {
        "success_rate": _ci(success, rng, n_boot),
        "success_by_rank": asdict(success_by_rank(rank, success)) if known.any() else None,
        "separation": asdict(separation) if separation else None,
        "separation_auc": _ci(
            np.column_stack([rank, success]), rng, n_boot, statistic=rank_auc_statistic
        )
        if separation and separation.auc is not None
        else None,
    }
    p = extract.placements
    open_rows = p.is_open & (p.valid_from < extract.stop) & (p.valid_until >= extract.start)
    shown = decisions.top_ids[decisions.top_ids >= 0]
    slots = decisions.top_departments[decisions.top_departments >= 0]
    group_values = {**per_decision, "success": success}
    group_labels = {a: d.groups[a][accepted] for a in GROUP_ATTRIBUTES}
    gains = np.zeros((accepted.size, k + 1))
    ranked = np.isfinite(rank) & (rank <= k)
    gains[np.flatnonzero(ranked), rank[ranked].astype(int) - 1] = 1.0
    cost = expected_ndcg_cost(gains, epsilon=EXPLORATION_EPSILON, k=k, cutoff=k)
    return json_ready(
        {
            "k": k,
            "window": window_days(extract.start, extract.stop),
            "counts": {
                "decisions": len(d),
                "accepted": int(accepted.size),
                "with_outcome": int(known.sum()),
                "overrides": int(d.override.sum()),
                "imported": int(d.imported_mask.sum()),
                "mean_candidates": float(decisions.candidate_count.mean()) if len(d) else None,
                **extract.notes,
            },
            "ranking": ranking,
            "outcomes": outcomes,
            "coverage": asdict(coverage(shown, p.placement_id[open_rows])),
            "concentration": {
                **asdict(concentration(slots, extract.department_ids)),
                "names": [
                    extract.department_names.get(int(i), f"#{i}") for i in extract.department_ids
                ],
            },
            "groups": group_section(group_values, group_labels, rng, n_boot, min_group_n)
            if accepted.size
            else {},
            "small_cells": {"min_group_n": int(min_group_n)},
            "off_policy": off_policy(extract, lists.rank, labels, rng, n_boot) if lists else None,
            "exploration_cost": {
                "epsilon": EXPLORATION_EPSILON,
                "expected_ndcg_loss": float(np.mean(cost)) if accepted.size else None,
                # E[hit@1 shown] = (1 - eps) [rank = 1] + eps / k [rank <= k]
                "expected_hit_at_1_loss": float(
                    EXPLORATION_EPSILON * np.mean((rank == 1) - (rank <= k) / k)
                )
                if accepted.size
                else None,
            },
            "quota_fill": quota_fill(extract),
        }
    )
