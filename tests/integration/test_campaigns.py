"""Campaigns on SQLite and PostgreSQL: created, shown, launched (documents in draft, one
e-mail per GHT, idempotent, a GHT added later, a GHT nobody can be written to), due dates
moved (documents and reminders follow, each move in the history), closed (and then refused),
region isolation, the scenario's campaign stored by the same service, the audit chain intact."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from i18n.typography import french_typography
from models import (
    Campaign,
    CampaignDueDate,
    Document,
    DocumentParty,
    Event,
    Ght,
    OutboxMessage,
    Region,
)
from services.accounts.credentials import add_user
from services.audit.chain import verify_chain
from services.campaigns.due import set_due
from services.campaigns.launch import launch_campaign
from services.campaigns.mail import MailOutcome
from services.campaigns.owed import create_missing
from services.campaigns.store import (
    CampaignSpec,
    close_campaign,
    create_campaign,
    list_campaigns,
    show_campaign,
)
from services.clock import today
from services.deadlines.sweep import sweep_deadlines
from services.errors import InvalidInput, NotFound, ScenarioError
from services.lifecycle.fire import fire
from services.scenario.load import load_scenario
from services.workspace import Workspace
from tests.conftest import SCENARIO
from tests.integration.helpers import a_file, director, document_id

LAUNCH_DAY = date(2017, 10, 16)
DIRECTION = "direction-generale@ars-occitanie.example.org"


def _count(ws: Workspace, model: type, *where: Any) -> int:
    with ws.db.reading() as session:
        statement = select(func.count()).select_from(model)
        for clause in where:
            statement = statement.where(clause)
        return int(session.exec(statement).one())


def _launch_mails(ws: Workspace) -> list[OutboxMessage]:
    with ws.db.reading() as session:
        return list(
            session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.kind == "campaign_launch")
                .order_by(col(OutboxMessage.id))
            ).all()
        )


def _add_ght(ws: Workspace, code: str, region: str = "OCC") -> None:
    """A GHT added to the registry after the launch (no service creates a bare GHT)."""
    with ws.db.transaction() as session:
        region_row = session.exec(select(Region).where(Region.code == region)).one()
        session.add(Ght(code=code, name=f"GHT {code}", region_id=region_row.id or 0))


# --- create, list, show -----------------------------------------------------------------------


def test_create_list_and_show(occitanie):
    spec = CampaignSpec(
        " occ-2018 ",
        "Campagne GHT 2018",
        "occ",
        {"sdsi": date(2019, 1, 1), "pmsp": date(2018, 12, 31)},
        (7, 30, 15),
    )
    created = create_campaign(occitanie, spec)
    assert created.as_json() == {
        "code": "OCC-2018",
        "name": "Campagne GHT 2018",
        "region": "OCC",
        "due": {"pmsp": "2018-12-31", "sdsi": "2019-01-01"},
        "launched_on": None,
        "documents": {"pmsp": {}, "sdsi": {}},
    }
    assert created.reminders == (30, 15, 7)
    with occitanie.db.reading() as session:
        rows = session.exec(
            select(CampaignDueDate).join(Campaign).where(Campaign.code == "OCC-2018")
        ).all()
    assert {r.doc_type: r.reminder_offsets_days for r in rows} == {
        "pmsp": [30, 15, 7],
        "sdsi": [30, 15, 7],
    }  # the sweep reads the offsets there
    assert [d.code for d in list_campaigns(occitanie)] == ["OCC-2017", "OCC-2018"]
    assert [d.code for d in list_campaigns(occitanie, region="occ")] == ["OCC-2017", "OCC-2018"]
    shown = show_campaign(occitanie, "occ-2017").as_json()
    assert list(shown) == ["code", "name", "region", "due", "launched_on", "documents"]
    assert shown["documents"]["pmsp"] == {
        "draft": 6,
        "interim_amendment": 1,
        "conformity_requested": 4,
        "approved": 3,
    }
    assert shown["documents"]["had_convention"] == {}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (CampaignSpec("OCC-2017", "x", "OCC", {"pmsp": date(2018, 1, 1)}), "exists already"),
        (CampaignSpec("X", "x", "ZZZ", {"pmsp": date(2018, 1, 1)}), "unknown region 'ZZZ'"),
        (CampaignSpec("X", "x", "OCC", {"nope": date(2018, 1, 1)}), "unknown document type"),
        (CampaignSpec("X", "x", "OCC", {"pmsp": date(2999, 1, 1)}), "is not between 2000-01-01"),
        (CampaignSpec("X", "x", "OCC", {"pmsp": date(1917, 1, 1)}), "is not between 2000-01-01"),
        (CampaignSpec("X", "x", "OCC", {}), "at least one due date"),
        (CampaignSpec("X Y", "x", "OCC", {"pmsp": date(2018, 1, 1)}), "may hold only letters"),
        (CampaignSpec("X", " ", "OCC", {"pmsp": date(2018, 1, 1)}), "needs a name"),
        (CampaignSpec("X", "a\nb", "OCC", {"pmsp": date(2018, 1, 1)}), "line break"),
        (CampaignSpec("X", "x", "OCC", {"pmsp": date(2018, 1, 1)}, (0,)), "between 1 and 366"),
        (CampaignSpec("X", "x", "OCC", {"pmsp": date(2018, 1, 1)}, (7, 7)), "given twice"),
    ],
)
def test_create_refusals(occitanie, spec, message):
    with pytest.raises((InvalidInput, NotFound), match=message):
        create_campaign(occitanie, spec)
    assert _count(occitanie, Campaign) == 1


def test_a_due_date_may_lie_in_the_future(occitanie):
    ahead = today() + timedelta(days=400)
    created = create_campaign(occitanie, CampaignSpec("NEXT", "Prochaine", "OCC", {"sdsi": ahead}))
    assert created.due == {"sdsi": ahead}


# --- launch -------------------------------------------------------------------------------


def test_launch_creates_what_each_ght_owes_and_queues_one_mail_each(occitanie):
    result = launch_campaign(occitanie, "OCC-2017", as_of=LAUNCH_DAY)
    assert (result.created, result.mails_queued, result.launched_on) == (19, 14, LAUNCH_DAY)
    created = {(g.code, c.doc_type) for g in result.ghts for c in g.created}
    assert {t for _, t in created} == {"had_convention", "sdsi"}
    assert sorted(g for g, t in created if t == "had_convention") == [
        "OCC-01",
        "OCC-05",
        "OCC-07",
        "OCC-09",
        "OCC-10",
    ]  # the role matrix: the GHTs a private HAD serves
    assert len([g for g, t in created if t == "sdsi"]) == 14  # one per GHT
    assert not any(t in {"pmsp", "eprd_budget_g", "chu_convention"} for _, t in created)
    occ07 = next(g for g in result.ghts if g.code == "OCC-07")
    had = next(c for c in occ07.created if c.doc_type == "had_convention")
    assert (had.parties, had.due_date) == ([("650991680", "65")], date(2017, 12, 31))
    with occitanie.db.reading() as session:
        sdsi = session.exec(select(Document).where(Document.doc_type == "sdsi")).all()
        events = session.exec(
            select(Event).where(col(Event.document_id).in_([d.id for d in sdsi]))
        ).all()
        parties = session.exec(
            select(DocumentParty).where(DocumentParty.document_id == had.document_id)
        ).all()
    assert {(d.state, d.due_date) for d in sdsi} == {("draft", date(2017, 12, 31))}
    assert {(e.name, e.as_of, e.actor, e.to_state) for e in events} == {
        ("create", LAUNCH_DAY, "ghtflow", "draft")
    }
    assert '"campaign":"OCC-2017"' in events[0].payload
    assert [(p.area) for p in parties] == ["65"]
    mails = _launch_mails(occitanie)
    assert len(mails) == 14
    mail = next(m for m in mails if m.to_addrs == [director("OCC-07")])
    assert mail.cc_addrs == [DIRECTION] and mail.document_id is None
    assert mail.subject == french_typography(
        "[OCC-07] Campagne GHT 2017 : documents attendus par l’ARS Occitanie"
    )
    assert (mail.due_date, mail.as_of) == (LAUNCH_DAY, LAUNCH_DAY)
    text = mail.body_text
    assert (
        french_typography("L’ARS Occitanie lance la campagne « Campagne GHT 2017 » (OCC-2017)")
        in text
    )
    assert french_typography("Échéance          Document") in text
    assert french_typography("1er juillet 2017  Projet médical et de soins partagé (PMSP)") in text
    assert french_typography("HAD Bigorre Domicile (650991680)") in text
    assert french_typography(f"n° {had.document_id}") in text
    assert '<th scope="col"' in mail.body_html and "<caption" in mail.body_html
    assert occ07.owed == 5  # PMSP (interim amendment), CHU, HAD, EPRD and SDSI
    assert verify_chain(occitanie).intact


def test_a_second_launch_creates_nothing_and_sends_nothing(occitanie):
    launch_campaign(occitanie, "OCC-2017", as_of=LAUNCH_DAY)
    documents, events, mails = (
        _count(occitanie, Document),
        _count(occitanie, Event),
        _count(occitanie, OutboxMessage),
    )
    again = launch_campaign(occitanie, "OCC-2017", as_of=LAUNCH_DAY + timedelta(days=3))
    assert (again.created, again.mails_queued, again.launched_on) == (0, 0, LAUNCH_DAY)
    assert {g.mail for g in again.ghts} == {MailOutcome.SENT_BEFORE}
    assert (
        _count(occitanie, Document),
        _count(occitanie, Event),
        _count(occitanie, OutboxMessage),
    ) == (documents, events, mails)
    assert create_missing(occitanie).created == []  # one use case: nothing missing either


def test_a_ght_added_later_and_one_nobody_can_be_written_to(occitanie):
    launch_campaign(occitanie, "OCC-2017", as_of=LAUNCH_DAY)
    _add_ght(occitanie, "OCC-15")
    later = launch_campaign(occitanie, "OCC-2017", as_of=date(2017, 11, 2))
    (new,) = [g for g in later.ghts if g.code == "OCC-15"]
    assert [c.doc_type for c in new.created] == ["pmsp", "eprd_budget_g", "sdsi"]
    assert new.not_created and "no CHU of reference" in new.not_created[0]
    assert (new.mail, new.owed) == (MailOutcome.NOBODY, 3)
    assert "OCC-15 has nobody to write to" in (new.reason or "")
    assert later.mails_queued == 0 and later.created == 3
    assert all(g.mail is MailOutcome.SENT_BEFORE for g in later.ghts if g.code != "OCC-15")
    assert later.as_json()["ghts"][-1]["mail"] == "nobody"
    add_user(occitanie, "direction@occ-15.example.org", "ght", ght_code="OCC-15")
    reached = launch_campaign(occitanie, "OCC-2017", as_of=date(2017, 11, 3))
    assert (reached.created, reached.mails_queued) == (0, 1)
    mail = _launch_mails(occitanie)[-1]
    assert mail.to_addrs == ["direction@occ-15.example.org"]
    assert mail.due_date == LAUNCH_DAY and mail.as_of == date(2017, 11, 3)
    assert verify_chain(occitanie).intact


def test_launch_refusals(occitanie):
    with pytest.raises(NotFound, match="unknown campaign 'NOPE'"):
        launch_campaign(occitanie, "NOPE")
    with pytest.raises(InvalidInput, match="is after today"):
        launch_campaign(occitanie, "OCC-2017", as_of=today() + timedelta(days=1))
    assert _count(occitanie, Document) == 39


# --- moving a due date ------------------------------------------------------------------------


def test_set_due_moves_the_documents_not_delivered_and_records_it(occitanie, tmp_path):
    chu = document_id(occitanie, "OCC-03", "chu_convention")
    fire(occitanie, chu, "sign", director("OCC-03"), as_of=date(2017, 10, 20))
    fire(
        occitanie,
        chu,
        "submit",
        director("OCC-03"),
        file=a_file(tmp_path),
        as_of=date(2017, 10, 20),
    )
    moved = set_due(
        occitanie, "OCC-2017", "chu_convention", date(2018, 3, 31), as_of=date(2017, 11, 2)
    )
    assert (moved.from_, moved.to) == (date(2017, 12, 31), date(2018, 3, 31))
    assert len(moved.moved) == 10 and [d.document_id for d in moved.delivered] == [chu]
    with occitanie.db.reading() as session:
        docs = session.exec(select(Document).where(Document.doc_type == "chu_convention")).all()
        history = session.exec(
            select(Event).where(Event.name == "move_due_date").order_by(col(Event.id))
        ).all()
        due = session.exec(
            select(CampaignDueDate).where(CampaignDueDate.doc_type == "chu_convention")
        ).one()
    assert due.due_date == date(2018, 3, 31)
    assert {d.id: d.due_date for d in docs}[chu] == date(2017, 12, 31)  # it met its date
    assert {d.due_date for d in docs if d.id != chu} == {date(2018, 3, 31)}
    assert len(history) == 10
    event = history[0]
    assert event.from_state == event.to_state  # a date moves, the state stays
    assert (event.as_of, event.actor) == (date(2017, 11, 2), "ghtflow")
    assert {e.from_state for e in history} == {"draft", "signed"}
    assert event.payload == '{"campaign":"OCC-2017","from":"2017-12-31","to":"2018-03-31"}'
    assert verify_chain(occitanie).intact
    again = set_due(
        occitanie, "OCC-2017", "chu_convention", date(2018, 3, 31), as_of=date(2017, 11, 2)
    )
    assert again.moved == []  # already there: nothing to record


def test_reminders_follow_the_moved_date(occitanie):
    eprd = document_id(occitanie, "OCC-02", "eprd_budget_g")

    def reminders() -> list[tuple[str, date]]:
        with occitanie.db.reading() as session:
            rows = session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.document_id == eprd, OutboxMessage.kind == "reminder"
                )
            ).all()
        return [(m.stage, m.due_date) for m in rows]

    set_due(occitanie, "OCC-2017", "eprd_budget_g", date(2018, 2, 28), as_of=date(2017, 11, 2))
    sweep_deadlines(occitanie, date(2017, 12, 1))
    assert reminders() == []  # J-30 of 31 December no longer applies
    sweep_deadlines(occitanie, date(2018, 1, 29))
    assert reminders() == [("J-30", date(2018, 2, 28))]
    set_due(occitanie, "OCC-2017", "eprd_budget_g", date(2018, 3, 31), as_of=date(2018, 1, 30))
    sweep_deadlines(occitanie, date(2018, 3, 1))
    assert reminders() == [("J-30", date(2018, 2, 28)), ("J-30", date(2018, 3, 31))]
    assert verify_chain(occitanie).intact


def test_a_campaigns_reminder_offsets_drive_the_sweep(occitanie):
    create_campaign(
        occitanie, CampaignSpec("OCC-2018", "2018", "OCC", {"sdsi": date(2018, 2, 1)}, (10,))
    )
    launch_campaign(occitanie, "OCC-2018", as_of=date(2017, 12, 1))
    sweep_deadlines(occitanie, date(2018, 1, 2))  # J-30: not one of this campaign's offsets
    sweep_deadlines(occitanie, date(2018, 1, 22))  # J-10
    with occitanie.db.reading() as session:
        stages = session.exec(
            select(OutboxMessage.stage)
            .join(Document, col(Document.id) == col(OutboxMessage.document_id))
            .where(Document.doc_type == "sdsi", OutboxMessage.kind == "reminder")
        ).all()
    assert set(stages) == {"J-10"} and len(stages) == 14
    mail = _launch_mails(occitanie)[0]
    assert (
        french_typography("Des rappels vous seront adressés 10 jours avant chaque échéance")
        in mail.body_text
    )


def test_set_due_refusals(occitanie):
    with pytest.raises(InvalidInput, match="unknown document type 'nope'"):
        set_due(occitanie, "OCC-2017", "nope", date(2018, 1, 1))
    with pytest.raises(InvalidInput, match="is not between"):
        set_due(occitanie, "OCC-2017", "pmsp", date(2999, 1, 1))
    with pytest.raises(InvalidInput, match=r"is before its last event \(2017-"):
        set_due(occitanie, "OCC-2017", "pmsp", date(2018, 1, 1), as_of=date(2017, 1, 2))
    with pytest.raises(NotFound):
        set_due(occitanie, "NOPE", "pmsp", date(2018, 1, 1))
    assert _count(occitanie, Event, col(Event.name) == "move_due_date") == 0


def test_set_due_adds_a_type_the_campaign_did_not_ask_for(occitanie):
    moved = set_due(occitanie, "OCC-2017", "partnership_convention", date(2018, 6, 30))
    assert moved.from_ is None and moved.moved == []
    assert show_campaign(occitanie, "OCC-2017").due["partnership_convention"] == date(2018, 6, 30)


# --- closing ----------------------------------------------------------------------------------


def test_a_closed_campaign_refuses_launch_and_changes(occitanie):
    closed = close_campaign(occitanie, "OCC-2017", as_of=date(2018, 2, 1))
    assert closed.closed_on == date(2018, 2, 1)
    for attempt in (
        lambda: launch_campaign(occitanie, "OCC-2017"),
        lambda: set_due(occitanie, "OCC-2017", "pmsp", date(2018, 1, 1)),
        lambda: close_campaign(occitanie, "OCC-2017"),
        lambda: create_missing(occitanie, campaign="OCC-2017"),
    ):
        with pytest.raises(InvalidInput, match="campaign OCC-2017 was closed on 2018-02-01"):
            attempt()
    with pytest.raises(InvalidInput, match="has no open campaign"):
        create_missing(occitanie)
    assert _count(occitanie, Document) == 39 and _count(occitanie, OutboxMessage) == 0


def test_closing_before_the_launch_day_is_refused(occitanie):
    launch_campaign(occitanie, "OCC-2017", as_of=LAUNCH_DAY)
    with pytest.raises(InvalidInput, match="before the campaign's launch"):
        close_campaign(occitanie, "OCC-2017", as_of=date(2017, 10, 1))


# --- region isolation -------------------------------------------------------------------------


def test_another_regions_campaign_is_as_unknown(occitanie):
    with occitanie.db.transaction() as session:
        other = Region(code="BRE", name="Bretagne", agency_name="ARS Bretagne", direction_email="")
        session.add(other)
        session.flush()
        breton = other.id or 0
        session.add(Ght(code="BRE-01", name="GHT Rance", region_id=breton))
    create_campaign(occitanie, CampaignSpec("BRE-2018", "B", "BRE", {"pmsp": date(2018, 6, 30)}))
    for attempt in (
        lambda: show_campaign(occitanie, "OCC-2017", region_id=breton),
        lambda: launch_campaign(occitanie, "OCC-2017", region_id=breton),
        lambda: set_due(occitanie, "OCC-2017", "pmsp", date(2018, 1, 1), region_id=breton),
        lambda: close_campaign(occitanie, "OCC-2017", region_id=breton),
    ):
        with pytest.raises(NotFound, match="unknown campaign 'OCC-2017'"):
            attempt()
    spec = CampaignSpec("X", "x", "OCC", {"pmsp": date(2018, 1, 1)})
    with pytest.raises(NotFound, match="unknown region 'OCC'"):
        create_campaign(occitanie, spec, region_id=breton)
    assert [d.code for d in list_campaigns(occitanie, region_id=breton)] == ["BRE-2018"]
    result = launch_campaign(occitanie, "BRE-2018", region_id=breton, as_of=LAUNCH_DAY)
    assert [g.code for g in result.ghts] == ["BRE-01"]  # its region's GHTs only
    assert result.ghts[0].mail is MailOutcome.NOBODY
    assert show_campaign(occitanie, "OCC-2017").launched_on is None


# --- the scenario's campaign ------------------------------------------------------------------


def test_the_scenario_stores_its_campaign_as_create_does(occitanie, tmp_path):
    report = load_scenario(occitanie, SCENARIO)
    assert report.unchanged["campaigns"] == 1 and report.unchanged["due dates"] == 5
    text = SCENARIO.read_text(encoding="utf-8")
    moved = tmp_path / "moved.yaml"
    moved.write_text(text.replace("pmsp: 2017-07-01", "pmsp: 2017-08-01"), encoding="utf-8")
    with pytest.raises(
        ScenarioError,
        match=r"moved\.yaml:\d+: campaign OCC-2017 has pmsp due on "
        r"2017-07-01, not 2017-08-01: move it with 'ghtflow campaigns set-due",
    ):
        load_scenario(occitanie, moved)
    absurd = tmp_path / "absurd.yaml"
    absurd.write_text(text.replace("sdsi: 2017-12-31", "sdsi: 2917-12-31"), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"absurd\.yaml:280: due date 2917-12-31 of sdsi"):
        load_scenario(occitanie, absurd)
    close_campaign(occitanie, "OCC-2017")
    assert not load_scenario(occitanie, SCENARIO).changed  # the same file changes nothing
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(text.replace("name: Campagne GHT 2017", "name: Autre"), encoding="utf-8")
    with pytest.raises(ScenarioError, match="was closed on"):
        load_scenario(occitanie, renamed)


def test_launches_racing_create_and_send_once(occitanie):
    """Four launches at once: the campaign row is locked, they queue one behind the other."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    barrier = threading.Barrier(4)

    def attempt(_: int) -> tuple[int, int]:
        barrier.wait()
        result = launch_campaign(occitanie, "OCC-2017", as_of=LAUNCH_DAY)
        return result.created, result.mails_queued

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(attempt, range(4)))
    assert sorted(results) == [(0, 0), (0, 0), (0, 0), (19, 14)]
    assert _count(occitanie, Document) == 39 + 19 and len(_launch_mails(occitanie)) == 14
    assert verify_chain(occitanie).intact
