"""The README's examples run as written, in order, as a reader would type them.

Every ```sh (```bash, ```shell) block of the README is preceded by a marker, an HTML comment
that GitHub does not render:

- `<!-- runnable -->`: the test runs each command of the block with bash, in the order of the
  README, in one reader's folder (a checkout's `scenarios/` and `procedures/`, the files the
  README assumes the reader has, `GHTFLOW_HOME=./var`). Every command must exit 0 without a
  traceback, except one followed by the README's own `# error: …` comment: that one must be
  refused (exit 1) with that message (`…` stands for any text).
- `<!-- not runnable: REASON -->`: a block the test leaves out, and why (a server that runs
  until stopped, a terminal prompt, `make`, another machine).

A block without a marker fails `test_every_shell_block_is_marked`. Shell state carries from one
command to the next as in one terminal: the working folder and every variable a command sets
(they are exported, `set -a`). Like a reader who started `ghtflow mail-sink` in another
terminal, the run has a mail sink listening (on a free port: `GHTFLOW_SMTP_PORT`); the reader
chose a password, `NEW_PASSWORD`; no other `GHTFLOW_*` variable nor `PREFECT_API_URL` is set.

A failure names the README line of the command, its exit code and what it printed.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]  # (ships no type hints)
import pytest

from doc_templates.render import _PNG_1PX
from notifications.sink import free_port
from tests.e2e.runner import GHTFLOW, ROOT

README = ROOT / "README.md"
MARKER = re.compile(r"<!-- (runnable|not runnable: .+) -->")
FENCE = re.compile(r"```(sh|bash|shell)\s*")
LISTS = ROOT / "tests/fixtures/registry"
PDF = b"%%PDF-1.4\n%% the PMSP of GHT Lot, version %d\n%%%%EOF\n"


@dataclass
class Command:
    line: int  # 1-based line of the README where the command starts
    text: str
    refusal: str | None = None  # the README's `# error: …` under it

    def where(self) -> str:
        return f"README.md:{self.line}: {self.text.splitlines()[0]}"


@dataclass
class Block:
    line: int  # the fence's line
    marker: str | None
    commands: list[Command] = field(default_factory=list)


def readme_blocks(text: str) -> list[Block]:
    """Every top-level shell block, with the marker on the line before it and its commands
    (continuation lines joined, comments dropped, a `# error:` comment kept as the refusal the
    command before it must get)."""
    lines = text.splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        if not FENCE.fullmatch(lines[index]):
            index += 1
            continue
        before = lines[index - 1].strip() if index else ""
        match = MARKER.fullmatch(before)
        block = Block(index + 1, match.group(1) if match else None)
        index += 1
        pending: Command | None = None
        in_refusal = False
        while not lines[index].startswith("```"):
            raw, number = lines[index], index + 1
            index += 1
            stripped = raw.strip()
            if pending is not None:  # a continuation line
                pending.text += "\n" + raw
                if not raw.endswith("\\"):
                    pending = None
                continue
            if stripped.startswith("# error:") and block.commands:
                block.commands[-1].refusal = stripped[2:]
                in_refusal = True
            elif stripped.startswith("#") and in_refusal:
                refusal = block.commands[-1].refusal
                block.commands[-1].refusal = f"{refusal} {stripped.lstrip('# ')}"
            elif stripped and not stripped.startswith("#"):
                in_refusal = False
                command = Command(number, raw)
                block.commands.append(command)
                if raw.endswith("\\"):
                    pending = command
            else:
                in_refusal = False
        blocks.append(block)
        index += 1
    return blocks


BLOCKS = readme_blocks(README.read_text(encoding="utf-8"))
RUNNABLE = [b for b in BLOCKS if b.marker == "runnable"]


def test_every_shell_block_is_marked() -> None:
    unmarked = [f"README.md:{b.line}" for b in BLOCKS if b.marker is None]
    assert not unmarked, (
        "a ```sh block needs `<!-- runnable -->` or `<!-- not runnable: REASON -->` "
        f"on the line before it: {', '.join(unmarked)}"
    )
    assert len(RUNNABLE) >= len(BLOCKS) // 2, "most examples should run"
    refusals = [c.refusal for b in RUNNABLE for c in b.commands if c.refusal]
    assert len(refusals) >= 2, refusals  # the `# error:` comments are read


def test_blocks_are_read_with_their_lines_and_refusals() -> None:
    text = (
        "intro\n<!-- runnable -->\n```sh\nghtflow a   # a comment\n# a note\n"
        "ghtflow b --x \\\n    --y\n# error: document 1 (…): refused\n#   (second line)\n"
        "ghtflow c\n```\n\n```sh\nmake it\n```\n"
    )
    runnable, unmarked = readme_blocks(text)
    assert (runnable.line, runnable.marker, unmarked.marker) == (3, "runnable", None)
    assert [(c.line, c.text, c.refusal) for c in runnable.commands] == [
        (4, "ghtflow a   # a comment", None),
        (6, "ghtflow b --x \\\n    --y", "error: document 1 (…): refused (second line)"),
        (10, "ghtflow c", None),
    ]
    assert _refused_as_written(
        "error: document 1 (…): refused", "error: document 1 (pmsp,\n X): refused"
    )
    assert not _refused_as_written(
        "error: document 1 (…): refused", "error: document 2 (x): refused"
    )


def _reader_files(folder: Path) -> None:
    """What the README assumes the reader has at hand: the files they send and a copy of the
    checkout's data folders (the README's paths are relative to a checkout)."""
    for name in ("scenarios", "procedures"):
        (folder / name).symlink_to(ROOT / name)
    for number in (1, 2):
        (folder / f"pmsp-v{number}.pdf").write_bytes(PDF % number)
    shutil.copy(ROOT / "procedures/ght-2017/models/convention_chu.docx", folder / "my-model.docx")
    (folder / "logo.png").write_bytes(_PNG_1PX)  # the agency's logo (one pixel stands for it)
    # the ministry's national lists (a part of them: the registry tests' lists)
    shutil.copy(LISTS / "national-2018.csv", folder / "ght-2018.csv")
    book = openpyxl.Workbook()
    sheet = book.active
    with (LISTS / "national-2017.csv").open(encoding="utf-8", newline="") as rows:
        for row in csv.reader(rows, delimiter=";"):
            sheet.append(row)
    book.save(folder / "ght-2017.xlsx")


@dataclass
class Reader:
    folder: Path
    env: dict[str, str]
    state: Path  # the shell's exported variables and working folder, between commands
    failed: str | None = None


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"the mail sink does not listen on {port}")


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reader]:
    folder = tmp_path_factory.mktemp("reader")
    _reader_files(folder)
    home = folder / "var"
    inherited = {
        k: v for k, v in os.environ.items() if not k.startswith(("GHTFLOW_", "PREFECT_API"))
    }
    env = inherited | {
        "GHTFLOW_HOME": str(home),
        "COLUMNS": "100",
        "PATH": f"{GHTFLOW.parent}{os.pathsep}{os.environ['PATH']}",
        "PREFECT_HOME": str(folder / "prefect"),
        "NEW_PASSWORD": "a password the reader chose",  # the users block reads it
    }
    port = free_port()
    env["GHTFLOW_SMTP_PORT"] = str(port)
    state = folder.parent / f"{folder.name}-shell"
    state.mkdir()
    (state / "pwd").write_text(str(folder))
    (state / "env").write_text("")
    home.mkdir()
    sink = subprocess.Popen(
        [str(GHTFLOW), "mail-sink", "--port", str(port), "--maildir", str(folder / "sink")],
        env=env,
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port)
        yield Reader(folder, env, state)
    finally:
        sink.send_signal(signal.SIGTERM)
        sink.wait(timeout=30)


def _run(reader: Reader, command: Command) -> subprocess.CompletedProcess[str]:
    """One command in bash, in the shell state the commands before it left."""
    env_file, pwd_file = reader.state / "env", reader.state / "pwd"
    script = (
        f"set -a\nsource '{env_file}'\ncd \"$(cat '{pwd_file}')\"\nset -o pipefail\n"
        f"{command.text}\n__rc=$?\n"
        f"export -p | grep -v -E '^declare -x (PWD|OLDPWD|SHLVL|_)=' > '{env_file}'\n"
        f"pwd > '{pwd_file}'\nexit $__rc\n"
    )
    return subprocess.run(
        ["bash", "-c", script],
        env=reader.env,
        stdin=subprocess.DEVNULL,  # no terminal: a command that asks fails instead of waiting
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _refused_as_written(expected: str, stderr: str) -> bool:
    """The README's refusal, `…` standing for any text, whitespace as one space."""
    said = " ".join(stderr.split())
    parts = [" ".join(p.split()) for p in expected.split("…")]
    position = 0
    for part in parts:
        found = said.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return True


def _problem(command: Command, done: subprocess.CompletedProcess[str]) -> str | None:
    if "Traceback" in done.stderr:
        return "printed a traceback"
    if command.refusal is None:
        return None if done.returncode == 0 else f"exited {done.returncode}"
    if done.returncode != 1:
        return f"exited {done.returncode}, the README shows a refusal: {command.refusal}"
    if not _refused_as_written(command.refusal, done.stderr):
        return f"refused otherwise than the README shows: {command.refusal}"
    return None


@pytest.mark.parametrize("block", RUNNABLE, ids=[f"line{b.line}" for b in RUNNABLE])
def test_readme_block_runs_as_written(reader: Reader, block: Block) -> None:
    if reader.failed is not None:
        pytest.skip(f"an earlier example failed: {reader.failed}")
    for command in block.commands:
        done = _run(reader, command)
        problem = _problem(command, done)
        if problem is not None:
            reader.failed = command.where()
            pytest.fail(
                f"{command.where()}\n  {problem}\n"
                f"--- stdout (end)\n{done.stdout[-2000:]}\n--- stderr (end)\n{done.stderr[-3000:]}",
                pytrace=False,
            )
