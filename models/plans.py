"""Cohort plans: a proposal placing many participants at once, its rows, and its application.

A plan is stored when it is made, with the options, the solver's figures and the dual
prices, and is only a proposal: coordinators drop or change rows (a changed row is marked
``edited``, and so is the plan), then apply it once, which books every remaining row in
one transaction (:func:`api.services.plans.apply`).

Prices
------
``placement_prices[j]`` and ``department_prices[d]`` are the plan's dual prices: what
one more booking of placement ``j`` (or one more place in department ``d``'s quota) would
cost the rest of the cohort, in weighted value units. Only non-zero prices are stored,
for the coordinator to read. They never price anyone's suggestions: a coordinator's plan
is a proposal (a what-if) until applied; the suggestions' scarcity prices come only from
the system's standing plan (models/standing_plan.py).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import ConfigDict, field_validator
from pydantic import Field as PydField
from sqlmodel import Field, Session, SQLModel

from models.base import json_dict_field, timestamp_field
from models.strict_input import INT_MAX, StrictInput

#: a 32-bit id column value
RowId = Annotated[int, PydField(ge=1, le=INT_MAX)]


class PlanStatus(StrEnum):
    proposed = "proposed"
    applied = "applied"


class PlanOptions(StrictInput):
    """How the plan trades off: see ``matcher.plan_model`` for the weight's definition."""

    priority_weight: float = Field(
        default=0.0,
        ge=0.0,
        le=10.0,
        description="weight_i = 1 + priority_weight * (support_need_i - 1) / 4: 1 doubles "
        "the value of a placement for those furthest from the labour market",
    )
    min_probability: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="the plan's stated minimum: a pair whose predicted probability of a "
        "successful placement (0..1, before the policy adjustments) is below it is never "
        "assigned; otherwise everyone who can be placed is placed (None: no minimum)",
    )
    candidates_per_participant: int = Field(
        default=50,
        ge=1,
        le=1000,
        description="solve on each participant's best N eligible pairs; pairs left out are "
        "priced with the plan's duals and added back when they could improve it, so the "
        "plan is optimal for all eligible pairs",
    )


class PlanForParticipants(StrictInput):
    """Plan these participants (those already placed or inactive are listed, not planned)."""

    model_config = ConfigDict(extra="forbid")
    participant_ids: list[RowId] = Field(
        min_length=1, max_length=20_000, schema_extra={"uniqueItems": True}
    )
    options: PlanOptions = Field(default_factory=PlanOptions)

    @field_validator("participant_ids")
    @classmethod
    def _unique(cls, ids: list[int]) -> list[int]:
        if len(set(ids)) != len(ids):
            raise ValueError("participant_ids must not repeat")
        return ids


class PlanForUnit(StrictInput):
    """Plan every active participant of the unit who holds no booking."""

    model_config = ConfigDict(extra="forbid")
    unit_id: RowId
    options: PlanOptions = Field(default_factory=PlanOptions)


#: the body of POST /plans: a list of participants, or a unit (exactly one)
PlanCreate = PlanForParticipants | PlanForUnit


class Plan(SQLModel, table=True):
    """One cohort plan as proposed (and, once, applied)."""

    id: int | None = Field(default=None, primary_key=True)
    status: PlanStatus = Field(default=PlanStatus.proposed, index=True)
    edited: bool = False
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    planned_on: date
    options: dict = json_dict_field()
    policy_version: str = Field(max_length=64)
    catalog_version: int
    solver: str = Field(max_length=32)
    solver_seconds: float
    total_score: float
    objective: float
    n_participants: int
    n_assigned: int
    shortfalls: dict = json_dict_field()  # department id (str) -> bookings short
    placement_prices: dict = json_dict_field()  # placement id (str) -> price
    department_prices: dict = json_dict_field()  # department id (str) -> price
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = timestamp_field(index=True)
    applied_by: int | None = Field(default=None, foreign_key="user.id")
    applied_at: datetime | None = timestamp_field(nullable=True, default=False)


