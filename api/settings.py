"""Service configuration, read from PLATSA_* environment variables (or a .env file)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.db import normalise_url


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
