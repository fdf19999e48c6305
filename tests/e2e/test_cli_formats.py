"""`--format` offers only what each command does: every offered format, run for real on the demo
data, prints that format (JSON parses, CSV parses with a header row, a table is text); CSV is
offered only where the output is one table, and refused elsewhere as a usage error.

And the tables read at 80 and 100 columns: no identifier a user may retype (FINESS, e-mail
address, id, date, code) is cut or ellided, no line is wider than the terminal, and a row
takes a few lines, not dozens."""

from __future__ import annotations

import csv
import inspect
import io
import json
import re
import subprocess
import typing
from pathlib import Path
from typing import Any

import pytest
import typer

from tests.e2e.runner import GHTFLOW, ROOT, SCENARIO, env_for, ok, ok_json

FIXTURES = ROOT / "tests" / "fixtures" / "registry"

# Every command with --format, with arguments that make it run on the demo data. A new command
# with --format fails `test_every_command_with_a_format_is_exercised` until it is added here.
RUNS: dict[str, list[str]] = {
    "audit verify": ["audit", "verify"],
    "campaigns close": ["campaigns", "close", "OCC-2017", "--as-of", "2017-12-31"],
    "campaigns create": [
        *("campaigns", "create", "OCC-2019", "--region", "OCC", "--name", "C"),
        *("--due", "pmsp=2019-12-31"),
    ],
    "campaigns launch": ["campaigns", "launch", "OCC-2017", "--as-of", "2017-10-16"],
    "campaigns list": ["campaigns", "list"],
    "campaigns set-due": ["campaigns", "set-due", "OCC-2017", "sdsi", "2018-01-31"],
    "campaigns show": ["campaigns", "show", "OCC-2017"],
    "compliance": ["compliance"],
    "documents list": ["documents", "list"],
    "documents show": ["documents", "show", "9"],
    "establishments list": ["establishments", "list"],
    "files gc": ["files", "gc", "--dry-run"],
    "generate": ["generate", "{chu_convention}", "--out", "generated"],
    "ghts list": ["ghts", "list"],
    "ghts show": ["ghts", "show", "OCC-01"],
    "import dgos-list": ["import", "dgos-list", str(FIXTURES / "national-2017.csv")],
    "motives list": ["motives", "list"],
    "outbox list": ["outbox", "list"],
    "outbox send": ["outbox", "send"],
    "parties list": ["parties", "list", "13"],
    "procedures check": ["procedures", "check", str(ROOT / "procedures" / "ght-2017")],
    "procedures list": ["procedures", "list"],
    "regions list": ["regions", "list"],
    "regions set-identity": ["regions", "set-identity", "OCC", "--phone", "04 67 07 20 07"],
    "regions show": ["regions", "show", "OCC"],
    "report bilan": ["report", "bilan", "--as-of", "2017-12-31"],
    "states list": ["states", "list"],
    "sweep": ["sweep", "--as-of", "2017-12-01", "--dry-run"],
    "templates check": [
        "templates",
        "check",
        str(ROOT / "procedures" / "ght-2017" / "models" / "convention_chu.docx"),
    ],
    "templates list": ["templates", "list"],
    "users list": ["users", "list"],
}


def _format_choices() -> dict[str, list[str]]:
    """Command path → the choices its --format offers, read from the Typer application (its
    commands' signatures: the option's enum is what the parser accepts)."""
    from cli.app import app

    found: dict[str, list[str]] = {}

    def walk(typer_app: typer.Typer, path: list[str]) -> None:
        for command in typer_app.registered_commands:
            callback = command.callback
            assert callback is not None
            name = command.name or callback.__name__.replace("_", "-")
            hints = typing.get_type_hints(callback)
            for parameter in inspect.signature(callback).parameters.values():
                declared = getattr(parameter.default, "param_decls", ()) or ()
                if "--format" in declared:
                    found[" ".join([*path, name])] = [e.value for e in hints[parameter.name]]
        for group in typer_app.registered_groups:
            assert group.typer_instance is not None and group.name is not None
            walk(group.typer_instance, [*path, group.name])

    walk(app, [])
    return found


CHOICES = _format_choices()


def test_every_command_with_a_format_is_exercised() -> None:
    assert set(CHOICES) == set(RUNS)
    assert {c for c, offered in CHOICES.items() if "csv" in offered} >= {
        "compliance",
        "documents list",
        "outbox list",
        "users list",
    }


