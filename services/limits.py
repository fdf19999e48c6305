"""How long a text may be, wherever it comes in (web forms, the JSON API, the CLI, services).

Every text a person types is bounded before anything is stored, so that an anonymous visitor
or a GHT account cannot fill the database with megabytes per request. The web layer and the
API declare the same numbers (pydantic `max_length`, form checks) and refuse with 422; the
CLI refuses with exit 1, because the services raise `InvalidInput` through `check_length`.

The numbers are documented in the README; the database columns are at least as wide.
"""

from __future__ import annotations

from collections.abc import Iterable

from notifications.addresses import MAX_ADDRESS
from services.errors import InvalidInput

EMAIL_MAX = MAX_ADDRESS  # the address rule's own bound (RFC 5321: what a mail relay accepts)
NAME_MAX = 200  # a person's or a region's name (Person.name is 200 wide)
PASSWORD_MAX = 1024  # argon2 hashes any length; a megabyte password only costs the server
NOTE_MAX = 4000  # the free text kept with an event (a conformity request's note)
LABEL_MAX = 500  # a conformity motive's label (ConformityMotive.label is 500 wide)
KEY_MAX = 60  # a motive key, an event name, a state name…
MOTIVES_MAX = 20  # motives of one conformity request
# The largest id a row can have: ids are INTEGER columns, 32 bits on PostgreSQL (SQLite's are
# wider, but its ids count up from 1 in the same way). A larger number names no row; sent to
# the database it fails (SQLite: OverflowError; PostgreSQL: "integer out of range"), so the
# edges answer "does not exist" without asking the database.
ID_MAX = 2**31 - 1


def check_length(value: str | None, what: str, limit: int) -> None:
    """Refuse a text longer than `limit` characters, naming the field (never echoing it)."""
    if value is not None and len(value) > limit:
        raise InvalidInput(f"{what} is too long: {len(value)} characters, at most {limit}")


def check_all(values: Iterable[str], what: str, limit: int, count: int) -> None:
    """Refuse more than `count` values or any value longer than `limit` characters."""
    items = list(values)
    if len(items) > count:
        raise InvalidInput(f"too many {what}: {len(items)}, at most {count}")
    for item in items:
        check_length(item, what[:-1] if what.endswith("s") else what, limit)
