"""Import of a municipality's decision history from JSON Lines or CSV: all or nothing.

A file is a list of records, one per line (JSON Lines) or row (CSV with a header), of
three kinds, tied together by the municipality's own ``decision_ref``:

``decision``
    ``decision_ref``, ``participant_ref`` (the participant's ``ref``), ``placement_ref``
    (the placement's ``ref``), ``at`` (when it was decided), ``status`` (``accepted`` or
    ``declined``), ``reason_code`` (required for a decline; a decline reason code).
``status``
    ``decision_ref``, ``at``, ``status`` (``started``, ``ended`` or ``withdrawn``, in an
    order the booking rules allow), ``reason_code`` (optional).
``outcome``
    ``decision_ref``, ``outcome`` (``completed``, ``ended_early``, ``regular_job``,
    ``studies``, ``self_supporting_6m``, ``self_supporting_12m``), ``occurred_on`` (a
    date), ``recorded_at`` (optional; when it was known, default the start of
    ``occurred_on``), ``reason`` (optional text).

Times: an ISO 8601 date-time with an offset is taken as it is; without an offset it is
the municipality's local time (Europe/Stockholm); a bare date means 12:00 local time
that day. Nothing may lie in the future.

The whole file is checked before anything is written (:func:`check`): every record
against its schema, every reference known, each decision's status changes in an order
the booking rules allow and after the decision, outcomes only for accepted decisions
and by the rules a caseworker's outcome follows (:mod:`models.outcome_rules`: not before
the decision, ``completed``/``ended_early`` only after a recorded start, one final outcome
per decision, none for a withdrawn one), no decision reference twice (in the file, or
already imported), and no placement holding more bookings now than it has slots. Every problem is
reported with its line (1-based, as an editor counts, the CSV header being line 1) and
field; one problem rejects the whole file.

The same file (by the SHA-256 of its bytes) is imported once: a second import writes
nothing and answers with the first one's summary. Imported decisions are marked as
such: they were not made from a logged suggestion list, so the replay ranks them like
any decision but off-policy estimates leave them out (and say how many).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError
from sqlmodel import Session

from models.base import utcnow
from models.history_import import (
    HISTORY_IMPORT,
    DecisionToWrite,
    OutcomeFact,
    StatusChange,
    add_import,
)
from models.match import DeclineReason, MatchStatus, OutcomeKind
from models.org import Role, User
from models.outcome_rules import NOT_TAKEN_UP, outcome_refusals
from models.repo_history_import import (
    first_states,
    has_grant,
    history_rows,
    import_by_hash,
    imported_refs,
    participant_ids_by_ref,
    placements_by_ref,
    quotas_covering,
    write_decisions,
)

MUNICIPAL_TZ = ZoneInfo("Europe/Stockholm")
CSV_COLUMNS = (
    "kind", "decision_ref", "participant_ref", "placement_ref", "at", "status",
    "reason_code", "outcome", "occurred_on", "recorded_at", "reason",
)  # fmt: skip
MEDIA_TYPES = {"application/jsonl", "application/x-ndjson", "application/json", "text/csv"}
MAX_RECORDS = 500_000
MAX_ERRORS = 1000  # listed in one answer; the count says how many there were
#: bare dates are taken as noon, local time: inside the day whatever the offset
BARE_DATE_TIME = time(12, 0)
#: after a decision, the statuses the booking rules allow (models.repo_booking.TRANSITIONS)
NEXT_STATUS = {
    MatchStatus.accepted: {MatchStatus.started, MatchStatus.withdrawn},
    MatchStatus.started: {MatchStatus.ended, MatchStatus.withdrawn},
}


def parse_moment(value: Any) -> Any:
    """A date-time or date string as an aware UTC datetime (see the module docstring)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, BARE_DATE_TIME)
    elif isinstance(value, str):
        text = value.strip()
        try:
            moment = (
                datetime.combine(date.fromisoformat(text), BARE_DATE_TIME)
                if len(text) == 10
                else datetime.fromisoformat(text)
            )
        except ValueError:
            raise ValueError(
                f"{value!r} is not an ISO 8601 date or date-time (e.g. 2024-03-01T09:30)"
            ) from None
    else:
        raise ValueError("expected a date or date-time string")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=MUNICIPAL_TZ)
    return moment.astimezone(UTC)


Moment = Annotated[datetime, BeforeValidator(parse_moment)]
Ref = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:/-]+$")]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    decision_ref: Ref


