"""A procedure is data: no Python module names the procedures shipped as folders beside the
GHTs' (the call for projects of 2018 runs on names its folder chooses: guards, effects,
mails, criteria), and the holder kinds of the model and of procedure folders are one set."""

from __future__ import annotations

from pathlib import Path

from models import HolderKind
from services.procedures.catalog import load_procedures
from states.procedure import Holder

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = {".venv", "var", ".git", "node_modules"}


def _python_files() -> list[Path]:
    return [p for p in ROOT.rglob("*.py") if not SKIPPED & set(p.relative_to(ROOT).parts)]


def test_no_python_module_names_a_procedure_folder_other_than_the_ghts():
    names = {p.name for p in load_procedures().all if p.name != "ght-2017"}
    words = {part.lower() for name in names for part in name.split("-") if not part.isdigit()}
    words |= {t.lower() for p in load_procedures().all if p.name != "ght-2017" for t in p.types}
    assert words, "the call for projects of 2018 should be a built-in procedure folder"
    found = [
        f"{path.relative_to(ROOT)}: {word}"
        for path in _python_files()
        for word in words
        if word in path.read_text(encoding="utf-8", errors="replace").lower()
    ]
    assert found == []


def test_a_procedure_folder_holder_is_a_holder_the_model_knows():
    assert {h.value for h in Holder} == {k.value for k in HolderKind}
    holders = {p.holder for p in load_procedures().all}
    assert holders == {Holder.GHT, Holder.STRUCTURE}
