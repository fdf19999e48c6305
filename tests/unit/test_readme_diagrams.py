"""The README's state diagrams are the ones generated from the definitions, for every type."""

from __future__ import annotations

import re
from pathlib import Path

from services.workflows import load_workflows
from states.diagram import mermaid

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_shows_the_generated_diagram_of_every_type():
    text = README.read_text(encoding="utf-8")
    section = text.split("<!-- diagrams:start -->")[1].split("<!-- diagrams:end -->")[0]
    blocks = dict(re.findall(r"#### `(\w+)`\n\n```mermaid\n(.*?)```", section, flags=re.S))
    registry = load_workflows()
    assert set(blocks) == set(registry.types)
    for doc_type in registry.types:
        assert blocks[doc_type] == mermaid(registry.definition(doc_type)), doc_type
