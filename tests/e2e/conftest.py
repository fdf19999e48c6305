"""Work directories for the end-to-end tests of the `ghtflow` command (SQLite only).

`loaded_home` is migrated and loaded once per module and must not be changed by the tests that
use it; a test that changes state works on `fresh_home`, a copy of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.runner import SCENARIO, copy_home, ok, ok_json


@pytest.fixture(scope="module")
def loaded_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("loaded")
    assert "upgraded from empty to revision" in ok(home, "db", "upgrade")
    out = ok(home, "load", "--demo", SCENARIO)
    assert "Scenario occitanie-2017" in out
    assert "Nothing changed" not in out
    return home


@pytest.fixture(scope="module")
def all_documents(loaded_home: Path) -> list[dict[str, Any]]:
    """`documents list --format json` of the loaded scenario."""
    documents: list[dict[str, Any]] = ok_json(loaded_home, "documents", "list")
    return documents


@pytest.fixture(scope="module")
def doc_ids(all_documents: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """(GHT code, type) -> document id; the scenario has at most one of each."""
    ids = {(d["ght"], d["type"]): int(d["id"]) for d in all_documents}
    assert len(ids) == len(all_documents)
    return ids


@pytest.fixture
def fresh_home(loaded_home: Path, tmp_path: Path) -> Path:
    """A private copy of the loaded work directory, for a test that changes it."""
    return copy_home(loaded_home, tmp_path / "home")


@pytest.fixture(scope="module")
def empty_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new work directory with the schema but no data (refused loads keep it so)."""
    home = tmp_path_factory.mktemp("empty")
    ok(home, "db", "upgrade")
    return home
