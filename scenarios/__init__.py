"""The data ghtflow ships beside its code: the categories of the national list
(`categories.yaml`) and the Occitanie 2017 demo scenario. The document types are in the
procedure folders (`procedures/`).

A package, so that the wheel carries these files and the code finds them next to this module
wherever ghtflow is installed (not only in a checkout).
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
CATEGORIES_FILE = HERE / "categories.yaml"
DEMO_SCENARIO = HERE / "occitanie-2017.yaml"
