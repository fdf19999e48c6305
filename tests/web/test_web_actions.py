"""Actions on a document page, through `services.lifecycle.fire.fire`: only the allowed ones are
offered, each refusal is shown with the CLI's message and changes nothing, uploads are
checked from their content and size; the outbox page and its retry button."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from sqlalchemy import update

from models import OutboxMessage
from services.clock import today
from services.views.documents import show_document
from states.guards import add_months
from tests.file_samples import docx
from tests.integration.helpers import document_id
from tests.web.pagecheck import alert_of, buttons_of, check_page, flash_of

SQLITE = pytest.mark.parametrize("backend", ["sqlite"])
PDF = b"%PDF-1.4\n% projet medical partage\n" + b"0" * 2000
DOCX = docx()


def _state(ws, d: int) -> tuple[str, int]:
    shown = show_document(ws, d)
    return shown["state"], shown["version"]


def _act(visitor, d: int, event: str, *, file=None, **fields):
    data = {"event": event, **fields}
    files = {"file": file} if file is not None else None
    return visitor.post(f"/documents/{d}/actions", data, files=files)


def _respond_by() -> str:
    return add_months(today(), 1).isoformat()


def test_submit_request_conformity_resubmit_approve_through_the_pages(lot, officer, occitanie):
    """The issue's story, on both databases."""
    d = document_id(occitanie, "OCC-02", "pmsp")
    page = lot.get(f"/documents/{d}").text
    check_page(page)
    assert buttons_of(page) == ["Arrêter un avenant intermédiaire", "Transmettre"]
    assert buttons_of(officer.get(f"/documents/{d}").text) == []

    answer = _act(lot, d, "submit", file=("PMSP Lot 2017.pdf", PDF, "application/pdf"))
    assert answer.status_code == 303 and answer.headers["location"] == f"/documents/{d}"
    page = lot.get(f"/documents/{d}").text
    assert (
        flash_of(page)
        == "Action enregistrée : le document est maintenant « Transmis à l'ARS » (version 1)."
    )
    assert buttons_of(page) == []
    assert _state(occitanie, d) == ("submitted", 1)
    download = lot.get(f"/documents/{d}/versions/1")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert "PMSP%20Lot%202017.pdf" in download.headers["content-disposition"] or (
        "PMSP Lot 2017.pdf" in download.headers["content-disposition"]
    )
    overview = officer.get("/").text
    awaiting = overview[overview.index('id="titre-decision"') :]
    assert f'href="/documents/{d}"' in awaiting

    page = officer.get(f"/documents/{d}").text
    assert buttons_of(page) == ["Demander la mise en conformité", "Approuver"]
    answer = _act(
        officer,
        d,
        "request_conformity",
        motives=["shared_care_project", "monitoring_evaluation"],
        respond_by=_respond_by(),
        note="Filières à détailler.",
        expected_version=show_document(occitanie, d)["lock_version"],
    )
    assert answer.status_code == 303
    page = lot.get(f"/documents/{d}").text
    assert "Mise en conformité demandée" in page and "Filières à détailler." in page
    requests = page[page.index('id="titre-demandes"') : page.index('id="titre-versions"')]
    assert requests.count("<li>") == 2 and "en attente" in requests
    assert buttons_of(page) == ["Transmettre à nouveau"]

    answer = _act(lot, d, "resubmit", file=("PMSP v2.docx", DOCX, "application/octet-stream"))
    assert answer.status_code == 303
    assert _state(occitanie, d) == ("submitted", 2)
    assert lot.get(f"/documents/{d}/versions/2").content == DOCX
    assert _act(officer, d, "approve").status_code == 303
    page = officer.get(f"/documents/{d}").text
    assert "Approuvé" in page and "état final" in page and buttons_of(page) == []
    history = page[page.index('class="chronologie"') :]
    for label in (
        "Transmettre",
        "Demander la mise en conformité",
        "Transmettre à nouveau",
        "Approuver",
    ):
        assert f"<strong>{label}</strong>" in history.replace("&#39;", "'")


