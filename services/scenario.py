"""`load_scenario`: a region, its GHTs, people, campaign and documents from one YAML file.

Everything is checked before anything is written, and written in one transaction: a malformed
file loads nothing and the error names the line. Loading the same file again changes nothing:
reference data is matched by its natural key (region code, FINESS, GHT code, e-mail, campaign
code) and a document that exists already is left as people have moved it since.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, select

from models import (
    Campaign,
    CampaignDueDate,
    ConformityMotive,
    ConformityRequest,
    Document,
    DocumentVersion,
    Establishment,
    Ght,
    Membership,
    MembershipRole,
    Person,
    Region,
)
from services.accounts import hash_password
from services.audit import append_event
from services.categories import load_categories
from services.departments import format_area, parse_area
from services.errors import InvalidInput, ScenarioError
from services.finess import finess_problem
from services.workspace import Workspace
from services.yaml_lines import LineMap, read_yaml
from states.definition import Side, WorkflowDefinition
from states.guards import GUARDS, FireContext

_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[A-Za-z]{2,}$")
T = TypeVar("T", bound=SQLModel)


@dataclass
class LoadReport:
    scenario: str
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


class _Reader:
    """Typed access to the parsed file that turns every mistake into a `ScenarioError`."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def fail(self, node: Any, message: str) -> ScenarioError:
        return ScenarioError(self.path, getattr(node, "line", None), message)

    def mapping(self, node: Any, what: str, parent: Any = None) -> LineMap:
        if not isinstance(node, LineMap):
            raise self.fail(parent if node is None else node, f"{what} must be a mapping")
        return node

    def items(self, node: LineMap, key: str, required: bool = True) -> list[LineMap]:
        value = node.get(key)
        if value is None and not required:
            return []
        if not isinstance(value, list):
            raise self.fail(node, f"'{key}' must be a list")
        return [self.mapping(v, f"each entry of '{key}'", node) for v in value]

    def text(self, node: LineMap, key: str, required: bool = True, default: str = "") -> str:
        value = node.get(key)
        if value is None:
            if required:
                raise self.fail(node, f"missing '{key}'")
            return default
        if isinstance(value, (dict, list)):
            raise self.fail(node, f"'{key}' must be text")
        return str(value).strip()

    def day(self, node: LineMap, key: str, required: bool = True) -> date | None:
        value = node.get(key)
        if value is None and not required:
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(node, f"'{key}' must be a date YYYY-MM-DD, not {value!r}") from None

    def email(self, node: LineMap, key: str = "email") -> str:
        value = self.text(node, key).lower()
        if not _EMAIL.match(value):
            raise self.fail(node, f"'{key}' is not an e-mail address: {value!r}")
        return value

    def finess(self, node: LineMap, key: str, known: set[str] | None = None) -> str:
        value = self.text(node, key).upper()
        problem = finess_problem(value)
        if problem:
            raise self.fail(node, f"'{key}': {problem}")
        if known is not None and value not in known:
            raise self.fail(node, f"FINESS {value} is not among the establishments")
        return value

    def area(self, node: LineMap, key: str = "area") -> str | None:
        value = self.text(node, key, required=False)
        if not value:
            return None
        try:
            return format_area(parse_area(value))
        except InvalidInput as exc:
            raise self.fail(node, f"'{key}': {exc}") from None


def load_scenario(ws: Workspace, path: Path) -> LoadReport:
    """Check the whole file, then create what is missing and update reference data that changed."""
    r = _Reader(path)
    root = r.mapping(read_yaml(path), "the scenario file")
    name = r.text(root, "scenario")
    as_of = r.day(root, "as_of")
    assert as_of is not None
    report = LoadReport(scenario=name)
    with ws.db.transaction() as session:
        motives = _load_motives(session, r, root, report)
        region = _load_region(session, r, root, report)
        establishments = _load_establishments(session, r, root, ws, report)
        ghts = _load_ghts(session, r, root, region, establishments, report)
        people = _load_people(session, r, root, region, ghts, report)
        _set_demo_password(session, r, root, people, report)  # web (issue 7)
        campaign, due_dates = _load_campaign(session, r, root, region, ws, report)
        _load_documents(
            session, r, root, ws, ghts, campaign, due_dates, motives, as_of, name, report
        )
    return report


