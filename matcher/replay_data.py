"""The replay's input: a pseudonymised extract of the history, as plain arrays.

``models.repo_extract`` builds a :class:`ReplayExtract` from the database (all SQL lives
there); tests and benchmarks may build one directly. Times are ``datetime64[us]`` in UTC.

What "as of" means. The replay ranks each query (a logged decision, or a logged list)
with the state **strictly before** its moment ``t``: a revision counts when its
``valid_from < t``, a booking holds a slot when it was made before ``t`` and not released
before ``t``. A decision's own booking is made *at* ``t``, so it never counts against
itself, and nothing dated at or after ``t`` can reach the decision's ranking. It is the
one as-of rule of the code base: ``models.history`` (``states_as_of``,
``bookings_as_of``) and the fill rates read the database with it too.

State intervals. A revision is in force at ``t`` when ``valid_from < t <= valid_until``,
where ``valid_until`` is the next revision's ``valid_from`` (:data:`FOREVER` for the
last). A booking holds its slot at ``t`` when ``held_from < t <= held_until``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from matcher.domain import Concept, EligibilityRules, Participant, Placement

FOREVER = np.datetime64("9999-12-31T00:00:00", "us")
GROUP_ATTRIBUTES = ("gender", "age_band", "newcomer", "support_need", "unit")


@dataclass(frozen=True, eq=False)
class PlacementStates:
    """One row per placement revision, sorted by (placement id, valid_from).

    ``placements[i]`` is the engine's view of row ``i`` with ``remaining_slots`` equal to
    the placement's total ``slots`` (the replay subtracts the bookings held at ``t``).
    """

    placements: tuple[Placement, ...]
    placement_id: np.ndarray  # int64
    department_id: np.ndarray  # int64
    slots: np.ndarray  # int64
    is_open: np.ndarray  # bool
    valid_from: np.ndarray  # datetime64[us]
    valid_until: np.ndarray  # datetime64[us]


@dataclass(frozen=True, eq=False)
class QuotaStates:
    """One row per quota revision: a department's bounds for a period, from valid_from on."""

    quota_id: np.ndarray  # int64
    department_id: np.ndarray  # int64
    period_start: np.ndarray  # datetime64[D]
    period_end: np.ndarray  # datetime64[D], inclusive
    min_headcount: np.ndarray  # int64
    max_headcount: np.ndarray  # int64
    valid_from: np.ndarray
    valid_until: np.ndarray


@dataclass(frozen=True, eq=False)
class TypeStates:
    """One row per placement-type revision: the eligibility rules in force from valid_from."""

    code: tuple[str, ...]
    rules: tuple[EligibilityRules, ...]
    valid_from: np.ndarray
    valid_until: np.ndarray


@dataclass(frozen=True, eq=False)
class Bookings:
    """Every interval in which a match held a slot (from the match status log).

    ``quota_id`` is -1 when the booking counted against no quota.
    """

    placement_id: np.ndarray  # int64
    quota_id: np.ndarray  # int64
    held_from: np.ndarray
    held_until: np.ndarray


@dataclass(frozen=True, eq=False)
class Queries:
    """Moments to re-rank at: one participant (as of the moment) and one placement each.

    For a decision the placement is the one decided on; for a logged list it is the
    placement the list showed first. ``participant[i].id`` is a pseudonymous index.
    """

    at: np.ndarray  # datetime64[us]
    participant: tuple[Participant, ...]
    placement_id: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.participant)


@dataclass(frozen=True, eq=False)
class Decisions:
    """Logged decisions in the window (matches), as of their moments.

    ``accepted``: the decision booked the placement. ``logged_rank``: its position in the
    cited list (``inf`` when not from a list). ``groups`` maps each attribute of
    :data:`GROUP_ATTRIBUTES` to a string label per decision, read from the participant's
    state at the decision. ``pseudonym`` identifies the participant within this extract
    only (a keyed hash with a per-extract salt). ``imported``: the decision came from an
    imported history file, not from a logged suggestion list (None: none did).
    """

    queries: Queries
    accepted: np.ndarray  # bool
    suggestion_id: np.ndarray  # int64, -1 when none
    logged_rank: np.ndarray  # float64
    override: np.ndarray  # bool
    department_id: np.ndarray  # int64, of the decided placement
    groups: Mapping[str, np.ndarray]
    pseudonym: np.ndarray  # str
    imported: np.ndarray | None = None  # bool
    #: when a booked decision was withdrawn (datetime64[us], NaT if never; None: unknown)
    withdrawn_at: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.queries)

    @property
    def imported_mask(self) -> np.ndarray:
        """``imported`` as a bool array (all False when the extract has none)."""
        if self.imported is None:
            return np.zeros(len(self), dtype=bool)
        return np.asarray(self.imported, dtype=bool)


