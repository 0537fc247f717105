"""Benchmark: how many expected successful placements the engine's choices bring (issue #10).

Run from the repository root: ``.venv/bin/python bench/quality.py`` (no arguments).

On the demo municipality (fixtures.generator, scale 1, seeds 7, 8, 9) at its cohort date
(the history's end; the cohort and the eligibility are defined in bench/_quality_world.py),
every strategy is scored in **expected successful placements** under the generator's TRUE
success probabilities (its success model with department effects and participant
latents; read by this benchmark only):

* **best**: the exact plan under the true probabilities with the real slots, quotas and
  minimum bookings (``matcher.plan_certify.solve_pruned`` on the true probabilities);
* **random**: a uniformly random eligible assignment, participants in random order, each
  taking a uniformly drawn eligible placement with room (mean of ``RANDOM_DRAWS`` draws);
* **normalised gain** = (system - random) / (best - random).

Systems, driven in process through the functions the service uses:

(a) ``one_at_a_time``: participants in arrival order (registration), each accepting the
    top open item of ``rank_placements`` (k=1); slots and quotas updated after each accept;
(b) ``one_at_a_time_priced``: the same, with the scarcity prices of a standing plan
    (:func:`standing_prices`, recomputed over the participants still waiting and the
    capacity left after every booking); a participant whose top item's priced value is
    below 0 waits (the place does more good for someone else waiting; the value is in
    expected successes, matcher.value). ``one_at_a_time_priced_always`` accepts the top
    item whatever its value;
(c) ``plan``: the cohort plan, ``solve_pruned`` on ``score_matrix`` values as
    ``api.planning.make_plan`` calls it (default PlanOptions);
(d) the same (b) and (c) after training on the history before the cohort date: the
    learned model (``matcher.training.train_at_cut``, department effects) and the hand
    policy calibrated on the same rows (``matcher.calibration``).

Per group (support need 4-5, newcomers, women, parents): the group's expected successes
under (c) as a share of what the best plan gives it, pooled over the seeds.

Diagnostic ceilings (not systems): the plan on the true model of the observable factors
alone (``ceiling_observable_plan``) and with the true department effects
(``ceiling_observable_department_plan``); the participant latent is unknown to everyone.

The last line is one JSON object. Its headline keys (``one_at_a_time``,
``one_at_a_time_priced``, ``priced_over_plan``, ``plan``, ``worst_group_share``) are the
hand policy calibrated on the history before the cohort date, the scorer the targets name
("``plan`` >= 0.90 with the calibrated hand policy") and the one the service runs once it
has outcomes to calibrate on; ``hand_*`` are the same before calibration (the prior
intercept, scale 1), ``learned_*`` the learned model. ``worst_group_share`` is the
smallest pooled group share of the calibrated plan.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

# the repository before bench/ (whose api.py would shadow the api package)
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _quality_world import Cohort, cohort_at, demo_at, history_before, true_probability  # noqa: E402

from api.planning import PLACEMENT_CANDIDATES  # noqa: E402
from matcher import PolicyScorer, load_policy, rank_placements  # noqa: E402
from matcher.calibration import calibrated_scorer  # noqa: E402
from matcher.domain import DepartmentCapacity  # noqa: E402
from matcher.plan_certify import solve_pruned  # noqa: E402
from matcher.training import split_by_cut, train_at_cut  # noqa: E402
from matcher.value import score_matrix  # noqa: E402
from models.plans import PlanOptions  # noqa: E402

SEEDS = (7, 8, 9)
RANDOM_DRAWS = 50
HORIZON_DAYS = 60  # api.services.evaluation.DEFAULT_HORIZON_DAYS
GROUPS = {
    "support_need_4_5": lambda r: r.support_need >= 4,
    "newcomers": lambda r: r.newcomer,
    "women": lambda r: r.gender == "F",
    "parents": lambda r: r.parent,
}


class Capacity:
    """Slots and quotas left while one-at-a-time decisions book places."""

    def __init__(self, cohort: Cohort) -> None:
        self.cohort = cohort
        self.slots = np.asarray(cohort.compiled.remaining_slots).copy()
        self.quota = cohort.quota_max.copy()
        self.minimum = cohort.quota_min.copy()

    def book(self, j: int) -> None:
        d = self.cohort.placement_department[j]
        self.slots[j] -= 1
        self.quota[d] -= 1
        self.minimum[d] = max(self.minimum[d] - 1, 0)

    def has_room(self) -> np.ndarray:
        return (self.slots > 0) & (self.quota[self.cohort.placement_department] > 0)

    def compiled(self):
        """The compiled placements with the capacity left (``with_capacity``)."""
        c = self.cohort
        capacities = {
            dept: DepartmentCapacity(dept, int(self.quota[k]), int(self.minimum[k]))
            for k, dept in enumerate(c.department_ids)
            if dept in c.compiled.capacities
        }
        slots = {int(i): int(s) for i, s in zip(c.compiled.ids, self.slots, strict=True)}
        return c.compiled.with_capacity(slots, capacities)


def plan(cohort: Cohort, scores, eligible, capacity: Capacity | None = None, people=None):
    """``solve_pruned`` as ``api.planning.make_plan`` calls it (default PlanOptions);
    ``people`` are the rows' participants (default: the whole cohort)."""
    options = PlanOptions()
    capacity = capacity or Capacity(cohort)
    people = cohort.people if people is None else people
    result, _, _ = solve_pruned(
        scores, eligible,
        slots=np.maximum(capacity.slots, 0),
        placement_department=cohort.placement_department,
        quota_max=np.maximum(capacity.quota, 0),
        quota_min=capacity.minimum,
        support_need=np.array([p.support_need for p in people], dtype=np.int64),
        top_n=options.candidates_per_participant,
        top_per_placement=PLACEMENT_CANDIDATES,
        priority_weight=options.priority_weight,
        min_probability=options.min_probability,
    )  # fmt: skip
    return result


