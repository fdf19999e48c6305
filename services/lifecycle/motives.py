"""The catalogue of conformity motives: those of the procedures in force (their `motives.yaml`,
recorded as built-ins by `ghtflow db upgrade`), extended by users (`motives add`) and by
scenarios."""

from __future__ import annotations

import re

from sqlmodel import col, select

from models import ConformityMotive
from services.errors import InvalidInput
from services.limits import KEY_MAX, LABEL_MAX, check_length
from services.workspace import Workspace

# a letter, then letters, digits and _; 2 to KEY_MAX characters in all (no trailing newline)
_KEY = re.compile(rf"[a-z][a-z0-9_]{{1,{KEY_MAX - 1}}}")


def motive_key_problem(key: str) -> str | None:
    """Why `key` cannot name a motive, or None: the one rule for `motives add` and the scenario
    loader (a motive key is typed with `--motive`, so it stays short and plain)."""
    if len(key) > KEY_MAX:
        return f"motive key is too long: {len(key)} characters, at most {KEY_MAX}"
    if not _KEY.fullmatch(key):
        return (
            f"motive key {key!r} must be 2 to {KEY_MAX} lower-case letters, digits and _, "
            "starting with a letter"
        )
    return None


def list_motives(ws: Workspace) -> list[dict[str, object]]:
    with ws.db.reading() as session:
        rows = session.exec(select(ConformityMotive).order_by(col(ConformityMotive.key))).all()
    return [{"key": m.key, "label": m.label, "builtin": m.builtin} for m in rows]


def add_motive(ws: Workspace, key: str, label: str) -> bool:
    """Add a motive or change its label; returns True when it is new."""
    problem = motive_key_problem(key)
    if problem:
        raise InvalidInput(problem)
    check_length(label.strip(), "motive label", LABEL_MAX)
    if not label.strip():
        raise InvalidInput("a motive needs a label (what the GHT reads)")
    with ws.db.transaction() as session:
        existing = session.get(ConformityMotive, key)
        if existing is None:
            session.add(ConformityMotive(key=key, label=label.strip()))
            return True
        existing.label = label.strip()
        return False


def record_procedure_motives(ws: Workspace) -> list[str]:
    """Add to the catalogue, as built-ins, the motives of the procedures in force that it
    lacks (`ghtflow db upgrade`); a motive already there keeps its label. The keys added."""
    motives = ws.procedures.motives
    with ws.db.transaction() as session:
        present = set(
            session.exec(
                select(ConformityMotive.key).where(col(ConformityMotive.key).in_(list(motives)))
            ).all()
        )
        added = [key for key in motives if key not in present]
        for key in added:
            session.add(ConformityMotive(key=key, label=motives[key], builtin=True))
    return added
