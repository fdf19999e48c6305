"""`ghtflow serve` really serves the dashboard: a real uvicorn on a free loopback port, a real
HTTP client, the demo password; and the session secret is created once in the work directory."""

from __future__ import annotations

import re
import socket
import stat
import subprocess
import time
from pathlib import Path

import httpx

from tests.e2e.runner import GHTFLOW, OFFICER, env_for, ghtflow, usage_error


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_pages_and_keeps_its_secret_private(loaded_home: Path):
    port = _free_port()
    server = subprocess.Popen(
        [str(GHTFLOW), "serve", "--port", str(port)],
        env=env_for(loaded_home),
        cwd=loaded_home,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, follow_redirects=False, timeout=10) as client:
            for _ in range(100):
                try:
                    page = client.get("/connexion")
                    break
                except httpx.ConnectError:
                    time.sleep(0.1)
            else:
                raise AssertionError("the dashboard did not start")
            assert page.status_code == 200 and "Se connecter" in page.text
            assert client.get("/static/style.css").status_code == 200
            (token,) = re.findall(r'name="csrf_token" value="([^"]+)"', page.text)
            signed = client.post(
                "/connexion",
                data={"email": OFFICER, "password": "ghtflow-demo", "csrf_token": token},
            )
            assert signed.status_code == 303
            assert "Vue régionale" in client.get("/?au=2017-10-13").text
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=10)
    assert f"ghtflow dashboard on http://127.0.0.1:{port}/" in out
    assert "Traceback" not in out
    secret = loaded_home / "secret_key"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600


def test_serve_refuses_a_bad_port(tmp_path: Path):
    assert "Invalid value" in usage_error(ghtflow(tmp_path, "serve", "--port", "0"))