def _upsert(
    session: Session,
    report: LoadReport,
    kind: str,
    model: type[T],
    key: dict[str, Any],
    values: dict[str, Any],
) -> T:
    """Find by natural key; create, update the fields that differ, or leave it as it is."""
    statement = select(model)
    for column, value in key.items():
        statement = statement.where(getattr(model, column) == value)
    found = session.exec(statement).first()
    if found is None:
        found = model(**key, **values)
        session.add(found)
        session.flush()
        report.created[kind] += 1
        return found
    changes = {k: v for k, v in values.items() if getattr(found, k) != v}
    for column, value in changes.items():
        setattr(found, column, value)
    (report.updated if changes else report.unchanged)[kind] += 1
    return found


def _load_motives(session: Session, r: _Reader, root: LineMap, report: LoadReport) -> set[str]:
    for node in r.items(root, "motives", required=False):
        key = r.text(node, "key")
        if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
            raise r.fail(node, f"motive key {key!r} must be lower-case letters, digits and _")
        _upsert(
            session,
            report,
            "motives",
            ConformityMotive,
            {"key": key},
            {"label": r.text(node, "label")},
        )
    return set(session.exec(select(ConformityMotive.key)).all())


def _load_region(session: Session, r: _Reader, root: LineMap, report: LoadReport) -> Region:
    node = r.mapping(root.get("region"), "'region'", root)
    return _upsert(
        session,
        report,
        "regions",
        Region,
        {"code": r.text(node, "code").upper()},
        {
            "name": r.text(node, "name"),
            "agency_name": r.text(node, "agency"),
            "direction_email": r.email(node, "direction_email"),
        },
    )


def _load_establishments(
    session: Session, r: _Reader, root: LineMap, ws: Workspace, report: LoadReport
) -> dict[str, Establishment]:
    """`kind` defaults to what the category table says of `category` (none if it is unknown)."""
    categories = load_categories(ws.settings.categories_file)
    found: dict[str, Establishment] = {}
    for node in r.items(root, "establishments"):
        finess = r.finess(node, "finess")
        if finess in found:
            raise r.fail(node, f"FINESS {finess} is listed twice")
        public = node.get("public", True)
        if not isinstance(public, bool):
            raise r.fail(node, "'public' must be true or false")
        category = r.text(node, "category", required=False)
        listed_kind = categories.lookup(category) if category else None
        default_kind = listed_kind.kind if listed_kind else ""
        found[finess] = _upsert(
            session,
            report,
            "establishments",
            Establishment,
            {"finess": finess},
            {
                "name": r.text(node, "name"),
                "category": category,
                "kind": r.text(node, "kind", required=False, default=default_kind),
                "area": r.area(node),
                "is_public": public,
                "commune": r.text(node, "commune", required=False),
                "postal_code": r.text(node, "postal_code", required=False),
                "representative": r.text(node, "representative", required=False),
            },
        )
    return found


def _load_ghts(
    session: Session,
    r: _Reader,
    root: LineMap,
    region: Region,
    establishments: dict[str, Establishment],
    report: LoadReport,
) -> dict[str, Ght]:
    known = set(establishments)
    ghts: dict[str, Ght] = {}
    for node in r.items(root, "ghts"):
        code = r.text(node, "code").upper()
        if code in ghts:
            raise r.fail(node, f"GHT {code} is listed twice")
        support = establishments[r.finess(node, "support", known)]
        chu = node.get("reference_chu")
        reference = establishments[r.finess(node, "reference_chu", known)] if chu else None
        ght = _upsert(
            session,
            report,
            "ghts",
            Ght,
            {"code": code},
            {
                "name": r.text(node, "name"),
                "region_id": region.id,
                "support_establishment_id": support.id,
                "reference_chu_id": reference.id if reference else None,
            },
        )
        roles = {support.finess: MembershipRole.PARTIE.value}
        for member in r.items(node, "members", required=False):
            finess = r.finess(member, "finess", known)
            role = r.text(member, "role")
            if role not in {m.value for m in MembershipRole}:
                raise r.fail(member, f"role {role!r} must be one of partie, associe, partenaire")
            roles[finess] = role
        for finess, role in roles.items():
            _upsert(
                session,
                report,
                "memberships",
                Membership,
                {"ght_id": ght.id, "establishment_id": establishments[finess].id},
                {"role": role},
            )
        ghts[code] = ght
    return ghts


