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
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, select

from models import (
    Campaign,
    ConformityMotive,
    ConformityRequest,
    Document,
    DocumentVersion,
    Establishment,
    Ght,
    HolderKind,
    Membership,
    MembershipRole,
    Person,
    Region,
)
from notifications.addresses import InvalidAddress, parse_address
from services.accounts.people import demo_password_hash
from services.adapters.yaml_lines import LineMap, read_yaml
from services.audit.chain import append_event
from services.campaigns.store import CampaignSpec, store_campaign
from services.clock import EARLIEST_DAY, LATEST_DAY, today
from services.errors import InvalidInput, ScenarioError, ServiceError
from services.generation.letter_numbers import give_reference
from services.lifecycle.motives import motive_key_problem
from services.limits import KEY_MAX, LABEL_MAX
from services.registry.categories import load_categories
from services.registry.departments import format_area, parse_area
from services.registry.finess import finess_problem
from services.registry.regions import Identity, apply_identity, check_identity
from services.workspace import Workspace
from states.campaigns import campaign_code, code_problem, due_problem, name_problem
from states.deadlines import conformity_states
from states.definition import STORE_VERSION, Side, WorkflowDefinition
from states.guards import GUARDS, FireContext

T = TypeVar("T", bound=SQLModel)


@dataclass
class LoadReport:
    scenario: str
    demo_password_skipped: bool = False  # the file has one, `demo` was not asked
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


NOTE_LIMIT = 5000  # a conformity request's free text
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # line breaks and controls
_CONTROL_IN_NOTE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # a note keeps \n and \t


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:50] + f"… ({len(text)} characters)"


