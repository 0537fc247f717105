"""The rules for recording an outcome, and their one vocabulary of refusal codes.

Beside :mod:`models.acceptance` (the rules for accepting a pair): outcomes follow the
match's state and dates. :func:`outcome_refusals` is the only place that says whether an
outcome may be recorded; :func:`api.services.matches.record_outcome` raises the first
refusal as a 409 problem whose ``what`` is the code. Dates are municipal calendar days
(:data:`models.clock.MUNICIPAL_TZ`); an outcome in the future is a 422 of the request
body (``models.schemas_match.OutcomeCreate``), not a rule here.

===========================  ======================================================
code                         refuses when
===========================  ======================================================
``status``                   the match was never taken up (declined, or withdrawn
                             before outcomes could follow): outcomes are for
                             accepted, started or ended matches
``outcome-before-decision``  the outcome is dated before the day of the decision
``completed-before-start``   an outcome that says how the placement itself went
                             (``completed``, ``ended_early``) for a match with no
                             recorded start, or dated before the start day
``contradictory-outcome``    a second final outcome (``completed`` or
                             ``ended_early``): a placement ends once, one way
===========================  ======================================================

Later outcomes (``regular_job``, ``studies``, ``self_supporting_6m``/``12m``) may follow
a final one, and each other; they need no start (a job found before the start is still
an outcome of the decision).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from models.acceptance import Refusal
from models.match import MatchStatus, OutcomeKind

NOT_TAKEN_UP = "status"
BEFORE_DECISION = "outcome-before-decision"
BEFORE_START = "completed-before-start"
CONTRADICTORY = "contradictory-outcome"

#: statuses after which outcomes can be recorded
OUTCOME_STATUSES = frozenset({MatchStatus.accepted, MatchStatus.started, MatchStatus.ended})
#: outcomes that say how the placement itself ended: they need a start, and one per match
FINAL_OUTCOMES = frozenset({OutcomeKind.completed, OutcomeKind.ended_early})


def outcome_refusals(
    *,
    subject: str,
    status: MatchStatus,
    decided_on: date,
    started_on: date | None,
    recorded: Sequence[tuple[OutcomeKind, date]],
    kind: OutcomeKind,
    occurred_on: date,
) -> list[Refusal]:
    """Every rule that refuses recording ``kind`` on ``occurred_on``; [] if none.

    ``subject`` names the decision in the sentences ("match 12", or an imported file's
    "decision R-1"), ``decided_on`` is the decision's municipal day, ``started_on`` the day
    of the match's start event (None: never started), ``recorded`` the outcomes already
    recorded.
    """
    if status not in OUTCOME_STATUSES:
        return [
            Refusal(
                NOT_TAKEN_UP,
                f"{subject} is {status.value}; outcomes are recorded only for "
                "accepted, started or ended matches",
            )
        ]
    refusals = []
    if occurred_on < decided_on:
        refusals.append(
            Refusal(
                BEFORE_DECISION,
                f"the outcome is dated {occurred_on}, before the decision on {decided_on}",
            )
        )
    if kind in FINAL_OUTCOMES:
        if started_on is None:
            refusals.append(
                Refusal(
                    BEFORE_START,
                    f"{subject} has no recorded start; {kind.value} needs one "
                    "(record the start first)",
                )
            )
        elif occurred_on < started_on:
            refusals.append(
                Refusal(
                    BEFORE_START,
                    f"{kind.value} is dated {occurred_on}, before the start on {started_on}",
                )
            )
        final = next(((k, on) for k, on in recorded if k in FINAL_OUTCOMES), None)
        if final is not None:
            refusals.append(
                Refusal(
                    CONTRADICTORY,
                    f"{subject} already has the final outcome {final[0].value} "
                    f"on {final[1]}; a placement ends once",
                )
            )
    return refusals
