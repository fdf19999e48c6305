"""Every `ghtflow` command, driven with generated arguments, answers 0, 1 or 2 and never a
traceback, and never by way of the entry point's safety net ("internal error") or a raw
database error: each refusal of bad input must be a deliberate one-line message.

The commands are found by walking the Typer application, so a command added later is fuzzed
without touching this file. They run in this process (a few ms each) against a copy of the
loaded demo database; each argument is drawn by its declared type (ids, huge and negative
numbers, impossible dates, text with quotes, CR/LF/NUL, markup and escape sequences, paths to
/dev/zero, folders and missing files).
"""

from __future__ import annotations

import shutil
import sys
import types
from collections.abc import Iterator, Sequence
from enum import Enum
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import pytest
import typer.main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer._click.core import Context
from typer.testing import CliRunner

from cli.app import INTERNAL_ERROR, app, main
from tests.e2e.runner import OFFICER, SCENARIO, director

# Commands that queue the day's notices, serve until stopped, or register on a Prefect server:
# only their --help is run here (their arguments are covered by their own tests).
HELP_ONLY: set[tuple[str, ...]] = {("sweep",), ("serve",), ("mail-sink",), ("deploy",)}
# Options left out of the generated arguments, and why.
SKIPPED_OPTIONS: dict[tuple[str, ...], set[str]] = {
    ("generate",): {"all_", "pdf"},  # --all fills every convention; --pdf runs LibreOffice
}
# Argument shapes left out of the generated arguments (none: `load` refuses /dev/zero, a folder
# and "" in one line like any other bad file).
SKIPPED_PATHS: dict[tuple[str, ...], set[str]] = {}

RUNNER = CliRunner()

