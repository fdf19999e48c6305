"""The registry's commands, registered on the main app in one call so that
`cli/app.py` needs one line: import, establishments, regions, ghts, members, parties, compliance."""

from __future__ import annotations

import typer

from cli import compliance, establishments, ghts, members, regions, registry_import
from cli.conventions import HelpfulGroup


def register(app: typer.Typer) -> None:
    app.add_typer(registry_import.app, name="import", cls=HelpfulGroup)
    app.add_typer(establishments.app, name="establishments", cls=HelpfulGroup)
    app.add_typer(regions.app, name="regions", cls=HelpfulGroup)
    app.add_typer(ghts.app, name="ghts", cls=HelpfulGroup)
    app.add_typer(members.app, name="members", cls=HelpfulGroup)
    app.add_typer(members.parties_app, name="parties", cls=HelpfulGroup)
    app.command("compliance")(compliance.compliance)
