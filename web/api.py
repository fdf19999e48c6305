"""The JSON API under `/api` and the calendar feed: the CLI's JSON, over HTTP.

Every answer is what the same CLI command prints with `--format json`, from the same service;
every refusal is the CLI's one-line message as `{"detail": ...}`, with a status that says its
kind (404 not found or not yours, 403 wrong side or person, 409 changed by someone else, 422
bad input or an event the state does not allow). Callers authenticate with
`Authorization: Bearer TOKEN` (`ghtflow users token EMAIL`); a calendar application, which
cannot send headers, with the secret key of a person's calendar link.

The router has no prefix; the application includes it (`app.include_router(api.router)`) and
reaches the workspace as `request.app.state.ws`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.datastructures import UploadFile

from services.accounts.credentials import (
    Account,
    TokenRefused,
    account_for_calendar_secret,
    token_account,
)
from services.limits import KEY_MAX, MOTIVES_MAX, NOTE_MAX
from services.workspace import Workspace
from web.ids import RowId
from web.refusals import refusals_as_http

router = APIRouter()
T = TypeVar("T")

# --- shapes (the README documents the same JSON) -------------------------------------------


class Refusal(BaseModel):
    detail: str = Field(description="one line, the message the CLI prints after 'error: '")


class DocumentSummary(BaseModel):
    """One row of `ghtflow documents list --format json`."""

    id: int
    ght: str
    type: str
    reference: str
    state: str
    state_label: str
    due_date: str | None
    version: int
    submitted_on: str | None
    lock_version: int


class VersionOut(BaseModel):
    number: int
    received_on: str
    file_name: str | None
    sha256: str | None
    size: int | None


class ConformityRequestOut(BaseModel):
    motives: list[str]
    note: str | None
    requested_on: str
    respond_by: str
    requested_by: str
    answered_on: str | None


class AssessmentOut(BaseModel):
    """One criterion of the document's assessment grid and its latest verdict (None: not
    assessed yet)."""

    criterion: str
    label: str
    met: bool | None
    note: str | None
    assessed_on: str | None
    assessed_by: str | None


class HistoryEntry(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    seq: int
    event: str
    actor: str
    as_of: str
    at: str
    from_: str | None = Field(alias="from")
    to: str
    payload: dict[str, Any]


class DocumentDetail(BaseModel):
    """`ghtflow documents show ID --format json`."""

    id: int
    ght: str
    ght_name: str
    type: str
    type_label: str
    reference: str
    title: str
    state: str
    state_label: str
    due_date: str | None
    version: int
    submitted_on: str | None
    lock_version: int
    allowed_events: list[str]
    workflow_problem: str | None = None  # why no event can move it (type or state unknown)
    versions: list[VersionOut]
    conformity_requests: list[ConformityRequestOut]
    assessment: list[AssessmentOut] = []
    history: list[HistoryEntry]


class EventRequest(BaseModel):
    """An event to fire, as `ghtflow documents fire` takes it (the actor is the token's owner)."""

    model_config = ConfigDict(extra="forbid")

    event: str = Field(
        max_length=KEY_MAX, description="e.g. submit, request_conformity, resubmit, approve"
    )
    motives: list[Annotated[str, Field(max_length=KEY_MAX)]] = Field(
        default=[], max_length=MOTIVES_MAX, description="motive keys (request_conformity)"
    )
    note: str | None = Field(
        default=None, max_length=NOTE_MAX, description="free text kept with the event"
    )
    respond_by: date | None = Field(default=None, description="YYYY-MM-DD (request_conformity)")
    as_of: date | None = Field(
        default=None,
        description="business date, not after today; default today. Agency accounts only "
        "(to record a decision taken earlier): the server dates a GHT's events",
    )
    expected_version: int | None = Field(
        default=None, description="the document's lock_version as you read it; 409 if it moved"
    )
    criterion: str | None = Field(
        default=None, max_length=KEY_MAX, description="criterion of the assessment grid (assess)"
    )
    met: bool | None = Field(default=None, description="the verdict on `criterion` (assess)")


class FireOut(BaseModel):
    document_id: int
    event: str
    from_state: str
    to_state: str
    state_label: str
    version: int
    event_seq: int


class BilanDocument(BaseModel):
    id: int
    type: str
    state: str
    state_label: str


class BilanGht(BaseModel):
    code: str
    name: str
    documents: list[BilanDocument]


class BilanOut(BaseModel):
    """`ghtflow report bilan --format json`."""

    as_of: str
    counts: dict[str, dict[str, int]] = Field(description="type -> state -> number of documents")
    ghts: list[BilanGht]


# --- plumbing -------------------------------------------------------------------------------

_bearer = HTTPBearer(auto_error=False, description="a token issued by `ghtflow users token EMAIL`")
_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"model": Refusal, "description": "missing, unknown, revoked or expired token"},
    403: {"model": Refusal, "description": "not allowed for this person (e.g. wrong side)"},
    404: {"model": Refusal, "description": "no such document, or another GHT's"},
    422: {"model": Refusal, "description": "bad input, or an event the state does not allow"},
}


