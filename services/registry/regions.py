"""Regions: the agency's direction address, copied on escalations and conformity requests,
and the agency's identity printed on its letters and conventions.

A region created by a national-list import has no direction address yet (the list does not
carry one); until it is set, e-mails go without that copy. Its identity (direction, postal
address, city, phone, logo, letter reference pattern) is set with `regions set-identity` or
given by a scenario; until then letters carry the agency's name alone and references follow
`letter_numbers.DEFAULT_PATTERN`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from models import Region
from services.adapters.input_files import read_input
from services.errors import InvalidInput, NotFound
from services.generation.letter_numbers import DEFAULT_PATTERN, check_pattern
from services.mail.addresses import email_address
from services.workspace import Workspace

DIRECTION_MAX = 200
ADDRESS_LINE_MAX = 100
ADDRESS_LINES_MAX = 6
CITY_MAX = 100
PHONE_MAX = 40
LOGO_MAX_BYTES = 1024 * 1024  # a letterhead logo is tens of kilobytes
LOGO_MAX_PIXELS = 4000  # per side
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_PHONE = re.compile(r"^\+?[0-9 .()\-\u00a0]{4,}$")
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


def _json(region: Region) -> dict[str, Any]:
    return {
        "code": region.code,
        "name": region.name,
        "agency": region.agency_name,
        "direction_email": region.direction_email or None,
        "direction": region.direction_name or None,
        "address": [line for line in region.address.splitlines() if line] or None,
        "city": region.city or None,
        "phone": region.phone or None,
        "logo_sha256": region.logo_hash,
        "reference_pattern": region.reference_pattern or None,
        "reference_example": _example(region),
    }


def _example(region: Region) -> str:
    """What the region's next reference looks like (number 42 of 2017)."""
    pattern = region.reference_pattern or DEFAULT_PATTERN
    try:
        return pattern.format(region=region.code, year=2017, number=42)
    except (ValueError, KeyError, IndexError):  # a pattern edited behind ghtflow's back
        return pattern


@dataclass(frozen=True)
class Identity:
    """What `set-identity` changes: None leaves a value as it is, "" clears it."""

    direction: str | None = None
    address: tuple[str, ...] | None = None
    city: str | None = None
    phone: str | None = None
    reference_pattern: str | None = None


def _one_line(value: str, what: str, limit: int) -> str:
    value = value.strip()
    if len(value) > limit:
        raise InvalidInput(f"{what} is too long: {len(value)} characters, at most {limit}")
    if _CONTROL.search(value):
        raise InvalidInput(f"{what}: line breaks and control characters are not allowed")
    return value


def check_identity(identity: Identity) -> Identity:
    """The identity with each value stripped and checked (bounded, one line each, a phone
    number of digits, a reference pattern naming only its fields), or one `InvalidInput`."""
    address = identity.address
    if address is not None:
        lines = [_one_line(line, "address line", ADDRESS_LINE_MAX) for line in address]
        address = tuple(line for line in lines if line)
        if len(address) > ADDRESS_LINES_MAX:
            raise InvalidInput(
                f"too many address lines: {len(address)}, at most {ADDRESS_LINES_MAX}"
            )
    phone = identity.phone
    if phone is not None:
        phone = _one_line(phone, "phone", PHONE_MAX)
        if phone and not _PHONE.match(phone):
            raise InvalidInput("phone: digits, spaces, dots, dashes and a leading + only")
    pattern = identity.reference_pattern
    if pattern is not None:
        pattern = check_pattern(pattern)
    return Identity(
        direction=None
        if identity.direction is None
        else _one_line(identity.direction, "direction", DIRECTION_MAX),
        address=address,
        city=None if identity.city is None else _one_line(identity.city, "city", CITY_MAX),
        phone=phone,
        reference_pattern=pattern,
    )


def apply_identity(region: Region, identity: Identity) -> None:
    """Write a checked identity's given values on the region row."""
    if identity.direction is not None:
        region.direction_name = identity.direction
    if identity.address is not None:
        region.address = "\n".join(identity.address)
    if identity.city is not None:
        region.city = identity.city
    if identity.phone is not None:
        region.phone = identity.phone
    if identity.reference_pattern is not None:
        region.reference_pattern = identity.reference_pattern


def read_logo(path: Path) -> bytes:
    """A logo file's bytes: a PNG or JPEG by its content, at most `LOGO_MAX_BYTES` and
    `LOGO_MAX_PIXELS` a side, that python-docx can size; else one line naming the file."""
    data = read_input(path, LOGO_MAX_BYTES)
    if not (data.startswith(_PNG) or data.startswith(_JPEG)):
        raise InvalidInput(f"{path}: a logo must be a PNG or JPEG image")
    from docx.image.image import Image  # reads the header for the size, as Word will

    try:
        image = Image.from_blob(data)
        width, height = image.px_width, image.px_height
    except Exception:  # a truncated or corrupt header: python-docx raises various errors
        raise InvalidInput(f"{path}: not a readable PNG or JPEG image") from None
    if not (0 < width <= LOGO_MAX_PIXELS and 0 < height <= LOGO_MAX_PIXELS):
        raise InvalidInput(
            f"{path}: {width}×{height} pixels; a logo is at most {LOGO_MAX_PIXELS} a side"
        )
    return data


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


def show_region(ws: Workspace, code: str) -> dict[str, Any]:
    """One region with its agency's identity (`regions show`)."""
    with ws.db.reading() as session:
        return _json(_region(session, code))


def _region(session: Session, code: str) -> Region:
    wanted = code.strip().upper()[:16]
    region = session.exec(select(Region).where(Region.code == wanted)).first()
    if region is None:
        known = ", ".join(r.code for r in session.exec(select(Region).order_by(Region.code)))
        raise NotFound(f"unknown region {wanted!r}; regions: {known or 'none'}")
    return region


def set_identity(
    ws: Workspace,
    code: str,
    identity: Identity,
    *,
    logo: Path | None = None,
    clear_logo: bool = False,
) -> dict[str, Any]:
    """`regions set-identity`: change the given values of the agency's identity (the others
    stay); a logo is checked, then kept in the file store under its hash. Nothing changes
    when one value is refused."""
    checked = check_identity(identity)
    if logo is not None and clear_logo:
        raise InvalidInput("give --logo or --no-logo, not both")
    logo_hash = ws.files.put_bytes(read_logo(logo)) if logo is not None else None
    with ws.db.transaction() as session:
        region = _region(session, code)
        apply_identity(region, checked)
        if logo_hash is not None:
            region.logo_hash = logo_hash
        elif clear_logo:
            region.logo_hash = None
        return _json(region)


def region_id_of(ws: Workspace, code: str) -> int:
    """The id of the region of this code (any case), or `NotFound` naming the known ones."""
    with ws.db.reading() as session:
        region = session.exec(select(Region).where(Region.code == code.strip().upper())).first()
        if region is None or region.id is None:
            known = ", ".join(r.code for r in session.exec(select(Region).order_by(Region.code)))
            raise NotFound(f"unknown region {code.strip().upper()[:16]!r}; regions: {known}")
        return region.id
