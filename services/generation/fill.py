"""Filling conventions and conformity letters from Word templates, and keeping what was filled.

Each filled file is stored once under its SHA-256 in the file store (`ws.files`) and recorded
as a `GeneratedFile` linked to the document, the version it had and, for a letter, the
conformity request. The context comes from the database (`services/generation/context.py`),
never from the template; the date written in a document is `as_of` or the data's own date,
so filling unchanged data again gives the same bytes and reuses the same row.

Templates: a document type names its Word models in its workflow (`model:`, the document
itself; `conformity_letter:`; a notice's `letter:`), files of its procedure's `models/` folder
(`procedures/ght-2017/models/` for the built-in types), unless `GHTFLOW_TEMPLATES_DIR` holds a
file of the same name (an agency's own model). Models run in a sandbox (`doc_templates.sandbox`);
whatever a model does wrong is an `InvalidInput` naming the document, the file and the tag.
A run over many documents (`generate --type T --all`) goes on past a document its model cannot
fill and reports it (`FillFailure`, `GenerationIncomplete`); a model that cannot even be
compiled stops the run before the first document.
"""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from dataclasses import replace as replace_facts
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from doc_templates.render import (
    DocxImage,
    MissingValue,
    TemplateProblem,
    analyse_template,
    compiled_template,
)
from i18n.typography import french_typography
from models import ConformityRequest, Document, GeneratedFile, Ght
from services.adapters.files import FileStore
from services.errors import InvalidInput, NotFound, ServiceError
from services.generation.context import (
    CONFORMITY_LETTER,
    CONVENTION_KINDS,
    KINDS,
    NOTICE_LETTER,
    DocumentFacts,
    EventFacts,
    build_context,
    context_kind,
    document_day,
    latest_request_id,
    load_document_facts,
    load_request_facts,
    sample_context,
)
from services.generation.letter_numbers import give_reference
from services.procedures.catalog import Procedures, every_model, procedures_for
from services.workspace import Workspace
from settings import Settings
from states.procedure import Origin, Procedure

LOGO_HEIGHT_CM = 2.0


@dataclass(frozen=True)
class FilledFile:
    """A filled file as commands and flows report it (the stable JSON of `ghtflow generate`)."""

    id: int
    document_id: int
    ght: str
    kind: str
    format: str
    file_name: str
    sha256: str
    size: int
    document_version: int
    conformity_request_id: int | None
    as_of: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_row(cls, row: GeneratedFile, ght: str) -> FilledFile:
        assert row.id is not None
        return cls(
            id=row.id,
            document_id=row.document_id,
            ght=ght,
            kind=row.kind,
            format=row.file_format,
            file_name=row.file_name,
            sha256=row.file_hash,
            size=row.size,
            document_version=row.document_version,
            conformity_request_id=row.conformity_request_id,
            as_of=row.as_of.isoformat(),
        )


@dataclass(frozen=True)
class FillFailure:
    """A document a run could not fill, and why (one line, naming the file and the tag)."""

    document_id: int
    ght: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class GenerationIncomplete(InvalidInput):
    """A run filled what it could; `failures` are the documents it could not fill."""

    def __init__(self, files: Sequence[FilledFile], failures: Sequence[FillFailure]) -> None:
        self.files = list(files)
        self.failures = list(failures)
        first = self.failures[0].reason if self.failures else ""
        filled = len({f.document_id for f in self.files})
        if len(self.failures) == 1:
            message = first
        else:
            message = (
                f"{len(self.failures)} documents could not be filled ({filled} were); "
                f"the first: {first}"
            )
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:  # Prefect may pickle a flow's exception
        return (type(self), (self.files, self.failures))


# --- templates ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """A Word model a type names: the file, the context it is filled with (`KINDS`), and the
    procedure whose `models/` holds it."""

    procedure: Procedure
    kind: str
    name: str

    def path(self, settings: Settings) -> Path:
        """The agency's own file of that name if `GHTFLOW_TEMPLATES_DIR` has one, else the
        procedure's."""
        if settings.templates_dir is not None:
            own = settings.templates_dir / self.name
            if own.is_file():
                return own
        return self.procedure.model_path(self.name)


def _procedure(procedures: Procedures, doc_type: str) -> Procedure:
    procedure = procedures.procedure_of(doc_type)
    if procedure is None:
        raise InvalidInput(f"no procedure defines type {doc_type!r}")
    return procedure


