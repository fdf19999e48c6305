"""Signing in and out (every field bounded before anything is read from the database)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from services.accounts.credentials import TooManyAttempts, authenticate
from services.errors import InvalidInput, PermissionDenied
from services.limits import EMAIL_MAX, PASSWORD_MAX
from web.forms import SUITE_MAX
from web.pages.common import checked_form, workspace
from web.rendering import page
from web.security import NotSignedIn, current_account, flash, sign_in, sign_out

router = APIRouter()

WRONG = "Adresse e-mail ou mot de passe incorrect."
TOO_MANY = "Trop de tentatives de connexion échouées : réessayez dans 15 minutes."
TOO_LONG = (
    f"Adresse e-mail ({EMAIL_MAX} caractères au plus) ou mot de passe ({PASSWORD_MAX} au plus) "
    "trop long : rien n'est enregistré."
)


def _next_page(value: object) -> str:
    """Where to go after signing in: a path of this site only (never another site)."""
    if (
        isinstance(value, str)
        and len(value) <= SUITE_MAX  # a longer one is ignored
        and value.startswith("/")
        and not value.startswith("//")
    ):
        return value
    return "/"


@router.get("/connexion")
async def sign_in_page(request: Request, suite: str = "/") -> Response:
    try:
        await run_in_threadpool(current_account, request)
        return RedirectResponse(_next_page(suite), status_code=303)
    except NotSignedIn:
        pass
    return page(request, "connexion.html", {"suite": _next_page(suite), "email": ""})


@router.post("/connexion")
async def sign_in_post(request: Request) -> Response:
    try:
        form = await checked_form(request)
    except InvalidInput as exc:  # a field over its length: nothing read, nothing counted
        context = {"suite": "/", "email": ""}
        return page(request, "connexion.html", context, status_code=422, error=str(exc))
    email = str(form.get("email") or "")
    password = str(form.get("password") or "")
    suite = _next_page(form.get("suite"))
    client = request.client.host if request.client else None
    try:
        account = await run_in_threadpool(
            authenticate, workspace(request), email, password, client=client
        )
    except InvalidInput:  # too long: refused before any counter or lookup, never echoed
        context = {"suite": suite, "email": ""}
        return page(request, "connexion.html", context, status_code=422, error=TOO_LONG)
    except TooManyAttempts:
        context = {"suite": suite, "email": email}
        return page(request, "connexion.html", context, status_code=429, error=TOO_MANY)
    except PermissionDenied:
        context = {"suite": suite, "email": email}
        return page(request, "connexion.html", context, status_code=401, error=WRONG)
    sign_in(request, account)
    return RedirectResponse(suite, status_code=303)


@router.post("/deconnexion")
async def sign_out_post(request: Request) -> Response:
    await checked_form(request)
    await run_in_threadpool(sign_out, request)
    flash(request, "Vous êtes déconnecté(e).")
    return RedirectResponse("/connexion", status_code=303)
