"""The `ghtflow` command. Commands parse, call one service and print; nothing else.

Heavy imports (SQLAlchemy, SQLModel, services) happen inside commands so that `--help` and
commands that do not touch the database start fast.
"""

from __future__ import annotations

import shlex
import sys
import tempfile
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import typer

from cli import (
    audit,
    campaigns,
    db,
    documents,
    files,
    generate,
    load,
    motives,
    procedures,
    report,
    states,
    templates,
)
from cli.conventions import CONTEXT_SETTINGS, HelpfulGroup
from cli.deploy import deploy as deploy_command
from cli.mail_sink import mail_sink as mail_sink_command
from cli.outbox import app as outbox_app
from cli.output import print_error
from cli.registry import register as register_registry
from cli.serve import serve as serve_command  # web dashboard
from cli.sweep import sweep as sweep_command
from cli.version import VERSION_OPTION
from states.errors import Refusal

# Named here rather than read from `settings.Settings` so that `--help` imports no pydantic;
# tests/unit/test_cli_conventions.py checks that each is a setting.
ENVIRONMENT = (
    "GHTFLOW_HOME (work directory, default ./var)",
    "GHTFLOW_DATABASE_URL (default: SQLite file HOME/ghtflow.db)",
    "GHTFLOW_FILES_DIR",
    "GHTFLOW_PROCEDURES",
    "GHTFLOW_TEMPLATES_DIR",
    "GHTFLOW_SMTP_HOST",
    "GHTFLOW_SMTP_PORT",
    "GHTFLOW_MAIL_FROM",
    "GHTFLOW_AUDIT_KEY",
)
EPILOG = (
    "Environment (or a .env file in the working directory): "
    + "; ".join(ENVIRONMENT)
    + "; the others are in the README's Configuration table."
)

app = typer.Typer(
    name="ghtflow",
    help="Approval lifecycle of the documents GHTs owe their regional health agency (ARS).",
    epilog=EPILOG,
    cls=HelpfulGroup,
    no_args_is_help=True,
    context_settings=CONTEXT_SETTINGS,
    pretty_exceptions_enable=False,
)


@app.callback()
def _options(
    version: bool = VERSION_OPTION,
    home: Path | None = typer.Option(
        None,
        "--home",
        help="work directory (SQLite database, files); same as GHTFLOW_HOME",
        show_default=False,
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="print only errors (and the data asked with --format)"
    ),
) -> None:
    """Options of `ghtflow` itself, before the command: `ghtflow --home var/demo documents list`."""
    if home is not None:
        use_home(home)
    if quiet:
        from cli.output import console

        console.quiet = True


def use_home(home: Path) -> None:
    """`--home`: the same as GHTFLOW_HOME for this process and those it starts (a Prefect
    worker reads the environment, not the command line)."""
    import os

    os.environ["GHTFLOW_HOME"] = str(home)
    from settings import get_settings

    get_settings.cache_clear()


app.add_typer(db.app, name="db", cls=HelpfulGroup)
app.command("load")(load.load)
app.add_typer(documents.app, name="documents", cls=HelpfulGroup)
app.add_typer(files.app, name="files", cls=HelpfulGroup)
app.add_typer(report.app, name="report", cls=HelpfulGroup)
app.add_typer(audit.app, name="audit", cls=HelpfulGroup)
app.add_typer(states.app, name="states", cls=HelpfulGroup)
app.add_typer(procedures.app, name="procedures", cls=HelpfulGroup)
app.add_typer(motives.app, name="motives", cls=HelpfulGroup)
register_registry(app)  # registry: import, establishments, ghts, members, compliance
app.add_typer(campaigns.app, name="campaigns", cls=HelpfulGroup)
# --- e-mail and deadlines ---
app.command("sweep")(sweep_command)
app.add_typer(outbox_app, name="outbox", cls=HelpfulGroup)
app.command("mail-sink")(mail_sink_command)
app.command("deploy")(deploy_command)
# --- Word generation ---
app.command("generate")(generate.generate)
app.add_typer(templates.app, name="templates", cls=HelpfulGroup)
# --- web dashboard ---
app.command("serve")(serve_command)
# --- web: users, passwords, API tokens, calendar links ---
from cli.users import app as users_app  # noqa: E402

app.add_typer(users_app, name="users", cls=HelpfulGroup)


INTERNAL_ERROR = "ghtflow: internal error: "


def _database_hint(exc: Exception) -> str:
    """A database error in one line that names the database (a command run in another folder
    reads another `./var`: the name says so)."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    try:
        from services.workspace import HOW_TO_POINT, database_label
        from settings import get_settings

        database = database_label(get_settings())
    except Exception:  # the settings themselves may be what failed
        return f"database error: {text}"
    lowered = text.lower()
    if "no such table" in lowered or ("relation" in lowered and "does not exist" in lowered):
        return (
            f"the database has no ghtflow schema yet ({text}): {database}; point ghtflow at "
            f"yours with {HOW_TO_POINT}, or run 'ghtflow db upgrade'"
        )
    return f"database error on {database}: {text}"


def _log_internal_error(exc: BaseException) -> Path:
    """Append the traceback of an unexpected failure to `$GHTFLOW_HOME/log/errors.log` (the
    temporary folder when the home cannot be read or written) and return that file."""
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    record = f"--- {stamp} ghtflow {shlex.join(sys.argv[1:])}\n" + "".join(
        traceback.format_exception(exc)
    )
    try:
        from settings import get_settings

        folders = [get_settings().home / "log"]
    except Exception:  # the settings themselves may be what failed
        folders = []
    folders.append(Path(tempfile.gettempdir()))
    for folder in folders:
        path = folder / "errors.log" if folder.name == "log" else folder / "ghtflow-errors.log"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as log:
                log.write(record)
            return path.resolve()
        except OSError:
            continue
    return Path("(no writable log folder)")


def _is_settings_error(exc: Exception) -> bool:
    """A `settings.SettingsError`: only once the settings were read (a command that never read
    them cannot have raised it, and importing them, pydantic-settings, costs `--help` 0.1 s)."""
    module = sys.modules.get("settings")
    return module is not None and isinstance(exc, module.SettingsError)


def main(args: Sequence[str] | None = None) -> None:
    """Entry point: user errors print one line on stderr and exit 1, never a traceback.

    A failure nobody foresaw is a defect, not the user's fault: it is still one line
    (`ghtflow: internal error: TYPE: MESSAGE (details in LOG)`, exit 1), with the traceback
    written to the log file it names, so that the operator can report it."""
    try:
        app(args=args)
    except Exception as exc:
        if isinstance(exc, Refusal) or _is_settings_error(exc):
            print_error(str(exc))
            sys.exit(1)
        if type(exc).__module__.startswith("sqlalchemy"):
            print_error(_database_hint(exc))
            sys.exit(1)
        log = _log_internal_error(exc)
        print_error(f"{type(exc).__name__}: {exc} (details in {log})", prefix=INTERNAL_ERROR)
        sys.exit(1)