def _load_people(
    session: Session,
    r: _Reader,
    root: LineMap,
    region: Region,
    ghts: dict[str, Ght],
    report: LoadReport,
) -> list[Person]:
    """The scenario's people, created or updated, in file order."""
    people: list[tuple[LineMap, Side, Ght | None]] = [
        (n, Side.AGENCY, None) for n in r.items(root, "agency_people")
    ]
    for node in r.items(root, "ghts"):
        ght = ghts[r.text(node, "code").upper()]
        people += [(p, Side.GHT, ght) for p in r.items(node, "people", required=False)]
    seen: set[str] = set()
    loaded: list[Person] = []
    for node, side, owner in people:
        email = r.email(node)
        if email in seen:
            raise r.fail(node, f"person {email} is listed twice")
        seen.add(email)
        person = _upsert(
            session,
            report,
            "people",
            Person,
            {"email": email},
            {
                "name": r.text(node, "name", required=False),
                "side": side.value,
                "region_id": region.id,
                "ght_id": owner.id if owner else None,
            },
        )
        loaded.append(person)
    return loaded


# --- web (issue 7): the scenario's people sign in with the demo password ---------------------


def _set_demo_password(
    session: Session, r: _Reader, root: LineMap, people: list[Person], report: LoadReport
) -> None:
    """`demo_password` (optional) becomes the password of every person of the scenario who has
    none yet; a password someone set since (`ghtflow users passwd`) is kept."""
    password = root.get("demo_password")
    if password is None:
        return
    lines = Path(r.path).read_text(encoding="utf-8").splitlines()
    line = next((n for n, text in enumerate(lines, 1) if text.startswith("demo_password:")), None)
    if not isinstance(password, str):
        raise ScenarioError(r.path, line, "'demo_password' must be text")
    try:
        digest = _demo_hash(password)
    except InvalidInput as exc:
        raise ScenarioError(r.path, line, f"'demo_password': {exc}") from None
    for person in people:
        if person.password_hash is None:
            person.password_hash = digest
            report.created["demo passwords"] += 1
        else:
            report.unchanged["demo passwords"] += 1


@lru_cache(maxsize=4)
def _demo_hash(password: str) -> str:
    """One argon2 hash per password and process (~0.1 s each): the tests load the scenario
    hundreds of times. Every demo person shares the hash, as they share the password."""
    return hash_password(password)


# --- end web ---


def _load_campaign(
    session: Session, r: _Reader, root: LineMap, region: Region, ws: Workspace, report: LoadReport
) -> tuple[Campaign, dict[str, date]]:
    node = r.mapping(root.get("campaign"), "'campaign'", root)
    campaign = _upsert(
        session,
        report,
        "campaigns",
        Campaign,
        {"code": r.text(node, "code")},
        {"name": r.text(node, "name"), "region_id": region.id},
    )
    raw = r.mapping(node.get("due_dates"), "'due_dates'", node)
    due_dates: dict[str, date] = {}
    for doc_type in raw:
        if doc_type not in ws.workflows.types:
            raise r.fail(
                raw, f"unknown document type {doc_type!r}; known: {', '.join(ws.workflows.types)}"
            )
        due = r.day(raw, doc_type)
        assert due is not None
        due_dates[doc_type] = due
        _upsert(
            session,
            report,
            "due dates",
            CampaignDueDate,
            {"campaign_id": campaign.id, "doc_type": doc_type},
            {"due_date": due},
        )
    return campaign, due_dates


def _submitted_states(definition: WorkflowDefinition) -> set[str]:
    """States that can only be reached once a file was received (they need a version)."""
    return definition.reachable_from(
        {t.dest for t in definition.transitions if "file_attached" in t.guards}
    )


