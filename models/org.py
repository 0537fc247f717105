"""Units, users, departments and their quotas."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import model_validator
from sqlmodel import Field, SQLModel

from models.base import timestamp_field
from models.strict_input import Prose, StrictInput


class Role(StrEnum):
    caseworker = "caseworker"
    coordinator = "coordinator"
    evaluator = "evaluator"
    admin = "admin"


class DepartmentKind(StrEnum):
    department = "department"  # förvaltning
    company = "company"  # kommunalt bolag


class UnitBase(SQLModel):
    code: str = Field(min_length=1, max_length=32, unique=True, index=True)
    name: str = Field(min_length=1, max_length=200)


class Unit(UnitBase, table=True):
    """A caseworkers' unit; a caseworker sees only participants owned by their unit."""

    id: int | None = Field(default=None, primary_key=True)


class UnitPublic(UnitBase):
    id: int


class User(SQLModel, table=True):
    """A person (or service account) with one role in one unit. Only the token's hash is kept."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    role: Role
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    is_person: bool = True  # False for service accounts, which may never accept a placement
    token_hash: str = Field(max_length=64, unique=True, index=True)
    active: bool = True
    created_at: datetime = timestamp_field()


class UserPublic(SQLModel):
    id: int
    username: str
    role: Role
    unit_id: int | None
    is_person: bool
    active: bool


class DepartmentBase(SQLModel):
    code: str = Field(min_length=1, max_length=32, unique=True, index=True)
    name: str = Field(min_length=1, max_length=200)
    kind: DepartmentKind = DepartmentKind.department


class Department(DepartmentBase, table=True):
    id: int | None = Field(default=None, primary_key=True)


class DepartmentCreate(StrictInput, DepartmentBase):
    pass


class DepartmentUpdate(StrictInput):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: DepartmentKind | None = None


class DepartmentPublic(DepartmentBase):
    id: int


class QuotaBase(SQLModel):
    department_id: int = Field(foreign_key="department.id", index=True)
    period_start: date
    period_end: date
    min_headcount: int = Field(default=0, ge=0, le=100_000)
    max_headcount: int = Field(ge=0, le=100_000)

    @model_validator(mode="after")
    def _check_bounds(self):
        if self.period_end < self.period_start:
            raise ValueError("period_end must not be before period_start")
        if self.min_headcount > self.max_headcount:
            raise ValueError("min_headcount must not exceed max_headcount")
        return self


class Quota(QuotaBase, table=True):
    """A department's promise for one period. ``booked`` is kept by the booking code only."""

    id: int | None = Field(default=None, primary_key=True)
    booked: int = Field(default=0, ge=0)
    version: int = 1
    updated_at: datetime = timestamp_field()


class QuotaCreate(StrictInput, QuotaBase):
    pass


class QuotaUpdate(SQLModel):
    min_headcount: int | None = Field(default=None, ge=0, le=100_000)
    max_headcount: int | None = Field(default=None, ge=0, le=100_000)
    reason: Prose | None = Field(
        default=None, max_length=500, description="why it changed; kept in the quota's history"
    )


class QuotaPublic(QuotaBase):
    id: int
    booked: int
    version: int
    updated_at: datetime
