"""The HTTP answer to a refusal from `services/` or `states/`: one status table, one default,
for the pages (`web.app`, `web.pages`) and the JSON API (`web.api`) alike."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import HTTPException

from services.errors import Conflict, NotFound, PermissionDenied
from states.errors import Refusal, WrongSide

# the first kind the refusal is an instance of gives its status
STATUS: tuple[tuple[type[Refusal], int], ...] = (
    (NotFound, 404),  # no such thing, or not visible to this person
    (PermissionDenied, 403),
    (WrongSide, 403),
    (Conflict, 409),  # someone else changed it first
)
# any other refusal: bad input, or an event the state does not allow (the API documents 422)
DEFAULT_STATUS = 422


def refusal_status(exc: Refusal) -> int:
    """NotFound 404, PermissionDenied and WrongSide 403, Conflict 409, anything else 422."""
    return next((status for kind, status in STATUS if isinstance(exc, kind)), DEFAULT_STATUS)


def http_refusal(exc: Refusal) -> HTTPException:
    """The API's answer to a refusal: its kind's status, the CLI's one-line message."""
    return HTTPException(status_code=refusal_status(exc), detail=str(exc))


@contextmanager
def refusals_as_http() -> Iterator[None]:
    """Inside the block, a refusal becomes the API's `HTTPException` (`http_refusal`)."""
    try:
        yield
    except Refusal as exc:
        raise http_refusal(exc) from None
