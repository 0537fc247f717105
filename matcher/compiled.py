"""Open placements compiled once into arrays, reused across requests until they change.

Compiling sorts the placements by id, so the arrays (and every ranking made from them)
do not depend on the order the caller passed them in, and array position order *is* id
order, which the tie-break uses.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import scipy.sparse as sp

from matcher.domain import DepartmentCapacity, Placement, PlacementType
from matcher.geo import Sites
from matcher.language import MAX_LEVEL
from matcher.taxonomy import Taxonomy

#: memo keys (first element) of derived values that no capacity column enters
CAPACITY_FREE_MEMOS = frozenset(
    {"rank_blocks", "rank_tables", "skills_denominator", "item_reasons", "site_rows"}
)

_NO_DATE_BEFORE = np.iinfo(np.int64).min
_NO_DATE_AFTER = np.iinfo(np.int64).max


def _frozen(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def _skill_matrix(rows: Sequence[tuple[str, ...]], taxonomy: Taxonomy) -> sp.csr_matrix:
    indptr = [0]
    indices: list[int] = []
    for skills in rows:
        for skill in skills:
            if skill not in taxonomy:
                raise ValueError(f"placement skill {skill!r} is not in the taxonomy")
            indices.append(taxonomy.index_of(skill))
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float64)
    # A skill listed twice counts twice, as in the per-pair definition; keep duplicates.
    return sp.csr_matrix(
        (data, np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int64)),
        shape=(len(rows), len(taxonomy)),
    )


@dataclass(frozen=True, eq=False)
class SkillColumns:
    """Required and useful skills by concept (CSC layout): for concept ``j`` the entries
    ``indptr[j]:indptr[j+1]`` name the placements (``rows``) that list it and whether as
    required. A participant's credit touches a few dozen concepts, so gathering their
    columns costs far less than a product over every placement's row.
    """

    indptr: np.ndarray  # int64, n_concepts + 1
    rows: np.ndarray  # int64 placement positions
    required: np.ndarray  # bool

    @classmethod
    def from_rows(cls, required: sp.csr_matrix, useful: sp.csr_matrix) -> SkillColumns:
        both = sp.vstack([required, useful]).tocsc()  # keeps duplicate entries as listed
        both.sort_indices()
        n = required.shape[0]
        rows = both.indices.astype(np.int64)
        return cls(
            indptr=_frozen(both.indptr.astype(np.int64)),
            rows=_frozen(np.where(rows >= n, rows - n, rows)),
            required=_frozen(rows < n),
        )

    def credit_entries(
        self, credit: np.ndarray, required_weight: float, useful_weight: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """(placement position, weight * credit) of every listed skill the credit touches,
        concept by concept (a placement appears once per touched skill it lists)."""
        concepts = np.flatnonzero(credit)
        starts, ends = self.indptr[concepts], self.indptr[concepts + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        # Positions of every entry in the touched columns, without a Python loop.
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        entries = offsets + np.arange(total)
        weights = np.where(self.required[entries], required_weight, useful_weight)
        weights *= np.repeat(credit[concepts], lengths)
        return self.rows[entries], weights

    def credit_sums(
        self, credit: np.ndarray, n_rows: int, required_weight: float, useful_weight: float
    ) -> np.ndarray:
        """Per placement: required_weight * sum of required credits + useful_weight * useful."""
        rows, weights = self.credit_entries(credit, required_weight, useful_weight)
        if len(rows) == 0:
            return np.zeros(n_rows)
        return np.bincount(rows, weights=weights, minlength=n_rows)


def _column(values, dtype, count: int) -> np.ndarray:
    """A read-only column of ``count`` values."""
    return _frozen(np.fromiter(values, dtype=dtype, count=count))


def _capacity_columns(
    ordered: Sequence[Placement], capacities: Mapping[int, DepartmentCapacity]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Remaining slots, the department's shortfall and has-room, per placement."""

    def quota_left(p: Placement) -> float:
        cap = capacities.get(p.department_id)
        return math.inf if cap is None or cap.remaining_quota is None else cap.remaining_quota

    n = len(ordered)
    slots = _column((p.remaining_slots for p in ordered), np.int64, n)
    quota = _column((quota_left(p) for p in ordered), np.float64, n)
    short_of_minimum = _column(
        (
            capacities[p.department_id].short_of_minimum if p.department_id in capacities else 0
            for p in ordered
        ),
        np.int64,
        n,
    )
    return slots, short_of_minimum, _frozen((slots > 0) & (quota > 0))


