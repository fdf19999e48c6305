"""The one address rule, and strict checks on what goes into a mail header.

Every e-mail address ghtflow accepts (a person added with `users add` or by a scenario, a
region's direction address, a sign-in, `GHTFLOW_MAIL_FROM`/`GHTFLOW_MAIL_CC`, a recipient when
a message is queued and again when it is built) goes through `parse_address`, so that an
address accepted at one door is never refused at another: a value the outbox would refuse
must be refused when it is typed, not when the sweep meets it.

The rule is deliberately narrower than RFC 5322: a plain `local@domain`, no display name, no
quoted local part, no comments, no IP literal. `email` rewrites a CR/LF inside an address
instead of refusing it and aiosmtplib passes odd addresses to the server as they are; a header
line break is how a crafted value adds a `Bcc:` of its own, and quotes, commas or angle
brackets are how one value becomes two recipients. Internationalised domains are not accepted
in Unicode: the agencies and hospitals use ASCII domains, and an IDN can be written in its
ASCII (`xn--`) form, which the rule accepts.
"""

from __future__ import annotations

import re
from email.utils import formataddr, parseaddr

MAX_ADDRESS = 254  # RFC 5321: a path is at most 256 octets including the angle brackets
MAX_LOCAL = 64
MAX_LABEL = 63

# dot-atom with a conservative alphabet: letters, digits and _ % + - ' = between single dots
_LOCAL = re.compile(r"[a-z0-9_%+'=-]+(?:\.[a-z0-9_%+'=-]+)*")
# a label of letters, digits and hyphens, neither first nor last a hyphen
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
# the last label: letters only, or an IDN in ASCII form (xn--…)
_TOP = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class HeaderRefused(ValueError):
    """A value that may not go into a header (line break, control character, bad address)."""


class InvalidAddress(HeaderRefused):
    """A text that is not an address under the one rule (`parse_address`)."""


def _shown(value: str) -> str:
    """The value as an error message quotes it: repr, cut when huge (a 900 KB field)."""
    return repr(value) if len(value) <= 80 else repr(value[:60]) + f"… ({len(value)} characters)"


def _problem(address: str) -> str | None:
    """Why the (stripped) text is not an address, or None when it is one."""
    if not address:
        return "it is empty"
    if len(address) > MAX_ADDRESS:
        return f"it is longer than {MAX_ADDRESS} characters"
    if not address.isascii():
        return "it holds a character outside ASCII (write a domain in its xn-- form)"
    if _CONTROL.search(address):
        return "it holds a line break or control character refused in any mail header"
    if address.count("@") != 1:
        return "it needs exactly one @"
    local, domain = address.lower().split("@")
    if len(local) > MAX_LOCAL:
        return f"the part before @ is longer than {MAX_LOCAL} characters"
    if not _LOCAL.fullmatch(local):
        return (
            "the part before @ may hold only letters, digits and . _ % + - ' = "
            "(no space, quote, comma, semicolon or bracket; no dot first, last or doubled)"
        )
    labels = domain.split(".")
    if len(labels) < 2:
        return "the domain needs a dot (e.g. example.org)"
    for label in labels:
        if len(label) > MAX_LABEL or not _LABEL.fullmatch(label):
            return (
                f"the domain label {label!r} is not letters, digits and inner hyphens "
                f"(at most {MAX_LABEL})"
            )
    if not _TOP.fullmatch(labels[-1]):
        return f"the domain ends with {labels[-1]!r}, not a top-level domain"
    return None


def parse_address(text: str, what: str = "e-mail address") -> str:
    """The address in `text`, lower-cased, or `InvalidAddress` naming the value and why.

    Only surrounding spaces are forgiven; every other deviation is refused (see the module)."""
    address = text.strip(" ")
    problem = _problem(address)
    if problem is not None:
        raise InvalidAddress(f"{what} {_shown(text)} refused: {problem}")
    return address.lower()


def is_address(text: str) -> bool:
    """Whether `parse_address` accepts `text`."""
    return _problem(text.strip(" ")) is None


def check_header(name: str, value: str) -> str:
    """`value` unchanged, or `HeaderRefused` if it holds CR, LF or another control character."""
    if _CONTROL.search(value):
        raise HeaderRefused(f"{name}: line break or control character refused in {_shown(value)}")
    return value


def check_mailbox(value: str, what: str = "address") -> tuple[str, str]:
    """`Name <addr>` or `addr`: (display name, checked address)."""
    check_header(what, value)
    name, address = parseaddr(value)
    text = value.strip()
    if not address or (text != address and not text.endswith(f"<{address}>")):
        raise InvalidAddress(f"{what} {_shown(value)} refused: not `Name <address>` or `address`")
    return name, parse_address(address, what)


def format_mailbox(value: str, what: str = "address") -> str:
    """The checked mailbox written back as a header value (name encoded when not ASCII)."""
    name, address = check_mailbox(value, what)
    return formataddr((name, address)) if name else address


def address_list(text: str | None, what: str) -> list[str]:
    """A comma-separated list of bare addresses (e.g. `GHTFLOW_MAIL_CC`), each checked."""
    if not text:
        return []
    return [parse_address(part.strip(), what) for part in text.split(",") if part.strip()]


def domain_of(mailbox: str) -> str:
    """The domain of a `Name <addr>` or `addr`, to name Message-IDs."""
    return check_mailbox(mailbox, "sender")[1].rsplit("@", 1)[1]
