"""Participants: pseudonymous, and only what matching needs.

No name and no personal identity number are stored: ``ref`` is the case reference the
unit already uses. Health details are reduced to ``max_hours``; migration details to
the ``newcomer`` flag. Home coordinates are rounded to two decimals (about 1 km),
enough for commute distance and no more.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema
from sqlmodel import Field, SQLModel

from matcher.language import entered_label, language_label
from models.base import json_list_field, timestamp_field
from models.placement import _language_level
from models.strict_input import INT_MAX, StrictInput


class Gender(StrEnum):
    female = "F"
    male = "M"
    other = "X"


class ParticipantBase(SQLModel):
    ref: str = Field(
        min_length=1,
        max_length=32,
        unique=True,
        index=True,
        schema_extra={"pattern": r"^[A-Za-z0-9-]+$"},
    )
    birth_year: int = Field(ge=1940, le=2015)
    gender: Gender
    language_level: int = Field(default=0, ge=0, le=6)
    support_need: int = Field(ge=1, le=5)
    assistance_start: date
    last_job_end: date | None = None
    education_level: int = Field(default=1, ge=0, le=3)
    newcomer: bool = False
    parent: bool = False
    home_lat: float = Field(ge=-90, le=90)
    home_lon: float = Field(ge=-180, le=180)
    max_hours: int = Field(default=40, ge=1, le=40)


class Participant(ParticipantBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # the level as the caseworker entered it ("SFI C"), shown beside the CEFR value
    language_entered: str | None = Field(default=None, max_length=16)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    skills: list[str] = json_list_field()
    interests: list[str] = json_list_field()
    active: bool = True
    version: int = 1
    registered_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


def _round_coordinate(value: float) -> float:
    return round(float(value), 2)


def _entered(data):
    """Keep the language level as entered (``language_entered``) before it is normalised."""
    if isinstance(data, dict) and "language_level" in data:
        data = {k: v for k, v in data.items() if k != "language_entered"}
        level = data["language_level"]
        try:
            if isinstance(level, str):
                data["language_entered"] = entered_label(level)
            elif isinstance(level, int) and not isinstance(level, bool) and 0 <= level <= 6:
                data["language_entered"] = language_label(level)
        except ValueError:
            pass  # language_level's own validator names the problem
    return data


_ENTERED = Field(
    default=None,
    max_length=16,
    description="set from language_level as entered (e.g. 'SFI C'); a value sent is replaced",
)


class ParticipantCreate(StrictInput, ParticipantBase):
    skills: list[str] = Field(default_factory=list, max_length=100)
    interests: list[str] = Field(
        default_factory=list, max_length=10, description="work areas, most wanted first"
    )
    language_level: int | str = Field(
        default=0, description="CEFR A1-C2, SFI A-D, NONE, or the 0..6 level"
    )
    unit_id: int | None = Field(
        default=None,
        ge=1,
        le=INT_MAX,
        description="owning unit; a caseworker's own unit when omitted",
    )
    language_entered: SkipJsonSchema[str | None] = _ENTERED

    _keep_entered = model_validator(mode="before")(classmethod(lambda cls, v: _entered(v)))

    _level = field_validator("language_level", mode="before")(
        classmethod(lambda cls, v: _language_level(v))
    )
    _coords = field_validator("home_lat", "home_lon", mode="after")(
        classmethod(lambda cls, v: _round_coordinate(v))
    )


class ParticipantUpdate(StrictInput):
    skills: list[str] | None = Field(default=None, max_length=100)
    interests: list[str] | None = Field(default=None, max_length=10)
    language_level: int | str | None = None
    support_need: int | None = Field(default=None, ge=1, le=5)
    last_job_end: date | None = None
    education_level: int | None = Field(default=None, ge=0, le=3)
    newcomer: bool | None = None
    parent: bool | None = None
    home_lat: float | None = Field(default=None, ge=-90, le=90)
    home_lon: float | None = Field(default=None, ge=-180, le=180)
    max_hours: int | None = Field(default=None, ge=1, le=40)
    active: bool | None = None
    language_entered: SkipJsonSchema[str | None] = _ENTERED

    _keep_entered = model_validator(mode="before")(classmethod(lambda cls, v: _entered(v)))

    _level = field_validator("language_level", mode="before")(
        classmethod(lambda cls, v: None if v is None else _language_level(v))
    )
    _coords = field_validator("home_lat", "home_lon", mode="after")(
        classmethod(lambda cls, v: None if v is None else _round_coordinate(v))
    )


class ParticipantPublic(ParticipantBase):
    id: int
    unit_id: int
    skills: list[str]
    interests: list[str]
    language_label: str
    language_entered: str | None = None
    active: bool
    version: int
    registered_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Participant) -> ParticipantPublic:
        return cls.model_validate(
            row, update={"language_label": language_label(row.language_level)}
        )
