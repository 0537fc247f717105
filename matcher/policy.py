"""Scoring policies: versioned weights and thresholds read from TOML.

A policy is data a municipality can change without code: copy
``matcher/policies/default.toml``, change numbers, bump ``version``. Every key is
documented in that file; the meaning of each feature is in :mod:`matcher.factors` and
the factors themselves are declared in :mod:`matcher.factor_registry`.
Unknown or missing keys raise ``ValueError`` naming them, so a typo never silently
leaves the default in place.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from matcher.factor_registry import ADJUSTMENTS, DEFAULT_WEIGHTS, FACTORS, PREDICTORS

DEFAULT_POLICY_PATH = Path(__file__).parent / "policies" / "default.toml"


@dataclass(frozen=True, slots=True)
class Weights:
    """One weight per registered factor (all >= 0).

    A prediction factor's weight is a log-odds effect per feature unit; an adjustment's
    is probability points per feature unit (see :mod:`matcher.factor_registry`). Read a
    weight as an attribute (``weights.skills``) or by name.
    """

    values: Mapping[str, float]

    def __getattr__(self, name: str) -> float:
        try:
            return object.__getattribute__(self, "values")[name]
        except KeyError:
            raise AttributeError(name) from None

    def as_array(self, names: tuple[str, ...] = FACTORS) -> np.ndarray:
        """The weights of ``names`` (default every factor, in column order), float64."""
        return np.array([self.values[name] for name in names], dtype=np.float64)

    def as_dict(self) -> dict[str, float]:
        return {name: float(self.values[name]) for name in FACTORS}


@dataclass(frozen=True, slots=True)
class ScalePolicy:
    """The prediction's log-odds before any calibration: ``prior_intercept + 1 * score``."""

    prior_intercept: float


@dataclass(frozen=True, slots=True)
class SkillsPolicy:
    required_weight: float
    useful_weight: float
    broader_credit: float
    sibling_credit: float
    empty_coverage: float


@dataclass(frozen=True, slots=True)
class InterestsPolicy:
    decay: float
    max_ranked: int


@dataclass(frozen=True, slots=True)
class LanguagePolicy:
    shortfall_exponent: float
    tolerance: int
    practice_tolerance: int
    practice_free_steps: int
    well_above_steps: int
    well_above_bonus: float


@dataclass(frozen=True, slots=True)
class SupportPolicy:
    required_supervision: tuple[int, int, int, int, int]
    max_missing_steps: int


@dataclass(frozen=True, slots=True)
class PriorityPolicy:
    assistance_share: float
    assistance_cap_months: float
    no_job_cap_months: float


@dataclass(frozen=True, slots=True)
class CommutePolicy:
    free_km: float
    km_unit: float
    cap_km: float


@dataclass(frozen=True, slots=True)
class HoursPolicy:
    hours_unit: float


@dataclass(frozen=True, slots=True)
class CapacityPolicy:
    below_minimum_boost: float
    slack_bonus: float
    slack_cap: int


@dataclass(frozen=True, slots=True)
class EligibilityPolicy:
    """When a placement counts as open: from ``book_ahead_days`` days before its start."""

    book_ahead_days: int


@dataclass(frozen=True, slots=True)
class Policy:
    """A versioned scoring policy (see ``matcher/policies/default.toml`` for every key)."""

    version: str
    scale: ScalePolicy
    weights: Weights
    skills: SkillsPolicy
    interests: InterestsPolicy
    language: LanguagePolicy
    support: SupportPolicy
    priority: PriorityPolicy
    commute: CommutePolicy
    hours: HoursPolicy
    capacity: CapacityPolicy
    eligibility: EligibilityPolicy

    @property
    def book_ahead_days(self) -> int:
        """Days before its start a placement is suggested and can be booked (>= 0)."""
        return self.eligibility.book_ahead_days

    def with_weights(self, **weights: float) -> Policy:
        """A copy with some weights changed (the version is kept; bump it if you save)."""
        unknown = sorted(set(weights) - set(FACTORS))
        if unknown:
            raise TypeError(f"unknown factors {unknown}")
        return replace(self, weights=Weights({**self.weights.values, **weights}))

    @property
    def prediction_weights(self) -> np.ndarray:
        """Log-odds per feature unit of each prediction factor (PREDICTORS order)."""
        return self.weights.as_array(PREDICTORS)

    @property
    def adjustment_weights(self) -> np.ndarray:
        """Probability points per feature unit of each adjustment (ADJUSTMENTS order)."""
        return self.weights.as_array(ADJUSTMENTS)


_SECTIONS: dict[str, type] = {
    "scale": ScalePolicy,
    "skills": SkillsPolicy,
    "interests": InterestsPolicy,
    "language": LanguagePolicy,
    "support": SupportPolicy,
    "priority": PriorityPolicy,
    "commute": CommutePolicy,
    "hours": HoursPolicy,
    "capacity": CapacityPolicy,
    "eligibility": EligibilityPolicy,
}


