"""YAML reading that remembers where each mapping starts, so that errors can name the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from services.errors import ScenarioError


class LineMap(dict[str, Any]):
    """A YAML mapping that knows the line (1-based) where it starts."""

    line: int = 0


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineMap:
    mapping = LineMap({str(k): v for k, v in loader.construct_mapping(node, deep=True).items()})
    mapping.line = node.start_mark.line + 1
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path) -> Any:
    """Parse `path`; syntax errors become `ScenarioError` with the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(str(path), None, "file not found") from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(str(path), None, f"not UTF-8 text ({exc.reason})") from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ScenarioError(str(path), line, f"YAML syntax: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(str(path), None, f"YAML: {exc}") from None
