"""The pseudonymised replay extract: every query the replay needs, read once per table.

Whole tables are read in a handful of queries (revisions, match events, matches,
outcomes, suggestion lists) and the as-of look-ups are done in memory with bisect and
numpy, never one query per decision. Nothing in the extract names a participant: each
is a keyed hash (HMAC-SHA256) of their id under a salt drawn per extract, and an index
into the sorted hashes; no ``ref``, no home or birth year leaves the engine's inputs, and
reports built from it hold aggregates only.

State "as of" a decision is the state strictly before its moment; see
:mod:`matcher.replay_data` for the exact rule.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import defaultdict
from datetime import UTC, date, datetime, time

import numpy as np
from sqlmodel import Session, col, select

from matcher.domain import Participant as DomainParticipant
from matcher.groups import age_band
from matcher.replay_data import (
    FOREVER,
    GROUP_ATTRIBUTES,
    Bookings,
    Decisions,
    LoggedLists,
    Outcomes,
    PlacementStates,
    Queries,
    QuotaStates,
    ReplayExtract,
    TypeStates,
)
from models.convert import (
    concept_to_domain,
    participant_to_domain,
    placement_to_domain,
    placement_type_to_domain,
)
from models.history import Revision
from models.match import (
    BOOKED_STATUSES,
    SUCCESS_OUTCOMES,
    Match,
    MatchEvent,
    MatchStatus,
    Outcome,
)
from models.org import Department, Unit
from models.repo_history_import import imported_match_ids
from models.suggestion import Suggestion, SuggestionItem
from models.taxonomy import SkillConcept

_BOOKED = {s.value for s in BOOKED_STATUSES}
_SUCCESS = {s.value for s in SUCCESS_OUTCOMES}


def moment(value: datetime) -> np.datetime64:
    """An aware (or UTC-naive) datetime as ``datetime64[us]`` UTC."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return np.datetime64(value, "us")


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value


def moments(values) -> np.ndarray:
    """Many datetimes as one ``datetime64[us]`` array (one conversion, not one per value)."""
    return np.array([_naive_utc(v) for v in values], dtype="datetime64[us]").reshape(-1)


def _rows(session: Session, statement) -> list:
    """Plain tuples through the connection: no ORM identity work for bulk reads."""
    return session.connection().execute(statement).all()


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _revisions(session: Session, entity: str) -> dict[str, list[tuple[np.datetime64, dict]]]:
    """Each entity's snapshots, oldest first (valid_from, then version)."""
    rows = _rows(
        session,
        select(Revision.entity_id, Revision.valid_from, Revision.version, Revision.data)
        .where(Revision.entity == entity)
        .order_by(Revision.entity_id, Revision.valid_from, Revision.version),
    )
    starts = moments(r[1] for r in rows)
    grouped: dict[str, list[tuple[np.datetime64, dict]]] = defaultdict(list)
    for (entity_id, _, _, data), valid_from in zip(rows, starts, strict=True):
        grouped[entity_id].append((valid_from, data))
    return grouped


def _intervals(states: list[tuple[np.datetime64, dict]]):
    """(valid_from, valid_until, data) per state; the last holds until FOREVER."""
    starts = [at for at, _ in states]
    for j, (_, data) in enumerate(states):
        yield starts[j], starts[j + 1] if j + 1 < len(states) else FOREVER, data


def _placement_states(session: Session) -> PlacementStates:
    rows = []
    for entity_id, states in _revisions(session, "placement").items():
        for valid_from, valid_until, data in _intervals(states):
            rows.append((int(entity_id), valid_from, valid_until, data))
    rows.sort(key=lambda r: r[0])  # stable: each placement's states stay oldest first
    return PlacementStates(
        placements=tuple(placement_to_domain(d, int(d["slots"])) for *_, d in rows),
        placement_id=np.array([r[0] for r in rows], dtype=np.int64),
        department_id=np.array([int(r[3]["department_id"]) for r in rows], dtype=np.int64),
        slots=np.array([int(r[3]["slots"]) for r in rows], dtype=np.int64),
        is_open=np.array([bool(r[3].get("is_open", True)) for r in rows], dtype=bool),
        valid_from=np.array([r[1] for r in rows], dtype="datetime64[us]"),
        valid_until=np.array([r[2] for r in rows], dtype="datetime64[us]"),
    )


