"""A real aiosmtpd server on a free loopback port, for the tests that send e-mail.

`smtp_sink` starts one per test (stopped in the finaliser); what it received is kept in memory
as parsed messages with their SMTP envelope. Faults are real SMTP answers, configured on the
handler: refuse some recipients (`refuse_rcpt`), answer DATA with a 4xx/5xx (`data_reply`).
`mail_ws` is the `occitanie` workspace pointed at the sink.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from notifications.sink import free_port
from services.workspace import Workspace


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class RecordingHandler:
    received: list[Received] = field(default_factory=list)
    refuse_rcpt: dict[str, str] = field(default_factory=dict)  # address -> SMTP reply
    data_reply: str | None = None  # e.g. "554 5.7.1 Message refused by policy"

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.data_reply:
            return self.data_reply
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 2.0.0 OK"


@dataclass
class Sink:
    host: str
    port: int
    handler: RecordingHandler
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(
            self.handler, hostname=self.host, port=self.port, ready_timeout=10
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return [r.message for r in self.handler.received]


@pytest.fixture
def smtp_sink() -> Iterator[Sink]:
    sink = Sink("127.0.0.1", free_port(), RecordingHandler())
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def mail_ws(occitanie: Workspace, smtp_sink: Sink) -> Workspace:
    """The Occitanie workspace whose SMTP settings name the test's sink."""
    occitanie.settings = occitanie.settings.model_copy(
        update={"smtp_host": smtp_sink.host, "smtp_port": smtp_sink.port}
    )
    return occitanie
