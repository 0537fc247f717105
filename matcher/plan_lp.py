"""The cohort plan as a linear programme (SciPy's HiGHS dual simplex): the second backend.

Kept for cross-checking and for the measured comparison in bench/README.md; the default
backend is the min-cost flow of :mod:`matcher.plan_flow` (faster by an order of magnitude).

Variables: ``x_p`` in [0, 1] per usable pair and ``y_d`` in [0, min_cap_d], the minimum
bookings of each department with a minimum. Maximise ``sum((weight * score + M) * x) +
M * sum(y)`` (``M`` per participant placed and per minimum booking: placing first, as in
:mod:`matcher.plan_model`) subject to

- each participant at most one pair (``sum x <= 1``),
- each placement at most its slots,
- each department with a quota at most its quota,
- ``y_d <= sum of x in department d``.

The matrix is that of a network flow, so a simplex vertex is integral. Prices are the
negated row marginals of the slot and quota rows, with whole bonuses ``M`` taken out as in
:mod:`matcher.plan_flow`; HiGHS returns *an* optimal dual, not necessarily the smallest.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from matcher.plan_flow import FlowSolution
from matcher.plan_model import PreparedCohort, minimum_bonus


def solve_lp(prepared: PreparedCohort) -> FlowSolution:
    """Solve the prepared cohort exactly with ``scipy.optimize.linprog(method="highs-ds")``."""
    problem = prepared.problem
    n, m = problem.n_participants, problem.n_placements
    n_pairs = len(prepared.weighted)
    largest = float(np.abs(prepared.weighted).max()) if n_pairs else 0.0
    bonus = minimum_bonus(prepared, max(largest, 1e-9))
    quota_rows = np.flatnonzero(prepared.quota_finite)
    min_rows = np.flatnonzero(prepared.min_cap > 0)
    n_min = len(min_rows)
    pairs = np.arange(n_pairs)
    # Department row number of each pair, -1 when the department has no such row.
    quota_row_of = np.full(problem.n_departments, -1)
    quota_row_of[quota_rows] = np.arange(len(quota_rows))
    min_row_of = np.full(problem.n_departments, -1)
    min_row_of[min_rows] = np.arange(n_min)
    in_quota = quota_row_of[prepared.pair_department] >= 0
    in_min = min_row_of[prepared.pair_department] >= 0
    n_cols = n_pairs + n_min
    if n_cols == 0:  # nothing to decide; HiGHS refuses an empty programme
        zero_m, zero_d = np.zeros(m), np.zeros(problem.n_departments)
        return FlowSolution(np.zeros(0, dtype=bool), zero_m, zero_d, solver_seconds=0.0)

    def block(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, n_rows: int):
        return sp.csr_matrix((values, (rows, cols)), shape=(n_rows, n_cols))

    matrix = sp.vstack(
        [
            block(prepared.pair_participant, pairs, np.ones(n_pairs), n),
            block(prepared.pair_placement, pairs, np.ones(n_pairs), m),
            block(
                quota_row_of[prepared.pair_department[in_quota]],
                pairs[in_quota],
                np.ones(in_quota.sum()),
                len(quota_rows),
            ),
            block(
                np.concatenate([min_row_of[prepared.pair_department[in_min]], np.arange(n_min)]),
                np.concatenate([pairs[in_min], n_pairs + np.arange(n_min)]),
                np.concatenate([-np.ones(in_min.sum()), np.ones(n_min)]),
                n_min,
            ),
        ]
    ).tocsr()
    bounds_rhs = np.concatenate(
        [np.ones(n), prepared.slots, prepared.quota_cap[quota_rows], np.zeros(n_min)]
    )
    place_bonus = bonus if prepared.place_first else 0.0
    objective = -np.concatenate([prepared.weighted + place_bonus, np.full(n_min, bonus)])
    upper = np.concatenate([np.ones(n_pairs), prepared.min_cap[min_rows]])
    started = time.perf_counter()
    result = linprog(
        objective,
        A_ub=matrix,
        b_ub=bounds_rhs,
        bounds=np.column_stack([np.zeros(n_cols), upper]),
        method="highs-ds",
    )
    solver_seconds = time.perf_counter() - started
    if result.status != 0:
        raise RuntimeError(f"HiGHS ended with status {result.status}: {result.message}")
    x = result.x[:n_pairs]
    if np.any(np.abs(x - np.rint(x)) > 1e-6):
        raise RuntimeError("HiGHS returned a fractional vertex")
    used = x > 0.5
    marginals = -result.ineqlin.marginals
    slot_load = np.bincount(prepared.pair_placement[used], minlength=m)
    placement_raw = np.where(slot_load >= prepared.slots, marginals[n : n + m], 0.0)
    quota_load = np.bincount(prepared.pair_department[used], minlength=problem.n_departments)[
        quota_rows
    ]
    department_raw = np.zeros(problem.n_departments)
    department_raw[quota_rows] = np.where(
        quota_load >= prepared.quota_cap[quota_rows],
        marginals[n + m : n + m + len(quota_rows)],
        0.0,
    )
    return FlowSolution(
        pair_used=used,
        placement_prices=_score_part(placement_raw, bonus),
        department_prices=_score_part(department_raw, bonus),
        solver_seconds=solver_seconds,
    )


def _score_part(raw: np.ndarray, bonus: float) -> np.ndarray:
    """Drop whole minimum bonuses from prices, clip at 0 and round off solver noise."""
    part = raw - np.rint(raw / bonus) * bonus
    part[np.abs(part) < 1e-9] = 0.0
    return np.maximum(part, 0.0)
