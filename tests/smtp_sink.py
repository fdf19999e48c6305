"""A real aiosmtpd server on a free loopback port, for the tests that send e-mail.

`smtp_sink` starts one per test (stopped in the finaliser); what it received is kept in memory
as parsed messages with their SMTP envelope. Faults are real SMTP answers, configured on the
handler: refuse some recipients (`refuse_rcpt`), answer DATA with a 4xx/5xx (`data_reply`),
or follow a script of faults consumed one per command (`rcpt_script` per address,
`data_script` per DATA: a reply, "drop-before" (the connection closes before the 250, nothing
kept), "drop-after" (the 250 is sent, then the connection closes), "slow:SECONDS" (the
answer comes late; a client gone meanwhile leaves nothing kept), "slow-after:SECONDS" (the
message is kept at once and the 250 comes SECONDS later: a client killed meanwhile never
learns that it was delivered).
The handler also records the name each client greets it with (EHLO or HELO, in `greetings`,
in order) and keeps, with each message, the name of the session that brought it (`helo`).
`mail_ws` is the `occitanie` workspace pointed at the sink.
"""

from __future__ import annotations

import asyncio
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
    data: bytes = b""
    helo: str | None = None  # the EHLO/HELO name of the session that brought it


@dataclass
class RecordingHandler:
    received: list[Received] = field(default_factory=list)
    refuse_rcpt: dict[str, str] = field(default_factory=dict)  # address -> SMTP reply
    data_reply: str | None = None  # e.g. "554 5.7.1 Message refused by policy"
    rcpt_script: dict[str, list[str]] = field(default_factory=dict)  # address -> next replies
    data_script: list[str] = field(default_factory=list)  # next DATA faults, one per DATA
    greetings: list[str] = field(default_factory=list)  # EHLO/HELO names received, in order

    async def handle_EHLO(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.greetings.append(hostname)
        session.host_name = hostname  # what aiosmtpd does itself when no hook is given
        return responses

    async def handle_HELO(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, hostname: str
    ) -> str:
        self.greetings.append(hostname)
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.rcpt_script.get(address):
            reply = self.rcpt_script[address].pop(0)
            if not reply.startswith("250"):
                return reply
        elif address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        fault = self.data_script.pop(0) if self.data_script else self.data_reply
        if fault and fault.startswith("slow:"):
            await asyncio.sleep(float(fault.split(":", 1)[1]))
            if server.transport is None or server.transport.is_closing():
                return "451 the client gave up: nothing kept"
            fault = None
        if fault and fault.startswith("slow-after:"):
            self._keep(session, envelope)
            await asyncio.sleep(float(fault.split(":", 1)[1]))
            return "250 2.0.0 OK"
        if fault == "drop-before":
            server.transport.close()
            return "451 never seen: the connection is closed"
        if fault and fault != "drop-after":
            return fault
        self._keep(session, envelope)
        if fault == "drop-after":
            asyncio.get_running_loop().call_later(0.05, server.transport.close)
        return "250 2.0.0 OK"

    def _keep(self, session: Any, envelope: Any) -> None:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                message,
                envelope.content,
                session.host_name,
            )
        )

    def deliveries(self) -> dict[tuple[str, str], int]:
        """(Message-ID, recipient) -> how many times it arrived: the reconciliation."""
        counts: dict[tuple[str, str], int] = {}
        for received in self.received:
            for rcpt in received.rcpt_tos:
                key = (str(received.message["Message-ID"]), rcpt)
                counts[key] = counts.get(key, 0) + 1
        return counts


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
