"""The web dashboard (FastAPI + Jinja2, server-rendered, in French) and its JSON API."""
