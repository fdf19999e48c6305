"""Letter references: numbered in sequence per region and year, given once, never twice.

A letter the agency sends carries a reference such as `ARS-OCC/DOSA/2017-0042`, made from the
region's pattern (`regions set-identity --reference-pattern`). The number is given when what
the letter is about is recorded (a conformity request; the event a procedure's notice letter
is about), in that same transaction, and kept in `letterreference`: filling the letter again
writes the same reference, so the same bytes. The next number comes from an upsert of the
region's row for the year in `lettersequence`, which PostgreSQL locks until the transaction
ends (a concurrent request waits, then takes the next number) and SQLite serialises anyway.

No docxtpl here: the lifecycle imports this on every conformity request.
"""

from __future__ import annotations

import string
from datetime import date

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from models import Document, Ght, LetterReference, LetterSequence, Region
from models.db import table_of
from services.errors import InvalidInput

# Used while a region has no pattern of its own.
DEFAULT_PATTERN = "ARS-{region}/{year}-{number:04d}"
PATTERN_MAX = 100
REFERENCE_MAX = 120
_FIELDS = ("year", "number", "region")


def check_pattern(pattern: str) -> str:
    """The pattern, stripped, if it names only {year}, {number} (with a width such as
    `{number:04d}`) and {region}, and gives a reference of bounded length; else one line."""
    pattern = pattern.strip()
    if not pattern:
        raise InvalidInput(
            "a reference pattern cannot be empty, e.g. ARS-OCC/DOSA/{year}-{number:04d}"
        )
    if len(pattern) > PATTERN_MAX:
        raise InvalidInput(
            f"reference pattern is too long: {len(pattern)} characters, at most {PATTERN_MAX}"
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in pattern):
        raise InvalidInput("reference pattern: control characters are not allowed")
    allowed = ", ".join("{" + f + "}" for f in _FIELDS)
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(pattern)]
    except ValueError as exc:
        raise InvalidInput(f"reference pattern {pattern!r}: {exc} (fields: {allowed})") from None
    names = [name for name, _, _ in fields if name is not None]
    for name, spec, conv in fields:
        if name is None:
            continue
        if name not in _FIELDS or conv:
            raise InvalidInput(
                f"reference pattern {pattern!r}: unknown field {{{name}}}; fields: {allowed}"
            )
        if spec and (name != "number" or spec.lstrip("0").rstrip("d") not in ("", *"123456789")):
            raise InvalidInput(
                f"reference pattern {pattern!r}: only {{number}} takes a width, e.g. {{number:04d}}"
            )
    if "number" not in names:
        raise InvalidInput(
            f"reference pattern {pattern!r} needs {{number}}, e.g. {{year}}-{{number:04d}}"
        )
    return pattern


def format_reference(pattern: str, region: str, year: int, number: int) -> str:
    """`pattern` filled (a pattern stored before it was checked is checked again)."""
    reference = check_pattern(pattern).format(region=region, year=year, number=number)
    if len(reference) > REFERENCE_MAX:
        raise InvalidInput(
            f"letter reference is too long: {len(reference)} characters, at most {REFERENCE_MAX}"
        )
    return reference


def existing_reference(
    conn: Connection,
    *,
    conformity_request_id: int | None = None,
    document_id: int | None = None,
    event_seq: int | None = None,
) -> str | None:
    """The reference given to a conformity request's letter, or to a document's event's."""
    refs = table_of(LetterReference)
    if conformity_request_id is not None:
        where = refs.c.conformity_request_id == conformity_request_id
    else:
        where = (refs.c.document_id == document_id) & (refs.c.event_seq == event_seq)
    value = conn.execute(select(refs.c.reference).where(where)).scalar()
    return str(value) if value is not None else None


def give_reference(
    conn: Connection,
    document_id: int,
    day: date,
    *,
    conformity_request_id: int | None = None,
    event_seq: int | None = None,
) -> str:
    """The letter's reference: the one already given to this request (or event), else the
    next number of the document's region for `day`'s year, recorded on `conn` (the caller's
    transaction)."""
    if (conformity_request_id is None) == (event_seq is None):
        raise ValueError("a letter reference is for a conformity request or an event")
    existing = existing_reference(
        conn,
        conformity_request_id=conformity_request_id,
        document_id=document_id,
        event_seq=event_seq,
    )
    if existing is not None:
        return existing
    documents, ghts, regions = table_of(Document), table_of(Ght), table_of(Region)
    row = conn.execute(
        select(regions.c.id, regions.c.code, regions.c.reference_pattern)
        .join(ghts, ghts.c.region_id == regions.c.id)
        .join(documents, documents.c.ght_id == ghts.c.id)
        .where(documents.c.id == document_id)
    ).one()
    region_id, code, pattern = row
    number = _next_number(conn, region_id, day.year)
    reference = format_reference(pattern or DEFAULT_PATTERN, code, day.year, number)
    conn.execute(
        table_of(LetterReference)
        .insert()
        .values(
            region_id=region_id,
            year=day.year,
            number=number,
            reference=reference,
            document_id=document_id,
            conformity_request_id=conformity_request_id,
            event_seq=event_seq,
        )
    )
    return reference


def _next_number(conn: Connection, region_id: int, year: int) -> int:
    """The region's next number for `year`, taken by an upsert that locks the row until the
    transaction ends."""
    table = table_of(LetterSequence)
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(region_id=region_id, year=year, last_number=1)
    statement = statement.on_conflict_do_update(
        index_elements=["region_id", "year"],
        set_={"last_number": table.c.last_number + 1},
    ).returning(table.c.last_number)
    return int(conn.execute(statement).scalar_one())
