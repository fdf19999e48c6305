"""Two (here eight) people firing on one document at once: exactly one wins."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from models import Document
from services.audit.chain import verify_chain
from services.errors import Conflict
from services.lifecycle.fire import fire
from states.errors import IllegalTransition
from tests.integration.helpers import director, document_id

WORKERS = 8


def _race(ws, doc: int, expected_version: int | None) -> list[object]:
    barrier = threading.Barrier(WORKERS)

    def attempt(_: int) -> object:
        barrier.wait()
        try:
            return fire(
                ws,
                doc,
                "sign",
                director("OCC-03"),
                as_of=date(2017, 11, 6),
                expected_version=expected_version,
            )
        except (Conflict, IllegalTransition) as exc:
            return exc

    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(attempt, range(WORKERS)))


@pytest.mark.parametrize("with_expected_version", [True, False])
def test_eight_parallel_fires_one_wins(occitanie, with_expected_version):
    ws = occitanie
    doc = document_id(ws, "OCC-03", "chu_convention")
    with ws.db.reading() as session:
        version = session.get(Document, doc).version_id
    results = _race(ws, doc, version if with_expected_version else None)
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1
    assert len(losers) == WORKERS - 1
    if with_expected_version:
        assert all(isinstance(e, Conflict) for e in losers)
        assert all(f"document {doc} (chu_convention, OCC-03)" in str(e) for e in losers)
    with ws.db.reading() as session:
        stored = session.get(Document, doc)
    assert (stored.state, stored.version_id) == ("signed", version + 1)
    report = verify_chain(ws)
    assert report.intact and report.events == 40
