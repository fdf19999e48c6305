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

    typer.echo(f"ghtflow dashboard on http://{host}:{port}/ (Ctrl+C to stop)")
    uvicorn.run(create_app(), host=host, port=port, log_level="info", proxy_headers=False)