@SQLITE
def test_a_refusal_shows_the_cli_message_and_changes_nothing(lot, officer, occitanie):
    d = document_id(occitanie, "OCC-02", "pmsp")
    answer = _act(officer, d, "submit", file=("x.pdf", PDF, "application/pdf"))
    assert answer.status_code == 403
    assert alert_of(answer.text) == (
        f"document {d} (pmsp, OCC-02): event 'submit' is for the GHT, not for the agency (ARS)"
    )
    check_page(answer.text)
    assert _act(lot, d, "submit").status_code == 422
    assert alert_of(_act(lot, d, "submit").text) == (
        f"document {d} (pmsp, OCC-02): submit refused: a file is required"
    )
    assert alert_of(_act(lot, d, "approve").text).endswith(
        "event 'approve' is not allowed in state 'draft'; allowed events: adopt_interim, submit"
    )
    assert _state(occitanie, d) == ("draft", 0)


@SQLITE
def test_conformity_request_needs_motives_and_a_late_enough_date(lot, officer, occitanie):
    d = document_id(occitanie, "OCC-02", "pmsp")
    _act(lot, d, "submit", file=("p.pdf", PDF, "application/pdf"))
    page = officer.get(f"/documents/{d}").text
    assert 'name="motives" value="shared_care_project"' in page
    assert f'min="{_respond_by()}"' in page
    no_motive = _act(officer, d, "request_conformity", respond_by=_respond_by())
    assert no_motive.status_code == 422
    assert "at least one motive is required" in alert_of(no_motive.text)
    early = _act(
        officer, d, "request_conformity", motives=["shared_care_project"],
        respond_by=today().isoformat(),
    )  # fmt: skip
    assert "earliest allowed" in alert_of(early.text)
    bad_date = _act(officer, d, "request_conformity", respond_by="demain")
    assert alert_of(bad_date.text) == "'demain' is not a date YYYY-MM-DD"
    stale = _act(officer, d, "approve", expected_version=1)
    assert stale.status_code == 409 and "changed by someone else" in alert_of(stale.text)
    assert _state(occitanie, d) == ("submitted", 1)


@SQLITE
def test_another_ght_cannot_act_and_cannot_learn_the_document_exists(occitanie, web):
    from fastapi.testclient import TestClient

    from tests.integration.helpers import director
    from tests.web.conftest import Visitor

    audois = Visitor(TestClient(web.app))
    audois.sign_in(director("OCC-03"))
    d = document_id(occitanie, "OCC-02", "pmsp")
    answer = _act(audois, d, "submit", file=("p.pdf", PDF, "application/pdf"))
    assert answer.status_code == 404
    assert alert_of(answer.text) == f"document {d} does not exist"
    assert _state(occitanie, d) == ("draft", 0)


@SQLITE
@pytest.mark.parametrize("token", [None, "faux"])
def test_an_action_without_the_session_csrf_token_is_refused_403(lot, occitanie, token):
    d = document_id(occitanie, "OCC-02", "pmsp")
    data = {"event": "adopt_interim"}
    if token:
        data["csrf_token"] = token
    answer = lot.client.post(f"/documents/{d}/actions", data=data, follow_redirects=False)
    assert answer.status_code == 403 and "CSRF" in alert_of(answer.text)
    assert _state(occitanie, d) == ("draft", 0)


@SQLITE
def test_oversized_uploads_are_refused(lot, occitanie, settings):
    d = document_id(occitanie, "OCC-02", "pmsp")
    limit = settings.max_file_bytes
    just_over = PDF + b"0" * (limit - len(PDF) + 1)
    answer = _act(lot, d, "submit", file=("gros.pdf", just_over, "application/pdf"))
    assert answer.status_code == 422
    assert alert_of(answer.text) == (
        "Le fichier « gros.pdf » dépasse la taille maximale de 64 Ko : il est refusé."
    )
    huge = PDF + b"0" * (4 * limit)
    answer = _act(lot, d, "submit", file=("enorme.pdf", huge, "application/pdf"))
    assert answer.status_code == 413 and "dépasse la taille maximale" in alert_of(answer.text)
    assert _state(occitanie, d) == ("draft", 0)
    at_limit = PDF + b"0" * (limit - len(PDF))
    assert (
        _act(lot, d, "submit", file=("juste.pdf", at_limit, "application/pdf")).status_code == 303
    )