class _Reader:
    """Typed access to the parsed file that turns every mistake into a `ScenarioError` naming
    the line of the key (or of the mapping when the key is missing)."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def fail(self, node: Any, message: str, key: str | None = None) -> ScenarioError:
        line = node.line_of(key) if isinstance(node, LineMap) and key else None
        return ScenarioError(self.path, line or getattr(node, "line", None), message)

    def mapping(self, node: Any, what: str, parent: Any = None) -> LineMap:
        if not isinstance(node, LineMap):
            raise self.fail(parent if node is None else node, f"{what} must be a mapping")
        return node

    def items(self, node: LineMap, key: str, required: bool = True) -> list[LineMap]:
        value = node.get(key)
        if value is None and not required:
            return []
        if not isinstance(value, list):
            raise self.fail(node, f"'{key}' must be a list", key)
        return [self.mapping(v, f"each entry of '{key}'", node) for v in value]

    def text(
        self,
        node: LineMap,
        key: str,
        required: bool = True,
        default: str = "",
        *,
        limit: int = 200,
        multiline: bool = False,
    ) -> str:
        """A one-line text of at most `limit` characters (`multiline`: a note, \n allowed)."""
        value = node.get(key)
        if value is None:
            if required:
                raise self.fail(node, f"missing '{key}'", key)
            return default
        if isinstance(value, (dict, list)):
            raise self.fail(node, f"'{key}' must be text", key)
        text = str(value).strip()
        if len(text) > limit:
            raise self.fail(node, f"'{key}' is {len(text)} characters long; at most {limit}", key)
        if (_CONTROL_IN_NOTE if multiline else _CONTROL).search(text):
            problem = f"'{key}': line break or control character in {_shown(text)}"
            raise self.fail(node, problem, key)
        return text

    def day(
        self, node: LineMap, key: str, required: bool = True, *, latest: date = LATEST_DAY
    ) -> date | None:
        """A date YYYY-MM-DD between EARLIEST_DAY and `latest` (today for the day of an event)."""
        value = node.get(key)
        if value is None:
            if required:
                raise self.fail(node, f"missing '{key}'", key)
            return None
        day: date | None = None
        if isinstance(value, datetime):
            day = value.date()
        elif isinstance(value, date):
            day = value
        elif isinstance(value, str) and len(value) <= 10:
            try:
                day = date.fromisoformat(value)
            except ValueError:
                day = None
        if day is None:
            raise self.fail(node, f"'{key}' must be a date YYYY-MM-DD, not {_shown(value)}", key)
        if not EARLIEST_DAY <= day <= latest:
            raise self.fail(node, f"'{key}' {day} is not between {EARLIEST_DAY} and {latest}", key)
        return day

    def email(self, node: LineMap, key: str = "email") -> str:
        try:
            return parse_address(self.text(node, key, limit=320), f"'{key}'")
        except InvalidAddress as exc:
            raise self.fail(node, str(exc), key) from None

    def finess(self, node: LineMap, key: str, known: set[str] | None = None) -> str:
        value = self.text(node, key, limit=20).upper()
        problem = finess_problem(value)
        if problem:
            raise self.fail(node, f"'{key}': {problem}", key)
        if known is not None and value not in known:
            raise self.fail(node, f"FINESS {value} is not among the establishments", key)
        return value

    def area(self, node: LineMap, key: str = "area") -> str | None:
        value = self.text(node, key, required=False)
        if not value:
            return None
        try:
            return format_area(parse_area(value))
        except InvalidInput as exc:
            raise self.fail(node, f"'{key}': {exc}", key) from None


def load_scenario(ws: Workspace, path: Path, *, demo: bool = False) -> LoadReport:
    """Check the whole file, then create what is missing and update reference data that changed.

    The file's `demo_password` is given to its people only with `demo` (`ghtflow load --demo`):
    loading a scenario into a real database must not open accounts with a published password."""
    r = _Reader(path)
    root = r.mapping(read_yaml(path), "the scenario file")
    name = r.text(root, "scenario", limit=100)
    as_of = r.day(root, "as_of", latest=today())
    assert as_of is not None
    report = LoadReport(scenario=name)
    with ws.db.transaction() as session:
        motives = _load_motives(session, r, root, report)
        region = _load_region(session, r, root, report)
        establishments = _load_establishments(session, r, root, ws, report)
        ghts = _load_ghts(session, r, root, region, establishments, report)
        ghts = _load_structures(session, r, root, region, establishments, ghts, report)
        people = _load_people(session, r, root, region, ghts, report)
        _set_demo_password(session, r, root, people, report, demo)
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
        key = r.text(node, "key", limit=KEY_MAX)
        problem = motive_key_problem(key)
        if problem:
            raise r.fail(node, problem, "key")
        _upsert(
            session,
            report,
            "motives",
            ConformityMotive,
            {"key": key},
            {"label": r.text(node, "label", limit=LABEL_MAX)},
        )
    return set(session.exec(select(ConformityMotive.key)).all())


def _load_region(session: Session, r: _Reader, root: LineMap, report: LoadReport) -> Region:
    node = r.mapping(root.get("region"), "'region'", root)
    return _upsert(
        session,
        report,
        "regions",
        Region,
        {"code": r.text(node, "code", limit=16).upper()},
        {
            "name": r.text(node, "name"),
            "agency_name": r.text(node, "agency"),
            "direction_email": r.email(node, "direction_email"),
            **_identity(r, node),
        },
    )


_IDENTITY_KEYS = frozenset({"direction", "address", "city", "phone", "reference_pattern"})


def _identity(r: _Reader, region: LineMap) -> dict[str, Any]:
    """The region's `identity:` (as `regions set-identity` takes it) as column values; none
    given: nothing (a region keeps what was set by hand)."""
    if region.get("identity") is None:
        return {}
    node = r.mapping(region.get("identity"), "'identity'", region)
    for key in node:
        if key not in _IDENTITY_KEYS:
            raise r.fail(
                node, f"unknown key {key!r}; keys: {', '.join(sorted(_IDENTITY_KEYS))}", key
            )
    address = node.get("address")
    if address is not None and not (
        isinstance(address, list) and all(isinstance(line, str) for line in address)
    ):
        raise r.fail(node, "'address' must be a list of lines", "address")
    values = {
        k: None if node.get(k) is None else str(node.get(k)) for k in _IDENTITY_KEYS - {"address"}
    }
    try:
        identity = check_identity(
            Identity(address=tuple(address) if address is not None else None, **values)
        )
    except InvalidInput as exc:
        raise r.fail(node, str(exc)) from None
    probe = Region(code="", name="", agency_name="", direction_email="")
    apply_identity(probe, identity)
    columns = ("direction_name", "address", "city", "phone", "reference_pattern")
    given = {
        "direction_name": identity.direction,
        "address": identity.address,
        "city": identity.city,
        "phone": identity.phone,
        "reference_pattern": identity.reference_pattern,
    }
    return {c: getattr(probe, c) for c in columns if given[c] is not None}


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
            raise r.fail(node, "'public' must be true or false", "public")
        category = r.text(node, "category", required=False, limit=100)
        listed_kind = categories.lookup(category) if category else None
        default_kind = listed_kind.kind if listed_kind else ""
        found[finess] = _upsert(
            session,
            report,
            "establishments",
            Establishment,
            {"finess": finess},
            {
                "name": r.text(node, "name", limit=300),
                "category": category,
                "kind": r.text(node, "kind", required=False, default=default_kind, limit=40),
                "area": r.area(node),
                "is_public": public,
                "commune": r.text(node, "commune", required=False),
                "postal_code": r.text(node, "postal_code", required=False, limit=10),
                "representative": r.text(node, "representative", required=False, limit=300),
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
    for node in r.items(root, "ghts", required=False):
        code = r.text(node, "code", limit=16).upper()
        if code in ghts:
            raise r.fail(node, f"GHT {code} is listed twice")
        support = establishments[r.finess(node, "support", known)]
        chu = node.get("reference_chu")
        reference = establishments[r.finess(node, "reference_chu", known)] if chu else None
        _same_kind(session, r, node, code, HolderKind.GHT)
        ght = _upsert(
            session,
            report,
            "ghts",
            Ght,
            {"code": code},
            {
                "name": r.text(node, "name", limit=300),
                "region_id": region.id,
                "support_establishment_id": support.id,
                "reference_chu_id": reference.id if reference else None,
            },
        )
        roles = {support.finess: MembershipRole.PARTIE.value}
        for member in r.items(node, "members", required=False):
            finess = r.finess(member, "finess", known)
            role = r.text(member, "role", limit=16)
            if role not in {m.value for m in MembershipRole}:
                raise r.fail(
                    member, f"role {role!r} must be one of partie, associe, partenaire", "role"
                )
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


def _load_structures(
    session: Session,
    r: _Reader,
    root: LineMap,
    region: Region,
    establishments: dict[str, Establishment],
    ghts: dict[str, Ght],
    report: LoadReport,
) -> dict[str, Ght]:
    """The holders that are not GHTs (e.g. coordination structures applying to a call for
    projects), each with its registry row when it has a FINESS; added to the holders by code."""
    holders = dict(ghts)
    for node in r.items(root, "structures", required=False):
        code = r.text(node, "code", limit=16).upper()
        if code in holders:
            raise r.fail(node, f"holder code {code} is listed twice", "code")
        finess = r.finess(node, "finess", set(establishments)) if node.get("finess") else None
        _same_kind(session, r, node, code, HolderKind.STRUCTURE)
        holders[code] = _upsert(
            session,
            report,
            "structures",
            Ght,
            {"code": code},
            {
                "name": r.text(node, "name", limit=300),
                "region_id": region.id,
                "kind": HolderKind.STRUCTURE.value,
                "establishment_id": establishments[finess].id if finess else None,
            },
        )
    return holders


def _same_kind(session: Session, r: _Reader, node: LineMap, code: str, kind: HolderKind) -> None:
    """A code names one holder: a GHT's code is never reused for a structure, or the reverse."""
    found = session.exec(select(Ght).where(Ght.code == code)).first()
    if found is not None and found.kind != kind:
        other = "GHT" if found.kind == HolderKind.GHT else "structure"
        raise r.fail(node, f"code {code} is already the code of {other} {found.name!r}", "code")


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
    for section in ("ghts", "structures"):  # a structure's people act on its side, as a GHT's
        for node in r.items(root, section, required=False):
            holder = ghts[r.text(node, "code").upper()]
            people += [(p, Side.GHT, holder) for p in r.items(node, "people", required=False)]
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