class DecisionIn(_Record):
    kind: Literal["decision"]
    participant_ref: Annotated[str, Field(min_length=1, max_length=32)]
    placement_ref: Annotated[str, Field(min_length=1, max_length=32)]
    at: Moment
    status: Literal["accepted", "declined"]
    reason_code: DeclineReason | None = None


class StatusIn(_Record):
    kind: Literal["status"]
    at: Moment
    status: Literal["started", "ended", "withdrawn"]
    #: a code of the municipality's own (a decline reason, "participant_withdrew"...)
    reason_code: Annotated[str, Field(max_length=64, pattern=r"^[a-z0-9_]+$")] | None = None


class OutcomeIn(_Record):
    kind: Literal["outcome"]
    outcome: OutcomeKind
    occurred_on: date
    recorded_at: Moment | None = None
    reason: Annotated[str, Field(max_length=2000)] | None = None


_RECORD = TypeAdapter(Annotated[DecisionIn | StatusIn | OutcomeIn, Field(discriminator="kind")])


class ImportInvalid(ValueError):
    """The file cannot be imported; ``errors`` locate each problem as
    ``["body", line, field]`` with a message that starts with the line and field."""

    def __init__(self, detail: str, errors: list[dict[str, Any]]):
        super().__init__(detail)
        self.detail, self.errors = detail, errors


class ImportForbidden(PermissionError):
    """The user may not import history (an evaluator without the grant, another role)."""


def error(line: int | None, name: str | None, msg: str, kind: str) -> dict[str, Any]:
    where = [f"line {line}" if line is not None else None, name]
    prefix = ", ".join(w for w in where if w)
    loc: list[str | int] = ["body"]
    if line is not None:
        loc.append(line)
    if name is not None:
        loc.append(name)
    return {"loc": loc, "msg": f"{prefix}: {msg}" if prefix else msg, "type": kind}


# --- reading -------------------------------------------------------------------------------


def read_lines(raw: bytes, media_type: str) -> list[tuple[int, Any]]:
    """(line, raw record) pairs of a JSON Lines or CSV file; blank lines are skipped."""
    try:
        text = raw.decode("utf-8-sig")  # spreadsheet exports often start with a BOM
    except UnicodeDecodeError as problem:
        where = [error(None, None, str(problem), "unicode")]
        raise ImportInvalid("the file is not UTF-8", where) from None
    if media_type == "text/csv":
        return _csv_lines(text)
    records, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append((number, json.loads(line)))
        except json.JSONDecodeError as problem:
            errors.append(error(number, None, f"not JSON: {problem.msg}", "json_invalid"))
    if errors:
        raise ImportInvalid(f"{len(errors)} line(s) are not JSON; nothing was imported", errors)
    return records


