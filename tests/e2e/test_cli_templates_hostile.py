"""A hostile or broken agency Word model, as the operator meets it: `templates check` and
`generate` refuse it in one line naming the file and the tag, run none of its code, and a run
over many documents goes on past the documents a model cannot fill."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
from pathlib import Path

from docx import Document as Docx

from tests.e2e.runner import GHTFLOW, env_for, one_line_error

RCE = "{{ cycler.__init__.__globals__.os.system('touch pwned') }}"


def agency_model(folder: Path, name: str, *lines: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    doc = Docx()
    for line in lines:
        doc.add_paragraph(line)
    doc.save(str(folder / name))
    return folder / name


def run(home: Path, templates: Path | None, *args: str | Path) -> subprocess.CompletedProcess[str]:
    env = env_for(home)
    if templates is not None:
        env["GHTFLOW_TEMPLATES_DIR"] = str(templates)
    return subprocess.run(
        [str(GHTFLOW), *map(str, args)],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def generated(home: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(home / "ghtflow.db") as conn:
        return list(conn.execute("SELECT document_id, kind FROM generatedfile ORDER BY id"))


def test_templates_check_refuses_the_payload_without_running_it(loaded_home, tmp_path):
    evil = agency_model(tmp_path / "models", "convention_chu.docx", "Entre {{ chu.name }}", RCE)
    for fmt in ("table", "json"):
        line = one_line_error(run(loaded_home, None, "templates", "check", evil, "-f", fmt))
        assert line == (
            f"error: convention_chu.docx, paragraph 2: « {RCE} » refused: '__init__' is "
            "internal to Python; a model may only use the values it is given"
        )
    assert not (loaded_home / "pwned").exists() and not (tmp_path / "pwned").exists()


def test_generate_refuses_a_hostile_agency_model_and_records_nothing(fresh_home, doc_ids, tmp_path):
    models = tmp_path / "models"
    agency_model(models, "convention_chu.docx", "{{ ght.name }}", RCE)
    doc = doc_ids[("OCC-02", "chu_convention")]
    line = one_line_error(run(fresh_home, models, "generate", str(doc)))
    assert line.startswith(
        f"error: document {doc} (chu_convention, OCC-02): convention_chu.docx, paragraph 2: "
    )
    assert "'__init__' is internal to Python" in line
    # the run over every document stops before filling any: the model is broken for all
    line = one_line_error(run(fresh_home, models, "generate", "--type", "chu_convention", "--all"))
    assert line.startswith("error: convention_chu.docx, paragraph 2: « {{ cycler.")
    assert generated(fresh_home) == []
    assert not (fresh_home / "pwned").exists()


def test_a_model_that_fails_at_render_time_is_one_line(fresh_home, doc_ids, tmp_path):
    models = tmp_path / "models"
    agency_model(
        models, "convention_chu.docx", "{{ ght.name }}", "{{ ght.code|attr('__cl' ~ 'ass__') }}"
    )
    doc = doc_ids[("OCC-02", "chu_convention")]
    line = one_line_error(run(fresh_home, models, "generate", str(doc)))
    assert line == (
        f"error: document {doc} (chu_convention, OCC-02): convention_chu.docx, paragraph 2: "
        "« {{ ght.code|attr('__cl' ~ 'ass__') }} » refused by the sandbox: access to attribute "
        "'__class__' of 'str' object is unsafe"
    )
    assert generated(fresh_home) == []


def test_generate_all_goes_on_past_a_document_the_model_cannot_fill(fresh_home, doc_ids, tmp_path):
    """OCC-02 fails, OCC-08 is filled (in the command's own process: no Prefect server)."""
    models = tmp_path / "models"
    agency_model(
        models,
        "convention_chu.docx",
        "Convention du {{ ght.name }}",
        "{% if ght.code == 'OCC-02' %}{{ 1 / 0 }}{% endif %}",
    )
    result = run(
        fresh_home, models, "generate", "--type", "chu_convention", "--all",
        "--ght", "OCC-02", "--ght", "OCC-08", "-f", "json",
    )  # fmt: skip
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    occ02, occ08 = doc_ids[("OCC-02", "chu_convention")], doc_ids[("OCC-08", "chu_convention")]
    files = json.loads(result.stdout)
    assert [(f["document_id"], f["ght"]) for f in files] == [(occ08, "OCC-08")]
    filled = Docx(io.BytesIO(Path(files[0]["path"]).read_bytes()))
    assert filled.paragraphs[0].text.startswith("Convention du GHT")
    assert [line for line in result.stderr.splitlines() if line.strip()] == [
        f"error: document {occ02} (chu_convention, OCC-02): convention_chu.docx, paragraph 2: "
        "« {% if ght.code == 'OCC-02' %}{{ 1 / 0 }}{% endif %} »: ZeroDivisionError: division "
        "by zero"
    ]
    assert generated(fresh_home) == [(occ08, "chu_convention")]
