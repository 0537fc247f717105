"""Service configuration, read from PLATSA_* environment variables (or a .env file)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.db import DbLimits, normalise_url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PLATSA_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/platsa.db",
        description="SQLAlchemy URL; postgres:// and postgresql:// use psycopg 3",
    )
    policy_path: Path | None = Field(
        default=None, description="scoring policy TOML; the shipped default when unset"
    )
    demo_seed: int = 7
    max_page_size: int = Field(default=200, ge=1, le=10_000)
    max_suggestions: int = Field(default=50, ge=1, le=500)
    exploration_epsilon: float = Field(
        default=0.0, ge=0.0, le=1.0, description="share of lists shown in a randomised order"
    )
    min_group_size: int = Field(
        default=10, ge=1, le=10_000, description="groups with fewer decisions show no estimate"
    )
    # A case-handling rule of the municipality, not a scoring weight: it decides which
    # placements a list leaves out, never how any pair is scored (api/services/suggestions.py)
    decline_memory_days: int = Field(
        default=90,
        ge=0,
        le=3650,
        description="a placement declined for a participant, or booked and withdrawn, is "
        "left out of their lists for this many days (0: not remembered); "
        "include_declined=true shows it anyway",
    )

    # Bounded waiting (PostgreSQL): see README "Limits". Each worker admits at most
    # db_slots requests into a transaction at once (default: the pool size), so a request
    # never waits for a connection behind others; one that gets no slot within
    # db_slot_timeout_s answers 503 with Retry-After.
    db_pool_size: int = Field(default=10, ge=1, le=200, description="connections kept open")
    db_max_overflow: int = Field(default=5, ge=0, le=200, description="extra connections")
    db_pool_timeout_s: float = Field(default=3.0, gt=0, le=60, description="wait for a connection")
    db_slots: int | None = Field(
        default=None, ge=1, le=400, description="requests in a transaction at once per worker"
    )
    db_slot_timeout_s: float = Field(default=2.0, gt=0, le=60, description="wait for a slot")
    db_statement_timeout_ms: int = Field(default=5000, ge=0, description="0 = none")
    db_lock_timeout_ms: int = Field(default=2000, ge=0, description="0 = none")
    db_idle_in_transaction_timeout_ms: int = Field(default=60_000, ge=0, description="0 = none")
    db_application_name: str = Field(default="platsa", max_length=60)
    retry_after_s: int = Field(default=2, ge=1, le=3600, description="Retry-After on 503/429")

    max_body_bytes: int = Field(
        default=5 * 1024 * 1024, ge=1024, description="larger request bodies answer 413"
    )
    body_timeout_s: float = Field(
        default=10.0, gt=0, le=600, description="a body not in within this answers 408"
    )

    # Per-user rate limits (api/rate_limit.py): per service, divided among the workers
    rate_limits: bool = Field(default=True, description="off for tests and local runs")
    rate_suggestions_per_minute: int = Field(default=120, ge=1, description="per user")
    rate_writes_per_minute: int = Field(default=120, ge=1, description="per user")
    workers: int = Field(default=1, ge=1, le=64, description="set by platsa serve --workers")

    def db_limits(self) -> DbLimits:
        return DbLimits(
            pool_size=self.db_pool_size,
            max_overflow=self.db_max_overflow,
            pool_timeout_s=self.db_pool_timeout_s,
            statement_timeout_ms=self.db_statement_timeout_ms,
            lock_timeout_ms=self.db_lock_timeout_ms,
            idle_in_transaction_timeout_ms=self.db_idle_in_transaction_timeout_ms,
            application_name=self.db_application_name,
        )

    @property
    def admitted_transactions(self) -> int:
        return self.db_slots or self.db_pool_size

    session_idle_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="a page session ends after this long unused"
    )
    session_absolute_hours: int = Field(
        default=10, ge=1, le=7 * 24, description="and after this long in any case"
    )
    sign_in_max_failures: int = Field(
        default=5, ge=1, le=1000, description="failed sign-ins per username before a pause"
    )
    sign_in_window_minutes: int = Field(
        default=15, ge=1, le=24 * 60, description="the window those failures are counted in"
    )

    @field_validator("database_url")
    @classmethod
    def _driver(cls, value: str) -> str:
        return normalise_url(value)


@cache
def get_settings() -> Settings:
    return Settings()
