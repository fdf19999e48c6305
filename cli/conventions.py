"""What users of well-liked command lines expect of every `ghtflow` group and command.

- `-h` as well as `--help` (the root's context settings, inherited by every command);
- a group typed alone (`ghtflow`, `ghtflow documents`) prints its help on standard output and
  exits 0: it asked for nothing wrong (Click's `no_args_is_help` answers on stderr with 2);
- help labels that read as words: no `<bool>` after a flag, `<text>` rather than `<str>`,
  `<path>` rather than `<list[Path]>` for a repeatable option.

`HelpfulGroup` is the class of the root and of the groups added to it; the labels are set once,
on the root, when Typer has built the whole tree.
"""

from __future__ import annotations

import re
from typing import Any

import typer
from typer.core import TyperGroup

HELP_OPTION_NAMES = ["-h", "--help"]
CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": HELP_OPTION_NAMES}
# Typer's labels are Python's type names; a reader of --help wants words
_WORDS = {"str": "text", "Path": "path", "int range": "int", "float range": "number"}
_LIST = re.compile(r"^<list\[(?P<inner>.+)\]>$")


class HelpfulGroup(TyperGroup):
    """A group that answers its bare name with its help, exit 0."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._help_alone = bool(self.no_args_is_help)
        self.no_args_is_help = False  # said below, on stdout, exit 0
        relabel(self)  # Typer builds the sub-commands first: the root's call labels them all

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        for param in params:  # Typer adds the completion options after building the group
            _set_label(param, ctx)
        return params

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except typer.BadParameter as exc:
            name_the_option(exc)
            raise

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args and self._help_alone and not ctx.resilient_parsing:
            typer.echo(ctx.get_help(), nl=False, color=ctx.color)
            ctx.exit(0)
        return super().parse_args(ctx, args)


def name_the_option(exc: typer.BadParameter) -> None:
    """A value a command parses itself (a date: `cli.output.parse_day`) is refused without
    the parser knowing its option; name the option of the command whose value the message
    quotes, as Click does for the values it parses (`Invalid value for '--as-of': …`)."""
    if exc.param is not None or exc.param_hint is not None or exc.ctx is None:
        return
    message = exc.format_message()
    best: tuple[int, str] | None = None
    for param in exc.ctx.command.params:
        given = exc.ctx.params.get(param.name)
        for value in given if isinstance(given, list | tuple) else [given]:
            if not isinstance(value, str):
                continue
            for part in {value.strip(), value.partition("=")[2].strip()} - {""}:  # TYPE=DAY
                quoted = re.search(rf"(?<![\w-]){re.escape(part)}(?![\w-])", message)
                if quoted and (best is None or len(part) > best[0]):
                    best = (len(part), "/".join(param.opts) or str(param.name))
    if best is not None:  # the longest value quoted: '--name a' does not claim " a date"
        exc.param_hint = best[1]


def relabel(command: Any) -> None:
    """Give every parameter of `command` and of its sub-commands a readable help label."""
    ctx = typer.Context(command, info_name=command.name)
    ctx.help_option_names = HELP_OPTION_NAMES
    params = [*command.params]
    help_option = command.get_help_option(ctx)  # made once, then kept by the command
    if help_option is not None:
        params.append(help_option)
    for param in params:
        _set_label(param, ctx)
    for sub in getattr(command, "commands", {}).values():
        relabel(sub)


def _set_label(param: Any, ctx: typer.Context) -> None:
    label = _label(param, ctx)
    if label is None:
        return
    if param.param_type_name == "argument":  # its metavar is its name: keep that
        param.display_type_rich = lambda ctx, label=label: label
    else:
        param.metavar = label


def _label(param: Any, ctx: typer.Context) -> str | None:
    """The label for `param`, or None to keep Typer's."""
    if not hasattr(param, "display_type"):
        return None
    if param.param_type_name == "option" and param.metavar is not None:
        return None  # chosen by the command's author
    if getattr(param, "is_flag", False):
        return ""  # a flag takes no value: nothing to say after it
    label = str(param.display_type(ctx))
    repeated = _LIST.match(label)
    if repeated:
        label = f"<{repeated['inner']}>"
    inner = label[1:-1]
    label = f"<{_WORDS.get(inner, inner)}>"
    if param.param_type_name == "argument" and param.nargs != 1:
        label += "..."
    return label