def standing_plan(cohort: Cohort, scorer, policy, capacity: Capacity, waiting):
    """Scarcity prices per compiled placement from a plan over the waiting participants and
    the capacity left: placement price + department price, as api.planning.make_plan stores
    them and api.catalog_cache.scarcity_prices reads them; and the plan's placement for
    each waiting participant (-1: none). (The swap point for the standing plan of branch
    ``plan``.)"""
    compiled = capacity.compiled()
    people = [cohort.people[i] for i in waiting]
    scores, eligible = score_matrix(people, compiled, scorer, cohort.day, policy)
    result = plan(cohort, scores, eligible, capacity, people)
    prices = result.placement_prices + result.department_prices[cohort.placement_department]
    return prices, result.assignment


#: priced values this close count as a tie (the prices are exact duals, so the plan's
#: own placement ties with others for many participants)
TIE = 1e-6


def one_at_a_time(
    cohort: Cohort, scorer, policy, *, priced: bool, wait: bool = False, plan_ties: bool = False
):
    """Arrival order, each accepting the top open item; the assignment (-1: none taken).

    ``wait``: a participant whose top item has a ranking value below 0 waits instead. With
    prices that value is the expected success here minus what the placement is worth to
    the others waiting (P + adjustments - price, matcher.value): below 0 the engine's own
    number says the place does more good elsewhere (bench/plan.py's convention).
    ``plan_ties`` (diagnostic, not what the engine does today): among items tied with the
    top (within ``TIE``), take the standing plan's placement for this participant, and
    wait when the plan gives them none and the top is worth 0.
    """
    capacity = Capacity(cohort)
    assignment = np.full(len(cohort.people), -1)
    for i, person in enumerate(cohort.people):
        prices, planned = None, -1
        if priced:
            prices, planned_all = standing_plan(
                cohort, scorer, policy, capacity, range(i, len(cohort.people))
            )
            planned = int(planned_all[0])
        compiled = capacity.compiled()
        # the engine's own tie-break: the standing plan's placement first among its ties
        preferred = planned if planned >= 0 and not plan_ties else None
        ranking = rank_placements(person, compiled, scorer, k=5 if plan_ties else 1,
                                  as_of=cohort.day, policy=policy, prices=prices,
                                  preferred=preferred)  # fmt: skip
        items = ranking.items
        if plan_ties and items:
            tied = [compiled.index_of(it.placement_id) for it in items
                    if it.score >= items[0].score - TIE]  # fmt: skip
            if planned in tied:
                assignment[i] = planned
                capacity.book(planned)
                continue
            if planned < 0 and items[0].score <= TIE:
                continue
        if items and not (wait and items[0].score < 0):
            j = compiled.index_of(items[0].placement_id)
            assignment[i] = j
            capacity.book(j)
    return assignment


