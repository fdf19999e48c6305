"""The `ghtflow` command. Commands parse, call one service and print; nothing else.

Heavy imports (SQLAlchemy, SQLModel, services) happen inside commands so that `--help` and
commands that do not touch the database start fast.
"""

from __future__ import annotations

import sys

import typer

from cli import audit, db, documents, generate, load, motives, report, states, templates
from cli.deploy import deploy as deploy_command
from cli.mail_sink import mail_sink as mail_sink_command
from cli.outbox import app as outbox_app
from cli.output import err_console
from cli.registry import register as register_registry
from cli.serve import serve as serve_command  # web dashboard (issue 7)
from cli.sweep import sweep as sweep_command
from services.errors import ServiceError
from states.errors import StateError

app = typer.Typer(
    name="ghtflow",
    help="Approval lifecycle of the documents GHTs owe their regional health agency (ARS).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.command("load")(load.load)
app.add_typer(documents.app, name="documents")
app.add_typer(report.app, name="report")
app.add_typer(audit.app, name="audit")
app.add_typer(states.app, name="states")
app.add_typer(motives.app, name="motives")
register_registry(app)  # registry (issue 4): import, establishments, ghts, members, compliance
# --- e-mail and deadlines (issue 5) ---
app.command("sweep")(sweep_command)
app.add_typer(outbox_app, name="outbox")
app.command("mail-sink")(mail_sink_command)
app.command("deploy")(deploy_command)
# --- Word generation (issue 6) ---
app.command("generate")(generate.generate)
app.add_typer(templates.app, name="templates")
# --- end Word generation ---
# --- web dashboard (issue 7) ---
app.command("serve")(serve_command)
# --- end web dashboard ---
# --- web (issue 7): users, passwords, API tokens, calendar links ---
from cli.users import app as users_app  # noqa: E402

app.add_typer(users_app, name="users")
# --- end web users ---


def _database_hint(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    lowered = text.lower()
    if "no such table" in lowered or ("relation" in lowered and "does not exist" in lowered):
        return f"the database has no ghtflow schema yet ({text}); run 'ghtflow db upgrade'"
    return f"database error: {text}"


def main() -> None:
    """Entry point: user errors print one line on stderr and exit 1, never a traceback."""
    from settings import SettingsError

    try:
        app()
    except (ServiceError, StateError, SettingsError) as exc:
        err_console.print(f"error: {exc}", markup=False)
        sys.exit(1)
    except Exception as exc:
        if type(exc).__module__.startswith("sqlalchemy"):
            err_console.print(f"error: {_database_hint(exc)}", markup=False)
            sys.exit(1)
        raise