@SQLITE
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("rapport.pdf", b"Ceci est un texte, pas un PDF."),
        ("rapport.docx", b"PK\x03\x04 not really a zip"),
        ("tableur.docx", None),  # a real zip, but a spreadsheet's
        ("vide.pdf", b""),
    ],
)
def test_disguised_or_empty_uploads_are_refused(lot, occitanie, name, content):
    if content is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr("xl/workbook.xml", "<workbook/>")
        content = buffer.getvalue()
    d = document_id(occitanie, "OCC-02", "pmsp")
    answer = _act(lot, d, "submit", file=(name, content, "application/pdf"))
    assert answer.status_code == 422
    message = alert_of(answer.text)
    assert message.startswith(f"Le fichier « {name} »")
    assert "est vide" in message if not content else "ni un PDF ni un document Word" in message
    assert _state(occitanie, d) == ("draft", 0)


@SQLITE
def test_a_legacy_word_file_is_accepted_and_its_name_kept_for_display_only(lot, occitanie):
    d = document_id(occitanie, "OCC-02", "pmsp")
    ole = bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 600
    answer = _act(lot, d, "submit", file=("../../etc/Projet médical.doc", ole, "text/plain"))
    assert answer.status_code == 303
    (version,) = show_document(occitanie, d)["versions"]
    assert version["file_name"] == "Projet médical.doc"
    assert occitanie.files.path_of(version["sha256"]).read_bytes() == ole
    download = lot.get(f"/documents/{d}/versions/1")
    assert download.headers["content-type"] == "application/msword"


@SQLITE
def test_the_outbox_page_lists_failures_and_retries_them(officer, lot, occitanie):
    d = document_id(occitanie, "OCC-02", "pmsp")
    _act(lot, d, "submit", file=("p.pdf", PDF, "application/pdf"))
    _act(
        officer, d, "request_conformity", motives=["shared_care_project"], respond_by=_respond_by()
    )
    with occitanie.db.writing() as conn:  # a delivery that failed for good (no SMTP here)
        conn.execute(
            update(OutboxMessage).values(
                state="failed", attempts=10, last_error="550 mailbox unavailable"
            )
        )
    page = officer.get("/envois")
    check_page(page.text)
    assert "En échec (1)" in page.text and "550 mailbox unavailable" in page.text
    assert "1 envoi en échec" in officer.get("/").text
    message_id = int(re.findall(r"/envois/(\d+)/relancer", page.text)[0])
    assert officer.client.post(f"/envois/{message_id}/relancer").status_code == 403
    answer = officer.post(f"/envois/{message_id}/relancer")
    assert answer.status_code == 303
    page = officer.get("/envois").text
    assert flash_of(page).startswith(f"Message n° {message_id} remis en file d'envoi")
    assert "En échec (0)" in page and "En attente (1)" in page
    with occitanie.db.writing() as conn:
        conn.execute(update(OutboxMessage).values(state="sent"))
    sent = officer.post(f"/envois/{message_id}/relancer")
    assert sent.status_code == 422
    assert alert_of(sent.text) == f"outbox message {message_id} was sent already; nothing to retry"
    assert officer.post("/envois/99999/relancer").status_code == 404


@SQLITE
def test_a_document_without_a_file_for_a_version_answers_404(officer, occitanie):
    d = document_id(occitanie, "OCC-01", "pmsp")  # approved by the scenario, no file
    answer = officer.get(f"/documents/{d}/versions/1")
    assert answer.status_code == 404
    assert alert_of(answer.text) == f"document {d} has no file for version 1"


@SQLITE
def test_the_outbox_page_shows_a_region_notice_without_a_document_link(officer, occitanie):
    from services.audit.chain import write_checkpoint
    from services.audit.mail import mail_checkpoint

    mail_checkpoint(occitanie, write_checkpoint(occitanie), today())
    page = officer.get("/envois")
    check_page(page.text)
    assert "Point de contrôle du journal d’audit" in page.text
    assert "<td>—</td>" in page.text and "/documents/None" not in page.text
