"""The world bench/quality.py measures in: one demo municipality at its cohort date.

Built in process from the generator's records, as the service would see them after
``platsa db load-demo`` (fixtures.loader): the open placements with their remaining slots,
each department's quota covering the day with its bookings, the waiting participants as of
the day, and the accepted decisions before it with their outcomes (for training and
calibration). The **truth** (:func:`true_probability`) is read here only, by the
benchmark: the generator's own success model with its department effects and each
participant's latent (fixtures.process); the engine never sees it
(tests/matcher/test_truth_isolation.py).

The cohort. The cohort date is the demo's ``today`` (the history's end, 2026-11-23): the
moment a coordinator would plan. The cohort is every participant who is *waiting* then:
registered, still active (their case not closed), and not holding a booked match
(accepted or started, not yet ended or withdrawn). Capacity is what is open that day:
placements opened and not closed, each with ``slots - booked``, and each department's
quota whose period covers the day (``max_headcount - booked``, ``min_headcount - booked``).

Eligibility. The random and the best assignment use the engine's hard rules
(``score_matrix``'s eligibility: type rules, open on the day, room, hours, language and
supervision): eligibility is observable and policy, not truth, so every strategy chooses
among the same pairs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import numpy as np

from fixtures.generator import generate
from fixtures.process import (
    INTEREST_WEIGHTS,
    SuccessModel,
    pair_features,
    sigmoid,
    skill_credit,
    success_logit,
)
from fixtures.records import DemoMunicipality, participant_as_of, to_domain_participant
from fixtures.taxonomy import build_taxonomy
from matcher import CompiledPlacements, Taxonomy
from matcher.domain import DepartmentCapacity, Participant, Placement, PlacementType
from models.match import SUCCESS_OUTCOMES

BOOKED = frozenset({"accepted", "started"})


@dataclass(frozen=True)
class Cohort:
    """The waiting participants (arrival order: registration) and what is open."""

    demo: DemoMunicipality
    day: date
    records: list  # the participants' states at the day (fixtures.records)
    people: list[Participant]  # the engine's view of the same
    compiled: CompiledPlacements
    placement_records: list  # PlacementRecord per compiled position
    quota_max: np.ndarray  # per department index (np.inf: no quota)
    quota_min: np.ndarray
    department_ids: list[int]
    placement_department: np.ndarray  # department index per compiled placement


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def final_status(demo: DemoMunicipality, before: datetime) -> dict[int, str]:
    """Each match's last status before ``before`` (match id = decision id)."""
    last: dict[int, tuple[datetime, int, str]] = {}
    for e in demo.match_events:
        if e.at < before and (e.match_id not in last or (e.at, e.id) > last[e.match_id][:2]):
            last[e.match_id] = (e.at, e.id, e.status)
    return {m: s for m, (_, _, s) in last.items()}


def placement_domain(p, remaining: int) -> Placement:
    return Placement(
        id=p.id, department_id=p.department_id, work_area=p.work_area,
        required_skills=p.required_skills, useful_skills=p.useful_skills,
        min_language_level=p.min_language_level, language_practice=p.language_practice,
        supervision=p.supervision, remaining_slots=max(remaining, 0),
        hours_per_week=p.hours_per_week, site_lat=p.site_lat, site_lon=p.site_lon,
        type_code=p.type_code, start=p.start, end=p.end, min_hours=p.min_hours,
    )  # fmt: skip


def engine_catalog(demo: DemoMunicipality) -> tuple[Taxonomy, dict[str, PlacementType]]:
    taxonomy = Taxonomy(list(demo.concepts))
    types = {t.code: PlacementType(t.code, t.name, t.rules) for t in demo.placement_types}
    return taxonomy, types