def _quota_states(session: Session) -> QuotaStates:
    rows = [
        (int(entity_id), vf, vu, d)
        for entity_id, states in _revisions(session, "quota").items()
        for vf, vu, d in _intervals(states)
    ]

    def column(name, dtype):
        return np.array([r[3][name] for r in rows], dtype=dtype)

    return QuotaStates(
        quota_id=np.array([r[0] for r in rows], dtype=np.int64),
        department_id=column("department_id", np.int64),
        period_start=column("period_start", "datetime64[D]"),
        period_end=column("period_end", "datetime64[D]"),
        min_headcount=column("min_headcount", np.int64),
        max_headcount=column("max_headcount", np.int64),
        valid_from=np.array([r[1] for r in rows], dtype="datetime64[us]"),
        valid_until=np.array([r[2] for r in rows], dtype="datetime64[us]"),
    )


def _type_states(session: Session) -> TypeStates:
    rows = [
        (code, vf, vu, placement_type_to_domain(d).rules)
        for code, states in _revisions(session, "placementtype").items()
        for vf, vu, d in _intervals(states)
    ]
    return TypeStates(
        code=tuple(r[0] for r in rows),
        rules=tuple(r[3] for r in rows),
        valid_from=np.array([r[1] for r in rows], dtype="datetime64[us]"),
        valid_until=np.array([r[2] for r in rows], dtype="datetime64[us]"),
    )


def _bookings(
    session: Session,
) -> tuple[Bookings, dict[int, bool], np.datetime64, dict[int, np.datetime64]]:
    """Slot-holding intervals from the status log; also each match's first status, the
    latest moment, and when each withdrawn match was withdrawn."""
    matches = {
        m: (p, q)
        for m, p, q in _rows(session, select(Match.id, Match.placement_id, Match.quota_id))
    }
    events = _rows(
        session,
        select(MatchEvent.match_id, MatchEvent.status, MatchEvent.at).order_by(
            MatchEvent.match_id, MatchEvent.at, MatchEvent.id
        ),
    )
    times = moments(e[2] for e in events)
    latest = times.max() if times.size else np.datetime64("1970-01-01T00:00:00", "us")
    intervals, first_booked = [], {}
    open_since: dict[int, np.datetime64] = {}
    withdrawn: dict[int, np.datetime64] = {}
    for (match_id, status, _), at in zip(events, times, strict=True):
        booked = str(status) in _BOOKED
        if str(status) == MatchStatus.withdrawn.value:
            withdrawn[match_id] = at
        first_booked.setdefault(match_id, booked)
        if booked and match_id not in open_since:
            open_since[match_id] = at
        elif not booked and match_id in open_since:
            intervals.append((match_id, open_since.pop(match_id), at))
    intervals += [(m, since, FOREVER) for m, since in open_since.items()]
    held = [matches[m] for m, _, _ in intervals]
    bookings = Bookings(
        placement_id=np.array([p for p, _ in held], dtype=np.int64),
        quota_id=np.array([-1 if q is None else q for _, q in held], dtype=np.int64),
        held_from=np.array([i[1] for i in intervals], dtype="datetime64[us]"),
        held_until=np.array([i[2] for i in intervals], dtype="datetime64[us]"),
    )
    return bookings, first_booked, latest, withdrawn


class _People:
    """Participants' snapshots with as-of look-up, and their pseudonyms."""

    def __init__(self, session: Session, salt: bytes) -> None:
        self.states = {int(k): v for k, v in _revisions(session, "participant").items()}
        self.starts = {
            k: np.array([at for at, _ in v], dtype="datetime64[us]") for k, v in self.states.items()
        }
        digests = {
            pid: hmac.new(salt, f"participant:{pid}".encode(), hashlib.sha256).hexdigest()[:20]
            for pid in self.states
        }
        ordered = sorted(digests.values())
        position = {d: i for i, d in enumerate(ordered)}
        self.pseudonym = digests
        self.index = {pid: position[d] for pid, d in digests.items()}
        self.units = dict(_rows(session, select(Unit.id, Unit.code)))
        self._cache: dict = {}

    def as_of(self, participant_id: int, at: np.datetime64) -> tuple[DomainParticipant, dict]:
        """The engine's participant and the raw snapshot, strictly before ``at``."""
        starts = self.starts.get(participant_id)
        j = -1 if starts is None else int(np.searchsorted(starts, at, side="left")) - 1
        if j < 0:
            raise LookupError(f"no state of a participant before {at}")
        day = at.astype("datetime64[D]").item()
        key = (participant_id, j, day)
        cached = self._cache.get(key)
        if cached is None:
            data = self.states[participant_id][j][1]
            domain = participant_to_domain({**data, "id": self.index[participant_id]}, day)
            cached = self._cache[key] = (domain, data)
        return cached