def _set_demo_password(
    session: Session,
    r: _Reader,
    root: LineMap,
    people: list[Person],
    report: LoadReport,
    demo: bool,
) -> None:
    """With `demo`, `demo_password` becomes the password of every person of the scenario who
    has none yet; a password someone set since (`ghtflow users passwd`) is kept. Without it the
    key is checked and reported as skipped."""
    password = root.get("demo_password")
    if password is None:
        if demo:
            raise ScenarioError(r.path, None, "--demo: the file has no 'demo_password'")
        return
    line = root.key_lines.get("demo_password", root.line)
    if not isinstance(password, str):
        raise ScenarioError(r.path, line, "'demo_password' must be text")
    try:
        digest = demo_password_hash(password)
    except InvalidInput as exc:
        raise ScenarioError(r.path, line, f"'demo_password': {exc}") from None
    if not demo:
        report.demo_password_skipped = True
        return
    for person in people:
        if person.password_hash is None:
            person.password_hash = digest
            report.created["demo passwords"] += 1
        else:
            report.unchanged["demo passwords"] += 1


def _load_campaign(
    session: Session, r: _Reader, root: LineMap, region: Region, ws: Workspace, report: LoadReport
) -> tuple[Campaign, dict[str, date]]:
    """The file's campaign, stored as `campaigns create` stores one (`store_campaign`): the
    same rules, and a file loaded again adds due types or renames it but moves no date."""
    node = r.mapping(root.get("campaign"), "'campaign'", root)
    code = campaign_code(r.text(node, "code", limit=40))
    name = r.text(node, "name")
    for key, problem in (("code", code_problem(code)), ("name", name_problem(name))):
        if problem:
            raise r.fail(node, problem, key)
    raw = r.mapping(node.get("due_dates"), "'due_dates'", node)
    due_dates: dict[str, date] = {}
    for doc_type in raw:
        if doc_type not in ws.workflows.types:
            known = ", ".join(ws.workflows.types)
            raise r.fail(raw, f"unknown document type {_shown(doc_type)}; known: {known}", doc_type)
        due = r.day(raw, doc_type)
        assert due is not None
        problem = due_problem(doc_type, due, today(), ws.workflows.types)
        if problem:
            raise r.fail(raw, problem, doc_type)
        due_dates[doc_type] = due
    spec = CampaignSpec(code=code, name=name, region=region.code, due=due_dates)
    try:
        stored = store_campaign(session, ws, spec, update=True)
    except ServiceError as exc:
        raise r.fail(node, str(exc), "code") from None
    report.created.update(stored.created)
    report.updated.update(stored.updated)
    report.unchanged.update(stored.unchanged)
    return stored.campaign, due_dates


