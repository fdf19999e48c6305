"""Procedures as data: the built-in folder, a folder of the tests, and `procedures check` on
broken folders (one per kind of problem), each problem named with its file and line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from procedures import BUILTIN_DIR
from services.procedures.catalog import load_procedures, procedures_for
from services.procedures.check import check_procedure
from services.procedures.problems import ProcedureError
from services.procedures.read import read_procedure
from settings import Settings, SettingsError
from states.definition import Criterion
from states.procedure import CampaignTemplate, Holder, Origin
from tests.procedure_folders import write_docx, write_procedure

GHT = BUILTIN_DIR / "ght-2017"
# every folder of procedures/ is a built-in procedure, in name order (read from the folder:
# no Python module names a procedure other than the GHTs')
BUILT_IN = tuple(sorted(p.parent.name for p in BUILTIN_DIR.glob("*/procedure.yaml")))
OTHER_BUILT_IN_TYPES = {
    p.stem for p in BUILTIN_DIR.glob("*/workflows/*.yaml") if p.parent.parent.name != "ght-2017"
}
GHT_TYPES = {
    "pmsp",
    "chu_convention",
    "had_convention",
    "partnership_convention",
    "eprd_budget_g",
    "sdsi",
}


def test_the_built_in_procedure_is_a_folder_read_like_any_other():
    procedure = load_procedures().named("ght-2017")
    assert procedure.origin is Origin.BUILTIN and procedure.holder is Holder.GHT
    assert procedure.folder == GHT and procedure.label.startswith("Documents des groupements")
    assert set(procedure.types) == GHT_TYPES
    assert procedure.types[0] == "pmsp"  # in their `order`
    assert procedure.models == (
        "convention_chu.docx",
        "convention_had.docx",
        "convention_partenariat.docx",
        "lettre_mise_en_conformite.docx",
    )
    assert procedure.mails == ("conformity_request", "tacit_approval")
    assert set(procedure.motives) == {
        "biology_pharmacy_imaging",
        "quality_safety_strategy",
        "shared_care_project",
        "monitoring_evaluation",
    }
    assert procedure.criteria == {}
    assert procedure.campaign is not None
    assert procedure.campaign.due["pmsp"] == date(2017, 7, 1)
    assert procedure.campaign.reminders == (30, 15, 7, 1)
    chu = procedure.definition("chu_convention")
    assert chu is not None and chu.model == "convention_chu.docx"
    assert chu.conformity_letter == "lettre_mise_en_conformite.docx"


def test_the_built_in_folder_passes_the_check():
    report = check_procedure(GHT)
    assert report.problems == []
    assert report.summary() == (
        f"procedure ght-2017 ({GHT}): 6 types, 4 models, 2 mails, 4 motives, 0 criteria, "
        "a campaign template: OK"
    )


def test_a_folder_of_the_tests_is_read_with_its_criteria_and_campaign(tmp_path):
    folder = write_procedure(tmp_path)
    seen = read_procedure(folder, Origin.SETTING)
    assert seen.problems == []
    procedure = seen.procedure
    assert procedure is not None and procedure.name == "decisions-test"
    assert procedure.types == ("project_application",)
    assert procedure.criteria == {
        "versatility": Criterion(
            "versatility", "Polyvalence du dispositif", "Aucune restriction d'âge ni de pathologie."
        ),
        "actors": Criterion("actors", "Implication des acteurs du territoire"),
    }
    assert procedure.campaign == CampaignTemplate(
        "Appel à projets 2018", {"project_application": date(2018, 3, 31)}, (30, 7)
    )
    definition = procedure.definition("project_application")
    assert definition is not None
    select = definition.transition("submitted", "select")
    reject = definition.transition("submitted", "reject")
    assert select is not None and reject is not None
    assert select.mail == reject.mail == "notice"
    assert select.notice is not None and select.notice.copy_direction
    assert select.notice.letter == "decision_letter.docx"
    assert reject.notice is not None and reject.notice.template == "decision"
    assert not reject.notice.copy_direction and reject.notice.letter is None
    assert check_procedure(folder).ok


# --- GHTFLOW_PROCEDURES ----------------------------------------------------------------------


def test_a_folder_of_the_setting_adds_a_procedure_and_its_types(tmp_path):
    folder = write_procedure(tmp_path)
    procedures = procedures_for(Settings(home=tmp_path, procedures=str(folder)))
    assert procedures.names == (*BUILT_IN, "decisions-test")
    assert procedures.workflows.types[-1] == "project_application"
    assert procedures.procedure_of("project_application") == procedures.named("decisions-test")
    assert procedures.mail_folders("project_application") == (folder / "mails",)
    assert procedures.mail_folders("pmsp") == (GHT / "mails",)
    assert "incomplete_file" in procedures.motives


def test_a_type_defined_again_replaces_the_built_in_one(tmp_path):
    folder = write_procedure(tmp_path, type_name="eprd_budget_g")
    procedures = procedures_for(Settings(home=tmp_path, procedures=str(folder)))
    assert "eprd_budget_g" not in procedures.named("ght-2017").types
    assert procedures.procedure_of("eprd_budget_g") == procedures.named("decisions-test")
    assert procedures.workflows.definition("eprd_budget_g").label == "Dossier de candidature"
    assert set(procedures.workflows.types) == GHT_TYPES | OTHER_BUILT_IN_TYPES  # one redefined


def test_a_procedure_of_the_same_name_replaces_the_built_in_one(tmp_path):
    folder = write_procedure(tmp_path)
    text = (folder / "procedure.yaml").read_text("utf-8")
    (folder / "procedure.yaml").write_text(text.replace("decisions-test", "ght-2017"), "utf-8")
    procedures = procedures_for(Settings(home=tmp_path, procedures=str(folder)))
    assert procedures.names == BUILT_IN
    assert procedures.workflows.types == [*OTHER_BUILT_IN_TYPES, "project_application"]


def test_several_folders_are_separated_as_in_path(tmp_path):
    import os

    first = write_procedure(tmp_path / "a")
    second = write_procedure(tmp_path / "b", type_name="other_application")
    text = (second / "procedure.yaml").read_text("utf-8")
    (second / "procedure.yaml").write_text(text.replace("decisions-test", "other"), "utf-8")
    settings = Settings(home=tmp_path, procedures=f"{first}{os.pathsep}{second}{os.pathsep}")
    assert settings.procedure_dirs == (first, second)
    assert procedures_for(settings).names == (*BUILT_IN, "decisions-test", "other")


def test_a_missing_folder_is_refused_at_start(tmp_path):
    with pytest.raises(SettingsError, match=r"GHTFLOW_PROCEDURES: no folder at .*nowhere"):
        Settings(home=tmp_path, procedures=str(tmp_path / "nowhere"))


def test_a_broken_folder_is_refused_in_one_line_naming_the_check(tmp_path):
    folder = write_procedure(tmp_path)
    (folder / "procedure.yaml").write_text("name: X\nlabel: ''\n", "utf-8")
    with pytest.raises(ProcedureError) as refused:
        procedures_for(Settings(home=tmp_path, procedures=str(folder)))
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"procedure {folder} cannot be used: 2 problems, the first: ")
    assert f"{folder / 'procedure.yaml'}:1: 'name' must be" in message
    assert message.endswith(f"(list them all with 'ghtflow procedures check {folder}')")


def test_the_older_workflows_dir_keeps_a_replaced_type_in_its_procedure(tmp_path):
    extra = tmp_path / "workflows"
    extra.mkdir()
    pmsp = (GHT / "workflows" / "chu_convention.yaml").read_text("utf-8")
    (extra / "chu.yaml").write_text(pmsp.replace("label: Signer", "label: Parapher"), "utf-8")
    procedures = load_procedures((), str(extra))
    assert procedures.names == BUILT_IN
    chu = procedures.workflows.definition("chu_convention")
    assert chu.transition("draft", "sign").label == "Parapher"  # type: ignore[union-attr]
    assert procedures.procedure_of("chu_convention") == procedures.named("ght-2017")


# --- procedures check: one broken folder per kind of problem -----------------------------------

Break = Callable[[Path], None]


def _edit(relative: str, old: str, new: str) -> Break:
    def edit(folder: Path) -> None:
        path = folder / relative
        text = path.read_text("utf-8")
        assert old in text, (relative, old)
        path.write_text(text.replace(old, new, 1), "utf-8")

    return edit


def _write(relative: str, text: str) -> Break:
    def write(folder: Path) -> None:
        (folder / relative).write_text(text, "utf-8")

    return write


def _remove(relative: str) -> Break:
    def remove(folder: Path) -> None:
        (folder / relative).unlink()

    return remove


def _model(relative: str, paragraphs: list[str]) -> Break:
    def model(folder: Path) -> None:
        write_docx(folder / relative, paragraphs)

    return model


WF = "workflows/application.yaml"
BROKEN: dict[str, tuple[Break, str, int | None, str]] = {
    # kind of problem: (how to break the folder, file, line, what the message says)
    "yaml-syntax": (
        _edit(WF, "label: Déposer}", "label: Déposer"),
        WF,
        13,
        "YAML syntax",
    ),
    "procedure-missing": (
        _remove("procedure.yaml"),
        "procedure.yaml",
        None,
        "a procedure folder starts with its procedure.yaml",
    ),
    "procedure-name": (
        _edit("procedure.yaml", "name: decisions-test", "name: Décisions"),
        "procedure.yaml",
        2,
        "'name' must be 2 to 60 lower-case letters",
    ),
    "procedure-holder": (
        _edit("procedure.yaml", "holder: ght", "holder: region"),
        "procedure.yaml",
        5,
        "'holder' must be one of ght, structure",
    ),
    "procedure-unknown-key": (
        _edit("procedure.yaml", "holder: ght", "holder: ght\nowner: ars"),
        "procedure.yaml",
        6,
        "unknown key 'owner'",
    ),
    "no-workflow": (_remove(WF), "workflows", None, "no workflow"),
    "unknown-guard": (
        _edit(WF, "guards: [file_attached]", "guards: [file_attached, signed_twice]"),
        WF,
        11,
        "event 'submit' uses unknown guard 'signed_twice'",
    ),
    "unknown-effect": (
        _edit(WF, "effects: [store_version]", "effects: [store_version, fax_it]"),
        WF,
        12,
        "event 'submit' uses unknown effect 'fax_it'",
    ),
    "unknown-mail": (
        _edit(WF, 'mail: "notice:decision"', "mail: carrier_pigeon"),
        WF,
        21,
        "event 'reject' uses unknown mail 'carrier_pigeon'",
    ),
    "unknown-timer": (
        _edit(WF, "reminder_offsets_days: [15, 1]", "reminder_days: [15, 1]"),
        WF,
        23,
        "unknown timer 'reminder_days'",
    ),
    "unknown-key": (
        _edit(WF, "model: application.docx", "modele: application.docx"),
        WF,
        4,
        "unknown key 'modele'",
    ),
    "unreachable-state": (
        _edit(WF, "  submitted: Déposé\n", "  submitted: Déposé\n  lost: Égaré\n"),
        WF,
        8,
        "state(s) lost cannot be reached from 'draft'",
    ),
    "dead-end": (
        _edit(WF, "  not_selected: {label: Non retenu, final: true}", "  not_selected: Non retenu"),
        WF,
        9,
        "state 'not_selected' is not final but no event leaves it",
    ),
    "leaves-final-state": (
        _edit(WF, "reject: {from: submitted,", "reject: {from: [submitted, selected],"),
        WF,
        20,
        "event 'reject' leaves final state 'selected'",
    ),
    "model-not-in-folder": (
        _edit(WF, "model: application.docx", "model: candidature.docx"),
        WF,
        4,
        "no model models/candidature.docx",
    ),
    "letter-not-in-folder": (
        _edit(WF, "letter: decision_letter.docx", "letter: lettre.docx"),
        WF,
        18,
        "event 'select': no model models/lettre.docx",
    ),
    "mail-template-not-in-folder": (
        _edit(WF, 'mail: "notice:decision"', 'mail: "notice:refusal"'),
        WF,
        21,
        "event 'reject': no mail template mails/refusal.txt.j2",
    ),
    "mail-needs-its-templates": (
        _edit(WF, 'mail: "notice:decision"', "mail: tacit_approval"),
        WF,
        21,
        "mail 'tacit_approval' needs its templates mails/tacit_approval.txt.j2",
    ),
    "model-not-a-docx": (
        _write("models/application.docx", "plain text"),
        "models/application.docx",
        None,
        "not a Word .docx file",
    ),
    "model-lacks-values": (
        _model("models/application.docx", ["{{ document.type_label }} {{ ght.finess }}"]),
        "models/application.docx",
        None,
        "uses values the document context lacks: ght.finess",
    ),
    "model-refused-by-the-sandbox": (
        _model("models/decision_letter.docx", ["{{ cycler.__init__.__globals__ }}"]),
        "models/decision_letter.docx",
        None,
        "refused",
    ),
    "not-a-model": (_write("models/notes.txt", "x"), "models/notes.txt", None, ".docx files"),
    "mail-syntax": (
        _edit("mails/decision.txt.j2", "{%- if note %}", "{%- if note note %}"),
        "mails/decision.txt.j2",
        4,
        "template error",
    ),
    "mail-unknown-value": (
        _edit("mails/decision.html.j2", "{{ holder_name }}", "{{ holder.name }}"),
        "mails/decision.html.j2",
        2,
        "decision.html.j2 reads 'holder', which its notice does not give",
    ),
    "mail-extends-nothing": (
        _edit("mails/decision.txt.j2", '"base.txt.j2"', '"socle.txt.j2"'),
        "mails/decision.txt.j2",
        1,
        "uses template 'socle.txt.j2', which does not exist",
    ),
    "mail-without-html": (
        _remove("mails/decision.html.j2"),
        "mails/decision.html.j2",
        None,
        "a mail has a text and an HTML template",
    ),
    "subject-unknown-value": (
        _edit(WF, "{{ holder_code }}", "{{ holder_finess }}"),
        WF,
        19,
        "event 'select': the subject reads 'holder_finess'",
    ),
    "motive-key": (
        _write("motives.yaml", "Incomplete: Dossier incomplet\n"),
        "motives.yaml",
        1,
        "motive key 'Incomplete' must be 2 to 60 lower-case letters",
    ),
    "motive-label": (
        _write("motives.yaml", "incomplete_file: ''\n"),
        "motives.yaml",
        1,
        "motive 'incomplete_file' needs a French label",
    ),
    "criterion-key": (
        _edit("criteria.yaml", "actors:", "9actors:"),
        "criteria.yaml",
        4,
        "criterion key '9actors' must be",
    ),
    "criterion-label": (
        _edit("criteria.yaml", "  label: Implication des acteurs du territoire", "  aide: x"),
        "criteria.yaml",
        5,
        "unknown key 'aide'",
    ),
    "campaign-type": (
        _edit("campaign.yaml", "project_application:", "pmsp:"),
        "campaign.yaml",
        3,
        "unknown type 'pmsp'; this procedure's types: project_application",
    ),
    "campaign-date": (
        _edit("campaign.yaml", "2018-03-31", "2018-02-30"),
        "campaign.yaml",
        3,
        "due date of 'project_application' must be a date YYYY-MM-DD",
    ),
    "campaign-reminders": (
        _edit("campaign.yaml", "[30, 7]", "[30, -7]"),
        "campaign.yaml",
        4,
        "'reminders' must list distinct numbers of days",
    ),
}


@pytest.mark.parametrize("kind", list(BROKEN))
def test_each_kind_of_problem_is_named_with_its_file_and_line(tmp_path, kind):
    folder = write_procedure(tmp_path)
    brake, relative, line, fragment = BROKEN[kind]
    brake(folder)
    report = check_procedure(folder)
    assert not report.ok
    found = [p for p in report.problems if fragment in p.message]
    assert found, [str(p) for p in report.problems]
    problem = found[0]
    assert problem.file == folder / relative, str(problem)
    assert problem.line == line, str(problem)
    where = f"{folder / relative}:{line}: " if line else f"{folder / relative}: "
    assert str(problem).startswith(where)


def test_every_problem_is_listed_not_only_the_first(tmp_path):
    folder = write_procedure(tmp_path)
    for kind in ("unknown-guard", "unknown-timer", "mail-unknown-value", "motive-key"):
        BROKEN[kind][0](folder)
    report = check_procedure(folder)
    files = sorted({p.file.name for p in report.problems})
    assert files == ["application.yaml", "decision.html.j2", "motives.yaml"], report.problems
    assert len(report.problems) == 4
    assert report.as_dict()["ok"] is False


def test_templates_check_finds_a_procedures_model_and_takes_a_type_as_its_kind(tmp_path):
    from services.errors import InvalidInput
    from services.generation.fill import check_template

    folder = write_procedure(tmp_path)
    settings = Settings(home=tmp_path, procedures=str(folder))
    application = folder / "models" / "application.docx"
    report = check_template(application, settings=settings)  # the kind from the file's use
    assert (report["kind"], report["missing"]) == ("document", [])
    assert check_template(application, "project_application", settings)["kind"] == "document"
    letter = check_template(folder / "models" / "decision_letter.docx", settings=settings)
    assert (letter["kind"], letter["missing"]) == ("notice_letter", [])
    assert "event.label" in letter["used"]
    with pytest.raises(InvalidInput, match=r"unknown template kind 'chu_conv'; kinds: .*"):
        check_template(application, "chu_conv", settings)
