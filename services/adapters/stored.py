"""Reading back values stored as JSON, whatever someone edited into them.

ghtflow writes these columns itself, but a row may be edited in the database: text that is not
JSON (read back as `UnreadableJSON`, see `models/json_column.py`), or JSON of another shape.
The readers here never fail for what is stored: they give the shape the pages expect and keep
the raw value visible, so that a person sees what is there. Deciding on such a value (the
sweep's reminder offsets) is refused with one line instead (`reminder_offsets`).
"""

from __future__ import annotations

import json
from typing import Any

from models.json_column import UnreadableJSON
from services.errors import InvalidInput

UNREADABLE_KEY = "unreadable"  # the payload shown for an event whose payload does not parse


def _raw(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def motive_keys(value: Any) -> list[str]:
    """The motive keys of a conformity request or an event payload; a value of another shape
    is one item, its raw text (shown as an unknown motive)."""
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return [_raw(value)]


def event_payload(text: str) -> dict[str, Any]:
    """An event's payload as a mapping; `{"unreadable": raw text}` if it is not a JSON object."""
    try:
        payload = json.loads(text)
    except (ValueError, TypeError):
        return {UNREADABLE_KEY: str(text)}
    return payload if isinstance(payload, dict) else {UNREADABLE_KEY: str(text)}


def reminder_offsets(value: Any) -> tuple[int, ...] | None:
    """A campaign's reminder offsets (None: the type's own); refused if they cannot be read."""
    if value is None:
        return None
    if (
        isinstance(value, list)
        and not isinstance(value, UnreadableJSON)
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return tuple(value)
    raise InvalidInput(f"its campaign's reminder offsets cannot be read: {_raw(value)[:80]!r}")
