"""The e-mails an event causes, queued on the event's own connection (same transaction).

`services.lifecycle.fire` calls `mail_for_event` once per fired event that declares a `mail:` in its
workflow YAML, just before its transaction commits. `MAILS` holds the notices an event may
name: `conformity_request` e-mails the GHT the motives, the note, the respond-by date and how
to answer; `tacit_approval` tells the GHT its document is approved; `notice` is a procedure's
own notice, which needs no Python: its templates (`mails/NAME.{txt,html}.j2` of the procedure)
get the document's facts (`MAIL_CONTEXT`), a copy goes to the direction when the YAML says
`copy_direction: true`, and a Word model of the procedure named `letter:` is filled and
attached. The recipients are the GHT's people, copied to the region's direction for the kinds
in `services.mail.outbox.COPY_DIRECTION`. The templates of an event's notice are looked up in
its type's procedure (`mails/`) first, then in `notifications/templates/`.

The conformity request e-mail carries the Word letter of the request (filled by
`services.generation.fill` in the same transaction and stored under its sha256). When the letter
cannot be filled (a value it needs is missing from the registry, e.g. the support
establishment's legal representative), the e-mail still goes, without it: the request must not
wait for the registry to be complete, and `ghtflow generate DOC_ID --letter` writes the letter
once the value is recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select

from models import ConformityMotive, ConformityRequest, Document, NoticeKind
from models.db import table_of
from notifications.message import Attachment
from notifications.render import GENERIC_NOTICE, MailTemplate
from services.errors import InvalidInput
from services.mail.outbox import Notice, enqueue
from services.workspace import Workspace
from states.definition import NOTICE_MAIL, NoticeSpec

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LOG = logging.getLogger("ghtflow.mail")


@dataclass(frozen=True)
class FiredEvent:
    """What `fire` knows about the event it is committing."""

    document_id: int
    ght_id: int
    doc_type: str
    event: str
    to_state: str
    as_of: date
    actor: str
    motives: tuple[str, ...] = ()
    note: str | None = None
    respond_by: date | None = None
    seq: int = 0  # the event's number in the document's history
    event_label: str = ""  # its French label
    payload: Mapping[str, Any] = field(default_factory=dict)  # what its history records
    notice: NoticeSpec | None = None  # with `mail: notice`: the procedure's templates…


def mail_for_event(conn: Connection, ws: Workspace, mail: str, fired: FiredEvent) -> None:
    """Queue the notice `mail` (a name of `MAILS`) about `fired` on `conn` (its transaction)."""
    MAILS[mail](conn, ws, fired)


def _template(
    ws: Workspace, fired: FiredEvent, name: str, subject: str | None = None
) -> MailTemplate:
    """The templates `name`.*.j2 of the document type's procedure (then the common ones)."""
    return MailTemplate(name, ws.procedures.mail_folders(fired.doc_type), subject)


def _labels(ws: Workspace, fired: FiredEvent) -> dict[str, str]:
    definition = ws.workflows.definition(fired.doc_type)
    return {"type_label": definition.label, "state_label": definition.label_of(fired.to_state)}


def _conformity_request(conn: Connection, ws: Workspace, fired: FiredEvent) -> None:
    respond_by = fired.respond_by
    if respond_by is None:  # the event's guard `respond_by_min_delay` requires one
        raise InvalidInput(f"document {fired.document_id}: no respond-by date to write")
    requests, motives = table_of(ConformityRequest), table_of(ConformityMotive)
    request_id = conn.execute(
        select(func.max(requests.c.id)).where(requests.c.document_id == fired.document_id)
    ).scalar_one()
    rows = conn.execute(
        select(motives.c.key, motives.c.label).where(motives.c.key.in_(fired.motives))
    )
    known: dict[str, str] = {row.key: row.label for row in rows}
    labels = tuple(known.get(key, key) for key in fired.motives)
    attachments = _conformity_letter(conn, ws, fired.doc_type, int(request_id), fired.as_of)
    notice = Notice(
        document_id=fired.document_id,
        ght_id=fired.ght_id,
        kind=NoticeKind.CONFORMITY_REQUEST,
        stage=f"request-{request_id}",
        due_date=respond_by,
        as_of=fired.as_of,
        context={
            **_labels(ws, fired),
            "motives": list(labels),
            "note": fired.note or "",
            "requested_on": fired.as_of,
            "respond_by": respond_by,
            "requested_by": fired.actor,
        },
        attachments=attachments,
        template=_template(ws, fired, NoticeKind.CONFORMITY_REQUEST),
    )
    enqueue(conn, ws.settings, notice)


def _conformity_letter(
    conn: Connection, ws: Workspace, doc_type: str, request_id: int, as_of: date
) -> list[Attachment]:
    """The request's Word letter, filled on the event's connection, or nothing (see above; a
    type whose definition names no `conformity_letter` has none)."""
    from sqlmodel import Session

    from services.generation.fill import render_conformity_letter  # docxtpl: only when needed

    if ws.workflows.definition(doc_type).conformity_letter is None:
        return []
    with Session(bind=conn, join_transaction_mode="create_savepoint") as session:
        try:
            letter = render_conformity_letter(ws, session, request_id, as_of=as_of)
        except InvalidInput as exc:
            LOG.warning(
                "conformity request %s: e-mail sent without its letter: %s", request_id, exc
            )
            session.rollback()
            return []
        session.commit()  # releases the savepoint; the event's transaction commits it all
        return [Attachment(letter.file_hash, letter.file_name, DOCX)]


