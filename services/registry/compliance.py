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

Creating what is missing is a campaign's work (`services/campaigns/owed.py`: `compliance
--create-missing` and `campaigns launch`); this module only reads.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select as core_select
from sqlmodel import Session, col

from models import Document, DocumentParty, Establishment
from services.registry.ghts import unknown_ght
from services.views.registry import CHU, GhtView, Registry, load_registry
from services.workspace import Workspace

CHU_CONVENTION = "chu_convention"
HAD_CONVENTION = "had_convention"
PARTNERSHIP = "partnership_convention"
PARTIE = "partie"
ASSOCIATION = "association"
MISSING, IN_PROGRESS, DONE = "missing", "in_progress", "done"
# the document types the role matrix decides (which GHT owes one, with whom)
MATRIX_TYPES = (CHU_CONVENTION, HAD_CONVENTION, PARTNERSHIP)
# those it requires (partnerships are only suggested)
REQUIRED_TYPES = (CHU_CONVENTION, HAD_CONVENTION)


@dataclass
class KnownDocument:
    """A document of a type the role matrix decides, with the establishments it names."""

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
    doc: KnownDocument | None,
    status: str,
) -> dict[str, Any]:
    return {
        "type": doc_type,
        "with": sorted(e.finess for e in with_),
        "document_id": doc.id if doc else None,
        "state": doc.state if doc else None,
        "status": status,
    }


class RoleMatrix:
    """The role matrix applied to one read of the registry and of the documents it decides."""

    def __init__(self, ws: Workspace, registry: Registry, docs: list[KnownDocument]) -> None:
        self.registry = registry
        self.final = {t: ws.workflows.definition(t).final_states for t in MATRIX_TYPES}
        self.docs: dict[tuple[int, str], list[KnownDocument]] = defaultdict(list)
        for d in sorted(docs, key=lambda d: d.id):
            self.docs[(d.ght_id, d.doc_type)].append(d)

    def status(self, doc: KnownDocument | None) -> str:
        if doc is None:
            return MISSING
        return DONE if doc.state in self.final[doc.doc_type] else IN_PROGRESS

    def best(self, docs: list[KnownDocument]) -> KnownDocument | None:
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


def load_known(ws: Workspace, session: Session) -> tuple[Registry, list[KnownDocument]]:
    """The registry and the documents of the types the role matrix decides, with their
    parties, read in `session` (a writer reads them in its own transaction)."""
    registry = load_registry(session)
    docs = {
        row[0]: KnownDocument(*row)
        for row in session.execute(
            core_select(
                col(Document.id),
                col(Document.ght_id),
                col(Document.doc_type),
                col(Document.state),
                col(Document.campaign_id),
                col(Document.reference),
            ).where(col(Document.doc_type).in_(MATRIX_TYPES))
        ).all()
    }
    for document_id, establishment_id in session.execute(
        core_select(col(DocumentParty.document_id), col(DocumentParty.establishment_id))
    ).all():
        if document_id in docs:
            docs[document_id].parties.add(establishment_id)
    return registry, list(docs.values())


def selected_ghts(registry: Registry, ght: str | None) -> list[GhtView]:
    """Every GHT, or the one named (`NotFound` for an unknown code)."""
    if ght is None:
        return registry.ghts
    found = registry.ght(ght)
    if found is None:
        raise unknown_ght(ght)
    return [found]


def compliance_report(ws: Workspace, *, ght: str | None = None) -> dict[str, Any]:
    """`{"ghts": [{"code", "name", "required": [...], "suggested": [...]}]}` (README)."""
    with ws.db.reading() as session:
        registry, docs = load_known(ws, session)
    rules = RoleMatrix(ws, registry, docs)
    return {"ghts": [rules.ght(g) for g in selected_ghts(registry, ght)]}


def establishment_names(ws: Workspace) -> dict[str, str]:
    """FINESS → name, for people reading the report."""
    with ws.db.reading() as session:
        rows = session.execute(
            core_select(col(Establishment.finess), col(Establishment.name))
        ).all()
    return {str(finess): str(name) for finess, name in rows}
