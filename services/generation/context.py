"""What a Word template is filled with: facts read from the database, then a context.

Two steps so that the shape of the context is defined once: `load_document_facts` and
`load_request_facts` read the database into plain dataclasses; `build_context` (pure) turns
facts into the context a template sees, with dates and numbers written in French. The
template never computes anything; `sample_context` feeds the same builder with made-up facts,
which is what `ghtflow templates check` compares a user's model against.

Empty values (no legal representative recorded, no area) are left out of the context on
purpose: a template that needs one then stops with the name of the missing value, instead
of printing a convention with a blank where a signatory should be.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from doc_templates.render import Record, sample_logo
from i18n import french_date, french_date_short
from i18n.forms import article_name, french_number_words, parse_representative
from i18n.typography import french_typography
from models import (
    Campaign,
    ConformityMotive,
    ConformityRequest,
    Document,
    DocumentParty,
    Establishment,
    Event,
    Ght,
    HolderKind,
    Membership,
    MembershipRole,
    Person,
    Region,
)
from services.adapters.stored import motive_keys
from services.errors import InvalidInput, NotFound
from services.generation.letter_numbers import existing_reference
from services.generation.references import load_references
from services.registry.departments import area_names
from services.views.documents import assessment_grid
from states.machine import WorkflowRegistry

# Template kinds (the context a model is filled with): a convention's document type, the
# conformity letter, the document model of any other type, and the letter of a procedure's
# notice (`mail: {letter: …}`).
CONFORMITY_LETTER = "conformity_letter"
CONVENTION_KINDS = ("chu_convention", "had_convention", "partnership_convention")
DOCUMENT = "document"
NOTICE_LETTER = "notice_letter"
KINDS = (*CONVENTION_KINDS, CONFORMITY_LETTER, DOCUMENT, NOTICE_LETTER)
# Under which name each convention type lists its parties in the context.
PARTY_NAMES = {
    "chu_convention": "parties",
    "had_convention": "hads",
    "partnership_convention": "partners",
}


@dataclass(frozen=True)
class EstablishmentFacts:
    name: str
    finess: str
    category: str = ""
    kind: str = ""
    is_public: bool = True
    commune: str = ""
    postal_code: str = ""
    representative: str = ""
    area: str | None = None


@dataclass(frozen=True)
class AgencyFacts:
    """The agency's identity in a region, for letterheads (`regions set-identity`); all
    optional: a region without one prints the agency's name alone."""

    direction: str = ""
    address_lines: tuple[str, ...] = ()
    city: str = ""
    phone: str = ""
    logo_hash: str | None = None  # the logo in the file store, read when a file is filled
    logo: Any = None  # the image the renderer places (`{{ agency.logo }}`), or None


@dataclass(frozen=True)
class RequestFacts:
    id: int
    motives: tuple[tuple[str, str], ...]  # (key, French label)
    note: str | None
    requested_on: date
    respond_by: date
    requested_by: str
    signatory_name: str
    letter_reference: str = ""  # allocated when the request was recorded


@dataclass(frozen=True)
class EventFacts:
    """The event a procedure's notice letter is about."""

    name: str
    label: str
    actor: str
    as_of: date
    note: str | None = None
    letter_reference: str = ""  # allocated when the event was recorded


def context_kind(doc_type: str) -> str:
    """The context a type's own model is filled with: a convention's, or the document's."""
    return doc_type if doc_type in CONVENTION_KINDS else DOCUMENT


@dataclass(frozen=True)
class DocumentFacts:
    """Everything a template may use about one document, as read in one transaction."""

    id: int
    doc_type: str
    type_label: str
    reference: str
    title: str
    state: str
    state_label: str
    version: int
    due_date: date | None
    submitted_on: date | None
    last_event_on: date | None
    ght_code: str
    ght_name: str
    region_code: str
    region_name: str
    agency_name: str
    direction_email: str
    campaign_code: str
    campaign_name: str
    support: EstablishmentFacts
    members: tuple[EstablishmentFacts, ...]
    parties: tuple[EstablishmentFacts, ...] = ()
    request: RequestFacts | None = field(default=None)
    event: EventFacts | None = field(default=None)
    # the assessment grid (criterion label, latest verdict or None, its note), when the type has one
    assessment: tuple[tuple[str, bool | None, str | None], ...] = ()
    agency: AgencyFacts = field(default_factory=AgencyFacts)
    # the day of the event that signed the document (an event `signs: true` in its workflow)
    signed_on: date | None = None

    @property
    def label(self) -> str:
        return f"document {self.id} ({self.doc_type}, {self.ght_code})"


