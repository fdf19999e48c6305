"""`ghtflow load` and `ghtflow import dgos-list` as a user meets them: demo passwords only with
--demo and `serve` warning while any remain; bad files refused in one line, exit 1, nothing
changed; and `users add` refusing an address the outbox would refuse."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.e2e.runner import (
    GHTFLOW,
    SCENARIO,
    env_for,
    ghtflow,
    ok,
    one_line_error,
    usage_error,
)


def db_row(home: Path, sql: str) -> tuple[Any, ...]:
    with sqlite3.connect(home / "ghtflow.db") as conn:
        return tuple(conn.execute(sql).fetchone())


def test_load_without_demo_sets_no_password(tmp_path: Path):
    home = tmp_path / "real"
    home.mkdir()
    ok(home, "db", "upgrade")
    out = ok(home, "load", SCENARIO)
    assert "demo_password ignored" in out and "ghtflow users passwd EMAIL" in out
    assert db_row(home, "SELECT count(*) FROM person WHERE password_hash IS NOT NULL") == (0,)


def test_load_demo_alone_loads_the_shipped_scenario(tmp_path: Path):
    """`load --demo` needs no checkout: the demo scenario comes with the package; the same file
    named on the command line changes nothing afterwards."""
    home = tmp_path / "demo"
    home.mkdir()
    ok(home, "db", "upgrade")
    out = ok(home, "load", "--demo")
    assert "Scenario occitanie-2017" in out and "demo_password ignored" not in out
    assert db_row(home, "SELECT count(*) FROM person WHERE password_hash IS NOT NULL") == (15,)
    assert "Nothing changed" in ok(home, "load", "--demo", SCENARIO)


def test_load_without_a_file_nor_demo_is_a_usage_error(empty_home: Path):
    stderr = usage_error(ghtflow(empty_home, "load"))
    assert "give a scenario file, or --demo alone" in " ".join(stderr.split())
    _nothing_loaded(empty_home)


def test_serve_warns_while_accounts_have_the_demo_password(loaded_home: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [str(GHTFLOW), "serve", "--port", str(port)],
        env=env_for(loaded_home),
        cwd=loaded_home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        first = server.stderr.readline()
    finally:
        server.kill()
        server.wait()
    assert first.startswith("warning: 15 accounts still sign in with the demo password"), first
    assert "ghtflow users passwd EMAIL" in first


def _nothing_loaded(home: Path) -> None:
    for table in ("region", "establishment", "ght", "person", "document", "event"):
        assert db_row(home, f"SELECT count(*) FROM {table}") == (0,), table


def test_bad_scenario_files_are_one_line_errors(empty_home: Path, tmp_path: Path):
    impossible = tmp_path / "impossible.yaml"
    text = SCENARIO.read_text("utf-8")
    impossible.write_text(text.replace("as_of: 2017-10-13", "as_of: 2017-02-30"), "utf-8")
    line = text[: text.index("as_of: 2017-10-13")].count("\n") + 1
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("a: &a [x, x]\nb: [*a, *a]\n", "utf-8")
    cases = {
        impossible: f"{impossible}:{line}: 'as_of' must be a date YYYY-MM-DD, not '2017-02-30'",
        tmp_path: f"{tmp_path}: is a directory",
        Path("/dev/zero"): "/dev/zero: not a regular file",
        fifo: f"{fifo}: not a regular file",
        bomb: f"{bomb}:2: YAML: aliases (*name) are not accepted",
    }
    for path, expected in cases.items():
        started = time.monotonic()
        message = one_line_error(ghtflow(empty_home, "load", path))
        assert message.startswith(f"error: {expected}"), message
        assert time.monotonic() - started < 20
    _nothing_loaded(empty_home)


def test_bad_national_lists_are_one_line_errors(empty_home: Path, tmp_path: Path):
    for path in (tmp_path, Path("/dev/zero")):
        message = one_line_error(ghtflow(empty_home, "import", "dgos-list", path))
        assert message.startswith(f"error: {path}: "), message
    _nothing_loaded(empty_home)


ROLE = ("--side", "ght", "--ght", "OCC-02")


def test_users_add_refuses_a_quoted_address(loaded_home: Path):
    result = subprocess.run(
        [str(GHTFLOW), "users", "add", 'a"b@occ-02.example.org', *ROLE, "--password-stdin"],
        env=env_for(loaded_home),
        cwd=loaded_home,
        input="un-mot-de-passe\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    message = one_line_error(result)
    assert message.startswith("error: e-mail address 'a\"b@occ-02.example.org' refused: ")
    assert db_row(loaded_home, "SELECT count(*) FROM person WHERE email LIKE 'a%b@occ-02%'") == (0,)