@dataclass(frozen=True, eq=False)
class CompiledPlacements:
    """Immutable arrays over a set of placements, position ``i`` = ``placements[i]``.

    Build with :meth:`build`. Columns hold what the factors need; skills are CSR
    matrices (placements x taxonomy concepts) so the skills factor is a sparse
    matrix-vector product per participant.
    """

    placements: tuple[Placement, ...]
    taxonomy: Taxonomy
    types: Mapping[str, PlacementType]
    capacities: Mapping[int, DepartmentCapacity]
    ids: np.ndarray  # int64, ascending
    required: sp.csr_matrix
    useful: sp.csr_matrix
    n_required: np.ndarray  # float64
    n_useful: np.ndarray  # float64
    areas: tuple[str, ...]  # distinct work areas, sorted
    area_position: Mapping[str, int]  # work area -> position in ``areas``
    area_index: np.ndarray  # int64 position into ``areas``
    language_code: np.ndarray  # min_level * 2 + language_practice, for table look-ups
    supervision: np.ndarray  # int64 1..3
    remaining_slots: np.ndarray  # int64
    hours_per_week: np.ndarray  # float64
    lowest_hours: np.ndarray  # float64: min_hours, or hours_per_week without part-time
    sites: Sites  # home-to-site distances without per-request trigonometry
    skill_columns: SkillColumns  # the same skills, by concept, for sparse participants
    department_ids: np.ndarray  # int64, the placement's department
    type_codes: tuple[str, ...]  # distinct type codes, sorted
    type_index: np.ndarray  # int64 position into ``type_codes``
    short_of_minimum: np.ndarray  # int64, of the placement's department
    start_ordinal: np.ndarray  # int64, date.toordinal(); very small when open-ended
    end_ordinal: np.ndarray  # int64; very large when open-ended
    has_room: np.ndarray  # bool: a slot left and the department's quota not full
    _position: Mapping[int, int]
    # Per-policy and per-date arrays derived from the above, computed on first use. The
    # placements never change, so a cached entry never goes stale.
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(
        cls,
        placements: Sequence[Placement],
        taxonomy: Taxonomy,
        types: Mapping[str, PlacementType],
        capacities: Mapping[int, DepartmentCapacity],
    ) -> CompiledPlacements:
        """Compile placements; ``ValueError`` on duplicate ids, unknown types or skills.

        A department without an entry in ``capacities`` has no quota and no minimum.
        """
        ordered = tuple(sorted(placements, key=lambda p: p.id))
        position = {p.id: i for i, p in enumerate(ordered)}
        if len(position) != len(ordered):
            raise ValueError("duplicate placement id")
        for p in ordered:
            if p.type_code not in types:
                raise ValueError(f"placement {p.id} has unknown type {p.type_code!r}")
            if not 0 <= p.min_language_level <= MAX_LEVEL:
                raise ValueError(f"placement {p.id}: min_language_level outside 0..{MAX_LEVEL}")
            if not 1 <= p.supervision <= 3:
                raise ValueError(f"placement {p.id}: supervision outside 1..3")
        areas = tuple(sorted({p.work_area for p in ordered}))
        area_pos = {a: i for i, a in enumerate(areas)}
        type_codes = tuple(sorted({p.type_code for p in ordered}))
        type_pos = {t: i for i, t in enumerate(type_codes)}

        def column(values, dtype) -> np.ndarray:
            return _column(values, dtype, len(ordered))

        required = _skill_matrix([p.required_skills for p in ordered], taxonomy)
        useful = _skill_matrix([p.useful_skills for p in ordered], taxonomy)
        slots, short_of_minimum, has_room = _capacity_columns(ordered, capacities)
        return cls(
            placements=ordered,
            taxonomy=taxonomy,
            types=dict(types),
            capacities=dict(capacities),
            ids=column((p.id for p in ordered), np.int64),
            required=required,
            useful=useful,
            n_required=column((len(p.required_skills) for p in ordered), np.float64),
            n_useful=column((len(p.useful_skills) for p in ordered), np.float64),
            areas=areas,
            area_position=area_pos,
            area_index=column((area_pos[p.work_area] for p in ordered), np.int64),
            language_code=column(
                (p.min_language_level * 2 + int(p.language_practice) for p in ordered), np.int64
            ),
            supervision=column((p.supervision for p in ordered), np.int64),
            remaining_slots=slots,
            hours_per_week=column((p.hours_per_week for p in ordered), np.float64),
            lowest_hours=column((p.lowest_hours for p in ordered), np.float64),
            sites=Sites.from_degrees(
                column((p.site_lat for p in ordered), np.float64),
                column((p.site_lon for p in ordered), np.float64),
            ),
            skill_columns=SkillColumns.from_rows(required, useful),
            department_ids=column((p.department_id for p in ordered), np.int64),
            type_codes=type_codes,
            type_index=column((type_pos[p.type_code] for p in ordered), np.int64),
            short_of_minimum=short_of_minimum,
            start_ordinal=column(
                (_NO_DATE_BEFORE if p.start is None else p.start.toordinal() for p in ordered),
                np.int64,
            ),
            end_ordinal=column(
                (_NO_DATE_AFTER if p.end is None else p.end.toordinal() for p in ordered),
                np.int64,
            ),
            has_room=has_room,
            _position=position,
        )

    def with_capacity(
        self,
        remaining_slots: Mapping[int, int],
        capacities: Mapping[int, DepartmentCapacity],
    ) -> CompiledPlacements:
        """The same placements with new remaining slots and department capacities.

        What a booking or a withdrawal changes: only the capacity columns are recomputed
        and the skill matrices, sites and the rest are shared, so this costs a small
        fraction of :meth:`build`. ``remaining_slots`` maps every compiled placement id to
        its slots left (``KeyError`` when one is missing). Derived arrays are recomputed
        on first use, since some of them depend on capacity; those listed in
        :data:`CAPACITY_FREE_MEMOS` (the ranking's blocks, say) are kept.
        """
        placements = tuple(
            p
            if p.remaining_slots == remaining_slots[p.id]
            else replace(p, remaining_slots=remaining_slots[p.id])
            for p in self.placements
        )
        slots, short_of_minimum, has_room = _capacity_columns(placements, capacities)
        return replace(
            self,
            placements=placements,
            capacities=dict(capacities),
            remaining_slots=slots,
            short_of_minimum=short_of_minimum,
            has_room=has_room,
            _memo={k: v for k, v in self._memo.items() if k[0] in CAPACITY_FREE_MEMOS},
        )

    def __len__(self) -> int:
        return len(self.placements)

    def index_of(self, placement_id: int) -> int:
        """Array position of a placement id; ``KeyError`` naming it when absent."""
        try:
            return self._position[placement_id]
        except KeyError:
            raise KeyError(
                f"placement {placement_id} is not among the compiled placements"
            ) from None

    def open_on(self, as_of: date, book_ahead_days: int) -> np.ndarray:
        """Bool mask of placements open on ``as_of``: ``start - book_ahead_days <= as_of
        <= end`` (both ends inclusive; see :func:`matcher.eligibility.open_on_day`)."""
        day = as_of.toordinal()
        # Shift the day, not the starts: an open-ended start is int64 min and would wrap.
        return (self.start_ordinal <= day + int(book_ahead_days)) & (self.end_ordinal >= day)

    def capacity_of(self, placement: Placement) -> DepartmentCapacity | None:
        return self.capacities.get(placement.department_id)

    def room_and_open(self, as_of: date, book_ahead_days: int) -> np.ndarray:
        """``has_room & open_on(as_of, book_ahead_days)``, cached per date and horizon."""
        return self.memo(
            ("room_and_open", as_of, int(book_ahead_days)),
            lambda: self.has_room & self.open_on(as_of, book_ahead_days),
        )

    def memo_for(self, source, name: str, compute):
        """A value derived from this catalog and ``source`` (a policy, say; the object:
        it is kept with the value, so its ``id`` names no other object while the entry
        lives), cached as :meth:`memo`."""
        key = (name, id(source))
        held = self.memo(key, lambda: (source, compute()))
        if held[0] is not source:  # a guard: cannot happen while the entry holds it
            held = self._memo[key] = (source, compute())
        return held[1]

    def memo(self, key: tuple, compute) -> np.ndarray:
        """A derived array cached under ``key`` (a policy's thresholds, say)."""
        value = self._memo.get(key)
        if value is None:
            if len(self._memo) > 32:
                self._memo.clear()
            value = compute()
            if isinstance(value, np.ndarray):
                _frozen(value)
            self._memo[key] = value
        return value