def _submitted_states(definition: WorkflowDefinition) -> set[str]:
    """States that can only be reached once a file was received (they need a version)."""
    return definition.reachable_from({t.dest for t in definition.with_effect(STORE_VERSION)})


@dataclass
class _ListedDocument:
    """One entry of `documents:`, checked, before anything is written."""

    ght: Ght
    doc_type: str
    state: str
    since: date
    received_on: date | None
    needs_version: bool
    request: ConformityRequest | None
    reference: str
    title: str
    due_date: date | None


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
        listed = _read_document(r, node, ws, ghts, motives, as_of)
        existing = session.exec(
            select(Document).where(
                Document.ght_id == listed.ght.id,
                Document.doc_type == listed.doc_type,
                Document.campaign_id == campaign.id,
                Document.reference == listed.reference,
            )
        ).first()
        if existing is not None:
            report.unchanged["documents"] += 1
            continue
        _record_document(session, ws, listed, campaign, due_dates, scenario)
        report.created["documents"] += 1


def _read_document(
    r: _Reader,
    node: LineMap,
    ws: Workspace,
    ghts: dict[str, Ght],
    motives: set[str],
    as_of: date,
) -> _ListedDocument:
    """One document entry checked against its type's definition; a mistake names its line."""
    key = "holder" if "holder" in node else "ght"  # a structure's documents say `holder`
    code = r.text(node, key, limit=16).upper()
    if code not in ghts:
        raise r.fail(node, f"unknown GHT {code!r}", key)
    doc_type = r.text(node, "type", limit=40)
    if doc_type not in ws.workflows.types:
        known = ", ".join(ws.workflows.types)
        raise r.fail(node, f"unknown document type {doc_type!r}; known: {known}", "type")
    definition = ws.workflows.definition(doc_type)
    state = r.text(node, "state", required=False, default=definition.initial, limit=40)
    if state not in definition.state_names:
        raise r.fail(
            node,
            f"{doc_type} has no state {state!r}; states: {', '.join(definition.state_names)}",
            "state",
        )
    since = r.day(node, "since", required=False) or as_of
    if since > as_of:
        raise r.fail(node, f"'since' {since} is after the scenario date {as_of}", "since")
    received_on = r.day(node, "received_on", required=False, latest=as_of)
    request_node = node.get("conformity_request")
    needs_request = state in conformity_states(definition)
    if needs_request and request_node is None:
        raise r.fail(node, f"a {doc_type} in state {state!r} needs a 'conformity_request'")
    if request_node is not None and not needs_request:
        raise r.fail(node, f"'conformity_request' does not fit state {state!r}")
    return _ListedDocument(
        ght=ghts[code],
        doc_type=doc_type,
        state=state,
        since=since,
        received_on=received_on,
        needs_version=state in _submitted_states(definition),
        request=(
            _conformity_request(r, request_node, node, motives, definition)
            if needs_request
            else None
        ),
        reference=r.text(node, "reference", required=False, limit=80),
        title=r.text(node, "title", required=False, limit=300),
        due_date=r.day(node, "due_date", required=False),
    )


