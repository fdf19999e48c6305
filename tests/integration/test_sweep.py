"""The deadline sweep on the Occitanie 2017 data, on SQLite and PostgreSQL (no Prefect here:
the decisions are the service's; the flow is tested in test_sweep_flow.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlmodel import col

from i18n.typography import french_typography
from models import CampaignDueDate, Document, Event, OutboxMessage, Person
from services.audit.chain import verify_chain
from services.deadlines.sweep import sweep_deadlines
from services.errors import InvalidInput
from services.lifecycle.fire import fire
from tests.integration.helpers import OFFICER, a_file, director, document_id

DIRECTION = "direction-generale@ars-occitanie.example.org"


def _messages(ws: Any, **where: Any) -> list[OutboxMessage]:
    with ws.db.reading() as session:
        query = select(OutboxMessage).order_by(col(OutboxMessage.id))
        for name, value in where.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        return list(session.exec(query).scalars())


def _count(ws: Any) -> int:
    with ws.db.reading() as session:
        return int(session.exec(select(func.count()).select_from(OutboxMessage)).one()[0])


def test_first_of_december_reminds_chu_conventions_and_eprd_and_escalates_the_late(occitanie):
    report = sweep_deadlines(occitanie, date(2017, 12, 1))
    assert dict(report.counts) == {
        "reminder": 25,  # 11 CHU conventions + 14 EPRD due 31 December, J-30
        "overdue": 7,  # 6 PMSP drafts + 1 interim amendment, due 1 July
        "conformity_reminder": 1,  # OCC-14, respond by 5 December: J-7
        "conformity_overdue": 3,  # OCC-04, OCC-05, OCC-09 passed their respond-by date
    }
    assert report.documents == 39
    reminder = _messages(occitanie, document_id=document_id(occitanie, "OCC-03", "chu_convention"))
    assert [(m.kind, m.stage, m.due_date) for m in reminder] == [
        ("reminder", "J-30", date(2017, 12, 31))
    ]
    assert reminder[0].to_addrs == [director("OCC-03")]
    assert reminder[0].cc_addrs == []  # a plain reminder does not involve the direction
    assert french_typography("31 décembre 2017") in reminder[0].subject
    assert french_typography("soit dans 30 jours") in reminder[0].body_text
    late = _messages(occitanie, document_id=document_id(occitanie, "OCC-02", "pmsp"))
    assert [(m.kind, m.stage) for m in late] == [("overdue", "J+148")]  # the one due now
    assert late[0].cc_addrs == [DIRECTION]
    escalation = _messages(occitanie, kind="conformity_overdue")
    assert {m.to_addrs[0] for m in escalation} == {
        director(c) for c in ("OCC-04", "OCC-05", "OCC-09")
    }
    assert all(m.cc_addrs == [DIRECTION] for m in escalation)


def test_a_second_sweep_of_the_day_creates_nothing_and_january_escalates(occitanie):
    first = sweep_deadlines(occitanie, date(2017, 12, 1))
    again = sweep_deadlines(occitanie, date(2017, 12, 1))
    assert again.total == 0 and again.already_sent == first.total
    assert _count(occitanie) == first.total
    january = sweep_deadlines(occitanie, date(2018, 1, 2))
    assert dict(january.counts) == {"overdue": 32, "conformity_overdue": 1}
    chu = _messages(occitanie, document_id=document_id(occitanie, "OCC-05", "chu_convention"))
    assert [(m.kind, m.stage) for m in chu] == [("reminder", "J-30"), ("overdue", "J+1")]
    assert chu[1].cc_addrs == [DIRECTION]
    assert _count(occitanie) == first.total + january.total


def test_a_sweep_after_missed_days_sends_only_the_notice_due_now(occitanie):
    report = sweep_deadlines(occitanie, date(2017, 12, 20))  # first sweep ever: J-11
    eprd = _messages(occitanie, document_id=document_id(occitanie, "OCC-01", "eprd_budget_g"))
    assert [(m.kind, m.stage) for m in eprd] == [("reminder", "J-15")]
    assert report.counts["reminder"] == 25
    assert len({m.document_id for m in _messages(occitanie)}) == _count(occitanie)


def test_dry_run_writes_nothing_and_lists_what_would_be_sent(occitanie):
    report = sweep_deadlines(occitanie, date(2018, 1, 2), dry_run=True)
    assert dict(report.counts) == {"overdue": 32, "conformity_overdue": 4}
    assert _count(occitanie) == 0
    data = report.as_dict()
    assert len(data["notices"]) == 36
    notice = next(n for n in data["notices"] if n["ght"] == "OCC-02" and n["kind"] == "overdue")
    assert notice["to"] == [director("OCC-02")] and notice["cc"] == [DIRECTION]
    assert data["per_ght"]["OCC-02"]["overdue"] == 3


def test_campaign_offsets_replace_the_types(occitanie):
    with occitanie.db.transaction() as session:
        session.execute(
            update(CampaignDueDate)
            .where(col(CampaignDueDate.doc_type) == "chu_convention")
            .values(reminder_offsets_days=[10])
        )
    assert sweep_deadlines(occitanie, date(2017, 12, 1)).counts["reminder"] == 14  # EPRD only
    assert sweep_deadlines(occitanie, date(2017, 12, 21)).counts["reminder"] == 11 + 14
    stages = {m.stage for m in _messages(occitanie, kind="reminder") if m.due_date.month == 12}
    assert stages == {"J-30", "J-10", "J-15"}


def test_mail_cc_replaces_the_direction_address(occitanie):
    occitanie.settings = occitanie.settings.model_copy(
        update={"mail_cc": "suivi-ght@ars-occitanie.example.org, dosa@ars-occitanie.example.org"}
    )
    sweep_deadlines(occitanie, date(2018, 1, 2))
    assert {tuple(m.cc_addrs) for m in _messages(occitanie, kind="overdue")} == {
        ("suivi-ght@ars-occitanie.example.org", "dosa@ars-occitanie.example.org")
    }


def test_tacit_approval_after_two_months_is_audited_and_mailed_in_one_go(occitanie, tmp_path):
    pmsp = document_id(occitanie, "OCC-02", "pmsp")
    eprd = document_id(occitanie, "OCC-02", "eprd_budget_g")
    for doc in (pmsp, eprd):
        fire(
            occitanie,
            doc,
            "submit",
            director("OCC-02"),
            file=a_file(tmp_path),
            as_of=date(2017, 10, 16),
        )
    assert sweep_deadlines(occitanie, date(2017, 12, 15)).tacit_approvals == []
    report = sweep_deadlines(occitanie, date(2017, 12, 18))  # silence ran out on 16 December
    assert report.tacit_approvals == [pmsp]  # the EPRD has no tacit approval
    with occitanie.db.reading() as session:
        assert session.get(Document, pmsp).state == "approved"
        assert session.get(Document, eprd).state == "submitted"
        event = session.exec(
            select(Event).where(col(Event.document_id) == pmsp).order_by(col(Event.seq).desc())
        ).first()[0]
    assert (event.name, event.actor, event.as_of) == (
        "tacit_approve",
        "ghtflow",
        date(2017, 12, 16),
    )
    (mail,) = _messages(occitanie, kind="tacit_approval")
    assert mail.document_id == pmsp and mail.cc_addrs == [DIRECTION]
    assert french_typography("approuvé tacitement depuis le 16 décembre 2017") in mail.body_text
    assert french_typography("reçu par l’ARS Occitanie le 16 octobre 2017") in mail.body_text
    assert verify_chain(occitanie).intact
    assert sweep_deadlines(occitanie, date(2017, 12, 19)).tacit_approvals == []


def test_the_conformity_request_email_is_queued_with_the_event(occitanie, tmp_path):
    pmsp = document_id(occitanie, "OCC-02", "pmsp")
    fire(
        occitanie,
        pmsp,
        "submit",
        director("OCC-02"),
        file=a_file(tmp_path),
        as_of=date(2017, 10, 16),
    )
    fire(
        occitanie,
        pmsp,
        "request_conformity",
        OFFICER,
        motives=("biology_pharmacy_imaging", "shared_care_project"),
        note="Préciser le projet de biologie.",
        respond_by=date(2017, 12, 1),
        as_of=date(2017, 10, 30),
    )
    (mail,) = _messages(occitanie, kind="conformity_request")
    assert mail.to_addrs == [director("OCC-02")] and mail.cc_addrs == [DIRECTION]
    assert mail.due_date == date(2017, 12, 1) and mail.stage.startswith("request-")
    assert french_typography("au plus tard le 1er décembre 2017") in mail.body_text
    assert french_typography("Préciser le projet de biologie.") in mail.body_text
    assert (
        "Projet de soins partagé" in mail.body_text or "projet de soins" in mail.body_text.lower()
    )
    assert OFFICER in mail.body_text


def test_a_conformity_request_that_cannot_be_mailed_changes_nothing(occitanie, tmp_path):
    pmsp = document_id(occitanie, "OCC-02", "pmsp")
    fire(
        occitanie,
        pmsp,
        "submit",
        director("OCC-02"),
        file=a_file(tmp_path),
        as_of=date(2017, 10, 16),
    )
    with occitanie.db.transaction() as session:  # the GHT's only contact gets a broken address
        session.execute(
            update(Person)
            .where(col(Person.email) == director("OCC-02"))
            .values(email="direction@occ-02.example.org\r\nBcc: evil@example.org")
        )
    with pytest.raises(InvalidInput, match="line break or control character refused"):
        fire(
            occitanie,
            pmsp,
            "request_conformity",
            OFFICER,
            motives=("shared_care_project",),
            respond_by=date(2017, 12, 1),
            as_of=date(2017, 10, 30),
        )
    with occitanie.db.reading() as session:
        assert session.get(Document, pmsp).state == "submitted"  # same transaction: rolled back
    assert _count(occitanie) == 0
