"""A procedure folder of the tests in force (`GHTFLOW_PROCEDURES`): its type replaces the EPRD,
its events queue its own notice with no Python (templates, copy, Word letter), its model is
filled by `generate`, and its motives join the catalogue. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import col, delete, select

from i18n.typography import french_typography
from models import ConformityMotive, GeneratedFile, OutboxMessage
from services.generation.fill import generate_documents
from services.lifecycle.fire import fire
from services.lifecycle.motives import list_motives, record_procedure_motives
from services.workspace import Workspace
from settings import Settings
from tests.integration.helpers import (
    GHTFLOW_CLI,
    OFFICER,
    a_file,
    cli_env,
    director,
    document_id,
)
from tests.procedure_folders import write_procedure


@pytest.fixture
def decided(occitanie: Workspace, tmp_path: Path) -> Workspace:
    """Occitanie with the tests' procedure in force; its type replaces `eprd_budget_g`, whose
    documents of the scenario are all in preparation."""
    folder = write_procedure(tmp_path / "procedures", type_name="eprd_budget_g")
    ws = occitanie
    ws.settings = Settings(**{**ws.settings.model_dump(), "procedures": str(folder)})
    ws.__dict__.pop("procedures", None)
    ws.workflows = ws.procedures.workflows
    assert ws.workflows.definition("eprd_budget_g").label == "Dossier de candidature"
    return ws


def _submitted(ws: Workspace, tmp_path: Path, ght: str = "OCC-02") -> int:
    doc = document_id(ws, ght, "eprd_budget_g")
    fire(ws, doc, "submit", director(ght), file=a_file(tmp_path, "dossier.pdf"))
    return doc


def _messages(ws: Workspace, doc: int) -> list[OutboxMessage]:
    with ws.db.reading() as session:
        return list(
            session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.document_id == doc)
                .order_by(col(OutboxMessage.id))
            ).all()
        )


def test_an_event_queues_the_procedures_own_notice_with_its_letter(decided, tmp_path):
    ws = decided
    doc = _submitted(ws, tmp_path)
    result = fire(ws, doc, "select", OFFICER, note="Projet solide & complet.")
    (message,) = _messages(ws, doc)
    assert (message.kind, message.stage) == ("procedure_notice", f"event-{result.event_seq}")
    assert message.to_addrs == ["direction@occ-02.example.org"]
    assert message.cc_addrs == ["direction-generale@ars-occitanie.example.org"]  # copy_direction
    assert message.subject == french_typography("[OCC-02] Décision : Dossier de candidature")
    assert (
        french_typography("a statué sur le dossier du GHT Lot :\nRetenu (Retenir).")
        in message.body_text
    )
    assert french_typography("Motif : Projet solide & complet.") in message.body_text
    assert french_typography("Motif : Projet solide &amp; complet.") in message.body_html
    assert (
        french_typography("Document : Dossier de candidature — GHT Lot (OCC-02)")
        in message.body_text
    )  # base
    (attachment,) = message.attachments
    assert attachment["name"] == f"decision_letter-OCC-02-doc{doc}.docx"
    with ws.db.reading() as session:
        letter = session.exec(select(GeneratedFile).where(GeneratedFile.document_id == doc)).one()
    assert (letter.kind, letter.template) == (
        "notice_letter",
        "decisions-test/decision_letter.docx",
    )
    with zipfile.ZipFile(ws.files.path_of(attachment["hash"])) as docx:
        text = docx.read("word/document.xml").decode()
    assert "Décision : Retenu (Retenir)" in text and "ARS Occitanie" in text


def test_a_notice_without_copy_nor_letter_and_its_generic_subject(decided, tmp_path):
    ws = decided
    doc = _submitted(ws, tmp_path)
    fire(ws, doc, "reject", OFFICER)
    (message,) = _messages(ws, doc)
    assert message.cc_addrs == [] and message.attachments == []
    assert message.subject == french_typography("[OCC-02] Dossier de candidature : Non retenu")
    assert french_typography("Non retenu (Ne pas retenir)") in message.body_text
    assert "Motif" not in message.body_text  # no note


def test_the_types_own_model_is_filled_through_its_procedure(decided, tmp_path):
    ws = decided
    doc = document_id(ws, "OCC-03", "eprd_budget_g")
    (filled,) = generate_documents(ws, [doc])
    assert (filled.kind, filled.file_name) == ("eprd_budget_g", f"application-OCC-03-doc{doc}.docx")
    with zipfile.ZipFile(ws.files.path_of(filled.sha256)) as docx:
        text = docx.read("word/document.xml").decode()
    assert "Dossier de candidature : Dossier de candidature" in text
    assert "Porteur : GHT Ouest-Audois (OCC-03), Occitanie" in text


def _forget_motive(ws: Workspace) -> None:
    """The PostgreSQL database of the session keeps built-in motives between tests."""
    with ws.db.transaction() as session:
        session.exec(delete(ConformityMotive).where(col(ConformityMotive.key) == "incomplete_file"))


def test_the_procedures_motives_join_the_catalogue_as_built_ins(decided):
    ws = decided
    try:
        assert record_procedure_motives(ws) == ["incomplete_file"]
        assert record_procedure_motives(ws) == []  # already there
        motives = {m["key"]: m for m in list_motives(ws)}
        assert motives["incomplete_file"] == {
            "key": "incomplete_file",
            "label": "Dossier incomplet",
            "builtin": True,
        }
        assert len(motives) == 5
    finally:
        _forget_motive(ws)


def test_the_commands_work_on_the_folder_named_by_the_setting(occitanie, tmp_path):
    folder = write_procedure(tmp_path / "procedures", type_name="eprd_budget_g")
    env = cli_env(occitanie, tmp_path, procedures=str(folder))

    def cli(*args: object) -> str:
        done = subprocess.run(
            [*GHTFLOW_CLI, *map(str, args)],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout

    doc = document_id(occitanie, "OCC-02", "eprd_budget_g")
    try:
        upgraded = cli("db", "upgrade")
        assert "conformity motives added from the procedures: incomplete_file" in upgraded
        motives = json.loads(cli("motives", "list", "--format", "json"))
        assert {"key": "incomplete_file", "label": "Dossier incomplet", "builtin": True} in motives
        cli("documents", "fire", doc, "submit", "--actor", director("OCC-02"),
            "--file", a_file(tmp_path, "dossier.pdf"))  # fmt: skip
        cli("documents", "fire", doc, "reject", "--actor", OFFICER, "--note", "Incomplet.")
    finally:
        _forget_motive(occitanie)
    (message,) = json.loads(cli("outbox", "list", "--format", "json"))
    assert (message["kind"], message["document_id"], message["cc"]) == (
        "procedure_notice",
        doc,
        [],
    )
    assert message["subject"] == french_typography("[OCC-02] Dossier de candidature : Non retenu")


def test_a_procedures_own_reminder_replaces_the_common_one_for_its_type_only(decided, tmp_path):
    """Deadline notices are looked up in the procedure's `mails/` first, like event notices:
    a call for applications reminds in its own words; the other types keep the common text."""
    mails = Path(decided.settings.procedures) / "mails"
    (mails / "reminder.txt.j2").write_text(
        "Dossier de candidature du {{ holder_name }} attendu le {{ due }} ({{ days }} jours).\n",
        encoding="utf-8",
    )
    (mails / "reminder.html.j2").write_text(
        "<p>Dossier de candidature du {{ holder_name }} attendu le {{ due }}.</p>\n",
        encoding="utf-8",
    )
    from models import Document
    from services.deadlines.sweep import sweep_deadlines

    with decided.db.reading() as session:
        due = session.exec(
            select(col(Document.due_date)).where(Document.doc_type == "eprd_budget_g")
        ).first()
    assert due is not None
    sweep_deadlines(decided, as_of=date.fromordinal(due.toordinal() - 15))  # its J-15
    with decided.db.reading() as session:
        reminders = session.exec(
            select(OutboxMessage, Document)
            .join(Document, col(Document.id) == col(OutboxMessage.document_id))
            .where(OutboxMessage.kind == "reminder")
        ).all()
    ours = [m for m, d in reminders if d.doc_type == "eprd_budget_g"]
    others = [m for m, d in reminders if d.doc_type != "eprd_budget_g"]
    assert ours and all(m.body_text.startswith("Dossier de candidature du GHT") for m in ours)
    assert all("Dossier de candidature" not in m.body_text for m in others)
