"""SMTP delivery with aiosmtplib: one connection reused, and what each answer means.

The envelope is sent command by command (MAIL, one RCPT per address, DATA) so that every
recipient gets its own answer:
- RCPT 250/251 then DATA 250: delivered to that address;
- a 4xx to RCPT, or to DATA for the addresses it had accepted: pending, tried again later for
  those addresses alone, with the same bytes (same Message-ID);
- a 5xx to RCPT, or to DATA: refused, final, the server's reply kept.

Some answers are about the sender's session, not about the message: the server cannot be
reached, TLS fails, AUTH is refused or required (530/535), the relay is denied, MAIL FROM is
refused, the server says 421 (closing). They raise `SessionFailed`: the message is not charged
an attempt, the run stops and says why. A connection lost in the middle of a message (or a
timeout) is charged to that message (it may be what breaks the server) and ends the
connection; the next message goes on a new one.
"""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
from dataclasses import dataclass, field
from enum import StrEnum
from types import TracebackType

import aiosmtplib

from settings import Settings


class TlsMode(StrEnum):
    STARTTLS = "starttls"  # plain connection upgraded with STARTTLS (port 587): required
    IMPLICIT = "implicit"  # TLS from the first byte (port 465)
    NONE = "none"  # no TLS at all (the local mail sink; a relay on the same host)


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    tls: TlsMode = TlsMode.NONE
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    ca_file: str | None = None  # PEM bundle trusted for the relay's certificate (private CA)
    helo: str | None = None  # the EHLO name; None: `default_helo()`

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            tls=TlsMode(settings.effective_smtp_tls),
            username=settings.smtp_username,
            password=password,
            timeout=settings.smtp_timeout_seconds,
            ca_file=str(settings.smtp_ca_file) if settings.smtp_ca_file else None,
            helo=settings.smtp_helo,
        )

    def tls_context(self) -> ssl.SSLContext | None:
        """The context that checks the relay's certificate (system CAs, or `ca_file`)."""
        if self.tls is TlsMode.NONE:
            return None
        return ssl.create_default_context(cafile=self.ca_file)

    def __repr__(self) -> str:  # the password never shows in logs or tracebacks
        return f"SmtpConfig(host={self.host!r}, port={self.port}, tls={self.tls.value!r})"


def default_helo() -> str:
    """The EHLO name when none is configured: this host's fully qualified name, or, for a host
    that has none (its name resolves to `localhost`, a container's bare id), its address as a
    literal, `[192.0.2.10]` (RFC 5321 4.1.4, as Python's smtplib does). aiosmtplib alone sends
    `socket.getfqdn()` whatever it is, and relays that check EHLO refuse `localhost`."""
    fqdn = socket.getfqdn()
    if "." in fqdn:
        return fqdn
    try:
        address = socket.gethostbyname(socket.gethostname())
    except OSError:
        address = "127.0.0.1"
    return f"[{address}]"


@dataclass(frozen=True)
class Reply:
    code: int
    text: str

    def __str__(self) -> str:
        return f"{self.code} {self.text}".strip()


@dataclass
class Attempt:
    """What the server answered for one message: per address, and for the whole message."""

    replies: dict[str, Reply] = field(default_factory=dict)  # address -> final answer seen
    error: str | None = None  # a message-level failure (DATA refused, connection lost)
    connection_lost: bool = False

    def delivered(self) -> list[str]:
        return [a for a, r in self.replies.items() if r.code < 400]

    def refused(self) -> dict[str, Reply]:
        return {a: r for a, r in self.replies.items() if r.code >= 500}

    def pending(self) -> dict[str, Reply]:
        return {a: r for a, r in self.replies.items() if 400 <= r.code < 500}


class StaleConnection(Exception):
    """The reused connection was closed by the server before this message began (after the
    previous 250): nothing of this message reached it; send it again on a new connection."""


class SessionFailed(Exception):
    """The sender's session failed (server out of reach, TLS, AUTH, relay denied): not the
    message's fault; nothing is charged to it."""


_LOST = (
    aiosmtplib.SMTPServerDisconnected,
    aiosmtplib.SMTPConnectError,
    aiosmtplib.SMTPTimeoutError,
    ssl.SSLError,
    OSError,
    TimeoutError,
)

# replies that say the session (credentials, relay rights) is wrong, whatever the message
_SESSION_CODES = {421, 530, 534, 535, 538}
_RELAY_DENIED = re.compile(r"relay(ing)? (access )?(denied|not permitted|prohibited)", re.I)
_AUTH_STATUS = re.compile(r"\b5\.7\.(0|8|9|11|14)\b")


