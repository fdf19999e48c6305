"""Sessions and CSRF for the web pages.

The session is Starlette's signed cookie `ghtflow_session` (HttpOnly, SameSite=Lax, signed
with `GHTFLOW_SECRET_KEY`): it holds the signed-in person's id, a CSRF token and the next
flash message, nothing else. The CSRF token is per session, put in a hidden field of every
form and compared on every POST (a missing or wrong one answers 403 before anything is read
or changed). Signing in starts a new session (and a new token), so a token or a session id
seen before signing in is worth nothing afterwards.

The cookie also holds the person's session generation at sign-in, compared with the database
on every request: signing out, changing the password (`ghtflow users passwd`) and removing the
person (`ghtflow users remove`) move the generation on, so that every session of that person
ends at once, including a cookie copied before (a signed cookie alone cannot be taken back).
"""

from __future__ import annotations

import secrets

from fastapi import Request
from starlette.datastructures import FormData

from services.accounts.credentials import Account, account_by_id, end_sessions
from services.adapters.keys import home_secret
from services.workspace import Workspace
from settings import Settings

SESSION_COOKIE = "ghtflow_session"
SESSION_MAX_AGE = 12 * 3600  # a working day; then sign in again
CSRF_FIELD = "csrf_token"
_PERSON, _GENERATION, _CSRF, _FLASH = "person", "generation", "csrf", "flash"


class NotSignedIn(Exception):
    """The page needs a signed-in person: the visitor is sent to the sign-in page."""


class CsrfRefused(Exception):
    """A form came without this session's CSRF token."""


def session_secret(settings: Settings) -> str:
    """`GHTFLOW_SECRET_KEY`, or a random key created once in HOME/secret_key (mode 0600), so
    that sessions survive a restart without any set-up."""
    return home_secret(settings.home, "secret_key", settings.secret_key, "GHTFLOW_SECRET_KEY")


def csrf_token(request: Request) -> str:
    """This session's CSRF token (created on first use)."""
    token = request.session.get(_CSRF)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[_CSRF] = token
    return token


def check_csrf(request: Request, form: FormData) -> None:
    expected = request.session.get(_CSRF)
    given = form.get(CSRF_FIELD)
    if not isinstance(expected, str) or not isinstance(given, str) or not given:
        raise CsrfRefused
    if not secrets.compare_digest(expected.encode(), given.encode()):
        raise CsrfRefused


def sign_in(request: Request, account: Account) -> None:
    request.session.clear()
    request.session[_PERSON] = account.id
    request.session[_GENERATION] = account.generation
    csrf_token(request)


def sign_out(request: Request) -> None:
    """End this session and every other session of the same person (a database write)."""
    person_id = request.session.get(_PERSON)
    request.session.clear()
    if isinstance(person_id, int):
        ws: Workspace = request.app.state.ws
        end_sessions(ws, person_id)


def current_account(request: Request) -> Account:
    """The signed-in person, or `NotSignedIn` (also when that person was removed, signed out
    elsewhere or changed password since this session began)."""
    person_id = request.session.get(_PERSON)
    generation = request.session.get(_GENERATION)
    if not isinstance(person_id, int) or not isinstance(generation, int):
        request.session.pop(_PERSON, None)
        raise NotSignedIn
    ws: Workspace = request.app.state.ws
    account = account_by_id(ws, person_id, generation)
    if account is None:
        request.session.clear()
        raise NotSignedIn
    return account


def flash(request: Request, message: str) -> None:
    """A one-line message shown once, on the next page (after a redirect)."""
    request.session[_FLASH] = message


def take_flash(request: Request) -> str | None:
    message = request.session.pop(_FLASH, None)
    return message if isinstance(message, str) else None
