"""National-size data for the web benchmark: one agency over 135 GHTs, ~4,000 establishments
with valid FINESS numbers, ~2,000 documents whose histories are real hash-chained event
chains (walked along each type's workflow definition), their versions, conformity requests and
an outbox with sent, pending and failed messages. Inserted with Core in one transaction: a few
seconds, where going through `fire` would take minutes for no extra realism in the pages."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, create_engine, update

from benchmarks.data import _ids, _insert, table
from services.accounts.credentials import hash_password
from services.audit.chain import GENESIS, AuditKey, canonical_json, seal
from services.registry.finess import check_digit
from services.workflows import load_workflows
from states.definition import Side, TransitionDef, WorkflowDefinition

PASSWORD = "ghtflow-bench"
OFFICER = "instructeur@ars-bench.example.org"
MOTIVES = ["biology_pharmacy_imaging", "shared_care_project"]
DIRECTION = "direction@ars-bench.example.org"
START = date(2017, 2, 1)
DUE = (date(2017, 7, 1), date(2017, 12, 31))
CREATED = datetime(2017, 1, 2, tzinfo=UTC)
STEP_DAYS = 12
# (category, kind, public, role in its GHT), cycled over the members after the support
MEMBER_KINDS = [
    ("C.H.", "CH", True, "partie"),
    ("E.H.P.A.D.", "EHPAD", True, "partie"),
    ("C.H.", "CH", True, "partie"),
    ("C.H.S.", "psychiatry", True, "associe"),
    ("H.A.D.", "HAD", False, "partenaire"),
    ("Clinique", "clinic", False, "partenaire"),
    ("E.H.P.A.D.", "EHPAD", True, "partie"),
]


@dataclass(frozen=True)
class NationalData:
    officer: str
    password: str
    ght_codes: list[str]
    documents: int
    events: int
    establishments: int


def code(ght_index: int) -> str:
    return f"GHT-{ght_index + 1:03d}"


def director(ght_code: str) -> str:
    return f"direction@{ght_code.lower()}.example.org"


def _paths(definition: WorkflowDefinition) -> dict[str, list[TransitionDef]]:
    """The shortest path of people's events from the initial state to every state."""
    paths: dict[str, list[TransitionDef]] = {definition.initial: []}
    queue = deque([definition.initial])
    while queue:
        state = queue.popleft()
        for transition in definition.transitions:
            if transition.side is Side.SYSTEM or state not in transition.sources:
                continue
            if transition.dest not in paths:
                paths[transition.dest] = [*paths[state], transition]
                queue.append(transition.dest)
    return paths


def _finess(department: int, serial: int) -> str:
    body = f"{department:02d}{serial:06d}"
    return body + check_digit(body)


def _department(ght_index: int) -> int:
    department = ght_index % 95 + 1
    return 21 if department == 20 else department  # 20 is Corsica's 2A/2B


def _establishments(conn: Connection, ghts: int, count: int) -> list[list[int]]:
    """`count` establishments spread over `ghts` GHTs; per GHT, its ids (the support first).
    Every fifth GHT's support is a CHU."""
    rows, owners, serial = [], [], 0
    per_ght, extra = divmod(count, ghts)
    for g in range(ghts):
        department = _department(g)
        for m in range(per_ght + (1 if g < extra else 0)):
            serial += 1
            if m == 0:
                chu = g % 5 == 0
                category, kind, public = (
                    ("C.H.R." if chu else "C.H."),
                    ("CHU" if chu else "CH"),
                    True,
                )
            else:
                category, kind, public, _ = MEMBER_KINDS[m % len(MEMBER_KINDS)]
            rows.append(
                {
                    "finess": _finess(department, serial),
                    "name": f"{'CHU' if kind == 'CHU' else category} n° {serial}",
                    "category": category,
                    "kind": kind,
                    "is_public": public,
                    "commune": f"Commune {serial}",
                    "postal_code": f"{department:02d}{serial % 1000:03d}",
                    "representative": f"Direction de l'établissement {serial}",
                    "area": f"{department:02d}" if kind == "HAD" else None,
                    "from_list": True,
                }
            )
            owners.append(g)
    _insert(conn, "establishment", rows)
    ids = _ids(conn, "establishment")
    by_ght: list[list[int]] = [[] for _ in range(ghts)]
    for est_id, g in zip(ids, owners, strict=True):
        by_ght[g].append(est_id)
    return by_ght


def _reference(conn: Connection, types: list[str], ghts: int) -> tuple[int, int, list[int]]:
    """Region, campaign with a due date per type, GHTs: (region id, campaign id, GHT ids)."""
    region = {"code": "FR", "name": "France", "agency_name": "ARS", "direction_email": DIRECTION}
    _insert(conn, "region", [region])
    region_id = _ids(conn, "region")[0]
    campaign = {"code": "C2017", "name": "Campagne 2017", "region_id": region_id}
    _insert(conn, "campaign", [campaign])
    campaign_id = _ids(conn, "campaign")[0]
    due_dates = [
        {"campaign_id": campaign_id, "doc_type": t, "due_date": DUE[i % 2]}
        for i, t in enumerate(types)
    ]
    _insert(conn, "campaignduedate", due_dates)
    rows = [
        {"code": code(g), "name": f"GHT national n° {g + 1}", "region_id": region_id}
        for g in range(ghts)
    ]
    _insert(conn, "ght", rows)
    return region_id, campaign_id, _ids(conn, "ght")