def describe(exc: BaseException) -> str:
    """One line: the server's reply when there is one, else the exception."""
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"{exc.code} {exc.message}".strip()
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def is_session_reply(code: int, text: str) -> bool:
    """A reply about the sender's rights rather than about one message or address."""
    return code in _SESSION_CODES or bool(_RELAY_DENIED.search(text) or _AUTH_STATUS.search(text))


class SmtpSession:
    """`async with SmtpSession(config) as smtp: await smtp.send(...)`: one connection reused."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._client: aiosmtplib.SMTP | None = None

    @property
    def where(self) -> str:
        return f"SMTP server {self.config.host}:{self.config.port}"

    async def __aenter__(self) -> SmtpSession:
        c = self.config
        helo = c.helo or await asyncio.to_thread(default_helo)  # name lookups may block
        client = aiosmtplib.SMTP(
            hostname=c.host,
            port=c.port,
            use_tls=c.tls is TlsMode.IMPLICIT,
            start_tls=c.tls is TlsMode.STARTTLS,
            tls_context=c.tls_context(),
            local_hostname=helo,
            username=c.username,
            password=c.password,
            timeout=c.timeout,
        )
        try:
            await client.connect()
        except ssl.SSLError as exc:
            raise SessionFailed(f"{self.where}: TLS failed: {describe(exc)}") from None
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise SessionFailed(f"{self.where}: authentication refused: {describe(exc)}") from None
        except (aiosmtplib.SMTPException, *_LOST) as exc:
            raise SessionFailed(f"{self.where} unavailable: {describe(exc)}") from None
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

    @property
    def connected(self) -> bool:
        return self._client is not None and self._client.is_connected

    async def send(self, data: bytes, sender: str, recipients: list[str]) -> Attempt:
        """Send one message's bytes to `recipients` and return each address's answer.

        Raises `SessionFailed` for an answer about the session (see the module's note)."""
        client = self._client
        attempt = Attempt()
        if client is None or not client.is_connected:
            attempt.error, attempt.connection_lost = "connection lost", True
            return attempt
        accepted: list[str] = []
        try:
            try:
                await client.mail(sender)
            except _LOST:
                self._close()
                raise StaleConnection from None
            except aiosmtplib.SMTPSenderRefused as exc:
                if exc.code == 552:  # message too big for this server: this message's fault
                    attempt.error = describe(exc)
                    attempt.replies = {a: Reply(exc.code, exc.message) for a in recipients}
                    await self._reset()
                    return attempt
                raise SessionFailed(f"{self.where} refused the sender: {describe(exc)}") from None
            for address in recipients:
                try:
                    await client.rcpt(address)
                except aiosmtplib.SMTPRecipientRefused as exc:
                    if is_session_reply(exc.code, exc.message):
                        raise SessionFailed(
                            f"{self.where} refused to relay: {describe(exc)}"
                        ) from None
                    attempt.replies[address] = Reply(exc.code, exc.message)
                else:
                    accepted.append(address)
            if not accepted:
                await self._reset()
                attempt.error = "every recipient refused: " + "; ".join(
                    str(r) for r in attempt.replies.values()
                )
                return attempt
            try:
                response = await client.data(data)
            except aiosmtplib.SMTPDataError as exc:
                if exc.code == 421:
                    raise SessionFailed(f"{self.where}: {describe(exc)}") from None
                attempt.error = describe(exc)
                for address in accepted:
                    attempt.replies[address] = Reply(exc.code, exc.message)
                await self._reset()
                return attempt
            for address in accepted:
                attempt.replies[address] = Reply(response.code, response.message)
        except SessionFailed:
            self._close()
            raise
        except (aiosmtplib.SMTPException, *_LOST) as exc:
            # lost in the middle: whatever the server had accepted is not known to be delivered
            self._close()
            attempt.error, attempt.connection_lost = describe(exc), True
            for address in recipients:
                if address not in attempt.replies or address in accepted:
                    attempt.replies[address] = Reply(451, f"not confirmed: {attempt.error}")
        return attempt

    async def _reset(self) -> None:
        """After a refused transaction the session goes on; RSET clears the server's state."""
        client = self._client
        if client is None or not client.is_connected:
            return
        try:
            await client.rset()
        except (aiosmtplib.SMTPException, *_LOST):
            self._close()

    def _close(self) -> None:
        client = self._client
        if client is not None and client.is_connected:
            client.close()
