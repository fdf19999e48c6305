"""What the campaign pages show (agency), and the campaigns on a GHT's page, read-only.

The campaign pages are the agency's: a GHT's person is refused (`PermissionDenied`), and an
agency person sees the campaigns of their region only (another region's campaign is answered
as one that does not exist). A GHT's page lists the campaigns of its region that ask it for
something, with its documents in each: type, due date, state, and whether it is still owed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select as core_select
from sqlmodel import col, select

from models import Campaign, Document, Ght, OutboxMessage, Region
from services.accounts.access import require_agency, visible_ght
from services.accounts.credentials import Account
from services.campaigns.mail import KIND, stage_of
from services.campaigns.store import Details, list_campaigns, show_campaign
from services.workspace import Workspace
from states.deadlines import delivered_states

MAIL_LABELS = {"pending": "en attente d'envoi", "sent": "envoyé", "failed": "en échec"}


@dataclass(frozen=True)
class TypeChoice:
    doc_type: str
    label: str


@dataclass(frozen=True)
class RegionChoice:
    code: str
    name: str


@dataclass(frozen=True)
class CampaignsPage:
    campaigns: list[Details]
    types: list[TypeChoice]  # every known document type, for the creation form
    regions: list[RegionChoice]  # where this person may create one
    labels: dict[str, str]  # type -> French label


def _types(ws: Workspace) -> list[TypeChoice]:
    return [TypeChoice(t, ws.workflows.type_label(t)) for t in ws.workflows.types]


def campaigns_page(ws: Workspace, account: Account) -> CampaignsPage:
    """The campaigns of the person's region (every region's for an agency person of none)."""
    require_agency(account, "the campaigns page")
    with ws.db.reading() as session:
        statement = select(Region).order_by(col(Region.code))
        if account.region_id is not None:
            statement = statement.where(Region.id == account.region_id)
        regions = [RegionChoice(r.code, r.name) for r in session.exec(statement).all()]
    types = _types(ws)
    return CampaignsPage(
        campaigns=list_campaigns(ws, region_id=account.region_id),
        types=types,
        regions=regions,
        labels={t.doc_type: t.label for t in types},
    )


@dataclass(frozen=True)
class GhtDocument:
    """A document of a campaign, as a GHT's line shows it."""

    id: int
    doc_type: str
    type_label: str
    reference: str
    due_date: date | None
    state_label: str
    owed: bool  # not yet delivered


@dataclass(frozen=True)
class GhtLine:
    code: str
    name: str
    documents: list[GhtDocument]
    mail: str | None  # the launch e-mail's state, in French (None: not queued)

    @property
    def owed(self) -> int:
        return sum(d.owed for d in self.documents)


@dataclass(frozen=True)
class CampaignPage:
    details: Details
    labels: dict[str, str]
    types: list[TypeChoice]
    ghts: list[GhtLine]
    states: dict[str, list[tuple[str, int]]]  # type -> (state label, documents)

    @property
    def closed(self) -> bool:
        return self.details.closed_on is not None


_Row = tuple[int, str, str, date | None, str]  # id, type, reference, due date, state


def _documents(ws: Workspace, rows: list[_Row]) -> list[GhtDocument]:
    """The documents in the types' order, each with whether it is still owed."""
    found = []
    order = {t: i for i, t in enumerate(ws.workflows.types)}
    for document_id, doc_type, reference, due, state in rows:
        definition = ws.workflows.find(doc_type)
        owed = definition is not None and state not in delivered_states(definition)
        found.append(
            GhtDocument(
                document_id,
                doc_type,
                ws.workflows.type_label(doc_type),
                reference,
                due,
                ws.workflows.state_label(doc_type, state),
                owed,
            )
        )
    return sorted(found, key=lambda d: (order.get(d.doc_type, len(order)), d.id))


def campaign_page(ws: Workspace, account: Account, code: str) -> CampaignPage:
    """One campaign: its dates and counts, and each GHT of its region with its documents."""
    require_agency(account, "the campaigns page")
    details = show_campaign(ws, code, region_id=account.region_id)
    with ws.db.reading() as session:
        campaign = session.exec(select(Campaign).where(Campaign.code == details.code)).one()
        ghts = session.exec(
            select(Ght).where(Ght.region_id == campaign.region_id).order_by(col(Ght.code))
        ).all()
        rows: dict[int, list[_Row]] = {}
        for ght_id, *row in session.execute(
            core_select(
                col(Document.ght_id),
                col(Document.id),
                col(Document.doc_type),
                col(Document.reference),
                col(Document.due_date),
                col(Document.state),
            ).where(col(Document.campaign_id) == campaign.id)
        ).all():
            rows.setdefault(int(ght_id), []).append(tuple(row))
        mails = {
            str(stage): str(state)
            for stage, state in session.execute(
                core_select(col(OutboxMessage.stage), col(OutboxMessage.state)).where(
                    col(OutboxMessage.kind) == KIND.value,
                    col(OutboxMessage.region_id) == campaign.region_id,
                )
            ).all()
        }
    lines = []
    for ght in ghts:
        mail = mails.get(stage_of(campaign.id or 0, ght.id or 0))
        lines.append(
            GhtLine(
                ght.code,
                ght.name,
                _documents(ws, rows.get(ght.id or 0, [])),
                MAIL_LABELS.get(mail, mail) if mail else None,
            )
        )
    types = _types(ws)
    states = {
        t: [(ws.workflows.state_label(t, s), n) for s, n in counts.items()]
        for t, counts in details.documents.items()
    }
    return CampaignPage(details, {t.doc_type: t.label for t in types}, types, lines, states)


@dataclass(frozen=True)
class GhtCampaign:
    """A campaign on a GHT's page, with what the GHT has in it."""

    code: str
    name: str
    launched_on: date | None
    closed_on: date | None
    documents: list[GhtDocument]


def ght_campaigns(ws: Workspace, account: Account, ght_code: str) -> list[GhtCampaign]:
    """The campaigns of the GHT's region in which it has documents, latest first."""
    ght = visible_ght(ws, account, ght_code)
    with ws.db.reading() as session:
        campaigns = session.exec(
            select(Campaign)
            .where(Campaign.region_id == ght.region_id)
            .order_by(col(Campaign.id).desc())
        ).all()
        rows: dict[int, list[_Row]] = {}
        for campaign_id, *row in session.execute(
            core_select(
                col(Document.campaign_id),
                col(Document.id),
                col(Document.doc_type),
                col(Document.reference),
                col(Document.due_date),
                col(Document.state),
            ).where(col(Document.ght_id) == ght.id)
        ).all():
            rows.setdefault(int(campaign_id), []).append(tuple(row))
    return [
        GhtCampaign(c.code, c.name, c.launched_on, c.closed_on, _documents(ws, rows[c.id or 0]))
        for c in campaigns
        if rows.get(c.id or 0)
    ]
