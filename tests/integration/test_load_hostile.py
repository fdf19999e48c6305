"""Hostile or unlucky input files for the scenario loader and the national-list import: each is
refused with one line naming the file (and the line when there is one), and nothing changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from models import Establishment, Ght, Person, Region
from services.adapters.input_files import MAX_INPUT_BYTES
from services.errors import InvalidInput, ScenarioError
from services.registry.importing import import_dgos_list
from services.scenario.load import load_scenario
from tests.conftest import SCENARIO

LIST_2017 = Path(__file__).resolve().parent.parent / "fixtures" / "registry" / "national-2017.csv"
BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9 if prev else ['lol'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
)


def _nothing_loaded(ws) -> None:
    with ws.db.reading() as session:
        for model in (Region, Establishment, Ght, Person):
            assert session.exec(select(func.count()).select_from(model)).one() == 0, model


def _edited(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """The scenario with `old` replaced (its first occurrence), and the line of the change."""
    text = SCENARIO.read_text("utf-8")
    assert old in text, old
    path = tmp_path / "hostile.yaml"
    path.write_text(text.replace(old, new, 1), "utf-8")
    return path, text[: text.index(old)].count("\n") + 1


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (
            "as_of: 2017-10-13",
            "as_of: 2017-02-30",
            "'as_of' must be a date YYYY-MM-DD, not '2017-02-30'",
        ),
        ("as_of: 2017-10-13", "as_of: 9999-12-31", "'as_of' 9999-12-31 is not between"),
        ("as_of: 2017-10-13", "as_of: [2017]", "'as_of' must be a date"),
        ("as_of: 2017-10-13", "as_of: " + "9" * 5000, "'as_of' must be a date"),
        (
            "  name: Occitanie\n",
            "  name: " + "x" * 10_000_000 + "\n",
            "line of 10000008 characters; at most 10000",
        ),
        (
            "  name: Occitanie\n",
            '  name: "Occi\\r\\ntanie"\n',
            "'name': line break or control character",
        ),
        (
            "  name: Occitanie\n",
            '  name: "Occi\\0tanie"\n',
            "'name': line break or control character",
        ),
        ("  name: Occitanie\n", "  name: Occi\x00tanie\n", "character '\\x00' not allowed"),
        ("  name: Occitanie\n", "  name: [[[[[[" * 20 + "\n", "nested more than 50 levels"),
        ("  name: Occitanie\n", "  name: {a: 1}\n", "'name' must be text"),
        ("  code: OCC\n", "  code: " + "O" * 17 + "\n", "'code' is 17 characters long; at most 16"),
        ("  name: Occitanie\n", "  name: " + "x" * 201 + "\n", "'name' is 201 characters long"),
    ],
    ids=[
        "impossible-date",
        "far-future",
        "date-as-list",
        "huge-int",
        "10MB-name",
        "crlf-name",
        "nul-escape",
        "raw-nul",
        "deep-nesting",
        "mapping-as-name",
        "long-code",
        "long-name",
    ],
)
def test_a_hostile_scenario_names_file_and_line_and_loads_nothing(ws, tmp_path, old, new, reason):
    path, line = _edited(tmp_path, old, new)
    with pytest.raises(ScenarioError) as refused:
        load_scenario(ws, path)
    message = str(refused.value)
    assert message.startswith(f"{path}:{line}: "), message[:300]
    assert reason in message and "\n" not in message and len(message) < 500, message[:300]
    _nothing_loaded(ws)


def test_a_billion_laughs_file_is_refused_at_its_first_alias(ws, tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text("scenario: x\nas_of: " + "2017-10-13\n" + BOMB + "region: *i\n", "utf-8")
    with pytest.raises(ScenarioError, match=r"bomb\.yaml:4: YAML: aliases \(\*name\) are not"):
        load_scenario(ws, path)
    _nothing_loaded(ws)


@pytest.mark.parametrize("kind", ["directory", "device", "fifo", "huge", "missing", "binary"])
def test_a_file_that_is_not_a_scenario_is_refused_without_reading_it(ws, tmp_path, kind):
    path = tmp_path / "scenario.yaml"
    if kind == "directory":
        path.mkdir()
    elif kind == "device":
        path = Path("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "huge":
        with path.open("wb") as file:
            file.truncate(MAX_INPUT_BYTES + 1)  # sparse: nothing written to disk
    elif kind == "binary":
        path.write_bytes(b"\xff\xfe\x00garbage")
    expected = {
        "directory": "is a directory",
        "device": "not a regular file",
        "fifo": "not a regular file",
        "huge": f"the limit is {MAX_INPUT_BYTES} bytes",
        "missing": "file not found",
        "binary": "not UTF-8 text",
    }[kind]
    with pytest.raises(ScenarioError) as refused:
        load_scenario(ws, path)
    assert str(refused.value).startswith(f"{path}: ") and expected in str(refused.value)
    _nothing_loaded(ws)


# --- the national list -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["directory", "device", "fifo", "huge"])
def test_a_list_that_is_not_a_file_is_refused_without_reading_it(ws, tmp_path, kind):
    path = tmp_path / "liste.csv"
    if kind == "directory":
        path.mkdir()
    elif kind == "device":
        path = Path("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        with path.open("wb") as file:
            file.truncate(MAX_INPUT_BYTES + 1)
    with pytest.raises(InvalidInput, match=r"directory|not a regular file|the limit is"):
        import_dgos_list(ws, path)
    _nothing_loaded(ws)


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("CH de \x00Cahors", "DENOMINATION ETABLISSEMENT holds a control character"),
        ("CH " + "x" * 2000, "DENOMINATION ETABLISSEMENT longer than 1000 characters"),
        ("x" * 200_000, "not readable as CSV"),
    ],
    ids=["nul", "long", "over-csv-field-limit"],
)
def test_a_hostile_row_of_the_list_names_its_line_and_imports_nothing(ws, tmp_path, cell, reason):
    lines = LIST_2017.read_text("utf-8").splitlines()
    fields = lines[3].split(";")
    fields[5] = cell
    lines[3] = ";".join(fields)
    path = tmp_path / "liste.csv"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(InvalidInput) as refused:
        import_dgos_list(ws, path)
    message = str(refused.value)
    assert message.startswith(f"{path}: ") and "line 4" in message and reason in message
    assert len(message) < 1000
    _nothing_loaded(ws)


def test_a_category_table_is_read_with_the_same_bounds(tmp_path):
    from services.registry.categories import load_categories

    bomb = tmp_path / "categories.yaml"
    bomb.write_text(BOMB + "- {kind: CH, public: true, categories: *i}\n", "utf-8")
    for path, reason in ((Path("/dev/zero"), "not a regular file"), (bomb, "aliases")):
        with pytest.raises(InvalidInput, match=f"^category table {path}.*{reason}"):
            load_categories(path)


def test_a_sheet_claiming_a_million_rows_is_refused_while_read(tmp_path):
    from openpyxl import Workbook  # type: ignore[import-untyped]

    from services.adapters.national_list import MAX_ROWS, read_list

    workbook = Workbook()
    workbook.active.append(["REGION", "CODE GHT"])
    workbook.active.cell(row=1_000_000, column=16_000, value="x")  # a small file all the same
    path = tmp_path / "liste.xlsx"
    workbook.save(path)
    with pytest.raises(InvalidInput, match=f"more than {MAX_ROWS} rows"):
        read_list(path)
