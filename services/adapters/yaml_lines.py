"""YAML reading that remembers where each mapping and each key starts, so that errors can name
the line, and that refuses what a data file never needs and an attacker would use.

Bounded: the file is read through `read_input` (a regular file, at most 20 MiB) and a line
longer than `MAX_LINE` is refused before the (pure Python, ~1 s/MB) parser sees it. Aliases
(`*name`) are refused: a few lines of them expand to billions of nodes ("billion laughs") for
any code that walks or prints the value. Nesting is limited (a file of `[` would exhaust the
parser's recursion). A scalar that looks like a date or a number but is not one
(`2017-02-30`, an integer of 10,000 digits) stays text, so that the reader refuses it naming
its key and line instead of the YAML library failing with a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from services.adapters.input_files import MAX_INPUT_BYTES, read_input
from services.errors import InvalidInput, ScenarioError

MAX_DEPTH = 50
MAX_LINE = 10_000  # characters; a value of a data file is far shorter (names: 300)


class LineMap(dict[str, Any]):
    """A YAML mapping that knows the line (1-based) where it starts and where each key is."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """The line of `key`, or of the mapping when the key is absent."""
        lines: dict[str, int] = getattr(self, "key_lines", {})
        return lines.get(key, self.line)


class _Refused(yaml.MarkedYAMLError):
    pass


class _Loader(yaml.SafeLoader):
    """SafeLoader without aliases, with a nesting limit and forgiving scalar constructors."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise _Refused(None, None, "aliases (*name) are not accepted in this file", mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _Refused(None, None, f"nested more than {MAX_DEPTH} levels deep", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineMap:
    mapping = LineMap({str(k): v for k, v in loader.construct_mapping(node, deep=True).items()})
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {
        str(key.value): key.start_mark.line + 1
        for key, _value in node.value
        if isinstance(key, yaml.ScalarNode)
    }
    return mapping


def _forgiving(constructor: Any) -> Any:
    """A scalar constructor that leaves the text as it is when it is not a valid value."""

    def construct(loader: _Loader, node: yaml.ScalarNode) -> Any:
        try:
            return constructor(loader, node)
        except (ValueError, OverflowError):
            return str(node.value)

    return construct


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
for _tag, _method in (
    ("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_timestamp),
    ("tag:yaml.org,2002:int", yaml.SafeLoader.construct_yaml_int),
    ("tag:yaml.org,2002:float", yaml.SafeLoader.construct_yaml_float),
):
    _Loader.add_constructor(_tag, _forgiving(_method))


def read_yaml(path: Path, limit: int = MAX_INPUT_BYTES) -> Any:
    """Parse `path`; every problem becomes a `ScenarioError` with the file (and line)."""
    try:
        data = read_input(path, limit)
    except InvalidInput as exc:
        raise ScenarioError(str(path), None, str(exc).removeprefix(f"{path}: ")) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(str(path), None, f"not UTF-8 text ({exc.reason})") from None
    for number, content in enumerate(text.splitlines(), start=1):  # before the slow parser
        if len(content) > MAX_LINE:
            message = f"line of {len(content)} characters; at most {MAX_LINE}"
            raise ScenarioError(str(path), number, message)
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = "YAML" if isinstance(exc, _Refused) else "YAML syntax"
        raise ScenarioError(str(path), line, f"{what}: {exc.problem or exc}") from None
    except yaml.reader.ReaderError as exc:  # a NUL or another character YAML does not allow
        line = text.count("\n", 0, exc.position) + 1
        char = chr(exc.character) if isinstance(exc.character, int) else exc.character
        raise ScenarioError(str(path), line, f"character {char!r} not allowed") from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise ScenarioError(str(path), None, f"YAML: {first}") from None
