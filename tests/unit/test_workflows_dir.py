"""`GHTFLOW_WORKFLOWS_DIR`, read by `Settings` like every other setting: a folder of further
definitions adds a procedure (or replaces a built-in type) with no code."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.workflows import workflows_for
from settings import Settings
from states.errors import DefinitionError

EXTRA = """\
type: call_project
order: 70
label: Projet d'un appel (essai)
states:
  draft: En préparation
  submitted: Déposé
  selected: {label: Retenu, final: true}
events:
  submit: {from: draft, to: submitted, side: ght, guards: [file_attached],
           effects: [store_version], label: Déposer}
  select: {from: submitted, to: selected, side: agency, label: Retenir}
"""


def _folder(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "procedures"
    folder.mkdir()
    (folder / "call.yaml").write_text(text, encoding="utf-8")
    return folder


def test_a_folder_of_definitions_adds_a_type(tmp_path, monkeypatch):
    monkeypatch.setenv("GHTFLOW_WORKFLOWS_DIR", str(_folder(tmp_path, EXTRA)))
    registry = workflows_for(Settings(home=tmp_path))
    assert registry.types[-1] == "call_project"
    assert "pmsp" in registry.types
    assert registry.definition("call_project").carries_file
    assert "call_project" not in workflows_for(Settings(home=tmp_path, workflows_dir=None)).types


def test_a_definition_naming_an_unknown_effect_is_refused(tmp_path):
    folder = _folder(tmp_path, EXTRA.replace("[store_version]", "[store_version, fax_it]"))
    with pytest.raises(DefinitionError, match=r"'call_project'.*unknown effect 'fax_it'"):
        workflows_for(Settings(home=tmp_path, workflows_dir=folder))
