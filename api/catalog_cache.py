"""The compiled catalog cache: open placements compiled once, reused until they change.

A :class:`CatalogCache` lives on the app. Each request reads the catalog change counters
(models.catalog_state) plus the sizes of the taxonomy and placement-type history, the
standing plan and the active model, in one prebuilt statement. When only the any-change
counter (bookings, withdrawals, quota edits) or the standing plan moved it refreshes the
capacity columns of the compiled arrays and the prices; when anything else moved, or
the day changed (the quota period and "open today" depend on the date), it compiles
them again.

Scarcity prices come ONLY from the standing plan (models/standing_plan.py, solved off
the request path by api/standing_plan.py): a coordinator's plan is a proposal and never
changes anyone's suggestions.
"""

from __future__ import annotations

import gc
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import numpy as np
from sqlmodel import Session

from api.metrics import CATALOG_UPDATES
from matcher import CompiledPlacements, Policy, PolicyScorer, Taxonomy, load_policy
from matcher.features import Scorer
from models.clock import SYSTEM_CLOCK, Clock
from models.convert import (
    concept_to_domain,
    department_capacity,
    placement_to_domain,
    placement_type_to_domain,
)
from models.repo_matching_inputs import (
    catalog_key_row,
    concepts,
    departments,
    open_placements,
    placement_types,
    quotas_on,
    remaining_slots,
)
from models.repo_registry import active_scorer
from models.repo_standing_plan import live_standing_plan, picks_of, prices_of


@dataclass(frozen=True)
class Catalog:
    """What one ranking request needs, consistent with one catalog version."""

    key: tuple
    day: date
    compiled: CompiledPlacements
    policy: Policy
    scorer: Scorer  # the hand-weighted policy, or the active learned model
    titles: dict[int, str]  # placement id -> title
    department_names: dict[int, str]
    prices: np.ndarray | None  # the standing plan's, for the scarcity factor (None: none)
    picks: dict[int, int] = field(default_factory=dict)  # participant -> the plan's placement


def _catalog_key(session: Session, day: date, now: datetime) -> tuple:
    """What the compiled catalog depends on, read in one round trip.

    ``key[0]`` is the any-change counter and ``key[PRICES]`` the standing plan, which a
    refresh follows; the rest is what only a full rebuild can follow (the layout counter,
    taxonomy, types, model, day).
    """
    return (*tuple(catalog_key_row(session, now))[:-1], day)


#: position of the standing plan's id in the catalog key
PRICES = 4


def _rebuild_part(key: tuple) -> tuple:
    """The part of the key that only a full rebuild can follow."""
    return key[1:PRICES] + key[PRICES + 1 :]


def suggestions_paused(session: Session, now: datetime | None = None) -> bool:
    """Whether the stop switch is off, read with the catalog key; the request's next
    :meth:`CatalogCache.get` reuses the row, so a suggestion costs no extra round trip."""
    return bool(catalog_key_row(session, now or SYSTEM_CLOCK.now(), keep=True)[-1])


def build_catalog(
    session: Session, policy: Policy, day: date, key: tuple = (), now: datetime | None = None
) -> Catalog:
    """Compile today's open placements with their remaining slots and quotas; the prices
    are the standing plan's as of ``now`` (default: the system clock)."""
    taxonomy = Taxonomy([concept_to_domain(c) for c in concepts(session)])
    types = {t.code: placement_type_to_domain(t) for t in placement_types(session)}
    rows = open_placements(session)
    placements = [placement_to_domain(p, p["slots"] - p["booked"]) for p in rows]
    compiled = CompiledPlacements.build(placements, taxonomy, types, _capacities(session, day))
    scorer: Scorer = PolicyScorer.from_policy(policy)
    active = active_scorer(session)
    if active is not None:
        # the model ranks on the policy's feature definitions; lists record its version
        version, scorer = active
        policy = replace(policy, version=version)
    return Catalog(
        key=key,
        day=day,
        compiled=compiled,
        policy=policy,
        scorer=scorer,
        titles={p["id"]: p["title"] for p in rows},
        department_names={d.id: d.name for d in departments(session)},
        **_standing(session, compiled, now),
    )