def cohort_at(demo: DemoMunicipality, day: date | None = None) -> Cohort:
    """The cohort and capacity at ``day`` (default: the demo's today), see the module doc."""
    day = day or demo.today
    at = _moment(day)
    status = final_status(demo, at)
    decisions = {d.id: d for d in demo.decisions if d.decided_at < at}
    booked = [decisions[m] for m, s in status.items() if s in BOOKED and m in decisions]
    per_placement = defaultdict(int)
    per_quota = defaultdict(int)
    holding = set()
    for d in booked:
        per_placement[d.placement_id] += 1
        holding.add(d.participant_id)
        if d.quota_id is not None:
            per_quota[d.quota_id] += 1
    quotas = {}
    for q in sorted(demo.quotas, key=lambda q: (q.department_id, q.period_start, q.id, q.version)):
        if q.period_start <= day <= q.period_end and q.valid_from < at:
            quotas[q.department_id] = q  # the newest version, the newest period last
    capacities = {
        d: DepartmentCapacity(
            d, max(q.max_headcount - per_quota[q.id], 0), max(q.min_headcount - per_quota[q.id], 0)
        )
        for d, q in quotas.items()
    }
    open_records = [
        p for p in demo.placements
        if p.opened_at < at and (p.closed_at is None or p.closed_at > at)
    ]  # fmt: skip
    taxonomy, types = engine_catalog(demo)
    compiled = CompiledPlacements.build(
        [placement_domain(p, p.slots - per_placement[p.id]) for p in open_records],
        taxonomy, types, capacities,
    )  # fmt: skip
    by_id = {p.id: p for p in open_records}
    placement_records = [by_id[int(i)] for i in compiled.ids]
    revisions = demo.participant_revisions
    by_person = defaultdict(list)
    for r in revisions:
        by_person[r.participant_id].append(r)
    states = []
    for record in sorted(demo.participants, key=lambda r: (r.registered_at, r.id)):
        state = participant_as_of(record, by_person[record.id], at)
        if state is not None and state.active and state.id not in holding:
            states.append(state)
    department_ids = sorted({p.department_id for p in compiled.placements} | set(capacities))
    index = {d: k for k, d in enumerate(department_ids)}
    quota_max = np.full(len(department_ids), np.inf)
    quota_min = np.zeros(len(department_ids), dtype=np.int64)
    for d, c in capacities.items():
        quota_max[index[d]] = c.remaining_quota
        quota_min[index[d]] = c.short_of_minimum
    return Cohort(
        demo=demo, day=day, records=states,
        people=[to_domain_participant(s, day) for s in states],
        compiled=compiled, placement_records=placement_records,
        quota_max=quota_max, quota_min=quota_min, department_ids=department_ids,
        placement_department=np.array(
            [index[p.department_id] for p in compiled.placements], dtype=np.int64
        ),
    )  # fmt: skip


def true_probability(cohort: Cohort, *, department: bool = True, latent: bool = True) -> np.ndarray:
    """The generator's TRUE P(success), participants x compiled placements: its success
    model (fixtures.process.success_logit) plus the department effect and the latent
    (either left out for the diagnostic ceilings of bench/quality.py)."""
    demo, tax = cohort.demo, build_taxonomy()
    truth = demo.truth
    skills = np.zeros((len(cohort.records), tax.size), dtype=bool)
    interest = np.zeros((len(cohort.records), len(tax.work_areas)), dtype=np.float32)
    for i, r in enumerate(cohort.records):
        skills[i, [tax.index[c] for c in r.skills]] = True
        for k, area in enumerate(r.interests):
            interest[i, tax.work_areas.index(area)] = INTEREST_WEIGHTS[k]
    people = {
        "credit": skill_credit(skills, tax.broader_link, tax.sibling),
        "interest_weight": interest,
        "language_level": np.array([r.language_level for r in cohort.records], np.float32),
        "support_need": np.array([r.support_need for r in cohort.records]),
        "max_hours": np.array([r.max_hours for r in cohort.records], np.float32),
        "parent": np.array([r.parent for r in cohort.records]),
        "home_lat": np.array([r.home_lat for r in cohort.records], np.float32),
        "home_lon": np.array([r.home_lon for r in cohort.records], np.float32),
    }
    pl = cohort.placement_records

    def share(ids_of):
        m = np.zeros((len(pl), tax.size), dtype=np.float32)
        for j, p in enumerate(pl):
            ids = ids_of(p)
            for c in ids:
                m[j, tax.index[c]] += 1.0 / len(ids)
        return m

    places = {
        "required": share(lambda p: p.required_skills),
        "useful": share(lambda p: p.useful_skills),
        "area": np.array([tax.work_areas.index(p.work_area) for p in pl]),
        "min_language_level": np.array([p.min_language_level for p in pl]),
        "language_practice": np.array([p.language_practice for p in pl]),
        "supervision": np.array([p.supervision for p in pl]),
        "hours_per_week": np.array([p.hours_per_week for p in pl], np.float32),
        "site_lat": np.array([p.site_lat for p in pl], np.float32),
        "site_lon": np.array([p.site_lon for p in pl], np.float32),
    }
    f = pair_features(people, places, cross=True)
    model: SuccessModel = truth.process.success
    z = success_logit(f, model).astype(np.float64)
    if department:
        z += np.array([truth.department_effect[p.department_id] for p in pl])[None, :]
    if latent:
        z += np.array([truth.participant_latent[r.id - 1] for r in cohort.records])[:, None]
    return sigmoid(z)


