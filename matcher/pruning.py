"""One participant's top-``k`` placements without scoring every placement exactly.

The compiled placements are grouped, once per catalog, into blocks of the same placement
type and work area and, in a large catalog, the same cell of a grid over the sites
(:class:`Blocks`). Per request, an upper bound of the ranking value of every placement in
a block is computed from a few numbers per block (:meth:`Request.bounds`); the blocks
with the highest bounds (about :data:`FIRST_BATCH` placements) are scored exactly to find
a threshold ``tau`` (the ``k``-th best eligible value found), then every other block
whose bound reaches ``tau``; the rest are never scored. The result is the exhaustive
ranking's top ``k``, bit for bit: the same values, computed by the same column
expressions on the rows that are scored.

**Why the bound holds.** The value of a pair is ``v = expit(z) + a`` with
``z = intercept + sum_j c_j x_j`` (prediction factors, added in factor order, plus a
learned model's department effect) and ``a = sum_j w_j y_j`` (the adjustments, in order).
For each factor the block gives an interval ``[lo, hi]`` holding the feature of every
pair in the block that can be eligible:

* skills: the exact coverage of every placement the participant's credit touches (the
  same sums the exhaustive path divides), 0 for the others (no credit: a numerator of
  exactly 0), ``empty_coverage`` where a placement lists no skill;
* interests, priority: exact (one work area per block; one participant);
* language and support: the min/max of the factor's table over the range of language
  codes and of supervision levels in the block (a superset of those present);
* hours: the feature at the block's fewest and most hours (it is monotone in hours);
* commute: the feature at ``max(d - r, 0)`` and ``d + r`` km, where ``d`` is the distance
  to the block's centre and ``r`` the largest distance from the centre to a site in the
  block (triangle inequality of the great-circle distance; ``r`` is widened by
  :data:`KM_SLACK` against the haversine's rounding);
* capacity and scarcity: the block's min/max of the capacity column and of ``-price``;
* a learned model's department effect: the largest effect of a department in the block.

``c * x`` over ``x`` in ``[lo, hi]`` is largest at an end, and IEEE rounding is monotone
(``x <= x'`` gives ``fl(x * c) <= fl(x' * c)`` for ``c >= 0`` and the reverse for
``c < 0``, ``fl(s + t) <= fl(s' + t')``), so the bound summed in the same order with the
same floats is at least the computed ``z`` (and ``a``) of every pair. ``expit`` is
monotone up to its last-bit rounding, far below :data:`MARGIN`. So a block with
``bound + MARGIN < tau`` holds no pair with a value ``>= tau``: at least ``k`` eligible
scored pairs beat each of its pairs strictly, whatever the id tie-break, and the top
``k`` of the scored pairs is the top ``k`` of all pairs. A block that cannot hold an
eligible pair (the type's rules, no room or not open, the hours rule at the block's
lowest hours, no admitted language code or supervision level in the block's ranges) is
skipped too.

What a request reads that depends on few participant values is kept per catalog and
policy (:class:`Tables`): the language and support tables and their per-block ranges (by
language level, support need), the hours ranges (by maximum hours), the eligibility
classes of the placements (type x language code x supervision x lowest hours, so that
eligibility on a batch is one look-up) and the admitted classes. The parent factors are
left out of a non-parent's bound (they are exactly 0 there).

What is not bounded falls back to the exhaustive path (:func:`supported`): a scorer
without ``coefficients()``, a registry with factors this module does not know, negative
skill weights or credits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from scipy.special import expit

from matcher import factor_columns as col
from matcher.compiled import CompiledPlacements
from matcher.factor_registry import N_PREDICTORS, REGISTRY
from matcher.factors import (
    language_tolerance,
    priority_feature,
    required_supervision,
)
from matcher.features import N_FACTORS, _by_definition
from matcher.features import type_allowed as _type_allowed
from matcher.geo import EARTH_RADIUS_KM, Sites
from matcher.language import MAX_LEVEL
from matcher.policy import Policy
from matcher.value import Valued, department_offsets, values

#: a block is skipped only when its bound is below the threshold by more than this
MARGIN = 1e-9
#: km added to each block's radius against the rounding of the haversine (about 1e-12 km)
KM_SLACK = 1e-6
#: catalogs smaller than this are scored exhaustively (the bounds would cost more)
MIN_PLACEMENTS = 2_000
#: placements per block the grid aims at, and the rows scored before the threshold is set
BLOCK_ROWS = 24
FIRST_BATCH = 512
FIRST_PER_ITEM = 4  # and at least this many rows per item asked for

_N_CODES = 2 * (MAX_LEVEL + 1)
#: the factors (and their column forms) the bounds are written for
_KNOWN = {
    "skills": col.skills_over_placements,
    "interests": col.interests_over_placements,
    "language": col.language_over_placements,
    "support": col.support_over_placements,
    "commute": col.commute_over_placements,
    "parent_commute": col.parent_commute_over_placements,
    "hours": col.hours_over_placements,
    "parent_hours": col.parent_hours_over_placements,
    "priority": col.priority_over_placements,
    "capacity": col.capacity_over_placements,
    "scarcity": col.scarcity_over_placements,
}
_REGISTRY_KNOWN = tuple(f.name for f in REGISTRY) == tuple(_KNOWN) and all(
    f.over_placements is _KNOWN[f.name] for f in REGISTRY
)


def _haversine(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Element-wise great-circle distance in km between arrays of degrees."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    a = (
        np.sin((phi2 - phi1) / 2) ** 2
        + np.cos(phi1) * np.cos(phi2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


@dataclass(frozen=True, eq=False)
class Blocks:
    """Placements grouped by (type, work area, grid cell); per-block summaries."""

    order: np.ndarray  # positions, block after block, ascending inside a block
    starts: np.ndarray  # offsets into ``order``, one per block
    sizes: np.ndarray  # rows per block
    block_of: np.ndarray  # the block of each position
    type_index: np.ndarray  # per block
    area_index: np.ndarray  # per block
    codes_lo: np.ndarray  # lowest language code (min_level * 2 + practice) in the block
    codes_hi: np.ndarray
    supervision_lo: np.ndarray  # least supervision in the block
    supervision_hi: np.ndarray
    hours_lo: np.ndarray  # fewest hours_per_week in the block
    hours_hi: np.ndarray
    lowest_hours_lo: np.ndarray  # smallest lowest_hours (the hours rule)
    centres: Sites
    radius_km: np.ndarray  # largest centre-to-site distance, plus KM_SLACK
    has_empty: np.ndarray  # bool: a placement listing no skill
    is_empty: np.ndarray  # bool per position
    department_pairs: tuple[np.ndarray, np.ndarray]  # (block, department) present, unique
    departments: np.ndarray  # distinct department ids

    @classmethod
    def build(cls, compiled: CompiledPlacements) -> Blocks:
        n = len(compiled)
        lat = np.fromiter((p.site_lat for p in compiled.placements), np.float64, n)
        lon = np.fromiter((p.site_lon for p in compiled.placements), np.float64, n)
        classes = len(compiled.type_codes) * max(len(compiled.areas), 1)
        side = int(np.clip(np.rint(np.sqrt(n / (classes * BLOCK_ROWS))), 1, 32)) if n else 1

        def cell(values: np.ndarray) -> np.ndarray:
            low, high = values.min(), values.max()
            width = (high - low) / side if high > low else 1.0
            return np.minimum(((values - low) / width).astype(np.int64), side - 1)

        key = (compiled.type_index * len(compiled.areas) + compiled.area_index) * side * side
        if n:
            key = key + cell(lat) * side + cell(lon)
        order = np.argsort(key, kind="stable")
        _, starts = np.unique(key[order], return_index=True)
        sizes = np.diff(np.append(starts, n))
        block_of = np.empty(n, dtype=np.int64)
        block_of[order] = np.repeat(np.arange(len(starts)), sizes)
        first = order[starts]

        centre_lat = np.add.reduceat(lat[order], starts) / sizes
        centre_lon = np.add.reduceat(lon[order], starts) / sizes
        spread = _haversine(centre_lat[block_of], centre_lon[block_of], lat, lon)
        radius = np.maximum.reduceat(spread[order], starts) + KM_SLACK
        is_empty = (compiled.n_required + compiled.n_useful) == 0
        departments, department_index = np.unique(compiled.department_ids, return_inverse=True)
        pairs = np.unique(block_of * len(departments) + department_index)
        hours = compiled.hours_per_week[order]
        return cls(
            order=order,
            starts=starts,
            sizes=sizes,
            block_of=block_of,
            type_index=compiled.type_index[first],
            area_index=compiled.area_index[first],
            codes_lo=np.minimum.reduceat(compiled.language_code[order], starts),
            codes_hi=np.maximum.reduceat(compiled.language_code[order], starts),
            supervision_lo=np.minimum.reduceat(compiled.supervision[order], starts),
            supervision_hi=np.maximum.reduceat(compiled.supervision[order], starts),
            hours_lo=np.minimum.reduceat(hours, starts),
            hours_hi=np.maximum.reduceat(hours, starts),
            lowest_hours_lo=np.minimum.reduceat(compiled.lowest_hours[order], starts),
            centres=Sites.from_degrees(centre_lat, centre_lon),
            radius_km=radius,
            has_empty=np.logical_or.reduceat(is_empty[order], starts),
            is_empty=is_empty,
            department_pairs=(pairs // len(departments), pairs % len(departments)),
            departments=departments,
        )

    def __len__(self) -> int:
        return len(self.starts)

    def reduce(self, ufunc, column: np.ndarray) -> np.ndarray:
        """``ufunc.reduceat`` of a per-position column over each block."""
        return ufunc.reduceat(column[self.order], self.starts)

    def rows_of(self, chosen: np.ndarray) -> np.ndarray:
        """The positions in the blocks ``chosen``, block after block."""
        lengths = self.sizes[chosen]
        total = int(lengths.sum())
        offsets = np.repeat(self.starts[chosen] - np.cumsum(lengths) + lengths, lengths)
        return self.order[offsets + np.arange(total)]


def blocks_of(compiled: CompiledPlacements) -> Blocks:
    return compiled.memo(("rank_blocks",), lambda: Blocks.build(compiled))


def supported(compiled: CompiledPlacements, scorer, policy: Policy) -> bool:
    """Whether the bounds of this module apply (else rank exhaustively)."""
    s = policy.skills
    return (
        _REGISTRY_KNOWN
        and len(compiled) >= MIN_PLACEMENTS
        and getattr(scorer, "coefficients", None) is not None
        and min(s.required_weight, s.useful_weight, s.broader_credit, s.sibling_credit) >= 0
    )


@dataclass(frozen=True, eq=False)
class Scored:
    """Exact features and values of the eligible placements among some (``rows``)."""

    rows: np.ndarray
    X: np.ndarray
    valued: Valued


class SparseSums:
    """Per-placement skill sums where the credit touches a listed skill, 0 elsewhere;
    ``sums[rows]`` reads them like the full-length array."""

    def __init__(self, touched: np.ndarray, weights: np.ndarray):
        self.rows, inverse = np.unique(touched, return_inverse=True)
        self.sums = np.bincount(inverse.reshape(-1), weights=weights, minlength=len(self.rows))

    def __getitem__(self, rows: np.ndarray) -> np.ndarray:
        at = np.searchsorted(self.rows, rows)
        at = np.minimum(at, max(len(self.rows) - 1, 0))
        if len(self.rows) == 0:
            return np.zeros(len(rows))
        return np.where(self.rows[at] == rows, self.sums[at], 0.0)


def _range_table(table: np.ndarray) -> np.ndarray:
    """``out[i, j]``: the max of ``table[i..j]`` (``i <= j``)."""
    n = len(table)
    upper = np.where(np.arange(n)[None, :] >= np.arange(n)[:, None], table[None, :], -np.inf)
    return np.maximum.accumulate(upper, axis=1)


def _term(lo, hi, c: float) -> np.ndarray:
    """The largest ``fl(x * c)`` over ``x`` in ``[lo, hi]``."""
    return hi * c if c >= 0 else lo * c


@dataclass(frozen=True, eq=False)
class Ranges:
    """One small table of a participant value (a language level, a support need), what it
    admits, and over each block the table's min and max and whether it admits any code."""

    table: np.ndarray
    admitted: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    any_admitted: np.ndarray

    @classmethod
    def over(cls, table, admitted, block_lo, block_hi) -> Ranges:
        admits = _range_table(admitted.astype(np.float64))[block_lo, block_hi] > 0
        return cls(
            table,
            admitted,
            -_range_table(-table)[block_lo, block_hi],
            _range_table(table)[block_lo, block_hi],
            admits,
        )


