"""Access log of participant records, idempotency keys and revision history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from models.base import json_dict_field, timestamp_field

#: JSON on SQLite, JSONB on PostgreSQL (so "which rows name participant 12" uses an index)
ID_LIST = JSON().with_variant(JSONB(), "postgresql")


class AccessLog(SQLModel, table=True):
    """Who read or changed which participant's record, when, through which route.

    One row per participant read or change (``participant_id``), or one row per list
    read (``participant_ids``: every participant the list showed), not a row for each.
    """

    __table_args__ = (
        Index(
            "ix_accesslog_participant_ids",
            "participant_ids",
            postgresql_using="gin",
            postgresql_ops={"participant_ids": "jsonb_path_ops"},
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    participant_id: int | None = Field(default=None, foreign_key="participant.id", index=True)
    at: datetime = timestamp_field(index=True)
    method: str = Field(max_length=8)
    route: str = Field(max_length=200)
    action: str = Field(max_length=8)  # read | write | refused (a 404 for this caller)
    participant_ids: list[int] | None = Field(
        default=None, sa_column=Column(ID_LIST, nullable=True)
    )
    # the hash chain (models.audit_chain): position, the previous row's hash, this row's
    seq: int | None = Field(default=None, unique=True, index=True)
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str | None = Field(default=None, max_length=64)


class IdempotencyRecord(SQLModel, table=True):
    """The first answer to a request carrying an Idempotency-Key, per user."""

    __table_args__ = (UniqueConstraint("user_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    status_code: int
    body: dict = json_dict_field()
    created_at: datetime = timestamp_field()
