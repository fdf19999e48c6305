"""`fire` on a real database: lifecycle, refusals that explain themselves, files and history."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from models import ConformityRequest, Document, DocumentVersion, Event
from services.audit.chain import AuditError, verify_chain
from services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from services.lifecycle.fire import fire, fire_timer_event
from services.views.documents import show_document
from states.errors import GuardRefused, IllegalTransition, WrongSide
from tests.integration.helpers import OFFICER, a_file, director, document_id

D = date


def test_pmsp_through_conformity_request_to_approval(occitanie, tmp_path):
    ws = occitanie
    doc = document_id(ws, "OCC-02", "pmsp")
    me = director("OCC-02")
    r = fire(ws, doc, "submit", me, as_of=D(2017, 10, 16), file=a_file(tmp_path))
    assert (r.from_state, r.to_state, r.version, r.state_label) == (
        "draft",
        "submitted",
        1,
        "Transmis à l'ARS",
    )
    fire(
        ws,
        doc,
        "request_conformity",
        OFFICER,
        as_of=D(2017, 10, 30),
        motives=("biology_pharmacy_imaging", "shared_care_project"),
        note="Préciser le projet de biologie.",
        respond_by=D(2017, 12, 1),
    )
    fire(
        ws,
        doc,
        "resubmit",
        me,
        as_of=D(2017, 11, 24),
        file=a_file(tmp_path, "v2.pdf", b"%PDF-1.4 v2"),
    )
    final = fire(ws, doc, "approve", OFFICER, as_of=D(2017, 12, 8))
    assert final.to_state == "approved"

    shown = show_document(ws, doc)
    assert shown["state"] == "approved"
    assert [h["event"] for h in shown["history"]] == [
        "load",
        "submit",
        "request_conformity",
        "resubmit",
        "approve",
    ]
    assert [v["number"] for v in shown["versions"]] == [1, 2]
    (request,) = shown["conformity_requests"]
    assert request["motives"] == ["biology_pharmacy_imaging", "shared_care_project"]
    assert request["answered_on"] == "2017-11-24"
    assert shown["history"][2]["payload"]["respond_by"] == "2017-12-01"
    assert verify_chain(ws).intact


def test_chu_convention_is_signed_before_it_is_submitted(occitanie, tmp_path):
    ws = occitanie
    doc = document_id(ws, "OCC-03", "chu_convention")
    me = director("OCC-03")
    with pytest.raises(IllegalTransition) as caught:
        fire(ws, doc, "submit", me, file=a_file(tmp_path), as_of=D(2017, 11, 1))
    assert "state 'draft'" in str(caught.value)
    assert "allowed events: sign" in str(caught.value)
    fire(ws, doc, "sign", me, as_of=D(2017, 11, 6))
    fire(ws, doc, "submit", me, file=a_file(tmp_path), as_of=D(2017, 11, 8))
    assert fire(ws, doc, "approve", OFFICER, as_of=D(2017, 12, 12)).to_state == "approved"


def test_illegal_event_names_document_state_and_allowed_events(occitanie):
    doc = document_id(occitanie, "OCC-02", "pmsp")
    with pytest.raises(IllegalTransition) as caught:
        fire(occitanie, doc, "approve", OFFICER, as_of=D(2017, 10, 20))
    message = str(caught.value)
    assert f"document {doc} (pmsp, OCC-02)" in message
    assert "state 'draft'" in message
    assert "allowed events: adopt_interim, submit" in message


def test_sides_and_ghts_are_enforced(occitanie, tmp_path):
    ws = occitanie
    doc = document_id(ws, "OCC-02", "pmsp")
    with pytest.raises(PermissionDenied, match="acts for OCC-03 and may not act on document"):
        fire(ws, doc, "submit", director("OCC-03"), file=a_file(tmp_path), as_of=D(2017, 10, 16))
    with pytest.raises(WrongSide, match="is for the GHT, not for the agency"):
        fire(ws, doc, "submit", OFFICER, file=a_file(tmp_path), as_of=D(2017, 10, 16))
    with pytest.raises(PermissionDenied, match="unknown actor"):
        fire(ws, doc, "submit", "someone@example.org", as_of=D(2017, 10, 16))
    with pytest.raises(PermissionDenied, match="reserved"):
        fire(ws, doc, "submit", "ghtflow", as_of=D(2017, 10, 16))
    with pytest.raises(NotFound, match="document 999999 does not exist"):
        fire(ws, 999999, "submit", OFFICER)


def test_guards_refuse_with_their_reason(occitanie, tmp_path):
    ws = occitanie
    doc = document_id(ws, "OCC-02", "pmsp")
    me = director("OCC-02")
    with pytest.raises(GuardRefused, match="a file is required"):
        fire(ws, doc, "submit", me, as_of=D(2017, 10, 16))
    fire(ws, doc, "submit", me, file=a_file(tmp_path), as_of=D(2017, 10, 16))

    def ask(motives: tuple[str, ...], respond_by: date) -> object:
        return fire(
            ws,
            doc,
            "request_conformity",
            OFFICER,
            as_of=D(2017, 10, 30),
            motives=motives,
            respond_by=respond_by,
        )

    with pytest.raises(GuardRefused, match="at least one motive"):
        ask((), D(2017, 12, 1))
    with pytest.raises(GuardRefused, match="unknown motive nope"):
        ask(("nope",), D(2017, 12, 1))
    with pytest.raises(GuardRefused, match="earliest allowed: 2017-11-30"):
        ask(("shared_care_project",), D(2017, 11, 29))
    with pytest.raises(InvalidInput, match="takes no motive"):
        fire(ws, doc, "approve", OFFICER, as_of=D(2017, 10, 30), motives=("shared_care_project",))
    with pytest.raises(InvalidInput, match="before its last event"):
        fire(ws, doc, "approve", OFFICER, as_of=D(2017, 10, 1))
    with occitanie.db.reading() as session:
        assert session.get(Document, doc).state == "submitted"
        assert (
            session.exec(
                select(ConformityRequest).where(ConformityRequest.document_id == doc)
            ).all()
            == []
        )


def test_files_are_stored_by_content_and_size_limited(occitanie, tmp_path):
    ws = occitanie
    doc = document_id(ws, "OCC-02", "pmsp")
    too_big = a_file(tmp_path, "big.pdf", b"x" * (ws.settings.max_file_bytes + 1))
    with pytest.raises(InvalidInput, match="the limit is"):
        fire(ws, doc, "submit", director("OCC-02"), file=too_big, as_of=D(2017, 10, 16))
    content = b"%PDF-1.4 projet medical partage"
    fire(
        ws,
        doc,
        "submit",
        director("OCC-02"),
        file=a_file(tmp_path, "p.pdf", content),
        as_of=D(2017, 10, 16),
    )
    with ws.db.reading() as session:
        version = session.exec(
            select(DocumentVersion).where(DocumentVersion.document_id == doc)
        ).one()
    assert ws.files.path_of(version.file_hash).read_bytes() == content
    assert version.file_name == "p.pdf"


def test_stale_expected_version_is_a_conflict(occitanie, tmp_path):
    ws = occitanie
    doc = document_id(ws, "OCC-03", "chu_convention")
    with ws.db.reading() as session:
        seen = session.get(Document, doc).version_id
    fire(ws, doc, "sign", director("OCC-03"), as_of=D(2017, 11, 6), expected_version=seen)
    with pytest.raises(Conflict, match=f"document {doc} .* was changed by someone else"):
        fire(ws, doc, "submit", director("OCC-03"), file=a_file(tmp_path), expected_version=seen)


def test_tacit_approval_is_the_systems_event_and_audited(occitanie, tmp_path):
    ws = occitanie
    doc = document_id(ws, "OCC-02", "pmsp")
    fire(ws, doc, "submit", director("OCC-02"), file=a_file(tmp_path), as_of=D(2017, 10, 16))
    with pytest.raises(WrongSide):
        fire(ws, doc, "tacit_approve", OFFICER, as_of=D(2017, 12, 16))
    result = fire_timer_event(ws, doc, "tacit_approve", D(2017, 12, 16))
    assert result.to_state == "approved"
    with ws.db.reading() as session:
        last = session.exec(
            select(Event).where(Event.document_id == doc).order_by(col(Event.seq).desc())
        ).first()
    assert (last.name, last.actor) == ("tacit_approve", "ghtflow")


def test_altered_event_is_detected(occitanie):
    ws = occitanie
    report = verify_chain(ws)
    assert report.intact and report.events == 39 and report.documents == 39
    with ws.db.transaction() as session:
        event = session.exec(select(Event).order_by(col(Event.id)).offset(9)).first()
        event.actor = "someone-else"
        target = event.id
    broken = verify_chain(ws)
    assert not broken.intact
    assert f"event {target} " in (broken.problem or "")
    assert "altered" in (broken.problem or "")


def test_missing_chain_head_refuses_to_fire_and_names_the_fix(occitanie, tmp_path):
    """The head is read (on PostgreSQL: locked) with the document; a head row deleted in the
    database takes the slow path, which refuses to extend a chain it cannot see the end of."""
    ws = occitanie
    doc = document_id(ws, "OCC-02", "pmsp")
    with ws.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audithead"))
    with pytest.raises(AuditError, match=r"head is missing.*audit verify"):
        fire(ws, doc, "submit", director("OCC-02"), file=a_file(tmp_path))
    with pytest.raises(NotFound, match="document 999999 does not exist"):
        fire(ws, 999_999, "submit", director("OCC-02"))
    assert show_document(ws, doc)["state"] == "draft"  # nothing moved
