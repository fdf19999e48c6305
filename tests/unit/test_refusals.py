"""One refusal base for `states/` and `services/`: what every edge (CLI, web, flows) catches."""

from __future__ import annotations

from typing import Any

import pytest

from flows.generate_documents import _worth_retrying
from services.accounts.credentials import TokenRefused, TooManyAttempts
from services.audit.chain import AuditError
from services.errors import Conflict, InvalidInput, NotFound, PermissionDenied, ServiceError
from services.mail.outbox import AddressRefused
from states.errors import (
    DefinitionError,
    GuardRefused,
    IllegalTransition,
    Refusal,
    StateError,
    UnknownDocumentType,
    WrongSide,
)
from web.refusals import http_refusal, refusal_status


@pytest.mark.parametrize(
    "kind",
    [
        ServiceError,
        StateError,
        NotFound,
        PermissionDenied,
        Conflict,
        InvalidInput,
        AuditError,
        AddressRefused,
        TokenRefused,
        TooManyAttempts,
        DefinitionError,
        UnknownDocumentType,
        IllegalTransition,
        GuardRefused,
        WrongSide,
    ],
)
def test_every_refusal_derives_from_the_one_base(kind: type[Exception]) -> None:
    assert issubclass(kind, Refusal)


class _Finished:
    """A finished task run's state whose result raises what the task raised."""

    def __init__(self, raised: Exception) -> None:
        self.raised = raised

    def result(self) -> Any:
        raise self.raised


@pytest.mark.parametrize(
    "raised",
    [InvalidInput("no template"), GuardRefused("PMSP-1", "submit", "no file"), WrongSide("no")],
)
def test_a_refusal_from_either_layer_is_not_retried(raised: Exception) -> None:
    assert _worth_retrying(None, None, _Finished(raised)) is False


def test_an_unforeseen_failure_is_retried() -> None:
    assert _worth_retrying(None, None, _Finished(OSError("disk full"))) is True


@pytest.mark.parametrize(
    ("refusal", "status"),
    [
        (NotFound("document 9 does not exist"), 404),
        (TokenRefused("revoked"), 403),
        (PermissionDenied("agency only"), 403),
        (WrongSide("the GHT submits"), 403),
        (Conflict("changed meanwhile"), 409),
        (InvalidInput("bad date"), 422),
        (GuardRefused("PMSP-1", "submit", "no file"), 422),
        # the API answered 400 and the pages 422 for a refusal of no listed kind: 422 for both
        (AuditError("the audit chain head is missing"), 422),
        (ServiceError("anything else"), 422),
    ],
)
def test_one_status_for_the_pages_and_the_api(refusal: Refusal, status: int) -> None:
    answer = http_refusal(refusal)
    assert refusal_status(refusal) == answer.status_code == status
    assert answer.detail == str(refusal)
