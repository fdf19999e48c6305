"""`audit_verify_100k_s_<backend>`: `ghtflow audit verify` (services.audit.chain.verify_chain:
chain, HMACs, documents, versions, checkpoints) on 100,000 events, against its baseline in the same
run: reading the same event rows and hashing each with `hmac` alone, nothing checked."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

from benchmarks.data import (
    PostgresUnavailable,
    _document,
    _ghts,
    _ids,
    _insert,
    _region_and_campaign,
    migrate,
    postgres_database,
    sqlite_url,
    table,
)
from benchmarks.report import Figure, skipped
from services.audit.chain import (
    GENESIS,
    AuditKey,
    canonical_json,
    seal,
    verify_chain,
    write_checkpoint,
)
from services.workspace import open_workspace
from settings import Settings

UNIT = "s"
# each document: created, submitted (v1), conformity requested, resubmitted (v2), approved
PATH = [
    ("create", None, "draft", None),
    ("submit", "draft", "submitted", 1),
    ("request_conformity", "submitted", "conformity_requested", None),
    ("resubmit", "conformity_requested", "submitted", 2),
    ("approve", "submitted", "approved", None),
]
START = date(2017, 3, 1)
AT = datetime(2017, 3, 1, 9, 0, tzinfo=UTC)


def fill(url: str, key: AuditKey, events: int) -> None:
    """`events` chained events over events/5 documents of 135 GHTs, with their versions."""
    documents = events // len(PATH)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            region_id, campaign_id = _region_and_campaign(conn)
            ght_ids = _ghts(conn, region_id, 135)
            _insert(
                conn,
                "document",
                [
                    _document(
                        ght_ids[i % 135],
                        "pmsp",
                        campaign_id,
                        f"R{i}",
                        "approved",
                        current_version=2,
                    )
                    for i in range(documents)
                ],
            )
            doc_ids = _ids(conn, "document")
            rows: list[dict[str, Any]] = []
            versions: list[dict[str, Any]] = []
            previous, position = GENESIS, 0
            for step, (name, source, dest, version) in enumerate(PATH):
                for i, doc_id in enumerate(doc_ids):
                    payload: dict[str, Any] = {}
                    day = START + timedelta(days=7 * step)
                    if version is not None:
                        digest = hashlib.sha256(f"{doc_id}-{version}".encode()).hexdigest()
                        payload = {"version": version, "file_sha256": digest, "file_name": "f.pdf"}
                        versions.append(
                            {
                                "document_id": doc_id,
                                "number": version,
                                "file_hash": digest,
                                "file_name": "f.pdf",
                                "size": 1000,
                                "received_on": day,
                                "created_at": AT,
                            }
                        )
                    position += 1
                    row = seal(
                        key,
                        {
                            "chain_seq": position,
                            "document_id": doc_id,
                            "ght_id": ght_ids[i % 135],
                            "seq": step + 1,
                            "name": name,
                            "actor": "instructeur@ars-occitanie.example.org",
                            "at": AT + timedelta(days=7 * step, seconds=i),
                            "as_of": day,
                            "from_state": source,
                            "to_state": dest,
                            "payload": canonical_json(payload),
                            "prev_hash": previous,
                        },
                    )
                    previous = row["hash"]
                    rows.append(row)
            for start in range(0, len(rows), 20_000):
                _insert(conn, "event", rows[start : start + 20_000])
            _insert(conn, "documentversion", versions)
            conn.execute(table("audithead").delete())
            _insert(
                conn,
                "audithead",
                [
                    {
                        "id": 1,
                        "chain_seq": position,
                        "hash": previous,
                        "key_id": key.id,
                        "updated_at": AT,
                    }
                ],
            )
    finally:
        engine.dispose()


def _hmac_alone(url: str, key: AuditKey) -> int:
    """The baseline: the same rows read in chain order, each hashed with hmac, nothing else."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            result = conn.exec_driver_sql(
                "SELECT id, chain_seq, document_id, ght_id, seq, name, actor, at, as_of, "
                "from_state, to_state, payload, prev_hash, hash FROM event ORDER BY chain_seq"
            )
            count = 0
            for row in result:
                hmac.new(key.secret, repr(row).encode(), hashlib.sha256).hexdigest()
                count += 1
        return count
    finally:
        engine.dispose()


def measure(url: str, home: Path, events: int, bench: str) -> Figure:
    migrate(url)
    ws = open_workspace(Settings(home=home, database_url=url))
    try:
        fill(url, ws.audit_key, events)
        write_checkpoint(ws)  # verifies once (warm-up) and gives verify a checkpoint to find
        begin = time.perf_counter()
        report = verify_chain(ws)
        ours = time.perf_counter() - begin
        assert report.intact and report.events == events, report
        begin = time.perf_counter()
        assert _hmac_alone(url, ws.audit_key) == events
        baseline = time.perf_counter() - begin
    finally:
        ws.close()
    return Figure(
        bench,
        ours,
        baseline,
        UNIT,
        higher_is_better=False,
        note=f"N={events} events; baseline: read the rows and hmac each",
    )


def sqlite_figure(tmp: Path, events: int) -> Figure:
    return measure(sqlite_url(tmp), tmp, events, "audit_verify_100k_s_sqlite")


def postgres_figure(tmp: Path, events: int) -> Figure:
    bench = "audit_verify_100k_s_postgres"
    try:
        with postgres_database() as url:
            return measure(url, tmp, events, bench)
    except PostgresUnavailable as exc:
        return skipped(bench, UNIT, str(exc), higher_is_better=False)
