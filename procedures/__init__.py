"""The procedures ghtflow ships: one folder each, read as data by `services.procedures`.

A procedure folder holds `procedure.yaml` (its name, French label, description and holder),
`workflows/*.yaml` (its document types), `models/*.docx` (its Word models), `mails/*.j2` (its
e-mail templates) and optionally `motives.yaml`, `criteria.yaml` and `campaign.yaml`. Every
folder here with a `procedure.yaml` is built in; `GHTFLOW_PROCEDURES` adds others or replaces
one by name. A package, so that the wheel carries the folders and the code finds them next to
this module wherever ghtflow is installed.
"""

from __future__ import annotations

from pathlib import Path

BUILTIN_DIR = Path(__file__).resolve().parent
PROCEDURE_FILE = "procedure.yaml"


def builtin_folders() -> tuple[Path, ...]:
    """The built-in procedure folders, by name (a folder without `procedure.yaml` is not one)."""
    return tuple(
        sorted(p for p in BUILTIN_DIR.iterdir() if p.is_dir() and (p / PROCEDURE_FILE).is_file())
    )