def document_model(procedures: Procedures, doc_type: str) -> Model | None:
    """The model `generate` fills for a document of `doc_type` (its workflow's `model:`)."""
    procedure = procedures.procedure_of(doc_type)
    definition = procedure.definition(doc_type) if procedure is not None else None
    if procedure is None or definition is None or definition.model is None:
        return None
    return Model(procedure, context_kind(doc_type), definition.model)


def conformity_letter_model(procedures: Procedures, doc_type: str) -> Model | None:
    """The letter of a conformity request about a `doc_type` (its `conformity_letter:`)."""
    procedure = procedures.procedure_of(doc_type)
    definition = procedure.definition(doc_type) if procedure is not None else None
    if procedure is None or definition is None or definition.conformity_letter is None:
        return None
    return Model(procedure, CONFORMITY_LETTER, definition.conformity_letter)


def _types_with_models(procedures: Procedures) -> str:
    return ", ".join(t for t in procedures.workflows.types if document_model(procedures, t))


def _is_builtin(procedure: Procedure, path: Path) -> bool:
    return procedure.origin is Origin.BUILTIN and path.parent == procedure.models_dir


def list_templates(settings: Settings) -> list[dict[str, str]]:
    """`templates list`: each Word model of the procedures in force (by kind: a type's own
    model under its type, the letters under theirs) and where it comes from."""
    rows = []
    for procedure, kind, name in every_model(procedures_for(settings).all):
        path = Model(procedure, kind, name).path(settings)
        if settings.templates_dir is not None and path.parent == settings.templates_dir:
            source = "agency"
        else:
            source = "built-in" if procedure.origin is Origin.BUILTIN else "procedure"
        rows.append(
            {"kind": kind, "procedure": procedure.name, "source": source, "path": str(path)}
        )
    return rows


def _template_label(model: Model, path: Path) -> str:
    """What `GeneratedFile.template` records: a built-in model's file name, an agency's own
    file's path (`GHTFLOW_TEMPLATES_DIR`), another procedure's `NAME/FILE`."""
    if _is_builtin(model.procedure, path):
        return path.name
    if path.parent == model.procedure.models_dir:
        return f"{model.procedure.name}/{model.name}"
    return str(path)


def check_template(
    path: Path, kind: str | None = None, settings: Settings | None = None
) -> dict[str, Any]:
    """`templates check`: what the model uses that the context of `kind` lacks, and what the
    context offers that the model never uses. `kind` defaults from the file name of a model
    of the procedures in force (`settings`; the built-in ones when None)."""
    if kind is None:
        models = every_model(procedures_for(settings or Settings()).all)
        kind = next((k for _, k, name in models if name == path.name), None)
        if kind is None:
            raise InvalidInput(
                f"{path.name}: say which context to check against with --kind ({', '.join(KINDS)})"
            )
    if kind not in KINDS:  # a type's own model: the context of its kind
        types = procedures_for(settings or Settings()).workflows.types
        if kind not in types:
            raise InvalidInput(
                f"unknown template kind {kind!r}; kinds: {', '.join(KINDS)}, or a document "
                f"type: {', '.join(types)}"
            )
        kind = context_kind(kind)
    if not path.is_file():
        raise InvalidInput(f"file not found: {path}")
    try:
        report = analyse_template(path, sample_context(kind))
    except TemplateProblem as exc:
        raise InvalidInput(str(exc)) from None
    return {
        "file": str(path),
        "kind": kind,
        "missing": report.missing,
        "unused": report.unused,
        "used": report.used,
    }


# --- filling ------------------------------------------------------------------------------


def _store_bytes(files: FileStore, data: bytes) -> str:
    """Store a filled file under its SHA-256 (generated files are not uploads: the upload size
    limit does not apply to them)."""
    return files.put_bytes(data)


