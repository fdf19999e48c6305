"""A GHT's page: members, documents, its campaigns, what it still owes, coming deadlines,
calendar link.

Showing the page writes nothing: the person's calendar link is read, and created (or renewed)
only by the page's form, a POST like every other change.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from services.accounts.access import check_ght_visible
from services.accounts.credentials import calendar_secret, existing_calendar_secret
from services.views.campaigns import ght_campaigns
from services.views.dashboard import ght_page
from web.pages.common import checked_form, chosen_day, signed_in, workspace
from web.rendering import page
from web.security import flash

router = APIRouter()


@router.get("/ght/{code}")
async def ght(request: Request, code: str, au: str | None = None) -> Response:
    account = await signed_in(request)
    day, error = chosen_day(au)
    ws = workspace(request)
    data = await run_in_threadpool(ght_page, ws, account, code, day)
    campaigns = await run_in_threadpool(ght_campaigns, ws, account, data.code)
    secret = await run_in_threadpool(existing_calendar_secret, ws, account.id)
    calendar_url = f"{request.base_url}calendar/{data.code}.ics?key={secret}" if secret else None
    context = {
        "ght": data,
        "au": day.isoformat(),
        "calendar_url": calendar_url,
        "campaigns": campaigns,
    }
    return page(request, "ght.html", context, account=account, error=error)


@router.post("/ght/{code}/calendrier")
async def calendar_link(request: Request, code: str) -> Response:
    """Create the person's calendar link, or renew it (`renouveler`): the old one stops."""
    account = await signed_in(request)
    form = await checked_form(request)
    ws = workspace(request)
    shown = await run_in_threadpool(check_ght_visible, ws, account, code)
    renew = bool(form.get("renouveler"))
    await run_in_threadpool(lambda: calendar_secret(ws, account.email, renew=renew))
    flash(
        request,
        "Nouveau lien d'abonnement créé : les abonnements faits avec l'ancien ne reçoivent plus "
        "rien."
        if renew
        else "Lien d'abonnement créé.",
    )
    return RedirectResponse(f"/ght/{shown}", status_code=303)
