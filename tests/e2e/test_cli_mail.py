"""The e-mail commands as a user types them: sweep (in its own process: no Prefect server is
configured; test_cli_interactive.py runs it on one too), outbox list and send to
`ghtflow mail-sink` running in the background, retry, and their refusals."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
from pathlib import Path

from notifications.sink import count_messages, free_port
from tests.e2e.runner import GHTFLOW, env_for, ghtflow, one_line_error, usage_error


def _run(home: Path, *args: str, **env: str) -> str:
    done = subprocess.run(
        [str(GHTFLOW), *args],
        env=env_for(home) | env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    return done.stdout


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


def test_sweep_then_send_to_the_mail_sink(fresh_home):
    report = json.loads(_run(fresh_home, "sweep", "--as-of", "2017-12-01", "--format", "json"))
    assert report["counts"] == {
        "reminder": 25,
        "due_today": 0,
        "overdue": 7,
        "conformity_reminder": 1,
        "conformity_overdue": 3,
        "tacit_approval": 0,
    }
    assert report["checkpoint"]["mail"] == {"queued": 1, "already": 0, "not_sent": []}
    queued = json.loads(_run(fresh_home, "outbox", "list", "--format", "json"))
    assert len(queued) == 37  # the 36 notices and the audit checkpoint to the direction
    assert queued[-1]["kind"] == "audit_checkpoint" and queued[-1]["document_id"] is None
    assert {"id", "state", "to", "subject", "attempts", "last_error"} <= set(queued[0])
    assert {m["state"] for m in queued} == {"pending"}

    port = free_port()
    maildir = fresh_home / "maildir"
    sink = subprocess.Popen(
        [str(GHTFLOW), "mail-sink", "--port", str(port), "--maildir", str(maildir)],
        env=env_for(fresh_home),
        cwd=fresh_home,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_port(port)
        sent = json.loads(
            _run(fresh_home, "outbox", "send", "--format", "json", GHTFLOW_SMTP_PORT=str(port))
        )
        assert (sent["sent"], sent["failed"], sent["retry_later"]) == (37, 0, 0)
        again = _run(fresh_home, "outbox", "send", GHTFLOW_SMTP_PORT=str(port))
        assert again.startswith("0 sent")
    finally:
        sink.send_signal(signal.SIGTERM)
        out, _ = sink.communicate(timeout=20)
    assert sink.returncode == 0 and "mail sink stopped" in out
    assert count_messages(maildir) == 37
    csv_lines = _run(
        fresh_home, "outbox", "list", "--state", "sent", "--format", "csv"
    ).splitlines()
    assert csv_lines[0].startswith("id,state,kind") and len(csv_lines) == 38

    again = _run(fresh_home, "sweep", "--as-of", "2017-12-01")  # the same day: nothing new
    (line,) = [line for line in again.splitlines() if line.startswith("Audit checkpoint ")]
    assert line.endswith(": mail queued for 0 region directions, 1 queued before for this day")
    dry = _run(fresh_home, "sweep", "--as-of", "2017-12-02", "--dry-run")
    assert "Audit checkpoint" not in dry
    assert len(json.loads(_run(fresh_home, "outbox", "list", "--format", "json"))) == 37


def test_mail_commands_refuse_bad_input_in_one_line(loaded_home):
    assert one_line_error(ghtflow(loaded_home, "outbox", "retry", "9999")) == (
        "error: outbox message 9999 does not exist"
    )
    assert "unknown state 'lost'" in one_line_error(
        ghtflow(loaded_home, "outbox", "list", "--state", "lost")
    )
    assert "2017-13-01" in usage_error(ghtflow(loaded_home, "sweep", "--as-of", "2017-13-01"))
    down = ghtflow(loaded_home, "outbox", "send")  # nothing queued: nothing to connect for
    assert down.returncode == 0 and down.stdout.startswith("0 sent")


def test_mail_sink_refuses_a_maildir_that_is_a_file(tmp_path):
    regular = tmp_path / "maildir"
    regular.write_text("not a folder")
    refused = ghtflow(tmp_path, "mail-sink", "--port", str(free_port()), "--maildir", regular)
    assert one_line_error(refused) == (
        f"error: --maildir: {regular} is a file, not a folder: give a folder for the Maildir"
    )
    assert "cannot file messages in" in one_line_error(
        ghtflow(tmp_path, "mail-sink", "--port", str(free_port()), "--maildir", regular / "in")
    )
