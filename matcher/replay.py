"""Re-rank logged decisions as of their moments with any scorer.

For each query (see :mod:`matcher.replay_data` for what "as of" means) the replay asks
the engine for the participant's features against every placement in force, exactly as
:func:`matcher.rank_placements` would on a catalog compiled at that moment, and returns
the rank the scorer gives the decided placement, the top k, and that placement's
features (what :mod:`matcher.training` learns from).

How it stays fast (one sweep in time order):

* placements are compiled once per window of ``chunk_days`` days: every revision in
  force at some moment of the window is one compiled row (rows are ordered by
  placement id, so position order is the engine's id tie-break);
* per query only cheap vectors change: which rows are in force at ``t``, open on the
  day, of an allowed type, with a slot left and a department quota not full;
* bookings are counted by a pointer over their start and release times, so the slots
  held at ``t`` cost nothing per query.

The capacity factor depends on the slots left, so its column is recomputed per query
with the definition of :func:`matcher.factors.capacity_feature`; everything else comes
from :func:`matcher.pair_features` unchanged. A decided placement that is not eligible
at its moment (full, closed, not in force, the type's rules exclude the person) has rank
``inf`` (the metrics' "not ranked").

Decisions remembered. The live lists leave out a placement declined for the participant,
or booked and then withdrawn, within the decline memory (``PLATSA_DECLINE_MEMORY_DAYS``,
api.services.suggestions), so the replay can too (``decline_memory_days``): a placement
the extract shows declined for the same participant, or withdrawn, in the ``days`` before
a query's moment (strictly before it) is not ranked for that query, as the caseworker's
list would not have shown it. Decisions before the extract's window are not in it and are
not remembered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np

from matcher.domain import PlacementType
from matcher.eligibility import rules_allow
from matcher.features import COLUMN, N_FACTORS, Scorer, pair_rules_mask
from matcher.policy import Policy
from matcher.ranking import top_k
from matcher.replay_data import Queries, ReplayExtract
from matcher.replay_state import Timeline, Window, in_force, window_rows
from matcher.taxonomy import Taxonomy
from matcher.value import values

__all__ = ["PROGRESS_EVERY", "Replayed", "replay_queries", "scores_of"]

PROGRESS_EVERY = 50


@dataclass(frozen=True, eq=False)
class Replayed:
    """Per query: ``rank`` (1-based, ``inf`` not ranked), ``top_ids`` and
    ``top_departments`` (n x k, -1 padded), ``chosen_X`` (the decided placement's factor
    features, NaN when it was not in force), ``candidate_count`` (eligible placements)
    and ``chosen_department`` (the decided placement's department, -1 when not in force).
    """

    rank: np.ndarray
    top_ids: np.ndarray
    top_departments: np.ndarray
    chosen_X: np.ndarray
    candidate_count: np.ndarray
    chosen_department: np.ndarray | None = None  # always set by replay_queries


def scores_of(scorer: Scorer, X: np.ndarray, policy: Policy, departments=None) -> np.ndarray:
    """The engine's ranking value of each row (:func:`matcher.value.values`), bit-equal to
    the live engine's, so ties break the same way."""
    return values(scorer, X, policy, departments).value


def _day(moment: np.datetime64) -> date:
    return moment.astype("datetime64[D]").item()


def replay_queries(
    extract: ReplayExtract,
    queries: Queries,
    scorer: Scorer,
    policy: Policy,
    *,
    k: int = 10,
    chunk_days: int = 30,
    progress: Callable[[int, int], None] | None = None,
    decline_memory_days: int = 0,
) -> Replayed:
    """Re-rank every query as of its moment (see the module docstring); any query order.

    ``progress(done, total)`` is called now and then (every :data:`PROGRESS_EVERY`
    queries, and at the end), e.g. to draw a progress bar; it must not raise.
    ``decline_memory_days`` > 0 leaves out what was declined for the participant within
    that many days before the moment (0: nothing remembered).
    """
    n = len(queries)
    rank = np.full(n, np.inf)
    top_ids = np.full((n, k), -1, dtype=np.int64)
    top_departments = np.full((n, k), -1, dtype=np.int64)
    chosen_X = np.full((n, N_FACTORS), np.nan)
    candidates = np.zeros(n, dtype=np.int64)
    chosen_department = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return Replayed(rank, top_ids, top_departments, chosen_X, candidates, chosen_department)
    taxonomy = Taxonomy(extract.concepts)
    timeline = Timeline(extract)
    t = extract.types
    latest_types = {
        code: PlacementType(code, code, r) for code, r in zip(t.code, t.rules, strict=True)
    }
    memory = _declines(extract, decline_memory_days)
    order = np.argsort(queries.at, kind="stable")
    width = np.timedelta64(int(chunk_days), "D")
    window, window_end = None, None
    for done, i in enumerate(order.tolist()):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, n)
        at = queries.at[i]
        if window is None or at >= window_end:
            window_end = at + width
            rows = window_rows(extract.placements, at, window_end)
            window = Window(extract.placements, rows, taxonomy, latest_types, timeline, policy)
        timeline.advance(at)
        if len(window) == 0:
            continue
        participant = queries.participant[i]
        day = _day(at)
        X = window.features(participant)
        slots_left = window.slots - timeline.held_placement[window.held_index]
        quota_left, short = timeline.department_capacity(at)
        X[:, COLUMN["capacity"]] = window.capacity_column(slots_left, short[window.department])
        rules = timeline.type_rules(at)
        allowed = np.array(
            [
                code in rules and rules_allow(rules[code], participant, day)
                for code in window.compiled.type_codes
            ]
        )
        eligible = in_force(window.valid_from, window.valid_until, at)
        eligible &= window.open_on(day) & allowed[window.compiled.type_index]
        eligible &= (slots_left > 0) & (quota_left[window.department] > 0)
        eligible &= pair_rules_mask(participant, window.compiled, policy)
        if participant.id in memory:
            eligible &= ~np.isin(window.placement_id, memory[participant.id].within(at))
        departments = timeline.departments[window.department]
        scores = scores_of(scorer, X, policy, departments)
        candidates[i] = np.count_nonzero(eligible)
        best = top_k(scores, window.positions, eligible, k)
        top_ids[i, : best.size] = window.placement_id[best]
        top_departments[i, : best.size] = timeline.departments[window.department[best]]
        chosen = _chosen_row(window, queries.placement_id[i], at)
        if chosen >= 0:
            chosen_X[i] = X[chosen]
            chosen_department[i] = departments[chosen]
            if eligible[chosen]:
                s = scores[chosen]
                better = (scores > s) | ((scores == s) & (window.positions < chosen))
                rank[i] = 1 + np.count_nonzero(eligible & better)
    if progress is not None:
        progress(n, n)
    return Replayed(rank, top_ids, top_departments, chosen_X, candidates, chosen_department)