def _record_document(
    session: Session,
    ws: Workspace,
    listed: _ListedDocument,
    campaign: Campaign,
    due_dates: dict[str, date],
    scenario: str,
) -> None:
    """The document, its first version and open request if its state needs them, and the
    audited `load` event that brings it into the history."""
    received = listed.received_on or listed.since
    document = Document(
        ght_id=listed.ght.id or 0,
        doc_type=listed.doc_type,
        campaign_id=campaign.id or 0,
        reference=listed.reference,
        title=listed.title,
        state=listed.state,
        due_date=listed.due_date or due_dates.get(listed.doc_type),
        current_version=1 if listed.needs_version else 0,
        submitted_on=received if listed.needs_version else None,
    )
    session.add(document)
    session.flush()
    payload: dict[str, Any] = {"scenario": scenario}
    if listed.needs_version:
        session.add(DocumentVersion(document_id=document.id or 0, number=1, received_on=received))
        payload["version"] = 1
    request = listed.request
    if request is not None:
        request.document_id = document.id or 0
        session.add(request)
        session.flush()
        reference = give_reference(
            session.connection(),
            request.document_id,
            request.requested_on,
            conformity_request_id=request.id,
        )
        payload |= {
            "motives": request.motives,
            "respond_by": request.respond_by.isoformat(),
            "letter_reference": reference,
        }
    append_event(
        session.connection(),
        ws.audit_key,
        document_id=document.id or 0,
        ght_id=document.ght_id,
        seq=1,
        name="load",
        actor=f"scenario:{scenario}",
        as_of=listed.since,
        from_state=None,
        to_state=listed.state,
        payload=payload,
    )


def _conformity_request(
    r: _Reader, raw: Any, parent: LineMap, motives: set[str], definition: WorkflowDefinition
) -> ConformityRequest:
    node = r.mapping(raw, "'conformity_request'", parent)
    chosen = node.get("motives")
    if not isinstance(chosen, list) or not all(isinstance(m, str) for m in chosen):
        raise r.fail(node, "'motives' must be a list of motive keys", "motives")
    if len(set(chosen)) != len(chosen):
        raise r.fail(node, "'motives' lists a motive twice", "motives")
    requested_on = r.day(node, "requested_on", latest=today())
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
        note=r.text(node, "note", required=False, limit=NOTE_LIMIT, multiline=True) or None,
        requested_on=requested_on,
        respond_by=respond_by,
        requested_by=r.text(node, "requested_by", required=False, default="scenario", limit=320),
    )
