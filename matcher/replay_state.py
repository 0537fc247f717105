"""The replay's moving parts: bookings held, quotas and type rules as of a moment, and
one window's compiled placements with factor columns cached per participant attribute.

See :mod:`matcher.replay_data` for what "as of" means and :mod:`matcher.replay` for how
these are used.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np

from matcher.compiled import CompiledPlacements
from matcher.domain import Participant, PlacementType
from matcher.features import COLUMN, pair_features
from matcher.policy import Policy
from matcher.replay_data import PlacementStates, ReplayExtract
from matcher.taxonomy import Taxonomy


def in_force(valid_from: np.ndarray, valid_until: np.ndarray, at: np.datetime64) -> np.ndarray:
    """Rows whose state holds just before ``at``: ``valid_from < at <= valid_until``."""
    return (valid_from < at) & (at <= valid_until)


class Timeline:
    """Bookings held, quota positions and type rules as of a moment, advanced in time order."""

    def __init__(self, extract: ReplayExtract) -> None:
        b, q, t = extract.bookings, extract.quotas, extract.types
        known = np.unique(extract.placements.placement_id)
        self.placement_index = {int(p): i for i, p in enumerate(known.tolist())}
        self.quota_ids = np.unique(np.concatenate([q.quota_id, b.quota_id[b.quota_id >= 0]]))
        self.departments = np.asarray(extract.department_ids, dtype=np.int64)
        n_pl, n_q = known.size, self.quota_ids.size
        self.held_placement = np.zeros(n_pl + 1, dtype=np.int64)  # last cell: unknown ids
        self.held_quota = np.zeros(n_q + 1, dtype=np.int64)  # last cell: no quota
        placement = np.array([self.placement_index.get(int(p), n_pl) for p in b.placement_id])
        placement = placement.astype(np.int64).reshape(-1)
        quota = np.where(b.quota_id >= 0, np.searchsorted(self.quota_ids, b.quota_id), n_q)
        # A booking counts from just after held_from to just after held_until.
        times = np.concatenate([b.held_from, b.held_until])
        order = np.argsort(times, kind="stable")
        self.event_time = times[order]
        sign = np.concatenate([np.ones(placement.size), -np.ones(placement.size)])
        self.event_sign = sign.astype(np.int64)[order]
        self.event_placement = np.concatenate([placement, placement])[order]
        self.event_quota = np.concatenate([quota, quota])[order]
        self.cursor = 0
        self.quotas = q
        self.quota_position_of = np.searchsorted(self.quota_ids, q.quota_id)
        self.quota_department = np.searchsorted(self.departments, q.department_id)
        # The set of revisions in force changes only when one starts: count the starts.
        self.quota_starts = np.sort(q.valid_from)
        self.types = t
        self.type_starts = np.sort(t.valid_from)
        self._quota_cache: dict = {}
        self._type_cache: dict = {}

    def advance(self, at: np.datetime64) -> None:
        """Apply every booking start and release dated strictly before ``at``."""
        stop = int(np.searchsorted(self.event_time, at, side="left"))
        if stop > self.cursor:
            span = slice(self.cursor, stop)
            np.add.at(self.held_placement, self.event_placement[span], self.event_sign[span])
            np.add.at(self.held_quota, self.event_quota[span], self.event_sign[span])
            self.cursor = stop

    def quota_position(self, at: np.datetime64):
        """The quota of each department that has one at ``at``: (department positions,
        max_headcount, min_headcount, booked against it), all arrays.

        The quota is the engine's ``quotas_on``: among the department's quotas in force
        whose period covers the day, the newest period (then the highest id).
        """
        q = self.quotas
        day = at.astype("datetime64[D]")
        key = (day, int(np.searchsorted(self.quota_starts, at, side="left")))
        chosen = self._quota_cache.get(key)
        if chosen is None:
            live = in_force(q.valid_from, q.valid_until, at)
            live &= (q.period_start <= day) & (day <= q.period_end)
            rows = np.flatnonzero(live)
            rows = rows[np.lexsort((q.quota_id[rows], q.period_start[rows]))]
            last = {int(self.quota_department[r]): int(r) for r in rows}  # ascending: last wins
            chosen = (
                np.fromiter(last.keys(), dtype=np.int64, count=len(last)),
                np.fromiter(last.values(), dtype=np.int64, count=len(last)),
            )
            if len(self._quota_cache) > 4096:
                self._quota_cache.clear()
            self._quota_cache[key] = chosen
        departments, rows = chosen
        booked = self.held_quota[self.quota_position_of[rows]]
        return departments, q.max_headcount[rows], q.min_headcount[rows], booked

    def department_capacity(self, at: np.datetime64) -> tuple[np.ndarray, np.ndarray]:
        """Per department (``departments`` order): quota left (inf: no quota), short of min."""
        departments, maximum, minimum, booked = self.quota_position(at)
        left = np.full(self.departments.size, np.inf)
        short = np.zeros(self.departments.size)
        left[departments] = np.maximum(maximum - booked, 0)
        short[departments] = np.maximum(minimum - booked, 0)
        return left, short

    def type_rules(self, at: np.datetime64) -> dict:
        """Placement type code -> eligibility rules in force at ``at``."""
        key = int(np.searchsorted(self.type_starts, at, side="left"))
        rules = self._type_cache.get(key)
        if rules is None:
            t = self.types
            live = np.flatnonzero(in_force(t.valid_from, t.valid_until, at))
            rules = self._type_cache[key] = {t.code[i]: t.rules[i] for i in live}
        return rules


class Window:
    """The placement revisions in force at some moment of a time window, compiled once.

    Rows are ordered by (placement id, valid_from), so compiled position order is id
    order and the engine's tie-break (id ascending) is the position tie-break here.
    Factor columns that depend on one participant attribute only are cached by that
    attribute (skills, interests, language level, support need, home, max hours), and
    computed with the very expressions of :func:`matcher.pair_features`, so the features
    are equal to it bit for bit (a test checks this).
    """

    def __init__(
        self,
        states: PlacementStates,
        rows: np.ndarray,
        taxonomy: Taxonomy,
        types: dict[str, PlacementType],
        timeline: Timeline,
        policy: Policy,
    ) -> None:
        self.policy = policy
        placements = [replace(states.placements[r], id=i) for i, r in enumerate(rows.tolist())]
        self.compiled = CompiledPlacements.build(placements, taxonomy, types, {})
        self.placement_id = states.placement_id[rows]
        self.valid_from = states.valid_from[rows]
        self.valid_until = states.valid_until[rows]
        self.slots = states.slots[rows]
        self.held_index = np.array(
            [timeline.placement_index[int(p)] for p in self.placement_id.tolist()], dtype=np.int64
        )
        self.department = np.searchsorted(timeline.departments, states.department_id[rows])
        self.positions = np.arange(rows.size, dtype=np.int64)
        self._cache: dict = {}
        self._features: dict = {}

    def __len__(self) -> int:
        return self.positions.size

    def _cached(self, key: tuple, compute) -> np.ndarray:
        column = self._cache.get(key)
        if column is None:
            if len(self._cache) > 20_000:
                self._cache.clear()
            column = self._cache[key] = compute()
        return column

    def open_on(self, day: date) -> np.ndarray:
        """Rows open on ``day`` by the policy's rule (``book_ahead_days`` before the start)."""
        ahead = self.policy.book_ahead_days
        return self._cached(("open", day, ahead), lambda: self.compiled.open_on(day, ahead))

    def features(self, p: Participant) -> np.ndarray:
        """``pair_features(p, compiled, ., policy).X`` without eligibility; capacity left 0.

        Cached per participant state (the same person is queried again and again).
        """
        c, policy = self.compiled, self.policy

        def compute() -> np.ndarray:
            X = pair_features(p, c, date.min, policy).X
            X[:, COLUMN["capacity"]] = 0.0
            X[:, COLUMN["scarcity"]] = 0.0
            return X

        key = replace(p, id=0)
        X = self._features.get(key)
        if X is None:
            if len(self._features) > 256:
                self._features.clear()
            X = self._features[key] = compute()
        return X.copy(order="F")

    def capacity_column(self, slots_left: np.ndarray, short_of_minimum: np.ndarray) -> np.ndarray:
        """:func:`matcher.factors.capacity_feature` for every row, with today's slots."""
        cap = self.policy.capacity
        boost = np.where(short_of_minimum > 0, cap.below_minimum_boost, 0.0)
        return boost + (
            cap.slack_bonus * np.minimum(np.maximum(slots_left, 0), cap.slack_cap) / cap.slack_cap
        )


def window_rows(states: PlacementStates, begin: np.datetime64, end: np.datetime64) -> np.ndarray:
    """Open revisions in force at some moment of ``[begin, end)``."""
    usable = states.is_open & (states.valid_from < end) & (states.valid_until >= begin)
    return np.flatnonzero(usable & (states.valid_from < states.valid_until))
