"""The regional overview (agency) and the bilan downloads."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from services.accounts.access import require_agency
from services.views.dashboard import overview
from services.views.exports import bilan_csv, bilan_xlsx
from web.charts import Segment, stacked_bar
from web.pages.common import chosen_day, signed_in, workspace
from web.rendering import page

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/")
async def overview_page(request: Request, au: str | None = None) -> Response:
    account = await signed_in(request)
    if not account.is_agency:
        return RedirectResponse(f"/ght/{account.ght_code}", status_code=303)
    day, error = chosen_day(au)
    data = await run_in_threadpool(overview, workspace(request), account, day)
    charts = [
        stacked_bar(
            f"bilan-{t.doc_type}",
            f"{t.label} : documents par état au {day.strftime('%d/%m/%Y')}",
            [Segment(s.label, s.count) for s in t.states],
        )
        for t in data.types
    ]
    context = {"data": data, "charts": charts, "au": day.isoformat()}
    return page(request, "overview.html", context, account=account, error=error)


def _download(content: bytes | str, media_type: str, name: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/bilan.csv")
async def bilan_csv_download(request: Request, au: str | None = None) -> Response:
    account = await signed_in(request)
    require_agency(account)
    day, _ = chosen_day(au)
    text = await run_in_threadpool(bilan_csv, workspace(request), day, account.region_id)
    return _download(text.encode("utf-8"), "text/csv; charset=utf-8", f"bilan-{day}.csv")


@router.get("/bilan.xlsx")
async def bilan_xlsx_download(request: Request, au: str | None = None) -> Response:
    account = await signed_in(request)
    require_agency(account)
    day, _ = chosen_day(au)
    data = await run_in_threadpool(bilan_xlsx, workspace(request), day, account.region_id)
    return _download(data, XLSX, f"bilan-{day}.xlsx")
