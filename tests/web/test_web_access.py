"""One access rule, checked end to end: for every person of the demo (and an agency person of
another region, and one of no region) and every document, the document page offers exactly the
events `fire` accepts from that person (guards aside), and the pages and the JSON API see the
same documents.

`fire` is really called: an accepted event moves the document, so the SQLite file is put back
as it was (SQLite's backup API) before the next try. The rule itself is unit-tested on plain
values in tests/unit/test_access.py.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from models import Document, Person, Region
from models.db import sqlite_path
from services.accounts.credentials import Account, account_by_id, issue_token
from services.clock import today
from services.errors import NotFound, PermissionDenied
from services.lifecycle.fire import fire
from services.views.dashboard import document_page
from services.workspace import Workspace
from states.errors import GuardRefused, WrongSide

SQLITE = pytest.mark.parametrize("backend", ["sqlite"])
ELSEWHERE = "agence@ars-bretagne.example.org"  # an agency person of another region
EVERYWHERE = "agence@national.example.org"  # an agency person of no region: every region


def _add_agency_people(ws: Workspace) -> None:
    """Two agency people the demo lacks (no service sets a person's region: written here)."""
    with ws.db.transaction() as session:
        other = Region(
            code="BRE", name="Bretagne", agency_name="ARS Bretagne", direction_email="d@b.fr"
        )
        session.add(other)
        session.flush()
        session.add(Person(email=ELSEWHERE, side="agency", region_id=other.id))
        session.add(Person(email=EVERYWHERE, side="agency", region_id=None))


def _accounts(ws: Workspace) -> list[Account]:
    with ws.db.reading() as session:
        people = [(p.id, p.session_generation) for p in session.exec(select(Person)).all()]
    accounts = [account_by_id(ws, i, g) for i, g in people if i is not None]
    return [a for a in accounts if a is not None]


def _documents(ws: Workspace) -> list[tuple[int, str, str]]:
    with ws.db.reading() as session:
        rows = session.exec(select(Document).order_by(col(Document.id))).all()
        return [(d.id or 0, d.doc_type, d.state) for d in rows]


def _offered(ws: Workspace, account: Account, document_id: int) -> set[str] | None:
    """The events the document page offers this person, or None when it answers 404."""
    try:
        page = document_page(ws, account, document_id, today())
    except NotFound:
        return None
    return {a.event for a in page.actions}


def _accepted(ws: Workspace, document_id: int, event: str, email: str, saved: Path) -> bool:
    """Whether `fire` accepts this event from this person, guards aside (put back after)."""
    try:
        fire(ws, document_id, event, email)
    except (PermissionDenied, WrongSide):
        return False
    except GuardRefused:
        return True
    with closing(sqlite3.connect(saved)) as before, closing(sqlite3.connect(_file(ws))) as live:
        before.backup(live)
    return True


def _file(ws: Workspace) -> Path:
    path = sqlite_path(ws.settings.effective_database_url)
    assert path is not None
    return path


@SQLITE
def test_every_page_offers_exactly_what_fire_accepts_and_the_api_sees_the_same(
    occitanie, web: TestClient, tmp_path
):
    _add_agency_people(occitanie)
    accounts = _accounts(occitanie)
    assert {a.email for a in accounts} >= {ELSEWHERE, EVERYWHERE} and len(accounts) >= 17
    documents = _documents(occitanie)
    saved = tmp_path / "before.db"
    with closing(sqlite3.connect(_file(occitanie))) as live, closing(sqlite3.connect(saved)) as to:
        live.backup(to)
    seen_by: dict[str, set[int]] = {a.email: set() for a in accounts}
    compared = 0
    for document_id, doc_type, state in documents:
        events = occitanie.workflows.definition(doc_type).allowed_events(state)
        for account in accounts:
            offered = _offered(occitanie, account, document_id)
            if offered is not None:
                seen_by[account.email].add(document_id)
            for event in events:
                accepted = _accepted(occitanie, document_id, event, account.email, saved)
                assert accepted == (event in (offered or set())), (
                    account.email,
                    document_id,
                    event,
                )
                compared += 1
    assert compared > 500
    assert seen_by[ELSEWHERE] == set() and seen_by[EVERYWHERE] == {d for d, _, _ in documents}
    for account in accounts:
        headers = {"Authorization": f"Bearer {issue_token(occitanie, account.email)}"}
        listed = {d["id"] for d in web.get("/api/documents", headers=headers).json()}
        assert listed == seen_by[account.email], account.email
        for document_id, _, _ in documents:
            shown = web.get(f"/api/documents/{document_id}", headers=headers).status_code
            assert shown == (200 if document_id in seen_by[account.email] else 404)