def _members(conn: Connection, ght_ids: list[int], members: list[list[int]]) -> None:
    """Support, CHU of reference (that of its group of five) and memberships of each GHT."""
    ght = table("ght")
    rows = []
    for g, (ght_id, own) in enumerate(zip(ght_ids, members, strict=True)):
        chu = members[g - g % 5][0]
        values = {"support_establishment_id": own[0], "reference_chu_id": chu}
        conn.execute(update(ght).where(ght.c.id == ght_id).values(**values))
        for m, est_id in enumerate(own):
            role = "partie" if m == 0 else MEMBER_KINDS[m % len(MEMBER_KINDS)][3]
            rows.append(
                {"ght_id": ght_id, "establishment_id": est_id, "role": role, "from_list": True}
            )
    _insert(conn, "membership", rows)


def _people(conn: Connection, region_id: int, ght_ids: list[int]) -> None:
    """The agency's case officer and each GHT's director, all with the benchmark password."""
    digest = hash_password(PASSWORD)
    officer = {"email": OFFICER, "name": "Instructeur national", "side": "agency"}
    rows = [officer | {"region_id": region_id, "password_hash": digest}]
    for g, ght_id in enumerate(ght_ids):
        rows.append(
            {
                "email": director(code(g)),
                "name": f"Direction {code(g)}",
                "side": "ght",
                "ght_id": ght_id,
                "region_id": region_id,
                "password_hash": digest,
            }
        )
    _insert(conn, "person", rows)


@dataclass
class _Plan:
    """One document to create: its GHT (index), type and the path of events to its state."""

    ght: int
    doc_type: str
    path: list[TransitionDef]
    start: date


def _event(
    document_id: int,
    seq: int,
    name: str,
    actor: str,
    as_of: date,
    from_state: str | None,
    to_state: str,
    payload: dict[str, Any],
) -> dict[str, Any]:
    """An event row before it is chained (`chain`, once every history is walked)."""
    return {
        "document_id": document_id,
        "seq": seq,
        "name": name,
        "actor": actor,
        "at": datetime.now(UTC),
        "as_of": as_of,
        "from_state": from_state,
        "to_state": to_state,
        "payload": canonical_json(payload),
    }


def chain(key: AuditKey, events: list[dict[str, Any]], ght_of: dict[int, int]) -> dict[str, Any]:
    """Give the events their global positions and HMACs, in order; the head row."""
    previous = GENESIS
    for position, event in enumerate(events, 1):
        event |= {
            "chain_seq": position,
            "ght_id": ght_of[event["document_id"]],
            "prev_hash": previous,
        }
        previous = seal(key, event)["hash"]
    return {
        "id": 1,
        "chain_seq": len(events),
        "hash": previous,
        "key_id": key.id,
        "updated_at": datetime.now(UTC),
    }


class _Histories:
    """Rows that follow from walking each document's path: events, versions, requests."""

    def __init__(self, definitions: dict[str, WorkflowDefinition]) -> None:
        self.definitions = definitions
        self.events: list[dict[str, Any]] = []
        self.versions: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []

    def walk(self, doc_id: int, plan: _Plan) -> None:
        definition = self.definitions[plan.doc_type]
        day, state, version = plan.start, definition.initial, 0
        open_request: dict[str, Any] | None = None
        event = _event(doc_id, 1, "create", "ghtflow", day, None, state, {})
        self.events.append(event)
        for transition in plan.path:
            day += timedelta(days=STEP_DAYS)
            payload: dict[str, Any] = {}
            if "file_attached" in transition.guards:
                version += 1
                name = f"{plan.doc_type}-{code(plan.ght)}-v{version}.pdf"
                digest = f"{doc_id:032x}{version:032x}"
                self.versions.append(
                    {
                        "document_id": doc_id,
                        "number": version,
                        "file_hash": digest,
                        "file_name": name,
                        "size": 48_213,
                        "received_on": day,
                        "created_at": datetime.now(UTC),
                    }
                )
                payload = {"version": version, "file_sha256": digest, "file_name": name}
                if open_request is not None:
                    open_request["answered_on"], open_request = day, None
            if "conformity_motives" in transition.guards:
                respond_by = day + timedelta(days=40)
                open_request = {
                    "document_id": doc_id,
                    "motives": MOTIVES,
                    "note": "Préciser le volet biologie.",
                    "requested_on": day,
                    "respond_by": respond_by,
                    "requested_by": OFFICER,
                    "answered_on": None,
                }
                self.requests.append(open_request)
                payload = {"motives": MOTIVES, "respond_by": respond_by.isoformat()}
            actor = OFFICER if transition.side is Side.AGENCY else director(code(plan.ght))
            event = _event(
                doc_id, event["seq"] + 1, transition.event, actor, day, state, transition.dest,
                payload,
            )  # fmt: skip
            self.events.append(event)
            state = transition.dest


