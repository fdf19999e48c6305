"""`web_*`: the dashboard over national-size data (135 GHTs, 4,000 establishments, 2,000
documents with their histories), served by uvicorn in a subprocess on loopback, signed in as
an agency case officer.

Figures, each against a static copy of the same page (same bytes) served by the same
application in the same run (`benchmarks/web_server.py` mounts the copies with `StaticFiles`):
- server time per page: median wall time of one request over a kept-alive connection, for the
  regional overview (`/`) and a GHT page (`/ght/CODE`);
- requests per second with 20 concurrent clients (20 `httpx.AsyncClient`s, each its own
  connection and the session cookie), for the same two pages.

The client runs in this process on the same machine, so under load it competes with the
server for the CPU; the static baseline bears the same cost and shows the ceiling.
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from benchmarks.data import migrate, sqlite_url
from benchmarks.report import Figure
from benchmarks.web_data import NationalData, fill_national
from benchmarks.web_server import STATIC_PREFIX
from notifications.sink import free_port
from services.audit.chain import configured_key
from settings import Settings

CLIENTS = 20
PAGE_TARGET = "under 100 ms"
LOAD_TARGET = "≥ 20/s"  # a region's whole staff clicking at once
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
_FOREIGN = (
    "GHTFLOW_DATABASE_URL",
    "GHTFLOW_FILES_DIR",
    "GHTFLOW_WORKFLOWS_DIR",
    "GHTFLOW_PROCEDURES",
)


@contextmanager
def _server(home: Path, static: Path) -> Iterator[str]:
    """uvicorn on a free loopback port, one process (as `ghtflow serve`), no access log."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in _FOREIGN}
    env |= {"GHTFLOW_HOME": str(home), "GHTFLOW_BENCH_STATIC": str(static)}
    root = Path(__file__).resolve().parent.parent
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    log = (home / "uvicorn.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "benchmarks.web_server:create_bench_app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env=env, cwd=home, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"uvicorn exited: {(home / 'uvicorn.log').read_text()[-2000:]}")
            try:
                httpx.get(f"{base}/connexion", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError("uvicorn did not answer within 60 s") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def sign_in(client: httpx.Client, email: str, password: str) -> None:
    """Through the sign-in form, as a browser does (CSRF token read from the form)."""
    form = client.get("/connexion")
    form.raise_for_status()
    found = _CSRF.search(form.text)
    if found is None:
        raise RuntimeError("no csrf_token field in the sign-in form")
    token = found.group(1) or found.group(2)
    answer = client.post(
        "/connexion", data={"email": email, "password": password, "csrf_token": token}
    )
    if answer.status_code >= 400 or "ghtflow_session" not in client.cookies:
        raise RuntimeError(f"sign-in refused ({answer.status_code}): {answer.text[:300]}")


def _median_ms(client: httpx.Client, path: str, seconds: float) -> tuple[float, float, int]:
    """Median and 95th percentile, in ms, of sequential requests for about `seconds` (at least
    5, at most 500, after 3 warm-ups); and how many were timed."""
    for _ in range(3):
        client.get(path).raise_for_status()
    times: list[float] = []
    deadline = time.perf_counter() + seconds
    while len(times) < 5 or (time.perf_counter() < deadline and len(times) < 500):
        begin = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - begin) * 1000)
        response.raise_for_status()
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))], len(times)


async def _load(base: str, cookies: httpx.Cookies, path: str, seconds: float) -> tuple[float, int]:
    """Requests per second of CLIENTS concurrent clients, each sending its next request as soon
    as the previous one is answered, for about `seconds` from the moment all are connected
    and warmed up; and how many were answered (those in flight at the end count, and so does
    the time they take)."""
    state = {"ready": 0, "done": 0, "begin": 0.0, "deadline": 0.0}
    start = asyncio.Event()

    async def one() -> None:
        async with httpx.AsyncClient(base_url=base, cookies=cookies, timeout=300) as client:
            (await client.get(path)).raise_for_status()  # connect and warm up, not counted
            state["ready"] += 1
            if state["ready"] == CLIENTS:
                state["begin"] = time.perf_counter()
                state["deadline"] = state["begin"] + seconds
                start.set()
            await start.wait()
            while time.perf_counter() < state["deadline"]:
                (await client.get(path)).raise_for_status()
                state["done"] += 1

    await asyncio.gather(*(one() for _ in range(CLIENTS)))
    done = int(state["done"])
    return done / (time.perf_counter() - state["begin"]), done


def figures(
    tmp: Path, *, seconds: float, ghts: int = 135, establishments: int = 4000, documents: int = 2000
) -> list[Figure]:
    """The four figures; each measurement lasts about `seconds` (the requests answered in that
    time are counted, so a slow page does not make the run long)."""
    url = sqlite_url(tmp)
    migrate(url)
    begin = time.perf_counter()
    data: NationalData = fill_national(
        url,
        ghts=ghts,
        establishments=establishments,
        documents=documents,
        audit_key=configured_key(Settings(home=tmp)),
    )
    fill_s = time.perf_counter() - begin
    static = tmp / "static"
    static.mkdir()
    ght = data.ght_codes[len(data.ght_codes) // 2]
    pages = {"overview": "/", "ght_page": f"/ght/{ght}"}
    results: list[Figure] = []
    with _server(tmp, static) as base, httpx.Client(base_url=base, timeout=60) as client:
        sign_in(client, data.officer, data.password)
        sizes = {}
        for name, path in pages.items():
            page = client.get(path)
            if page.status_code != 200:
                raise RuntimeError(f"GET {path}: {page.status_code} {page.text[:300]}")
            (static / f"{name}.html").write_bytes(page.content)
            sizes[name] = len(page.content)
        for name, path in pages.items():
            copy = f"{STATIC_PREFIX}/{name}.html"
            ours, ours_p95, runs = _median_ms(client, path, seconds)
            base_ms, base_p95, base_runs = _median_ms(client, copy, seconds)
            note = (
                f"{ghts} GHTs, {establishments} establishments, {documents} documents "
                f"({data.events} events), SQLite; {sizes[name]:,} bytes; median of {runs} "
                f"sequential requests; baseline: same bytes via StaticFiles in the same app"
            )
            figure = Figure(f"web_{name}_ms", ours, base_ms, "ms", False, PAGE_TARGET, note)
            figure.extra |= {"p95_ms": ours_p95, "baseline_p95_ms": base_p95, "requests": runs,
                             "baseline_requests": base_runs, "bytes": sizes[name]}  # fmt: skip
            results.append(figure)
        for name, path in pages.items():
            copy = f"{STATIC_PREFIX}/{name}.html"
            ours, answered = asyncio.run(_load(base, client.cookies, path, seconds))
            base_rps, base_answered = asyncio.run(_load(base, client.cookies, copy, seconds))
            note = (
                f"{CLIENTS} concurrent clients for {seconds:g} s each, one uvicorn process; "
                f"baseline: same bytes via StaticFiles in the same app"
            )
            figure = Figure(
                f"web_{name}_rps_c{CLIENTS}", ours, base_rps, "requests/s", True, LOAD_TARGET, note
            )
            figure.extra |= {"requests": answered, "baseline_requests": base_answered,
                             "bytes": sizes[name]}  # fmt: skip
            results.append(figure)
    results[0].extra["fill_s"] = fill_s
    return results
