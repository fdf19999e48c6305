"""Pure parts of the e-mail: deadline stages, state sets from the definitions, French
rendering, strict headers. No database, no network."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from i18n.typography import french_typography
from models import NoticeKind
from models.outbox import DOCUMENT_KINDS
from notifications.addresses import HeaderRefused, address_list, format_mailbox, parse_address
from notifications.message import (
    Attachment,
    Envelope,
    build_message,
    message_bytes,
    new_message_id,
)
from notifications.render import SUBJECTS, MailTemplate, render_notice
from services.deadlines.sweep import conformity_stage, document_stage
from services.procedures.catalog import load_procedures
from services.workflows import load_workflows
from states.deadlines import delivered_states, tacit_sources
from states.guards import add_months

DUE = date(2017, 12, 31)
# the e-mails of the built-in procedure's events are in its mails/ folder
GHT_MAILS = (load_procedures().named("ght-2017").mails_dir,)
OFFSETS = (30, 15, 7, 1)


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2017, 11, 30), None),
        (date(2017, 12, 1), (NoticeKind.REMINDER, "J-30", 30)),
        (date(2017, 12, 10), (NoticeKind.REMINDER, "J-30", 21)),
        (date(2017, 12, 16), (NoticeKind.REMINDER, "J-15", 15)),
        (date(2017, 12, 30), (NoticeKind.REMINDER, "J-1", 1)),
        (date(2017, 12, 31), (NoticeKind.DUE_TODAY, "J0", 0)),
        (date(2018, 1, 1), (NoticeKind.OVERDUE, "J+1", 1)),
        (date(2018, 1, 7), (NoticeKind.OVERDUE, "J+1", 7)),
        (date(2018, 1, 8), (NoticeKind.OVERDUE, "J+8", 8)),
        (date(2018, 1, 15), (NoticeKind.OVERDUE, "J+15", 15)),
    ],
)
def test_document_stage_is_the_one_notice_due_now(as_of, expected):
    assert document_stage(DUE, as_of, OFFSETS) == expected


@given(st.dates(min_value=date(2017, 1, 1), max_value=date(2019, 1, 1)))
def test_a_stage_never_lies_after_the_day_it_is_computed_for(as_of):
    """Whatever the day, the stage returned is one whose own date has come."""
    stage = document_stage(DUE, as_of, OFFSETS)
    if stage is None:
        assert (DUE - as_of).days > 30
        return
    kind, name, _ = stage
    number = int(name[1:]) if name != "J0" else 0
    day = DUE.toordinal() + number
    assert day <= as_of.toordinal()
    assert (kind is NoticeKind.OVERDUE) == (as_of > DUE)


def test_conformity_stage_reminds_before_and_escalates_once_after():
    requested, respond = date(2017, 10, 5), date(2017, 12, 5)
    assert conformity_stage(3, requested, respond, date(2017, 10, 20), OFFSETS) is None
    assert conformity_stage(3, requested, respond, date(2017, 12, 1), OFFSETS) == (
        NoticeKind.CONFORMITY_REMINDER,
        "J-7/r3",
        4,
    )
    assert conformity_stage(3, requested, respond, date(2017, 12, 5), OFFSETS) is None
    after = conformity_stage(3, requested, respond, date(2018, 1, 20), OFFSETS)
    assert after == (NoticeKind.CONFORMITY_OVERDUE, "J+1/r3", 46)
    # a J-30 reminder would fall on the request day itself: not sent
    short = conformity_stage(4, date(2017, 11, 1), date(2017, 12, 1), date(2017, 11, 2), OFFSETS)
    assert short is None


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert add_months(date(2017, 7, 3), 2) == date(2017, 9, 3)
    assert add_months(date(2017, 12, 31), 2) == date(2018, 2, 28)
    assert add_months(date(2017, 11, 15), 2) == date(2018, 1, 15)


def test_delivered_and_tacit_states_come_from_the_definitions():
    registry = load_workflows()
    expected = {
        "pmsp": {"submitted", "conformity_requested", "approved"},
        "chu_convention": {"submitted", "conformity_requested", "approved"},
        "eprd_budget_g": {"submitted", "conformity_requested", "approved", "rejected"},
        "partnership_convention": {"submitted", "acknowledged"},
        "sdsi": {"submitted", "acknowledged"},
    }
    for doc_type, states in expected.items():
        assert delivered_states(registry.definition(doc_type)) == states, doc_type
    assert tacit_sources(registry.definition("pmsp")) == {"submitted"}
    assert tacit_sources(registry.definition("had_convention")) == {"submitted"}
    assert tacit_sources(registry.definition("eprd_budget_g")) == frozenset()
    assert tacit_sources(registry.definition("sdsi")) == frozenset()


def _context(**extra: Any) -> dict[str, Any]:
    return {
        "ght_code": "OCC-02",
        "ght_name": "GHT Lot & Quercy <test>",
        "agency_name": "ARS Occitanie",
        "document_id": 9,
        "type_label": "Projet médical et de soins partagé (PMSP)",
        "state_label": "Mise en conformité demandée",
        "attachments": [],
        **extra,
    }


def test_conformity_request_is_rendered_in_french_with_motives_and_escaped_html():
    rendered = render_notice(
        NoticeKind.CONFORMITY_REQUEST,
        _context(
            motives=["Projet de biologie insuffisant", "Projet de soins partagé insuffisant"],
            note="Préciser la biologie.",
            requested_on=date(2017, 10, 30),
            respond_by=date(2017, 12, 1),
            requested_by="instructeur@ars-occitanie.example.org",
        ),
        MailTemplate(NoticeKind.CONFORMITY_REQUEST, GHT_MAILS),
    )
    assert rendered.subject == french_typography(
        "[OCC-02] Demande de mise en conformité : Projet médical et de soins partagé (PMSP)"
        " (réponse avant le 1er décembre 2017)"
    )
    assert french_typography("au plus tard le 1er décembre 2017") in rendered.text
    assert french_typography("  - Projet de biologie insuffisant") in rendered.text
    assert french_typography("Observations : Préciser la biologie.") in rendered.text
    assert french_typography("GHT Lot & Quercy <test>") in rendered.text  # text is not escaped
    assert french_typography("GHT Lot &amp; Quercy &lt;test&gt;") in rendered.html  # HTML is
    assert french_typography("<li>Projet de soins partagé insuffisant</li>") in rendered.html
    assert french_typography("30 octobre 2017") in rendered.text


def test_every_kind_renders_and_a_missing_value_stops_the_rendering():
    values = _context(
        due=date(2017, 12, 31),
        days=1,
        motives=[],
        note="",
        requested_on=date(2017, 10, 1),
        respond_by=date(2017, 11, 1),
        requested_by="a@example.org",
        received_on=date(2017, 7, 3),
        effective_on=date(2017, 9, 3),
        months=2,
        holder_name="GHT Lot",
        as_of=date(2017, 10, 30),
        event_label="Décider",
    )
    assert set(SUBJECTS) == set(NoticeKind)  # every kind has its templates
    for kind in DOCUMENT_KINDS:
        rendered = render_notice(kind, values, MailTemplate(kind, GHT_MAILS))
        assert rendered.subject.startswith("[OCC-02] ")
        assert "\n" not in rendered.subject
        assert rendered.text.startswith("Madame, Monsieur,")
    with pytest.raises(Exception, match="due"):
        render_notice(NoticeKind.REMINDER, _context(days=3))
    with pytest.raises(Exception, match="day"):
        render_notice(NoticeKind.AUDIT_CHECKPOINT, values)  # a region's notice, not a document's


def test_the_audit_checkpoint_mail_gives_the_head_in_full_and_how_to_compare():
    from services.audit.chain import AuditKey, Checkpoint
    from services.audit.mail import checkpoint_time

    key = AuditKey.of("k" * 44)
    checkpoint = Checkpoint.of(key, 39, "3f" * 32, datetime(2017, 12, 1, 5, 0, 7, tzinfo=UTC))
    assert checkpoint_time(checkpoint) == "1er décembre 2017 à 06:00:07"  # Paris, winter
    rendered = render_notice(
        NoticeKind.AUDIT_CHECKPOINT,
        {
            "day": date(2017, 12, 1),
            "seq": checkpoint.seq,
            "hash": checkpoint.hash,
            "key_id": checkpoint.key_id,
            "at": checkpoint_time(checkpoint),
            "line": checkpoint.line(),
            "region_name": "Occitanie & <Pyrénées>",
            "agency_name": "ARS Occitanie",
        },
    )
    assert rendered.subject == french_typography(
        "Point de contrôle du journal d'audit – 1er décembre 2017"
    )
    assert rendered.text.startswith("Madame, Monsieur,")
    assert french_typography("Position dans la chaîne : 39") in rendered.text
    assert "3f" * 32 in rendered.text and checkpoint.line() in rendered.text
    assert (
        french_typography("Établi le : 1er décembre 2017 à 06:00:07 (heure de Paris)")
        in rendered.text
    )
    assert (
        french_typography("il permet de vérifier que l'historique n'a pas été réécrit")
        in rendered.text
    )
    assert french_typography("ghtflow audit verify --against FICHIER") in rendered.text
    assert "k" * 44 not in rendered.text + rendered.html  # the key is never in the mail
    assert "monospace" in rendered.html and f">{'3f' * 32}</code>" in rendered.html
    assert french_typography("Occitanie &amp; &lt;Pyrénées&gt;") in rendered.html
    assert "&#34;seq&#34;:39" in rendered.html  # the line, escaped like any value


@pytest.mark.parametrize(
    "bad",
    [
        "direction@occ-02.example.org\r\nBcc: evil@example.org",
        "direction@occ-02.example.org\nBcc: evil@example.org",
        "direction@occ-02",
        "two@example.org, three@example.org",
        "a b@example.org",
        "<a@example.org>",
        "a..b@example.org",
    ],
)
def test_bad_addresses_are_refused(bad):
    with pytest.raises(HeaderRefused):
        parse_address(bad)


def test_good_addresses_and_lists():
    assert parse_address("Direction@OCC-02.Example.org") == "direction@occ-02.example.org"
    assert address_list("a@example.org, b@example.org", "cc") == ["a@example.org", "b@example.org"]
    assert format_mailbox("ARS Occitanie <noreply@ars.example.org>") == (
        "ARS Occitanie <noreply@ars.example.org>"
    )
    with pytest.raises(HeaderRefused):
        format_mailbox("ARS <a@example.org>\r\nBcc: x@example.org")


def _envelope(**changes: Any) -> Envelope:
    values: dict[str, Any] = {
        "message_id": new_message_id("ARS <noreply@ars-occitanie.example.org>"),
        "sender": "ARS Occitanie <noreply@ars-occitanie.example.org>",
        "to": ["direction@occ-02.example.org"],
        "cc": ["dg@ars-occitanie.example.org"],
        "subject": "Rappel",
        "text": "Bonjour",
        "html": "<p>Bonjour</p>",
        "date": datetime(2017, 12, 1, 5, 0, tzinfo=UTC),
        "attachments": [(Attachment("ab" * 32, "lettre.docx", "application/msword"), b"DOCX")],
    }
    return Envelope(**(values | changes))


def test_message_keeps_its_message_id_and_carries_both_bodies_and_the_attachment():
    envelope = _envelope()
    message = build_message(envelope)
    assert message["Message-ID"] == envelope.message_id
    assert envelope.message_id.endswith("@ars-occitanie.example.org>")
    assert message["Cc"] == "dg@ars-occitanie.example.org"
    parts = [p.get_content_type() for p in message.walk()]
    assert {"text/plain", "text/html", "application/msword"} <= set(parts)
    attachment = next(message.iter_attachments())
    assert attachment.get_filename() == "lettre.docx"
    assert attachment.get_content() == b"DOCX"


@pytest.mark.parametrize(
    "changes",
    [
        {"subject": "Rappel\r\nBcc: evil@example.org"},
        {"to": ["direction@occ-02.example.org\r\nBcc: evil@example.org"]},
        {"cc": ["x@example.org\nBcc: evil@example.org"]},
        {"sender": "ARS <noreply@ars.example.org>\r\nBcc: evil@example.org"},
    ],
)
def test_header_injection_is_refused_when_building(changes):
    with pytest.raises(HeaderRefused):
        build_message(_envelope(**changes))


def test_the_message_id_header_is_never_folded_and_the_bytes_are_stable():
    """50 messages from senders with domains of many lengths: the header stays on one line (a folded
    Message-ID is lost by many tools), and building twice gives the same bytes (a retry to
    the addresses still pending sends what the others received)."""
    for n in range(50):
        # lengths around the 78-column fold, and much longer ones
        domain = f"ars{'o' * n}.example.org" if n < 40 else f"{'ars-region.' * (n - 35)}example.org"
        sender = f"ARS <ne-pas-repondre@{domain}>"
        envelope = _envelope(message_id=new_message_id(sender), sender=sender, subject="R" * n)
        data = message_bytes(build_message(envelope))
        lines = data.split(b"\r\n")
        (header,) = [line for line in lines if line.lower().startswith(b"message-id:")]
        assert header == f"Message-ID: {envelope.message_id}".encode()
        following = lines[lines.index(header) + 1]
        assert not following[:1].isspace()  # no continuation line
        assert message_bytes(build_message(envelope)) == data


def test_the_default_ehlo_name_is_the_qualified_name_or_an_address_literal(monkeypatch):
    """A host's naming cannot be changed from a test: socket's answers are replaced here. The
    integration test `test_without_a_configured_name_…` checks the real host's."""
    import socket

    from notifications.transport import default_helo

    monkeypatch.setattr(socket, "getfqdn", lambda: "worker-1.ars-occitanie.example.org")
    assert default_helo() == "worker-1.ars-occitanie.example.org"
    monkeypatch.setattr(socket, "getfqdn", lambda: "3f2a9c1e7b04")  # a container's bare id
    monkeypatch.setattr(socket, "gethostname", lambda: "3f2a9c1e7b04")
    monkeypatch.setattr(socket, "gethostbyname", lambda name: "172.17.0.2")
    assert default_helo() == "[172.17.0.2]"

    def unknown(name: str) -> str:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getfqdn", lambda: "localhost")
    monkeypatch.setattr(socket, "gethostbyname", unknown)
    assert default_helo() == "[127.0.0.1]"


def test_a_structure_is_named_with_its_article_in_every_notice():
    """A call's structure is feminine: the notices contract « de » and « par » with its
    article (« de la Plateforme … », never « du Plateforme … »)."""
    structure = "Plateforme territoriale d'appui de Guyane"
    values = _context(
        ght_name=structure,
        holder_name=structure,
        due=date(2018, 6, 30),
        days=3,
        as_of=date(2018, 6, 1),
        event_label="Décider",
        note="",
    )
    reminder = render_notice(NoticeKind.REMINDER, values)
    assert french_typography(f"« {values['type_label']} » de la {structure}") in reminder.text
    notice = render_notice(NoticeKind.PROCEDURE_NOTICE, values)
    assert french_typography(f"de la {structure}") in notice.text
    assert "du Plateforme" not in reminder.text + reminder.html + notice.text + notice.html
