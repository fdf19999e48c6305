"""The agency's identity and the messages that say what to fix, as a user types them:
`regions set-identity|show`, `establishments set`, `parties set` taking the recorded area,
and `generate` naming the command that records a missing value."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

from doc_templates.render import _PNG_1PX
from tests.e2e.runner import ghtflow, ok, ok_json, one_line_error

ADDRESS = (
    "26-28 parc Club du Millénaire",
    "1025 rue Henri Becquerel",
    "CS 30001",
    "34067 Montpellier Cedex 2",
)


def test_set_identity_shows_and_refuses_hostile_values(fresh_home, tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(_PNG_1PX)
    args = [a for line in ADDRESS for a in ("--address", line)]
    region = ok_json(
        fresh_home,
        "regions",
        "set-identity",
        "occ",
        *args,
        "--city",
        "Montpellier",
        "--direction",
        "Direction de l'offre de soins",
        "--phone",
        "+33 4 67 07 20 07",
        "--logo",
        logo,
        "--reference-pattern",
        "ARS-OCC/DOSA/{year}-{number:05d}",
    )
    assert region["address"] == list(ADDRESS) and region["city"] == "Montpellier"
    assert region["reference_example"] == "ARS-OCC/DOSA/2017-00042"
    assert len(region["logo_sha256"]) == 64
    assert ok_json(fresh_home, "regions", "show", "OCC") == region
    assert "Montpellier" in ok(fresh_home, "regions", "show", "OCC", "--format", "table")
    stored = fresh_home / "files" / region["logo_sha256"][:2] / region["logo_sha256"]
    assert stored.read_bytes() == _PNG_1PX
    text_logo = tmp_path / "fake.png"
    text_logo.write_text("not an image", encoding="utf-8")
    for bad, expected in (
        (["--reference-pattern", "ARS/{year}"], "needs {number}"),
        (["--reference-pattern", "{number}/{user}"], "unknown field {user}"),
        (["--city", "Mont\x07pellier"], "control characters"),
        (["--address", "x" * 101], "address line is too long"),
        (["--phone", "appelez-nous"], "phone: digits"),
        (["--logo", text_logo], "a logo must be a PNG or JPEG image"),
        (["--logo", tmp_path / "missing.png"], "file not found"),
        (["--logo", logo, "--no-logo"], "not both"),
    ):
        error = one_line_error(ghtflow(fresh_home, "regions", "set-identity", "OCC", *bad))
        assert expected in error, (bad, error)
    error = one_line_error(ghtflow(fresh_home, "regions", "set-identity", "XYZ", "--city", "A"))
    assert "unknown region 'XYZ'; regions: OCC" in error
    assert ok_json(fresh_home, "regions", "show", "OCC") == region  # nothing changed
    cleared = ok_json(fresh_home, "regions", "set-identity", "OCC", "--no-logo", "--phone", "")
    assert cleared["logo_sha256"] is None and cleared["phone"] is None
    assert cleared["address"] == list(ADDRESS)  # what was not given stays


def test_a_letter_carries_its_reference_and_the_same_bytes_when_filled_again(
    fresh_home, doc_ids, tmp_path
):
    pmsp = doc_ids[("OCC-04", "pmsp")]
    out = tmp_path / "out"
    [letter] = ok_json(fresh_home, "generate", str(pmsp), "--letter", "--out", out)
    [again] = ok_json(fresh_home, "generate", str(pmsp), "--letter", "--out", out)
    assert again["sha256"] == letter["sha256"]
    with zipfile.ZipFile(io.BytesIO(Path(letter["path"]).read_bytes())) as docx:
        core = docx.read("docProps/core.xml").decode()
    # the scenario's pattern, a number given when the scenario recorded the request
    assert "<dc:subject>Réf. ARS-OCC/DOSA/2017-0" in core
    assert "<dc:creator>ARS Occitanie</dc:creator>" in core and "python-docx" not in core
    assert "<dcterms:created" in core and "T00:00:00Z" in core


def _had_convention_of_occ07(home: Path) -> int:
    ok(home, "compliance", "--create-missing", "--as-of", "2017-10-16", "--ght", "OCC-07")
    report = ok_json(home, "compliance", "--ght", "OCC-07")["ghts"][0]["required"]
    return int(next(i for i in report if i["type"] == "had_convention")["document_id"])


def test_parties_take_the_recorded_area_and_generate_names_what_fixes_a_gap(fresh_home):
    doc = _had_convention_of_occ07(fresh_home)
    add = ("establishments", "add", "650991698", "--name", "HAD Pyrénées Santé")
    place = ("--commune", "Tarbes", "--postal-code", "65000")
    ok(fresh_home, *add, "--category", "H.A.D.", "--private", "--area", "65,32", *place)
    ok(fresh_home, "parties", "set", str(doc), "650991698")  # no --area: its own
    parties = json.loads(ok(fresh_home, "parties", "list", str(doc), "--format", "json"))
    assert [p["area"] for p in parties if p["finess"] == "650991698"] == [["32", "65"]]
    error = one_line_error(ghtflow(fresh_home, "generate", str(doc)))
    assert "missing value" in error and ".representative" in error
    assert "set it with: ghtflow establishments set 650991698 --representative" in error
    ok(
        fresh_home,
        "establishments",
        "set",
        "650991698",
        "--representative",
        "Mme Lucie Garcia, directrice",
    )
    ok_json(fresh_home, "generate", str(doc))


def test_a_had_without_area_is_named_with_the_command_that_sets_it(fresh_home):
    doc = _had_convention_of_occ07(fresh_home)
    ok(
        fresh_home,
        "establishments",
        "add",
        "650991698",
        "--name",
        "HAD Pyrénées Santé",
        "--category",
        "H.A.D.",
        "--private",
    )
    ok(
        fresh_home,
        "establishments",
        "set",
        "650991698",
        "--representative",
        "M. Luc Roy, directeur",
        "--commune",
        "Tarbes",
    )
    ok(fresh_home, "parties", "set", str(doc), "650991698")
    error = one_line_error(ghtflow(fresh_home, "generate", str(doc)))
    missing = r"missing value 'hads\[\d\]\.area(?:_names)?' \(HAD Pyrénées Santé"
    assert re.search(missing, error), error
    assert f"set it with: ghtflow parties set {doc} 650991698 --area DEPARTMENTS" in error
    assert "ghtflow establishments set 650991698 --area" in error
    bad = one_line_error(
        ghtflow(fresh_home, "establishments", "set", "650991698", "--representative", "a\nb")
    )
    assert "control characters" in bad
