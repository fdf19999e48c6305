"""The workflow registry, read once from the YAML definitions under `scenarios/workflows/`.

`GHTFLOW_WORKFLOWS_DIR` may name a folder of further definitions (a region's own procedure);
a file there with the same `type` replaces the built-in one.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from scenarios import WORKFLOWS_DIR
from services.adapters.yaml_lines import read_yaml
from settings import Settings
from states.machine import WorkflowRegistry

BUILTIN_DIR = WORKFLOWS_DIR  # shipped in the `scenarios` package


def _read(folder: Path) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.yaml")):
        data = read_yaml(path)  # bounded, no aliases; a problem names the file and the line
        if isinstance(data, dict):
            found[str(data.get("type") or path.stem)] = data  # no type: refused by from_mapping
    return found


@lru_cache(maxsize=4)
def load_workflows(extra_dir: str | None = None) -> WorkflowRegistry:
    """Built-in definitions plus those of `extra_dir`; machines built once per process."""

    mappings = _read(BUILTIN_DIR)
    if extra_dir:
        mappings.update(_read(Path(extra_dir)))
    ordered = sorted(
        mappings.values(), key=lambda m: (int(m.get("order", 1000)), str(m.get("type", "")))
    )
    # the effects and mails the definitions may name are implemented by services that import
    # the workspace, which imports this module: read their names once, here
    from services.lifecycle.effects import effect_needs
    from services.mail.events import MAILS

    return WorkflowRegistry.from_mappings(ordered, effect_needs(), frozenset(MAILS))


def workflows_for(settings: Settings) -> WorkflowRegistry:
    """The registry the configuration asks for (`GHTFLOW_WORKFLOWS_DIR`, read by `Settings`)."""
    extra = settings.workflows_dir
    return load_workflows(str(extra) if extra is not None else None)
