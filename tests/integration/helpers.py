"""Small helpers shared by the integration tests."""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from models import Document, Ght
from services.mail.outbox import list_messages
from tests.smtp_sink import RecordingHandler

ROOT = Path(__file__).resolve().parents[2]
# `ghtflow ARGS` in a subprocess, on this checkout's code (PYTHONPATH is set by `cli_env`)
GHTFLOW_CLI = [sys.executable, "-c", "from cli.app import main; main()"]
OFFICER = "instructeur@ars-occitanie.example.org"


def director(code: str) -> str:
    return f"direction@{code.lower()}.example.org"


def document_id(ws, ght: str, doc_type: str) -> int:
    with ws.db.reading() as session:
        return int(
            session.exec(
                select(Document.id)
                .join(Ght, col(Ght.id) == col(Document.ght_id))
                .where(Ght.code == ght, Document.doc_type == doc_type)
            ).one()
        )


def a_file(tmp_path: Path, name: str = "pmsp.pdf", content: bytes = b"%PDF-1.4 demo") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def cli_env(ws: Any, home: Path, **settings: str) -> dict[str, str]:
    """The environment of a `ghtflow` subprocess on the test's database and work directory
    (the test's audit key file included); `settings` are extra GHTFLOW_* values."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GHTFLOW_")}
    return env | {
        "GHTFLOW_HOME": str(home),
        "GHTFLOW_DATABASE_URL": ws.settings.effective_database_url,
        "PYTHONPATH": str(ROOT),
        **{f"GHTFLOW_{name.upper()}": value for name, value in settings.items()},
    }


def reconcile(ws: Any, handler: RecordingHandler, max_repeated: int = 0) -> dict[str, int]:
    """Every address the outbox says is delivered arrived at the sink, every other never; each
    exactly once, counted by (Message-ID, recipient), except at most `max_repeated` messages
    (the one a killed sender had on the wire) that arrived twice with the same bytes, hence
    the same Message-ID. Returns the number of messages in each state."""
    arrived = handler.deliveries()
    states: dict[str, int] = {}
    expected: set[tuple[str, str]] = set()
    for message in list_messages(ws):
        states[message["state"]] = states.get(message["state"], 0) + 1
        for address, entry in (message["recipients"] or {}).items():
            if entry["state"] == "delivered":
                expected.add((message["message_id"], address))
    assert set(arrived) == expected
    repeated = {key: n for key, n in arrived.items() if n > 1}
    assert all(n == 2 for n in repeated.values()), repeated
    assert len({message_id for message_id, _ in repeated}) <= max_repeated, repeated
    copies: dict[str, set[bytes]] = defaultdict(set)
    for received in handler.received:
        copies[str(received.message["Message-ID"])].add(received.data)
    assert all(len(copies[message_id]) == 1 for message_id, _ in repeated)
    return states


def flow_overrides(ws: Any, **extra: Any) -> dict[str, Any]:
    """The settings a flow run takes to work on this test's database (and e.g. its SMTP sink)."""
    return {
        "home": str(ws.settings.home),
        "database_url": ws.settings.effective_database_url,
        **extra,
    }


def latest_artifact(key: str) -> Any:
    """The newest Prefect artifact with this key (the harness is shared by the session's flow
    tests: the calling test's run is the last one)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            sort=ArtifactSort.CREATED_DESC,
            limit=1,
        )
    return found[0] if found else None
