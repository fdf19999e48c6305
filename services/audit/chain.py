"""The history that cannot be silently rewritten.

- One chain over all events: each event has a global position `chain_seq` and carries the hash
  of the event just before it (`prev_hash`), so removing any event, the tail, or a whole
  document's history breaks a link or leaves a gap. Writers append under a lock on the one-row
  chain head (`AuditHead`): `SELECT … FOR UPDATE` on PostgreSQL; on SQLite every write
  transaction already starts with `BEGIN IMMEDIATE`, which serializes writers.
- A keyed hash: `hash` is an HMAC-SHA256 under the audit key, which is not in the database
  (`GHTFLOW_AUDIT_KEY`, or HOME/audit_key created with mode 0600 on first use). Whoever can
  write the database but not read that key cannot forge or recompute an event.
- Checkpoints outside the database: the head (position, hash, time, key id), itself under an
  HMAC, appended as one JSON line to a file (`audit checkpoint`, the daily sweep). `verify`
  checks that the chain still holds every checkpoint, so a truncated tail shows even when the
  head row was edited to match.
- `verify` also checks every document's state and GHT against its last event and every
  version's file hash against the event that brought it, so a change made beside the history
  shows too. It reports the first thing that does not hold in one line, never a traceback,
  including for malformed rows (an edited `at`, `as_of` or payload).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from models import AuditHead, Database, Document, DocumentVersion, Event, utcnow
from models.db import table_of
from models.precompiled import Precompiled
from services.adapters.input_files import read_input
from services.adapters.keys import home_secret, read_key_file, replace_key_file
from services.errors import InvalidInput, ServiceError
from services.workspace import Workspace
from settings import Settings

GENESIS = "0" * 64
KEY_FILE = "audit_key"
KEY_VARIABLE = "GHTFLOW_AUDIT_KEY"
CHECKPOINTS_MAX = (
    64 * 1024 * 1024
)  # one line a day for centuries; a device or a 10 GB file is refused
_EVENT, _HEAD = table_of(Event), table_of(AuditHead)
_DOCUMENT, _VERSION = table_of(Document), table_of(DocumentVersion)


class AuditError(ServiceError):
    """The history cannot be written or re-chained as it is; the message says why."""


# --- the key -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditKey:
    """An HMAC-SHA256 key; `id` names it (in the head row and checkpoints) without revealing it."""

    secret: bytes = field(repr=False)

    @classmethod
    def of(cls, text: str) -> AuditKey:
        return cls(text.encode("utf-8"))

    def mac(self, message: bytes) -> str:
        return hmac.digest(self.secret, message, "sha256").hex()  # one-shot: no HMAC object

    @cached_property
    def id(self) -> str:
        return self.mac(b"ghtflow audit key id")[:16]


def configured_key(settings: Settings) -> AuditKey:
    """`GHTFLOW_AUDIT_KEY`, or the key in HOME/audit_key (created, mode 0600, on first use)."""
    return AuditKey.of(home_secret(settings.home, KEY_FILE, settings.audit_key, KEY_VARIABLE))


# --- the chained form of an event --------------------------------------------------------------


_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def canonical_json(data: Any) -> str:
    """Sorted keys, no spaces, UTF-8 kept: one text for one value."""
    return _CANONICAL.encode(data)


CHAINED = (
    "chain_seq",
    "document_id",
    "ght_id",
    "seq",
    "name",
    "actor",
    "at",
    "as_of",
    "from_state",
    "to_state",
    "payload",
    "prev_hash",
)


def _instant(value: datetime) -> str:
    """An instant in one text form whatever the database gave back (aware, or naive UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    elif value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")


def chained_message(row: Mapping[str, Any]) -> bytes:
    """The bytes an event's HMAC covers: its chained fields as canonical JSON."""
    fields = {k: row[k] for k in CHAINED}
    fields["at"] = _instant(fields["at"])
    fields["as_of"] = fields["as_of"].isoformat()
    return canonical_json(fields).encode("utf-8")


def seal(key: AuditKey, row: dict[str, Any]) -> dict[str, Any]:
    """Set `row["hash"]` (the row has every chained field, `chain_seq` and `prev_hash` too)."""
    row["hash"] = key.mac(chained_message(row))
    return row


# --- appending -----------------------------------------------------------------------------------

_HEAD_LOCKED = (
    select(_HEAD.c.chain_seq, _HEAD.c.hash, _HEAD.c.key_id).where(_HEAD.c.id == 1).with_for_update()
)
_MOVE_HEAD = Precompiled(
    _HEAD.update()
    .where(_HEAD.c.id == 1)
    .values(
        chain_seq=bindparam("head_seq"),
        hash=bindparam("head_hash"),
        key_id=bindparam("head_key"),
        updated_at=bindparam("head_at"),
    )
)
_INSERT_EVENT = Precompiled(_EVENT.insert(), column_keys=(*CHAINED, "hash"))


HeadRow = tuple[int, str, str]  # (chain_seq, hash, key_id) of the audit head row


def _locked_head(conn: Connection, key: AuditKey, read: HeadRow | None = None) -> tuple[int, str]:
    """(position, hash) of the last event, the head row locked until the transaction ends.

    `read` is the head row as the caller already read it in this transaction, under a lock
    that no other writer can pass (SQLite's BEGIN IMMEDIATE, PostgreSQL's FOR UPDATE of the
    head row): one statement less on the hot path. Otherwise it is read here, FOR UPDATE."""
    head = read if read is not None else conn.execute(_HEAD_LOCKED).first()
    if head is None:
        if conn.execute(select(_EVENT.c.id).limit(1)).first() is not None:
            raise AuditError(
                "the audit chain head is missing although events exist; run 'ghtflow audit verify'"
            )
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(
            dialect.insert(_HEAD)
            .values(id=1, chain_seq=0, hash=GENESIS, key_id=key.id, updated_at=utcnow())
            .on_conflict_do_nothing()
        )
        head = conn.execute(_HEAD_LOCKED).one()
    seq, last_hash, key_id = head
    if key_id != key.id:
        if key_id == "" and seq == 0:  # a fresh database: the first event names the key
            return seq, last_hash
        if key_id == "":
            raise AuditError(
                "the history has not been re-chained under the audit key since the upgrade; "
                "run 'ghtflow audit rechain'"
            )
        raise AuditError(
            f"the configured audit key (id {key.id}) is not the key of the history "
            f"(id {key_id}); restore that key in {KEY_VARIABLE} or HOME/{KEY_FILE}"
        )
    return seq, last_hash


def append_event(
    conn: Connection,
    key: AuditKey,
    *,
    document_id: int,
    ght_id: int,
    seq: int,
    name: str,
    actor: str,
    as_of: date,
    from_state: str | None,
    to_state: str,
    payload: Mapping[str, Any],
    head: HeadRow | None = None,
) -> dict[str, Any]:
    """Insert the next event of the chain in the caller's transaction and move the head.

    `seq` is the event's number within its document (1 for the first). Raises
    IntegrityError when another writer gave the document that number first."""
    last_seq, last_hash = _locked_head(conn, key, head)
    row = seal(
        key,
        {
            "chain_seq": last_seq + 1,
            "document_id": document_id,
            "ght_id": ght_id,
            "seq": seq,
            "name": name,
            "actor": actor,
            "at": utcnow(),
            "as_of": as_of,
            "from_state": from_state,
            "to_state": to_state,
            "payload": canonical_json(dict(payload)),
            "prev_hash": last_hash,
        },
    )
    _INSERT_EVENT.execute(conn, row)
    _MOVE_HEAD.execute(
        conn,
        {
            "head_seq": row["chain_seq"],
            "head_hash": row["hash"],
            "head_key": key.id,
            "head_at": row["at"],
        },
    )
    return row


# --- checkpoints ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """The head at one moment, signed: one JSON line of the checkpoint file."""

    seq: int
    hash: str
    at: str
    key_id: str
    mac: str

    @classmethod
    def of(cls, key: AuditKey, seq: int, head_hash: str, at: datetime | None = None) -> Checkpoint:
        when = (at or utcnow()).astimezone(UTC).isoformat(timespec="seconds")
        fields = {"seq": seq, "hash": head_hash, "at": when, "key_id": key.id}
        return cls(seq, head_hash, when, key.id, key.mac(canonical_json(fields).encode("utf-8")))

    def line(self) -> str:
        return canonical_json(
            {
                "seq": self.seq,
                "hash": self.hash,
                "at": self.at,
                "key_id": self.key_id,
                "mac": self.mac,
            }
        )


@dataclass(frozen=True)
class _Mark:
    """A checkpoint to find in the chain, and where it was read."""

    seq: int
    hash: str
    at: str
    where: str


class _Broken(Exception):
    """Something that does not hold; the message is the one line `verify` reports."""


def _read_marks(path: Path, key: AuditKey) -> tuple[list[_Mark], int]:
    """The checkpoints of `path` made under `key`, and how many were made under earlier keys."""
    try:
        text = read_input(path, CHECKPOINTS_MAX).decode("utf-8")
    except UnicodeDecodeError:
        raise _Broken(f"the checkpoint file {path} is not text") from None
    except InvalidInput as exc:
        raise _Broken(f"cannot read the checkpoint file {exc}") from None
    marks, earlier = [], 0
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path} line {number}"
        try:
            data = json.loads(line)
            fields = {k: data[k] for k in ("seq", "hash", "at", "key_id")}
            mac = data["mac"]
            if not isinstance(fields["seq"], int) or not isinstance(mac, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise _Broken(f"{where} is not a checkpoint line") from None
        if fields["key_id"] != key.id:
            earlier += 1
            continue
        if not hmac.compare_digest(mac, key.mac(canonical_json(fields).encode("utf-8"))):
            raise _Broken(f"{where}: the checkpoint does not match its HMAC (line edited)")
        marks.append(_Mark(fields["seq"], str(fields["hash"]), str(fields["at"]), where))
    return marks, earlier


def _append_line(path: Path, line: str) -> None:
    """Append one line to an append-only file and force it to disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


# --- reading events robustly ---------------------------------------------------------------------

_COLUMNS = ("id", *CHAINED, "hash")


_SELECT_EVENTS = (  # the columns of _COLUMNS, in that order
    "SELECT id, chain_seq, document_id, ght_id, seq, name, actor, at, as_of, from_state, "
    "to_state, payload, prev_hash, hash FROM event ORDER BY "
)
_IN_CHAIN_ORDER = _SELECT_EVENTS + "chain_seq"
_IN_TIME_ORDER = _SELECT_EVENTS + "at, document_id, seq"  # how a migrated history is chained


def _event_select(conn: Connection, statement: str) -> Any:
    """Event rows straight from the driver: on SQLite `at` and `as_of` come as the stored
    text, parsed by `_parsed`, so that a malformed value is named instead of failing inside
    SQLAlchemy (and the scan skips its row processing)."""
    return conn.exec_driver_sql(statement)


def _label(row: Mapping[str, Any]) -> str:
    return f"event {row['id']} (document {row['document_id']}, chain position {row['chain_seq']})"


def _parsed(values: Sequence[Any]) -> dict[str, Any]:
    row = dict(zip(_COLUMNS, values, strict=True))
    at, as_of = row["at"], row["as_of"]
    if not isinstance(at, datetime):  # text from SQLite, or whatever an edit left there
        try:
            instant = datetime.fromisoformat(str(at))
        except ValueError:
            raise _Broken(f"{_label(row)}: its 'at' value {at!r} is not a date-time") from None
        row["at"] = instant if instant.tzinfo else instant.replace(tzinfo=UTC)
    if not isinstance(as_of, date) or isinstance(as_of, datetime):
        try:
            row["as_of"] = date.fromisoformat(str(as_of))
        except ValueError:
            raise _Broken(f"{_label(row)}: its 'as_of' value {as_of!r} is not a date") from None
    return row


def _payload(row: Mapping[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(row["payload"])
    except (TypeError, ValueError):
        data = None
    if not isinstance(data, dict):
        raise _Broken(f"{_label(row)}: its payload is not a JSON object")
    return data


# --- verifying -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditReport:
    """What `verify` checked; `problem` is the first thing that does not hold (None: intact)."""

    events: int = 0
    documents: int = 0
    versions: int = 0
    checkpoints: int = 0
    earlier_key_checkpoints: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None

    def summary(self) -> str:
        earlier = (
            f" ({self.earlier_key_checkpoints} more made under earlier keys)"
            if self.earlier_key_checkpoints
            else ""
        )
        return (
            f"audit chain intact: {self.events} events over {self.documents} documents, "
            f"head {self.head_seq} {self.head_hash[:16]}; every document's state and GHT match "
            f"its last event; {self.versions} versions match their events' file hashes; "
            f"{self.checkpoints} checkpoints held{earlier}"
        )


@dataclass
class _DocumentTrail:
    seq: int
    to_state: str
    ght_id: int
    event_id: int
    version: int = 0


@dataclass
class _Counts:
    events: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    documents: dict[int, _DocumentTrail] = field(default_factory=dict)
    versions: dict[tuple[int, int], tuple[str | None, int]] = field(default_factory=dict)


def _check_events(conn: Connection, key: AuditKey, marks: Sequence[_Mark]) -> _Counts:
    """Walk the chain in order: positions without gap, links, HMACs, per-document order,
    checkpoints; collect each document's last event and each version's recorded file hash."""
    wanted: dict[int, list[_Mark]] = {}
    for mark in marks:
        wanted.setdefault(mark.seq, []).append(mark)
    seen = _Counts()
    docs = seen.documents
    for values in _event_select(conn, _IN_CHAIN_ORDER):
        row = _parsed(values)
        position = row["chain_seq"]
        expected = seen.head_seq + 1
        if position != expected:
            raise _Broken(
                f"chain position {expected} is missing (an event was removed); "
                f"the next one is {_label(row)}"
            )
        if row["prev_hash"] != seen.head_hash:
            raise _Broken(
                f"audit chain broken at {_label(row)}: its link to the previous event does "
                "not match (an event was removed, reordered or rewritten)"
            )
        if not hmac.compare_digest(str(row["hash"]), key.mac(chained_message(row))):
            raise _Broken(
                f"audit chain broken at {_label(row)}: its content does not match its HMAC "
                "(row altered, or written without the audit key)"
            )
        for mark in wanted.get(position, ()):
            if mark.hash != row["hash"]:
                raise _Broken(
                    f"the chain no longer holds the checkpoint of {mark.at} ({mark.where}): "
                    f"position {position} has another hash (history rewritten)"
                )
        document_id = row["document_id"]
        trail = docs.get(document_id)
        if row["seq"] != (trail.seq + 1 if trail else 1):
            raise _Broken(
                f"{_label(row)} is event {row['seq']} of its document where "
                f"{trail.seq + 1 if trail else 1} was expected (an event was removed)"
            )
        if row["from_state"] != (trail.to_state if trail else None):
            raise _Broken(
                f"{_label(row)} moves its document from {row['from_state']!r} but the previous "
                f"event left it in {trail.to_state if trail else None!r}"
            )
        if trail is None:
            trail = docs[document_id] = _DocumentTrail(0, "", 0, 0)
        trail.seq, trail.to_state = row["seq"], row["to_state"]
        trail.ght_id, trail.event_id = row["ght_id"], row["id"]
        if '"version"' in row["payload"]:
            data = _payload(row)
            version = data.get("version")
            if isinstance(version, int):
                file_hash = data.get("file_sha256")
                seen.versions[(document_id, version)] = (file_hash, row["id"])
                trail.version = max(trail.version, version)
        seen.events += 1
        seen.head_seq, seen.head_hash = position, row["hash"]
    for mark in marks:
        if mark.seq > seen.head_seq:
            raise _Broken(
                f"the chain ends at position {seen.head_seq} but the checkpoint of {mark.at} "
                f"({mark.where}) recorded position {mark.seq} (events removed from the end)"
            )
    return seen


def _check_head(conn: Connection, key: AuditKey) -> tuple[int, str, str] | None:
    """The head row; refuses a history not (yet) chained under this key."""
    head = conn.execute(select(_HEAD.c.chain_seq, _HEAD.c.hash, _HEAD.c.key_id)).first()
    if head is None:
        return None
    seq, head_hash, key_id = head
    if key_id == "" and seq > 0:
        raise _Broken(
            "the history has not been re-chained under the audit key since the upgrade; "
            "run 'ghtflow audit rechain'"
        )
    if key_id not in ("", key.id):
        raise _Broken(
            f"the history is chained under another audit key (id {key_id}) than the configured "
            f"one (id {key.id}); set {KEY_VARIABLE} or HOME/{KEY_FILE} to that key"
        )
    return int(seq), str(head_hash), str(key_id)


def _check_documents(conn: Connection, seen: _Counts) -> int:
    rows = conn.execute(
        select(
            _DOCUMENT.c.id, _DOCUMENT.c.state, _DOCUMENT.c.ght_id, _DOCUMENT.c.current_version
        ).order_by(_DOCUMENT.c.id)
    )
    present = set()
    for document_id, state, ght_id, current_version in rows:
        present.add(document_id)
        trail = seen.documents.get(document_id)
        if trail is None:
            raise _Broken(
                f"document {document_id} has no event: its history was deleted, or it was "
                "created outside ghtflow"
            )
        if state != trail.to_state:
            raise _Broken(
                f"document {document_id} is in state {state!r} but its last event "
                f"({trail.event_id}) left it in {trail.to_state!r} (changed without an event)"
            )
        if ght_id != trail.ght_id:
            raise _Broken(
                f"document {document_id} belongs to GHT {ght_id} but its last event "
                f"({trail.event_id}) records GHT {trail.ght_id} (changed without an event)"
            )
        if current_version != trail.version:
            raise _Broken(
                f"document {document_id} shows version {current_version} but its events "
                f"brought version {trail.version} (changed without an event)"
            )
    for document_id, trail in seen.documents.items():
        if document_id not in present:
            raise _Broken(f"event {trail.event_id} belongs to document {document_id}, now missing")
    return len(present)


def _check_versions(conn: Connection, seen: _Counts) -> int:
    rows = conn.execute(
        select(_VERSION.c.document_id, _VERSION.c.number, _VERSION.c.file_hash).order_by(
            _VERSION.c.document_id, _VERSION.c.number
        )
    )
    found = set()
    for document_id, number, file_hash in rows:
        recorded = seen.versions.get((document_id, number))
        if recorded is None:
            raise _Broken(f"version {number} of document {document_id} was brought by no event")
        found.add((document_id, number))
        if file_hash != recorded[0]:
            raise _Broken(
                f"version {number} of document {document_id} has file hash "
                f"{str(file_hash)[:16]}… but event {recorded[1]} recorded "
                f"{str(recorded[0])[:16]}… (file hash changed)"
            )
    for (document_id, number), (_hash, event_id) in seen.versions.items():
        if (document_id, number) not in found:
            raise _Broken(
                f"event {event_id} brought version {number} of document {document_id}, now missing"
            )
    return len(found)


def _verify(conn: Connection, key: AuditKey, marks: Sequence[_Mark], earlier: int) -> AuditReport:
    head = _check_head(conn, key)
    seen = _check_events(conn, key, marks)
    if head is None:
        if seen.events:
            raise _Broken("the audit chain head row is missing although events exist")
    elif head[:2] != (seen.head_seq, seen.head_hash):
        raise _Broken(
            f"the chain head records position {head[0]} but the last event is at position "
            f"{seen.head_seq} (events removed from the end, or the head row edited)"
        )
    documents = _check_documents(conn, seen)
    versions = _check_versions(conn, seen)
    return AuditReport(
        seen.events, documents, versions, len(marks), earlier, seen.head_seq, seen.head_hash
    )


@contextmanager
def _snapshot(db: Database) -> Iterator[Connection]:
    """One consistent view of the database: concurrent writers cannot make a false alarm."""
    engine = db.engine
    if not db.is_sqlite:
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    with engine.connect() as conn, conn.begin():
        yield conn


def _marks(ws: Workspace, key: AuditKey, against: Sequence[Path]) -> tuple[list[_Mark], int]:
    marks: list[_Mark] = []
    earlier = 0
    default = ws.settings.effective_audit_checkpoints
    files = [default] if default.exists() else []
    for path in against:
        if not path.is_file():
            raise _Broken(f"checkpoint file {path} does not exist")
        if path.resolve() not in {f.resolve() for f in files}:
            files.append(path)
    for path in files:
        found, other = _read_marks(path, key)
        marks += found
        earlier += other
    return marks, earlier


def verify_chain(ws: Workspace, against: Sequence[Path] = ()) -> AuditReport:
    """Check the history (see the module docstring); the report names the first problem."""
    key = ws.audit_key
    try:
        marks, earlier = _marks(ws, key, against)
        with _snapshot(ws.db) as conn:
            return _verify(conn, key, marks, earlier)
    except _Broken as broken:
        return AuditReport(problem=str(broken))


def write_checkpoint(ws: Workspace, path: Path | None = None) -> Checkpoint:
    """Verify the history, then append its head to the checkpoint file (default
    HOME/audit-checkpoints.jsonl); a history that does not hold gets no checkpoint."""
    target = path or ws.settings.effective_audit_checkpoints
    report = verify_chain(ws, [target] if target.exists() else [])
    if report.problem is not None:
        raise AuditError(f"no checkpoint written: {report.problem}")
    checkpoint = Checkpoint.of(ws.audit_key, report.head_seq, report.head_hash)
    try:
        _append_line(target, checkpoint.line())
    except OSError as exc:
        raise InvalidInput(f"cannot write the checkpoint file {target}: {exc.strerror}") from None
    return checkpoint


# --- re-chaining: after the upgrade from per-document chains, and to change the key ---------------


_LEGACY = (
    *("document_id", "seq", "name", "actor", "at", "as_of"),
    *("from_state", "to_state", "payload", "prev_hash"),
)


def _legacy_hash(row: Mapping[str, Any]) -> str:
    """The hash of the former per-document chains (plain SHA-256, no key), to check a
    migrated history once before re-chaining it."""
    fields = {k: row[k] for k in _LEGACY}
    fields["at"] = _instant(fields["at"])
    fields["as_of"] = fields["as_of"].isoformat()
    return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()


def _check_legacy(rows: Sequence[Mapping[str, Any]]) -> None:
    last: dict[int, tuple[int, str]] = {}
    for row in sorted(rows, key=lambda r: (r["document_id"], r["seq"])):
        seq, prev = last.get(row["document_id"], (0, GENESIS))
        if row["seq"] != seq + 1 or row["prev_hash"] != prev or _legacy_hash(row) != row["hash"]:
            raise _Broken(f"{_label(row)} does not match its former hash chain (row altered)")
        last[row["document_id"]] = (row["seq"], row["hash"])


_REWRITE = (
    _EVENT.update()
    .where(_EVENT.c.id == bindparam("event_id"))
    .values(
        chain_seq=bindparam("new_seq"), prev_hash=bindparam("new_prev"), hash=bindparam("new_hash")
    )
)


def _rechain(conn: Connection, key: AuditKey, rows: Sequence[dict[str, Any]]) -> None:
    """Give `rows` (every event, in their chain order) positions 1…N under `key`."""
    conn.execute(update(_EVENT).values(chain_seq=-_EVENT.c.id))  # free the positions
    previous = GENESIS
    changes = []
    for position, row in enumerate(rows, 1):
        row |= {"chain_seq": position, "prev_hash": previous}
        previous = seal(key, row)["hash"]
        changes.append(
            {
                "event_id": row["id"],
                "new_seq": position,
                "new_prev": row["prev_hash"],
                "new_hash": previous,
            }
        )
    if changes:
        conn.execute(_REWRITE, changes)
    _MOVE_HEAD.execute(
        conn,
        {"head_seq": len(rows), "head_hash": previous, "head_key": key.id, "head_at": utcnow()},
    )


def rechain_migrated(ws: Workspace) -> int | None:
    """Re-chain, once, a history migrated from per-document chains, in (at, document, seq)
    order, after checking it against its former hashes; None when there is nothing to do."""
    key = ws.audit_key
    with ws.db.writing() as conn:
        head = conn.execute(_HEAD_LOCKED).first()
        if head is None or head.key_id != "":
            return None
        try:
            rows = [_parsed(v) for v in _event_select(conn, _IN_TIME_ORDER)]
            _check_legacy(rows)
        except _Broken as broken:
            raise AuditError(f"not re-chained: {broken}") from None
        _rechain(conn, key, rows)
        return len(rows)


@dataclass(frozen=True)
class Rekeyed:
    events: int
    checkpoint: Checkpoint
    key_file: Path | None  # the key file now holding the new key (None: set the variable)


def rekey(ws: Workspace, new_key_file: Path) -> Rekeyed:
    """Verify the history under the current key, then re-chain it under the key in
    `new_key_file` and write a checkpoint under the new key. With the key file default
    (no `GHTFLOW_AUDIT_KEY`), HOME/audit_key then holds the new key; otherwise the variable must
    be changed before the next event can be written."""
    new = AuditKey.of(read_key_file(new_key_file, "--new-key-file"))
    old = ws.audit_key
    if new.id == old.id:
        raise InvalidInput(f"{new_key_file} holds the current audit key (id {old.id})")
    try:
        marks, earlier = _marks(ws, old, ())
    except _Broken as broken:
        raise AuditError(f"not re-keyed: {broken}") from None
    with ws.db.writing() as conn:
        conn.execute(_HEAD_LOCKED).first()  # no event is appended until the re-chain commits
        try:
            report = _verify(conn, old, marks, earlier)
            rows = [_parsed(v) for v in _event_select(conn, _IN_CHAIN_ORDER)]
        except _Broken as broken:
            raise AuditError(f"not re-keyed: {broken}") from None
        _rechain(conn, new, rows)
    checkpoint = Checkpoint.of(new, len(rows), rows[-1]["hash"] if rows else GENESIS)
    _append_line(ws.settings.effective_audit_checkpoints, checkpoint.line())
    key_file = None
    if ws.settings.audit_key is None:
        key_file = Path(ws.settings.home) / KEY_FILE
        replace_key_file(key_file, new.secret.decode("utf-8"))
    ws.__dict__["audit_key"] = new
    assert report.events == len(rows)
    return Rekeyed(len(rows), checkpoint, key_file)
