"""The establishments a convention is made with (`DocumentParty`), with each one's area, and
the rule checked before a convention is signed: an HAD convention states the geographic area
of every HAD it covers (one convention may cover several HADs only that way).

`require_had_areas` is the effect `require_had_areas` that the HAD convention's `sign` event
declares in its workflow YAML (`services.lifecycle.effects`); it runs inside the event's
transaction and refuses with a plain message that names the HADs without an area.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func
from sqlmodel import col, select

from models import Document, DocumentParty, Establishment
from services.errors import InvalidInput, NotFound
from services.registry.departments import format_area, parse_area
from services.registry.establishments import find_establishment
from services.workspace import Workspace


def require_had_areas(conn: Connection, document_id: int, label: str) -> None:
    """Refuse to sign an HAD convention that names no HAD, or one of whose HADs has no area
    (`label` names the document in the message, as every refusal of `fire` does)."""
    covered = conn.execute(
        select(func.count())
        .select_from(DocumentParty)
        .join(Establishment, col(DocumentParty.establishment_id) == col(Establishment.id))
        .where(col(DocumentParty.document_id) == document_id, col(Establishment.kind) == "HAD")
    ).scalar_one()
    if not covered:
        raise InvalidInput(
            f"{label}: cannot sign: the convention names no HAD "
            f"(add each one with 'ghtflow parties set {document_id} FINESS --area DEPTS')"
        )
    missing = conn.execute(
        select(col(Establishment.finess), col(Establishment.name))
        .join(DocumentParty, col(DocumentParty.establishment_id) == col(Establishment.id))
        .where(
            col(DocumentParty.document_id) == document_id,
            (col(DocumentParty.area).is_(None)) | (col(DocumentParty.area) == ""),
        )
        .order_by(col(Establishment.finess))
    ).all()
    if missing:
        names = ", ".join(f"{finess} {name}" for finess, name in missing)
        raise InvalidInput(
            f"{label}: cannot sign: the convention must state the "
            f"area of every HAD it covers; no area for {names} "
            f"(set it with 'ghtflow parties set {document_id} FINESS --area DEPTS')"
        )


def list_parties(ws: Workspace, document_id: int) -> list[dict[str, Any]]:
    with ws.db.reading() as session:
        if session.get(Document, document_id) is None:
            raise NotFound(f"document {document_id} does not exist")
        rows = session.exec(
            select(Establishment, DocumentParty)
            .join(DocumentParty, col(DocumentParty.establishment_id) == col(Establishment.id))
            .where(col(DocumentParty.document_id) == document_id)
            .order_by(col(Establishment.finess))
        ).all()
    return [
        {
            "finess": e.finess,
            "name": e.name,
            "kind": e.kind or None,
            "public": e.is_public,
            "area": p.area.split(",") if p.area else None,
        }
        for e, p in rows
    ]


def set_party(ws: Workspace, document_id: int, finess: str, area: str | None) -> bool:
    """Add an establishment to a convention, or change its area; True when added. Without
    `area`, a new party takes the establishment's recorded area (an HAD's departments), and a
    party without one takes it too."""
    departments = format_area(parse_area(area)) if area is not None else None
    with ws.db.transaction() as session:
        if session.get(Document, document_id) is None:
            raise NotFound(f"document {document_id} does not exist")
        establishment = find_establishment(session, finess)
        party = session.exec(
            select(DocumentParty).where(
                col(DocumentParty.document_id) == document_id,
                col(DocumentParty.establishment_id) == establishment.id,
            )
        ).first()
        if departments is None:
            departments = establishment.area or None
        if party is None:
            session.add(
                DocumentParty(
                    document_id=document_id,
                    establishment_id=establishment.id or 0,
                    area=departments,
                )
            )
            return True
        if area is not None or not party.area:
            party.area = departments
        return False


def remove_party(ws: Workspace, document_id: int, finess: str) -> None:
    with ws.db.transaction() as session:
        establishment = find_establishment(session, finess)
        party = session.exec(
            select(DocumentParty).where(
                col(DocumentParty.document_id) == document_id,
                col(DocumentParty.establishment_id) == establishment.id,
            )
        ).first()
        if party is None:
            raise NotFound(f"{establishment.finess} is not a party of document {document_id}")
        session.delete(party)
