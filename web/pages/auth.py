"""Signing in and out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from services.accounts import TooManyAttempts, authenticate
from services.errors import PermissionDenied
from web.pages.common import checked_form, workspace
from web.rendering import page
from web.security import NotSignedIn, current_account, flash, sign_in, sign_out

router = APIRouter()

WRONG = "Adresse e-mail ou mot de passe incorrect."
TOO_MANY = (
    "Trop de tentatives de connexion échouées pour cette adresse : réessayez dans 15 minutes."
)


def _next_page(value: object) -> str:
    """Where to go after signing in: a path of this site only (never another site)."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//"):
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
    form = await checked_form(request)
    email = str(form.get("email") or "")
    password = str(form.get("password") or "")
    suite = _next_page(form.get("suite"))
    try:
        account = await run_in_threadpool(authenticate, workspace(request), email, password)
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
    sign_out(request)
    flash(request, "Vous êtes déconnecté(e).")
    return RedirectResponse("/connexion", status_code=303)
