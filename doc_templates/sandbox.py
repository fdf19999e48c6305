"""The Jinja2 sandbox a Word model runs in: no Python internals, no files, bounded work.

A Word model is data an agency drops in `GHTFLOW_TEMPLATES_DIR`, possibly received from
elsewhere: rendering it must never run code of its own, read a file or exhaust the machine.
Jinja2's `ImmutableSandboxedEnvironment` refuses attributes that lead to Python internals
(`cycler.__init__.__globals__`…) and methods that change the context (`list.append`,
`dict.update`); on top of it this module

- refuses, before anything runs (`check_model`), every `_`-prefixed attribute or key and every
  `{% include %}`, `{% import %}`, `{% from %}` and `{% extends %}` (the environment has no
  loader either): `templates check` reports such a model without rendering it;
- bounds the work of one rendering (`RenderBudget`): a value of more than `MAX_VALUE_CHARS`
  characters (`"x" * 10**9`, a width of a million in `center`, `replace` or `join` blowing a
  value up), more than `MAX_DOCUMENT_CHARS` characters written, more than `MAX_STEPS` loop
  turns, calls and operations (`range` itself stops at 100,000 items), integers of more than
  `MAX_INT_BITS` bits (`10 ** 10 ** 10`) or more than `MAX_RENDER_SECONDS` of work.

A refusal is a `jinja2.exceptions.SecurityError` (raised while rendering) or `ModelRefused`
(raised by `check_model`); `doc_templates.render` turns both into one line naming the file,
the paragraph and the tag.
"""

from __future__ import annotations

import math
import re
import string
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, NoReturn

from jinja2 import BaseLoader, Environment, nodes
from jinja2.exceptions import SecurityError, TemplateNotFound
from jinja2.sandbox import (
    MAX_RANGE,
    UNSAFE_ASYNC_GENERATOR_ATTRIBUTES,
    UNSAFE_COROUTINE_ATTRIBUTES,
    UNSAFE_GENERATOR_ATTRIBUTES,
    ImmutableSandboxedEnvironment,
    safe_range,
)
from jinja2.utils import Namespace

MAX_VALUE_CHARS = 1_000_000
MAX_DOCUMENT_CHARS = 20_000_000
MAX_STEPS = 1_000_000
MAX_INT_BITS = 1_024
MAX_RENDER_SECONDS = 10.0
LOOP_FILTER = "ghtflow_loop_turn"

_UNSAFE_NAMES = (
    UNSAFE_GENERATOR_ATTRIBUTES | UNSAFE_COROUTINE_ATTRIBUTES | UNSAFE_ASYNC_GENERATOR_ATTRIBUTES
)
# str methods whose result is never longer than the string (or its parts) they are called on.
_PLAIN_STR_METHODS = frozenset(
    [
        "capitalize",
        "casefold",
        "count",
        "encode",
        "endswith",
        "find",
        "index",
        "isalnum",
        "isalpha",
        "isascii",
        "isdecimal",
        "isdigit",
        "isidentifier",
        "islower",
        "isnumeric",
        "isprintable",
        "isspace",
        "istitle",
        "isupper",
        "lower",
        "lstrip",
        "partition",
        "removeprefix",
        "removesuffix",
        "rfind",
        "rindex",
        "rpartition",
        "rsplit",
        "rstrip",
        "split",
        "splitlines",
        "startswith",
        "strip",
        "swapcase",
        "title",
        "upper",
        "striptags",
        "unescape",
    ]
)
_WIDTH_STR_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})
_PRINTF = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d+))?")


class ModelRefused(Exception):
    """A model asks for something no model may do; found without rendering it."""

    def __init__(self, lineno: int, reason: str, hint: str = "") -> None:
        super().__init__(reason)
        self.lineno = lineno
        self.reason = reason
        self.hint = hint  # a word of the offending tag, to quote the right one


# --- what one rendering may spend ---------------------------------------------------------


