"""`ghtflow serve`: the web dashboard on this machine's workspace (uvicorn)."""

from __future__ import annotations

import typer


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="port to listen on"),
) -> None:
    """Serve the web dashboard (pages in French, JSON API under /api)."""
    import uvicorn

    from web.app import create_app

    _warn_demo_passwords()
    typer.echo(f"ghtflow dashboard on http://{host}:{port}/ (Ctrl+C to stop)")
    uvicorn.run(create_app(), host=host, port=port, log_level="info", proxy_headers=False)


def _warn_demo_passwords() -> None:
    """One line on stderr when accounts still have a published demo password."""
    from sqlalchemy.exc import SQLAlchemyError

    from cli.context import workspace
    from services.accounts.people import demo_password_accounts

    ws = workspace()
    try:
        accounts = demo_password_accounts(ws)
    except SQLAlchemyError:  # no schema yet: the dashboard says so itself
        return
    finally:
        ws.close()
    if accounts:
        count = f"{len(accounts)} account{'s' if len(accounts) > 1 else ''}"
        typer.echo(
            f"warning: {count} still sign in with the demo password (e.g. {accounts[0]}); "
            "give each its own with 'ghtflow users passwd EMAIL'",
            err=True,
        )