@dataclass(frozen=True)
class History:
    """Accepted decisions before the cohort date: the engine's features of the accepted
    pair as of the decision, its department, and its label as known at the cut."""

    X: np.ndarray
    departments: np.ndarray
    decided_at: np.ndarray  # datetime64[us]
    labels_at_cut: np.ndarray  # 1 success, 0 failure, NaN unknown (matcher.training)


def history_before(demo: DemoMunicipality, day: date, policy) -> History:
    """What training and calibration may read at ``day`` (outcomes known by then)."""
    from matcher.features import pair_features as engine_features
    from matcher.training import outcome_labels

    at = _moment(day)
    taxonomy, types = engine_catalog(demo)
    compiled = CompiledPlacements.build(
        [placement_domain(p, p.slots) for p in demo.placements], taxonomy, types, {}
    )
    by_person = defaultdict(list)
    for r in demo.participant_revisions:
        by_person[r.participant_id].append(r)
    records = {r.id: r for r in demo.participants}
    accepted = [d for d in demo.decisions if d.status == "accepted" and d.decided_at < at]
    rows = []
    for d in accepted:
        state = participant_as_of(records[d.participant_id], by_person[d.participant_id],
                                  d.decided_at)  # fmt: skip
        person = to_domain_participant(state, d.decided_at.date())
        position = np.array([compiled.index_of(d.placement_id)])
        rows.append(engine_features(person, compiled, d.decided_at.date(), policy,
                                    rows=position).X[0])  # fmt: skip
    index = {d.id: k for k, d in enumerate(accepted)}
    kept = [o for o in demo.outcomes if o.decision_id in index]
    known = [max(_moment(o.occurred_on), o.recorded_at or _moment(o.occurred_on)) for o in kept]
    labels = outcome_labels(
        len(accepted),
        np.array([index[o.decision_id] for o in kept], dtype=np.int64),
        np.array([o.kind in SUCCESS_OUTCOMES for o in kept]),
        np.array([np.datetime64(k.replace(tzinfo=None), "us") for k in known]),
        np.datetime64(at.replace(tzinfo=None), "us"),
    )
    return History(
        X=np.array(rows),
        departments=np.array([_department(demo, d.placement_id) for d in accepted]),
        decided_at=np.array(
            [np.datetime64(d.decided_at.replace(tzinfo=None), "us") for d in accepted]
        ),  # fmt: skip
        labels_at_cut=labels,
    )


def _department(demo: DemoMunicipality, placement_id: int) -> int:
    return demo.placements[placement_id - 1].department_id


def demo_at(seed: int) -> DemoMunicipality:
    return generate(seed=seed, scale=1.0)
