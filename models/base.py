"""Shared column helpers (the clock is :mod:`models.clock`)."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import JSON, Column
from sqlalchemy import DateTime as SADateTime
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field

from models.clock import utcnow


def json_list_field() -> list:
    """A list stored as one JSON column (skills, interests): read whole, never queried inside."""
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


def json_dict_field() -> dict:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class UTCDateTime(TypeDecorator):
    """A timezone-aware timestamp that always reads back as aware UTC.

    SQLite keeps no zone, so without this a row read back from SQLite has a naive
    datetime and the API would answer ``2026-01-01T10:00:00`` (not RFC 3339) where
    PostgreSQL answers ``...+00:00``. Values are stored in UTC on both databases.
    """

    impl = SADateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def timestamp_field(*, index: bool = False, nullable: bool = False, default: bool = True):
    """A timezone-aware timestamp column (stored UTC on both SQLite and PostgreSQL)."""
    return Field(
        default_factory=utcnow if default else None,
        sa_column=Column(UTCDateTime(timezone=True), nullable=nullable, index=index),
    )