def _queries(people: _People, rows, notes: dict, what: str):
    """(kept row positions, Queries) for rows of (participant_id, at, placement_id)."""
    kept, at, who, placement = [], [], [], []
    for position, (participant_id, when, placement_id) in enumerate(rows):
        try:
            domain, _ = people.as_of(participant_id, when)
        except LookupError:
            key = f"{what}_without_participant_state"
            notes[key] = notes.get(key, 0) + 1
            continue
        kept.append(position)
        at.append(when)
        who.append(domain)
        placement.append(placement_id)
    queries = Queries(
        at=np.array(at, dtype="datetime64[us]"),
        participant=tuple(who),
        placement_id=np.array(placement, dtype=np.int64),
    )
    return kept, queries


def _groups(people: _People, rows, kept) -> dict[str, np.ndarray]:
    labels: dict[str, list] = {name: [] for name in GROUP_ATTRIBUTES}
    ages = []
    for position in kept:
        participant_id, when, _ = rows[position]
        _, data = people.as_of(participant_id, when)
        year = when.astype("datetime64[Y]").astype(int) + 1970
        ages.append(year - int(data["birth_year"]))
        labels["gender"].append(str(data.get("gender", "unknown")))
        labels["newcomer"].append("newcomer" if data.get("newcomer") else "not newcomer")
        labels["support_need"].append(f"need {int(data['support_need'])}")
        labels["unit"].append(people.units.get(data.get("unit_id"), "unknown"))
    out = {name: np.array(values, dtype=str) for name, values in labels.items() if values}
    out["age_band"] = age_band(np.array(ages, dtype=np.float64)) if ages else np.array([], str)
    return {name: out.get(name, np.array([], dtype=str)) for name in GROUP_ATTRIBUTES}


