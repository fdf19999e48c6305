"""`ghtflow generate` and `ghtflow templates` as a user runs them (subprocess, SQLite)."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import subprocess
from pathlib import Path

from docx import Document as Docx

from tests.e2e.runner import GHTFLOW, env_for, ghtflow, ok, ok_json, one_line_error, usage_error

BUILTIN = Path(__file__).resolve().parents[2] / "procedures" / "ght-2017" / "models"


def paragraphs(path: Path) -> str:
    text = "\n".join(p.text for p in Docx(io.BytesIO(path.read_bytes())).paragraphs)
    return text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2019", "'")


def generated_count(home: Path) -> int:
    with sqlite3.connect(home / "ghtflow.db") as conn:
        return int(conn.execute("SELECT count(*) FROM generatedfile").fetchone()[0])


def test_generate_conventions_and_a_letter_into_a_folder(fresh_home, doc_ids, tmp_path):
    out = tmp_path / "out"
    ids = [doc_ids[("OCC-02", "chu_convention")], doc_ids[("OCC-04", "pmsp")]]
    files = ok_json(fresh_home, "generate", *map(str, ids), "--out", out)
    assert [(f["ght"], f["kind"]) for f in files] == [
        ("OCC-02", "chu_convention"),
        ("OCC-04", "conformity_letter"),
    ]
    for f in files:
        path = Path(f["path"])
        assert path.parent == out
        assert hashlib.sha256(path.read_bytes()).hexdigest() == f["sha256"]
    convention, letter = (paragraphs(Path(f["path"])) for f in files)
    assert "n° FINESS 460991177" in convention and "CHU de Toulouse" in convention
    assert "au plus tard le 20 novembre 2017" in letter
    assert generated_count(fresh_home) == 2
    again = ok_json(fresh_home, "generate", *map(str, ids), "--out", out)
    assert [f["sha256"] for f in again] == [f["sha256"] for f in files]
    assert generated_count(fresh_home) == 2  # same data, same files, same rows


def test_default_folder_is_under_the_work_directory(fresh_home, doc_ids):
    doc = doc_ids[("OCC-13", "chu_convention")]
    out = ok(fresh_home, "generate", str(doc), "--format", "csv")
    lines = out.splitlines()
    assert lines[0] == "document_id,ght,kind,format,file_name,size,sha256,path"
    path = Path(lines[1].split(",")[-1])
    assert path == fresh_home / "documents" / f"convention_chu-OCC-13-doc{doc}.docx"
    assert path.is_file()


def test_refusals_are_one_line_and_change_nothing(fresh_home, doc_ids):
    pmsp = doc_ids[("OCC-02", "pmsp")]
    line = one_line_error(ghtflow(fresh_home, "generate", str(pmsp)))
    assert line == (
        f"error: document {pmsp} (pmsp, OCC-02): no Word template for type 'pmsp'; templates "
        "exist for chu_convention, had_convention, partnership_convention"
    )
    assert "does not exist" in one_line_error(ghtflow(fresh_home, "generate", "99999"))
    assert "no conformity request" in one_line_error(
        ghtflow(fresh_home, "generate", str(doc_ids[("OCC-03", "chu_convention")]), "--letter")
    )
    assert "unknown GHT OCC-99" in one_line_error(
        ghtflow(fresh_home, "generate", "--type", "chu_convention", "--all", "--ght", "OCC-99")
    )
    assert generated_count(fresh_home) == 0
    assert "--all needs --type" in usage_error(ghtflow(fresh_home, "generate", "--all"))
    assert "give document ids" in usage_error(ghtflow(fresh_home, "generate"))


def test_pdf_without_libreoffice_says_how_to_install_it(fresh_home, doc_ids):
    """A PATH without LibreOffice (it may be installed on this machine)."""
    env = env_for(fresh_home) | {"PATH": str(GHTFLOW.parent)}
    result = subprocess.run(
        [str(GHTFLOW), "generate", str(doc_ids[("OCC-02", "chu_convention")]), "--pdf"],
        env=env,
        cwd=fresh_home,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    line = one_line_error(result)
    assert "PDF needs LibreOffice" in line and "make pdf-tools" in line


def test_templates_check_a_builtin_and_a_misspelt_user_model(loaded_home, tmp_path):
    report = ok_json(loaded_home, "templates", "check", BUILTIN / "convention_had.docx")
    assert report["kind"] == "had_convention" and report["missing"] == []
    assert "hads[].area" in report["used"]

    model = Docx()
    model.add_paragraph("Convention avec {{ chu.name }}, FINESS {{ chu.finness }}.")
    model.add_paragraph("Fait le {{ dat }}.")
    path = tmp_path / "modele-ars.docx"
    model.save(str(path))
    result = ghtflow(loaded_home, "templates", "check", path, "--kind", "chu_convention")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "error: modele-ars.docx uses 2 values the context lacks: chu.finness, dat"
    )
    assert "chu.finness" in result.stdout and "unused" in result.stdout
    as_json = ghtflow(
        loaded_home, "templates", "check", path, "--kind", "chu_convention", "-f", "json"
    )
    assert json.loads(as_json.stdout)["missing"] == ["chu.finness", "dat"]
    assert "--kind" in one_line_error(ghtflow(loaded_home, "templates", "check", path))


def test_generate_all_runs_the_flow(fresh_home, doc_ids):
    """The one end-to-end run of the Prefect flow (ephemeral server: ~15-25 s)."""
    files = ok_json(
        fresh_home,
        "generate",
        "--type",
        "chu_convention",
        "--all",
        "--ght",
        "OCC-02",
        "--ght",
        "occ-08",
    )
    expected = sorted(doc_ids[(code, "chu_convention")] for code in ("OCC-02", "OCC-08"))
    assert [f["document_id"] for f in files] == expected
    assert all(Path(f["path"]).is_file() for f in files)
    occ08 = next(Path(f["path"]) for f in files if f["ght"] == "OCC-08")
    assert "CHU de Montpellier" in paragraphs(occ08)
    assert generated_count(fresh_home) == 2
