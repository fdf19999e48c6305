"""How a long command (`sweep`, `generate --all`) runs: a progress bar on a terminal, nothing on
a pipe, and no library's log lines on the terminal.

The bar goes to stderr (stdout stays the listing, or clean JSON with `--format json`) and only
when stderr is a terminal: a cron job or `2> file` gets no bar. It is transient: gone when the
command ends, leaving the command's own lines.

Log records are not for the terminal either: the command prints its results and its errors
itself (one `error:` line each); the services' warnings for the same errors, and Prefect's own
lines when a flow runs ("EventsWorker - Still processing items"), would repeat or blur them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from cli.output import err_console


class Bar(Protocol):
    def __call__(self, done: int, total: int, step: str | None = None) -> None: ...


@contextmanager
def progress_bar(what: str, unit: str) -> Iterator[Bar]:
    """A bar `WHAT [step] ━━━━ done/total UNIT` on stderr when it is a terminal; the function
    to call after each step."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn(f"{what} {{task.description}}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    ) as bar:
        task = bar.add_task("", total=None)

        def update(done: int, total: int, step: str | None = None) -> None:
            if step is None:
                bar.update(task, completed=done, total=total)
            else:
                bar.update(task, completed=done, total=total, description=step)

        yield update


@contextmanager
def logs_off_the_terminal() -> Iterator[None]:
    """While it runs, a log record reaches no handler that Python would print to stderr (its
    last-resort handler, when nothing is configured); handlers set up by the user stay."""
    root = logging.getLogger()
    silent = logging.NullHandler()
    root.addHandler(silent)
    try:
        yield
    finally:
        root.removeHandler(silent)


def announce(line: str) -> None:
    """A note about how the command ran (where its flow run is recorded): one line on stderr."""
    err_console.print(line, markup=False, soft_wrap=True)