def _csv_lines(text: str) -> list[tuple[int, Any]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    missing = [c for c in ("kind", "decision_ref") if c not in header]
    if unknown or missing:
        raise ImportInvalid(
            f"the CSV header names columns among {', '.join(CSV_COLUMNS)}",
            [error(1, "header", f"unknown column {c!r}", "extra_forbidden") for c in unknown]
            + [error(1, "header", f"missing column {c!r}", "missing") for c in missing],
        )
    reader.fieldnames = header
    records = []
    try:
        for row in reader:
            line = reader.line_num
            if None in row:
                raise ImportInvalid(
                    f"line {line} has more cells than the header",
                    [error(line, None, "more cells than the header", "extra_forbidden")],
                )
            records.append((line, {k: v for k, v in row.items() if v not in (None, "")}))
    except csv.Error as problem:
        raise ImportInvalid(
            "the CSV cannot be read", [error(reader.line_num, None, str(problem), "csv")]
        ) from None
    return records


def parse_records(lines: list[tuple[int, Any]]) -> tuple[list[tuple[int, BaseModel]], list[dict]]:
    """Each record against its kind's schema: (valid records, every problem of the others)."""
    if len(lines) > MAX_RECORDS:
        raise ImportInvalid(
            f"at most {MAX_RECORDS} records per file; split it",
            [error(None, None, f"{len(lines)} records", "too_long")],
        )
    records, errors = [], []
    for line, raw in lines:
        try:
            records.append((line, _RECORD.validate_python(raw)))
        except ValidationError as problem:
            for e in problem.errors(include_url=False):
                loc = [p for p in e["loc"] if p not in ("decision", "status", "outcome")]
                name = ".".join(str(p) for p in loc) or "kind"
                errors.append(error(line, name, e["msg"], e["type"]))
    return records, errors


def _rejected(errors: list[dict]) -> str:
    lines = len({e["loc"][1] for e in errors if len(e["loc"]) > 1})
    return f"{len(errors)} problem(s) on {lines} line(s); nothing was imported"


# --- checking against the history and the database -----------------------------------------


@dataclass
class _Decision:
    line: int
    record: DecisionIn
    changes: list[tuple[int, StatusIn]] = field(default_factory=list)
    outcomes: list[tuple[int, OutcomeIn]] = field(default_factory=list)


def _local_day(moment: datetime) -> date:
    return moment.astimezone(MUNICIPAL_TZ).date()


def check(
    session: Session, records: list[tuple[int, BaseModel]], now: datetime, errors: list[dict]
) -> list[DecisionToWrite]:
    """Resolve references and check the history as a whole: the decisions to write.

    ``errors`` are the schema problems of lines left out of ``records``; a record naming a
    decision whose own line was invalid is not reported again. Raises
    :class:`ImportInvalid` listing every problem (see the module docstring).
    """
    errors = list(errors)
    broken = {e["loc"][1] for e in errors if len(e["loc"]) > 1}
    decisions: dict[str, _Decision] = {}
    for line, record in records:
        if isinstance(record, DecisionIn):
            if record.decision_ref in decisions:
                first = decisions[record.decision_ref].line
                errors.append(error(line, "decision_ref", f"repeats line {first}", "duplicate"))
            else:
                decisions[record.decision_ref] = _Decision(line, record)
    for line, record in records:
        if isinstance(record, DecisionIn):
            continue
        owner = decisions.get(record.decision_ref)
        if owner is None and broken:
            continue  # its decision may be on a line that did not parse
        if owner is None:
            msg = f"no decision {record.decision_ref!r} in the file"
            errors.append(error(line, "decision_ref", msg, "invalid_reference"))
        elif isinstance(record, StatusIn):
            owner.changes.append((line, record))
        else:
            owner.outcomes.append((line, record))
    for line, record in records:
        moment = getattr(record, "at", None) or getattr(record, "recorded_at", None)
        if moment is not None and moment > now:
            name = "at" if getattr(record, "at", None) else "recorded_at"
            errors.append(error(line, name, f"{moment.isoformat()} is in the future", "future"))
        on = getattr(record, "occurred_on", None)
        if on is not None and on > _local_day(now):
            errors.append(error(line, "occurred_on", f"{on} is in the future", "future"))
    for item in decisions.values():
        errors += _timeline_errors(item)
    people = participant_ids_by_ref(session, (d.record.participant_ref for d in decisions.values()))
    places = placements_by_ref(session, (d.record.placement_ref for d in decisions.values()))
    for item in decisions.values():
        r = item.record
        if r.participant_ref not in people:
            msg = f"unknown participant reference {r.participant_ref!r}"
            errors.append(error(item.line, "participant_ref", msg, "invalid_reference"))
        if r.placement_ref not in places:
            msg = f"unknown placement reference {r.placement_ref!r}"
            errors.append(error(item.line, "placement_ref", msg, "invalid_reference"))
    for ref in sorted(imported_refs(session, decisions)):
        msg = f"decision {ref!r} was imported before"
        errors.append(error(decisions[ref].line, "decision_ref", msg, "duplicate"))
    to_write = [] if errors else _resolve(session, decisions.values(), people, places)
    errors += _capacity_errors(to_write, places)
    if errors:
        errors.sort(key=lambda e: e["loc"][1] if len(e["loc"]) > 1 else 0)
        raise ImportInvalid(_rejected(errors), errors[:MAX_ERRORS])
    return to_write


def _timeline_errors(item: _Decision) -> list[dict]:
    """Status changes in an allowed order, none before the decision; outcomes only after
    an accepted decision, dated on or after its day."""
    errors = []
    decided = item.record.at
    status = MatchStatus(item.record.status)
    item.changes.sort(key=lambda pair: (pair[1].at, pair[0]))
    for line, change in item.changes:
        to = MatchStatus(change.status)
        if change.at < decided:
            msg = f"{change.at.isoformat()} is before the decision ({decided.isoformat()})"
            errors.append(error(line, "at", msg, "before_decision"))
        if to not in NEXT_STATUS.get(status, set()):
            msg = f"cannot go from {status.value} to {to.value}"
            errors.append(error(line, "status", msg, "transition"))
        status = to
    if item.record.status == "declined" and item.record.reason_code is None:
        errors.append(error(item.line, "reason_code", "a decline needs a reason_code", "missing"))
    started_on = next(
        (_local_day(c.at) for _, c in item.changes if c.status == MatchStatus.started.value),
        None,
    )
    recorded: list[tuple[OutcomeKind, date]] = []
    for line, outcome in sorted(item.outcomes, key=lambda pair: (pair[1].occurred_on, pair[0])):
        if item.record.status != "accepted":
            msg = "outcomes are recorded for accepted decisions only"
            errors.append(error(line, "decision_ref", msg, "not_accepted"))
        else:  # the rules a caseworker's outcome follows (models.outcome_rules), by date
            for refusal in outcome_refusals(
                subject=f"decision {item.record.decision_ref}", status=status,
                decided_on=_local_day(decided),
                started_on=started_on, recorded=recorded,
                kind=outcome.outcome, occurred_on=outcome.occurred_on,
            ):  # fmt: skip
                field_name = "decision_ref" if refusal.what == NOT_TAKEN_UP else "occurred_on"
                errors.append(error(line, field_name, refusal.detail, refusal.what))
        recorded.append((outcome.outcome, outcome.occurred_on))
        start = datetime.combine(outcome.occurred_on, time(), tzinfo=UTC)
        if outcome.recorded_at is not None and outcome.recorded_at < start:
            msg = "an outcome cannot be recorded before it occurred"
            errors.append(error(line, "recorded_at", msg, "before_occurred"))
    return errors


def _resolve(session, decisions, people, places) -> list[DecisionToWrite]:
    out = []
    quota_cache: dict[tuple[int, date], Any] = {}
    for item in sorted(decisions, key=lambda d: (d.record.at, d.line)):
        r = item.record
        place = places[r.placement_ref]
        quota = None
        if r.status == "accepted":
            key = (place.department_id, _local_day(r.at))
            if key not in quota_cache:
                quota_cache[key] = quotas_covering(session, *key)
            quota = quota_cache[key]
        out.append(
            DecisionToWrite(
                participant_id=people[r.participant_ref],
                placement_id=place.id,
                quota_id=quota.id if quota else None,
                status=MatchStatus(r.status),
                decided_at=r.at,
                reason_code=r.reason_code.value if r.reason_code else None,
                changes=tuple(
                    StatusChange(MatchStatus(c.status), c.at, c.reason_code)
                    for _, c in item.changes
                ),
                outcomes=tuple(
                    OutcomeFact(
                        o.outcome.value,
                        o.occurred_on,
                        o.recorded_at or datetime.combine(o.occurred_on, time(), tzinfo=UTC),
                        o.reason,
                    )
                    for _, o in item.outcomes
                ),
                decision_ref=r.decision_ref,
                line=item.line,
            )
        )
    return out


def _capacity_errors(decisions: list[DecisionToWrite], places) -> list[dict]:
    """A placement may not hold more bookings now than it has slots, nor a participant
    more than one."""
    by_id = {p.id: (ref, p) for ref, p in places.items()}
    held = [d for d in decisions if d.holds_slot]
    count = Counter(d.placement_id for d in held)
    errors = []
    for d in held:
        ref, place = by_id[d.placement_id]
        if place.booked + count[d.placement_id] > place.slots:
            msg = (
                f"placement {ref!r} would hold {place.booked + count[d.placement_id]} bookings "
                f"now with {place.slots} slot(s); end or withdraw the older ones"
            )
            errors.append(error(d.line, "placement_ref", msg, "capacity"))
    per_person = defaultdict(list)
    for d in held:
        per_person[d.participant_id].append(d)
    for rows in per_person.values():
        for d in rows[1:]:
            msg = f"the participant already holds the booking of line {rows[0].line} now"
            errors.append(error(d.line, "participant_ref", msg, "participant"))
    return errors


def _before_first_state(session: Session, decisions: list[DecisionToWrite]) -> dict[str, int]:
    """How many decisions predate their participant's or placement's first recorded state:
    the replay cannot rebuild what was known then, so it leaves them out (and counts them)."""
    people = first_states(session, "participant", (d.participant_id for d in decisions))
    places = first_states(session, "placement", (d.placement_id for d in decisions))

    def before(first: datetime | None, at: datetime) -> bool:
        if first is None:
            return True
        first = first if first.tzinfo else first.replace(tzinfo=UTC)
        return at <= first

    return {
        "before_participant_state": sum(
            before(people.get(d.participant_id), d.decided_at) for d in decisions
        ),
        "before_placement_state": sum(
            before(places.get(d.placement_id), d.decided_at) for d in decisions
        ),
    }


# --- the use case --------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    import_id: int | None
    already_imported: bool
    dry_run: bool
    content_hash: str
    counts: dict[str, int]


def may_import(session: Session, user: User) -> bool:
    """Admins, and evaluators holding the ``history_import`` grant."""
    if user.role is Role.admin:
        return True
    return user.role is Role.evaluator and has_grant(session, user.id, HISTORY_IMPORT)


def import_history(
    session: Session, raw: bytes, *, media_type: str, user: User | None,
    filename: str | None = None, dry_run: bool = False, now: datetime | None = None,
) -> ImportResult:  # fmt: skip
    """Check the whole file and, when it is valid and new, write it (no commit).

    ``user`` None is the command line run by the operator (``--by`` names a user when
    given). Raises :class:`ImportForbidden` or :class:`ImportInvalid`.
    """
    if user is not None and not may_import(session, user):
        raise ImportForbidden(
            f"{user.role.value} {user.username!r} may not import history: admins may, and "
            f"evaluators given the grant ('platsa users grant {user.username} {HISTORY_IMPORT}')"
        )
    content_hash = hashlib.sha256(raw).hexdigest()
    earlier = import_by_hash(session, content_hash)
    if earlier is not None:
        return ImportResult(earlier.id, True, dry_run, content_hash, dict(earlier.counts))
    records, problems = parse_records(read_lines(raw, media_type))
    decisions = check(session, records, now or utcnow(), problems)
    counts = {
        "decisions": len(decisions),
        "accepted": sum(d.status is MatchStatus.accepted for d in decisions),
        "status_changes": sum(len(d.changes) for d in decisions),
        "outcomes": sum(len(d.outcomes) for d in decisions),
        "holding_a_slot_now": sum(d.holds_slot for d in decisions),
        **_before_first_state(session, decisions),
    }
    if dry_run:
        return ImportResult(None, False, True, content_hash, counts)
    row = add_import(
        session, content_hash=content_hash, filename=filename, media_type=media_type,
        imported_by=user.id if user else None, counts=counts,
    )  # fmt: skip
    write_decisions(session, decisions, import_id=row.id)
    return ImportResult(row.id, False, False, content_hash, counts)


# --- export (the same format) --------------------------------------------------------------


def export_history(session: Session) -> bytes:
    """Every decision with its status changes and outcomes, as an importable JSON Lines file.

    A decision keeps its imported reference; others are named ``platsa-<match id>``.
    Placements without a ``ref`` cannot be named, so their decisions are left out.
    """
    matches, events, outcomes, refs = history_rows(session)
    by_match = defaultdict(list)
    for e in events:
        by_match[e.match_id].append(e)
    outcomes_of = defaultdict(list)
    for o in outcomes:
        outcomes_of[o.match_id].append(o)
    lines = []
    for match, participant_ref, placement_ref in matches:
        if placement_ref is None:
            continue
        ref = refs.get(match.id, f"platsa-{match.id}")
        log = by_match.get(match.id, [])
        first = log[0] if log else None
        lines.append(
            {
                "kind": "decision",
                "decision_ref": ref,
                "participant_ref": participant_ref,
                "placement_ref": placement_ref,
                "at": _iso(match.decided_at),
                "status": first.status.value if first else match.status.value,
                **({"reason_code": first.reason_code} if first and first.reason_code else {}),
            }
        )
        for e in log[1:]:
            lines.append(
                {"kind": "status", "decision_ref": ref, "at": _iso(e.at), "status": e.status.value}
                | ({"reason_code": e.reason_code} if e.reason_code else {})
            )
        for o in outcomes_of.get(match.id, []):
            lines.append(
                {
                    "kind": "outcome",
                    "decision_ref": ref,
                    "outcome": o.kind.value,
                    "occurred_on": o.occurred_on.isoformat(),
                    "recorded_at": _iso(o.recorded_at),
                }
                | ({"reason": o.reason} if o.reason else {})
            )
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()