def _tacit_approval(conn: Connection, ws: Workspace, fired: FiredEvent) -> None:
    documents = table_of(Document)
    received_on = conn.execute(
        select(documents.c.submitted_on).where(documents.c.id == fired.document_id)
    ).scalar()
    months = ws.workflows.definition(fired.doc_type).timers.review_period_months
    notice = Notice(
        document_id=fired.document_id,
        ght_id=fired.ght_id,
        kind=NoticeKind.TACIT_APPROVAL,
        stage="J0",
        due_date=fired.as_of,
        as_of=fired.as_of,
        context={
            **_labels(ws, fired),
            "received_on": received_on or fired.as_of,
            "effective_on": fired.as_of,
            "months": months or 2,
        },
        template=_template(ws, fired, NoticeKind.TACIT_APPROVAL),
    )
    enqueue(conn, ws.settings, notice, required=False)  # the approval stands without e-mail


def _procedure_notice(conn: Connection, ws: Workspace, fired: FiredEvent) -> None:
    """A procedure's own notice: its templates, with the document's facts, to the GHT's
    people (copy to the direction if the YAML says so), its Word letter attached if it names
    one. One per event (its stage is the event's number); the event stands without e-mail
    when the GHT has nobody to write to."""
    spec = fired.notice or NoticeSpec()
    documents = table_of(Document)
    due = conn.execute(
        select(documents.c.due_date).where(documents.c.id == fired.document_id)
    ).scalar()
    attachments: list[Attachment] = []
    if spec.letter is not None:
        attachments = _notice_letter(conn, ws, fired, spec.letter)
    notice = Notice(
        document_id=fired.document_id,
        ght_id=fired.ght_id,
        kind=NoticeKind.PROCEDURE_NOTICE,
        stage=f"event-{fired.seq}",
        due_date=fired.as_of,
        as_of=fired.as_of,
        context={
            **_labels(ws, fired),
            "type": fired.doc_type,
            "state": fired.to_state,
            "event": fired.event,
            "event_label": fired.event_label or fired.event,
            "note": fired.note or "",
            "actor": fired.actor,
            "as_of": fired.as_of,
            "due": due,
            "payload": dict(fired.payload),
        },
        attachments=attachments,
        template=_template(ws, fired, spec.template or GENERIC_NOTICE, spec.subject),
        copy_direction=spec.copy_direction,
    )
    if not enqueue(conn, ws.settings, notice, required=False):
        LOG.warning("document %s: no notice for event %s", fired.document_id, fired.event)


def _notice_letter(
    conn: Connection, ws: Workspace, fired: FiredEvent, letter: str
) -> list[Attachment]:
    """The notice's Word letter, filled on the event's connection, or nothing (a value it
    needs is missing: the e-mail goes without it, as a conformity request's does)."""
    from sqlmodel import Session

    from services.generation.context import EventFacts
    from services.generation.fill import render_notice_letter  # docxtpl: only when needed
    from services.generation.letter_numbers import give_reference

    reference = give_reference(conn, fired.document_id, fired.as_of, event_seq=fired.seq)
    event = EventFacts(
        name=fired.event,
        label=fired.event_label or fired.event,
        actor=fired.actor,
        as_of=fired.as_of,
        note=fired.note,
        letter_reference=reference,
    )
    with Session(bind=conn, join_transaction_mode="create_savepoint") as session:
        try:
            filled = render_notice_letter(ws, session, fired.document_id, letter, event)
        except InvalidInput as exc:
            LOG.warning("document %s: notice sent without its letter: %s", fired.document_id, exc)
            session.rollback()
            return []
        session.commit()  # releases the savepoint; the event's transaction commits it all
        return [Attachment(filled.file_hash, filled.file_name, DOCX)]


MAILS: dict[str, Callable[[Connection, Workspace, FiredEvent], None]] = {
    "conformity_request": _conformity_request,
    "tacit_approval": _tacit_approval,
    NOTICE_MAIL: _procedure_notice,
}

# What each mail's templates may use, besides `services.mail.outbox.COMMON_CONTEXT`
# (`ghtflow procedures check` refuses a template that reads anything else).
MAIL_CONTEXT: dict[str, frozenset[str]] = {
    "conformity_request": frozenset(
        {"type_label", "state_label", "motives", "note", "requested_on", "respond_by",
         "requested_by"}
    ),
    "tacit_approval": frozenset(
        {"type_label", "state_label", "received_on", "effective_on", "months"}
    ),
    NOTICE_MAIL: frozenset(
        {"type_label", "state_label", "type", "state", "event", "event_label", "note", "actor",
         "as_of", "due", "payload"}
    ),
}  # fmt: skip
assert set(MAIL_CONTEXT) == set(MAILS)
