"""`ghtflow deploy` on a real `prefect server` (loopback, its own PREFECT_HOME): both
deployments are registered and the server's scheduler really creates their runs, at 06:00
Europe/Paris for the sweep and five minutes apart for delivery. A library mismatch that stops
the scheduler silently (SQLAlchemy 2.1) fails here."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from notifications.sink import free_port

BIN = Path(sys.executable).parent
PARIS = ZoneInfo("Europe/Paris")


def _server_env(home: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GHTFLOW_"))}
    return keep | {
        "PREFECT_HOME": str(home / "prefect"),
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "GHTFLOW_HOME": str(home),
    }


@pytest.fixture
def prefect_server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    port = free_port()
    env = _server_env(tmp_path)
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "prefect server did not become healthy"
            time.sleep(0.5)
        yield api, env | {"PREFECT_API_URL": api}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def _scheduled_runs(api: str, deployment_id: str) -> list[dict[str, Any]]:
    body = {
        "deployments": {"id": {"any_": [deployment_id]}},
        "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
        "sort": "EXPECTED_START_TIME_ASC",
    }
    response = httpx.post(f"{api}/flow_runs/filter", json=body, timeout=10)
    response.raise_for_status()
    return list(response.json())


def test_deploy_registers_both_schedules_and_the_server_schedules_runs(prefect_server, tmp_path):
    api, env = prefect_server
    done = subprocess.run(
        [str(BIN / "ghtflow"), "deploy", "--pool", "ghtflow-test"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    deployments = httpx.post(f"{api}/deployments/filter", json={}, timeout=10).json()
    by_name = {d["name"]: d for d in deployments}
    assert set(by_name) == {"daily", "every-5-minutes"}
    assert all(d["work_pool_name"] == "ghtflow-test" for d in deployments)
    sweep, delivery = by_name["daily"], by_name["every-5-minutes"]
    assert sweep["entrypoint"] == "flows/deadline_sweep.py:deadline_sweep"
    cron = sweep["schedules"][0]["schedule"]
    assert (cron["cron"], cron["timezone"]) == ("0 6 * * *", "Europe/Paris")

    deadline = time.monotonic() + 60
    while True:
        sweep_runs = _scheduled_runs(api, sweep["id"])
        delivery_runs = _scheduled_runs(api, delivery["id"])
        if sweep_runs and len(delivery_runs) >= 2:
            break
        assert time.monotonic() < deadline, "the server's scheduler created no runs"
        time.sleep(1)
    for run in sweep_runs:
        start = datetime.fromisoformat(run["expected_start_time"]).astimezone(PARIS)
        assert (start.hour, start.minute) == (6, 0)
    first, second = (datetime.fromisoformat(r["expected_start_time"]) for r in delivery_runs[:2])
    assert (second - first).total_seconds() == 300

    again = subprocess.run(
        [str(BIN / "ghtflow"), "deploy", "--pool", "ghtflow-test"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(httpx.post(f"{api}/deployments/filter", json={}, timeout=10).json()) == 2


def test_deploy_without_a_server_is_a_one_line_error(tmp_path):
    env = _server_env(tmp_path)
    done = subprocess.run(
        [str(BIN / "ghtflow"), "deploy"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip() == (
        "error: PREFECT_API_URL is not set: name the Prefect server to register on"
    )
