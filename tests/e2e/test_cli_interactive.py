"""`sweep` and `generate --all` answer in the time of their work: without a Prefect server they
run in the command's own process (no Prefect import, no temporary server, no Prefect home),
show a progress bar only on a terminal, and keep stdout clean; with `PREFECT_API_URL` they run
their flow, recorded on that server, and print the same thing plus one line naming the run."""

from __future__ import annotations

import json
import os
import pty
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.runner import GHTFLOW, copy_home, env_for, ghtflow, one_line_error

SWEEP = ("sweep", "--as-of", "2017-12-01", "--format", "json")
GENERATE = ("generate", "--type", "chu_convention", "--all", "--format", "json")


def _break_one_row(home: Path, document_id: int) -> None:
    """A due date from before dates were bounded: the sweep reports this document, exit 1."""
    with sqlite3.connect(home / "ghtflow.db") as db:
        db.execute("UPDATE document SET due_date = '9999-12-31' WHERE id = ?", (document_id,))


def _comparable_sweep(stdout: str) -> dict[str, Any]:
    """The sweep's JSON without what differs between two runs (the checkpoint's time)."""
    report: dict[str, Any] = json.loads(stdout)
    for key in ("at", "line"):
        report["checkpoint"].pop(key)
    return report


def _comparable_files(stdout: str, out: Path) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in f.items() if k != "path"}
        | {"path": str(Path(f["path"]).relative_to(out))}
        for f in json.loads(stdout)
    ]


def test_sweep_and_generate_all_run_in_the_command_without_prefect(fresh_home, doc_ids, tmp_path):
    _break_one_row(fresh_home, doc_ids[("OCC-03", "pmsp")])
    swept = ghtflow(fresh_home, *SWEEP)
    assert swept.returncode == 1, swept.stderr
    report = json.loads(swept.stdout)
    assert report["total"] == 35 and report["checkpoint"]["mail"]["queued"] == 1
    assert [e["document_id"] for e in report["errors"]] == [doc_ids[("OCC-03", "pmsp")]]
    assert swept.stderr.splitlines() == [  # the command's own lines, nothing logged besides
        "error: document {} (OCC-03): due date 9999-12-31 is out of range (1900-01-01 to "
        "2999-12-31)".format(doc_ids[("OCC-03", "pmsp")]),
        "error: 1 document could not be swept; the others were swept",
    ]
    out = tmp_path / "out"
    filled = ghtflow(fresh_home, *GENERATE, "--out", out)
    assert filled.returncode == 0 and filled.stderr == "", filled.stderr
    assert len(json.loads(filled.stdout)) == 11
    assert not (fresh_home / "prefect").exists()  # no Prefect home: no temporary server


def test_the_in_process_path_never_imports_prefect(loaded_home, tmp_path):
    commands = [
        ["sweep", "--as-of", "2017-12-01", "--dry-run", "--format", "json"],
        ["generate", "--type", "chu_convention", "--all", "--out", str(tmp_path)],
    ]
    code = (
        "import sys\n"
        "from cli.app import main\n"
        f"for args in {commands!r}:\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit as done:\n"
        "        assert not done.code, done.code\n"
        "print('prefect' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env_for(loaded_home),
        cwd=loaded_home,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == ["False"]


def test_a_sweep_before_db_upgrade_is_one_line_at_once(tmp_path):
    home = tmp_path / "new"
    home.mkdir()
    line = one_line_error(ghtflow(home, "sweep", "--as-of", "2017-12-01"))
    assert line.startswith(f"error: no database at {home / 'ghtflow.db'} "), line
    assert line.endswith("create one with 'ghtflow db upgrade'"), line
    assert list(home.iterdir()) == []  # neither a database nor a Prefect home


def _with_terminal_stderr(home: Path, *args: str | Path) -> tuple[int, str, str]:
    """Run `ghtflow ARGS` with stderr on a pseudo-terminal and stdout on a pipe."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [str(GHTFLOW), *map(str, args)],
        env=env_for(home) | {"TERM": "xterm"},
        cwd=home,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the command closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert process.stdout is not None
    stdout = process.stdout.read().decode()
    return process.wait(timeout=60), stdout, seen.decode(errors="replace")


def test_progress_on_a_terminal_and_clean_json_on_stdout(fresh_home, tmp_path):
    code, stdout, terminal = _with_terminal_stderr(fresh_home, *GENERATE, "--out", tmp_path / "out")
    assert code == 0, terminal
    assert "filling" in terminal and "11/11" in terminal, terminal
    assert len(json.loads(stdout)) == 11  # the bar never reaches stdout
    code, stdout, terminal = _with_terminal_stderr(fresh_home, *SWEEP)
    assert code == 0, terminal
    assert "sweeping" in terminal, terminal
    assert json.loads(stdout)["total"] == 36


@pytest.fixture(scope="module")
def prefect_server(prefect_harness: None) -> str:
    """The URL of the session's Prefect test server (a real server in its own process)."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    assert url
    return str(url)


@pytest.mark.flow
def test_with_a_server_the_flow_runs_there_and_prints_the_same(
    prefect_server, loaded_home, doc_ids, tmp_path
):
    """Two copies of the same data, one command run in its own process, the other recorded on
    the server: the same stdout, exit status and errors, plus the line naming the run."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    bad = doc_ids[("OCC-03", "pmsp")]
    results = {}
    for name, extra in (("local", {}), ("server", {"PREFECT_API_URL": prefect_server})):
        home = copy_home(loaded_home, tmp_path / name)
        _break_one_row(home, bad)
        env = env_for(home) | extra
        out = tmp_path / f"out-{name}"
        runs = [
            subprocess.run(
                [str(GHTFLOW), *args],
                env=env,
                cwd=home,
                capture_output=True,
                text=True,
                timeout=180,
                check=False,
            )
            for args in (SWEEP, (*GENERATE, "--out", str(out)))
        ]
        results[name] = runs, out
    (local_sweep, local_fill), local_out = results["local"]
    (server_sweep, server_fill), server_out = results["server"]
    assert (local_sweep.returncode, server_sweep.returncode) == (1, 1)
    assert _comparable_sweep(server_sweep.stdout) == _comparable_sweep(local_sweep.stdout)
    assert (local_fill.returncode, server_fill.returncode) == (0, 0), server_fill.stderr
    assert _comparable_files(server_fill.stdout, server_out) == _comparable_files(
        local_fill.stdout, local_out
    )
    notes = []
    for local, server in ((local_sweep, server_sweep), (local_fill, server_fill)):
        note, *rest = server.stderr.splitlines()
        assert rest == local.stderr.splitlines()
        assert note.startswith("recorded as Prefect flow run ")
        assert note.endswith(f" on {prefect_server}")
        notes.append(note.removeprefix("recorded as Prefect flow run ").split(" on ")[0])
    with get_client(sync_client=True) as client:
        for flow_name, run_name in zip(
            ("deadline-sweep", "generate-documents"), notes, strict=True
        ):
            named = FlowRunFilter(name=FlowRunFilterName(any_=[run_name]))
            (run,) = client.read_flow_runs(flow_run_filter=named)
            assert client.read_flow(run.flow_id).name == flow_name