def build_extract(
    session: Session, start: datetime, stop: datetime, *, salt: bytes | None = None
) -> ReplayExtract:
    """The pseudonymised extract of decisions and lists with ``start <= moment < stop``.

    ``salt`` keys the participant pseudonyms; a fresh random one is drawn when None, so
    pseudonyms from two extracts cannot be linked.
    """
    notes: dict[str, int] = {}
    start64, stop64 = moment(start), moment(stop)
    people = _People(session, salt if salt is not None else secrets.token_bytes(16))
    placements = _placement_states(session)
    bookings, first_booked, latest, withdrawn_at = _bookings(session)
    matches = _rows(session,
        select(
            Match.id, Match.participant_id, Match.placement_id, Match.decided_at,
            Match.suggestion_id, Match.suggestion_rank, Match.override, Match.status,
        )
        .where(Match.decided_at >= start, Match.decided_at < stop)
        .order_by(Match.decided_at, Match.id),
    )  # fmt: skip
    decided = moments(m[3] for m in matches)
    rows = [(m[1], at, m[2]) for m, at in zip(matches, decided, strict=True)]
    kept, queries = _queries(people, rows, notes, "decisions")
    kept_matches = [matches[p] for p in kept]
    imported = imported_match_ids(session)
    index_of_match = {m[0]: i for i, m in enumerate(kept_matches)}
    department_of = dict(
        zip(placements.placement_id.tolist(), placements.department_id.tolist(), strict=True)
    )
    decisions = Decisions(
        queries=queries,
        accepted=np.array(
            [first_booked.get(m[0], str(m[7]) != "declined") for m in kept_matches], dtype=bool
        ),
        suggestion_id=np.array([m[4] or -1 for m in kept_matches], dtype=np.int64),
        logged_rank=np.array(
            [np.inf if m[5] is None else float(m[5]) for m in kept_matches], dtype=np.float64
        ),
        override=np.array([bool(m[6]) for m in kept_matches], dtype=bool),
        department_id=np.array([department_of.get(m[2], -1) for m in kept_matches], np.int64),
        groups=_groups(people, rows, kept),
        pseudonym=np.array([people.pseudonym[m[1]] for m in kept_matches], dtype=str),
        withdrawn_at=np.array(
            [withdrawn_at.get(m[0], np.datetime64("NaT")) for m in kept_matches],
            dtype="datetime64[us]",
        ),
        imported=np.array([m[0] in imported for m in kept_matches], dtype=bool),
    )
    outcome_rows = _rows(session,
        select(Outcome.match_id, Outcome.kind, Outcome.occurred_on, Outcome.recorded_at).where(
            col(Outcome.match_id).in_(select(Match.id).where(
                Match.decided_at >= start, Match.decided_at < stop))
        ),
    )  # fmt: skip
    outcome_rows = [o for o in outcome_rows if o[0] in index_of_match]
    known = np.maximum(
        moments(day_start(o[2]) for o in outcome_rows), moments(o[3] for o in outcome_rows)
    )
    outcomes = Outcomes(
        decision=np.array([index_of_match[o[0]] for o in outcome_rows], dtype=np.int64),
        success=np.array([str(getattr(o[1], "value", o[1])) in _SUCCESS for o in outcome_rows]),
        known_at=known,
    )
    lists = _logged_lists(session, people, start, stop, kept_matches, decisions.accepted, notes)
    departments = dict(_rows(session, select(Department.id, Department.name)))
    ends = [latest, *queries.at[-1:], *(known.max(keepdims=True) if known.size else [])]
    return ReplayExtract(
        start=start64,
        stop=stop64,
        end=max(ends) if ends else stop64,
        concepts=tuple(concept_to_domain(c) for c in session.exec(select(SkillConcept)).all()),
        placements=placements,
        quotas=_quota_states(session),
        types=_type_states(session),
        bookings=bookings,
        decisions=decisions,
        outcomes=outcomes,
        lists=lists,
        department_ids=np.array(sorted(departments), np.int64),
        notes=notes,
        department_names=departments,
    )


def _logged_lists(session, people, start, stop, kept_matches, accepted_decision, notes):
    """Participant lists in the window with their first item's propensity."""
    listed = _rows(session,
        select(Suggestion.id, Suggestion.participant_id, Suggestion.created_at,
               Suggestion.policy_version, SuggestionItem.placement_id, SuggestionItem.propensity)
        .join(SuggestionItem, SuggestionItem.suggestion_id == Suggestion.id)
        .where(Suggestion.subject == "participant", SuggestionItem.rank == 1,
               Suggestion.created_at >= start, Suggestion.created_at < stop,
               col(Suggestion.participant_id).is_not(None))
        .order_by(Suggestion.created_at, Suggestion.id),
    )  # fmt: skip
    accepted_from = {
        (m[4], m[2]): i
        for i, m in enumerate(kept_matches)
        if m[4] is not None and accepted_decision[i]
    }
    created = moments(s[2] for s in listed)
    rows = [(s[1], at, s[4]) for s, at in zip(listed, created, strict=True)]
    kept, queries = _queries(people, rows, notes, "lists")
    chosen = [listed[p] for p in kept]
    # only acceptances decided after the window leave a list's reward unknown; a later
    # decline means it was not accepted, as the whole history's extract also says
    accepted_later = select(Match.suggestion_id, Match.placement_id).where(
        Match.decided_at >= stop, Match.status != MatchStatus.declined
    )
    decided_later = {tuple(row) for row in _rows(session, accepted_later)}
    accepted = []
    for s in chosen:
        i = accepted_from.get((s[0], s[4]), -1)
        accepted.append(-2 if i < 0 and (s[0], s[4]) in decided_later else i)
    notes["lists_decided_after_window"] = sum(1 for a in accepted if a == -2)
    return LoggedLists(
        queries=queries,
        top_propensity=np.array([s[5] for s in chosen], dtype=np.float64),
        accepted_decision=np.array(accepted, dtype=np.int64),
        policy_version=tuple(s[3] for s in chosen),
    )
