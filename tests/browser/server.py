"""The dashboard as people meet it: a work directory with the Occitanie scenario, served by the
real `ghtflow serve` in a subprocess on a free loopback port (shared by the browser tests and
the screenshot script)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlmodel import select

from models import Person
from notifications.sink import free_port
from services.accounts.people import demo_password_hash
from services.scenario.load import load_scenario
from services.schema import upgrade_database
from services.workspace import open_workspace
from settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "occitanie-2017.yaml"
SECOND_REGION = ROOT / "scenarios" / "guyane-2018.yaml"  # another region, another procedure
GHTFLOW = Path(sys.executable).parent / "ghtflow"
CHROMIUM = os.environ.get("GHTFLOW_CHROMIUM", "/usr/bin/chromium")
DEMO_PASSWORD = "ghtflow-demo"
OFFICER = "instructeur@ars-occitanie.example.org"
# Variables that would point the server somewhere else than the prepared work directory.
_FOREIGN = (
    "GHTFLOW_DATABASE_URL",
    "GHTFLOW_FILES_DIR",
    "GHTFLOW_WORKFLOWS_DIR",
    "GHTFLOW_PROCEDURES",
    "GHTFLOW_HOME",
)


def director(ght_code: str) -> str:
    return f"direction@{ght_code.lower()}.example.org"


def prepare_home(home: Path, database_url: str | None = None) -> Settings:
    """Migrate, load the scenario, and make sure the people the tests sign in as have the demo
    password (`load --demo` sets it for everyone; this covers a loader that does not)."""
    home.mkdir(parents=True, exist_ok=True)
    settings = Settings(home=home, database_url=database_url)
    ws = open_workspace(settings, create=True)  # migrated just below
    try:
        upgrade_database(ws.db)
        load_scenario(ws, SCENARIO, demo=True)
        load_scenario(ws, SECOND_REGION, demo=True)
        with ws.db.transaction() as session:  # as `load --demo` does: nobody may choose it
            for person in session.exec(select(Person)).all():
                signs_in = person.email == OFFICER or person.email.startswith("direction@occ-")
                if person.password_hash is None and signs_in:
                    person.password_hash = demo_password_hash(DEMO_PASSWORD)
                    session.add(person)
    finally:
        ws.close()
    return settings


def _env(home: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _FOREIGN}
    env["GHTFLOW_HOME"] = str(home)
    if database_url:
        env["GHTFLOW_DATABASE_URL"] = database_url
    return env


@contextmanager
def serving(home: Path, database_url: str | None = None, *, timeout: float = 30.0) -> Iterator[str]:
    """Run `ghtflow serve` on a free loopback port until the block ends; yields the base URL.

    The server's output goes to `home/serve.log`, quoted in the error when it does not start.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = home / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(GHTFLOW), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=_env(home, database_url),
            cwd=home,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(process, base, timeout, log_path)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(process: subprocess.Popen[bytes], base: str, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"ghtflow serve exited with {process.returncode}:\n{log.read_text()[-3000:]}"
            )
        try:
            if httpx.get(f"{base}/connexion", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"ghtflow serve did not answer within {timeout:.0f} s:\n{log.read_text()}")


def pdf_file(path: Path, text: str) -> Path:
    """A small, valid one-page PDF showing `text` (what a director would upload)."""
    safe = text.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 14 Tf 72 760 Td ({safe}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return path
