"""The one e-mail address rule (`notifications.addresses.parse_address`) as use cases apply it:
a refused address is an `InvalidInput` naming the value, printed as one line by the CLI and
answered 422 by the API, like any other bad input."""

from __future__ import annotations

from notifications.addresses import InvalidAddress, parse_address
from services.errors import InvalidInput


def email_address(text: str, what: str = "e-mail address") -> str:
    """The address lower-cased, or `InvalidInput` saying which value and why."""
    try:
        return parse_address(text, what)
    except InvalidAddress as exc:
        raise InvalidInput(str(exc)) from None
