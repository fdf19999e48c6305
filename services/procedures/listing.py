"""`ghtflow procedures list`: what each procedure in force holds, as stable JSON."""

from __future__ import annotations

from typing import Any

from services.procedures.catalog import procedures_for
from settings import Settings


def list_procedures(settings: Settings) -> list[dict[str, Any]]:
    """One object per procedure in force, in loading order (a later one wins a type)."""
    return [
        {
            "name": p.name,
            "label": p.label,
            "description": p.description,
            "holder": p.holder.value,
            "origin": p.origin.value,
            "folder": str(p.folder),
            "types": list(p.types),
            "models": list(p.models),
            "mails": list(p.mails),
            "motives": len(p.motives),
            "criteria": len(p.criteria),
            "campaign": p.campaign is not None,
        }
        for p in procedures_for(settings).all
    ]
