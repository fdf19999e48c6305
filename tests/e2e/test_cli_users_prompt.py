"""`ghtflow users add|passwd` at the password prompt, as a person types it: the public demo
password is refused whichever way it comes, and what is wrong with the account is said before
anyone is asked for a password (the prompt is never shown for an address that cannot take one).
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import subprocess
import termios
from pathlib import Path

import pytest

from services.accounts.credentials import PUBLIC_DEMO_PASSWORD
from tests.e2e.runner import GHTFLOW, director, env_for, ok, ok_json, one_line_error

NEWCOMER = "nouvelle@ars-occitanie.example.org"
PROMPT = "Password:"
DEMO_REFUSED = (
    "error: 'ghtflow-demo' is the public demo password (published with ghtflow); choose another"
)


def typed(home: Path, text: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`ghtflow ARGS` run on a terminal of its own (a pseudo-terminal, its controlling one)
    where the lines of `text` are typed, each once a prompt waits for it. With
    `--password-stdin`, `text` is piped instead."""
    if "--password-stdin" in args:
        return subprocess.run(
            [str(GHTFLOW), *args], env=env_for(home), cwd=home, input=text,
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    master, slave = pty.openpty()

    def take_the_terminal() -> None:  # in the child, a session leader since setsid
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        [str(GHTFLOW), *args], env=env_for(home), cwd=home, stdin=slave,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True, preexec_fn=take_the_terminal,
    )  # fmt: skip
    os.close(slave)
    lines, screen = text.splitlines(keepends=True), ""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        assert ready, f"no answer from ghtflow; the terminal shows {screen!r}"
        try:
            chunk = os.read(master, 1024).decode()
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        screen += chunk
        if lines and chunk.endswith(" "):  # getpass's prompt (Click wrote "Password:" on stdout)
            os.write(master, lines.pop(0).encode())
    os.close(master)
    out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _last_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """Refused after the prompt: exit 1, no traceback, the last line of stderr is the error."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stderr.splitlines()[-1]


def test_the_demo_password_is_the_one_constant():
    assert PUBLIC_DEMO_PASSWORD == "ghtflow-demo"
    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "occitanie-2017.yaml"
    assert f"demo_password: {PUBLIC_DEMO_PASSWORD}\n" in scenario.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "args",
    [
        ["users", "passwd", director("OCC-02")],
        ["users", "add", NEWCOMER, "--side", "agency", "--name", "Alex Martin"],
        ["users", "add", "adjoint@occ-02.example.org", "--side", "ght", "--ght", "OCC-02"],
    ],
)
def test_the_public_demo_password_is_refused_at_the_prompt(fresh_home, args):
    before = ok_json(fresh_home, "users", "list")
    demo = f"{PUBLIC_DEMO_PASSWORD}\n"
    result = typed(fresh_home, demo * 2, *args)
    assert PROMPT in result.stdout  # it was typed at the prompt
    assert _last_line_error(result) == DEMO_REFUSED
    # and from standard input, as a script would pass it
    assert one_line_error(typed(fresh_home, demo, *args, "--password-stdin")) == DEMO_REFUSED
    assert ok_json(fresh_home, "users", "list") == before  # nobody created, nothing changed


def test_another_password_is_taken_at_the_prompt(fresh_home):
    result = typed(fresh_home, "un-vrai-secret-1\nun-vrai-secret-1\n", "users", "passwd",
                   director("OCC-02"))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith(f"password of {director('OCC-02')} changed\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "passwd", "nobody@example.org"],
         "error: nobody has the e-mail address 'nobody@example.org'"),
        (["users", "passwd", "pas une adresse"],
         "error: nobody has the e-mail address 'pas une adresse'"),
        (["users", "add", "x@occ-02.example.org", "--side", "ght", "--ght", "OCC-99"],
         "error: unknown GHT 'OCC-99'"),
        (["users", "add", 'a"b@occ-02.example.org', "--side", "ght", "--ght", "OCC-02"],
         "e-mail address 'a\"b@occ-02.example.org' refused"),
        (["users", "add", NEWCOMER, "--side", "agency", "--name", "N" * 201],
         "error: name is too long: 201 characters, at most 200"),
    ],
)  # fmt: skip
def test_the_account_is_checked_before_the_password_is_asked(fresh_home, args, message):
    result = typed(fresh_home, "", *args)  # nothing typed: a prompt would wait
    assert PROMPT not in result.stdout
    assert message in one_line_error(result)


def test_a_removed_person_is_refused_before_the_prompt(fresh_home):
    ok(fresh_home, "users", "remove", director("OCC-03"))
    result = typed(fresh_home, "", "users", "passwd", director("OCC-03"))
    assert PROMPT not in result.stdout
    assert "was removed on" in one_line_error(result)
