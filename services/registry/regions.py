"""Regions: the agency's direction address, copied on escalations and conformity requests.

A region created by a national-list import has no direction address yet (the list does not
carry one); until it is set, e-mails go without that copy.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from models import Region
from services.errors import NotFound
from services.mail.addresses import email_address
from services.workspace import Workspace


def _json(region: Region) -> dict[str, Any]:
    return {
        "code": region.code,
        "name": region.name,
        "agency": region.agency_name,
        "direction_email": region.direction_email or None,
    }


def list_regions(ws: Workspace) -> list[dict[str, Any]]:
    with ws.db.reading() as session:
        return [_json(r) for r in session.exec(select(Region).order_by(Region.code)).all()]


def set_direction(
    ws: Workspace, code: str, email: str, *, agency: str | None = None
) -> dict[str, Any]:
    """Set the region's direction address (under the one address rule)."""
    address = email_address(email, "direction e-mail")
    with ws.db.transaction() as session:
        region = session.exec(select(Region).where(Region.code == code.strip().upper())).first()
        if region is None:
            raise NotFound(f"unknown region {code.strip().upper()!r}")
        region.direction_email = address
        if agency:
            region.agency_name = agency.strip()
        return _json(region)


def region_id_of(ws: Workspace, code: str) -> int:
    """The id of the region of this code (any case), or `NotFound` naming the known ones."""
    with ws.db.reading() as session:
        region = session.exec(select(Region).where(Region.code == code.strip().upper())).first()
        if region is None or region.id is None:
            known = ", ".join(r.code for r in session.exec(select(Region).order_by(Region.code)))
            raise NotFound(f"unknown region {code.strip().upper()[:16]!r}; regions: {known}")
        return region.id
