"""Creating, in draft, the documents a campaign asks of a GHT: the one use case behind
`campaigns launch` and `compliance --create-missing`.

For each type the campaign asks for:
- a type the role matrix decides (`services.registry.compliance.MATRIX_TYPES`: CHU, HAD and
  partnership conventions): the conventions it *requires* and that are missing, with their
  parties (the CHU of reference; each private HAD of the area, with the departments it serves
  there). An HAD convention in preparation in the campaign is extended with the HADs it lacks.
  Partnerships are only suggested: none is created. A CHU convention without a CHU of
  reference (several CHUs in the region) is reported, not created;
- any other type (PMSP, EPRD budget G, SDSI…): one per GHT, unless the GHT has one in the
  campaign already.

Each document gets the campaign's due date for its type and an audited `create` event of the
day given. What exists is never created again, so running it twice creates nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from models import Campaign, CampaignDueDate, Document, DocumentParty, Establishment
from services.audit.chain import append_event
from services.campaigns.store import campaign_by_code, refuse_if_closed
from services.clock import check_not_after_today, today
from services.errors import InvalidInput
from services.registry.compliance import (
    CHU_CONVENTION,
    HAD_CONVENTION,
    MATRIX_TYPES,
    MISSING,
    REQUIRED_TYPES,
    KnownDocument,
    RoleMatrix,
    load_known,
    selected_ghts,
)
from services.views.registry import GhtView, Registry
from services.workspace import Workspace

CREATED_BY = "ghtflow"


@dataclass
class Created:
    document_id: int
    ght: str
    doc_type: str
    reference: str
    campaign: str
    due_date: date | None
    parties: list[tuple[str, str | None]]  # FINESS, area
    added_to_existing: bool = False


@dataclass
class CreateResult:
    created: list[Created] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # why a requirement could not be created


class Owed:
    """The documents and the role matrix as one transaction reads them, and the creation of
    what a campaign asks of each GHT in that same transaction."""

    def __init__(self, ws: Workspace, session: Session) -> None:
        self.ws, self.session = ws, session
        registry, docs = load_known(ws, session)
        self.registry: Registry = registry
        self.rules = RoleMatrix(ws, registry, docs)
        self._held: dict[int, set[tuple[int, str]]] = {}  # campaign -> (GHT, type) it has

    def create_for(
        self,
        ght: GhtView,
        campaign: Campaign,
        types: Iterable[str],
        day: date,
        by: str,
    ) -> CreateResult:
        """Create in `campaign` what it asks of `ght` among `types` (in the types' order)."""
        result = CreateResult()
        wanted = set(types)
        report = self.rules.ght(ght) if wanted & set(MATRIX_TYPES) else None
        for doc_type in self.ws.workflows.types:
            if doc_type not in wanted:
                continue
            if doc_type in MATRIX_TYPES:
                assert report is not None
                self._required(ght, campaign, doc_type, report["required"], day, by, result)
            elif (ght.id, doc_type) not in self._held_in(campaign):
                result.created.append(self._create(ght, doc_type, [], campaign, day, by))
                self._held_in(campaign).add((ght.id, doc_type))
        return result

    def _held_in(self, campaign: Campaign) -> set[tuple[int, str]]:
        cid = campaign.id or 0
        if cid not in self._held:
            self._held[cid] = {
                (int(g), str(t))
                for g, t in self.session.execute(
                    core_select(col(Document.ght_id), col(Document.doc_type)).where(
                        col(Document.campaign_id) == cid
                    )
                ).all()
            }
        return self._held[cid]

    def _required(
        self,
        ght: GhtView,
        campaign: Campaign,
        doc_type: str,
        required: list[dict[str, object]],
        day: date,
        by: str,
        result: CreateResult,
    ) -> None:
        """The conventions of `doc_type` the role matrix requires of `ght` and that are
        missing (of any campaign: a convention in progress elsewhere counts)."""
        for item in required:
            if item["type"] != doc_type or item["status"] != MISSING:
                continue
            finess = item["with"]
            assert isinstance(finess, list)
            if not finess:
                result.skipped.append(
                    f"{ght.code}: {doc_type}: no CHU of reference (several CHUs in "
                    f"region {ght.region_code}); set it with "
                    f"'ghtflow ghts set-reference-chu {ght.code} FINESS'"
                )
                continue
            with_ = [self.registry.by_finess[f] for f in finess]
            result.created.append(self._create(ght, doc_type, with_, campaign, day, by))

    def _create(
        self,
        ght: GhtView,
        doc_type: str,
        with_: list[Establishment],
        campaign: Campaign,
        day: date,
        by: str,
    ) -> Created:
        session, rules = self.session, self.rules
        definition = self.ws.workflows.definition(doc_type)
        same = [d for d in rules.docs[(ght.id, doc_type)] if d.campaign_id == campaign.id]
        draft = next((d for d in same if d.state == definition.initial), None)
        parties = [(e.finess, e.area if e.kind == "HAD" else None) for e in with_]
        if draft is not None and with_:  # an HAD convention in preparation names these too
            for e, (_finess, area) in zip(with_, parties, strict=True):
                session.add(
                    DocumentParty(document_id=draft.id, establishment_id=e.id or 0, area=area)
                )
                draft.parties.add(e.id or 0)
            return Created(
                draft.id, ght.code, doc_type, draft.reference, campaign.code, None, parties, True
            )
        taken = {d.reference for d in same}
        reference = "" if "" not in taken else _free_reference(doc_type, taken)
        due: date | None = session.execute(
            core_select(col(CampaignDueDate.due_date)).where(
                col(CampaignDueDate.campaign_id) == campaign.id,
                col(CampaignDueDate.doc_type) == doc_type,
            )
        ).scalar()
        document = Document(
            ght_id=ght.id,
            doc_type=doc_type,
            campaign_id=campaign.id or 0,
            reference=reference,
            state=definition.initial,
            due_date=due,
        )
        session.add(document)
        session.flush()
        document_id = document.id or 0
        for e, (_finess, area) in zip(with_, parties, strict=True):
            session.add(
                DocumentParty(document_id=document_id, establishment_id=e.id or 0, area=area)
            )
        payload: dict[str, object] = {"by": by, "campaign": campaign.code}
        if with_:
            payload["with"] = [e.finess for e in with_]
        append_event(
            session.connection(),
            self.ws.audit_key,
            document_id=document_id,
            ght_id=document.ght_id,
            seq=1,
            name="create",
            actor=CREATED_BY,
            as_of=day,
            from_state=None,
            to_state=definition.initial,
            payload=payload,
        )
        rules.docs[(ght.id, doc_type)].append(
            KnownDocument(
                document_id, ght.id, doc_type, definition.initial, campaign.id or 0, reference
            )
        )
        return Created(document_id, ght.code, doc_type, reference, campaign.code, due, parties)


def _free_reference(doc_type: str, taken: set[str]) -> str:
    prefix = "HAD" if doc_type == HAD_CONVENTION else "CHU" if doc_type == CHU_CONVENTION else "N"
    n = 2
    while f"{prefix}-{n}" in taken:
        n += 1
    return f"{prefix}-{n}"


def create_missing(
    ws: Workspace,
    *,
    ght: str | None = None,
    campaign: str | None = None,
    as_of: date | None = None,
) -> CreateResult:
    """`compliance --create-missing`: the required conventions (CHU, HAD) that are missing,
    created in a campaign (the one named, else the region's latest open one) as its launch
    creates them, in one transaction; no e-mail (the launch sends those)."""
    day = check_not_after_today(as_of or today(), "creation date")  # its events' day
    result = CreateResult()
    with ws.db.transaction() as session:
        chosen = campaign_by_code(session, campaign, lock=True) if campaign else None
        if chosen is not None:
            refuse_if_closed(chosen, "get new documents")
        latest = _latest_open_campaigns(session)
        owed = Owed(ws, session)
        for view in selected_ghts(owed.registry, ght):
            if chosen is not None and chosen.region_id != view.region_id:
                continue
            report = owed.rules.ght(view)
            if not any(
                i["status"] == MISSING and i["type"] in REQUIRED_TYPES for i in report["required"]
            ):
                continue
            target = chosen or latest.get(view.region_id)
            if target is None:
                raise InvalidInput(
                    f"region {view.region_code} has no open campaign to create {view.code}'s "
                    "documents in; create one with 'ghtflow campaigns create' or pass "
                    "--campaign CODE"
                )
            done = owed.create_for(view, target, REQUIRED_TYPES, day, "compliance --create-missing")
            result.created += done.created
            result.skipped += done.skipped
    return result


def _latest_open_campaigns(session: Session) -> dict[int, Campaign]:
    latest: dict[int, Campaign] = {}
    for c in session.exec(
        select(Campaign).where(col(Campaign.closed_on).is_(None)).order_by(col(Campaign.id))
    ).all():
        latest[c.region_id] = c
    return latest
