"""Word (and PDF) files ghtflow filled from a template, kept so that what is signed can be
traced back to the document, its version and the data it was filled with."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from models.tables import utcnow


class GeneratedFile(SQLModel, table=True):
    """One filled file, stored once under its SHA-256 in the file store.

    `document_version` is the document's `current_version` when the file was filled (0 for a
    convention still in preparation); `conformity_request_id` is set for a conformity letter.
    Filling again with unchanged data gives the same `file_hash` and reuses the row."""

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    document_version: int = 0
    conformity_request_id: int | None = Field(
        default=None, foreign_key="conformityrequest.id", index=True
    )
    kind: str = Field(max_length=40, description="chu_convention… or conformity_letter")
    template: str = Field(max_length=300, description="template file name")
    file_format: str = Field(default="docx", max_length=8, description="docx or pdf")
    file_hash: str = Field(max_length=64, description="sha256 of the file")
    file_name: str = Field(max_length=300)
    size: int
    as_of: date = Field(description="the date written in the document")
    created_at: datetime = Field(default_factory=utcnow)