def random_expected(cohort: Cohort, truth, eligible, rng) -> float:
    """Mean expected successes of uniformly random eligible assignments."""
    totals = []
    for _ in range(RANDOM_DRAWS):
        capacity = Capacity(cohort)
        total = 0.0
        for i in rng.permutation(len(cohort.people)):
            options = np.flatnonzero(eligible[i] & capacity.has_room())
            if options.size:
                j = int(rng.choice(options))
                capacity.book(j)
                total += truth[i, j]
        totals.append(total)
    return float(np.mean(totals))


def expected(truth, assignment, rows=slice(None)) -> float:
    a = np.asarray(assignment)[rows]
    t = truth[rows]
    placed = a >= 0
    return float(t[np.flatnonzero(placed), a[placed]].sum())


def trained_scorers(cohort: Cohort, policy):
    """The learned model and the calibrated hand policy, trained on the history before
    the cohort date (outcomes known by then; matcher.training's time cut)."""
    history = history_before(cohort.demo, cohort.day, policy)
    cut = np.datetime64(str(cohort.day), "us")
    usable = ~np.isnan(history.X[:, 0])
    split = split_by_cut(
        history.decided_at, usable, history.labels_at_cut, history.labels_at_cut,
        cut=cut, end=cut, horizon_days=HORIZON_DAYS,
    )  # fmt: skip
    result = train_at_cut(
        history.X, split, policy, departments=history.departments,
        decided_at=history.decided_at, n_boot=0,
    )  # fmt: skip
    return result.scorer, calibrated_scorer(policy, result.calibration), result


def measure_seed(seed: int, policy) -> dict:
    demo = demo_at(seed)
    cohort = cohort_at(demo)
    truth = true_probability(cohort)
    hand = PolicyScorer.from_policy(policy)
    values, eligible = score_matrix(cohort.people, cohort.compiled, hand, cohort.day, policy)
    best = plan(cohort, truth, eligible).assignment
    best_total = expected(truth, best)
    random_total = random_expected(cohort, truth, eligible, np.random.default_rng(seed))

    def gain(assignment) -> float:
        return (expected(truth, assignment) - random_total) / (best_total - random_total)

    learned, calibrated, training = trained_scorers(cohort, policy)
    # Ceilings (diagnostic, not a system): the plan on the true model of the observable
    # factors alone, and with the department effects; the latent stays unknown to all.
    assignments = {
        "ceiling_observable_plan": plan(
            cohort, true_probability(cohort, department=False, latent=False), eligible
        ).assignment,
        "ceiling_observable_department_plan": plan(
            cohort, true_probability(cohort, latent=False), eligible
        ).assignment,
    }
    for name, scorer in (("hand", hand), ("calibrated", calibrated), ("learned", learned)):
        scores, _ = score_matrix(cohort.people, cohort.compiled, scorer, cohort.day, policy)
        assignments[f"{name}_plan"] = plan(cohort, scores, eligible).assignment
        run = functools.partial(one_at_a_time, cohort, scorer, policy)
        assignments[f"{name}_priced"] = run(priced=True, wait=True)
        assignments[f"{name}_priced_always"] = run(priced=True)
        assignments[f"{name}_priced_plan_ties"] = run(priced=True, wait=True, plan_ties=True)
        assignments[f"{name}_one_at_a_time"] = run(priced=False)
    groups = {}
    for group, member in GROUPS.items():
        rows = np.array([member(r) for r in cohort.records])
        groups[group] = {
            "n": int(rows.sum()),
            "best": expected(truth, best, rows),
            **{name: expected(truth, a, rows) for name, a in assignments.items() if "plan" in name},
        }
    return {
        "seed": seed,
        "participants": len(cohort.people),
        "placements": len(cohort.compiled),
        "slots": int(np.asarray(cohort.compiled.remaining_slots).sum()),
        "eligible_pairs": int(eligible.sum()),
        "best": best_total,
        "best_placed": int((best >= 0).sum()),
        "random": random_total,
        "gain": {name: gain(a) for name, a in assignments.items()},
        "placed": {name: int((a >= 0).sum()) for name, a in assignments.items()},
        "groups": groups,
        "training": {
            "n_train": training.n_train,
            "train_successes": training.train_successes,
            "calibration_intercept": training.calibration.intercept,
            "calibration_scale": training.calibration.scale,
            "C": training.regularisation.C,
            "department_C": training.regularisation.department_C,
        },
    }


