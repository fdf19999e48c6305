"""What the page modules share: the workspace, the signed-in person, checked forms, dates."""

from __future__ import annotations

from datetime import date

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from services.accounts.credentials import Account
from services.clock import EARLIEST_DAY, LATEST_DAY, check_plausible, today
from services.errors import InvalidInput
from services.workspace import Workspace
from web.forms import DATE_MAX, check_form_lengths
from web.security import check_csrf, current_account


def workspace(request: Request) -> Workspace:
    ws: Workspace = request.app.state.ws
    return ws


async def signed_in(request: Request) -> Account:
    """The signed-in person (a database read, so off the event loop)."""
    return await run_in_threadpool(current_account, request)


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token matched this session's."""
    form = await request.form()
    check_csrf(request, form)
    check_form_lengths(form)  # a French refusal (InvalidInput) before any field is used
    return form


def chosen_day(value: str | None) -> tuple[date, str | None]:
    """The `?au=YYYY-MM-DD` of a page (today when absent) and a French error when invalid."""
    if not value:
        return today(), None
    if len(value) > DATE_MAX:  # not echoed: a page address may be any length
        return today(), "Date invalide (format attendu AAAA-MM-JJ) : aujourd'hui est affiché."
    try:
        return check_plausible(date.fromisoformat(value), "date"), None
    except ValueError:
        return (
            today(),
            f"Date « {value} » invalide (format attendu AAAA-MM-JJ) : aujourd'hui est affiché.",
        )
    except InvalidInput:
        return (
            today(),
            f"Date « {value} » hors des limites ({EARLIEST_DAY.year} à {LATEST_DAY.year}) : "
            "aujourd'hui est affiché.",
        )
