"""The outbox: every e-mail ghtflow sends, written in the transaction of what caused it.

A row is also the "notice sent" record of the deadline sweep: the unique key
(document, kind, stage, due date) lives in the database, so a second sweep of the same day, or
two sweeps racing, cannot create a second message for one notice. A notice about a region
rather than a document (`REGION_KINDS`: the daily audit checkpoint sent to the region's
direction) has no document and no GHT; its key is (region, kind, stage, due date), unique too.
A campaign's launch e-mail (`CAMPAIGN_KINDS`) is about a GHT but no document: it has both the
region and the GHT, and the same region key.

Delivery reads the rows whose turn has come (`state` pending, `next_attempt_at` passed, no live
claim) and records what the SMTP server answered, recipient by recipient:

- `recipients` is `{address: {"state": "delivered"|"pending"|"refused", "reply", "at"}}`, one
  entry per To/Cc address (absent until the first attempt: every address is then pending). It
  is a JSON column on the row rather than a child table because a message has a handful of
  recipients fixed when it is queued, and its outcome must be written in the same single-row
  UPDATE that checks the sender still holds the claim; a child table would add a query per
  recipient to the hot path and a second place where "sent" could disagree with its parts.
- `refused` keeps the final 5xx reply of each refused recipient only (derived from
  `recipients`, kept for the documented JSON of `outbox list`).
- `claim_token` / `claimed_until`: the deliverer that holds the message and until when (wall
  clock). A deliverer renews its claim before each message and sends nothing whose claim it
  lost.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.json_column import TolerantJSON
from models.tables import one_of, utcnow


class OutboxState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class RecipientState(StrEnum):
    DELIVERED = "delivered"  # the server accepted the message for this address (250 to DATA)
    PENDING = "pending"  # not tried yet, or a 4xx: tried again, alone, with the same Message-ID
    REFUSED = "refused"  # a 5xx for this address: final


class NoticeKind(StrEnum):
    """What a message tells; each has its templates under `notifications/templates/` or, for
    an event's notice, in its procedure's `mails/` (`procedures/ght-2017/mails/`)."""

    REMINDER = "reminder"  # before a document's due date
    DUE_TODAY = "due_today"  # on the due date
    OVERDUE = "overdue"  # the day after, then weekly (copy to the agency's direction)
    CONFORMITY_REQUEST = "conformity_request"  # the agency asks for changes
    CONFORMITY_REMINDER = "conformity_reminder"  # before the respond-by date
    CONFORMITY_OVERDUE = "conformity_overdue"  # the respond-by date has passed
    TACIT_APPROVAL = "tacit_approval"  # two months of silence after receipt
    AUDIT_CHECKPOINT = "audit_checkpoint"  # the day's head of the history, to the direction
    CAMPAIGN_LAUNCH = "campaign_launch"  # what a GHT owes under a campaign just launched
    PROCEDURE_NOTICE = "procedure_notice"  # an event's notice a procedure declares (`mail: notice`)


# Notices about a region, not a document: their rows have `region_id` and no document or GHT,
# so code that groups messages by document or GHT (sweep counts, dashboards) leaves them out.
REGION_KINDS = frozenset({NoticeKind.AUDIT_CHECKPOINT})
# Notices to a GHT about a campaign, not about one document: their rows have `region_id` and
# `ght_id` and no document; the key (region, kind, stage "c<campaign>/g<GHT>", launch day)
# makes one launch e-mail per GHT and campaign.
CAMPAIGN_KINDS = frozenset({NoticeKind.CAMPAIGN_LAUNCH})
DOCUMENT_KINDS = tuple(k for k in NoticeKind if k not in REGION_KINDS | CAMPAIGN_KINDS)
# Queued by an event (the conformity request, a procedure's own notice), never by the sweep.
EVENT_KINDS = frozenset({NoticeKind.CONFORMITY_REQUEST, NoticeKind.PROCEDURE_NOTICE})
# What the daily deadline sweep sends and counts, in the order its summaries list them.
SWEEP_KINDS = tuple(k for k in DOCUMENT_KINDS if k not in EVENT_KINDS)


class OutboxMessage(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("document_id", "kind", "stage", "due_date", name="uq_outbox_notice"),
        UniqueConstraint("region_id", "kind", "stage", "due_date", name="uq_outbox_region_notice"),
        CheckConstraint(
            "document_id IS NOT NULL OR region_id IS NOT NULL", name="ck_outbox_about_something"
        ),
        one_of("state", OutboxState, "ck_outbox_state"),
        one_of("kind", NoticeKind, "ck_outbox_kind"),
        Index("ix_outbox_due", "state", "next_attempt_at"),
        Index("ix_outbox_claim", "claim_token"),
    )

    id: int | None = Field(default=None, primary_key=True)
    document_id: int | None = Field(default=None, foreign_key="document.id", index=True)
    ght_id: int | None = Field(default=None, foreign_key="ght.id", index=True)
    region_id: int | None = Field(
        default=None,
        foreign_key="region.id",
        description="for the REGION_KINDS and CAMPAIGN_KINDS only",
    )
    kind: str = Field(max_length=40)
    stage: str = Field(max_length=40, description="e.g. J-30, J0, J+8, or a request's id")
    due_date: date = Field(description="the date the notice is about (due or respond-by date)")
    as_of: date = Field(description="the business day the notice was decided")
    message_id: str = Field(max_length=255, unique=True, description="fixed when enqueued")
    sender: str = Field(max_length=320)
    to_addrs: list[str] = Field(sa_column=Column(TolerantJSON, nullable=False))
    cc_addrs: list[str] = Field(sa_column=Column(TolerantJSON, nullable=False))
    subject: str = Field(max_length=500)
    body_text: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str = Field(sa_column=Column(Text, nullable=False))
    attachments: list[dict[str, Any]] = Field(
        default_factory=list,
        sa_column=Column(TolerantJSON, nullable=False, server_default="[]"),
        description="[{hash, name, content_type}] read from the file store when sent",
    )
    state: str = Field(default=OutboxState.PENDING.value, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    refused: dict[str, str] | None = Field(
        default=None, sa_column=Column(TolerantJSON), description="recipient -> server reply"
    )
    recipients: dict[str, dict[str, Any]] | None = Field(
        default=None,
        sa_column=Column(TolerantJSON),
        description="address -> {state: delivered|pending|refused, reply, at}",
    )
    claim_token: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = None
    last_attempt_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
