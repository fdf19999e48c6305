"""The workflow registry: every document type of the procedures in force (`services.procedures`).

The built-in types are those of `procedures/ght-2017/workflows/`; `GHTFLOW_PROCEDURES` adds
procedure folders (or replaces one by name), and `GHTFLOW_WORKFLOWS_DIR` may still name a
folder of workflow files only (a file there with the same `type` replaces the built-in one).
"""

from __future__ import annotations

from services.procedures.catalog import load_procedures, procedures_for
from settings import Settings
from states.machine import WorkflowRegistry


def load_workflows(extra_dir: str | None = None) -> WorkflowRegistry:
    """The built-in types plus those of `extra_dir` (a `GHTFLOW_WORKFLOWS_DIR`); machines
    built once per process."""
    return load_procedures((), extra_dir).workflows


def workflows_for(settings: Settings) -> WorkflowRegistry:
    """The registry the configuration asks for (`GHTFLOW_PROCEDURES`, `GHTFLOW_WORKFLOWS_DIR`)."""
    return procedures_for(settings).workflows
