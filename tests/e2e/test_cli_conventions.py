"""The conventions of well-liked command lines, as a user meets them: `ghtflow` alone, `-h`,
`--version`, shell completion, `--home`, `--quiet`, `-` for standard input, `compliance --check`
for cron, `audit verify --format json`, `users add` without a terminal, dates refused with the
option they were given to, help labels that read as words, and no database created by a command
run in the wrong folder (the error names the database it looked for and how to point at one)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.e2e.runner import GHTFLOW, ROOT, env_for, ghtflow, ok, ok_json, one_line_error


def _commands() -> list[list[str]]:
    """Every group and command of `ghtflow`, as the words that name it."""
    import typer.main

    from cli.app import app

    found: list[list[str]] = []

    def walk(command: object, path: list[str]) -> None:
        found.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def test_ghtflow_alone_prints_its_help_and_exits_0(tmp_path):
    for args in ([], ["documents"], ["-h"], ["documents", "list", "-h"], ["--help"]):
        result = ghtflow(tmp_path, *args)
        assert result.returncode == 0, (args, result.stderr)
        assert "Usage: ghtflow" in result.stdout, args
        assert result.stderr == ""
    assert re.fullmatch(r"ghtflow \S+\n", ok(tmp_path, "--version"))
    assert list(tmp_path.iterdir()) == []  # help and version touch nothing


def test_the_top_help_names_the_environment_and_the_global_options(tmp_path):
    from settings import Settings

    shown = " ".join(ok(tmp_path, "--help").split())
    for option in ("--version", "--home", "--quiet", "--install-completion", "-h, --help"):
        assert option.split(", ")[0] in shown, option
    named = set(re.findall(r"GHTFLOW_[A-Z_]+", shown))
    assert {"GHTFLOW_HOME", "GHTFLOW_DATABASE_URL"} <= named
    assert named <= {f"GHTFLOW_{field.upper()}" for field in Settings.model_fields}


def test_every_help_reads_well():
    """No `<bool>` after a flag, no Python type names (`<list[str]>`, `<str>`), on every
    command's help (in-process: 60 processes would take a minute)."""
    from cli.app import app

    runner = CliRunner()
    commands = _commands()
    assert len(commands) > 50
    for path in commands:
        result = runner.invoke(app, [*path, "-h"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, (path, result.output)
        for label in ("<bool>", "<list[", "<str>", "<Path>", "range>"):
            assert label not in result.output, (path, label, result.output)


def test_shell_completion_is_offered_and_answers(tmp_path):
    script = ok(tmp_path, "--show-completion", "bash")
    assert "_GHTFLOW_COMPLETE" in script
    env = env_for(tmp_path) | {
        "_GHTFLOW_COMPLETE": "complete_bash",
        "COMP_WORDS": "ghtflow documents l",
        "COMP_CWORD": "2",
    }
    done = subprocess.run(
        [str(GHTFLOW)], env=env, cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and done.stdout.split() == ["list"], done


def test_a_read_in_another_folder_creates_nothing_and_names_the_database(tmp_path, loaded_home):
    """`ghtflow documents list` run from the wrong folder, without GHTFLOW_HOME: no `./var`
    made (neither by the read nor by the sweep's Prefect), the error names the file and how to
    point at the right one; `--home` then reads the database GHTFLOW_HOME would."""
    env = {k: v for k, v in env_for(tmp_path).items() if k != "GHTFLOW_HOME"}
    expected = f"no database at {tmp_path / 'var' / 'ghtflow.db'} (GHTFLOW_HOME=var, the default)"
    for args in (["documents", "list"], ["audit", "verify"], ["sweep", "--as-of", "2017-12-01"]):
        result = subprocess.run(
            [str(GHTFLOW), *args], env=env, cwd=tmp_path, capture_output=True, text=True,
            timeout=60, check=False,
        )  # fmt: skip
        message = one_line_error(result)
        assert message.startswith(f"error: {expected}: point ghtflow at yours with --home PATH, "
                                  "GHTFLOW_HOME or GHTFLOW_DATABASE_URL"), message  # fmt: skip
        assert list(tmp_path.iterdir()) == [], args
    through_home = subprocess.run(
        [str(GHTFLOW), "--home", str(loaded_home), "documents", "list", "--format", "json"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert through_home.returncode == 0, through_home.stderr
    assert len(json.loads(through_home.stdout)) == len(ok_json(loaded_home, "documents", "list"))


def test_a_database_without_schema_is_named(tmp_path):
    (tmp_path / "ghtflow.db").touch()
    message = one_line_error(ghtflow(tmp_path, "ghts", "list"))
    assert message.startswith("error: the database has no ghtflow schema yet"), message
    assert f": {tmp_path / 'ghtflow.db'} (GHTFLOW_HOME={tmp_path}); " in message
    url = "postgresql+psycopg://postgres:s3cret@127.0.0.1:1/ghtflow"  # nobody listens on port 1
    env = env_for(tmp_path) | {"GHTFLOW_DATABASE_URL": url}
    refused = subprocess.run(
        [str(GHTFLOW), "ghts", "list"], env=env, cwd=tmp_path, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    message = one_line_error(refused)
    assert "postgresql+psycopg://postgres:***@127.0.0.1:1/ghtflow (GHTFLOW_DATABASE_URL)" in message
    assert "s3cret" not in message


def test_quiet_prints_only_errors(tmp_path):
    assert ok(tmp_path, "--quiet", "db", "upgrade") == ""
    assert ok(tmp_path, "-q", "load", "--demo") == ""
    assert "Nothing changed" in ok(tmp_path, "load", "--demo")  # without it, the summary
    assert one_line_error(ghtflow(tmp_path, "-q", "ghts", "show", "OCC-99")).startswith("error: ")


def test_load_reads_standard_input(empty_home, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    ok(home, "db", "upgrade")
    scenario = (ROOT / "scenarios" / "occitanie-2017.yaml").read_bytes()
    done = subprocess.run(
        [str(GHTFLOW), "load", "-"], input=scenario, env=env_for(home), cwd=home,
        capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Scenario" in done.stdout.decode()
    assert len(ok_json(home, "ghts", "list")) == 14  # the scenario's GHTs, read from the pipe
    broken = subprocess.run(
        [str(GHTFLOW), "load", "-"], input=b"scenario: [", env=env_for(home), cwd=home,
        capture_output=True, text=False, timeout=60, check=False,
    )  # fmt: skip
    assert broken.returncode == 1 and broken.stderr.decode().startswith("error: -"), broken


def test_compliance_check_exits_1_naming_what_is_missing(fresh_home):
    missing = ghtflow(fresh_home, "compliance", "--check")
    assert missing.returncode == 1
    lines = missing.stdout.splitlines()
    assert lines and all(re.match(r"OCC-\d\d: \w+ missing \(with ", line) for line in lines), lines
    assert missing.stderr.splitlines() == [
        f"error: {len(lines)} required items missing over 14 GHTs"
    ]
    ok(fresh_home, "compliance", "--create-missing", "--as-of", "2017-11-02")
    assert ok(fresh_home, "compliance", "--check") == ("nothing required is missing over 14 GHTs\n")
    assert ok(fresh_home, "-q", "compliance", "--check") == ""  # cron mails nothing


def test_audit_verify_in_json(fresh_home):
    verdict = ok_json(fresh_home, "audit", "verify")
    assert verdict["intact"] is True and verdict["problem"] is None
    assert verdict["events"] > 0 and len(verdict["head_hash"]) == 64
    with sqlite3.connect(fresh_home / "ghtflow.db") as db:
        assert db.execute("UPDATE event SET actor = 'x' WHERE id = 3").rowcount == 1
    broken = ghtflow(fresh_home, "audit", "verify", "--format", "json")
    assert broken.returncode == 1
    verdict = json.loads(broken.stdout)
    assert verdict["intact"] is False and verdict["problem"]


def test_users_add_without_a_terminal_says_to_use_password_stdin(fresh_home):
    """A script that forgot `--password-stdin`: one line at once, not a prompt that waits on a
    pipe nobody writes to."""
    process = subprocess.Popen(
        [str(GHTFLOW), "users", "add", "nouveau@ars-occitanie.example.org", "--side", "agency"],
        env=env_for(fresh_home), cwd=fresh_home, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        returncode = process.wait(timeout=30)  # stdin stays open: a prompt would hang here
    finally:
        process.kill()
    stdout, stderr = process.communicate()
    result = subprocess.CompletedProcess(process.args, returncode, stdout, stderr)
    assert "--password-stdin" in one_line_error(result)
    assert "nouveau@" not in json.dumps(ok_json(fresh_home, "users", "list"))


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["report", "bilan", "--as-of", "2017-13-01"], "--as-of"),
        (["sweep", "--as-of", "9999-12-31"], "--as-of"),
        (["documents", "fire", "1", "approve", "--actor", "a@b.org", "--respond-by",
          "2017-02-30"], "--respond-by"),
        (["campaigns", "create", "X", "--region", "OCC", "--name", "a", "--due",
          "pmsp=2018-02-30"], "--due"),
    ],
)  # fmt: skip
def test_a_bad_date_names_its_option(loaded_home, args, option):
    result = ghtflow(loaded_home, *args)
    assert result.returncode == 2, result
    assert f"Invalid value for {option}: " in " ".join(result.stderr.split()), result.stderr


def test_environment_home_and_option_home_agree(loaded_home, tmp_path):
    assert os.environ.get("GHTFLOW_HOME") != str(tmp_path)
    listed = ok(tmp_path, "--home", loaded_home, "ghts", "list", "--format", "json")
    assert json.loads(listed) == ok_json(loaded_home, "ghts", "list")


def _national_rows(home: Path) -> list[list[object]]:
    """The loaded scenario's GHTs and their parties as rows of the national list, FINESS and
    postal codes as the numbers a spreadsheet makes of them."""
    query = """
        SELECT r.name, g.name, g.code, e.finess, e.category, e.name, e.commune, e.postal_code
        FROM membership m JOIN ght g ON g.id = m.ght_id JOIN region r ON r.id = g.region_id
        JOIN establishment e ON e.id = m.establishment_id
        WHERE m.role = 'partie' AND g.kind = 'ght' ORDER BY g.code, e.finess"""
    with sqlite3.connect(home / "ghtflow.db") as db:
        rows = [list(row) for row in db.execute(query)]
    for row in rows:
        row[3] = int(row[3]) if row[3].isdigit() else row[3]
        row[7] = int(row[7])
    return rows


HEADER = ["Région", "Dénomination GHT", "Code GHT", "FINESS", "Catégorie",
          "Dénomination établissement", "Commune", "Code postal"]  # fmt: skip


def test_the_scenario_as_a_national_list_csv_then_xlsx_from_standard_input(fresh_home, tmp_path):
    """A list exported by a spreadsheet: a title line above the header, commas, and the leading
    zero of Ariège's FINESS and postal codes dropped (090991175 → 90991175). Its first import
    says what it did (the scenario's parties now follow the list); the same list as XLSX,
    piped on standard input, then changes nothing."""
    import csv

    from openpyxl import Workbook  # type: ignore[import-untyped]

    rows = _national_rows(fresh_home)
    assert any(str(row[3]).startswith("9099") for row in rows)  # zeros dropped, as a spreadsheet
    listed = tmp_path / "liste.csv"
    with listed.open("w", newline="", encoding="utf-8") as out:
        out.write("Composition des GHT au 1er juillet 2017\n")
        csv.writer(out).writerows([HEADER, *rows])
    first = ok(fresh_home, "import", "dgos-list", listed)
    assert "Nothing changed" not in first
    assert re.search(r"GHT OCC-01 .*: \d+ now follow the list", first), first
    assert "now follow it: a later list that drops one removes it from its GHT" in first
    assert ok_json(fresh_home, "ghts", "show", "OCC-01")["members"][0]["from_list"] is True

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Composition des GHT au 1er juillet 2017"])
    for row in [HEADER, *rows]:
        sheet.append(row)
    workbook.save(tmp_path / "liste.xlsx")
    again = subprocess.run(
        [str(GHTFLOW), "import", "dgos-list", "-"], input=(tmp_path / "liste.xlsx").read_bytes(),
        env=env_for(fresh_home), cwd=fresh_home, capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "Nothing changed: the registry already matches this list." in again.stdout.decode()
