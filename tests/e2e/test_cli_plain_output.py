"""What ghtflow prints is data and reaches the agency's terminal as plain text: a GHT's note
with Rich markup, escape sequences in a name from the national list, `:100:` in an error. Run
with FORCE_COLOR=1 so that Rich emits whatever it would interpret (links, colours, emoji)."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from tests.e2e.runner import GHTFLOW, director, env_for

MARKUP = "[link=https://evil.example/]x[/link] [bold red]alarm[/] :100:"
ESCAPES = "\x1b[31mred\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07\x08\r\x9b2J\u202eok"
ESCAPED = r"\x1b[31mred\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07\x08\r\x9b2J\u202eok"


def run(home: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """`ghtflow ARGS` as on a colour terminal, wide enough that no cell wraps."""
    return subprocess.run(
        [str(GHTFLOW), *map(str, args)],
        env=env_for(home) | {"FORCE_COLOR": "1", "COLUMNS": "400"},
        cwd=home,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_inert(output: str) -> None:
    """No hyperlink, no colour or cursor code of the data's, no bell, no emoji."""
    for live in ("\x1b]8;", "\x1b[31m", "\x07", "\x08", "\r", "\x9b", "\u202e", "💯"):
        assert live not in output, (live, output)


def test_a_note_and_a_name_are_printed_as_they_are_written(fresh_home, doc_ids, tmp_path):
    doc = doc_ids["OCC-02", "pmsp"]
    with sqlite3.connect(fresh_home / "ghtflow.db") as conn:  # as the national list could name it
        conn.execute("UPDATE ght SET name = ? WHERE code = 'OCC-02'", (ESCAPES,))
    conn.close()
    pdf = tmp_path / "pmsp.pdf"
    pdf.write_bytes(b"%PDF-1.4 PMSP du Lot\n")
    fired = run(
        fresh_home,
        *("documents", "fire", str(doc), "submit"),
        *("--actor", director("OCC-02"), "--file", pdf, "--note", MARKUP),
    )
    assert fired.returncode == 0, fired.stderr

    shown = run(fresh_home, "documents", "show", str(doc))
    assert shown.returncode == 0, shown.stderr
    assert MARKUP in shown.stdout  # the markup as text, the emoji code as text
    assert ESCAPED in shown.stdout  # the name's controls shown escaped
    assert_inert(shown.stdout)
    for args in (("ghts", "show", "OCC-02"), ("ghts", "list"), ("report", "bilan", "--wide")):
        listed = run(fresh_home, *args)
        assert listed.returncode == 0, (args, listed.stderr)
        assert ESCAPED in listed.stdout, args
        assert_inert(listed.stdout)
    csv_out = run(fresh_home, "ghts", "list", "--format", "csv")
    assert ESCAPED in csv_out.stdout
    assert_inert(csv_out.stdout)
    json_out = run(fresh_home, "ghts", "list", "--format", "json")
    assert_inert(json_out.stdout)


def test_an_error_keeps_its_line_number_and_stays_one_line(empty_home, tmp_path):
    scenario = tmp_path / "broken.yaml"
    scenario.write_text("# comment\n" * 98 + "scenario: [unclosed\n", encoding="utf-8")
    result = run(empty_home, "load", scenario)
    assert result.returncode == 1
    assert f"{scenario}:100: YAML syntax" in result.stderr
    assert_inert(result.stderr)

    named = tmp_path / "a\x1b[31m\x07\nb"  # a value quoted as is in the message
    named.write_text("not a folder", encoding="utf-8")
    result = run(empty_home, "generate", "1", "--out", named)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("error: --out ") and r"a\x1b[31m\x07\nb" in line
    assert_inert(line)
