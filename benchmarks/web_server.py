"""The application the web benchmark serves: `web.app.create_app()` exactly as `ghtflow serve`
builds it, plus a `StaticFiles` mount at `/bench-static` holding byte-for-byte copies of the
measured pages. The baseline is thus served by the same process, framework, middleware stack
and uvicorn as the pages, and only the page's own work (queries, template) differs.

Run by `bench_web` as `uvicorn --factory benchmarks.web_server:create_bench_app`; the folder
of the copies comes from `GHTFLOW_BENCH_STATIC`.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC_PREFIX = "/bench-static"


def create_bench_app() -> FastAPI:
    from web.app import create_app

    app = create_app()
    folder = Path(os.environ["GHTFLOW_BENCH_STATIC"])
    app.mount(STATIC_PREFIX, StaticFiles(directory=folder), name="bench-static")
    return app
