"""Shared column helpers and the clock."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Column
from sqlalchemy import DateTime as SADateTime
from sqlmodel import Field


def utcnow() -> datetime:
    """Aware UTC now; every timestamp Platsa stores is UTC."""
    return datetime.now(UTC)


def json_list_field() -> list:
    """A list stored as one JSON column (skills, interests): read whole, never queried inside."""
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


def json_dict_field() -> dict:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


def timestamp_field(*, index: bool = False, nullable: bool = False, default: bool = True):
    """A timezone-aware timestamp column (stored UTC on both SQLite and PostgreSQL)."""
    return Field(
        default_factory=utcnow if default else None,
        sa_column=Column(SADateTime(timezone=True), nullable=nullable, index=index),
    )
