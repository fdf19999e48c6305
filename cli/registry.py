"""The registry's commands, registered on the main app in one call so that
`cli/app.py` needs one line: import, establishments, regions, ghts, members, parties, compliance."""

from __future__ import annotations

import typer

from cli import compliance, establishments, ghts, members, regions, registry_import


def register(app: typer.Typer) -> None:
    app.add_typer(registry_import.app, name="import")
    app.add_typer(establishments.app, name="establishments")
    app.add_typer(regions.app, name="regions")
    app.add_typer(ghts.app, name="ghts")
    app.add_typer(members.app, name="members")
    app.add_typer(members.parties_app, name="parties")
    app.command("compliance")(compliance.compliance)