# --- reading the database ---------------------------------------------------------------------


def _establishment(row: Establishment, area: str | None = None) -> EstablishmentFacts:
    return EstablishmentFacts(
        name=row.name,
        finess=row.finess,
        category=row.category,
        kind=row.kind,
        is_public=row.is_public,
        commune=row.commune,
        postal_code=row.postal_code,
        representative=row.representative,
        area=area,
    )


def _holder_establishment(session: Session, ght: Ght, label: str) -> Establishment:
    """The establishment that speaks for the holder: a GHT's support establishment, or a
    structure's own registry row (a structure without one is named as itself)."""
    if ght.kind != HolderKind.GHT:
        own = session.get(Establishment, ght.establishment_id) if ght.establishment_id else None
        return own if own is not None else Establishment(finess="", name=ght.name)
    if ght.support_establishment_id is None:
        raise InvalidInput(
            f"{label}: GHT {ght.code} has no support establishment recorded "
            f"(set it with: ghtflow ghts set-support {ght.code} FINESS)"
        )
    support = session.get(Establishment, ght.support_establishment_id)
    assert support is not None
    return support


def _grid(
    session: Session, registry: WorkflowRegistry, document: Document
) -> tuple[tuple[str, bool | None, str | None], ...]:
    """The document's assessment grid as a letter writes it: label, verdict, note."""
    definition = registry.find(document.doc_type)
    if definition is None or document.id is None:
        return ()
    lines = assessment_grid(session, definition, document.id)
    return tuple((line["label"], line["met"], line["note"]) for line in lines)


def load_document_facts(
    session: Session, registry: WorkflowRegistry, document_id: int
) -> DocumentFacts:
    """The document, its GHT, region, campaign, support establishment, members and parties."""
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound(f"document {document_id} does not exist")
    ght = session.get(Ght, document.ght_id)
    assert ght is not None
    label = f"document {document_id} ({document.doc_type}, {ght.code})"
    region = session.get(Region, ght.region_id)
    campaign = session.get(Campaign, document.campaign_id)
    assert region is not None and campaign is not None
    support = _holder_establishment(session, ght, label)
    members = session.exec(
        select(Establishment)
        .join(Membership, col(Membership.establishment_id) == col(Establishment.id))
        .where(Membership.ght_id == ght.id, Membership.role == MembershipRole.PARTIE.value)
    ).all()
    others = sorted((m for m in members if m.id != support.id), key=lambda e: e.name.casefold())
    parties = [
        _establishment(establishment, party.area)
        for party, establishment in session.exec(
            select(DocumentParty, Establishment)
            .join(Establishment, col(Establishment.id) == col(DocumentParty.establishment_id))
            .where(DocumentParty.document_id == document_id)
            .order_by(col(DocumentParty.id))
        ).all()
    ]
    if not parties and document.doc_type == "chu_convention" and ght.reference_chu_id:
        chu = session.get(Establishment, ght.reference_chu_id)
        assert chu is not None
        parties = [_establishment(chu)]
    last_event_on = session.exec(
        select(col(Event.as_of))
        .where(Event.document_id == document_id)
        .order_by(col(Event.seq).desc())
    ).first()
    signed_on = _signed_on(session, registry, document)
    doc_type, state = document.doc_type, document.state  # shown raw if no workflow knows them
    return DocumentFacts(
        id=document_id,
        doc_type=document.doc_type,
        type_label=registry.type_label(doc_type),
        reference=document.reference,
        title=document.title,
        state=document.state,
        state_label=registry.state_label(doc_type, state),
        version=document.current_version,
        due_date=document.due_date,
        submitted_on=document.submitted_on,
        last_event_on=last_event_on,
        ght_code=ght.code,
        ght_name=ght.name,
        region_code=region.code,
        region_name=region.name,
        agency_name=region.agency_name,
        direction_email=region.direction_email,
        campaign_code=campaign.code,
        campaign_name=campaign.name,
        support=_establishment(support),
        members=(_establishment(support), *(_establishment(m) for m in others)),
        parties=tuple(parties),
        assessment=_grid(session, registry, document),
        agency=_agency_facts(region),
        signed_on=signed_on,
    )


