"""The skills taxonomy and the placement types with their eligibility rules as data."""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import Field, SQLModel

from models.strict_input import StrictInput


class ConceptKind(StrEnum):
    occupation = "occupation"  # SSYK-style occupation or a work area
    competence = "competence"
    local = "local"  # a municipality's own term


class SkillConceptBase(SQLModel):
    id: str = Field(
        primary_key=True,
        min_length=1,
        max_length=64,
        schema_extra={"pattern": r"^[A-Za-z0-9_.:-]+$"},
    )
    label_sv: str = Field(min_length=1, max_length=200)
    broader_id: str | None = Field(default=None, foreign_key="skillconcept.id", max_length=64)
    kind: ConceptKind = ConceptKind.competence


class SkillConcept(SkillConceptBase, table=True):
    """One concept; ``broader_id`` links it to its parent, which gives partial credit."""


class SkillConceptCreate(StrictInput, SkillConceptBase):
    pass


class SkillConceptPublic(SkillConceptBase):
    pass


class PlacementTypeBase(SQLModel):
    code: str = Field(primary_key=True, min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    min_age: int | None = Field(default=None, ge=15, le=70)
    max_age: int | None = Field(default=None, ge=15, le=70)
    min_months_on_assistance: int = Field(default=0, ge=0, le=600)
    newcomer_or_long_term: bool = False
    long_term_months: int = Field(default=12, ge=0, le=600)
    meaningful_days: int | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="the shortest stay that gives this type its effect; a suggested "
        "placement with fewer days left is flagged ends_soon (none: never flagged)",
    )


class PlacementType(PlacementTypeBase, table=True):
    """A kind of placement; its rules change between years, so they are rows, not code."""


class PlacementTypeCreate(StrictInput, PlacementTypeBase):
    pass


class PlacementTypeUpdate(StrictInput):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    min_age: int | None = Field(default=None, ge=15, le=70)
    max_age: int | None = Field(default=None, ge=15, le=70)
    min_months_on_assistance: int | None = Field(default=None, ge=0, le=600)
    newcomer_or_long_term: bool | None = None
    long_term_months: int | None = Field(default=None, ge=0, le=600)
    meaningful_days: int | None = Field(default=None, ge=1, le=3650)


class PlacementTypePublic(PlacementTypeBase):
    pass