def _record(
    session: Session,
    *,
    document_id: int,
    document_version: int,
    kind: str,
    template: str,
    file_format: str,
    file_name: str,
    sha: str,
    size: int,
    as_of: date,
    request_id: int | None,
) -> GeneratedFile:
    """The row for this file: the existing one if the same file was filled before."""
    existing = session.exec(
        select(GeneratedFile).where(
            GeneratedFile.document_id == document_id,
            GeneratedFile.document_version == document_version,
            GeneratedFile.template == template,
            GeneratedFile.file_format == file_format,
            GeneratedFile.file_hash == sha,
            col(GeneratedFile.conformity_request_id).is_(None)
            if request_id is None
            else GeneratedFile.conformity_request_id == request_id,
        )
    ).first()
    if existing is not None:
        return existing
    row = GeneratedFile(
        document_id=document_id,
        document_version=document_version,
        conformity_request_id=request_id,
        kind=kind,
        template=template,
        file_format=file_format,
        file_hash=sha,
        file_name=file_name,
        size=size,
        as_of=as_of,
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class DocumentProperties:
    """What a filled file says of itself (Word's File > Properties, a PDF's metadata): no
    "python-docx", no 2013 date, but the document's title, who writes it, its day."""

    title: str
    subject: str
    author: str
    keywords: str
    day: date
    language: str = "fr-FR"

    def core_xml(self) -> bytes:
        stamp = f"{self.day.isoformat()}T00:00:00Z"  # the document's day, midnight UTC
        cp = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
        text = (
            "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
            f'<cp:coreProperties xmlns:cp="{cp}" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{_xml(self.title)}</dc:title>"
            f"<dc:subject>{_xml(self.subject)}</dc:subject>"
            f"<dc:creator>{_xml(self.author)}</dc:creator>"
            f"<cp:keywords>{_xml(self.keywords)}</cp:keywords>"
            f"<cp:lastModifiedBy>{_xml(self.author)}</cp:lastModifiedBy>"
            "<cp:revision>1</cp:revision>"
            f"<dc:language>{self.language}</dc:language>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
            "</cp:coreProperties>"
        )
        return text.encode("utf-8")

    def app_xml(self) -> bytes:
        ep = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
        text = (
            "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
            f'<Properties xmlns="{ep}" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            "<Application>ghtflow</Application><DocSecurity>0</DocSecurity>"
            f"<Company>{_xml(self.author)}</Company></Properties>"
        )
        return text.encode("utf-8")

    def parts(self) -> dict[str, bytes]:
        return {"docProps/core.xml": self.core_xml(), "docProps/app.xml": self.app_xml()}


def _xml(text: str) -> str:
    return html.escape(_CONTROL.sub("", text), quote=False)


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def document_properties(kind: str, facts: DocumentFacts, day: date) -> DocumentProperties:
    """Title, subject and author of a filled file, from its data: a convention is written by
    its GHT (« Convention d’association CHU de Toulouse – GHT Lot »), a letter by the agency
    (subject: its reference)."""
    ght = facts.ght_name or f"GHT {facts.ght_code}"
    keywords = "; ".join(dict.fromkeys((facts.region_code, facts.ght_code, facts.doc_type, kind)))
    if kind == CONFORMITY_LETTER and facts.request is not None:
        title = f"Demande de mise en conformité – {facts.type_label} – {ght}"
        subject = _reference_subject(facts.request.letter_reference, facts)
        author = facts.agency_name
    elif kind == NOTICE_LETTER and facts.event is not None:
        title = f"{facts.event.label} – {facts.type_label} – {ght}"
        subject = _reference_subject(facts.event.letter_reference, facts)
        author = facts.agency_name
    else:
        title = f"{_convention_title(kind, facts)} – {ght}"
        subject = f"{facts.type_label} – {ght} ({facts.ght_code}) – {facts.campaign_name}"
        author = ght
    return DocumentProperties(
        title=french_typography(title),
        subject=french_typography(subject),
        author=french_typography(author),
        keywords=keywords,
        day=day,
    )


def properties_day(kind: str, facts: DocumentFacts, as_of: date | None) -> date:
    """The creation date a filled file carries: a signed convention's signing day (the date
    its « Fait à » line prints, whatever day it is filled again), else the document's day.
    Same condition as the convention context's `signature`: the convention kinds only."""
    if kind in CONVENTION_KINDS and facts.signed_on is not None:
        return facts.signed_on
    return document_day(facts, as_of)


def _reference_subject(reference: str, facts: DocumentFacts) -> str:
    where = f"{facts.type_label} – {facts.ght_name or facts.ght_code} ({facts.ght_code})"
    return f"Réf. {reference} – {where}" if reference else where


_CONVENTION_TITLES = {
    "chu_convention": "Convention d'association {party}",
    "had_convention": "Convention d'association {party}",
    "partnership_convention": "Convention de partenariat {party}",
}


def _convention_title(kind: str, facts: DocumentFacts) -> str:
    """« Convention d'association CHU de Toulouse », « Convention de partenariat Clinique du
    Quercy » (several parties: their kind), else the type's label."""
    pattern = _CONVENTION_TITLES.get(kind)
    if pattern is None or not facts.parties:
        return facts.type_label
    if len(facts.parties) == 1:
        party = facts.parties[0].name
    else:
        party = {"chu_convention": "CHU", "had_convention": "HAD"}.get(kind, "")
        return pattern.format(party=party).strip() if party else facts.type_label
    return pattern.format(party=party)


_MISSING = re.compile(r"missing value '(?P<path>[^']+)'(?: \((?P<whose>.*)\))?")
_FINESS_IN = re.compile(r"FINESS (?P<finess>[0-9]{2}[0-9AB][0-9]{6})")
_PARTY_LISTS = re.compile(r"^(?:parties|hads|partners|chu)(?:\[\d+\])?$")
_PERSON_FIELDS = frozenset({"representative", "name", "title", "line"})
# Values a model may ask for that the context derives from a recorded one: the hint names the
# recorded one (« area_names » is « Haute-Garonne (31) », built from the area « 31 »).
_DERIVED_FROM = {"area_names": "area"}
_AGENCY_OPTIONS = {
    "address_lines": "--address LINE (repeated)",
    "city": "--city CITY",
    "direction": "--direction NAME",
    "phone": "--phone NUMBER",
    "logo": "--logo FILE.png",
}


def missing_value_hint(message: str, facts: DocumentFacts) -> str:
    """A hint naming the command that records a value a model needs and the data lacks
    (« ; set it with: ghtflow … »), or "" when no command sets it."""
    match = _MISSING.search(message)
    if match is None:
        return ""
    record, _, field_name = match.group("path").rpartition(".")
    field_name = _DERIVED_FROM.get(field_name, field_name)
    finess_match = _FINESS_IN.search(match.group("whose") or "")
    finess = finess_match.group("finess") if finess_match else "FINESS"
    command = ""
    if record == "agency" and field_name in _AGENCY_OPTIONS:
        command = f"ghtflow regions set-identity {facts.region_code} {_AGENCY_OPTIONS[field_name]}"
    elif field_name == "area" and _PARTY_LISTS.match(record):
        command = (
            f"ghtflow parties set {facts.id} {finess} --area DEPARTMENTS (or record the "
            f"establishment's own: ghtflow establishments set {finess} --area DEPARTMENTS)"
        )
    elif field_name in ("area", "commune", "postal_code"):
        option = field_name.replace("_", "-")
        command = f"ghtflow establishments set {finess} --{option} VALUE"
    elif field_name in _PERSON_FIELDS and record != "signatory":
        command = (
            f"ghtflow establishments set {finess} --representative 'Mme Prénom Nom, directrice'"
        )
    return f"; set it with: {command}" if command else ""


def _with_logo(files: FileStore, facts: DocumentFacts) -> DocumentFacts:
    """The facts with the region's logo image read from the file store, if it has one."""
    sha = facts.agency.logo_hash
    if not sha:
        return facts
    path = files.path_of(sha)
    if not path.is_file():
        raise InvalidInput(
            f"{facts.label}: the logo of region {facts.region_code} is missing from the file "
            f"store ({sha[:12]}…); set it again with ghtflow regions set-identity --logo"
        )
    logo = DocxImage(path.read_bytes(), height_cm=LOGO_HEIGHT_CM)
    return replace_facts(facts, agency=replace_facts(facts.agency, logo=logo))


def _fill(
    ws: Workspace,
    session: Session,
    model: Model,
    facts: DocumentFacts,
    as_of: date | None,
    recorded_kind: str | None = None,
) -> GeneratedFile:
    """Fill `model` with `facts`; recorded under `recorded_kind` (default: the model's kind;
    a type's own model: the type)."""
    kind = model.kind
    path = model.path(ws.settings)
    context = build_context(kind, _with_logo(ws.files, facts), as_of)
    properties = document_properties(kind, facts, properties_day(kind, facts, as_of))
    try:
        data = compiled_template(path).render(context, properties.parts())
    except MissingValue as exc:
        raise InvalidInput(f"{facts.label}: {exc}{missing_value_hint(str(exc), facts)}") from None
    except TemplateProblem as exc:
        raise InvalidInput(f"{facts.label}: {exc}") from None
    sha = _store_bytes(ws.files, data)
    stem = path.stem
    request_id = facts.request.id if kind == CONFORMITY_LETTER and facts.request else None
    suffix = f"-req{request_id}" if request_id is not None else ""
    return _record(
        session,
        document_id=facts.id,
        document_version=facts.version,
        kind=recorded_kind or kind,
        template=_template_label(model, path),
        file_format="docx",
        file_name=f"{stem}-{facts.ght_code}-doc{facts.id}{suffix}.docx",
        sha=sha,
        size=len(data),
        as_of=document_day(facts, as_of),
        request_id=request_id,
    )


def render_conformity_letter(
    ws: Workspace, session: Session, request_id: int, *, as_of: date | None = None
) -> GeneratedFile:
    """Fill the conformity request letter of `request_id` inside the caller's transaction.

    For the conformity e-mail: the file is at `ws.files.path_of(row.file_hash)`, named
    `row.file_name`. The letter is dated the day of the request unless `as_of` is given. A
    request recorded before letters were numbered gets its reference now, once."""
    request = session.get(ConformityRequest, request_id)
    if request is not None:
        give_reference(
            session.connection(),
            request.document_id,
            request.requested_on,
            conformity_request_id=request_id,
        )
    facts = load_request_facts(session, ws.workflows, request_id)
    model = conformity_letter_model(ws.procedures, facts.doc_type)
    if model is None:
        raise InvalidInput(f"{facts.label}: type {facts.doc_type!r} names no conformity letter")
    return _fill(ws, session, model, facts, as_of)


def render_convention(
    ws: Workspace, session: Session, document_id: int, *, as_of: date | None = None
) -> GeneratedFile:
    """Fill the document model of `document_id` (a convention…) inside the caller's
    transaction."""
    facts = load_document_facts(session, ws.workflows, document_id)
    model = document_model(ws.procedures, facts.doc_type)
    if model is None:
        raise InvalidInput(
            f"{facts.label}: no Word template for type {facts.doc_type!r}; templates exist "
            f"for {_types_with_models(ws.procedures)}"
        )
    return _fill(ws, session, model, facts, as_of, recorded_kind=facts.doc_type)


def render_notice_letter(
    ws: Workspace, session: Session, document_id: int, letter: str, event: EventFacts
) -> GeneratedFile:
    """Fill `letter` (a model of the document's procedure) about `event`, inside the caller's
    transaction: the letter a procedure's notice attaches, dated the event's day."""
    facts = load_document_facts(session, ws.workflows, document_id)
    model = Model(_procedure(ws.procedures, facts.doc_type), NOTICE_LETTER, letter)
    return _fill(ws, session, model, replace_facts(facts, event=event), None)


def _files_of_document(
    ws: Workspace, session: Session, document_id: int, as_of: date | None, letter_only: bool
) -> list[GeneratedFile]:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound(f"document {document_id} does not exist")
    request_id = latest_request_id(session, document_id)
    in_conformity = document.state == "conformity_requested" and request_id is not None
    if letter_only and request_id is None:
        ght = session.get(Ght, document.ght_id)
        raise InvalidInput(
            f"document {document_id} ({document.doc_type}, {ght.code if ght else '?'}) has no "
            "conformity request to write a letter for"
        )
    files: list[GeneratedFile] = []
    has_template = document_model(ws.procedures, document.doc_type) is not None
    if not letter_only and (has_template or not in_conformity):
        files.append(render_convention(ws, session, document_id, as_of=as_of))  # or refused
    if request_id is not None and (letter_only or in_conformity):
        files.append(render_conformity_letter(ws, session, request_id, as_of=as_of))
    return files


def generate_documents(
    ws: Workspace,
    document_ids: Sequence[int],
    *,
    as_of: date | None = None,
    letter_only: bool = False,
    failures: list[FillFailure] | None = None,
) -> list[FilledFile]:
    """`ghtflow generate ID…`, and one batch of the flow: one transaction for all of them.

    For each document: its convention when its type has a template, and the letter of its
    latest conformity request while it is in `conformity_requested` (`letter_only`: the
    letter alone, whatever the state). A document that gives nothing to fill is refused.

    With a `failures` list, a refused document does not stop the others: its files are
    rolled back (a savepoint per document) and the refusal is appended to `failures`."""
    with ws.db.transaction() as session:
        files: list[GeneratedFile] = []
        for document_id in document_ids:
            if failures is None:
                files.extend(_files_of_document(ws, session, document_id, as_of, letter_only))
                continue
            try:
                with session.begin_nested():
                    filled = _files_of_document(ws, session, document_id, as_of, letter_only)
            except ServiceError as exc:
                failures.append(FillFailure(document_id, _ght_of(session, document_id), str(exc)))
            else:
                files.extend(filled)
        return _as_filled(session, files)


def _ght_of(session: Session, document_id: int) -> str:
    code = session.exec(
        select(Ght.code)
        .join(Document, col(Document.ght_id) == col(Ght.id))
        .where(Document.id == document_id)
    ).first()
    return code or "?"


def _as_filled(session: Session, rows: Iterable[GeneratedFile]) -> list[FilledFile]:
    rows = list(rows)
    codes = dict(
        session.exec(
            select(Document.id, Ght.code)
            .join(Ght, col(Ght.id) == col(Document.ght_id))
            .where(col(Document.id).in_({r.document_id for r in rows}))
        ).all()
    )
    return [FilledFile.from_row(r, codes[r.document_id]) for r in rows]


def documents_to_fill(ws: Workspace, doc_type: str, ghts: Sequence[str] = ()) -> list[int]:
    """Ids of the documents of `doc_type` (optionally of some GHTs), in id order.

    Refused when the type has no model or its model cannot be compiled (a syntax error, a tag
    the sandbox refuses): every document would fail the same way, so the run stops at once."""
    model = document_model(ws.procedures, doc_type)
    if model is None:
        types = _types_with_models(ws.procedures)
        raise InvalidInput(f"no Word template for type {doc_type!r}; templates exist for {types}")
    try:
        compiled_template(model.path(ws.settings))
    except TemplateProblem as exc:
        raise InvalidInput(str(exc)) from None
    codes = [c.upper() for c in ghts]
    with ws.db.reading() as session:
        if codes:
            known = set(session.exec(select(Ght.code).where(col(Ght.code).in_(codes))).all())
            unknown = [c for c in codes if c not in known]
            if unknown:
                raise InvalidInput(f"unknown GHT {', '.join(unknown)}")
        statement = (
            select(Document.id)
            .join(Ght, col(Ght.id) == col(Document.ght_id))
            .where(Document.doc_type == doc_type)
            .order_by(col(Document.id))
        )
        if codes:
            statement = statement.where(col(Ght.code).in_(codes))
        return [int(i) for i in session.exec(statement).all() if i is not None]


def export_files(ws: Workspace, files: Iterable[FilledFile], out_dir: Path) -> list[Path]:
    """Copy filled files from the store into `out_dir` under their names (for people)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for f in files:
        source = ws.files.path_of(f.sha256)
        if not source.is_file():
            raise InvalidInput(f"{f.file_name}: missing from the file store ({source})")
        target = out_dir / f.file_name
        shutil.copyfile(source, target)
        written.append(target)
    return written


def record_pdfs(ws: Workspace, pairs: Sequence[tuple[FilledFile, Path]]) -> list[FilledFile]:
    """Store PDFs converted from filled Word files and record them (same document, version
    and request as their source). PDF bytes carry the conversion time: each is a new file."""
    with ws.db.transaction() as session:
        rows = []
        for source, pdf in pairs:
            data = pdf.read_bytes()
            row = session.get(GeneratedFile, source.id)
            if row is None:
                raise NotFound(f"generated file {source.id} does not exist")
            rows.append(
                _record(
                    session,
                    document_id=row.document_id,
                    document_version=row.document_version,
                    kind=row.kind,
                    template=row.template,
                    file_format="pdf",
                    file_name=pdf.name,
                    sha=_store_bytes(ws.files, data),
                    size=len(data),
                    as_of=row.as_of,
                    request_id=row.conformity_request_id,
                )
            )
        return _as_filled(session, rows)


def list_generated(ws: Workspace, document_id: int) -> list[FilledFile]:
    """Files filled for a document, oldest first."""
    with ws.db.reading() as session:
        rows = session.exec(
            select(GeneratedFile)
            .where(GeneratedFile.document_id == document_id)
            .order_by(col(GeneratedFile.id))
        ).all()
        return _as_filled(session, rows)
