"""A GHT's page: members, documents, what it still owes, coming deadlines, calendar link."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from services.accounts import calendar_secret
from services.dashboard import ght_page
from web.pages.common import chosen_day, signed_in, workspace
from web.rendering import page

router = APIRouter()


@router.get("/ght/{code}")
async def ght(request: Request, code: str, au: str | None = None) -> Response:
    account = await signed_in(request)
    day, error = chosen_day(au)
    ws = workspace(request)
    data = await run_in_threadpool(ght_page, ws, account, code, day)
    secret = await run_in_threadpool(calendar_secret, ws, account.email)
    calendar_url = f"{request.base_url}calendar/{data.code}.ics?key={secret}"
    context = {"ght": data, "au": day.isoformat(), "calendar_url": calendar_url}
    return page(request, "ght.html", context, account=account, error=error)