def _section(name: str, cls: type, raw: Any) -> Any:
    if not isinstance(raw, Mapping):
        raise ValueError(f"policy section [{name}] is missing or not a table")
    wanted = {f.name: f.type for f in fields(cls)}
    unknown = sorted(set(raw) - set(wanted))
    missing = sorted(set(wanted) - set(raw))
    if unknown or missing:
        raise ValueError(f"policy section [{name}]: unknown keys {unknown}, missing keys {missing}")
    values = {}
    for key, kind in wanted.items():
        value = raw[key]
        if kind == "int":
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"policy key {name}.{key} must be an integer, got {value!r}")
        elif kind == "float":
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ValueError(f"policy key {name}.{key} must be a number, got {value!r}")
            value = float(value)
        else:  # the only tuple: support.required_supervision
            value = tuple(int(v) for v in value)
        values[key] = value
    return cls(**values)


def _weights(raw: Any) -> Weights:
    """The [weights] table: known factors only; a factor it does not name gets the
    registry's default weight (so adding a factor does not break every policy file)."""
    if not isinstance(raw, Mapping):
        raise ValueError("policy section [weights] is missing or not a table")
    unknown = sorted(set(raw) - set(FACTORS))
    if unknown:
        raise ValueError(f"policy section [weights]: unknown factors {unknown}")
    values = dict(DEFAULT_WEIGHTS)
    for key, value in raw.items():
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ValueError(f"policy key weights.{key} must be a number, got {value!r}")
        values[key] = float(value)
    return Weights(values)


def _validate(policy: Policy) -> None:
    problems = [f"weights.{k} < 0" for k, v in policy.weights.as_dict().items() if v < 0]
    s = policy.skills
    if not 0 <= s.sibling_credit <= 1 or not 0 <= s.broader_credit <= 1:
        problems.append("skills credits must lie in 0..1")
    if s.required_weight <= 0 or s.useful_weight < 0:
        problems.append("skills.required_weight must be > 0 and useful_weight >= 0")
    if not 0 < policy.interests.decay <= 1 or policy.interests.max_ranked < 1:
        problems.append("interests.decay must lie in (0, 1] and max_ranked >= 1")
    lang = policy.language
    if lang.shortfall_exponent < 1 or lang.tolerance < 0 or lang.well_above_steps < 1:
        problems.append("language: shortfall_exponent >= 1, tolerance >= 0, well_above_steps >= 1")
    if not 0 <= lang.practice_free_steps <= lang.practice_tolerance or (
        lang.practice_tolerance < lang.tolerance
    ):
        problems.append("language: 0 <= practice_free_steps <= practice_tolerance, >= tolerance")
    if lang.well_above_bonus < 0:
        problems.append("language.well_above_bonus must be >= 0")
    needed = policy.support.required_supervision
    if len(needed) != 5 or list(needed) != sorted(needed) or not all(1 <= n <= 3 for n in needed):
        problems.append("support.required_supervision: five non-decreasing levels in 1..3")
    if policy.support.max_missing_steps < 0:
        problems.append("support.max_missing_steps must be >= 0")
    p = policy.priority
    if not 0 <= p.assistance_share <= 1 or p.assistance_cap_months <= 0 or p.no_job_cap_months <= 0:
        problems.append("priority: share in 0..1 and positive caps")
    c = policy.commute
    if c.free_km < 0 or c.km_unit <= 0 or c.cap_km < c.free_km:
        problems.append("commute: free_km >= 0, km_unit > 0, cap_km >= free_km")
    if policy.hours.hours_unit <= 0:
        problems.append("hours.hours_unit must be > 0")
    cap = policy.capacity
    if cap.slack_cap < 1 or cap.slack_bonus < 0 or cap.below_minimum_boost < 0:
        problems.append("capacity: slack_cap >= 1, boosts >= 0")
    if policy.eligibility.book_ahead_days < 0:
        problems.append("eligibility.book_ahead_days must be >= 0")
    if problems:
        raise ValueError(f"invalid policy {policy.version!r}: " + "; ".join(problems))


def policy_from_mapping(raw: Mapping[str, Any]) -> Policy:
    """Build and validate a policy from parsed TOML (``ValueError`` names what is wrong)."""
    unknown = sorted(set(raw) - {"version", "weights", *_SECTIONS})
    if unknown:
        raise ValueError(f"unknown policy sections or keys: {unknown}")
    version = raw.get("version")
    if not isinstance(version, str) or not version:
        raise ValueError("policy needs a non-empty string `version`")
    sections = {name: _section(name, cls, raw.get(name)) for name, cls in _SECTIONS.items()}
    policy = Policy(version=version, weights=_weights(raw.get("weights")), **sections)
    _validate(policy)
    return policy


def load_policy(path: str | Path | None = None) -> Policy:
    """Read a policy TOML file; without a path, the shipped default policy."""
    with open(DEFAULT_POLICY_PATH if path is None else path, "rb") as handle:
        return policy_from_mapping(tomllib.load(handle))
