"""The dashboard's pages, one module per page family; `ROUTERS` are included by the app."""

from web.pages import auth, campaigns, documents, ghts, outbox, overview

ROUTERS = [
    auth.router,
    overview.router,
    ghts.router,
    documents.router,
    outbox.router,
    campaigns.router,
]