@dataclass(frozen=True, eq=False)
class _Declined:
    """One participant's declines in the extract, in time order, and the memory's length."""

    at: np.ndarray  # datetime64[us], sorted
    placement_id: np.ndarray
    memory: np.timedelta64

    def within(self, at: np.datetime64) -> np.ndarray:
        """Placements declined in ``[at - memory, at)``."""
        lo = int(np.searchsorted(self.at, at - self.memory, side="left"))
        hi = int(np.searchsorted(self.at, at, side="left"))
        return self.placement_id[lo:hi]


def _declines(extract: ReplayExtract, days: int) -> dict[int, _Declined]:
    """Each participant's turn-downs in the extract: declined decisions at their moment,
    booked ones withdrawn at the withdrawal's (as the live lists remember them; empty
    when ``days`` <= 0)."""
    if days <= 0:
        return {}
    d = extract.decisions
    memory = np.timedelta64(int(days), "D")
    declined = np.flatnonzero(~np.asarray(d.accepted, dtype=bool))
    moments = [(i, d.queries.at[i]) for i in declined.tolist()]
    if d.withdrawn_at is not None:
        withdrawn = np.flatnonzero(~np.isnat(d.withdrawn_at))
        moments += [(i, d.withdrawn_at[i]) for i in withdrawn.tolist()]
    by_person: dict[int, list[tuple[int, np.datetime64]]] = {}
    for i, at in moments:
        by_person.setdefault(d.queries.participant[i].id, []).append((i, at))
    out = {}
    for person, found in by_person.items():
        rows = np.asarray([i for i, _ in found])
        at = np.asarray([t for _, t in found], dtype="datetime64[us]")
        order = np.argsort(at, kind="stable")
        out[person] = _Declined(at[order], d.queries.placement_id[rows][order], memory)
    return out


def _chosen_row(window: Window, placement_id: int, at: np.datetime64) -> int:
    """The window row of ``placement_id`` in force at ``at``, or -1."""
    lo = int(np.searchsorted(window.placement_id, placement_id, side="left"))
    hi = int(np.searchsorted(window.placement_id, placement_id, side="right"))
    for row in range(lo, hi):
        if window.valid_from[row] < at <= window.valid_until[row]:
            return row
    return -1