class PlanRow(SQLModel, table=True):
    """One participant of a plan: the proposed placement, or why there is none.

    ``reason`` is the solver's (``no_eligible_placement``, ``below_min_probability``,
    ``capacity``) or the planner's (``already_placed``, ``inactive``). For ``capacity``,
    ``taken`` says who got the places: ``{"participant_ids": [...], "placement_ids": [...]}``
    (the plan's participants booked into the usable placements, or into their department
    when its quota ran out, and those placements).
    """

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    placement_id: int | None = Field(default=None, foreign_key="placement.id")
    department_id: int | None = Field(default=None, foreign_key="department.id")
    score: float | None = None
    contributions: dict = json_dict_field()
    reason: str | None = Field(default=None, max_length=64)
    taken: dict = json_dict_field()
    dropped: bool = False
    edited: bool = False
    match_id: int | None = Field(default=None, foreign_key="match.id")


class PlanRowPublic(SQLModel):
    id: int
    participant_id: int
    placement_id: int | None
    department_id: int | None
    score: float | None
    contributions: dict[str, float]
    reason: str | None
    taken_by: list[int] = Field(
        default_factory=list,
        description="for reason 'capacity': the plan's participants given the places",
    )
    taken_places: list[int] = Field(
        default_factory=list,
        description="for reason 'capacity': the usable placements that were taken",
    )
    dropped: bool
    edited: bool
    match_id: int | None

    @classmethod
    def from_row(cls, row: PlanRow) -> PlanRowPublic:
        taken = row.taken or {}
        return cls.model_validate(
            row,
            update={
                "taken_by": list(taken.get("participant_ids", [])),
                "taken_places": list(taken.get("placement_ids", [])),
            },
        )


class Shortfall(SQLModel):
    department_id: int
    short_by: int = Field(description="bookings still missing to reach the promised minimum")


class PlanSummary(SQLModel):
    id: int
    status: PlanStatus
    edited: bool
    unit_id: int | None
    planned_on: date
    options: PlanOptions
    policy_version: str
    solver: str
    solver_seconds: float
    total_score: float
    objective: float
    n_participants: int
    n_assigned: int
    shortfalls: list[Shortfall]
    created_by: int | None
    created_at: datetime
    applied_by: int | None
    applied_at: datetime | None

    @classmethod
    def from_row(cls, plan: Plan) -> PlanSummary:
        return cls.model_validate(plan, update=_summary_fields(plan))


class PlanPublic(PlanSummary):
    rows: list[PlanRowPublic] = Field(description="participants with a proposed placement")
    unassigned: list[PlanRowPublic] = Field(description="participants left out, with reason")

    @classmethod
    def build(cls, plan: Plan, rows: list[PlanRow]) -> PlanPublic:
        assigned = [PlanRowPublic.from_row(r) for r in rows if r.placement_id is not None]
        left = [PlanRowPublic.from_row(r) for r in rows if r.placement_id is None]
        return cls.model_validate(
            plan, update={**_summary_fields(plan), "rows": assigned, "unassigned": left}
        )


class PlanPrices(SQLModel):
    plan_id: int
    placement_prices: dict[int, float]
    department_prices: dict[int, float]


class DropRow(StrictInput):
    """Take a row out of the plan (it stays listed, marked ``dropped``)."""

    model_config = ConfigDict(extra="forbid")
    row_id: RowId
    drop: Literal[True]


class MoveRow(StrictInput):
    """Give the row's participant this placement instead (re-checked for eligibility)."""

    model_config = ConfigDict(extra="forbid")
    row_id: RowId
    placement_id: RowId


PlanRowEdit = DropRow | MoveRow


class PlanRowsEdit(SQLModel):
    edits: list[PlanRowEdit] = Field(min_length=1, max_length=1000)


def _summary_fields(plan: Plan) -> dict:
    shortfalls = [
        Shortfall(department_id=int(d), short_by=int(n))
        for d, n in sorted(plan.shortfalls.items(), key=lambda kv: int(kv[0]))
    ]
    # a plan stored before an option was renamed (min_score) shows the options it still has
    known = {k: v for k, v in plan.options.items() if k in PlanOptions.model_fields}
    return {"options": PlanOptions.model_validate(known), "shortfalls": shortfalls}


# --- repository ---------------------------------------------------------------------------


def save_plan(session: Session, plan: Plan, rows: list[PlanRow]) -> Plan:
    """Store a plan and its rows (flushes to get ids)."""
    session.add(plan)
    session.flush()
    for row in rows:
        row.plan_id = plan.id
        session.add(row)
    session.flush()
    return plan


def plan_prices(plan: Plan) -> tuple[dict[int, float], dict[int, float]]:
    placement = {int(k): float(v) for k, v in plan.placement_prices.items()}
    department = {int(k): float(v) for k, v in plan.department_prices.items()}
    return placement, department
