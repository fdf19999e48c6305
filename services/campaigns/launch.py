"""Launching a campaign: every GHT of its region learns what it owes, and by when.

For each GHT of the region, in one transaction: the documents the campaign asks of it are
created in draft with the campaign's due dates (`services.campaigns.owed`, the use case of
`compliance --create-missing` too), then its one launch e-mail is queued, listing the
documents of the campaign it still has to transmit (`services.campaigns.mail`).

Launching again is safe and is how a campaign reaches what changed since: what exists is not
created again and an e-mail sent before is not sent again, so a second launch creates and sends
nothing, while a GHT added to the region since gets its documents and its e-mail. The first
launch's day stays the campaign's `launched_on`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from models import CampaignDueDate, Ght, HolderKind, Region
from services.campaigns.mail import MailOutcome, owed_lines, queue_launch_mail
from services.campaigns.owed import Created, Owed
from services.campaigns.store import campaign_by_code, refuse_if_closed
from services.clock import check_not_after_today, today
from services.errors import InvalidInput
from services.views.registry import GhtView
from services.workspace import Workspace

LAUNCHED_BY = "campaigns launch"


@dataclass
class GhtLaunch:
    """What the launch did for one GHT."""

    code: str
    name: str
    created: list[Created] = field(default_factory=list)
    not_created: list[str] = field(default_factory=list)  # why a requirement was not created
    owed: int = 0  # documents of the campaign it still has to transmit
    mail: MailOutcome = MailOutcome.NOTHING_OWED
    reason: str | None = None  # why the e-mail was not queued

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "created": [
                {
                    "document_id": c.document_id,
                    "type": c.doc_type,
                    "reference": c.reference,
                    "due_date": c.due_date.isoformat() if c.due_date else None,
                    "with": [{"finess": f, "area": a} for f, a in c.parties],
                    "extended": c.added_to_existing,
                }
                for c in self.created
            ],
            "not_created": self.not_created,
            "owed": self.owed,
            "mail": self.mail.value,
            "reason": self.reason,
        }


@dataclass
class LaunchResult:
    campaign: str
    region: str
    as_of: date
    launched_on: date
    ghts: list[GhtLaunch] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(len(g.created) for g in self.ghts)

    @property
    def mails_queued(self) -> int:
        return sum(g.mail is MailOutcome.QUEUED for g in self.ghts)

    def as_json(self) -> dict[str, Any]:
        """The stable JSON of `campaigns launch` (README)."""
        return {
            "campaign": self.campaign,
            "region": self.region,
            "as_of": self.as_of.isoformat(),
            "launched_on": self.launched_on.isoformat(),
            "created": self.created,
            "mails_queued": self.mails_queued,
            "ghts": [g.as_json() for g in self.ghts],
        }


def launch_campaign(
    ws: Workspace, code: str, *, as_of: date | None = None, region_id: int | None = None
) -> LaunchResult:
    """Create what the campaign asks of each GHT of its region and queue each GHT's launch
    e-mail, as of the business day `as_of` (default today, never after it)."""
    day = check_not_after_today(as_of or today(), "launch date")
    with ws.db.transaction() as session:
        campaign = campaign_by_code(session, code, region_id=region_id, lock=True)
        refuse_if_closed(campaign, "be launched")
        types = list(
            session.exec(
                select(CampaignDueDate.doc_type).where(CampaignDueDate.campaign_id == campaign.id)
            ).all()
        )
        if not types:
            raise InvalidInput(
                f"campaign {campaign.code} asks for no document yet: give it a due date with "
                f"'ghtflow campaigns set-due {campaign.code} TYPE YYYY-MM-DD'"
            )
        if campaign.launched_on is None:
            campaign.launched_on = day
            session.flush()
        region = session.get(Region, campaign.region_id)
        result = LaunchResult(
            campaign.code, region.code if region else "?", day, campaign.launched_on
        )
        owed = Owed(ws, session)
        conn = session.connection()
        for view, held in _holders(ws, session, owed, campaign.region_id, types):
            done = owed.create_for(view, campaign, held, day, LAUNCHED_BY)
            session.flush()
            lines = owed_lines(conn, ws, campaign.id or 0, view.id)
            outcome, reason = queue_launch_mail(conn, ws, campaign, view.id, lines, day)
            result.ghts.append(
                GhtLaunch(
                    view.code, view.name, done.created, done.skipped, len(lines), outcome, reason
                )
            )
    return result


def _holders(
    ws: Workspace, session: Session, owed: Owed, region_id: int, types: list[str]
) -> list[tuple[GhtView, list[str]]]:
    """Who owes what: each GHT of the region the types of GHT procedures, each structure of
    the region the types of procedures whose holders are structures (`holder:` in
    `procedure.yaml`); a holder owing none of the campaign's types is left out."""
    by_kind: dict[str, list[str]] = {kind.value: [] for kind in HolderKind}
    for doc_type in types:
        procedure = ws.procedures.procedure_of(doc_type)
        kind = procedure.holder.value if procedure is not None else HolderKind.GHT.value
        by_kind[kind].append(doc_type)
    holders: list[tuple[GhtView, list[str]]] = []
    if by_kind[HolderKind.GHT]:
        ghts = [v for v in owed.registry.ghts if v.region_id == region_id]
        holders += [(view, by_kind[HolderKind.GHT]) for view in ghts]
    if by_kind[HolderKind.STRUCTURE]:
        structures = session.exec(
            select(Ght)
            .where(Ght.region_id == region_id, Ght.kind == HolderKind.STRUCTURE.value)
            .order_by(col(Ght.code))
        ).all()
        region = session.get(Region, region_id)
        for s in structures:
            view = GhtView(
                s.id or 0,
                s.code,
                s.name,
                region_id,
                region.code if region else "?",
                None,
                None,
                None,
            )
            holders.append((view, by_kind[HolderKind.STRUCTURE]))
    return holders
