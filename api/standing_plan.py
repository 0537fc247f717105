"""The standing plan: the system's own cohort plan, solved off the request path.

One-at-a-time suggestions price scarcity with the standing plan's dual prices
(api/catalog_cache.py reads them; models/standing_plan.py stores them). It plans
*everyone waiting* (active participants without a booking) on *all open capacity* with
the default options, on the ranking values without scarcity
(:func:`api.planning.standing_solve`). A coordinator's plan never feeds prices.

When it is solved again ("changed enough")
-------------------------------------------
:func:`due` compares the newest standing plan with the database's counters now and
names the trigger, in this order:

- ``none``: there is no standing plan yet;
- ``new_day``: it was planned on another day (quota periods and "open today" move);
- ``scorer``: the scorer in use (hand policy version or active model) changed;
- and, once the plan is at least :func:`min_interval` old (never more than one solve in
  that time for these; the last solve's own time times :data:`DUTY`, between
  :data:`MIN_INTERVAL_FLOOR` and :data:`MIN_INTERVAL`, so a small municipality's prices
  follow its bookings within seconds and a large one's optimiser (``solver_seconds``;
  the catalog build beside it is covered by the floor) takes at most 1/DUTY of a core):
  - ``catalog``: the layout counter moved (a placement opened, closed or changed);
  - ``bookings``: the any-change counter moved by :data:`CHANGES` or more (bookings,
    withdrawals, quota edits);
  - ``caseload``: :data:`CASELOAD_CHANGES` or more participant revisions (new
    participants, changed records, people leaving);
  - ``age``: anything at all moved and the plan is older than :data:`MAX_AGE`.

Nothing moved on the same day: the plan stands. Who solves: :class:`StandingPlanKeeper`,
one thread per ``platsa serve`` (api/cli_serve.py), checking every ``interval`` seconds,
and the command ``platsa standing-plan``. On PostgreSQL a transaction-level advisory lock
(models.repo_standing_plan.try_claim_solve) makes sure two services (or a service and
the command) never both solve; SQLite is served by one process, whose keeper lock
serialises its solves.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.catalog_cache import build_catalog
from api.planning import standing_solve
from api.services.suggestions import declined_since
from api.settings import get_settings
from matcher import Policy, load_policy
from models.clock import SYSTEM_CLOCK, Clock
from models.db import transaction
from models.repo_matches import turned_down_pairs
from models.repo_matching_inputs import unplaced_participants
from models.repo_standing_plan import (
    Counters,
    change_counters,
    latest_standing_plan,
    save_standing_plan,
    try_claim_solve,
)
from models.standing_plan import StandingPlan

logger = logging.getLogger(__name__)

#: the most time between two solves that capacity, caseload or age trigger may be made to
#: wait (a large municipality whose solve takes 6 s or more waits this long)
MIN_INTERVAL = timedelta(minutes=2)
#: the least time between two such solves, however fast the solve
MIN_INTERVAL_FLOOR = timedelta(seconds=10)
#: the wait is this many times the last solve's own time (at most 1/DUTY of one core)
DUTY = 20
#: solve again after this long if anything at all changed
MAX_AGE = timedelta(hours=1)
#: steps of the any-change counter (bookings, withdrawals, quota edits) that trigger
CHANGES = 5
#: participant revisions that trigger
CASELOAD_CHANGES = 5
#: seconds between the keeper's checks (one read of the change counters and the newest plan)
INTERVAL_SECONDS = 10.0


def min_interval(latest: StandingPlan) -> timedelta:
    """How long after ``latest`` capacity, caseload or age may trigger the next solve."""
    wait = timedelta(seconds=DUTY * max(0.0, latest.solver_seconds))
    return min(MIN_INTERVAL, max(MIN_INTERVAL_FLOOR, wait))


def due(
    latest: StandingPlan | None, counters: Counters, scorer_version: str, day, now: datetime
) -> str | None:
    """The trigger to solve the standing plan again, or None (see the module docstring)."""
    if latest is None:
        return "none"
    if latest.planned_on != day:
        return "new_day"
    if latest.scorer_version != scorer_version:
        return "scorer"
    if now - latest.created_at < min_interval(latest):
        return None
    if counters.layout_version != latest.layout_version:
        return "catalog"
    if counters.catalog_version - latest.catalog_version >= CHANGES:
        return "bookings"
    if counters.caseload_version - latest.caseload_version >= CASELOAD_CHANGES:
        return "caseload"
    moved = (counters.catalog_version, counters.caseload_version) != (
        latest.catalog_version,
        latest.caseload_version,
    )
    if moved and now - latest.created_at >= MAX_AGE:
        return "age"
    return None


def refresh(
    session: Session,
    policy: Policy,
    clock: Clock = SYSTEM_CLOCK,
    *,
    force: bool = False,
    decline_memory_days: int | None = None,
) -> StandingPlan | None:
    """Solve and store a new standing plan when :func:`due` (or ``force``); else None.

    A pair the lists leave out (declined or withdrawn within ``decline_memory_days``,
    default ``PLATSA_DECLINE_MEMORY_DAYS``) is left out of the plan too: its picks and
    prices never count on a placement the participant turned down.

    Also None when another process holds the solve (PostgreSQL advisory lock).
    """
    now, day = clock.now(), clock.today()
    counters = change_counters(session)
    scorer_version = counters.model_version or policy.version
    trigger = "forced" if force else None
    trigger = trigger or due(latest_standing_plan(session), counters, scorer_version, day, now)
    if trigger is None or not try_claim_solve(session):
        return None
    if not force:  # another solver may have committed between the read and the claim
        counters = change_counters(session)
        again = due(latest_standing_plan(session), counters, scorer_version, day, now)
        if again is None:
            return None
    catalog = build_catalog(session, policy, day, now=now)
    waiting = unplaced_participants(session, None)
    memory = (
        get_settings().decline_memory_days if decline_memory_days is None else decline_memory_days
    )
    turned_down = turned_down_pairs(session, [p.id for p in waiting], declined_since(day, memory))
    result, placement_prices, department_prices = standing_solve(catalog, waiting, turned_down)
    plan = StandingPlan(
        created_at=now,
        planned_on=day,
        trigger=trigger,
        scorer_version=catalog.policy.version,
        catalog_version=counters.catalog_version,
        layout_version=counters.layout_version,
        caseload_version=counters.caseload_version,
        n_participants=len(waiting),
        n_placements=len(catalog.compiled),
        n_assigned=int((result.assignment >= 0).sum()),
        objective=round(float(result.objective), 6),
        solver_seconds=float(result.solver_seconds),
        placement_prices=placement_prices,
        department_prices=department_prices,
        picks={
            str(person.id): int(catalog.compiled.ids[j])
            for person, j in zip(waiting, result.assignment.tolist(), strict=True)
            if j >= 0
        },
    )
    return save_standing_plan(session, plan)


class StandingPlanKeeper:
    """Keeps the standing plan current from a background thread (one per service)."""

    def __init__(
        self,
        engine: Engine,
        policy: Policy | None = None,
        clock: Clock = SYSTEM_CLOCK,
        interval: float = INTERVAL_SECONDS,
    ) -> None:
        self.engine = engine
        self.policy = policy or load_policy()
        self.clock = clock
        self.interval = interval
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self, *, force: bool = False) -> StandingPlan | None:
        """One check (and solve when due), in its own transaction."""
        with self._lock, transaction(self.engine) as session:
            return refresh(session, self.policy, self.clock, force=force)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                plan = self.run_once()
            except Exception:  # keep the service up; the next check tries again
                logger.exception("standing plan: the solve failed")
                continue
            if plan is not None:
                logger.info(
                    "standing plan %s (%s): %s of %s placed",
                    plan.id, plan.trigger, plan.n_assigned, plan.n_participants,
                )  # fmt: skip

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="standing-plan", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