def _outbox_row(i: int, doc_id: int, ght_id: int, ght_code: str) -> dict[str, Any]:
    """A J-30 reminder: most sent, one in ten pending after a timeout, one in twenty failed."""
    state, error = "sent", None
    if i % 100 == 0:
        state, error = "failed", "550 5.1.1 mailbox unavailable"
    elif i % 50 == 0:
        state, error = "pending", "timed out"
    now = datetime.now(UTC)
    return {
        "document_id": doc_id,
        "ght_id": ght_id,
        "kind": "reminder",
        "stage": "J-30",
        "due_date": DUE[1],
        "as_of": START,
        "message_id": f"<bench-{doc_id}@ars-bench.example.org>",
        "sender": "ne-pas-repondre@ars-bench.example.org",
        "to_addrs": [director(ght_code)],
        "cc_addrs": [],
        "subject": f"[{ght_code}] Rappel : document attendu",
        "body_text": "Rappel.",
        "body_html": "<p>Rappel.</p>",
        "attachments": [],
        "state": state,
        "attempts": 0 if error is None else 1,
        "next_attempt_at": now,
        "last_error": error,
        "refused": None,
        "created_at": now,
        "sent_at": now if state == "sent" else None,
    }


def fill_national(
    url: str,
    *,
    ghts: int = 135,
    establishments: int = 4000,
    documents: int = 2000,
    audit_key: AuditKey | None = None,
) -> NationalData:
    """Fill an empty migrated database; documents cycle over types, GHTs and reachable
    states, so that every page shows every state. The history is chained under `audit_key`
    (that of the workspace that will read it)."""
    key = audit_key or AuditKey.of("ghtflow benchmark")
    registry = load_workflows()
    types = list(registry.types)
    definitions = {t: registry.definition(t) for t in types}
    paths = {t: _paths(d) for t, d in definitions.items()}
    states = {t: [s for s in d.state_names if s in paths[t]] for t, d in definitions.items()}
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            region_id, campaign_id, ght_ids = _reference(conn, types, ghts)
            members = _establishments(conn, ghts, establishments)
            _members(conn, ght_ids, members)
            _people(conn, region_id, ght_ids)
            plans, rows = [], []
            for i in range(documents):
                doc_type = types[i % len(types)]
                g = (i // len(types)) % ghts
                names = states[doc_type]
                path = paths[doc_type][names[(i // (len(types) * ghts) + g) % len(names)]]
                plan = _Plan(g, doc_type, path, START + timedelta(days=i % 60))
                files = [n for n, t in enumerate(path) if "file_attached" in t.guards]
                rows.append(
                    {
                        "ght_id": ght_ids[g],
                        "doc_type": doc_type,
                        "campaign_id": campaign_id,
                        "reference": f"R{i}",
                        "title": f"{definitions[doc_type].label} {code(g)}",
                        "state": path[-1].dest if path else definitions[doc_type].initial,
                        "due_date": DUE[types.index(doc_type) % 2],
                        "current_version": len(files),
                        "submitted_on": plan.start + timedelta(days=STEP_DAYS * (files[-1] + 1))
                        if files
                        else None,
                        "created_at": CREATED,
                        "updated_at": CREATED,
                        "version_id": 1 + len(path),
                    }
                )
                plans.append(plan)
            _insert(conn, "document", rows)
            doc_ids = _ids(conn, "document")[-documents:]
            histories = _Histories(definitions)
            parties, outbox = [], []
            for i, (doc_id, plan) in enumerate(zip(doc_ids, plans, strict=True)):
                histories.walk(doc_id, plan)
                if plan.doc_type == "chu_convention":
                    chu = members[plan.ght - plan.ght % 5][0]
                    parties.append({"document_id": doc_id, "establishment_id": chu})
                if i % 5 == 0:
                    outbox.append(_outbox_row(i, doc_id, ght_ids[plan.ght], code(plan.ght)))
            ght_of = {d: ght_ids[p.ght] for d, p in zip(doc_ids, plans, strict=True)}
            head = chain(key, histories.events, ght_of)
            _insert(conn, "event", histories.events)
            conn.execute(table("audithead").delete())
            _insert(conn, "audithead", [head])
            _insert(conn, "documentversion", histories.versions)
            _insert(conn, "conformityrequest", histories.requests)
            _insert(conn, "documentparty", parties)
            _insert(conn, "outboxmessage", outbox)
    finally:
        engine.dispose()
    codes = [code(g) for g in range(ghts)]
    return NationalData(OFFICER, PASSWORD, codes, documents, len(histories.events), establishments)
