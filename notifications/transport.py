"""SMTP delivery with aiosmtplib: one connection per batch, and what each answer means.

A server's answer sorts a message into one of three outcomes:
- sent: accepted for at least one recipient (recipients refused meanwhile are recorded);
- transient: try again later: connection refused or lost, timeout, TLS failure (`ssl.SSLError`
  is not an `SMTPException`), or a 4xx reply;
- permanent: a 5xx reply (every recipient refused with 5xx, sender or data refused): failed,
  with the server's reply kept.
A lost connection also ends the batch: the remaining messages wait for the next run.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from types import TracebackType
from typing import Literal

import aiosmtplib

from settings import Settings

Kind = Literal["sent", "transient", "permanent"]


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            starttls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=password,
            timeout=settings.smtp_timeout_seconds,
        )

    def __repr__(self) -> str:  # the password never shows in logs or tracebacks
        return f"SmtpConfig(host={self.host!r}, port={self.port}, starttls={self.starttls})"


@dataclass(frozen=True)
class Outcome:
    kind: Kind
    error: str | None = None
    refused: dict[str, str] = field(default_factory=dict)
    connection_lost: bool = False


class ConnectionFailed(Exception):
    """The server could not be reached or refused the session (a transient failure)."""


_LOST = (
    aiosmtplib.SMTPServerDisconnected,
    aiosmtplib.SMTPConnectError,
    aiosmtplib.SMTPTimeoutError,
    ssl.SSLError,
    OSError,
    TimeoutError,
)


def describe(exc: BaseException) -> str:
    """One line: the server's reply when there is one, else the exception."""
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"{exc.code} {exc.message}".strip()
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def _reply(response: aiosmtplib.SMTPResponse) -> str:
    return f"{response.code} {response.message}".strip()


class SmtpSession:
    """`async with SmtpSession(config) as smtp: await smtp.send(...)`: one connection reused."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._client: aiosmtplib.SMTP | None = None

    async def __aenter__(self) -> SmtpSession:
        c = self.config
        client = aiosmtplib.SMTP(
            hostname=c.host,
            port=c.port,
            start_tls=c.starttls,
            username=c.username,
            password=c.password,
            timeout=c.timeout,
        )
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, *_LOST) as exc:
            raise ConnectionFailed(
                f"SMTP server {c.host}:{c.port} unavailable: {describe(exc)}"
            ) from None
        self._client = client
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        client, self._client = self._client, None
        if client is None or not client.is_connected:
            return
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, *_LOST):
            client.close()

    async def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> Outcome:
        """Send one message on the open connection and classify the answer."""
        client = self._client
        if client is None or not client.is_connected:
            return Outcome("transient", "connection lost", connection_lost=True)
        try:
            refused, _ = await client.send_message(message, sender=sender, recipients=recipients)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            replies = {r.recipient: f"{r.code} {r.message}".strip() for r in exc.recipients}
            temporary = any(r.code < 500 for r in exc.recipients)
            await self._reset()
            kind: Kind = "transient" if temporary else "permanent"
            return Outcome(kind, "every recipient refused: " + "; ".join(replies.values()), replies)
        except aiosmtplib.SMTPResponseException as exc:
            await self._reset()
            return Outcome("permanent" if exc.code >= 500 else "transient", describe(exc))
        except (aiosmtplib.SMTPException, *_LOST) as exc:
            return Outcome("transient", describe(exc), connection_lost=True)
        return Outcome("sent", refused={a: _reply(r) for a, r in refused.items()})

    async def _reset(self) -> None:
        """After a refused transaction the session goes on; RSET clears the server's state."""
        client = self._client
        if client is None or not client.is_connected:
            return
        try:
            await client.rset()
        except (aiosmtplib.SMTPException, *_LOST):
            client.close()
