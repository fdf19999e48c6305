"""`models.precompiled`: a statement run as its compiled text reads and writes exactly what
`Connection.execute` would, on SQLite (dates stored as text) and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from models import Document, Event, Region
from models.db import table_of
from models.precompiled import Precompiled
from services.workspace import Workspace

DOCUMENT, EVENT, REGION = table_of(Document), table_of(Event), table_of(Region)
AT = datetime(2017, 10, 3, 9, 30, 15, 123456, tzinfo=UTC)


def _event(seq: int, document: tuple[int, int], **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "chain_seq": 10_000 + seq,
        "document_id": document[0],
        "ght_id": document[1],
        "seq": 1000 + seq,
        "name": "validate",
        "actor": "a@example.org",
        "at": AT,
        "as_of": date(2017, 10, 3),
        "to_state": "validated",
        "payload": '{"note":"é"}',
        "from_state": None,
        "prev_hash": "0" * 64,
        "hash": f"{seq:064d}",
    }
    return row | changes


def _a_document(ws: Workspace) -> tuple[int, int]:
    with ws.db.engine.connect() as conn:
        row = conn.execute(select(DOCUMENT.c.id, DOCUMENT.c.ght_id).limit(1)).one()
    return int(row[0]), int(row[1])


def test_rows_written_and_read_back_match_what_core_gives(occitanie: Workspace) -> None:
    ws, document = occitanie, _a_document(occitanie)
    insert = Precompiled(EVENT.insert(), column_keys=tuple(_event(1, document)))
    read = Precompiled(
        select(EVENT.c.as_of, EVENT.c.at, EVENT.c.payload, EVENT.c.from_state)
        .where(EVENT.c.chain_seq == bindparam("position"))
        .limit(1)  # a value the statement carries itself
    )
    with ws.db.writing() as conn:
        assert insert.execute(conn, _event(1, document)) == 1
        ours = read.first(conn, {"position": 10_001})
        core = conn.execute(read.statement, {"position": 10_001}).one()
        assert ours is not None
        assert tuple(ours) == tuple(core)
        assert ours[0] == date(2017, 10, 3) and ours[2] == '{"note":"é"}' and ours[3] is None
        assert read.first(conn, {"position": -5}) is None
        conn.rollback()


def test_a_guarded_update_counts_its_rows_and_keeps_its_own_literals(ws: Workspace) -> None:
    rename = Precompiled(
        REGION.update()
        .where(REGION.c.code == bindparam("region"))
        .values(name=bindparam("new_name"), agency_name=REGION.c.agency_name + " (ARS)")
    )
    with ws.db.writing() as conn:
        conn.execute(
            REGION.insert().values(
                code="ZZ", name="Z", agency_name="Z", direction_email="d@example.org"
            )
        )
        assert rename.execute(conn, {"region": "ZZ", "new_name": "Zèd"}) == 1
        assert rename.execute(conn, {"region": "none", "new_name": "x"}) == 0
        row = conn.execute(
            select(REGION.c.name, REGION.c.agency_name).where(REGION.c.code == "ZZ")
        ).one()
        assert tuple(row) == ("Zèd", "Z (ARS)")
        conn.rollback()


def test_a_clash_is_sqlalchemys_integrity_error(occitanie: Workspace) -> None:
    ws, document = occitanie, _a_document(occitanie)
    insert = Precompiled(EVENT.insert(), column_keys=tuple(_event(1, document)))
    with pytest.raises(IntegrityError), ws.db.writing() as conn:
        insert.execute(conn, _event(1, document))
        insert.execute(conn, _event(2, document, chain_seq=10_001))  # the same chain position
