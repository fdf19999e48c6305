"""The catalogue of conformity motives, seeded with the 2017 review's four and extended by users."""

from __future__ import annotations

import re

from sqlmodel import col, select

from models import ConformityMotive
from services.errors import InvalidInput
from services.limits import KEY_MAX, LABEL_MAX, check_length
from services.workspace import Workspace

_KEY = re.compile(r"^[a-z][a-z0-9_]{1,59}$")


def list_motives(ws: Workspace) -> list[dict[str, object]]:
    with ws.db.reading() as session:
        rows = session.exec(select(ConformityMotive).order_by(col(ConformityMotive.key))).all()
    return [{"key": m.key, "label": m.label, "builtin": m.builtin} for m in rows]


def add_motive(ws: Workspace, key: str, label: str) -> bool:
    """Add a motive or change its label; returns True when it is new."""
    check_length(key, "motive key", KEY_MAX)
    check_length(label.strip(), "motive label", LABEL_MAX)
    if not _KEY.match(key):
        raise InvalidInput(f"motive key {key!r} must be lower-case letters, digits and _")
    if not label.strip():
        raise InvalidInput("a motive needs a label (what the GHT reads)")
    with ws.db.transaction() as session:
        existing = session.get(ConformityMotive, key)
        if existing is None:
            session.add(ConformityMotive(key=key, label=label.strip()))
            return True
        existing.label = label.strip()
        return False
