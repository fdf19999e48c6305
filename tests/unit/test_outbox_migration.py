"""The 0009 migration's conversion of existing outbox rows to per-recipient records."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

PATH = Path(__file__).resolve().parents[2] / "migrations/versions/0009_outbox_recipients.py"
spec = importlib.util.spec_from_file_location("outbox_recipients_0009", PATH)
assert spec is not None and spec.loader is not None
migration = importlib.util.module_from_spec(spec)
spec.loader.exec_module(migration)

AT = datetime(2017, 12, 1, 6, 0, tzinfo=UTC)


def _row(state: str, refused: dict[str, str] | None) -> SimpleNamespace:
    return SimpleNamespace(
        state=state,
        to_addrs=["direction@occ-02.example.org"],
        cc_addrs=["dg@ars-occitanie.example.org"],
        refused=refused,
        sent_at=AT if state == "sent" else None,
        created_at=AT,
    )


def test_a_sent_row_whose_copy_got_a_4xx_is_due_again_for_the_copy_alone():
    entries, state, refused = migration._recipients(
        _row("sent", {"dg@ars-occitanie.example.org": "421 4.7.0 Try again later"})
    )
    assert state == "pending" and refused is None
    assert entries["direction@occ-02.example.org"]["state"] == "delivered"
    assert entries["dg@ars-occitanie.example.org"]["state"] == "pending"


def test_a_sent_row_keeps_its_5xx_refusals_and_other_rows_are_all_pending():
    entries, state, refused = migration._recipients(
        _row("sent", {"dg@ars-occitanie.example.org": "550 5.1.1 No such user"})
    )
    assert state == "sent" and refused == {"dg@ars-occitanie.example.org": "550 5.1.1 No such user"}
    entries, state, _ = migration._recipients(_row("failed", None))
    assert state == "failed" and {e["state"] for e in entries.values()} == {"pending"}