@dataclass(frozen=True, eq=False)
class Outcomes:
    """Outcome rows of the window's decisions: which decision, success or not, known when."""

    decision: np.ndarray  # int64 index into Decisions
    success: np.ndarray  # bool
    known_at: np.ndarray  # datetime64[us]: later of occurred and recorded


@dataclass(frozen=True, eq=False)
class LoggedLists:
    """Logged suggestion lists in the window, for off-policy estimates.

    ``queries.placement_id`` is the placement shown first and ``top_propensity`` the
    logging probability that it was shown first. ``accepted_decision`` is the index of
    the decision that accepted that placement from this list (-1 when none did).
    """

    queries: Queries
    top_propensity: np.ndarray  # float64
    accepted_decision: np.ndarray  # int64
    policy_version: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.queries)


@dataclass(frozen=True, eq=False)
class ReplayExtract:
    """Everything the replay reads, pseudonymised. ``end`` is the latest moment in the data."""

    start: np.datetime64
    stop: np.datetime64  # the window is start <= decided_at < stop
    end: np.datetime64
    concepts: tuple[Concept, ...]
    placements: PlacementStates
    quotas: QuotaStates
    types: TypeStates
    bookings: Bookings
    decisions: Decisions
    outcomes: Outcomes
    lists: LoggedLists
    department_ids: np.ndarray  # every department, sorted
    notes: dict = field(default_factory=dict)  # counts of rows left out, and why
    department_names: dict = field(default_factory=dict)  # id -> name, for the report


def take_queries(queries: Queries, rows: np.ndarray) -> Queries:
    """The queries at ``rows``, in that order."""
    return Queries(
        at=queries.at[rows],
        participant=tuple(queries.participant[i] for i in rows.tolist()),
        placement_id=queries.placement_id[rows],
    )


def window_of(extract: ReplayExtract, start: np.datetime64, stop: np.datetime64) -> ReplayExtract:
    """The same history with only the decisions and lists of ``start <= moment < stop``.

    Placements, quotas, bookings and types are kept whole: a decision's as-of state may
    need rows from before the window. Outcomes follow their decisions.
    """
    d, lists = extract.decisions, extract.lists
    rows = np.flatnonzero((d.queries.at >= start) & (d.queries.at < stop))
    new_index = np.full(len(d) + 2, -1, dtype=np.int64)
    new_index[rows] = np.arange(rows.size)
    decisions = Decisions(
        queries=take_queries(d.queries, rows),
        accepted=d.accepted[rows],
        suggestion_id=d.suggestion_id[rows],
        logged_rank=d.logged_rank[rows],
        override=d.override[rows],
        department_id=d.department_id[rows],
        groups={name: labels[rows] for name, labels in d.groups.items()},
        pseudonym=d.pseudonym[rows],
        imported=d.imported_mask[rows],
        withdrawn_at=None if d.withdrawn_at is None else d.withdrawn_at[rows],
    )
    o = extract.outcomes
    kept = new_index[o.decision] >= 0
    outcomes = Outcomes(new_index[o.decision[kept]], o.success[kept], o.known_at[kept])
    list_rows = np.flatnonzero((lists.queries.at >= start) & (lists.queries.at < stop))
    accepted = lists.accepted_decision[list_rows]
    # -2 marks a list decided outside the window: its reward cannot be read here
    remapped = np.where(accepted >= 0, new_index[np.maximum(accepted, 0)], accepted)
    remapped = np.where((accepted >= 0) & (remapped < 0), -2, remapped)
    logged = LoggedLists(
        queries=take_queries(lists.queries, list_rows),
        top_propensity=lists.top_propensity[list_rows],
        accepted_decision=remapped,
        policy_version=tuple(lists.policy_version[i] for i in list_rows.tolist()),
    )
    return replace(
        extract,
        start=max(start, extract.start),
        stop=min(stop, extract.stop),
        decisions=decisions,
        outcomes=outcomes,
        lists=logged,
    )