class Tables:
    """Per catalog and policy, kept across requests: the participant-side tables and
    their per-block ranges, by the participant value they read
    (:data:`matcher.factor_columns.TABLE_READS`: few values each), and the eligibility
    classes (type x language code x supervision x lowest hours) of the placements."""

    def __init__(self, compiled: CompiledPlacements, policy: Policy):
        self.policy, self.blocks = policy, blocks_of(compiled)
        self.language: dict[object, Ranges] = {}
        self.support: dict[object, Ranges] = {}
        self.hours: dict[object, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._admitted: dict[tuple, np.ndarray] = {}
        self.lowest, hours_index = np.unique(compiled.lowest_hours, return_inverse=True)
        self.shape = (len(compiled.type_codes), _N_CODES, 4, len(self.lowest))
        self.n_classes = int(np.prod(self.shape))
        self.classes = np.ravel_multi_index(
            (
                compiled.type_index,
                compiled.language_code,
                compiled.supervision,
                hours_index.reshape(-1),
            ),
            self.shape,
        )

    def language_ranges(self, side: col.PlacementsSide) -> Ranges:
        key = col.TABLE_READS["language"](side.participant)
        got = self.language.get(key)
        if got is None:
            level, policy, b = side.participant.language_level, self.policy, self.blocks
            admitted = np.array(
                [
                    minimum - level <= language_tolerance(bool(practice), policy)
                    for minimum in range(MAX_LEVEL + 1)
                    for practice in (0, 1)
                ]
            )
            table = _frozen(col.language_table(side))
            got = Ranges.over(table, admitted, b.codes_lo, b.codes_hi)
            self.language[key] = got
        return got

    def support_ranges(self, side: col.PlacementsSide) -> Ranges:
        key = col.TABLE_READS["support"](side.participant)
        got = self.support.get(key)
        if got is None:
            policy, b = self.policy, self.blocks
            needed = required_supervision(side.participant.support_need, policy)
            admitted = np.arange(4) >= needed - policy.support.max_missing_steps
            table = _frozen(col.support_table(side))
            got = Ranges.over(table, admitted, b.supervision_lo, b.supervision_hi)
            self.support[key] = got
        return got

    def hours_ranges(self, max_hours) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per block: the hours feature's min and max, and whether the hours rule admits
        a placement of it."""
        got = self.hours.get(max_hours)
        if got is None:
            b = self.blocks
            got = self.hours[max_hours] = (
                col._hours(b.hours_hi, max_hours, self.policy),
                col._hours(b.hours_lo, max_hours, self.policy),
                b.lowest_hours_lo <= max_hours,
            )
        return got

    def admitted(
        self, allowed: np.ndarray, language: Ranges, support: Ranges, participant
    ) -> np.ndarray:
        """Per eligibility class (and one more, False: no room or not open), whether the
        participant is eligible: the type's rules, the language and supervision rules,
        the hours rule at the class's lowest hours."""
        key = (allowed.tobytes(), id(language), id(support), participant.max_hours)
        got = self._admitted.get(key)
        if got is None:
            mask = (
                allowed[:, None, None, None]
                & language.admitted[None, :, None, None]
                & support.admitted[None, None, :, None]
                & (self.lowest <= participant.max_hours)[None, None, None, :]
            )
            got = self._admitted[key] = _frozen(np.append(mask.reshape(-1), False))
        return got

    def classes_with_room(
        self, compiled: CompiledPlacements, as_of: date, ahead: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """(the class of every placement, ``n_classes`` where it has no room or is not
        open; the count of open placements with room per class), per date."""

        def compute():
            room = compiled.room_and_open(as_of, ahead)
            counts = np.bincount(self.classes[room], minlength=self.n_classes)
            return _frozen(np.where(room, self.classes, self.n_classes)), _frozen(counts)

        return compiled.memo(("rank_classes", as_of, ahead), compute)


def _frozen(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def tables_of(compiled: CompiledPlacements, policy: Policy) -> Tables:
    return compiled.memo_for(policy, "rank_tables", lambda: Tables(compiled, policy))


#: catalogs up to this size keep the skill sums of a request in one full-length array
DENSE_SUMS = 30_000


class Request:
    """One participant's ranking: the small per-participant tables, built once (or kept
    per catalog and policy, :class:`Tables`), shared by the bounds and the exact scoring
    of each batch."""

    def __init__(self, participant, compiled, scorer, as_of, policy, prices, credit):
        self.participant, self.compiled, self.scorer = participant, compiled, scorer
        self.as_of, self.policy, self.prices = as_of, policy, prices
        s = policy.skills
        touched, weights = compiled.skill_columns.credit_entries(
            credit, s.required_weight, s.useful_weight
        )
        # the exhaustive path's sums (``credit_sums``: the same entries added in the same
        # order, so bit for bit); in a large catalog kept for the touched placements only:
        # a full-length array costs a fresh page-faulted allocation per request there
        if len(compiled) <= DENSE_SUMS:
            skill_sums = np.bincount(touched, weights=weights, minlength=len(compiled))
            self.touched = touched, skill_sums[touched]
        else:
            skill_sums = SparseSums(touched, weights)
            self.touched = skill_sums.rows, skill_sums.sums
        self.skill_sums = skill_sums
        self.side = side = col.PlacementsSide(
            participant, compiled, policy, slice(None), prices, credit, skill_sums
        )
        self.tables = tables = tables_of(compiled, policy)
        self.language = tables.language_ranges(side)
        self.support = tables.support_ranges(side)
        side.preset("language", self.language.table)
        side.preset("support", self.support.table)
        self.allowed = _type_allowed(participant, compiled, as_of)
        self.admitted = tables.admitted(self.allowed, self.language, self.support, participant)
        ahead = int(policy.book_ahead_days)
        self.classes, self.counts = tables.classes_with_room(compiled, as_of, ahead)

    # kept for the tests and the benchmark: the admitted codes and supervision levels
    @property
    def language_ok(self) -> np.ndarray:
        return self.language.admitted

    @property
    def supervision_ok(self) -> np.ndarray:
        return self.support.admitted

    def eligible(self, rows: np.ndarray) -> np.ndarray:
        """:func:`matcher.features.eligible_mask` on ``rows``: the type's rules, room and
        open, and the hard pair rules, through the placements' eligibility classes."""
        return self.admitted[self.classes[rows]]

    def score(self, rows: np.ndarray) -> Scored:
        """The exhaustive path's features and values of the eligible placements among
        ``rows`` (the same column expressions element by element and the same skill sums,
        so bit-equal); the ineligible ones are dropped, as a ranking never shows them."""
        rows = rows[self.eligible(rows)]
        side = self.side.at(rows)
        X = np.empty((len(rows), N_FACTORS), dtype=np.float64, order="F")
        for j, factor in enumerate(REGISTRY):
            vectorised = factor.over_placements
            X[:, j] = _by_definition(factor, side) if vectorised is None else vectorised(side)
        c = self.compiled
        return Scored(rows, X, values(self.scorer, X, self.policy, c.department_ids[rows]))

    def bounds(self, blocks: Blocks) -> tuple[np.ndarray, np.ndarray]:
        """(upper bound of the value of every pair in each block, can the block hold an
        eligible pair); see the module docstring for why the bound holds."""
        p, c, policy, side = self.participant, self.compiled, self.policy, self.side
        intercept, coef = self.scorer.coefficients(N_PREDICTORS)
        n_blocks = len(blocks)
        # skills: exact where the credit touches a listed skill, 0 elsewhere, and
        # empty_coverage where a placement lists none
        skills_hi = np.zeros(n_blocks)
        listed, sums = self.touched
        if len(listed):
            denominator = col._skills_denominator(c, policy)[0]
            np.maximum.at(skills_hi, blocks.block_of[listed], sums / denominator[listed])
        empty = policy.skills.empty_coverage
        skills_lo = np.where(blocks.has_empty, min(empty, 0.0), 0.0)
        skills_hi = np.where(blocks.has_empty, np.maximum(skills_hi, empty), skills_hi)
        interests = side.table("interests", col.interest_table)[blocks.area_index]
        language, support = self.language, self.support
        # commute: triangle inequality around the block's centre
        d = blocks.centres.km_from(p.home_lat, p.home_lon)
        commute_hi = col._commute(np.maximum(d - blocks.radius_km, 0.0), policy)
        commute_lo = col._commute(d + blocks.radius_km, policy)
        hours_lo, hours_hi, hours_ok = self.tables.hours_ranges(p.max_hours)
        # the parent factors are exactly 0 for a non-parent: adding them changes no value
        # (up to the sign of a zero), so they are left out then
        ranges = (
            (skills_lo, skills_hi),
            (interests, interests),
            (language.lo, language.hi),
            (support.lo, support.hi),
            (commute_lo, commute_hi),
            (commute_lo, commute_hi) if p.parent else None,
            (hours_lo, hours_hi),
            (hours_lo, hours_hi) if p.parent else None,
        )
        total = _term(*ranges[0], coef[0])
        for j in range(1, N_PREDICTORS):
            if ranges[j] is not None:
                total = total + _term(*ranges[j], coef[j])
        z = intercept + total
        offsets = department_offsets(self.scorer, blocks.departments)
        if offsets is not None:
            block, department = blocks.department_pairs
            best = np.full(n_blocks, -np.inf)
            np.maximum.at(best, block, offsets[department])
            z = z + best
        probability = expit(z)
        # adjustments, in ADJUSTMENTS order: priority, capacity, scarcity
        w = policy.adjustment_weights
        priority = priority_feature(p.months_on_assistance, p.months_since_last_job, policy)
        capacity_lo, capacity_hi = _capacity_range(c, blocks, policy)
        if self.prices is None:
            scarcity_lo = scarcity_hi = np.zeros(n_blocks)
        else:
            scarcity_hi = -blocks.reduce(np.minimum, self.prices)
            scarcity_lo = -blocks.reduce(np.maximum, self.prices)
        adjustment = priority * w[0] + _term(capacity_lo, capacity_hi, w[1])
        adjustment = adjustment + _term(scarcity_lo, scarcity_hi, w[2])
        bound = probability + adjustment
        possible = (
            self.allowed[blocks.type_index]
            & _room_any(c, blocks, self.as_of, int(policy.book_ahead_days))
            & language.any_admitted
            & support.any_admitted
            & hours_ok
        )
        return bound, possible


def _capacity_range(compiled: CompiledPlacements, blocks: Blocks, policy: Policy):
    cap = policy.capacity
    key = ("rank_blocks_capacity", cap.below_minimum_boost, cap.slack_bonus, cap.slack_cap)

    def compute():
        side = col.PlacementsSide(None, compiled, policy, slice(None), None, None)
        column = col.capacity_over_placements(side)
        return np.stack([blocks.reduce(np.minimum, column), blocks.reduce(np.maximum, column)])

    return compiled.memo(key, compute)


def _room_any(compiled: CompiledPlacements, blocks: Blocks, as_of: date, ahead: int):
    return compiled.memo(
        ("rank_blocks_room", as_of, ahead),
        lambda: blocks.reduce(np.logical_or, compiled.room_and_open(as_of, ahead)),
    )


def kth_value(scored: Scored, k: int) -> float:
    """The ``k``-th best value among ``scored`` (-inf with fewer)."""
    candidates = scored.valued.value
    if len(candidates) < k:
        return -np.inf
    return float(-np.partition(-candidates, k - 1)[k - 1])


def pruned_scores(request: Request, k: int, preferred: int | None = None) -> Scored:
    """Exact features and values of a set of eligible placements that contains the
    exhaustive top ``k`` (and ``preferred``, when given and eligible)."""
    compiled = request.compiled
    blocks = blocks_of(compiled)
    bound, possible = request.bounds(blocks)
    candidates = np.flatnonzero(possible)
    # the first batch: the blocks with the highest bounds, about FIRST_BATCH rows
    wanted = max(FIRST_BATCH, FIRST_PER_ITEM * k) * len(blocks) // max(len(compiled), 1) + 1
    if wanted < len(candidates):
        split = np.argpartition(-bound[candidates], wanted)
        first, rest = candidates[split[:wanted]], candidates[split[wanted:]]
    else:
        first, rest = candidates, candidates[:0]
    scored = request.score(blocks.rows_of(first))
    tau = kth_value(scored, k)
    more = rest[bound[rest] + MARGIN >= tau]
    extra = blocks.rows_of(more)
    if preferred is not None and not np.isin(blocks.block_of[preferred], [*first, *more]):
        extra = np.append(extra, preferred)
    if len(extra) == 0:
        return scored
    second = request.score(extra)
    if len(second.rows) == 0:
        return scored
    valued = Valued(
        *(
            np.concatenate([getattr(scored.valued, name), getattr(second.valued, name)])
            for name in ("log_odds", "probability", "adjustment", "value")
        )
    )
    return Scored(
        np.concatenate([scored.rows, second.rows]), np.concatenate([scored.X, second.X]), valued
    )


def eligible_count(request: Request) -> int:
    """How many placements the participant is eligible for (``eligible_mask(...).sum()``),
    from the per-date count of open placements with room per eligibility class, so
    without a pass over the placements."""
    return int(request.counts[request.admitted[:-1]].sum())