def _standing(session: Session, compiled: CompiledPlacements, now: datetime | None) -> dict:
    """The catalog's ``prices`` and ``picks`` from the live standing plan."""
    plan = live_standing_plan(session, now or SYSTEM_CLOCK.now())
    return {"prices": scarcity_prices(compiled, prices_of(plan)), "picks": picks_of(plan)}


def _capacities(session: Session, day: date) -> dict:
    """Every department with a quota covering the day, open placements or not: the cohort
    plan needs those that promised a minimum but offer nothing open; no quota, no limit."""
    return {
        department_id: department_capacity(department_id, quota, quota.booked)
        for department_id, quota in quotas_on(session, day).items()
    }


def refresh_capacity(
    session: Session, catalog: Catalog, key: tuple, now: datetime | None = None
) -> Catalog | None:
    """``catalog`` with today's remaining slots, quotas and standing prices, when only
    those changed.

    Small reads instead of loading and compiling every placement again. None when the
    open placements are not the ones compiled (a layout change the counters did not
    show): the caller rebuilds.
    """
    remaining = remaining_slots(session)
    if remaining.keys() != set(catalog.compiled.ids.tolist()):
        return None
    compiled = catalog.compiled.with_capacity(remaining, _capacities(session, catalog.day))
    standing = {"prices": catalog.prices, "picks": catalog.picks}
    if key[PRICES] != catalog.key[PRICES]:  # a new standing plan (or none any more)
        standing = _standing(session, compiled, now)
    return replace(catalog, key=key, compiled=compiled, **standing)


def scarcity_prices(
    compiled: CompiledPlacements, prices: tuple[dict[int, float], dict[int, float]] | None
) -> np.ndarray | None:
    """The ``prices`` argument of the engine's scarcity factor, from the standing plan
    (models.repo_standing_plan.standing_prices).

    Per compiled placement: its own price plus its department's price, the opportunity
    cost one more booking there imposes on the standing plan
    (``matcher.plan.opportunity_cost``), in the plan's unit, probability points
    (matcher.value). None when there is no recent standing plan, so the adjustment is 0.
    """
    if prices is None:
        return None
    placement_prices, department_prices = prices
    return np.array(
        [
            placement_prices.get(p.id, 0.0) + department_prices.get(p.department_id, 0.0)
            for p in compiled.placements
        ],
        dtype=np.float64,
    )


class CatalogCache:
    """One compiled catalog per process, rebuilt when the stored catalog changes.

    ``clock`` gives the day compiled (by default; a caller may ask for another) and the
    moment the standing plan's prices count from.
    """

    def __init__(self, policy: Policy | None = None, clock: Clock = SYSTEM_CLOCK) -> None:
        self.policy = policy or load_policy()
        self.clock = clock
        self._lock = threading.Lock()
        self._catalog: Catalog | None = None

    def get(self, session: Session, day: date | None = None) -> Catalog:
        day = day or self.clock.today()
        key = _catalog_key(session, day, self.clock.now())
        catalog = self._catalog
        if catalog is not None and catalog.key == key:
            return catalog
        with self._lock:
            catalog = self._catalog
            if catalog is not None and catalog.key == key:
                return catalog
            started = time.perf_counter()
            if catalog is not None and _rebuild_part(catalog.key) == _rebuild_part(key):
                fresh = refresh_capacity(session, catalog, key, self.clock.now())
                if fresh is not None:
                    self._catalog = fresh
                    CATALOG_UPDATES.labels("refresh").observe(time.perf_counter() - started)
                    return fresh
            self._catalog = build_catalog(session, self.policy, day, key, self.clock.now())
            CATALOG_UPDATES.labels("build").observe(time.perf_counter() - started)
            # The catalog lives until the next change: frozen, full garbage collections
            # skip its objects instead of walking them again (long pauses at scale); the
            # old catalog is still freed by reference counting when it is replaced.
            gc.freeze()
            return self._catalog
