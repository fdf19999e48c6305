"""The one e-mail address rule (`notifications.addresses.parse_address`) as use cases apply it:
a refused address or header value is an `InvalidInput` naming the value, printed as one line by
the CLI and answered 422 by the web, like any other bad input. `refused_as_input` is the one
place where the mail layer's `HeaderRefused` becomes that refusal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from notifications.addresses import HeaderRefused, address_list, check_mailbox, parse_address
from services.errors import InvalidInput
from settings import Settings


@contextmanager
def refused_as_input() -> Iterator[None]:
    """Inside the block, a value the mail rules refuse (`HeaderRefused`, including
    `InvalidAddress`) is an `InvalidInput` with the same message."""
    try:
        yield
    except HeaderRefused as exc:
        raise InvalidInput(str(exc)) from None


def email_address(text: str, what: str = "e-mail address") -> str:
    """The address lower-cased, or `InvalidInput` saying which value and why."""
    with refused_as_input():
        return parse_address(text, what)


def sender_of(settings: Settings) -> str:
    """`GHTFLOW_MAIL_FROM` (`Name <address>` or `address`), checked."""
    with refused_as_input():
        check_mailbox(settings.mail_from, "GHTFLOW_MAIL_FROM")
    return settings.mail_from


def copy_override(settings: Settings) -> list[str]:
    """`GHTFLOW_MAIL_CC`'s addresses, checked: when set, they replace the region's direction
    address in copy (empty when not set)."""
    with refused_as_input():
        return address_list(settings.mail_cc, "GHTFLOW_MAIL_CC")
