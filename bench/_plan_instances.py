"""Synthetic cohorts for bench/plan.py (a module, not a script), made in participant chunks.

A score is ``sigmoid(0.7 a_i + 0.5 b_j + 0.4 e_d + 0.25 u_i.v_j + 0.6 noise - 0.3)``:
a participant effect ``a`` (how employable), a placement effect ``b``, a department effect
``e`` (some departments are less attractive to everyone), a rank-4 affinity ``u.v``
(skills and interests meeting a work area) and pair noise. Each participant is eligible
for a share of placements drawn from U(0.3, 0.6). ``support_need`` (1..5) falls with ``a``.
Slots are 1..3 per placement, so there are about two thirds as many slots as
participants at 3,000 x 1,000 and half as many at 20,000 x 5,000.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.plan import CohortProblem

CHUNK = 2000


@dataclass(frozen=True, eq=False)
class SyntheticCohort:
    n_participants: int
    n_placements: int
    n_departments: int
    seed: int
    participant_effect: np.ndarray
    placement_effect: np.ndarray
    department_effect: np.ndarray
    participant_taste: np.ndarray
    placement_profile: np.ndarray
    eligible_share: np.ndarray
    slots: np.ndarray
    placement_department: np.ndarray
    quota_max: np.ndarray
    quota_min: np.ndarray
    support_need: np.ndarray

    def chunk(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """Scores and eligibility of participants ``start:stop`` (same every call)."""
        rng = np.random.default_rng([self.seed, start])
        z = (
            0.7 * self.participant_effect[start:stop, None]
            + 0.5 * self.placement_effect[None, :]
            + 0.4 * self.department_effect[self.placement_department][None, :]
            + 0.25 * self.participant_taste[start:stop] @ self.placement_profile.T
            + 0.6 * rng.standard_normal((stop - start, self.n_placements))
            - 0.3
        )
        scores = 1.0 / (1.0 + np.exp(-z))
        eligible = rng.random(scores.shape) < self.eligible_share[start:stop, None]
        return scores, eligible


def synthetic_cohort(n: int, m: int, n_departments: int, seed: int = 7) -> SyntheticCohort:
    rng = np.random.default_rng(seed)
    # Department sizes fall off like a Zipf law: a few large administrations, many small.
    size = 1.0 / np.arange(1, n_departments + 1) ** 0.8
    placement_department = rng.choice(n_departments, size=m, p=size / size.sum())
    slots = rng.integers(1, 4, m)
    department_slots = np.bincount(placement_department, weights=slots, minlength=n_departments)
    has_quota = rng.random(n_departments) < 0.6
    quota_max = np.where(
        has_quota, np.floor(rng.uniform(0.6, 0.95, n_departments) * department_slots), np.inf
    )
    has_minimum = rng.random(n_departments) < 0.3
    ceiling = np.where(has_quota, quota_max, department_slots)
    quota_min = np.where(
        has_minimum, np.ceil(rng.uniform(0.2, 0.5, n_departments) * ceiling), 0
    ).astype(np.int64)
    # The least attractive department promised more than it has places: a certain shortfall.
    department_effect = rng.normal(0, 1, n_departments)
    worst = int(np.argmin(department_effect))
    quota_min[worst] = int(department_slots[worst]) + 2
    participant_effect = rng.normal(0, 1, n)
    need = -participant_effect + rng.normal(0, 0.5, n)
    support_need = 1 + np.searchsorted(np.quantile(need, [0.2, 0.4, 0.6, 0.8]), need)
    return SyntheticCohort(
        n_participants=n,
        n_placements=m,
        n_departments=n_departments,
        seed=seed,
        participant_effect=participant_effect,
        placement_effect=rng.normal(0, 1, m),
        department_effect=department_effect,
        participant_taste=rng.normal(0, 1, (n, 4)),
        placement_profile=rng.normal(0, 1, (m, 4)),
        eligible_share=rng.uniform(0.3, 0.6, n),
        slots=slots,
        placement_department=placement_department,
        quota_max=quota_max,
        quota_min=quota_min,
        support_need=support_need,
    )


def candidate_problems(
    cohort: SyntheticCohort, top_ns: tuple[int | None, ...], top_per_placement: int
) -> dict[int | None, CohortProblem]:
    """One pass over the chunks; the problem pruned at each ``top_n`` (None: all pairs).

    Each participant keeps their ``top_n`` best eligible placements, and every problem
    also keeps each placement's ``top_per_placement`` best eligible participants (the
    same rule as ``CohortProblem.from_dense``, merged across chunks).
    """
    widest = max(k for k in top_ns if k is not None) if any(top_ns) else 0
    keep_all = None in top_ns
    rows, cols, vals, ranks = [], [], [], []
    column_best = np.full((0, cohort.n_placements), -np.inf)
    column_who = np.zeros((0, cohort.n_placements), dtype=np.int64)
    for start in range(0, cohort.n_participants, CHUNK):
        stop = min(start + CHUNK, cohort.n_participants)
        scores, eligible = cohort.chunk(start, stop)
        masked = np.where(eligible, scores, -np.inf)
        # Rank of each pair within its participant's list, 0 = best.
        order = np.argsort(-masked, axis=1, kind="stable")
        rank = np.empty_like(order)
        np.put_along_axis(rank, order, np.arange(cohort.n_placements)[None, :], axis=1)
        listed = eligible if keep_all else eligible & (rank < widest)
        r, c = np.nonzero(listed)
        rows.append(r + start)
        cols.append(c)
        vals.append(scores[r, c])
        ranks.append(rank[r, c])
        if top_per_placement == 0:
            continue
        # Running best participants per placement.
        pool = np.vstack([column_best, masked])
        who = np.vstack(
            [column_who, np.arange(start, stop)[:, None].repeat(cohort.n_placements, 1)]
        )
        k = min(top_per_placement, pool.shape[0])
        best = np.argpartition(-pool, k - 1, axis=0)[:k]
        column_best = np.take_along_axis(pool, best, 0)
        column_who = np.take_along_axis(who, best, 0)
    row, col = np.concatenate(rows), np.concatenate(cols)
    val, rank = np.concatenate(vals), np.concatenate(ranks)
    m = cohort.n_placements
    column_pairs = np.isfinite(column_best)
    column_key = column_who[column_pairs] * m + np.nonzero(column_pairs)[1]
    problems = {}
    for top_n in top_ns:
        chosen = np.ones(len(row), dtype=bool) if top_n is None else rank < top_n
        key, unique_at = np.unique(
            np.concatenate([row[chosen] * m + col[chosen], column_key]), return_index=True
        )
        score = np.concatenate([val[chosen], column_best[column_pairs]])[unique_at]
        problems[top_n] = CohortProblem(
            participant_index=key // m,
            placement_index=key % m,
            score=score,
            n_participants=cohort.n_participants,
            slots=cohort.slots,
            placement_department=cohort.placement_department,
            quota_max=cohort.quota_max,
            quota_min=cohort.quota_min,
            support_need=cohort.support_need,
        )
    return problems
