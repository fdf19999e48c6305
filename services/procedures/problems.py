"""A problem found in a procedure folder, named by its file and line, and how to find the line.

Every reader of a procedure folder (loading it at start, `ghtflow procedures check`) reports
what is wrong the same way: the file, the line when the file has lines (YAML, e-mail
templates; a Word model has paragraphs, which the message names), and one sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.adapters.yaml_lines import LineMap
from services.errors import InvalidInput


@dataclass(frozen=True)
class Problem:
    file: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": str(self.file), "line": self.line, "message": self.message}


class ProcedureError(InvalidInput):
    """A procedure folder that cannot be used; the message names the first problem and how to
    list them all."""

    def __init__(self, folder: Path, problems: Sequence[Problem]) -> None:
        self.folder, self.problems = folder, list(problems)
        count = len(self.problems)
        first = str(self.problems[0]) if self.problems else "unreadable"
        more = f"{count} problems, the first: " if count > 1 else ""
        super().__init__(
            f"procedure {folder} cannot be used: {more}{first} "
            f"(list them all with 'ghtflow procedures check {folder}')"
        )

    def __reduce__(self) -> tuple[Any, ...]:  # Prefect may pickle a flow's exception
        return (type(self), (self.folder, self.problems))


def line_at(root: Any, where: Sequence[str | int]) -> int | None:
    """The line of the deepest key of `where` found in `root` (read by `read_yaml`), or of the
    mapping that holds the first key missing."""
    line: int | None = root.line if isinstance(root, LineMap) else None
    node = root
    for key in where:
        if isinstance(node, LineMap) and str(key) in node:
            line = node.line_of(str(key))
            node = node[str(key)]
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
            if isinstance(node, LineMap):
                line = node.line
        else:
            break
    return line
