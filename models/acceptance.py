"""The rules for accepting a pair, and their one vocabulary of refusal codes.

:func:`acceptance_refusals` is the only place that says whether a participant may be
booked on a placement on a day. A single accept (:func:`models.repo_booking.accept`) raises the
first refusal; applying a cohort plan (:func:`models.repo_plan_apply.plan_conflicts`) collects
every refusal of every row. Capacity is not decided here: the conditional UPDATE in
:func:`models.repo_booking.book` decides it against the committed rows (codes ``placement``
and ``quota``), and a plan counts its rows against what is left.

=========================  =======================================================
code                       refuses when
=========================  =======================================================
``participant-inactive``   the participant is inactive
``placement-closed``       the placement is closed (or no longer exists)
``not-open``               the placement ended, or starts more than the policy's
                           ``book_ahead_days`` ahead
``eligibility``            the placement type's rules exclude the participant
``participant``            the participant already holds a booked match
``placement`` / ``quota``  no slot, or no place in the department's quota, is left
=========================  =======================================================

The order is the order a single accept checks them in. A placement that is closed or
not open is not asked about the type's rules, and an inactive participant is not asked
about bookings, so each row of a plan names the refusals that matter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from matcher.eligibility import open_exclusion, rule_exclusions
from models.convert import participant_to_domain, placement_type_to_domain
from models.match import Match
from models.participant import Participant
from models.placement import Placement
from models.taxonomy import PlacementType

PARTICIPANT_INACTIVE = "participant-inactive"
PLACEMENT_CLOSED = "placement-closed"
NOT_OPEN = "not-open"
ELIGIBILITY = "eligibility"
ALREADY_BOOKED = "participant"
PLACEMENT_FULL = "placement"
QUOTA_FULL = "quota"


@dataclass(frozen=True, slots=True)
class Refusal:
    """One rule refusing a pair: its code (``what``) and a sentence saying why."""

    what: str
    detail: str


def not_open_detail(placement: Placement, on: date, book_ahead_days: int) -> str | None:
    """Why the placement's dates keep it from being booked on ``on``, or None.

    The engine's rule (:func:`matcher.eligibility.open_exclusion`): open from
    ``book_ahead_days`` days before its start up to and including its end, so a placement
    the lists suggest ahead of its start can be accepted the same day.
    """
    found = open_exclusion(placement.start_date, placement.end_date, on, book_ahead_days)
    if found is None:
        return None
    return f"placement {placement.id} is not open on {on}: {found.en}"


def type_detail(
    placement_type: PlacementType | None, participant: Participant, placement: Placement, on: date
) -> str | None:
    """Why the placement type's eligibility rules exclude the participant on ``on``, or None.

    The rules are the engine's own (:func:`matcher.eligibility.rule_exclusions`, the type
    part of ``matcher.why_not``), applied to the same conversion the suggestions use, so a
    pair the lists leave out cannot be accepted by hand either.
    """
    if placement_type is None:
        return None
    rules = placement_type_to_domain(placement_type).rules
    found = rule_exclusions(rules, participant_to_domain(participant, on), on)
    if not found:
        return None
    why = "; ".join(f"{e.rule}: {e.en}" for e in found)
    return (
        f"participant {participant.id} is not eligible for placement type "
        f"{placement.type_code!r} ({why})"
    )


def acceptance_refusals(
    participant: Participant,
    placement: Placement | None,
    *,
    on: date,
    book_ahead_days: int,
    placement_type: PlacementType | None,
    held: Match | None,
    placement_id: int | None = None,
) -> list[Refusal]:
    """Every rule that refuses booking ``participant`` on ``placement`` on ``on``; [] if none.

    ``placement_type`` is the placement's type row, ``held`` the participant's booked
    match (None when they hold none); ``placement`` None means it no longer exists
    (``placement_id`` names it). Capacity is checked by the caller (see the module).
    """
    refusals = []
    if not participant.active:
        refusals.append(Refusal(PARTICIPANT_INACTIVE, f"participant {participant.id} is inactive"))
    placement_ok = False
    if placement is None:
        refusals.append(Refusal(PLACEMENT_CLOSED, f"placement {placement_id} no longer exists"))
    elif not placement.is_open:
        refusals.append(Refusal(PLACEMENT_CLOSED, f"placement {placement.id} is closed"))
    elif (why := not_open_detail(placement, on, book_ahead_days)) is not None:
        refusals.append(Refusal(NOT_OPEN, why))
    else:
        placement_ok = True
    if placement_ok and (why := type_detail(placement_type, participant, placement, on)):
        refusals.append(Refusal(ELIGIBILITY, why))
    if participant.active and held is not None:
        refusals.append(
            Refusal(
                ALREADY_BOOKED,
                f"participant {participant.id} already has a booked match {held.id} "
                f"({held.status.value}) on placement {held.placement_id}",
            )
        )
    return refusals