IDS = st.one_of(
    st.sampled_from(["1", "5", "9", "18", "39", "0", "-1", "x", "", "1e3", "0x10", " 7 "]),
    st.sampled_from(["99999999999999999999", "2147483648", "9223372036854775808", "-" + "9" * 25]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
DATES = st.sampled_from(
    ["2017-10-13", "2017-12-31", "9999-12-31", "2017-02-30", "0001-01-01", "2017-13-01", "", "x"]
)
WORDS = st.sampled_from(
    [
        "OCC-02",
        "occ-01",
        "OCC-99",
        "pmsp",
        "chu_convention",
        "submit",
        "approve",
        "request_conformity",
        "shared_care_project",
        OFFICER,
        director("OCC-02"),
        "310781406",
        "31,81",
        "agency",
        "ght",
        "draft",
        "table",
        "json",
        "csv",
    ]
)
NASTY = st.sampled_from(
    [
        "",
        " ",
        "'",
        '"',
        'a"b@occ-02.example.org',
        '=HYPERLINK("http://evil/","x")',
        "[link=https://evil.example/]x[/link]",
        "[/]",
        ":100:",
        "\x1b[31mred\x1b]8;;http://evil/\x07",
        "line\r\nbreak",
        "nul\x00byte",
        "\u202eabc",
        "é" * 300,
        "x" * 5000,
        "../../etc/passwd",
        "-1",
        "--help",
    ]
)
TEXTS = st.one_of(WORDS, DATES, NASTY, IDS, st.text(max_size=30))


@pytest.fixture(scope="module")
def fuzz_home(loaded_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the loaded demo work directory, with files of every kind to point at."""
    home = tmp_path_factory.mktemp("fuzz") / "home"
    shutil.copytree(loaded_home, home)
    (home / "not-a.pdf").write_text("plain text named .pdf\n", encoding="utf-8")
    (home / "real.pdf").write_bytes(b"%PDF-1.4 fuzz\n")
    (home / "garbage.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    (home / "garbage.docx").write_bytes(b"not a docx")
    (home / "empty.yaml").write_text("", encoding="utf-8")
    (home / "folder").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        for name in (
            "GHTFLOW_DATABASE_URL",
            "GHTFLOW_FILES_DIR",
            "GHTFLOW_WORKFLOWS_DIR",
            "GHTFLOW_PROCEDURES",
        ):
            patch.delenv(name, raising=False)
        patch.setenv("GHTFLOW_HOME", str(home))
        patch.setenv("GHTFLOW_SMTP_PORT", "9")  # `outbox send`: refused at once, nothing sent
        patch.setenv("GHTFLOW_SMTP_TIMEOUT_SECONDS", "1")
        patch.setenv("COLUMNS", "120")
        patch.chdir(home)
        from settings import get_settings

        get_settings.cache_clear()
        yield home
        get_settings.cache_clear()


def _paths(home: Path) -> dict[str, str]:
    return {
        "/dev/zero": "/dev/zero",
        "/dev/null": "/dev/null",
        "<folder>": str(home / "folder"),
        "<missing>": str(home / "missing" / "file.yaml"),
        "scenario": str(SCENARIO),
        "not-a.pdf": str(home / "not-a.pdf"),
        "real.pdf": str(home / "real.pdf"),
        "garbage.xlsx": str(home / "garbage.xlsx"),
        "garbage.docx": str(home / "garbage.docx"),
        "empty.yaml": str(home / "empty.yaml"),
        "<out>": str(home / "out"),
        "<empty>": "",
        "-": "-",
    }


def _commands() -> list[tuple[tuple[str, ...], Any]]:
    """(path, click command) of every leaf command of the application."""
    root = typer.main.get_command(app)
    context = Context(root)
    found = []

    def walk(command: Any, path: tuple[str, ...]) -> None:
        if hasattr(command, "list_commands"):
            for name in command.list_commands(context):
                walk(command.get_command(context, name), (*path, name))
        else:
            found.append((path, command))

    walk(root, ())
    return found


COMMANDS = _commands()


def _base(annotation: Any) -> tuple[Any, bool]:
    """The element type of a parameter's annotation, and whether it is a list."""
    is_list = False
    while True:
        origin = get_origin(annotation)
        if origin in (Union, types.UnionType):
            annotation = next(a for a in get_args(annotation) if a is not type(None))
        elif origin is list:
            annotation, is_list = get_args(annotation)[0], True
        else:
            return annotation, is_list


def _value(param: Any, base: Any, path: tuple[str, ...], home: Path) -> st.SearchStrategy[str]:
    name = param.name or ""
    if isinstance(base, type) and issubclass(base, Enum):
        return st.one_of(st.sampled_from([m.value for m in base]), NASTY)
    if base is int:
        return IDS
    if base is Path:
        skipped = SKIPPED_PATHS.get(path, set())
        paths = {k: v for k, v in _paths(home).items() if k not in skipped}
        return st.sampled_from(sorted(paths.values()))
    if "as_of" in name or "respond_by" in name or name.endswith("_on"):
        return st.one_of(DATES, NASTY)
    return TEXTS


@st.composite
def _argv(draw: st.DrawFn, path: tuple[str, ...], command: Any, home: Path) -> list[str]:
    args: list[str] = list(path)
    options: list[str] = []
    skipped = SKIPPED_OPTIONS.get(path, set())
    for param in command.params:
        if param.name == "help" or param.name in skipped:
            continue
        base, is_list = _base(param.type_descriptor.annotation)
        value = _value(param, base, path, home)
        if param.param_type_name == "argument":
            if param.required or draw(st.booleans()):
                count = draw(st.integers(1, 3)) if is_list else 1
                args.extend(draw(value) for _ in range(count))
        elif draw(st.booleans()):
            flag = param.opts[0]
            if getattr(param, "is_flag", False) or base is bool:
                options.append(flag)
            else:
                for _ in range(draw(st.integers(1, 3)) if is_list else 1):
                    options.extend([flag, draw(value)])
        elif param.required:
            options.extend([param.opts[0], draw(value)])
    return args + options


def invoke(argv: Sequence[str], stdin: str = "") -> tuple[int, str]:
    """`ghtflow ARGV` in this process, through the real entry point; (exit code, output)."""
    with RUNNER.isolation(input=stdin) as streams:
        try:
            main(list(argv))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        output = streams[2].getvalue().decode("utf-8", errors="replace")
    return code, output


def check(argv: Sequence[str], stdin: str = "") -> None:
    code, output = invoke(argv, stdin)
    shown = f"ghtflow {argv!r} -> {code}\n{output}"
    assert code in (0, 1, 2), shown
    assert "Traceback" not in output, shown
    assert INTERNAL_ERROR not in output, shown  # the safety net is not an answer
    assert "error: database error" not in output, shown


def test_every_command_is_found_and_fuzzed():
    paths = {p for p, _ in COMMANDS}
    assert {("documents", "fire"), ("audit", "verify"), ("report", "bilan"), ("load",)} <= paths
    assert paths >= HELP_ONLY


@pytest.mark.parametrize(
    ("path", "command"), [c for c in COMMANDS if c[0] in HELP_ONLY], ids=lambda v: str(v)
)
def test_commands_that_serve_or_run_flows_answer_help(fuzz_home, path, command):
    check([*path, "--help"])


@pytest.mark.parametrize(
    ("path", "command"),
    [c for c in COMMANDS if c[0] not in HELP_ONLY],
    ids=[" ".join(p) for p, _ in COMMANDS if p not in HELP_ONLY],
)
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_generated_arguments_never_crash_a_command(fuzz_home, path, command, data):
    argv = data.draw(_argv(path, command, fuzz_home), label="argv")
    stdin = data.draw(st.sampled_from(["", "a-long-enough-password-1\n", "\x00\n"]), label="stdin")
    check(argv, stdin)
