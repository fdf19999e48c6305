"""Templates (Jinja2, autoescaped) and what every page gets: the person, the CSRF token, the
flash message and French dates."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from i18n import french_date, french_date_short
from services.accounts.credentials import Account
from services.clock import EARLIEST_DAY, LATEST_DAY
from web.forms import FIELD_LIMITS
from web.security import csrf_token, take_flash

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"


def _day(value: date | str | None, short: bool = False) -> str:
    """« 1er décembre 2017 » (or « 01/12/2017 ») from a date or an ISO text; « — » if none."""
    if value is None or value == "":
        return "—"
    day = date.fromisoformat(value) if isinstance(value, str) else value
    text = french_date_short(day) if short else french_date(day)
    if not EARLIEST_DAY <= day <= LATEST_DAY:  # a bad row from before dates were bounded
        text += " (date à vérifier)"
    return text


def _size(n: int | None) -> str:
    if n is None:
        return "—"
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} Mo".replace(".", ",")
    if n >= 1024:
        return f"{n / 1024:.0f} Ko"
    return f"{n} octets"


templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.filters["day"] = _day
templates.env.filters["size"] = _size
templates.env.globals["french_date"] = french_date


def page(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    account: Account | None = None,
    status_code: int = 200,
    error: str | None = None,
) -> Response:
    """Render a page; `error` is shown in the page's `role="alert"` element."""
    values = {
        "account": account,
        "csrf_token": csrf_token(request),
        "flash": take_flash(request),
        "error": error,
        "limits": FIELD_LIMITS,  # maxlength of every field (`web.forms`)
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, values, status_code=status_code)
