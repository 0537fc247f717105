"""The model registry, its activation log, and stored replay reports.

A learned model is a row of coefficients with where it came from: the training window
and cut, the factor features (in order) and the policy whose feature definitions
computed them, held-out metrics and the comparison with the policy in use, and who
trained it. At most one model is ``active``; suggestions use it instead of the hand
weights. Only an admin activates (the route checks the role), and every activation is
appended to :class:`ActivationLog` with the version it replaced. Activating ``policy``
returns to the hand-weighted policy.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlmodel import Field, Session, SQLModel

from models.base import json_dict_field, json_list_field, timestamp_field

if TYPE_CHECKING:  # scikit-learn loads with the first scorer, not with the tables
    from matcher.learned import LearnedScorer
    from matcher.scorer import PolicyScorer

POLICY = "policy"  # the name of the hand-weighted policy in scorer choices and activations
CALIBRATED_POLICY = "calibrated policy"  # params["model"] of a calibration of the hand policy


class ModelStatus(StrEnum):
    candidate = "candidate"
    active = "active"
    retired = "retired"


class ModelVersion(SQLModel, table=True):
    """One trained scorer. ``params`` holds ``coef`` (per factor), ``intercept`` and ``C``."""

    id: int | None = Field(default=None, primary_key=True)
    version: str = Field(max_length=64, unique=True, index=True)
    status: ModelStatus = Field(default=ModelStatus.candidate, index=True)
    created_at: datetime = timestamp_field()
    trained_by: int | None = Field(default=None, foreign_key="user.id")
    train_from: datetime | None = timestamp_field(nullable=True, default=False)
    train_to: datetime | None = timestamp_field(nullable=True, default=False)
    cut: datetime = timestamp_field(default=False)
    horizon_days: int
    features: list[str] = json_list_field()
    feature_policy_version: str = Field(max_length=64)
    params: dict = json_dict_field()
    metrics: dict = json_dict_field()


class ActivationLog(SQLModel, table=True):
    """Who switched which scorer on, when, and what it replaced (append-only)."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = timestamp_field(index=True)
    by: int = Field(foreign_key="user.id")
    version: str = Field(max_length=64)
    previous: str = Field(max_length=64)


class ReplayRun(SQLModel, table=True):
    """A stored replay report (aggregates only: no participant appears in it)."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = timestamp_field(index=True)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    window_from: datetime = timestamp_field(default=False)
    window_to: datetime = timestamp_field(default=False)
    scorer: str = Field(max_length=64)
    k: int
    report: dict = json_dict_field()


def add_model_version(session: Session, **fields) -> ModelVersion:
    row = ModelVersion(**fields)
    session.add(row)
    session.flush()
    return row


def scorer_of(row: ModelVersion) -> LearnedScorer | PolicyScorer:
    """The fitted scorer a registry row describes: a learned model, or the hand policy
    with a fitted intercept and scale (``params["model"] == CALIBRATED_POLICY``).

    A learned model predicts from the prediction factors only; a model stored by an
    older version with coefficients for the policy adjustments (priority, capacity,
    scarcity) keeps its prediction coefficients and drops those, so activating it never
    switches an adjustment off.
    """
    from matcher.factor_registry import PREDICTORS
    from matcher.learned import LearnedScorer
    from matcher.scorer import PolicyScorer

    params = row.params
    n = int(params.get("n_outcomes", row.metrics.get("n_train", 0) if row.metrics else 0))
    if params.get("model") == CALIBRATED_POLICY:
        return PolicyScorer(
            weights=tuple(params["weights"]),
            intercept=float(params["intercept"]),
            scale=float(params["scale"]),
            calibration_n=n,
        )
    coef = dict(zip(row.features, params["coef"], strict=True))
    return LearnedScorer.from_coefficients(
        [float(coef.get(name, 0.0)) for name in PREDICTORS],
        params["intercept"],
        C=params.get("C", 1.0),
        n_outcomes=n,
        department_effect=params.get("department_effect"),
    )


def store_replay(session: Session, **fields) -> ReplayRun:
    row = ReplayRun(**fields)
    session.add(row)
    session.flush()
    return row
