"""The same Alembic migrations create the schema on SQLite and PostgreSQL, matching the models."""

from __future__ import annotations

from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, select

from models import ConformityMotive
from services.schema import current_revision, head_revision, upgrade_database


def test_schema_matches_models_and_upgrade_is_idempotent(ws):
    before, after = upgrade_database(ws.db)
    assert before == after == current_revision(ws.db) == head_revision()
    with ws.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_the_four_2017_motives_are_seeded(ws):
    with ws.db.reading() as session:
        keys = set(session.exec(select(ConformityMotive.key)).all())
    assert keys == {
        "biology_pharmacy_imaging",
        "quality_safety_strategy",
        "shared_care_project",
        "monitoring_evaluation",
    }


def test_upgrade_creates_a_fresh_sqlite_file(tmp_path):
    from models import Database

    db = Database(f"sqlite:///{tmp_path / 'sub' / 'new.db'}")
    assert upgrade_database(db) == (None, head_revision())
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.dispose()


@pytest.mark.parametrize(
    ("statement", "constraint"),
    [
        ("UPDATE person SET side = 'system'", "ck_person_side"),
        ("UPDATE membership SET role = 'ami'", "ck_membership_role"),
        ("UPDATE outboxmessage SET state = 'lost'", "ck_outbox_state"),
        ("UPDATE outboxmessage SET kind = 'spam'", "ck_outbox_kind"),
    ],
)
def test_closed_value_sets_are_refused_by_the_database(occitanie, statement, constraint):
    """A word no rule knows, written behind ghtflow's back, is refused by the database."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from services.deadlines.sweep import sweep_deadlines

    sweep_deadlines(occitanie, date(2017, 12, 1))  # some outbox rows to edit
    with pytest.raises(IntegrityError) as refused, occitanie.db.writing() as conn:
        conn.execute(text(statement))
    assert constraint in str(refused.value) or "CHECK" in str(refused.value).upper()
