"""Persistence: SQLModel tables, the engine and sessions, and read queries. No business rules."""

from models.accounts import ApiToken, SignInCounter
from models.db import Database
from models.generated import GeneratedFile  # Word generation
from models.outbox import NoticeKind, OutboxMessage, OutboxState  # e-mail outbox
from models.tables import (
    Assessment,
    AuditHead,
    Campaign,
    CampaignDueDate,
    ConformityMotive,
    ConformityRequest,
    Document,
    DocumentParty,
    DocumentVersion,
    Establishment,
    Event,
    Ght,
    HolderKind,
    LetterReference,
    LetterSequence,
    Membership,
    MembershipRole,
    Person,
    Region,
    utcnow,
)

__all__ = [
    "ApiToken",
    "Assessment",
    "AuditHead",
    "Campaign",
    "CampaignDueDate",
    "ConformityMotive",
    "ConformityRequest",
    "Database",
    "Document",
    "DocumentParty",
    "DocumentVersion",
    "Establishment",
    "Event",
    "GeneratedFile",
    "Ght",
    "HolderKind",
    "LetterReference",
    "LetterSequence",
    "Membership",
    "MembershipRole",
    "NoticeKind",
    "OutboxMessage",
    "OutboxState",
    "Person",
    "Region",
    "SignInCounter",
    "utcnow",
]
