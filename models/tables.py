"""SQLModel tables: who is who (region, GHTs, establishments, people) and what they owe.

No business rules here: states and their meaning live in `states/`, writes in `services/`.
Dates that mean a business day (`as_of`, due dates) are `date`s in Europe/Paris; instants
(`at`, `created_at`) are aware UTC `datetime`s.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Text, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from models.json_column import TolerantJSON


def utcnow() -> datetime:
    """Aware UTC: SQLModel stores instants as UTC and gives them back aware on both databases."""
    return datetime.now(UTC)


def one_of(column: str, values: Iterable[str], name: str) -> CheckConstraint:
    """A closed set of values, enforced by the database: a row edited behind ghtflow's back
    cannot make an establishment a member in a role no rule knows, or a person of no side."""
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=name)


# The sides a person acts for (`states.definition.Side`, less the system's own timers).
PERSON_SIDES = ("agency", "ght")


class MembershipRole(StrEnum):
    PARTIE = "partie"
    ASSOCIE = "associe"
    PARTENAIRE = "partenaire"


class Region(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    name: str = Field(max_length=200)
    agency_name: str = Field(max_length=200)
    direction_email: str = Field(max_length=320, description="agency direction, copied on mail")
    # --- the agency's identity, printed on letters and conventions (`regions set-identity`) ---
    direction_name: str = Field(
        default="", max_length=200, description="e.g. Direction de l'offre de soins"
    )
    address: str = Field(
        default="", max_length=600, description="postal address, one line per line"
    )
    city: str = Field(default="", max_length=100, description="where letters are written from")
    phone: str = Field(default="", max_length=40)
    logo_hash: str | None = Field(
        default=None, max_length=64, description="PNG/JPEG in the file store"
    )
    reference_pattern: str = Field(
        default="",
        max_length=100,
        description="letter references, e.g. ARS-OCC/DOSA/{year}-{number:04d}",
    )


class LetterSequence(SQLModel, table=True):
    """The last letter number given in a region for a year: the row writers lock (an upsert)
    to number letters in sequence without ever giving one number twice."""

    region_id: int = Field(foreign_key="region.id", primary_key=True)
    year: int = Field(primary_key=True)
    last_number: int


class LetterReference(SQLModel, table=True):
    """The reference of one letter, given once when what it is about was recorded (a
    conformity request, or the event a procedure's notice letter is about) and kept, so that
    filling the letter again writes the same reference."""

    __table_args__ = (
        UniqueConstraint("region_id", "year", "number"),
        UniqueConstraint("document_id", "event_seq"),
    )

    id: int | None = Field(default=None, primary_key=True)
    region_id: int = Field(foreign_key="region.id")
    year: int
    number: int
    reference: str = Field(max_length=120)
    document_id: int = Field(foreign_key="document.id", index=True)
    conformity_request_id: int | None = Field(
        default=None, foreign_key="conformityrequest.id", unique=True
    )
    event_seq: int | None = Field(default=None, description="the document's event, for a notice")


class Establishment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    finess: str = Field(max_length=9, unique=True)
    name: str = Field(max_length=300)
    category: str = Field(default="", max_length=100)
    kind: str = Field(default="", max_length=40)
    is_public: bool = True
    commune: str = Field(default="", max_length=200)
    postal_code: str = Field(default="", max_length=10)
    representative: str = Field(
        default="", max_length=300, description="legal representative, as written in conventions"
    )
    # --- registry ---
    area: str | None = Field(
        default=None,
        max_length=200,
        description="departments where it operates, e.g. '31,81' (HADs); None: its own",
    )
    from_list: bool = Field(
        default=False,
        sa_column_kwargs={"server_default": false()},
        description="came from the ministry's national GHT list",
    )


class HolderKind(StrEnum):
    """What holds documents: a GHT (the six GHT procedures), or a structure of the registry
    that is not a GHT (e.g. a coordination structure applying to a call for projects)."""

    GHT = "ght"
    STRUCTURE = "structure"


class Ght(SQLModel, table=True):
    """A holder of documents: a GHT, or (`kind` structure) another structure of the region.

    Both are kept in this one table so that every rule keyed on the holder (who may see and
    fire what, the holder's people, sweeps and reports grouped by holder) applies to both
    alike; rules that only make sense for a GHT (the national list, the role matrix of
    conventions, `ghts` commands) read the GHTs alone."""

    __table_args__ = (one_of("kind", HolderKind, "ck_ght_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    name: str = Field(max_length=300)
    region_id: int = Field(foreign_key="region.id", index=True)
    kind: str = Field(
        default=HolderKind.GHT,
        max_length=16,
        sa_column_kwargs={"server_default": HolderKind.GHT.value},
        description="ght, or structure for a holder that is not a GHT",
    )
    establishment_id: int | None = Field(
        default=None,
        foreign_key="establishment.id",
        description="a structure's own row in the registry (its FINESS), when it has one",
    )
    support_establishment_id: int | None = Field(default=None, foreign_key="establishment.id")
    reference_chu_id: int | None = Field(default=None, foreign_key="establishment.id")
    # --- registry ---
    area: str | None = Field(
        default=None,
        max_length=200,
        description="departments it covers when set; None: those of its parties' postal codes",
    )


class Membership(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("ght_id", "establishment_id"),
        one_of("role", MembershipRole, "ck_membership_role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ght_id: int = Field(foreign_key="ght.id", index=True)
    establishment_id: int = Field(foreign_key="establishment.id", index=True)
    role: str = Field(max_length=16)
    # --- registry ---
    from_list: bool = Field(
        default=False,
        sa_column_kwargs={"server_default": false()},
        description="a partie because the national list says so (a newer list may remove it)",
    )


class Person(SQLModel, table=True):
    """Someone who acts under an e-mail address, for the agency or for one GHT."""

    __table_args__ = (one_of("side", PERSON_SIDES, "ck_person_side"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    name: str = Field(default="", max_length=200)
    side: str = Field(max_length=16)
    region_id: int | None = Field(default=None, foreign_key="region.id")
    ght_id: int | None = Field(default=None, foreign_key="ght.id")
    password_hash: str | None = Field(default=None, max_length=200, description="argon2")
    calendar_secret: str | None = Field(
        default=None, max_length=64, unique=True, description="secret of the calendar link"
    )
    session_generation: int = Field(
        default=0,
        sa_column_kwargs={"server_default": "0"},
        description="bumped on sign-out, password change and removal: older sessions end",
    )
    removed_at: datetime | None = Field(
        default=None, description="access withdrawn (`users remove`); the row stays for history"
    )


class Campaign(SQLModel, table=True):
    """What the agency asks the GHTs of one region, and by when (`services/campaigns/`).

    `launched_on` is the business day of its first launch (documents created, e-mails queued)
    and stays so; `closed_on` freezes it: no launch, no moved date. `reminder_offsets_days`
    are the offsets given to each due date it gets (None: each type's own)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    region_id: int = Field(foreign_key="region.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    launched_on: date | None = None
    closed_on: date | None = None
    reminder_offsets_days: list[int] | None = Field(default=None, sa_column=Column(TolerantJSON))


class CampaignDueDate(SQLModel, table=True):
    """The due date of one document type in a campaign; the sweep reads its offsets."""

    __table_args__ = (UniqueConstraint("campaign_id", "doc_type"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    doc_type: str = Field(max_length=40)
    due_date: date
    reminder_offsets_days: list[int] | None = Field(default=None, sa_column=Column(TolerantJSON))


class Document(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("ght_id", "doc_type", "campaign_id", "reference"),)

    id: int | None = Field(default=None, primary_key=True)
    ght_id: int = Field(foreign_key="ght.id", index=True)
    doc_type: str = Field(max_length=40, index=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    reference: str = Field(default="", max_length=80, description="tells apart several of a type")
    title: str = Field(default="", max_length=300)
    state: str = Field(max_length=40, index=True)
    due_date: date | None = None
    current_version: int = 0
    submitted_on: date | None = Field(default=None, description="receipt of the latest version")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version_id: int = Field(default=1, description="optimistic lock: +1 on every change")


class DocumentParty(SQLModel, table=True):
    """An establishment a convention is made with (the CHU, each HAD, each private partner).

    `area` is where that party operates under this convention (departments, e.g. "31,81"),
    which an HAD convention must state for each HAD it covers.
    """

    __table_args__ = (UniqueConstraint("document_id", "establishment_id"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    establishment_id: int = Field(foreign_key="establishment.id", index=True)
    area: str | None = Field(default=None, max_length=200)


class DocumentVersion(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    number: int
    file_hash: str | None = Field(
        default=None, max_length=64, description="sha256; None if imported"
    )
    file_name: str | None = Field(default=None, max_length=300)
    size: int | None = None
    received_on: date
    created_at: datetime = Field(default_factory=utcnow)


class ConformityMotive(SQLModel, table=True):
    key: str = Field(primary_key=True, max_length=60)
    label: str = Field(max_length=500)
    builtin: bool = False


class Assessment(SQLModel, table=True):
    """The agency's latest judgement of one criterion of a document's assessment grid (each
    judgement is also an event of the document's history, with its criterion and verdict)."""

    __table_args__ = (UniqueConstraint("document_id", "criterion"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    criterion: str = Field(max_length=60)
    met: bool
    note: str | None = Field(default=None, sa_column=Column(Text))
    assessed_on: date
    assessed_by: str = Field(max_length=320)


class ConformityRequest(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    motives: list[str] = Field(sa_column=Column(TolerantJSON, nullable=False))
    note: str | None = Field(default=None, sa_column=Column(Text))
    requested_on: date
    respond_by: date
    requested_by: str = Field(max_length=320)
    answered_on: date | None = None


class Event(SQLModel, table=True):
    """Append-only history. All events form one chain in `chain_seq` order: `hash` is an
    HMAC (key outside the database) over the row and `prev_hash`, the hash of the event just
    before it in that chain (computed and checked in `services/audit/chain.py`)."""

    __table_args__ = (UniqueConstraint("document_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    chain_seq: int = Field(unique=True, description="position in the one chain of all events")
    document_id: int = Field(foreign_key="document.id", index=True)
    ght_id: int = Field(foreign_key="ght.id", description="the document's GHT after the event")
    seq: int
    name: str = Field(max_length=60)
    actor: str = Field(max_length=320)
    at: datetime
    as_of: date
    from_state: str | None = Field(default=None, max_length=40)
    to_state: str = Field(max_length=40)
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    """The one row (id 1) naming the last event of the chain: writers lock it to append, so
    the chain has one order even with concurrent writers. `key_id` names the audit key the
    chain is made with ('' for a history migrated from per-document chains, not re-chained)."""

    id: int = Field(default=1, primary_key=True)
    chain_seq: int = Field(description="0 for an empty history")
    hash: str = Field(max_length=64)
    key_id: str = Field(max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)
