"""SQLModel tables, request/response schemas and the repository functions (all SQL lives here)."""

from models.audit import AccessLog, IdempotencyRecord
from models.catalog_state import CatalogVersion
from models.history import Revision
from models.match import Match, MatchEvent, Outcome
from models.org import Department, Quota, Unit, User
from models.participant import Participant
from models.placement import Placement
from models.plans import Plan, PlanRow
from models.registry import ActivationLog, ModelVersion, ReplayRun
from models.suggestion import Suggestion, SuggestionItem
from models.taxonomy import PlacementType, SkillConcept
from models.web_auth import SignInAttempt, UserCredential, WebSession

__all__ = [
    "AccessLog",
    "ActivationLog",
    "CatalogVersion",
    "Department",
    "IdempotencyRecord",
    "Match",
    "ModelVersion",
    "MatchEvent",
    "Outcome",
    "Participant",
    "Placement",
    "Plan",
    "PlanRow",
    "PlacementType",
    "Quota",
    "ReplayRun",
    "Revision",
    "SignInAttempt",
    "SkillConcept",
    "Suggestion",
    "SuggestionItem",
    "Unit",
    "User",
    "UserCredential",
    "WebSession",
]
