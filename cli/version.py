"""`ghtflow --version`: the version of the installed distribution, read from its metadata.

pyproject.toml is the one place the number is written; the metadata of the installed wheel (or
of the editable install) carries it, so nothing imports the package's code to answer.
"""

from __future__ import annotations

import typer


def installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ghtflow")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def print_version(value: bool) -> None:
    """Eager option callback: print `ghtflow X.Y.Z` and stop before any command runs."""
    if value:
        typer.echo(f"ghtflow {installed_version()}")
        raise typer.Exit()


VERSION_OPTION = typer.Option(
    False,
    "--version",
    help="print ghtflow's version and exit",
    is_eager=True,
    callback=print_version,
)
