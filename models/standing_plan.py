"""The standing plan: the cohort plan the system keeps itself, the only source of prices.

One-at-a-time suggestions subtract a scarcity price per placement (matcher.value). Those
prices come from a plan over *everyone waiting* (active participants without a booking)
and *all open capacity*, solved by the system off the request path
(api/standing_plan.py), never from a coordinator's plan: a coordinator's plan is a
proposal (a what-if) until applied, and must not change other people's lists.

Each solve appends a row; the newest row younger than :data:`STANDING_MAX_AGE` is the
one that prices (older rows are history, so a price shown in a list can be traced).
The row also records what it was solved against (the catalog's change counters, the
caseload's revision count, the scorer) so that "changed enough to solve again" can be
decided from the database alone (api/standing_plan.py ``is_due``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Field, SQLModel

from models.base import json_dict_field, timestamp_field

#: a standing plan's prices describe who waits for what only for a while; a service that
#: stops solving (no keeper running) drops back to no scarcity rather than old prices
STANDING_MAX_AGE = timedelta(days=2)


class StandingPlan(SQLModel, table=True):
    """One solve of the standing plan, with its dual prices (probability points)."""

    __tablename__ = "standing_plan"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = timestamp_field(index=True)
    planned_on: date
    trigger: str = Field(max_length=32)  # why it was solved: see api/standing_plan.py
    scorer_version: str = Field(max_length=64)  # the policy version or active model's
    catalog_version: int  # the any-change counter solved against (bookings, quotas...)
    layout_version: int  # the layout counter (which placements are open, what they ask)
    caseload_version: int  # participant revisions (every change to the caseload)
    n_participants: int  # waiting participants planned
    n_placements: int  # open placements
    n_assigned: int
    objective: float
    solver_seconds: float
    placement_prices: dict = json_dict_field()  # placement id (str) -> price, non-zero only
    department_prices: dict = json_dict_field()  # department id (str) -> price
    # participant id (str) -> the placement id the plan gives them: their suggestions put
    # it first among the items it ties with at these prices (matcher.ranking.prefer)
    picks: dict = json_dict_field()


class StandingPlanPublic(SQLModel):
    """What the CLI and the ops view show of a standing plan."""

    id: int
    created_at: datetime
    planned_on: date
    trigger: str
    scorer_version: str
    n_participants: int
    n_placements: int
    n_assigned: int
    objective: float
    solver_seconds: float
    n_priced: int = Field(description="placements and departments with a non-zero price")

    @classmethod
    def of(cls, plan: StandingPlan) -> StandingPlanPublic:
        return cls(
            **plan.model_dump(exclude={"placement_prices", "department_prices", "picks"}),
            n_priced=len(plan.placement_prices) + len(plan.department_prices),
        )
