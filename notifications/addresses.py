"""Strict checks on what goes into a mail header: addresses and header text.

`email` rewrites a CR/LF inside an address instead of refusing it, and aiosmtplib passes odd
addresses to the server as they are; a header line break is how a crafted value adds a `Bcc:`
of its own. So every address is parsed and compared with a strict pattern, and every header
value with a control character is refused, before a message is queued and again when it is
built for sending.
"""

from __future__ import annotations

import re
from email.utils import formataddr, parseaddr

# local@domain with a dotted domain and a letter TLD; no spaces, quotes, brackets or controls
_ADDR = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
    r"(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class HeaderRefused(ValueError):
    """A value that may not go into a header (line break, control character, bad address)."""


def check_header(name: str, value: str) -> str:
    """`value` unchanged, or `HeaderRefused` if it holds CR, LF or another control character."""
    if _CONTROL.search(value):
        raise HeaderRefused(f"{name}: line break or control character refused in {value!r}")
    return value


def check_address(value: str, what: str = "address") -> str:
    """A bare address `local@domain.tld`, lower-cased domain; anything else is refused."""
    check_header(what, value)
    address = value.strip()
    if not _ADDR.match(address) or ".." in address or address.startswith("."):
        raise HeaderRefused(f"{what}: {value!r} is not a valid e-mail address")
    local, domain = address.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def check_mailbox(value: str, what: str = "address") -> tuple[str, str]:
    """`Name <addr>` or `addr`: (display name, checked address)."""
    check_header(what, value)
    name, address = parseaddr(value)
    text = value.strip()
    if not address or (text != address and not text.endswith(f"<{address}>")):
        raise HeaderRefused(f"{what}: {value!r} is not a valid e-mail address")
    return name, check_address(address, what)


def format_mailbox(value: str, what: str = "address") -> str:
    """The checked mailbox written back as a header value (name encoded when not ASCII)."""
    name, address = check_mailbox(value, what)
    return formataddr((name, address)) if name else address


def address_list(text: str | None, what: str) -> list[str]:
    """A comma-separated list of bare addresses (e.g. `GHTFLOW_MAIL_CC`), each checked."""
    if not text:
        return []
    return [check_address(part, what) for part in text.split(",") if part.strip()]


def domain_of(mailbox: str) -> str:
    """The domain of a `Name <addr>` or `addr`, to name Message-IDs."""
    return check_mailbox(mailbox, "sender")[1].rsplit("@", 1)[1]
