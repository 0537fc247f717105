"""Model information for deployers (EU AI Act art. 13): generated, never hand-written.

Everything here is read from what runs: the active scorer from the registry and its
activation log, the inputs from the engine's own participant and placement types
(:mod:`matcher.domain`), the weights and thresholds from the loaded policy (and how they
differ from the shipped default), the figures from the newest stored replay of that
scorer. Only the purpose and the structural limitations are prose, and they describe
the product, not a release.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlmodel import Session

from matcher import Policy, load_policy
from matcher.domain import Participant as EngineParticipant
from matcher.domain import Placement as EnginePlacement
from matcher.policy import FACTORS
from matcher.replay_data import GROUP_ATTRIBUTES
from models.participant import Participant
from models.registry import ReplayRun
from models.repo_registry import active_model, latest_activation, latest_replay_of

#: groups smaller than this are suppressed in every figure by group (small-cell rule)
SMALL_CELL = 10

PURPOSE = (
    "Ranks open supported-employment placements for one participant (and participants for "
    "one placement, and whole cohorts) so that a caseworker or coordinator can discuss "
    "them with the participant and the workplace."
)
INTENDED_USE = (
    "Decision support for staff of a municipal labour-market unit. A person decides every "
    "placement; they may choose one that was not suggested (recorded as an override). Not "
    "for deciding entitlement to assistance, not for sanctions, not for ranking people "
    "against each other outside a placement decision."
)

#: participant fields the scorer must never read, and why; a test holds the engine to it
NEVER_READ = {
    "gender": "protected ground; stored only to monitor unequal treatment between groups",
    "ref": "the case reference identifies the person and says nothing about fit",
    "unit_id": "which unit owns the case must not change a person's chances",
    "education_level": "not used by any factor; kept for the caseworker's record",
    "origin": "not stored at all (country of birth, citizenship, ethnicity)",
    "health": "not stored: health is reduced to max_hours, a work-capacity figure",
}

#: engine inputs computed from a stored field (engine name -> stored field)
_DERIVED = {
    "months_on_assistance": "assistance_start",
    "months_since_last_job": "last_job_end",
}

LIMITATIONS = (
    "The scorer learns nothing from free text: needs written only in notes are invisible.",
    "A learned model reflects past decisions and outcomes, including past practice that "
    "may have been unequal; the by-group figures are there to show it.",
    "Outcome figures count only decisions whose outcome was recorded.",
    f"Groups with fewer than {SMALL_CELL} decisions are suppressed, so small groups are "
    "not monitored by these figures.",
    "Commute is straight-line distance from home coordinates rounded to about 1 km.",
)

#: replay metrics worth a deployer's reading, overall and by group
_HEADLINE = ("hit_at_1", "reciprocal_rank", "success")


def inputs_read() -> dict[str, list[str]]:
    """What the engine reads about a participant and a placement (its own field names)."""
    participant = [f.name for f in dataclasses.fields(EngineParticipant) if f.name != "id"]
    placement = [f.name for f in dataclasses.fields(EnginePlacement) if f.name != "id"]
    return {
        "participant": participant,
        "participant_stored_as": sorted({_DERIVED.get(name, name) for name in participant}),
        "placement": placement,
    }


def _flatten(policy: Policy) -> dict[str, Any]:
    out = {}
    for section in dataclasses.fields(policy):
        value = getattr(policy, section.name)
        if section.name == "weights":  # one entry per factor, not the mapping as a whole
            out.update({f"weights.{name}": w for name, w in value.as_dict().items()})
        elif dataclasses.is_dataclass(value):
            for field in dataclasses.fields(value):
                out[f"{section.name}.{field.name}"] = getattr(value, field.name)
    return out


def policy_adjustments(policy: Policy) -> dict[str, Any]:
    """The policy in force: version, weights, and every setting that differs from the
    shipped default (``{"setting": {"default": d, "in_force": v}}``)."""
    shipped, in_force = _flatten(load_policy()), _flatten(policy)
    return {
        "version": policy.version,
        "weights": policy.weights.as_dict(),
        "book_ahead_days": policy.book_ahead_days,
        "changed_from_default": {
            name: {"default": shipped.get(name), "in_force": value}
            for name, value in in_force.items()
            if shipped.get(name) != value
        },
    }


def suppress_small_groups(groups: list[dict]) -> list[dict]:
    """Groups under :data:`SMALL_CELL` keep their label and nothing else."""
    return [
        g
        if g["n"] >= SMALL_CELL
        else {"group": g["group"], "n": None, "value": None, "suppressed": True}
        for g in groups
    ]


def evaluation_figures(replay: ReplayRun | None) -> dict | None:
    """The newest replay's headline figures, overall and by group (small cells suppressed)."""
    if replay is None:
        return None
    report = replay.report
    overall = {name: report.get("ranking", {}).get(name) for name in _HEADLINE[:2]}
    overall["success"] = report.get("outcomes", {}).get("success_rate")
    by_group = {}
    for attribute in GROUP_ATTRIBUTES:
        metrics = report.get("groups", {}).get(attribute, {})
        by_group[attribute] = {
            name: suppress_small_groups(
                [{k: g[k] for k in ("group", "n", "value")} for g in metrics[name]["groups"]]
            )
            for name in _HEADLINE
            if name in metrics
        }
    return {
        "replay_id": replay.id,
        "created_at": replay.created_at.isoformat(),
        "window": {"from": replay.window_from.isoformat(), "to": replay.window_to.isoformat()},
        "k": replay.k,
        "counts": report.get("counts", {}),
        "overall": overall,
        "by_group": by_group,
        "small_cell_rule": f"groups with fewer than {SMALL_CELL} decisions are suppressed",
    }


def model_information(session: Session, policy: Policy) -> dict:
    """The whole model information document for the scorer in use now."""
    model = active_model(session)
    version = model.version if model else policy.version
    activation = latest_activation(session, model.version if model else "policy")
    replay = latest_replay_of(session, version)
    limitations = list(LIMITATIONS)
    if replay is None:
        limitations.append(f"No stored evaluation (replay) of {version} yet.")
    scorer: dict[str, Any] = {
        "version": version,
        "kind": "learned" if model else "hand-weighted policy",
        "factors": list(FACTORS),
        "activated_by": activation.by if activation else None,
        "activated_at": activation.at.isoformat() if activation else None,
    }
    if model is not None:
        scorer |= {
            "trained_by": model.trained_by,
            "trained_at": model.created_at.isoformat(),
            "training_window": [
                t.isoformat() if t else None for t in (model.train_from, model.train_to)
            ],
            "cut": model.cut.isoformat(),
            "feature_policy_version": model.feature_policy_version,
            "held_out": model.metrics.get("held_out"),
        }
    return {
        "scorer": scorer,
        "purpose": PURPOSE,
        "intended_use": INTENDED_USE,
        "inputs_read": inputs_read(),
        "inputs_never_read": NEVER_READ,
        "evaluation": evaluation_figures(replay),
        "known_limitations": limitations,
        "policy": policy_adjustments(policy),
    }


def stored_participant_fields() -> set[str]:
    """Every column of the participant table (for the test that holds NEVER_READ true)."""
    return set(Participant.model_fields)