def _signed_on(session: Session, registry: WorkflowRegistry, document: Document) -> date | None:
    """The day of the document's latest signing event (`signs: true` in its workflow), or of
    the scenario line that loaded it as signed (its `since`); None before it is signed."""
    definition = registry.find(document.doc_type)
    if definition is None:
        return None
    signing = definition.signing_events
    signed_states = {t.dest for t in definition.transitions if t.signs}
    if not signing:
        return None
    return session.exec(
        select(col(Event.as_of))
        .where(
            Event.document_id == document.id,
            col(Event.name).in_(signing)
            | ((col(Event.name) == "load") & col(Event.to_state).in_(signed_states)),
        )
        .order_by(col(Event.seq).desc())
    ).first()


def _agency_facts(region: Region) -> AgencyFacts:
    return AgencyFacts(
        direction=region.direction_name,
        address_lines=tuple(line for line in region.address.splitlines() if line.strip()),
        city=region.city,
        phone=region.phone,
        logo_hash=region.logo_hash,
    )


def latest_request_id(session: Session, document_id: int) -> int | None:
    """The document's most recent conformity request, if any."""
    return session.exec(
        select(ConformityRequest.id)
        .where(ConformityRequest.document_id == document_id)
        .order_by(col(ConformityRequest.requested_on).desc(), col(ConformityRequest.id).desc())
    ).first()


def load_request_facts(
    session: Session, registry: WorkflowRegistry, request_id: int
) -> DocumentFacts:
    """The facts of the request's document, with the request itself (motives with labels,
    note, dates, and who signs: the person who asked, by the name recorded for them; for a
    request not made by a known person, the region's first agency person, else the agency)."""
    request = session.get(ConformityRequest, request_id)
    if request is None:
        raise NotFound(f"conformity request {request_id} does not exist")
    facts = load_document_facts(session, registry, request.document_id)
    labels = dict(
        session.exec(
            select(ConformityMotive.key, ConformityMotive.label).where(
                col(ConformityMotive.key).in_(motive_keys(request.motives))
            )
        ).all()
    )
    person = session.exec(select(Person).where(Person.email == request.requested_by)).first()
    if person is None:  # e.g. a request loaded from a scenario: the region's case officer signs
        person = session.exec(
            select(Person)
            .join(Ght, col(Ght.region_id) == col(Person.region_id))
            .where(Person.side == "agency", Ght.code == facts.ght_code)
            .order_by(col(Person.id))
        ).first()
    return DocumentFacts(
        **{k: getattr(facts, k) for k in facts.__dataclass_fields__ if k != "request"},
        request=RequestFacts(
            id=request_id,
            motives=tuple((key, labels.get(key, key)) for key in motive_keys(request.motives)),
            note=request.note,
            requested_on=request.requested_on,
            respond_by=request.respond_by,
            requested_by=person.email if person else facts.direction_email,
            signatory_name=(person.name or person.email) if person else facts.agency_name,
            letter_reference=existing_reference(
                session.connection(), conformity_request_id=request_id
            )
            or "",
        ),
    )


# --- building the context (pure) --------------------------------------------------------------


def _filled(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, "")}


def _establishment_record(path: str, e: EstablishmentFacts) -> Record:
    values = {
        "name": e.name,
        "article_name": article_name(e.name, e.kind),
        "finess": e.finess,
        "category": e.category,
        "status": "public" if e.is_public else "privé",
        "commune": e.commune,
        "postal_code": e.postal_code,
        "representative": e.representative,
        "area": ", ".join(p.strip() for p in e.area.split(",") if p.strip()) if e.area else None,
        "area_names": area_names(e.area) if e.area else None,
    }
    return Record(path, f"{e.name}, FINESS {e.finess}", _filled(values))


def _signatory(path: str, e: EstablishmentFacts) -> Record:
    """One cell of a convention's signature table: for whom, who, as what."""
    person = parse_representative(e.representative)
    values = {
        "establishment": e.name,
        "article_name": article_name(e.name, e.kind),
        "title": person.signing_title,
        "name": person.name,
    }
    return Record(path, f"{e.name}, FINESS {e.finess}", _filled(values))


