"""Hostile uploads through the dashboard and the JSON API (one receiving code for both):
names that are paths, too long or carry header characters; Word look-alikes and zip bombs;
refused events that must leave nothing on disk; motives sent twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from models import DocumentVersion
from services.accounts.credentials import issue_token
from services.views.documents import show_document
from tests.file_samples import PDF, docx, with_declared_size
from tests.integration.helpers import OFFICER, director, document_id

SQLITE = pytest.mark.parametrize("backend", ["sqlite"])


def _store(ws) -> list[Path]:
    root = ws.files.root
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _api(web, ws, email: str, document: int, name: str, content: bytes, event: str = "submit"):
    headers = {"Authorization": f"Bearer {issue_token(ws, email)}"}
    return web.post(
        f"/api/documents/{document}/events",
        headers=headers,
        data={"event": event},
        files={"file": (name, content, "application/pdf")},
    )


@SQLITE
@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("..", "document"),
        (".", "document"),
        ("../../..", "document"),
        ("." * 300, "document"),
        ("é" * 200 + ".pdf", "é" * 125 + ".pdf"),
        ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
        ('x"\r\nSet-Cookie: y=1.pdf', "x%22%0D%0ASet-Cookie_ y=1.pdf"),  # as httpx sends it
        ("x\x01\x7f\u202e.pdf", "x%01__.pdf"),
    ],
)
def test_api_upload_names_are_cleaned_not_a_500(web, occitanie, sent, stored):
    d = document_id(occitanie, "OCC-02", "pmsp")
    answer = _api(web, occitanie, director("OCC-02"), d, sent, PDF)
    assert answer.status_code == 200, answer.text
    (version,) = show_document(occitanie, d)["versions"]
    assert version["file_name"] == stored
    assert len(stored.encode()) <= 255


@SQLITE
def test_dashboard_upload_of_a_long_accented_name(lot, occitanie):
    d = document_id(occitanie, "OCC-02", "pmsp")
    name = "Projet médical partagé " * 20 + ".pdf"  # 480 bytes in UTF-8
    answer = lot.post(
        f"/documents/{d}/actions",
        {"event": "submit"},
        files={"file": (name, PDF, "application/pdf")},
    )
    assert answer.status_code == 303
    (version,) = show_document(occitanie, d)["versions"]
    assert version["file_name"].endswith(".pdf") and len(version["file_name"].encode()) <= 255
    download = lot.get(f"/documents/{d}/versions/1")
    assert download.status_code == 200 and download.content == PDF


@SQLITE
def test_a_stored_name_with_header_characters_is_served_safely(lot, occitanie):
    """Rows written before names were cleaned: the download header still cannot be split."""
    d = document_id(occitanie, "OCC-02", "pmsp")
    lot.post(f"/documents/{d}/actions", {"event": "submit"},
             files={"file": ("p.pdf", PDF, "application/pdf")})  # fmt: skip
    with occitanie.db.writing() as conn:
        conn.execute(
            update(DocumentVersion).values(file_name='a";\r\nSet-Cookie: stolen=1\r\n.pdf')
        )
    download = lot.get(f"/documents/{d}/versions/1")
    assert download.status_code == 200
    assert "stolen" not in download.cookies and "set-cookie" not in download.headers
    disposition = download.headers["content-disposition"]
    assert "\r" not in disposition and "\n" not in disposition and '";' not in disposition


@pytest.mark.parametrize(
    ("content", "status", "detail"),
    [
        (
            docx(content_types="<Types/>"),
            422,
            "file pmsp.docx is not a PDF or Word (.docx, .doc) document (judged from its "
            "content): [Content_Types].xml declares no Word main document",
        ),
        (
            with_declared_size(docx(extra={"word/media/a.bin": b"x"}), "word/media/a.bin", 2**30),
            422,
            "file pmsp.docx is refused: once expanded it would take 1024 MiB (limit 100 MiB)",
        ),
    ],
)
def test_word_look_alikes_and_bombs_are_refused_by_the_api(web, occitanie, content, status, detail):
    d = document_id(occitanie, "OCC-02", "pmsp")
    answer = _api(web, occitanie, director("OCC-02"), d, "pmsp.docx", content)
    assert (answer.status_code, answer.json()) == (status, {"detail": detail})
    assert _store(occitanie) == []


@SQLITE
def test_the_dashboard_refuses_a_bomb_in_french(lot, occitanie):
    d = document_id(occitanie, "OCC-02", "pmsp")
    bomb = with_declared_size(docx(), "word/document.xml", 2**30)
    answer = lot.post(
        f"/documents/{d}/actions",
        {"event": "submit"},
        files={"file": ("pmsp.docx", bomb, "application/octet-stream")},
    )
    assert answer.status_code == 422
    assert "Le fichier « pmsp.docx » est refusé : une fois décompressé" in answer.text
    assert _store(occitanie) == []


def test_uploads_with_a_refused_event_leave_nothing_on_disk(web, lot, occitanie):
    d = document_id(occitanie, "OCC-02", "pmsp")
    other = document_id(occitanie, "OCC-03", "pmsp")
    assert _api(web, occitanie, OFFICER, d, "p.pdf", PDF).status_code == 403  # wrong side
    illegal = _api(web, occitanie, director("OCC-02"), d, "p.pdf", PDF, "approve")
    assert illegal.status_code == 422  # not allowed in this state
    assert _api(web, occitanie, director("OCC-02"), other, "p.pdf", PDF).status_code == 404
    form = lot.post(
        f"/documents/{d}/actions",
        {"event": "adopt_interim"},
        files={"file": ("p.pdf", PDF, "application/pdf")},
    )
    assert form.status_code == 422
    assert _store(occitanie) == []


@SQLITE
def test_motives_sent_twice_are_recorded_once(web, lot, officer, occitanie):
    d = document_id(occitanie, "OCC-02", "pmsp")
    assert _api(web, occitanie, director("OCC-02"), d, "p.pdf", PDF).status_code == 200
    page = officer.get(f"/documents/{d}").text
    respond_by = page.split('name="respond_by"', 1)[1].split('min="', 1)[1].split('"', 1)[0]
    answer = officer.post(
        f"/documents/{d}/actions",
        {
            "event": "request_conformity",
            "motives": ["shared_care_project", "monitoring_evaluation", "shared_care_project"],
            "respond_by": respond_by,
        },
    )
    assert answer.status_code == 303, answer.text
    (request,) = show_document(occitanie, d)["conformity_requests"]
    assert request["motives"] == ["shared_care_project", "monitoring_evaluation"]


@SQLITE
def test_an_oversized_body_is_cut_short_even_without_a_declared_length(web, occitanie, settings):
    """Chunked bodies announce no length: they are counted as they arrive, and stopped at
    the limit (413) instead of being spooled whole to a temporary file and then refused."""
    d = document_id(occitanie, "OCC-02", "pmsp")
    headers = {
        "Authorization": f"Bearer {issue_token(occitanie, director('OCC-02'))}",
        "Content-Type": "multipart/form-data; boundary=xyz",
    }
    sent = 0

    def endless() -> Iterator[bytes]:
        nonlocal sent
        yield b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n'
        while sent < 10 * settings.max_file_bytes:
            sent += 64 * 1024
            yield b"0" * 64 * 1024

    answer = web.post(f"/api/documents/{d}/events", headers=headers, content=endless())
    assert answer.status_code == 413
    assert "larger than" in answer.json()["detail"]
    assert show_document(occitanie, d)["version"] == 0
