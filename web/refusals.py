"""The HTTP status of a refusal from `services/` or `states/` (the same for pages and API)."""

from __future__ import annotations

from services.errors import Conflict, NotFound, PermissionDenied
from states.errors import WrongSide


def refusal_status(exc: Exception) -> int:
    """NotFound 404, PermissionDenied and WrongSide 403, Conflict 409, anything else 422."""
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, PermissionDenied | WrongSide):
        return 403
    if isinstance(exc, Conflict):
        return 409
    return 422
