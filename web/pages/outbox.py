"""The outbox (agency): messages not delivered yet or given up on, and retrying one."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from services.accounts.access import require_agency
from services.accounts.credentials import Account
from services.mail.outbox import retry_message
from services.views.dashboard import outbox_page
from services.workspace import Workspace
from states.errors import Refusal
from web.ids import RowId
from web.pages.common import checked_form, signed_in, workspace
from web.refusals import refusal_status
from web.rendering import page
from web.security import flash

router = APIRouter()


def _render(
    request: Request,
    ws: Workspace,
    account: Account,
    *,
    status_code: int = 200,
    error: str | None = None,
) -> Response:
    data = outbox_page(ws, account)
    return page(
        request,
        "outbox.html",
        {"outbox": data},
        account=account,
        status_code=status_code,
        error=error,
    )


@router.get("/envois")
async def outbox(request: Request) -> Response:
    account = await signed_in(request)
    return await run_in_threadpool(_render, request, workspace(request), account)


@router.post("/envois/{message_id}/relancer")
async def retry(request: Request, message_id: RowId) -> Response:
    account = await signed_in(request)
    await checked_form(request)
    require_agency(account)
    ws = workspace(request)
    try:
        await run_in_threadpool(lambda: retry_message(ws, message_id, region_id=account.region_id))
    except Refusal as exc:
        status, message = refusal_status(exc), str(exc)
        return await run_in_threadpool(
            lambda: _render(request, ws, account, status_code=status, error=message)
        )
    flash(request, f"Message n° {message_id} remis en file d'envoi : il part au prochain passage.")
    return RedirectResponse("/envois", status_code=303)
