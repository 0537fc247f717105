"""The retention job: remove or pseudonymise what the retention policy says has expired.

Run by ``platsa retention run [--dry-run]`` (one transaction: all of it or nothing). The
rules are rows (:class:`models.retention.RetentionRule`); a participant under a legal
hold keeps everything, and the access log is cut only up to the first row a hold keeps.
The moment comes from a :class:`models.clock.Clock`: tests (and a rerun of a missed
night, ``--now``) pass a :class:`~models.clock.FrozenClock`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from models.clock import SYSTEM_CLOCK, Clock
from models.repo_data_rights import pseudonymise_participant
from models.repo_participants import get_participant
from models.repo_retention import (
    closed_cases,
    delete_access_log,
    delete_free_text,
    delete_idempotency,
    delete_standing_plans,
    expired_access_log,
    expired_idempotency,
    expired_standing_plans,
    free_text_count,
    held_participant_ids,
    retention_rules,
)
from models.retention import RecordKind, is_pseudonymised


@dataclass
class RetentionReport:
    """What the job did (or, in a dry run, would do), per kind of record."""

    now: datetime
    dry_run: bool
    pseudonymised: list[int] = field(default_factory=list)  # participant ids
    free_texts_deleted: int = 0
    access_log_deleted: int = 0
    idempotency_deleted: int = 0
    standing_plans_deleted: int = 0
    kept_for_hold: list[int] = field(default_factory=list)  # held participants that expired

    def describe(self) -> str:
        verb = "would" if self.dry_run else "did"
        return "\n".join(
            [
                f"retention as of {self.now.isoformat()} ({'dry run' if self.dry_run else 'run'}):",
                f"  participants pseudonymised ({verb}): {len(self.pseudonymised)}",
                f"  free-text reasons deleted ({verb}): {self.free_texts_deleted}",
                f"  access-log rows deleted ({verb}): {self.access_log_deleted}",
                f"  idempotency records deleted ({verb}): {self.idempotency_deleted}",
                f"  standing plans deleted ({verb}): {self.standing_plans_deleted}",
                f"  kept under a legal hold: {len(self.kept_for_hold)} participant(s)"
                + (f" {self.kept_for_hold}" if self.kept_for_hold else ""),
            ]
        )


def run_retention(
    session: Session, *, clock: Clock = SYSTEM_CLOCK, dry_run: bool = False
) -> RetentionReport:
    """Apply every retention rule as of the clock's now."""
    now = clock.now()
    rules = retention_rules(session)
    report = RetentionReport(now=now, dry_run=dry_run)
    held = held_participant_ids(session)
    closed = closed_cases(session)

    def expired(kind: RecordKind) -> list[int]:
        cutoff = now - timedelta(days=rules[kind].days)
        due = sorted(pid for pid, at in closed.items() if at < cutoff)
        report.kept_for_hold = sorted(set(report.kept_for_hold) | (set(due) & held))
        return [pid for pid in due if pid not in held]

    free_text = expired(RecordKind.free_text)
    report.free_texts_deleted = free_text_count(session, free_text) if free_text else 0
    if free_text and not dry_run:
        delete_free_text(session, free_text)
    for participant_id in expired(RecordKind.participant):
        if is_pseudonymised(session, participant_id):
            continue
        report.pseudonymised.append(participant_id)
        if not dry_run:
            participant = get_participant(session, participant_id, for_update=True)
            rule = rules[RecordKind.participant]
            pseudonymise_participant(
                session, participant, by=None, reason=f"retention: {rule.days} days after closing"
            )
    log_cutoff = now - timedelta(days=rules[RecordKind.access_log].days)
    prefix = expired_access_log(session, log_cutoff, held)
    report.access_log_deleted = len(prefix)
    if prefix and not dry_run:
        delete_access_log(session, prefix)
    idempotency_cutoff = now - timedelta(days=rules[RecordKind.idempotency].days)
    report.idempotency_deleted = expired_idempotency(session, idempotency_cutoff)
    if not dry_run:
        delete_idempotency(session, idempotency_cutoff)
    plan_cutoff = now - timedelta(days=rules[RecordKind.standing_plan].days)
    report.standing_plans_deleted = expired_standing_plans(session, plan_cutoff)
    if report.standing_plans_deleted and not dry_run:
        delete_standing_plans(session, plan_cutoff)
    return report
