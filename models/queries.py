"""Read queries shared by services: plain rows, no business rules, fast on large tables."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, Select, String, cast, func, select
from sqlmodel import Session, col

from models.tables import Document, Event, Ght


def document_rows(
    connection: Connection,
    *,
    ght: str | None = None,
    doc_type: str | None = None,
    state: str | None = None,
    ght_id: int | None = None,
    region_id: int | None = None,
) -> list[Row[Any]]:
    """Documents with their GHT code, ordered by id; filters are exact matches.

    Dates come back as ISO text (`YYYY-MM-DD` on both databases): parsing 100,000 of them
    only to print them again would double the time of a JSON listing."""
    statement: Select[Any] = (
        select(
            col(Document.id),
            col(Ght.code).label("ght"),
            col(Document.doc_type),
            col(Document.reference),
            col(Document.state),
            cast(col(Document.due_date), String).label("due_date"),
            col(Document.current_version),
            cast(col(Document.submitted_on), String).label("submitted_on"),
            col(Document.version_id),
        )
        .join(Ght, col(Ght.id) == col(Document.ght_id))
        .order_by(col(Document.id))
    )
    if ght:
        statement = statement.where(col(Ght.code) == ght.upper())
    if ght_id is not None:
        statement = statement.where(col(Ght.id) == ght_id)
    if region_id is not None:
        statement = statement.where(col(Ght.region_id) == region_id)
    if doc_type:
        statement = statement.where(col(Document.doc_type) == doc_type)
    if state:
        statement = statement.where(col(Document.state) == state)
    return list(connection.execute(statement).all())


def states_as_of(session: Session, as_of: date, region_id: int | None = None) -> list[Row[Any]]:
    """(document id, GHT code, GHT name, type, state) as each document stood at the end of
    `as_of`: the destination of its last event dated on or before that day. Documents with no
    event by then did not exist yet and are left out; with `region_id`, those of that region's
    holders only."""
    last = (
        select(col(Event.document_id), func.max(col(Event.seq)).label("seq"))
        .where(col(Event.as_of) <= as_of)
        .group_by(col(Event.document_id))
        .subquery()
    )
    statement = (
        select(
            col(Document.id),
            col(Ght.code),
            col(Ght.name),
            col(Document.doc_type),
            col(Event.to_state),
        )
        .join(last, last.c.document_id == col(Event.document_id))
        .where(col(Event.seq) == last.c.seq)
        .join(Document, col(Document.id) == col(Event.document_id))
        .join(Ght, col(Ght.id) == col(Document.ght_id))
        .order_by(col(Ght.code), col(Document.id))
    )
    if region_id is not None:
        statement = statement.where(col(Ght.region_id) == region_id)
    return list(session.execute(statement).all())