def _ws(request: Request) -> Workspace:
    ws: Workspace = request.app.state.ws
    return ws


def _call(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    with refusals_as_http():
        return function(*args, **kwargs)


def current_account(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Account:
    """The token's owner, or 401 (no token, or one that is unknown or revoked)."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise HTTPException(
            401,
            "missing token: send 'Authorization: Bearer TOKEN' (ghtflow users token EMAIL)",
            headers=challenge,
        )
    try:
        return token_account(_ws(request), credentials.credentials)
    except TokenRefused as exc:  # unknown, revoked or expired: the detail says which
        raise HTTPException(401, str(exc), headers=challenge) from None


CurrentAccount = Annotated[Account, Depends(current_account)]


def _day(value: str | None, name: str) -> date | None:
    """A query parameter's date, refused (422) when malformed or out of the plausible range."""
    from services.clock import check_plausible

    if value is None or value == "":
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        shown = repr(value) if len(value) <= 40 else f"a text of {len(value)} characters"
        raise HTTPException(422, f"{name}: {shown} is not a date YYYY-MM-DD") from None
    with refusals_as_http():
        return check_plausible(day, name)


# --- documents ------------------------------------------------------------------------------


@router.get(
    "/api/documents",
    response_model=list[DocumentSummary],
    tags=["documents"],
    responses=_REFUSALS,
)
def list_documents(
    request: Request,
    account: CurrentAccount,
    ght: Annotated[str | None, Query(description="GHT code, e.g. OCC-02")] = None,
    doc_type: Annotated[str | None, Query(alias="type", description="e.g. pmsp")] = None,
    state: Annotated[str | None, Query(description="e.g. submitted")] = None,
) -> list[dict[str, Any]]:
    """Documents, filtered like `ghtflow documents list`, of the GHTs this person sees (a GHT's
    people: their GHT's only; another GHT asked for: as a GHT that has none)."""
    from services.accounts.access import visible_documents

    return _call(visible_documents, _ws(request), account, ght=ght, doc_type=doc_type, state=state)


@router.get(
    "/api/documents/{document_id}",
    response_model=DocumentDetail,
    tags=["documents"],
    responses=_REFUSALS,
)
def show_document(request: Request, document_id: RowId, account: CurrentAccount) -> dict[str, Any]:
    """One document with its versions, conformity requests and history."""
    from services.accounts.access import check_document_visible
    from services.views.documents import show_document as show

    ws = _ws(request)
    _call(check_document_visible, ws, account, document_id)
    return _call(show, ws, document_id)


_FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["event"],
    "properties": {
        **{
            name: {"type": "string", "description": field.description or ""}
            for name, field in EventRequest.model_fields.items()
            if name not in ("motives", "expected_version", "met")
        },
        "met": {"type": "boolean"},
        "motives": {"type": "array", "items": {"type": "string"}},
        "expected_version": {"type": "integer"},
        "file": {"type": "string", "format": "binary", "description": "PDF or Word file"},
    },
}


@router.post(
    "/api/documents/{document_id}/events",
    response_model=FireOut,
    tags=["documents"],
    responses={**_REFUSALS, 409: {"model": Refusal, "description": "changed by someone else"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": EventRequest.model_json_schema()},
                "multipart/form-data": {"schema": _FORM_SCHEMA},
            },
        }
    },
)
async def fire_event(request: Request, document_id: RowId, account: CurrentAccount) -> FireOut:
    """Fire an event as the token's owner, with the same rules as `ghtflow documents fire`.

    JSON body, or a multipart form with the same fields plus `file` (submit, resubmit)."""
    from services.accounts.access import check_document_visible

    ws = _ws(request)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        async with request.form() as form:
            fields = {
                "event": form.get("event"),
                "motives": [m for m in form.getlist("motives") if m],
                **{
                    name: form.get(name) or None
                    for name in (
                        "note",
                        "respond_by",
                        "as_of",
                        "expected_version",
                        "criterion",
                        "met",
                    )
                },
            }
            upload = form.get("file")
            body = _event_request(fields)
            await run_in_threadpool(_call, check_document_visible, ws, account, document_id)
            if isinstance(upload, UploadFile) and upload.filename:
                return await run_in_threadpool(_fire_upload, ws, account, document_id, body, upload)
    else:
        try:
            raw = await request.json()
        except ValueError:
            raise HTTPException(422, "the body must be a JSON object or a multipart form") from None
        body = _event_request(raw)
        await run_in_threadpool(_call, check_document_visible, ws, account, document_id)
    return await run_in_threadpool(_fire, ws, account, document_id, body, None)


