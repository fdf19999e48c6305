"""The regional summary ("bilan") as of a date: counts per type and state, and per GHT."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from models.queries import states_as_of
from services.workspace import Workspace


@dataclass
class GhtLine:
    code: str
    name: str
    documents: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Bilan:
    as_of: date
    counts: dict[str, dict[str, int]]
    ghts: list[GhtLine]

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "counts": self.counts,
            "ghts": [{"code": g.code, "name": g.name, "documents": g.documents} for g in self.ghts],
        }


def bilan(ws: Workspace, as_of: date, region_id: int | None = None) -> Bilan:
    """Every state of every type appears in `counts`, zeros included, in definition order;
    with `region_id`, the documents of that region only (an agency sees its own region)."""
    counts = {
        t: dict.fromkeys(ws.workflows.definition(t).state_names, 0) for t in ws.workflows.types
    }
    ghts: dict[str, GhtLine] = {}
    with ws.db.reading() as session:
        rows = states_as_of(session, as_of, region_id)
    for document_id, code, name, doc_type, state in rows:
        if doc_type not in counts or state not in counts[doc_type]:
            continue  # a type or state no longer defined: not part of today's picture
        counts[doc_type][state] += 1
        line = ghts.setdefault(code, GhtLine(code, name))
        line.documents.append(
            {
                "id": document_id,
                "type": doc_type,
                "state": state,
                "state_label": ws.workflows.definition(doc_type).label_of(state),
            }
        )
    return Bilan(as_of=as_of, counts=counts, ghts=list(ghts.values()))
