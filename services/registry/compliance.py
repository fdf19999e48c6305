"""What each GHT owes under the role matrix, and what exists: the compliance report.

Required (the law):
- `chu_convention` with the GHT's CHU of reference, unless the support establishment or one of
  its parties is that CHU. When no CHU of reference can be found (several CHUs in the region
  and none set), the requirement is listed with an empty `with` (set it with
  `ghtflow ghts set-reference-chu`).
- `had_convention` covering every private HAD that operates in the GHT's area (or is one of
  its members). One convention may cover several HADs: each existing HAD convention is an item
  with the HADs it names; HADs no convention names form one `missing` item.
- `partie`: a public HAD operating in the area, or associated to the GHT, must be a partie
  (of this GHT, or of another one).

Suggested (optional links), one item per establishment operating in the area that is not a
partie: `association` for a public psychiatric CH or an army hospital, `partie` for a public
medico-social establishment (EHPAD, MAS, IME…), `partnership_convention` for a private
establishment other than an HAD (sent to the agency for information).

Status: `missing` (no document, or no membership), `in_progress` (a document not in a final
state), `done` (a final state, e.g. approved or acknowledged; or the membership exists).
Documents of every campaign count. Every item has the shape
`{"type", "with": [FINESS…], "document_id", "state", "status"}`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from models import Campaign, CampaignDueDate, Document, DocumentParty, Establishment
from services.audit.chain import append_event
from services.clock import check_not_after_today, today
from services.errors import InvalidInput, NotFound
from services.registry.ghts import unknown_ght
from services.views.registry import CHU, GhtView, Registry, load_registry
from services.workspace import Workspace

CHU_CONVENTION = "chu_convention"
HAD_CONVENTION = "had_convention"
PARTNERSHIP = "partnership_convention"
PARTIE = "partie"
ASSOCIATION = "association"
MISSING, IN_PROGRESS, DONE = "missing", "in_progress", "done"
_DOC_TYPES = (CHU_CONVENTION, HAD_CONVENTION, PARTNERSHIP)
CREATED_BY = "ghtflow"


@dataclass
class _Doc:
    id: int
    ght_id: int
    doc_type: str
    state: str
    campaign_id: int
    reference: str
    parties: set[int] = field(default_factory=set)


def _item(
    doc_type: str,
    with_: list[Establishment],
    doc: _Doc | None,
    status: str,
) -> dict[str, Any]:
    return {
        "type": doc_type,
        "with": sorted(e.finess for e in with_),
        "document_id": doc.id if doc else None,
        "state": doc.state if doc else None,
        "status": status,
    }


class _Rules:
    def __init__(self, ws: Workspace, registry: Registry, docs: list[_Doc]) -> None:
        self.registry = registry
        self.final = {t: ws.workflows.definition(t).final_states for t in _DOC_TYPES}
        self.docs: dict[tuple[int, str], list[_Doc]] = defaultdict(list)
        for d in sorted(docs, key=lambda d: d.id):
            self.docs[(d.ght_id, d.doc_type)].append(d)

    def status(self, doc: _Doc | None) -> str:
        if doc is None:
            return MISSING
        return DONE if doc.state in self.final[doc.doc_type] else IN_PROGRESS

    def best(self, docs: list[_Doc]) -> _Doc | None:
        """A done document if there is one, else the latest."""
        done = [d for d in docs if self.status(d) == DONE]
        chosen = done or docs
        return chosen[-1] if chosen else None

    def ght(self, ght: GhtView) -> dict[str, Any]:
        """What the GHT must have (CHU and HAD conventions, public HADs as parties) and what
        is suggested (associations, parties, partnerships), each with its status."""
        registry = self.registry
        around = {e.id or 0: e for e in registry.operating_in(registry.area(ght))}
        for m in ght.members:
            around.setdefault(m.establishment_id, registry.establishments[m.establishment_id])
        required = [*self._chu_convention(ght), *self._had_conventions(ght, around)]
        return {
            "code": ght.code,
            "name": ght.name,
            "required": required,
            "suggested": self._suggested(ght, around),
        }

    def _chu_convention(self, ght: GhtView) -> list[dict[str, Any]]:
        """An association convention with the reference CHU, unless a CHU is a party."""
        registry, parties = self.registry, ght.party_ids
        reference = registry.reference_chu(ght)
        own_chu = any(registry.establishments[i].kind == CHU for i in parties)
        if reference is None and not own_chu:
            doc = self.best(self.docs[(ght.id, CHU_CONVENTION)])
            return [_item(CHU_CONVENTION, [], doc, self.status(doc))]
        if reference is not None:
            chu = reference.establishment
            if chu.id != ght.support_id and chu.id not in parties:
                doc = self.best(self.docs[(ght.id, CHU_CONVENTION)])
                return [_item(CHU_CONVENTION, [chu], doc, self.status(doc))]
        return []

    def _had_conventions(
        self, ght: GhtView, around: dict[int, Establishment]
    ) -> list[dict[str, Any]]:
        """Private HADs of the area under a convention; public HADs of the area as parties."""
        registry, parties = self.registry, ght.party_ids
        required: list[dict[str, Any]] = []
        hads = [e for e in around.values() if e.kind == "HAD"]
        private_hads = {e.id or 0: e for e in hads if not e.is_public}
        covered: set[int] = set()
        for doc in self.docs[(ght.id, HAD_CONVENTION)]:
            named = [registry.establishments[i] for i in doc.parties if i in private_hads]
            covered |= {e.id or 0 for e in named}
            required.append(_item(HAD_CONVENTION, named, doc, self.status(doc)))
        uncovered = [e for i, e in private_hads.items() if i not in covered]
        if uncovered:
            required.append(_item(HAD_CONVENTION, uncovered, None, MISSING))
        for had in sorted((e for e in hads if e.is_public), key=lambda e: e.finess):
            if had.id in parties:
                continue
            if ght.role_of(had.id or 0) is not None or not registry.partie_of.get(had.id or 0):
                required.append(_item(PARTIE, [had], None, MISSING))
        return required

    def _suggested(self, ght: GhtView, around: dict[int, Establishment]) -> list[dict[str, Any]]:
        """Associations (psychiatry, army hospitals), parties (EHPAD, medico-social) and
        partnerships (private establishments) of the area."""
        suggested: list[dict[str, Any]] = []
        for e in sorted(around.values(), key=lambda e: e.finess):
            if e.id in ght.party_ids or e.kind in {"HAD", CHU}:
                continue
            role = ght.role_of(e.id or 0)
            if e.is_public and e.kind in {"psychiatry", "army_hospital"}:
                status = DONE if role == "associe" else MISSING
                suggested.append(_item(ASSOCIATION, [e], None, status))
            elif e.is_public and e.kind in {"EHPAD", "medico_social"}:
                if not self.registry.partie_of.get(e.id or 0):
                    suggested.append(_item(PARTIE, [e], None, MISSING))
            elif not e.is_public:
                docs = [d for d in self.docs[(ght.id, PARTNERSHIP)] if e.id in d.parties]
                doc = self.best(docs)
                suggested.append(_item(PARTNERSHIP, [e], doc, self.status(doc)))
        return suggested


def _load(ws: Workspace, session: Session) -> tuple[Registry, list[_Doc]]:
    registry = load_registry(session)
    docs = {
        row[0]: _Doc(*row)
        for row in session.execute(
            core_select(
                col(Document.id),
                col(Document.ght_id),
                col(Document.doc_type),
                col(Document.state),
                col(Document.campaign_id),
                col(Document.reference),
            ).where(col(Document.doc_type).in_(_DOC_TYPES))
        ).all()
    }
    for document_id, establishment_id in session.execute(
        core_select(col(DocumentParty.document_id), col(DocumentParty.establishment_id))
    ).all():
        if document_id in docs:
            docs[document_id].parties.add(establishment_id)
    return registry, list(docs.values())


def _selected(registry: Registry, ght: str | None) -> list[GhtView]:
    if ght is None:
        return registry.ghts
    found = registry.ght(ght)
    if found is None:
        raise unknown_ght(ght)
    return [found]


def compliance_report(ws: Workspace, *, ght: str | None = None) -> dict[str, Any]:
    """`{"ghts": [{"code", "name", "required": [...], "suggested": [...]}]}` (README)."""
    with ws.db.reading() as session:
        registry, docs = _load(ws, session)
    rules = _Rules(ws, registry, docs)
    return {"ghts": [rules.ght(g) for g in _selected(registry, ght)]}


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


def create_missing(
    ws: Workspace,
    *,
    ght: str | None = None,
    campaign: str | None = None,
    as_of: date | None = None,
) -> CreateResult:
    """Create the missing required conventions in their initial state, with the campaign's due
    dates and their parties (the CHU; each HAD with its area), in one transaction. Running it
    again creates nothing: what it created is no longer missing."""
    day = check_not_after_today(as_of or today(), "creation date")  # its events' day
    result = CreateResult()
    with ws.db.transaction() as session:
        registry, docs = _load(ws, session)
        rules = _Rules(ws, registry, docs)
        chosen = _campaign_by_code(session, campaign) if campaign else None
        latest = _latest_campaigns(session)
        for view in _selected(registry, ght):
            if chosen is not None and chosen.region_id != view.region_id:
                continue
            report = rules.ght(view)
            todo = [
                item
                for item in report["required"]
                if item["status"] == MISSING and item["type"] in {CHU_CONVENTION, HAD_CONVENTION}
            ]
            if not todo:
                continue
            target = chosen or latest.get(view.region_id)
            if target is None:
                raise InvalidInput(
                    f"region {view.region_code} has no campaign to create {view.code}'s "
                    "documents in; load one with a scenario or pass --campaign CODE"
                )
            for item in todo:
                if not item["with"]:
                    result.skipped.append(
                        f"{view.code}: {item['type']}: no CHU of reference (several CHUs in "
                        f"region {view.region_code}); set it with "
                        f"'ghtflow ghts set-reference-chu {view.code} FINESS'"
                    )
                    continue
                with_ = [registry.by_finess[f] for f in item["with"]]
                result.created.append(
                    _create(session, ws, rules, view, item["type"], with_, target, day)
                )
    return result


def _campaign_by_code(session: Session, code: str) -> Campaign:
    found = session.exec(select(Campaign).where(Campaign.code == code)).first()
    if found is None:
        raise NotFound(f"unknown campaign {code!r}")
    return found


def _latest_campaigns(session: Session) -> dict[int, Campaign]:
    latest: dict[int, Campaign] = {}
    for c in session.exec(select(Campaign).order_by(col(Campaign.id))).all():
        latest[c.region_id] = c
    return latest


def _create(
    session: Session,
    ws: Workspace,
    rules: _Rules,
    ght: GhtView,
    doc_type: str,
    with_: list[Establishment],
    campaign: Campaign,
    day: date,
) -> Created:
    definition = ws.workflows.definition(doc_type)
    same = [d for d in rules.docs[(ght.id, doc_type)] if d.campaign_id == campaign.id]
    draft = next((d for d in same if d.state == definition.initial), None)
    parties = [(e.finess, e.area if e.kind == "HAD" else None) for e in with_]
    if draft is not None:  # an HAD convention in preparation: it now names these HADs too
        for e, (_finess, area) in zip(with_, parties, strict=True):
            session.add(DocumentParty(document_id=draft.id, establishment_id=e.id or 0, area=area))
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
        session.add(DocumentParty(document_id=document_id, establishment_id=e.id or 0, area=area))
    append_event(
        session.connection(),
        ws.audit_key,
        document_id=document_id,
        ght_id=document.ght_id,
        seq=1,
        name="create",
        actor=CREATED_BY,
        as_of=day,
        from_state=None,
        to_state=definition.initial,
        payload={"by": "compliance --create-missing", "with": [e.finess for e in with_]},
    )
    rules.docs[(ght.id, doc_type)].append(
        _Doc(document_id, ght.id, doc_type, definition.initial, campaign.id or 0, reference)
    )
    return Created(document_id, ght.code, doc_type, reference, campaign.code, due, parties)


def _free_reference(doc_type: str, taken: set[str]) -> str:
    prefix = "HAD" if doc_type == HAD_CONVENTION else "CHU"
    n = 2
    while f"{prefix}-{n}" in taken:
        n += 1
    return f"{prefix}-{n}"


def establishment_names(ws: Workspace) -> dict[str, str]:
    """FINESS → name, for people reading the report."""
    with ws.db.reading() as session:
        rows = session.execute(
            core_select(col(Establishment.finess), col(Establishment.name))
        ).all()
    return {str(finess): str(name) for finess, name in rows}
