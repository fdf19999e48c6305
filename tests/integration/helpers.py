"""Small helpers shared by the integration tests."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import col, select

from models import Document, Ght

OFFICER = "instructeur@ars-occitanie.example.org"


def director(code: str) -> str:
    return f"direction@{code.lower()}.example.org"


def document_id(ws, ght: str, doc_type: str) -> int:
    with ws.db.reading() as session:
        return int(
            session.exec(
                select(Document.id)
                .join(Ght, col(Ght.id) == col(Document.ght_id))
                .where(Ght.code == ght, Document.doc_type == doc_type)
            ).one()
        )


def a_file(tmp_path: Path, name: str = "pmsp.pdf", content: bytes = b"%PDF-1.4 demo") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path
