"""The launch e-mail: one per GHT and campaign, listing what the GHT owes and by when.

It goes through the outbox like every notice, in the launch's transaction. It is about a GHT,
not one document: its row has the region and the GHT, no document, and the key (region,
`campaign_launch`, stage `c<campaign id>/g<GHT id>`, the campaign's first launch day), unique
in the database: a second launch, or two launches racing, queue nothing more. It goes to the
GHT's people, copied to the region's direction (or `GHTFLOW_MAIL_CC`). A GHT with nobody to
write to, or whose stored address breaks the address rule, gets no message: that is
reported, never fatal, and the next launch queues it once someone can receive it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import Connection, select

from i18n import french_date
from models import Campaign, Document, DocumentParty, Establishment, NoticeKind, utcnow
from models.db import table_of
from notifications.render import render_notice
from services.campaigns.store import readable_offsets
from services.errors import InvalidInput
from services.mail.addresses import sender_of
from services.mail.outbox import OUTBOX, ght_contacts, insert_messages, pending_row
from services.workspace import Workspace
from states.deadlines import delivered_states

KIND = NoticeKind.CAMPAIGN_LAUNCH
_DOC, _PARTY, _EST = table_of(Document), table_of(DocumentParty), table_of(Establishment)


class MailOutcome(StrEnum):
    QUEUED = "queued"
    SENT_BEFORE = "sent_before"  # an earlier launch queued it
    NOTHING_OWED = "nothing_owed"  # every document of the campaign is delivered
    NOBODY = "nobody"  # no person of the GHT to write to
    REFUSED = "refused"  # an address (or the sender setting) breaks the address rule


@dataclass(frozen=True)
class OwedLine:
    """A document of the campaign the GHT still has to transmit."""

    document_id: int
    doc_type: str
    type_label: str
    reference: str
    with_: str  # "Name (FINESS), …" or "—"
    due: date | None
    state_label: str

    def cells(self) -> list[str]:
        reference = f"n° {self.document_id}" + (f" ({self.reference})" if self.reference else "")
        due = french_date(self.due) if self.due else "—"
        return [due, self.type_label, self.with_, self.state_label, reference]


def stage_of(campaign_id: int, ght_id: int) -> str:
    return f"c{campaign_id}/g{ght_id}"


def owed_lines(conn: Connection, ws: Workspace, campaign_id: int, ght_id: int) -> list[OwedLine]:
    """The GHT's documents of the campaign not delivered yet, by due date then type."""
    rows = conn.execute(
        select(_DOC.c.id, _DOC.c.doc_type, _DOC.c.reference, _DOC.c.due_date, _DOC.c.state)
        .where(_DOC.c.campaign_id == campaign_id, _DOC.c.ght_id == ght_id)
        .order_by(_DOC.c.id)
    ).all()
    parties: dict[int, list[str]] = {}
    ids = [int(r[0]) for r in rows]
    if ids:
        for document_id, finess, name in conn.execute(
            select(_PARTY.c.document_id, _EST.c.finess, _EST.c.name)
            .join(_EST, _EST.c.id == _PARTY.c.establishment_id)
            .where(_PARTY.c.document_id.in_(ids))
            .order_by(_EST.c.finess)
        ):
            parties.setdefault(int(document_id), []).append(f"{name} ({finess})")
    order = {t: i for i, t in enumerate(ws.workflows.types)}
    lines = []
    for document_id, doc_type, reference, due, state in rows:
        definition = ws.workflows.find(doc_type)
        if definition is None or state in delivered_states(definition):
            continue
        lines.append(
            OwedLine(
                int(document_id),
                doc_type,
                definition.label,
                reference,
                ", ".join(parties.get(int(document_id), [])) or "—",
                due,
                ws.workflows.state_label(doc_type, state),
            )
        )
    return sorted(lines, key=lambda o: (o.due or date.max, order[o.doc_type], o.document_id))


def _reminders(offsets: tuple[int, ...] | None) -> str:
    """« 30, 15, 7 et 1 jours » (empty: the types' own offsets, not named)."""
    if not offsets:
        return ""
    days = [str(o) for o in sorted(offsets, reverse=True)]
    listed = days[0] if len(days) == 1 else ", ".join(days[:-1]) + " et " + days[-1]
    return f"{listed} jour{'s' if len(days) > 1 or offsets[0] > 1 else ''}"


def queue_launch_mail(
    conn: Connection,
    ws: Workspace,
    campaign: Campaign,
    ght_id: int,
    lines: list[OwedLine],
    day: date,
) -> tuple[MailOutcome, str | None]:
    """Queue, on `conn` (the launch's transaction), the GHT's launch e-mail; what became of
    it and, when it was not queued, why."""
    assert campaign.launched_on is not None and campaign.id is not None
    stage = stage_of(campaign.id, ght_id)
    before = conn.execute(
        select(OUTBOX.c.id).where(
            OUTBOX.c.region_id == campaign.region_id,
            OUTBOX.c.kind == KIND.value,
            OUTBOX.c.stage == stage,
        )
    ).first()
    if before is not None:
        return MailOutcome.SENT_BEFORE, None
    if not lines:
        return MailOutcome.NOTHING_OWED, None
    try:
        sender = sender_of(ws.settings)
        contacts = ght_contacts(conn, ws.settings, [ght_id])[ght_id]
    except InvalidInput as exc:  # the settings refuse every message alike
        return MailOutcome.REFUSED, str(exc)
    refused = contacts.refused + contacts.refused_copy
    if refused:
        return MailOutcome.REFUSED, (
            f"{'; '.join(refused)} (correct it with 'ghtflow users add' or "
            "'ghtflow regions set-direction')"
        )
    if not contacts.to:
        return MailOutcome.NOBODY, (
            f"{contacts.code} has nobody to write to: add a person of the GHT with "
            f"'ghtflow users add EMAIL --side ght --ght {contacts.code}'"
        )
    rendered = render_notice(
        KIND,
        {
            "ght_code": contacts.code,
            "ght_name": contacts.name,
            "agency_name": contacts.agency_name,
            "campaign_code": campaign.code,
            "campaign_name": campaign.name,
            "reminders": _reminders(readable_offsets(campaign.reminder_offsets_days)),
            "rows": [line.cells() for line in lines],
        },
    )
    now = utcnow()
    row = pending_row(
        kind=KIND.value,
        stage=stage,
        due_date=campaign.launched_on,
        as_of=day,
        sender=sender,
        to=list(contacts.to),
        cc=list(contacts.direction),
        rendered=rendered,
        now=now,
        ght_id=ght_id,
        region_id=campaign.region_id,
    )
    if insert_messages(conn, [row]) == 0:
        return MailOutcome.SENT_BEFORE, None
    return MailOutcome.QUEUED, None