def _load_documents(
    session: Session,
    r: _Reader,
    root: LineMap,
    ws: Workspace,
    ghts: dict[str, Ght],
    campaign: Campaign,
    due_dates: dict[str, date],
    motives: set[str],
    as_of: date,
    scenario: str,
    report: LoadReport,
) -> None:
    for node in r.items(root, "documents", required=False):
        code = r.text(node, "ght").upper()
        if code not in ghts:
            raise r.fail(node, f"unknown GHT {code!r}")
        doc_type = r.text(node, "type")
        if doc_type not in ws.workflows.types:
            raise r.fail(
                node, f"unknown document type {doc_type!r}; known: {', '.join(ws.workflows.types)}"
            )
        definition = ws.workflows.definition(doc_type)
        state = r.text(node, "state", required=False, default=definition.initial)
        if state not in definition.state_names:
            raise r.fail(
                node,
                f"{doc_type} has no state {state!r}; states: {', '.join(definition.state_names)}",
            )
        since = r.day(node, "since", required=False) or as_of
        if since > as_of:
            raise r.fail(node, f"'since' {since} is after the scenario date {as_of}")
        received_on = r.day(node, "received_on", required=False)
        needs_version = state in _submitted_states(definition)
        request_node = node.get("conformity_request")
        needs_request = any(
            "conformity_motives" in t.guards and t.dest == state for t in definition.transitions
        )
        if needs_request and request_node is None:
            raise r.fail(node, f"a {doc_type} in state {state!r} needs a 'conformity_request'")
        if request_node is not None and not needs_request:
            raise r.fail(node, f"'conformity_request' does not fit state {state!r}")
        request = (
            _conformity_request(r, request_node, node, motives, definition)
            if needs_request
            else None
        )

        reference = r.text(node, "reference", required=False)
        existing = session.exec(
            select(Document).where(
                Document.ght_id == ghts[code].id,
                Document.doc_type == doc_type,
                Document.campaign_id == campaign.id,
                Document.reference == reference,
            )
        ).first()
        if existing is not None:
            report.unchanged["documents"] += 1
            continue
        received = received_on or since
        document = Document(
            ght_id=ghts[code].id or 0,
            doc_type=doc_type,
            campaign_id=campaign.id or 0,
            reference=reference,
            title=r.text(node, "title", required=False),
            state=state,
            due_date=r.day(node, "due_date", required=False) or due_dates.get(doc_type),
            current_version=1 if needs_version else 0,
            submitted_on=received if needs_version else None,
        )
        session.add(document)
        session.flush()
        payload: dict[str, Any] = {"scenario": scenario}
        if needs_version:
            session.add(
                DocumentVersion(document_id=document.id or 0, number=1, received_on=received)
            )
            payload["version"] = 1
        if request is not None:
            request.document_id = document.id or 0
            session.add(request)
            payload |= {"motives": request.motives, "respond_by": request.respond_by.isoformat()}
        append_event(
            session.connection(),
            ws.audit_key,
            document_id=document.id or 0,
            ght_id=document.ght_id,
            seq=1,
            name="load",
            actor=f"scenario:{scenario}",
            as_of=since,
            from_state=None,
            to_state=state,
            payload=payload,
        )
        report.created["documents"] += 1


def _conformity_request(
    r: _Reader, raw: Any, parent: LineMap, motives: set[str], definition: WorkflowDefinition
) -> ConformityRequest:
    node = r.mapping(raw, "'conformity_request'", parent)
    chosen = node.get("motives")
    if not isinstance(chosen, list) or not all(isinstance(m, str) for m in chosen):
        raise r.fail(node, "'motives' must be a list of motive keys")
    requested_on = r.day(node, "requested_on")
    respond_by = r.day(node, "respond_by")
    assert requested_on is not None
    context = FireContext(
        actor_side=Side.AGENCY,
        as_of=requested_on,
        motives=tuple(chosen),
        known_motives=frozenset(motives),
        respond_by=respond_by,
    )
    for guard in ("conformity_motives", "respond_by_min_delay"):  # the event's own guards
        reason = GUARDS[guard](context, definition.timers)
        if reason:
            raise r.fail(node, reason)
    assert respond_by is not None
    return ConformityRequest(
        document_id=0,
        motives=list(chosen),
        note=r.text(node, "note", required=False) or None,
        requested_on=requested_on,
        respond_by=respond_by,
        requested_by=r.text(node, "requested_by", required=False, default="scenario"),
    )
