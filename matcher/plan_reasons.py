"""Why each participant a cohort plan leaves out is left out, and who took their places.

At 20,000 x 5,000 about 11,000 participants wait, and each one's ``taken_by`` names
thousands of the placed: some 70 million numbers in all, of which a caller reads a few
(a coordinator's page, one plan row) or none (the standing plan reads only the prices).
So :func:`unassigned_reasons` decides every reason at once, in blocks of rows, and keeps
each row's places as one packed bit row; :class:`TakenLists` turns a row into its tuple
when it is read. Building the tuples eagerly took most of the planner's time
(bench/README.md, plan.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from matcher.plan_model import BELOW_MIN_PROBABILITY, CAPACITY, NEGATIVE_VALUE, NO_ELIGIBLE

#: Unassigned participants judged at a time (bounds the temporary memory).
REASON_ROWS = 1024


class TakenLists(Sequence):
    """Per participant (or row), a tuple of indices, made from a packed bit row on read.

    Without ``takers`` an entry is the placements set in its row (in placement order);
    with them it is the ``takers`` (in participant order) whose placement
    ``taker_place`` is set in the row. An entry without a row (``row_of < 0``) is ``()``.
    """

    def __init__(
        self,
        row_of: np.ndarray,
        packed: np.ndarray,
        n_columns: int,
        takers: np.ndarray | None = None,
        taker_place: np.ndarray | None = None,
    ) -> None:
        self._row_of = np.asarray(row_of, dtype=np.int64)
        self._packed = packed
        self._n_columns = n_columns
        self._takers, self._taker_place = takers, taker_place

    def __len__(self) -> int:
        return len(self._row_of)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self[k] for k in range(*index.indices(len(self))))
        row = int(self._row_of[index])
        if row < 0:
            return ()
        mask = np.unpackbits(self._packed[row], count=self._n_columns).view(bool)
        if self._takers is None:
            return tuple(np.flatnonzero(mask).tolist())
        return tuple(self._takers[mask[self._taker_place]].tolist())

    def reindexed(self, row_of: np.ndarray) -> TakenLists:
        """The same rows under new indices: entry ``k`` becomes this one's ``row_of[k]``."""
        row_of = np.asarray(row_of, dtype=np.int64)
        mapped = np.full(len(row_of), -1, dtype=np.int64)
        mapped[row_of >= 0] = self._row_of[row_of[row_of >= 0]]
        return TakenLists(mapped, self._packed, self._n_columns, self._takers, self._taker_place)


def unassigned_reasons(
    assignment: np.ndarray,
    eligible_rows: np.ndarray,
    usable_rows: np.ndarray,
    slots: np.ndarray,
    quota_cap: np.ndarray,
    placement_department: np.ndarray,
    place_first: bool = True,
) -> tuple[list[str], TakenLists, TakenLists]:
    """The true reason each unassigned participant is left out, and who took the places.

    ``eligible_rows`` and ``usable_rows`` (eligible and at or above the minimum
    probability) are boolean matrices, one row per unassigned participant (in order of
    ``np.flatnonzero(assignment < 0)``) and one column per placement. A placement is
    *open* when it had a slot and its department quota before the plan. The reason is

    - ``no_eligible_placement``: no eligible open placement;
    - ``below_min_probability``: eligible open ones exist, none reaches the minimum;
    - ``capacity``: usable open ones exist and the plan used up each one's slots (or its
      department's quota); ``taken_by`` lists whom it gave them to (in participant
      order): those booked into each such placement that is full, and into its
      department when the quota is what ran out; ``taken_places`` the placements.

    A usable open placement with a slot and quota still left after the plan would make
    the plan wrong (it places first): that raises instead of giving a false reason. Only
    a plan made with ``place_first=False`` may do so, and then the reason is
    ``negative_value`` (every such pair's value is below 0).
    """
    n_left, m = eligible_rows.shape
    placed = assignment[assignment >= 0]
    slot_left = slots - np.bincount(placed, minlength=m)
    department_of = placement_department
    n_departments = len(quota_cap)
    quota_left = quota_cap - np.bincount(department_of[placed], minlength=n_departments)
    is_open = (slots > 0) & (quota_cap[department_of] > 0)
    room = (slot_left > 0) & (quota_left[department_of] > 0)
    slot_full = slot_left <= 0
    # Columns by department, so that one reduceat finds the departments a row reaches.
    by_department = np.argsort(department_of, kind="stable")
    department_start = np.searchsorted(department_of[by_department], np.arange(n_departments))
    has_placements = np.bincount(department_of, minlength=n_departments) > 0
    reasons = [NO_ELIGIBLE] * n_left
    row_of = np.full(n_left, -1, dtype=np.int64)
    gave_away, offered = [], []
    n_rows = 0
    for start in range(0, n_left, REASON_ROWS):
        stop = min(start + REASON_ROWS, n_left)
        usable_open = usable_rows[start:stop] & is_open
        has_eligible = (eligible_rows[start:stop] & is_open).any(axis=1)
        has_usable = usable_open.any(axis=1) & has_eligible
        beside_room = (usable_open & room).any(axis=1) & has_usable
        if place_first and beside_room.any():
            raise RuntimeError("the plan left a participant out beside a place with room")
        for k in np.flatnonzero(has_eligible & ~has_usable).tolist():
            reasons[start + k] = BELOW_MIN_PROBABILITY
        for k in np.flatnonzero(beside_room).tolist():
            reasons[start + k] = NEGATIVE_VALUE
        capacity = np.flatnonzero(has_usable & ~beside_room)
        for k in capacity.tolist():
            reasons[start + k] = CAPACITY
        if len(capacity) == 0:
            continue
        row_of[start + capacity] = n_rows + np.arange(len(capacity))
        n_rows += len(capacity)
        usable_open = usable_open[capacity]
        # With no room left, a usable placement with a slot left has a full quota.
        quota_full = np.zeros((len(capacity), n_departments), dtype=bool)
        quota_full[:, has_placements] = np.logical_or.reduceat(
            (usable_open & ~slot_full)[:, by_department],
            department_start[has_placements],
            axis=1,
        )
        given = (usable_open & slot_full) | quota_full[:, department_of]
        gave_away.append(np.packbits(given, axis=1))
        offered.append(np.packbits(usable_open, axis=1))
    width = (m + 7) // 8
    gave_away = np.concatenate(gave_away) if gave_away else np.zeros((0, width), np.uint8)
    offered = np.concatenate(offered) if offered else np.zeros((0, width), np.uint8)
    takers = np.flatnonzero(assignment >= 0)
    taken_by = TakenLists(row_of, gave_away, m, takers, assignment[takers])
    return reasons, taken_by, TakenLists(row_of, offered, m)