def _run(home: Path, args: list[str], fmt: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(GHTFLOW), *args, "--format", fmt],
        env=env_for(home),
        cwd=home,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("command", "fmt"), [(c, f) for c, offered in sorted(CHOICES.items()) for f in offered]
)
def test_each_offered_format_is_that_format(
    fresh_home: Path, doc_ids: dict[tuple[str, str], int], command: str, fmt: str
) -> None:
    chu_convention = str(doc_ids["OCC-13", "chu_convention"])
    args = [a.replace("{chu_convention}", chu_convention) for a in RUNS[command]]
    result = _run(fresh_home, args, fmt)
    assert "Traceback" not in result.stderr
    assert result.returncode in (0, 1), (result.returncode, result.stderr)  # 1: what it reports
    assert result.stdout.strip(), (command, fmt, result.stderr)
    if fmt == "json":
        json.loads(result.stdout)
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(result.stdout)))
        header = rows[0]
        assert len(header) >= 2 and all(re.fullmatch(r"[a-z][a-z0-9_]*", h) for h in header), header
        assert all(len(row) == len(header) for row in rows), rows
    else:
        with pytest.raises(json.JSONDecodeError):
            json.loads(result.stdout)
        assert not result.stdout.lstrip().startswith(("{", "["))


@pytest.mark.parametrize("command", sorted(c for c, o in CHOICES.items() if "csv" not in o))
def test_csv_is_refused_where_the_output_is_not_a_table(empty_home: Path, command: str) -> None:
    result = _run(empty_home, RUNS[command], "csv")
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == ""
    assert "'csv' is not one of 'table', 'json'" in result.stderr


# --- tables at 80 and 100 columns ---------------------------------------------------------

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's data after a sweep: messages in the outbox, a conformity request."""
    home = tmp_path_factory.mktemp("columns")
    ok(home, "db", "upgrade")
    ok(home, "load", "--demo", SCENARIO)
    ok(home, "load", "--demo", ROOT / "scenarios" / "guyane-2018.yaml")
    pmsp = next(d["id"] for d in ok_json(home, "documents", "list", "--ght", "OCC-02"))
    pdf = home / "v1.pdf"
    pdf.write_bytes(b"%PDF-1.4 PMSP\n")
    officer = "instructeur@ars-occitanie.example.org"
    lot = "direction@occ-02.example.org"
    ok(home, "documents", "fire", pmsp, "submit", "--actor", lot, "--file", pdf, "--as-of",
       "2017-10-16")  # fmt: skip
    ok(home, "documents", "fire", pmsp, "request_conformity", "--actor", officer, "--motive",
       "biology_pharmacy_imaging", "--note", "Préciser le projet de biologie et le projet de "
       "soins partagé.", "--respond-by", "2017-12-01", "--as-of", "2017-10-30")  # fmt: skip
    ok(home, "sweep", "--as-of", "2017-12-04")
    return home


TABLES = [
    ["outbox", "list"],
    ["users", "list"],
    ["documents", "list"],
    ["documents", "show", "9"],
    ["ghts", "list"],
    ["ghts", "show", "OCC-01"],
    ["compliance"],
    ["report", "bilan", "--as-of", "2017-12-31"],
    ["establishments", "list"],
    ["campaigns", "list"],
    ["campaigns", "show", "OCC-2017"],
    ["regions", "list"],
    ["motives", "list"],
    ["parties", "list", "13"],
    ["procedures", "list"],
]


def _identifiers(data: Any, keys: set[str]) -> set[str]:
    """The e-mail addresses, days, FINESS numbers and codes of a command's JSON."""
    found: set[str] = set()

    def walk(value: Any, key: str | None) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str):
            found.update(EMAIL.findall(value) if key in {"email", "to", "actor"} else [])
            if key in keys and not EMAIL.search(value):
                found.update(re.findall(r"[\w-]+", value) if DAY.fullmatch(value) is None else [])
                found.update(DAY.findall(value))
        elif isinstance(value, int) and not isinstance(value, bool) and key in keys:
            found.add(str(value))

    walk(data, None)
    return found


@pytest.mark.parametrize("columns", [80, 100])
@pytest.mark.parametrize("args", TABLES, ids=" ".join)
def test_tables_keep_identifiers_whole(demo_home: Path, args: list[str], columns: int) -> None:
    shown = subprocess.run(
        [str(GHTFLOW), *args],
        env=env_for(demo_home) | {"COLUMNS": str(columns)},
        cwd=demo_home,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    lines = shown.splitlines()
    assert "…" not in shown
    assert max(len(line.rstrip()) for line in lines) <= columns, shown
    words = set(re.findall(r"[\w.@+-]+", shown))
    words |= {w.rstrip(".,;") for w in words}
    data = ok_json(demo_home, *args)
    keys = {"finess", "code", "ght", "email", "to", "due_date", "as_of", "id", "document_id"}
    if args[0] == "outbox":
        keys -= {"due_date", "as_of"}  # in --wide
    if args[0] in {"users", "report"}:
        keys -= {"id"}  # people are named by address; the summary counts documents
    missing = _identifiers(data, keys) - words
    assert not missing, (missing, shown)
    if args[:2] == ["outbox", "list"]:
        assert len(lines) <= 3 * len(data) + 8, len(lines)
