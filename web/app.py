"""The web dashboard: `create_app(settings)` builds the FastAPI application.

Pages are server-rendered in French (Jinja2 templates in `web/templates/`, a style sheet in
`web/static/`, no script needed). Every page and action reaches the database through
`services/` with the same rules as the CLI: actions call `services.lifecycle.fire.fire`, and its
refusals are shown with the CLI's one-line message. The JSON API and the calendar feed
(`web/api.py`) are included as a router.

Every answer carries security headers (`SecurityHeaders`): a Content-Security-Policy that
allows nothing but this site's own style sheet and images (no script, no inline style, no
framing, no form posted elsewhere), `X-Content-Type-Options: nosniff`, `Referrer-Policy:
same-origin`, `X-Frame-Options: DENY`, and `Cache-Control: no-store` on everything but the
static files (pages, API answers and downloads hold a GHT's data: no cache keeps a copy).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.workspace import open_workspace
from settings import Settings
from states.errors import Refusal
from web import api, pages
from web.refusals import refusal_status
from web.rendering import STATIC_DIR, page
from web.security import SESSION_COOKIE, SESSION_MAX_AGE, CsrfRefused, NotSignedIn, session_secret
from web.uploads import FORM_OVERHEAD, BodyLimit

CSRF_MESSAGE = (
    "Formulaire refusé : le jeton de sécurité (CSRF) est absent ou invalide. "
    "Rechargez la page et recommencez."
)
MACHINE_PATHS = ("/api", "/calendar")  # answered in JSON or iCalendar, never with an HTML page
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
_CACHEABLE = "/static/"  # the style sheet only: the same for everybody


class SecurityHeaders:
    """Adds `SECURITY_HEADERS` to every answer, and `Cache-Control: no-store` unless the
    route chose its own (the calendar feed) or the path is a static file (pure ASGI, so that
    file downloads still stream)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = str(scope.get("path", "")).startswith(_CACHEABLE)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if not cacheable and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application on the workspace of `settings` (opened once, closed at shutdown)."""
    ws = open_workspace(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        ws.close()

    app = FastAPI(
        title="ghtflow",
        description="Documents owed by the GHTs to their regional health agency (ARS).",
        lifespan=lifespan,
        # FastAPI's /docs and /redoc pages load their scripts from a CDN; no external asset is
        # served here, so only the machine-readable /openapi.json is published.
        docs_url=None,
        redoc_url=None,
    )
    app.state.ws = ws
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(ws.settings),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=ws.settings.secure_cookies,  # GHTFLOW_SECURE_COOKIES=1 behind TLS
    )
    app.add_middleware(BodyLimit, max_bytes=ws.settings.max_file_bytes + FORM_OVERHEAD)
    app.add_middleware(SecurityHeaders)  # outermost: on every answer, refusals included
    if ws.settings.trusted_proxies:  # behind a reverse proxy: the client is the one it names
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        trusted = [h.strip() for h in ws.settings.trusted_proxies.split(",") if h.strip()]
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=trusted)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in pages.ROUTERS:
        app.include_router(router)
    app.include_router(api.router)  # the JSON API and the calendar feed (web/api.py)
    _handle_refusals(app)
    return app


def _machine(request: Request) -> bool:
    return request.url.path.startswith(MACHINE_PATHS)


def _handle_refusals(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def _sign_in_first(request: Request, _exc: NotSignedIn) -> Response:
        target = request.url.path
        if request.method == "GET" and request.url.query:
            target += "?" + request.url.query
        suite = "" if target == "/" else "?suite=" + quote(target, safe="")
        return RedirectResponse("/connexion" + suite, status_code=303)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, _exc: CsrfRefused) -> Response:
        return page(request, "error.html", {"title": "Accès refusé"}, status_code=403,
                    error=CSRF_MESSAGE)  # fmt: skip

    @app.exception_handler(Refusal)
    async def _refused(request: Request, exc: Refusal) -> Response:
        status = refusal_status(exc)
        if _machine(request):
            return JSONResponse({"detail": str(exc)}, status_code=status)
        title = {404: "Page introuvable", 403: "Accès refusé"}.get(status, "Action refusée")
        return page(request, "error.html", {"title": title}, status_code=status, error=str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        """An id in the address that no row can have (`web.ids.RowId`) is an absent page, not
        a bad request: 404 like any other, on the pages and the API alike."""
        if any(error.get("loc", ())[:1] == ("path",) for error in exc.errors()):
            return await _http(request, StarletteHTTPException(404, "Not Found"))
        return await request_validation_exception_handler(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if _machine(request) or exc.status_code not in {404, 405}:
            return await http_exception_handler(request, exc)
        title = "Page introuvable" if exc.status_code == 404 else "Action refusée"
        message = (
            "Cette page n'existe pas."
            if exc.status_code == 404
            else "Cette adresse ne s'utilise pas ainsi."
        )
        return page(request, "error.html", {"title": title}, status_code=exc.status_code,
                    error=message)  # fmt: skip
