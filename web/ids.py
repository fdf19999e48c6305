"""Row ids in addresses (`/documents/{document_id}`, `/api/documents/{document_id}`…).

An id is a number a row could have: a larger one names nothing, and sent to the database it
fails (SQLite: OverflowError; PostgreSQL: "integer out of range") instead of answering "not
found". Every id in a path is declared as `RowId`; one that is out of range, like one that is
not a number, answers 404 exactly as an absent row does (see `web.app`), so a guessed address
tells nothing and never costs a 500.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from services.limits import ID_MAX

RowId = Annotated[int, Path(ge=-ID_MAX, le=ID_MAX)]
