"""A document's page, its actions (through `services.lifecycle.fire.fire`) and its downloads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from services.accounts.access import check_document_visible
from services.accounts.credentials import Account
from services.clock import today
from services.errors import InvalidInput
from services.lifecycle.fire import FireResult, fire
from services.views.dashboard import (
    FileToSend,
    document_page,
    generated_file,
    version_file,
)
from services.workspace import Workspace
from states.errors import Refusal
from web.forms import one_newline
from web.ids import RowId
from web.pages.common import checked_form, signed_in, workspace
from web.refusals import refusal_status
from web.rendering import page
from web.security import flash
from web.uploads import MEDIA_TYPES, content_kind, received_file, too_big

router = APIRouter()
_FORM_OVERHEAD = 64 * 1024  # room for the other fields of a form that carries a file


def _render(
    request: Request,
    ws: Workspace,
    account: Account,
    document_id: int,
    *,
    status_code: int = 200,
    error: str | None = None,
) -> Response:
    day = today()
    data = document_page(ws, account, document_id, day)
    context = {"doc": data, "max_file_bytes": ws.settings.max_file_bytes, "today": day}
    return page(
        request, "document.html", context, account=account, status_code=status_code, error=error
    )


@router.get("/documents/{document_id}")
async def document(request: Request, document_id: RowId) -> Response:
    account = await signed_in(request)
    return await run_in_threadpool(_render, request, workspace(request), account, document_id)


@dataclass(frozen=True)
class _Action:
    event: str
    motives: tuple[str, ...]
    note: str | None
    respond_by: date | None
    expected_version: int | None
    upload: UploadFile | None
    as_of: date | None = None
    criterion: str | None = None
    met: bool | None = None


def _form_day(form: FormData, name: str) -> date | None:
    raw = str(form.get(name) or "").strip()
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        raise InvalidInput(f"{raw!r} is not a date YYYY-MM-DD") from None


def _action(form: FormData) -> _Action:
    """The action's fields; a malformed date or number is refused like the CLI refuses it.

    `as_of` is offered to agency people only (to record an action taken on an earlier day);
    whoever sends it, `fire` checks that the signed-in person may date the event."""
    respond_by = _form_day(form, "respond_by")
    raw_version = str(form.get("expected_version") or "").strip()
    try:
        expected = int(raw_version) if raw_version else None
    except ValueError:
        raise InvalidInput(f"expected_version {raw_version!r} is not a number") from None
    upload = form.get("file")
    chosen = isinstance(upload, UploadFile) and bool(upload.filename or upload.size)
    return _Action(
        event=str(form.get("event") or "").strip(),
        motives=tuple(str(m) for m in form.getlist("motives") if str(m).strip()),
        note=one_newline(str(form.get("note") or "")).strip() or None,
        respond_by=respond_by,
        expected_version=expected,
        upload=upload if chosen and isinstance(upload, UploadFile) else None,
        as_of=_form_day(form, "as_of"),
        criterion=str(form.get("criterion") or "").strip() or None,
        met=_form_verdict(form),
    )


def _form_verdict(form: FormData) -> bool | None:
    raw = str(form.get("met") or "").strip().lower()
    verdicts = {"true": True, "false": False, "": None}
    if raw not in verdicts:
        raise InvalidInput(f"verdict {raw[:20]!r} is neither true nor false")
    return verdicts[raw]


def _fire(ws: Workspace, account: Account, document_id: int, action: _Action) -> FireResult:
    """`fire` as the signed-in person, with the upload checked and handed over as a file."""
    check_document_visible(ws, account, document_id)
    if not action.event:
        raise InvalidInput("no action chosen")
    options = {
        "as_of": action.as_of,
        "dated_by": account.email,
        "motives": action.motives,
        "note": action.note,
        "respond_by": action.respond_by,
        "expected_version": action.expected_version,
        "criterion": action.criterion,
        "met": action.met,
    }
    if action.upload is None:
        return fire(ws, document_id, action.event, account.email, **options)  # type: ignore[arg-type]
    with received_file(
        action.upload.file, action.upload.filename, ws.settings.max_file_bytes
    ) as path:
        return fire(ws, document_id, action.event, account.email, file=path, **options)  # type: ignore[arg-type]


@router.post("/documents/{document_id}/actions")
async def act(request: Request, document_id: RowId) -> Response:
    account = await signed_in(request)
    ws = workspace(request)
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > ws.settings.max_file_bytes + _FORM_OVERHEAD:
        message = too_big("envoyé", ws.settings.max_file_bytes)
        return await run_in_threadpool(
            lambda: _render(request, ws, account, document_id, status_code=413, error=message)
        )
    try:
        form = await checked_form(request)  # fields over their length refused here, in French
        action = _action(form)
        result = await run_in_threadpool(_fire, ws, account, document_id, action)
    except Refusal as exc:
        status, message = refusal_status(exc), str(exc)
        if status == 404:
            raise  # not visible to this person: the same page as a document that does not exist
        return await run_in_threadpool(
            lambda: _render(request, ws, account, document_id, status_code=status, error=message)
        )
    version = f" (version {result.version})" if action.upload is not None else ""
    flash(
        request,
        f"Action enregistrée : le document est maintenant « {result.state_label} »{version}.",
    )
    return RedirectResponse(f"/documents/{document_id}", status_code=303)


def _send(found: FileToSend) -> Response:
    """The stored file under its original name, typed from its content (as an attachment)."""
    media = MEDIA_TYPES.get(content_kind(found.path) or "", "application/octet-stream")
    return FileResponse(found.path, media_type=media, filename=found.name)


@router.get("/documents/{document_id}/versions/{number}")
async def version_download(request: Request, document_id: RowId, number: RowId) -> Response:
    account = await signed_in(request)
    found = await run_in_threadpool(version_file, workspace(request), account, document_id, number)
    return _send(found)


@router.get("/fichiers/{file_id}")
async def generated_download(request: Request, file_id: RowId) -> Response:
    account = await signed_in(request)
    found = await run_in_threadpool(generated_file, workspace(request), account, file_id)
    return _send(found)