def _event_request(raw: Any) -> EventRequest:
    try:
        return EventRequest.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise HTTPException(422, f"{where}: {first['msg']}") from None


def _fire_upload(
    ws: Workspace, account: Account, document_id: int, body: EventRequest, upload: UploadFile
) -> FireOut:
    """`_fire` with the upload received like the dashboard's (one receiving code, in
    `web.uploads`), its refusals in English."""
    from web.uploads import received_file

    with (
        refusals_as_http(),
        received_file(upload.file, upload.filename, ws.files.max_bytes, french=False) as path,
    ):
        return _fire(ws, account, document_id, body, path)


def _fire(
    ws: Workspace, account: Account, document_id: int, body: EventRequest, file: Path | None
) -> FireOut:
    from services.lifecycle.fire import fire

    result = _call(
        fire,
        ws,
        document_id,
        body.event,
        account.email,
        as_of=body.as_of,
        dated_by=account.email,  # the service refuses a date from a GHT account
        motives=tuple(body.motives),
        note=body.note,
        respond_by=body.respond_by,
        file=file,
        expected_version=body.expected_version,
        criterion=body.criterion,
        met=body.met,
    )
    return FireOut(
        document_id=result.document_id,
        event=result.event,
        from_state=result.from_state,
        to_state=result.to_state,
        state_label=result.state_label,
        version=result.version,
        event_seq=result.event_seq,
    )


# --- regional summary -----------------------------------------------------------------------


@router.get("/api/bilan", response_model=BilanOut, tags=["reports"], responses=_REFUSALS)
def bilan(
    request: Request,
    account: CurrentAccount,
    as_of: Annotated[str | None, Query(description="YYYY-MM-DD; default today")] = None,
) -> dict[str, Any]:
    """The regional summary, as `ghtflow report bilan --format json` (agency people only: it
    shows every GHT)."""
    from services.accounts.access import require_agency
    from services.clock import today
    from services.views.reports import bilan as compute

    _call(require_agency, account, "the bilan")
    day = _day(as_of, "as_of") or today()
    return _call(compute, _ws(request), day).as_json()


# --- calendar feed --------------------------------------------------------------------------


@router.get(
    "/calendar/{ght_code}.ics",
    tags=["calendar"],
    response_class=Response,
    responses={
        200: {"content": {"text/calendar": {}}, "description": "the GHT's deadlines"},
        404: {
            "model": Refusal,
            "description": "unknown key or GHT, or a GHT the key's owner may not see",
        },
    },
)
def calendar_feed(
    request: Request,
    ght_code: str,
    key: Annotated[str | None, Query(description="the secret of a person's calendar link")] = None,
) -> Response:
    """A GHT's deadlines as iCalendar, for calendar applications (`ghtflow users calendar-link`)."""
    from services.accounts.access import check_ght_visible
    from services.deadlines.calendar import ght_calendar

    ws = _ws(request)
    account = account_for_calendar_secret(ws, key) if key else None
    if account is None:
        raise HTTPException(404, "no calendar at this address (the link may have been renewed)")
    code = _call(check_ght_visible, ws, account, ght_code)
    body = _call(ght_calendar, ws, code)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'inline; filename="{code}.ics"',
            "Cache-Control": "private, max-age=300",
        },
    )
