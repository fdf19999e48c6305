"""`ghtflow procedures list|check` and `GHTFLOW_PROCEDURES`, as the operator types them (no
database needed for either command)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from procedures import BUILTIN_DIR
from tests.e2e.runner import GHTFLOW, env_for, one_line_error
from tests.procedure_folders import write_procedure

GHT = BUILTIN_DIR / "ght-2017"


def run(
    home: Path, *args: str | Path, procedures: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = env_for(home)
    if procedures is not None:
        env["GHTFLOW_PROCEDURES"] = procedures
    return subprocess.run(
        [str(GHTFLOW), *map(str, args)],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_procedures_list_shows_the_built_in_folder(tmp_path):
    listed = run(tmp_path, "procedures", "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    ght, *others = json.loads(listed.stdout)
    # the other built-in folders (the 2018 call for projects) follow, by name
    assert [p["name"] for p in others] == sorted(
        p.parent.name for p in GHT.parent.glob("*/procedure.yaml") if p.parent != GHT
    )
    assert {p["holder"] for p in others} == {"structure"}
    assert ght == {
        "name": "ght-2017",
        "label": "Documents des groupements hospitaliers de territoire (GHT)",
        "description": ght["description"],
        "holder": "ght",
        "origin": "built-in",
        "folder": str(GHT),
        "types": [
            "pmsp",
            "chu_convention",
            "had_convention",
            "partnership_convention",
            "eprd_budget_g",
            "sdsi",
        ],
        "models": [
            "convention_chu.docx",
            "convention_had.docx",
            "convention_partenariat.docx",
            "lettre_mise_en_conformite.docx",
        ],
        "mails": ["conformity_request", "tacit_approval"],
        "motives": 4,
        "criteria": 0,
        "campaign": True,
    }
    table = run(tmp_path, "procedures", "list")
    assert table.returncode == 0 and "ght-2017" in table.stdout and "built-in" in table.stdout
    assert not list(tmp_path.iterdir())  # no database, no log: nothing written


def test_a_folder_of_the_setting_is_listed_and_its_types_are_in_force(tmp_path):
    folder = write_procedure(tmp_path / "procedures")
    listed = run(tmp_path, "procedures", "list", "-f", "json", procedures=str(folder))
    assert listed.returncode == 0, listed.stderr
    ours = json.loads(listed.stdout)[-1]  # after the built-in ones
    assert (ours["name"], ours["origin"], ours["folder"]) == (
        "decisions-test",
        "GHTFLOW_PROCEDURES",
        str(folder),
    )
    assert (ours["types"], ours["criteria"], ours["campaign"]) == (["project_application"], 2, True)
    states = run(tmp_path, "states", "list", "-f", "json", procedures=str(folder))
    assert json.loads(states.stdout)[-1]["type"] == "project_application"
    models = json.loads(
        run(tmp_path, "templates", "list", "-f", "json", procedures=str(folder)).stdout
    )
    assert {
        "kind": "notice_letter",
        "procedure": "decisions-test",
        "source": "procedure",
        "path": str(folder / "models" / "decision_letter.docx"),
    } in models


def test_procedures_check_of_a_sound_folder_says_ok_in_one_line(tmp_path):
    checked = run(tmp_path, "procedures", "check", GHT)
    assert (checked.returncode, checked.stderr) == (0, "")
    assert checked.stdout == (
        f"procedure ght-2017 ({GHT}): 6 types, 4 models, 2 mails, 4 motives, 0 criteria, "
        "a campaign template: OK\n"
    )


def test_procedures_check_lists_every_problem_with_its_file_and_line(tmp_path):
    folder = write_procedure(tmp_path / "procedures")
    workflow = folder / "workflows" / "application.yaml"
    text = workflow.read_text("utf-8").replace("[file_attached]", "[file_attached, signed_twice]")
    workflow.write_text(text, "utf-8")
    (folder / "motives.yaml").write_text("Bad: Motif\n", "utf-8")
    checked = run(tmp_path, "procedures", "check", folder)
    assert checked.returncode == 1
    assert checked.stdout.splitlines() == [
        f"{workflow}:11: workflow 'project_application': event 'submit' uses unknown guard "
        "'signed_twice'",
        f"{folder / 'motives.yaml'}:1: motive key 'Bad' must be 2 to 60 lower-case letters, "
        "digits and _, starting with a letter",
    ]
    assert checked.stderr == f"error: {folder}: 2 problems\n"
    as_json = run(tmp_path, "procedures", "check", folder, "--format", "json")
    report = json.loads(as_json.stdout)
    assert as_json.returncode == 1 and report["ok"] is False
    assert [(p["file"], p["line"]) for p in report["problems"]] == [
        (str(workflow), 11),
        (str(folder / "motives.yaml"), 1),
    ]


def test_procedures_check_of_something_that_is_no_folder(tmp_path):
    checked = run(tmp_path, "procedures", "check", tmp_path / "nowhere")
    assert checked.returncode == 1
    assert checked.stdout == f"{tmp_path / 'nowhere'}: not a folder\n"


def test_a_broken_or_missing_folder_of_the_setting_stops_every_command_in_one_line(tmp_path):
    folder = write_procedure(tmp_path / "procedures")
    (folder / "procedure.yaml").write_text("name: decisions-test\n", "utf-8")
    line = one_line_error(run(tmp_path, "states", "list", procedures=str(folder)))
    assert line == (
        f"error: procedure {folder} cannot be used: {folder / 'procedure.yaml'}:1: 'label' must "
        f"be a text (list them all with 'ghtflow procedures check {folder}')"
    )
    missing = one_line_error(run(tmp_path, "states", "list", procedures=str(tmp_path / "no")))
    assert missing == f"error: GHTFLOW_PROCEDURES: no folder at {tmp_path / 'no'}"
