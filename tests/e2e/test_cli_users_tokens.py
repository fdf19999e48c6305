"""`ghtflow users token --days/--revoke` and `users remove` as an operator runs them, and the
CLI's refusal of oversize texts (exit 1, nothing stored)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from tests.e2e.runner import director, ghtflow, ok, ok_json, one_line_error

LOT = director("OCC-02")


def _person(home: Path, email: str) -> dict[str, Any]:
    return next(p for p in ok_json(home, "users", "list") if p["email"] == email)


def test_tokens_expire_are_listed_and_revoked(fresh_home):
    issued = ghtflow(fresh_home, "users", "token", LOT, "--days", "30")
    assert issued.returncode == 0 and "expires in 30 days" in issued.stderr
    ok(fresh_home, "users", "token", LOT)
    lot = _person(fresh_home, LOT)
    assert lot["active_tokens"] == 2
    days = [(date.fromisoformat(d) - date.today()).days for d in lot["tokens_expire_on"]]
    assert abs(days[0] - 30) <= 1 and abs(days[1] - 365) <= 1, days  # soonest first
    assert "tokens_expire_on" in ok(fresh_home, "users", "list", "--format", "csv")
    for wrong in ("0", "731"):
        refused = one_line_error(ghtflow(fresh_home, "users", "token", LOT, "--days", wrong))
        assert refused == f"error: a token lasts from 1 to 730 days, not {wrong}"
    assert ok(fresh_home, "users", "token", LOT, "--revoke").strip() == f"revoked 2 tokens of {LOT}"
    assert _person(fresh_home, LOT)["active_tokens"] == 0


def test_remove_keeps_the_person_in_the_history_and_withdraws_access(fresh_home):
    ok(fresh_home, "users", "token", LOT)
    out = ok(fresh_home, "users", "remove", LOT)
    assert out.startswith(f"removed {LOT}: ") and "(1 revoked)" in out
    lot = _person(fresh_home, LOT)  # the row stays: events name the address
    assert abs((date.fromisoformat(lot["removed_on"]) - date.today()).days) <= 1
    assert (lot["has_password"], lot["active_tokens"], lot["has_calendar_link"]) == (
        False,
        0,
        False,
    )
    for args in (
        ["users", "remove", LOT],
        ["users", "token", LOT],
        ["users", "calendar-link", LOT],
    ):
        assert f"{LOT} was removed on " in one_line_error(ghtflow(fresh_home, *args)), args


def test_oversize_texts_are_refused_with_exit_1(fresh_home, doc_ids):
    before = ok_json(fresh_home, "users", "list")
    long_name = ghtflow(fresh_home, "users", "add", "x@ars.example.org", "--side", "agency",
                        "--name", "N" * 201, "--password-stdin")  # fmt: skip
    assert "name is too long: 201 characters, at most 200" in one_line_error(long_name)
    long_email = ghtflow(fresh_home, "users", "token", "a" * 300 + "@ars.example.org")
    assert "e-mail address is too long" in one_line_error(long_email)
    assert ok_json(fresh_home, "users", "list") == before
    pmsp = doc_ids[("OCC-02", "pmsp")]
    note = ghtflow(fresh_home, "documents", "fire", str(pmsp), "submit", "--actor", LOT,
                   "--note", "n" * 4001)  # fmt: skip
    assert "note is too long: 4001 characters, at most 4000" in one_line_error(note)
    long_label = ghtflow(fresh_home, "motives", "add", "cle_longue", "L" * 501)
    assert "motive label is too long" in one_line_error(long_label)
