"""SQLModel tables, request/response schemas and the repository functions (all SQL lives here)."""

from models.audit import AccessLog, IdempotencyRecord
from models.audit_chain import ChainHead
from models.catalog_state import CatalogVersion
from models.data_rights import ParticipantErasure
from models.history import Revision
from models.history_import import HistoryImport, ImportedDecision, UserGrant
from models.match import Match, MatchEvent, Outcome
from models.org import Department, Quota, Unit, User
from models.oversight import OversightEvent
from models.participant import Participant
from models.placement import Placement
from models.plans import Plan, PlanRow
from models.registry import ActivationLog, ModelVersion, ReplayRun
from models.replay_job import ReplayJob
from models.retention import LegalHold, RetentionRule
from models.standing_plan import StandingPlan
from models.suggestion import Suggestion, SuggestionItem
from models.taxonomy import PlacementType, SkillConcept
from models.web_auth import SignInAttempt, UserCredential, WebSession

__all__ = [
    "AccessLog",
    "ActivationLog",
    "CatalogVersion",
    "ChainHead",
    "Department",
    "HistoryImport",
    "IdempotencyRecord",
    "LegalHold",
    "ImportedDecision",
    "Match",
    "ModelVersion",
    "MatchEvent",
    "Outcome",
    "OversightEvent",
    "Participant",
    "ParticipantErasure",
    "Placement",
    "Plan",
    "PlanRow",
    "PlacementType",
    "Quota",
    "ReplayJob",
    "ReplayRun",
    "RetentionRule",
    "StandingPlan",
    "Revision",
    "SignInAttempt",
    "SkillConcept",
    "Suggestion",
    "SuggestionItem",
    "Unit",
    "User",
    "UserGrant",
    "UserCredential",
    "WebSession",
]