def _recipient(facts: DocumentFacts) -> Record:
    """Whom a letter is addressed to: the support establishment's legal representative."""
    support = facts.support
    person = parse_representative(support.representative)
    values = {
        "line": person.line,
        "name": person.name,
        "title": person.title,
        "establishment": support.name,
        "salutation": person.salutation,
        "closing": person.closing,
    }
    return Record("recipient", f"{support.name}, FINESS {support.finess}", _filled(values))


def _letter(reference: str, day: date, label: str) -> Record:
    values = {
        "reference": reference,
        "date": french_date(day),
        "date_short": french_date_short(day),
    }
    return Record("letter", label, _filled(values))


def _agency(facts: DocumentFacts) -> Record:
    identity = facts.agency
    values = {
        "name": facts.agency_name,
        "email": facts.direction_email,
        "direction_email": facts.direction_email,
        "direction": identity.direction,
        "address_lines": list(identity.address_lines) or None,
        "city": identity.city,
        "phone": identity.phone,
        "logo": identity.logo,
    }
    return Record("agency", facts.agency_name, _filled(values))


def typeset(value: Any) -> Any:
    """Every string of a context with French typography (`i18n.typography`), Records kept
    as Records (with their path, for missing-value messages); other values as they are."""
    if isinstance(value, str):
        return french_typography(value)
    if isinstance(value, Record):
        return Record(value._path, value._whose, {k: typeset(v) for k, v in value.items()})
    if isinstance(value, dict):
        return {k: typeset(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typeset(v) for v in value]
    return value


def document_day(facts: DocumentFacts, as_of: date | None) -> date:
    """The date written in the document: `as_of` when given, else the data's own date (the
    request's day for a letter, the document's last event otherwise, else its due date), never
    "today": regenerating unchanged data gives the same text."""
    if as_of is not None:
        return as_of
    if facts.request is not None:
        return facts.request.requested_on
    if facts.event is not None:
        return facts.event.as_of
    day = facts.last_event_on or facts.due_date
    if day is None:
        raise InvalidInput(f"{facts.label}: no date to write in the document; give --as-of")
    return day


def build_context(kind: str, facts: DocumentFacts, as_of: date | None = None) -> dict[str, Any]:
    """The context of a template of `kind` (see `KINDS`); documented in the README. Every
    string in it is typeset the French way (no-break spaces, apostrophes)."""
    return typeset(_context(kind, facts, as_of))  # type: ignore[no-any-return]


def _context(kind: str, facts: DocumentFacts, as_of: date | None) -> dict[str, Any]:
    """The context of one model kind: what every model has, then what the kind adds."""
    context = _common_context(kind, facts, as_of)
    if kind == CONFORMITY_LETTER:
        return context | _conformity_letter_context(facts)
    if kind in (DOCUMENT, NOTICE_LETTER):
        context |= _assessed_context(facts)
        if kind == NOTICE_LETTER:
            context |= _notice_letter_context(facts)
        return context
    if kind not in PARTY_NAMES:
        raise InvalidInput(f"no Word template kind {kind!r}; kinds: {', '.join(KINDS)}")
    return _convention_context(kind, facts, context)


def _common_context(kind: str, facts: DocumentFacts, as_of: date | None) -> dict[str, Any]:
    """The GHT, its region and agency, the document, its support and members, the day, and
    the legal references with this kind's « Vu … » lines."""
    day = document_day(facts, as_of)
    whose_ght = f"GHT {facts.ght_code}"
    references = load_references()
    return {
        "ght": Record(
            "ght",
            whose_ght,
            {
                "code": facts.ght_code,
                "name": facts.ght_name,
                "article_name": article_name(facts.ght_name),
            },
        ),
        "region": Record(
            "region", facts.region_code, {"code": facts.region_code, "name": facts.region_name}
        ),
        "agency": _agency(facts),
        "campaign": Record(
            "campaign",
            facts.campaign_code,
            {"code": facts.campaign_code, "name": facts.campaign_name},
        ),
        "document": Record(
            "document",
            facts.label,
            _filled(
                {
                    "id": facts.id,
                    "type": facts.doc_type,
                    "type_label": facts.type_label,
                    "reference": facts.reference,
                    "title": facts.title,
                    "state": facts.state,
                    "state_label": facts.state_label,
                    "version": facts.version,
                    "due_date": french_date(facts.due_date) if facts.due_date else None,
                    "due_date_short": french_date_short(facts.due_date) if facts.due_date else None,
                    "submitted_on": french_date(facts.submitted_on) if facts.submitted_on else None,
                }
            ),
        ),
        "support": _establishment_record("support", facts.support),
        "members": [_establishment_record(f"members[{i}]", m) for i, m in enumerate(facts.members)],
        "date": french_date(day),
        "date_short": french_date_short(day),
        "date_iso": day.isoformat(),
        "counts": Record(
            "counts",
            facts.label,
            {
                "members": french_number_words(len(facts.members)),
                "parties": french_number_words(len(facts.parties)),
            },
        ),
        "references": Record("references", "legal references", references.citations),
        "visas": references.visas(kind),
    }


def _conformity_letter_context(facts: DocumentFacts) -> dict[str, Any]:
    """The request a conformity letter is written for, its signatory, reference and recipient."""
    request = facts.request
    if request is None:
        raise InvalidInput(f"{facts.label}: no conformity request to write a letter for")
    motives = [
        Record(
            f"request.motives[{i}]", f"motive {key}", {"number": i + 1, "key": key, "label": label}
        )
        for i, (key, label) in enumerate(request.motives)
    ]
    return {
        "request": Record(
            "request",
            f"conformity request {request.id}",
            _filled(
                {
                    "id": request.id,
                    "requested_on": french_date(request.requested_on),
                    "respond_by": french_date(request.respond_by),
                    "respond_by_short": french_date_short(request.respond_by),
                    "note": request.note,
                    "motives": motives,
                }
            ),
        ),
        "signatory": Record(
            "signatory",
            request.requested_by,
            {"name": request.signatory_name, "email": request.requested_by},
        ),
        "letter": _letter(
            request.letter_reference, request.requested_on, f"conformity request {request.id}"
        ),
        "recipient": _recipient(facts),
    }


def _assessed_context(facts: DocumentFacts) -> dict[str, Any]:
    """A document's assessment grid with each verdict in words, and its parties."""
    verdicts = {True: "rempli", False: "non rempli", None: "non évalué"}
    return {
        "assessment": [
            {"number": i + 1, "label": label, "verdict": verdicts[met], "note": note or ""}
            for i, (label, met, note) in enumerate(facts.assessment)
        ],
        "parties": [_establishment_record(f"parties[{i}]", p) for i, p in enumerate(facts.parties)],
    }


def _notice_letter_context(facts: DocumentFacts) -> dict[str, Any]:
    """The event a notice letter (a decision) is written for, its reference and recipient."""
    event = facts.event
    if event is None:
        raise InvalidInput(f"{facts.label}: no event to write a letter for")
    return {
        "event": Record(
            "event",
            f"event {event.name}",
            _filled(
                {
                    "name": event.name,
                    "label": event.label,
                    "actor": event.actor,
                    "date": french_date(event.as_of),
                    "date_short": french_date_short(event.as_of),
                    "note": event.note,
                }
            ),
        ),
        "letter": _letter(event.letter_reference, event.as_of, f"event {event.name}"),
        "recipient": _recipient(facts),
    }


def _convention_context(kind: str, facts: DocumentFacts, context: dict[str, Any]) -> dict[str, Any]:
    """A convention's parties under the kind's name, its CHU, the signature table's cells, the
    number of originals, and the place and day of signing once it is signed."""
    if not facts.parties:
        raise InvalidInput(
            f"{facts.label}: no party recorded for this convention ({_party_hint(facts)})"
        )
    name = PARTY_NAMES[kind]
    context[name] = [_establishment_record(f"{name}[{i}]", p) for i, p in enumerate(facts.parties)]
    if kind == "chu_convention":
        chus = [p for p in facts.parties if p.kind == "CHU"] or list(facts.parties)
        context["chu"] = _establishment_record("chu", chus[0])
    signing = (facts.support, *facts.parties)
    context["signatories"] = [_signatory(f"signatories[{i}]", e) for i, e in enumerate(signing)]
    context["copies_words"] = french_number_words(len(signing))
    context["counts"]["signatories"] = french_number_words(len(signing))
    if facts.signed_on is not None:
        context["signature"] = Record(
            "signature",
            facts.label,
            _filled(
                {
                    "place": facts.support.commune,
                    "date": french_date(facts.signed_on),
                    "date_short": french_date_short(facts.signed_on),
                }
            ),
        )
    return context


def _party_hint(facts: DocumentFacts) -> str:
    """The command that records a convention's parties, for its type (`compliance
    --create-missing` creates missing conventions, never the parties of an existing one)."""
    if facts.doc_type == "chu_convention":
        return (
            f"the CHU it is made with: ghtflow ghts set-reference-chu {facts.ght_code} FINESS, "
            f"or ghtflow parties set {facts.id} FINESS"
        )
    if facts.doc_type == "had_convention":
        return (
            f"the HADs it is made with: ghtflow parties set {facts.id} FINESS "
            "(the HAD's recorded area is taken, or give --area DEPARTMENTS)"
        )
    return f"the establishments it is made with: ghtflow parties set {facts.id} FINESS"


# --- the sample `templates check` compares with -----------------------------------------------

_SAMPLE_SUPPORT = EstablishmentFacts(
    name="CH de Cahors",
    finess="460991177",
    category="C.H.",
    kind="CH",
    commune="Cahors",
    postal_code="46000",
    representative="M. Olivier Faure, directeur",
)
_SAMPLE_PARTY = {
    "chu_convention": EstablishmentFacts(
        name="CHU de Toulouse",
        finess="310781406",
        category="C.H.R.",
        kind="CHU",
        commune="Toulouse",
        postal_code="31059",
        representative="M. Jean Martin, directeur général",
        area="31",
    ),
    "had_convention": EstablishmentFacts(
        name="HAD Garonne Domicile",
        finess="310991344",
        category="H.A.D.",
        kind="HAD",
        is_public=False,
        commune="Toulouse",
        postal_code="31100",
        representative="Mme Nathalie Laurent, directrice",
        area="31,46",
    ),
    "partnership_convention": EstablishmentFacts(
        name="Clinique du Quercy",
        finess="460991680",
        category="Clinique",
        kind="clinic",
        is_public=False,
        commune="Cahors",
        postal_code="46000",
        representative="Mme Anne Lefèvre, directrice",
        area="46",
    ),
}


_SAMPLE_AGENCY = AgencyFacts(
    direction="Direction de l'offre de soins et de l'autonomie",
    address_lines=(
        "26-28 parc Club du Millénaire",
        "1025 rue Henri Becquerel",
        "CS 30001",
        "34067 Montpellier Cedex 2",
    ),
    city="Montpellier",
    phone="04 67 07 20 07",
    logo=sample_logo(),
)


def sample_context(kind: str) -> dict[str, Any]:
    """A full context of `kind` with every optional value present (made-up facts)."""
    if kind not in KINDS:
        raise InvalidInput(f"unknown template kind {kind!r}; kinds: {', '.join(KINDS)}")
    doc_type = kind if kind in CONVENTION_KINDS else "pmsp"
    facts = DocumentFacts(
        id=1,
        doc_type=doc_type,
        type_label="Document",
        reference="ref",
        title="Titre",
        state="submitted",
        state_label="Transmis",
        version=1,
        due_date=date(2017, 12, 31),
        submitted_on=date(2017, 7, 24),
        last_event_on=date(2017, 9, 20),
        ght_code="OCC-02",
        ght_name="GHT Lot",
        region_code="OCC",
        region_name="Occitanie",
        agency_name="ARS Occitanie",
        direction_email="direction@ars.example.org",
        campaign_code="OCC-2017",
        campaign_name="Campagne GHT 2017",
        support=_SAMPLE_SUPPORT,
        members=(_SAMPLE_SUPPORT,),
        parties=(_SAMPLE_PARTY.get(kind, _SAMPLE_SUPPORT),),
        assessment=(("Polyvalence du dispositif", True, "Conforme."),),
        request=RequestFacts(
            id=1,
            motives=(("shared_care_project", "Projet de soins partagé insuffisant"),),
            note="Préciser.",
            requested_on=date(2017, 9, 20),
            respond_by=date(2017, 12, 1),
            requested_by="instructeur@ars.example.org",
            signatory_name="Camille Durand",
            letter_reference="ARS-OCC/DOSA/2017-0042",
        ),
        event=EventFacts(
            name="decide",
            label="Décider",
            actor="instructeur@ars.example.org",
            as_of=date(2017, 9, 20),
            note="Préciser.",
            letter_reference="ARS-OCC/DOSA/2017-0042",
        ),
        agency=_SAMPLE_AGENCY,
        signed_on=date(2017, 9, 18),
    )
    return build_context(kind, facts)
