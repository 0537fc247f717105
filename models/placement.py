"""Placements: one position in a department or company."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import field_validator, model_validator
from sqlmodel import Field, SQLModel

from matcher.language import language_label, normalise_language_level
from models.base import json_list_field, timestamp_field
from models.strict_input import StrictInput


class PlacementBase(SQLModel):
    department_id: int = Field(foreign_key="department.id", index=True)
    title: str = Field(min_length=1, max_length=200)
    work_area: str = Field(foreign_key="skillconcept.id", max_length=64)
    min_language_level: int = Field(default=0, ge=0, le=6)
    language_practice: bool = False
    supervision: int = Field(default=2, ge=1, le=3)
    slots: int = Field(ge=1, le=10_000)
    hours_per_week: int = Field(ge=1, le=40)
    min_hours: int | None = Field(
        default=None,
        ge=1,
        le=40,
        description="the lowest part-time hours a week accepted; none: only hours_per_week",
    )
    site_lat: float = Field(ge=-90, le=90)
    site_lon: float = Field(ge=-180, le=180)
    type_code: str = Field(foreign_key="placementtype.code", max_length=64)
    start_date: date
    end_date: date | None = None
    #: the municipality's own reference for the placement (optional; history imports
    #: name placements by it)
    ref: str | None = Field(
        default=None,
        min_length=1,
        max_length=32,
        unique=True,
        index=True,
        schema_extra={"pattern": r"^[A-Za-z0-9-]+$"},
    )


class Placement(PlacementBase, table=True):
    """An open or closed placement. ``booked`` is changed only by booking and withdrawal."""

    id: int | None = Field(default=None, primary_key=True)
    required_skills: list[str] = json_list_field()
    useful_skills: list[str] = json_list_field()
    is_open: bool = Field(default=True, index=True)
    booked: int = Field(default=0, ge=0)
    version: int = 1
    updated_at: datetime = timestamp_field()


class PlacementCreate(StrictInput, PlacementBase):
    required_skills: list[str] = Field(default_factory=list, max_length=50)
    useful_skills: list[str] = Field(default_factory=list, max_length=50)
    min_language_level: int | str = Field(
        default=0, description="CEFR A1-C2, SFI A-D, NONE, or the 0..6 level"
    )

    @field_validator("min_language_level", mode="before")
    @classmethod
    def _normalise_level(cls, value):
        return _language_level(value)

    @model_validator(mode="after")
    def _check_dates(self):
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        if self.min_hours is not None and self.min_hours > self.hours_per_week:
            raise ValueError("min_hours must not be more than hours_per_week")
        return self


class PlacementUpdate(StrictInput):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    required_skills: list[str] | None = Field(default=None, max_length=50)
    useful_skills: list[str] | None = Field(default=None, max_length=50)
    min_language_level: int | str | None = None
    language_practice: bool | None = None
    supervision: int | None = Field(default=None, ge=1, le=3)
    slots: int | None = Field(default=None, ge=1, le=10_000)
    hours_per_week: int | None = Field(default=None, ge=1, le=40)
    min_hours: int | None = Field(default=None, ge=1, le=40)
    end_date: date | None = None
    is_open: bool | None = None

    @field_validator("min_language_level", mode="before")
    @classmethod
    def _normalise_level(cls, value):
        return None if value is None else _language_level(value)


class PlacementPublic(PlacementBase):
    id: int
    required_skills: list[str]
    useful_skills: list[str]
    min_language_label: str
    is_open: bool
    booked: int
    remaining_slots: int
    version: int
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Placement) -> PlacementPublic:
        return cls.model_validate(
            row,
            update={
                "min_language_label": language_label(row.min_language_level),
                "remaining_slots": max(row.slots - row.booked, 0),
            },
        )


def _language_level(value: int | str) -> int:
    if isinstance(value, bool):
        raise ValueError("language level must be a level name or 0..6")
    if isinstance(value, int):
        if not 0 <= value <= 6:
            raise ValueError("language level must be between 0 and 6")
        return value
    if isinstance(value, str):
        return normalise_language_level(value)
    raise ValueError("language level must be a level name or 0..6")
