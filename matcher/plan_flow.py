"""The cohort plan as a min-cost flow (OR-Tools), with dual prices from its potentials.

The network
-----------
::

    source -> participant i      capacity 1               cost -M   (placing first)
    participant i -> placement j capacity 1 (listed pair) cost -c_ij
    placement j -> department d  capacity slots_j         cost 0
    department d -> sink         capacity min_cap_d       cost -M   (minimum bookings)
    department d -> sink         capacity quota - min_cap cost 0    (the rest of the quota)
    source -> sink               capacity n               cost 0    (unassigned)

Every participant sends one unit, through a placement or straight to the sink. The
constraint matrix is a network matrix, so the optimal flow is integral: no integer
programming is needed.

``c_ij = round(weight_i * score_ij * 1e6 / max|weight * score|)``: integer costs, as the
cost-scaling algorithm requires. The plan is exactly optimal for the rounded costs, and
within ``assigned * 1e-6 * max|weight * score|`` of the optimum of the unrounded ones.

Minima and placing are lexicographic: each booking up to a department's minimum, and
each participant placed (the arc out of the source into a participant, who can only
leave through a placement), earns a bonus ``M`` larger than any possible change of the
score part (:func:`matcher.plan_model.minimum_bonus`), so the plan first meets as many
minimum bookings and places as many participants as possible (the two never conflict:
:mod:`matcher.plan_model`), then maximises the score. A pair of negative value is still
taken rather than leave its participant out.

Prices
------
OR-Tools does not expose its node potentials, so they are recomputed from the optimal
flow: shortest-path distances ``d`` in the residual network (from a virtual root joined
to every node at cost 0; vectorised Bellman-Ford, exact in integers). The reduced costs
are then non-negative on every residual arc, i.e. ``d`` is an optimal dual. The price of a
capacity is ``max(0, d[head] - d[tail])`` on its arc when saturated, 0 otherwise. These
are an optimal dual, so each price lies between what one more unit of the capacity
would add to the plan and what one unit less would cost it (on small random cohorts it
equalled the first, the marginal gain, for about three placements in four).
Any multiple of ``M`` (an extra slot that would also meet a minimum booking, or place one
more participant) is taken out, so prices are in objective units.

Why min-cost flow and not an LP: measured on the benchmark cohorts (bench/README.md),
OR-Tools' ``SimpleMinCostFlow`` solves 20,000 x 5,000 (1.03M candidate pairs) in about
1 s, SciPy's HiGHS dual simplex (:mod:`matcher.plan_lp`) in about 42 s, with the same
optimum; at 3,000 x 1,000, 0.05 s against 2.3 s. The flow solver works on the network
itself, the LP solver on a generic sparse matrix.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from ortools.graph.python import min_cost_flow

from matcher.plan_model import PreparedCohort, minimum_bonus

#: Largest integer cost of a pair: sets the rounding of scores (see the module docstring).
COST_SCALE = 1_000_000


@dataclass(frozen=True, eq=False)
class FlowSolution:
    """Raw result of a solver backend: which pairs are used, and the prices."""

    pair_used: np.ndarray  # bool per prepared pair
    placement_prices: np.ndarray
    department_prices: np.ndarray
    solver_seconds: float
    # With solve_flow(certifying=True): node potentials of the optimal flow measured from
    # the source (an optimal dual in integer cost units; nodes 0..n-1 are participants,
    # n..n+m-1 placements) and the score-to-cost scale, so that matcher.plan_certify can
    # price out pairs that were never in the network.
    potential: np.ndarray | None = None
    cost_scale: float = 1.0
    bonus: int = 0  # the integer bonus M per minimum booking
    place_bonus: int = 0  # the bonus per participant placed: M, or 0 without place_first


@dataclass(frozen=True, eq=False)
class FlowNetwork:
    """The network of a prepared cohort with its optimal flow; arcs in the order added.

    Blocks of arcs: ``n`` source -> participant, ``n_pairs`` pairs, ``m`` placement ->
    department, ``n_dep`` minimum and ``n_dep`` rest-of-quota department -> sink, one
    source -> sink (see the module docstring).
    """

    tails: np.ndarray
    heads: np.ndarray
    capacities: np.ndarray
    costs: np.ndarray
    flows: np.ndarray
    n_pairs: int
    scale: float  # integer cost units per unit of weighted score
    bonus: int
    place_bonus: int
    solver_seconds: float

    @property
    def n_nodes(self) -> int:
        return int(self.heads[-1]) + 1  # the last arc ends in the sink, the last node

    @cached_property
    def residual(self) -> ResidualGraph:
        return ResidualGraph.of(self)


def solve_network(prepared: PreparedCohort) -> FlowNetwork:
    """Build the min-cost flow network of a prepared cohort and solve it (OR-Tools)."""
    problem = prepared.problem
    n, m, n_dep = problem.n_participants, problem.n_placements, problem.n_departments
    source, sink = n + m + n_dep, n + m + n_dep + 1
    largest = float(np.abs(prepared.weighted).max()) if len(prepared.weighted) else 0.0
    scale = COST_SCALE / largest if largest > 0 else 1.0
    pair_cost = -np.rint(prepared.weighted * scale).astype(np.int64)
    bonus = int(minimum_bonus(prepared, COST_SCALE))
    place_bonus = bonus if prepared.place_first else 0

    departments = n + m + np.arange(n_dep)
    tails = np.concatenate(
        [
            np.full(n, source),
            prepared.pair_participant,
            n + np.arange(m),
            departments,
            departments,
            [source],
        ]
    ).astype(np.int64)
    heads = np.concatenate(
        [
            np.arange(n),
            n + prepared.pair_placement,
            n + m + problem.placement_department,
            np.full(n_dep, sink),
            np.full(n_dep, sink),
            [sink],
        ]
    ).astype(np.int64)
    capacities = np.concatenate(
        [
            np.ones(n + len(pair_cost), dtype=np.int64),
            prepared.slots,
            prepared.min_cap,
            prepared.quota_cap - prepared.min_cap,
            [n],
        ]
    )
    costs = np.concatenate(
        [
            np.full(n, -place_bonus, dtype=np.int64),
            pair_cost,
            np.zeros(m, dtype=np.int64),
            np.full(n_dep, -bonus, dtype=np.int64),
            np.zeros(n_dep + 1, dtype=np.int64),
        ]
    )
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[source], supplies[sink] = n, -n
    flow.set_nodes_supplies(np.arange(sink + 1), supplies)
    started = time.perf_counter()
    status = flow.solve()
    solver_seconds = time.perf_counter() - started
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow ended with status {status}")
    return FlowNetwork(
        tails, heads, capacities, costs, flow.flows(arcs), len(pair_cost), scale, bonus,
        place_bonus, solver_seconds,
    )  # fmt: skip


def source_potentials(network: FlowNetwork) -> np.ndarray:
    """Potentials measured from the source: the dual matcher.plan_certify prices with."""
    source = network.n_nodes - 2
    return network.residual.distances(root=source)


def solve_flow(prepared: PreparedCohort, *, certifying: bool = False) -> FlowSolution:
    """Solve the prepared cohort exactly with OR-Tools' min-cost flow.

    ``certifying`` also returns potentials measured from the source, another optimal
    dual, under which a placed participant keeps a surplus over their alternatives; the
    prices' potentials (from a virtual root, all <= 0) often leave it at 0 and then fail
    to certify an optimal pruned plan (tests/matcher/test_plan_certify.py has a case).
    """
    network = solve_network(prepared)
    return flow_solution(prepared, network, source_potentials(network) if certifying else None)


def flow_solution(
    prepared: PreparedCohort, network: FlowNetwork, potential: np.ndarray | None = None
) -> FlowSolution:
    """The used pairs and the prices of a solved network (``potential`` passed through)."""
    problem = prepared.problem
    n, m, n_dep = problem.n_participants, problem.n_placements, problem.n_departments
    sink = network.n_nodes - 1
    tails, heads, flows, capacities = (
        network.tails,
        network.heads,
        network.flows,
        network.capacities,
    )
    departments = n + m + np.arange(n_dep)
    prices_potential = network.residual.distances()
    # Arc blocks, in the order they were added.
    first_slot = n + network.n_pairs
    slot_arcs = np.arange(first_slot, first_slot + m)
    rest_arcs = np.arange(first_slot + m + n_dep, first_slot + m + 2 * n_dep)
    min_arcs = rest_arcs - n_dep
    slot_full = flows[slot_arcs] >= capacities[slot_arcs]
    booked = flows[min_arcs] + flows[rest_arcs]
    quota_full = prepared.quota_finite & (booked >= prepared.quota_cap)
    placement_raw = np.where(
        slot_full, prices_potential[heads[slot_arcs]] - prices_potential[tails[slot_arcs]], 0
    )
    department_raw = np.where(quota_full, prices_potential[sink] - prices_potential[departments], 0)
    bonus, scale = network.bonus, network.scale
    return FlowSolution(
        pair_used=flows[n : n + network.n_pairs] > 0,
        placement_prices=_score_part(placement_raw, bonus) / scale,
        department_prices=_score_part(department_raw, bonus) / scale,
        solver_seconds=network.solver_seconds,
        potential=potential,
        cost_scale=scale,
        bonus=bonus,
        place_bonus=network.place_bonus,
    )


def _score_part(raw: np.ndarray, bonus: int) -> np.ndarray:
    """Drop whole minimum bonuses from integer prices and clip at 0."""
    raw = np.asarray(raw, dtype=np.int64)
    bonuses = (raw + bonus // 2) // bonus
    return np.maximum(raw - bonuses * bonus, 0).astype(float)


@dataclass(frozen=True, eq=False)
class ResidualGraph:
    """The residual arcs of a flow, grouped by head, for shortest-path relaxations."""

    tail: np.ndarray
    cost: np.ndarray
    targets: np.ndarray  # heads with at least one residual arc in
    starts: np.ndarray  # where each target's arcs start
    n_nodes: int
    longest: int  # a bound on the length of any path

    @classmethod
    def of(cls, network: FlowNetwork) -> ResidualGraph:
        return cls.from_arcs(
            network.tails, network.heads, network.capacities, network.costs, network.flows,
            network.n_nodes,
        )  # fmt: skip

    @classmethod
    def from_arcs(cls, tails, heads, capacities, costs, flows, n_nodes: int) -> ResidualGraph:
        forward = flows < capacities
        backward = flows > 0
        res_tail = np.concatenate([tails[forward], heads[backward]])
        res_head = np.concatenate([heads[forward], tails[backward]])
        res_cost = np.concatenate([costs[forward], -costs[backward]])
        order = np.argsort(res_head, kind="stable")
        targets, starts = np.unique(res_head[order], return_index=True)
        longest = (n_nodes + 1) * (int(np.abs(costs).max(initial=0)) + 1)
        return cls(res_tail[order], res_cost[order], targets, starts, n_nodes, longest)

    def distances(self, root: int | None = None) -> np.ndarray:
        """Shortest-path distances in the residual network of an optimal flow.

        Starts every node at 0 (a virtual root) and relaxes all residual arcs at once
        until nothing changes. With ``root``, distances are from that node instead: it
        starts at 0 and every other node at a bound longer than any path (a virtual root
        reaching it at that cost), so nodes the root cannot reach keep a feasible, large
        potential. An optimal flow has no negative cycle, so this ends within
        ``n_nodes`` rounds; in practice a few dozen, as chains of displacements are short.
        """
        distance = np.zeros(self.n_nodes, dtype=np.int64)
        if root is not None:
            distance[:] = self.longest
            distance[root] = 0
        if len(self.tail) == 0:
            return distance
        for _ in range(self.n_nodes + 1):
            best = np.minimum.reduceat(distance[self.tail] + self.cost, self.starts)
            improved = best < distance[self.targets]
            if not improved.any():
                return distance
            distance[self.targets[improved]] = best[improved]
        raise RuntimeError("negative cycle in the residual network: the flow is not optimal")