@dataclass
class RenderBudget:
    """Characters written, steps taken and the time allowed for one document."""

    chars: int = 0
    steps: int = 0
    deadline: float = field(default_factory=lambda: time.monotonic() + MAX_RENDER_SECONDS)


_BUDGET: ContextVar[RenderBudget | None] = ContextVar("ghtflow_render_budget", default=None)


@contextmanager
def render_budget() -> Iterator[RenderBudget]:
    """`with render_budget():` around the rendering of one document (per thread)."""
    spent = RenderBudget()
    token = _BUDGET.set(spent)
    try:
        yield spent
    finally:
        _BUDGET.reset(token)


def _charge(chars: int = 0, steps: int = 1) -> None:
    spent = _BUDGET.get()
    if spent is None:
        return
    spent.chars += chars
    spent.steps += steps
    if spent.chars > MAX_DOCUMENT_CHARS:
        raise SecurityError(f"the document would exceed {MAX_DOCUMENT_CHARS:,} characters")
    if spent.steps > MAX_STEPS:
        raise SecurityError(f"the model takes more than {MAX_STEPS:,} loop turns and calls")
    if time.monotonic() > spent.deadline:
        raise SecurityError(f"the model takes more than {MAX_RENDER_SECONDS:g} s to fill")


def text_size(value: Any, limit: int = MAX_VALUE_CHARS) -> int:
    """About how many characters `value` makes once written (a list: its items); counting
    stops a little past `limit`, so that measuring costs no more than the limit allows."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() // 3 + 1
    if not isinstance(value, list | tuple | set | frozenset | Mapping):
        return 1
    total = 0
    stack: list[Any] = [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
            total += 1
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend(item)
            total += 1
        else:
            total += text_size(item)
    return total


def _refuse_size(size: int, what: str) -> None:
    if size > MAX_VALUE_CHARS:
        raise SecurityError(f"{what} would hold more than {MAX_VALUE_CHARS:,} characters")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_int(value: Any, what: str) -> None:
    if _is_int(value) and value.bit_length() > MAX_INT_BITS:
        raise SecurityError(f"{what} gives a number of more than {MAX_INT_BITS} bits")


def _check_printf(text: str) -> None:
    """A `%` format with a width or precision of a million, or taken from the arguments."""
    for match in _PRINTF.finditer(text):
        width, precision = match.group("width") or "", match.group("precision") or ""
        numbers = [n for n in (width, precision) if n.isdigit()]
        if "*" in (width, precision) or any(int(n) > MAX_VALUE_CHARS for n in numbers):
            raise SecurityError(f"the format {match.group()!r} asks for too wide a field")


def _check_format(text: str) -> None:
    """A `str.format` field wider than the limit, or whose width comes from the arguments."""
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        return  # str.format refuses it itself
    for _literal, _name, spec, _conversion in fields:
        if not spec:
            continue
        numbers = "".join(c if c.isdigit() else " " for c in spec).split()
        if "{" in spec or any(int(n) > MAX_VALUE_CHARS for n in numbers):
            raise SecurityError(f"the format field {{:{spec}}} asks for too wide a field")


def _estimate_str_call(
    method: str, text: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> int:
    """An upper bound of the length `text.method(*args)` gives, or -1 if the method is refused."""
    values = [*args, *kwargs.values()]
    if method in _PLAIN_STR_METHODS:
        return len(text)
    if method in _WIDTH_STR_METHODS:
        width = values[0] if values and _is_int(values[0]) else 0
        return max(len(text), width)
    if method == "expandtabs":
        size = values[0] if values and _is_int(values[0]) else 8
        return len(text) + text.count("\t") * max(size, 0)
    if method == "replace" and len(values) >= 2:
        old, new = str(values[0]), str(values[1])
        return len(text) + text.count(old) * len(new)
    if method == "join" and values:
        items = values[0]
        count = len(items) if hasattr(items, "__len__") else 0
        return text_size(items) + len(text) * count
    return -1


# --- the environment -----------------------------------------------------------------------


class _NoFiles(BaseLoader):
    """A model reads no other file (`check_model` refuses the tags before this is reached)."""

    def get_source(self, environment: Environment, template: str) -> NoReturn:
        raise TemplateNotFound(template, f"a model cannot read other files ({template!r})")


class BoundedNamespace(Namespace):
    """`namespace()` whose attributes are bounded like any value (a loop cannot grow one)."""

    def __setitem__(self, name: str, value: Any) -> None:
        _charge()
        _refuse_size(text_size(value), f"namespace attribute {name!r}")
        _check_int(value, f"namespace attribute {name!r}")
        super().__setitem__(name, value)


def _bounded_range(*args: int) -> range:
    """`range` of at most 100,000 numbers (the sandbox's bound), refused like any other bound."""
    try:
        return safe_range(*args)
    except OverflowError:
        raise SecurityError(f"range{args} has more than {MAX_RANGE:,} numbers") from None


def _loop_turns(iterable: Iterable[Any], body_chars: int = 0) -> Iterator[Any]:
    """Every `{% for %}` of a model iterates through this (see `check_model`): each turn counts
    as a step and as the characters of the loop's own text."""
    for item in iterable:
        _charge(chars=body_chars)
        yield item


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """A Jinja2 filter whose arguments are bounded before it runs."""
    skip = 1 if hasattr(function, "jinja_pass_arg") else 0

    @wraps(function)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        _charge()
        value, rest = args[skip], [*args[skip + 1 :], *kwargs.values()]
        _refuse_size(text_size(value), f"the value given to |{name}")
        for arg in rest:
            _refuse_size(text_size(arg), f"an argument of |{name}")
            if _is_int(arg) and abs(arg) > MAX_VALUE_CHARS:
                raise SecurityError(f"|{name} with {arg} is more than a model may ask")
        if name == "format" and isinstance(value, str):
            _check_printf(value)
        elif name == "indent":
            width = rest[0] if rest else 4
            text = str(value)
            pad = width if _is_int(width) else len(str(width))
            _refuse_size(len(text) + (text.count("\n") + 1) * pad, f"|{name}")
        elif name == "wordwrap":
            text = str(value)
            glue = str(rest[2]) if len(rest) > 2 else "\n"
            _refuse_size(len(text) * (1 + len(glue)), f"|{name}")
        elif name == "replace" and len(rest) >= 2:
            text = str(value)
            _refuse_size(len(text) + text.count(str(rest[0])) * len(str(rest[1])), f"|{name}")
        elif name == "join":
            glue = str(rest[0]) if rest else ""
            count = len(value) if hasattr(value, "__len__") else 0
            _refuse_size(text_size(value) + count * len(glue), f"|{name}")
        elif name == "sum":
            start = rest[1] if len(rest) > 1 else kwargs.get("start", 0)
            if not isinstance(start, int | float):
                raise SecurityError("|sum adds numbers only")
        return function(*args, **kwargs)

    return bounded


class ModelSandbox(ImmutableSandboxedEnvironment):
    """The environment of Word models: Jinja2's immutable sandbox with the bounds above."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(loader=_NoFiles(), **options)
        del self.globals["lipsum"]  # lorem ipsum of any length: no model needs it
        self.globals["namespace"] = BoundedNamespace
        self.globals["range"] = _bounded_range
        for name, function in list(self.filters.items()):
            self.filters[name] = _bounded_filter(name, function)
        self.filters[LOOP_FILTER] = _loop_turns

    def add_filter(self, name: str, function: Callable[..., Any]) -> None:
        """Our own filters (French dates and amounts), bounded like the built-in ones."""
        self.filters[name] = _bounded_filter(name, function)

    def unsafe_undefined(self, obj: Any, attribute: str) -> NoReturn:
        """Refused at once (the sandbox's default is an undefined value that fails when used,
        which `x.__class__ is defined` or the lenient analysis of `templates check` let by)."""
        raise SecurityError(
            f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe"
        )

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _charge()
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and _is_int(times):
                    _refuse_size(text_size(seq) * max(times, 0), "a repeated value")
            ints = _is_int(left) and _is_int(right)
            if ints and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise SecurityError(f"a product of more than {MAX_INT_BITS} bits")
        elif operator == "**":
            ints = _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1
            if ints and right * math.log2(abs(left)) > MAX_INT_BITS:
                raise SecurityError(f"a power of more than {MAX_INT_BITS} bits")
        elif operator == "+":
            if isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
                _refuse_size(text_size(left) + text_size(right), "a sum of values")
        elif operator == "%" and isinstance(left, str):
            _check_printf(left)
            _refuse_size(len(left) + text_size(right), "a formatted value")
        return super().call_binop(context, operator, left, right)

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        """Every call of a model (macros, methods, globals) counts as a step; a method of a
        string must not blow it up past the bound."""
        _charge()
        owner = getattr(obj, "__self__", None)
        if isinstance(owner, str):
            method = getattr(obj, "__name__", "")
            size = _estimate_str_call(method, owner, args, kwargs)
            if size < 0:
                raise SecurityError(f"a model may not call str.{method}")
            _refuse_size(size, f"str.{method}")
        result = super().call(context, obj, *args, **kwargs)
        if isinstance(result, str):
            _charge(chars=len(result), steps=0)
        return result

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapper = super().wrap_str_format(value)
        if wrapper is not None:
            _check_format(value.__self__)
        return wrapper


def finalize_charged(finalize: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`finalize` (applied to every `{{ value }}`) that first counts what is written."""

    def charged(value: Any) -> Any:
        size = text_size(value, MAX_DOCUMENT_CHARS)
        _charge(chars=size, steps=0)
        return finalize(value)

    return charged


# --- before anything runs ------------------------------------------------------------------


def _forbidden(name: object) -> bool:
    return isinstance(name, str) and (name.startswith("_") or name in _UNSAFE_NAMES)


def _forbidden_name(node: nodes.Node) -> str | None:
    """The internal attribute or key `node` reaches for (`x.__class__`, `x["_y"]`,
    `x|attr("__init__")`, `xs|map(attribute="_z")`), if any."""
    names: list[object] = []
    if isinstance(node, nodes.Getattr):
        names = [node.attr]
    elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        names = [node.arg.value]
    elif isinstance(node, nodes.Filter):
        names = [a.value for a in node.args if isinstance(a, nodes.Const)]
        names += [k.value.value for k in node.kwargs if isinstance(k.value, nodes.Const)]
    return next((n for n in names if isinstance(n, str) and _forbidden(n)), None)


def check_model(tree: nodes.Template) -> nodes.Template:
    """Refuse what no model may ask for, and make each loop count its turns; the same tree."""
    for tag in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        word = type(tag).__name__.lower().replace("fromimport", "from")
        raise ModelRefused(tag.lineno, "a model cannot include, import or extend other files", word)
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        name = _forbidden_name(node)
        while name is not None and isinstance(node, nodes.Getattr | nodes.Getitem):
            inner = _forbidden_name(node.node)  # `a.__b.__c`: name `__b`, as one reads it
            if inner is None:
                break
            node, name = node.node, inner
        if name is not None:
            raise ModelRefused(
                node.lineno,
                f"{name!r} is internal to Python; a model may only use the values it is given",
                name,
            )
    for loop in list(tree.find_all(nodes.For)):
        body_chars = sum(
            len(data.data) for part in loop.body for data in part.find_all(nodes.TemplateData)
        )
        loop.iter = nodes.Filter(
            loop.iter, LOOP_FILTER, [nodes.Const(body_chars)], [], None, None, lineno=loop.lineno
        )
    return tree