def summarise(runs: list[dict]) -> dict:
    def mean(key: str) -> float:
        return float(np.mean([r["gain"][key] for r in runs]))

    shares = {}
    for scorer in ("hand", "calibrated", "learned"):
        shares[scorer] = {
            g: sum(r["groups"][g][f"{scorer}_plan"] for r in runs)
            / sum(r["groups"][g]["best"] for r in runs)
            for g in GROUPS
        }
    return {
        # the headline keys: the calibrated hand policy, the scorer the targets name
        "one_at_a_time": mean("calibrated_one_at_a_time"),
        "one_at_a_time_priced": mean("calibrated_priced"),
        "priced_over_plan": mean("calibrated_priced") / mean("calibrated_plan"),
        "plan": mean("calibrated_plan"),
        "one_at_a_time_priced_always": mean("calibrated_priced_always"),
        # the hand policy before calibration (its prior intercept, scale 1)
        "hand_one_at_a_time": mean("hand_one_at_a_time"),
        "hand_priced": mean("hand_priced"),
        "hand_priced_over_plan": mean("hand_priced") / mean("hand_plan"),
        "hand_plan": mean("hand_plan"),
        "learned_one_at_a_time": mean("learned_one_at_a_time"),
        "learned_priced": mean("learned_priced"),
        "learned_plan": mean("learned_plan"),
        "priced_plan_ties": mean("calibrated_priced_plan_ties"),
        "learned_priced_plan_ties": mean("learned_priced_plan_ties"),
        "ceiling_observable_plan": mean("ceiling_observable_plan"),
        "ceiling_observable_department_plan": mean("ceiling_observable_department_plan"),
        "group_share": shares,
        "worst_group_share": min(shares["calibrated"].values()),
    }


def load_average() -> list[str]:
    with open("/proc/loadavg") as f:
        return f.read().split()[:3]


def main() -> None:
    started = time.perf_counter()
    policy = load_policy()
    if os.environ.get("PLATSA_QUALITY_POLICY_WEIGHTS"):  # e.g. "priority=0,capacity=0"
        pairs = (kv.split("=") for kv in os.environ["PLATSA_QUALITY_POLICY_WEIGHTS"].split(","))
        policy = policy.with_weights(**{k: float(v) for k, v in pairs})
    print(f"policy {policy.version}; load {load_average()}")
    runs = []
    for seed in SEEDS:
        run = measure_seed(seed, policy)
        runs.append(run)
        print(f"seed {seed}: {run['participants']} waiting, {run['placements']} open placements "
              f"({run['slots']} slots), best {run['best']:.2f} ({run['best_placed']} placed), "
              f"random {run['random']:.2f}")  # fmt: skip
        for name, value in run["gain"].items():
            print(f"  {name:26s} gain {value:.3f}  placed {run['placed'][name]}")
        for group, g in run["groups"].items():
            print(f"  {group:18s} n={g['n']:3d} best {g['best']:.2f} " + " ".join(
                f"{k}={v:.2f}" for k, v in g.items() if k.endswith("plan")))  # fmt: skip
        print(f"  training {run['training']}")
    summary = summarise(runs)
    summary["seconds"] = round(time.perf_counter() - started, 1)
    summary["load"] = load_average()
    summary["policy_version"] = policy.version
    print(json.dumps({"runs": [{k: v for k, v in r.items() if k != "groups"} for r in runs]}))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
