"""Who may see what and who may fire what, for the web pages, the JSON API, the calendar feeds
and links: the rule of `states.access` applied to what the database holds.

Something another GHT (or another region) owns is answered exactly as something that does not
exist (`NotFound`, same message), so that a guessed id or code tells nothing.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, false
from sqlalchemy import select as core_select
from sqlmodel import col

from models import Document, Ght
from services.accounts.credentials import Account
from services.errors import NotFound, PermissionDenied
from services.registry.ghts import holder_by_code, unknown_ght
from services.views.documents import list_documents
from services.workspace import Workspace
from states.access import Actor, Place, Sight, agency_only, may_fire, may_see, sight_of
from states.definition import Side, TransitionDef, WorkflowDefinition

S = TypeVar("S", bound=Select[Any])


def actor_of(account: Account) -> Actor:
    """The signed-in person as the rule sees them (a removed person has no account)."""
    return Actor(
        account.email, Side(account.side), account.ght_id, account.region_id, account.ght_code
    )


def require_agency(account: Account, what: str = "this page") -> None:
    """`PermissionDenied` unless this is an agency person: the agency's pages and the bilan
    count every GHT in the database (not narrowed to the person's region yet)."""
    refusal = agency_only(actor_of(account), what)
    if refusal is not None:
        raise PermissionDenied(refusal)


def place_of(ght: Ght) -> Place:
    assert ght.id is not None
    return Place(ght.id, ght.region_id)


def sight(account: Account) -> Sight:
    return sight_of(actor_of(account))


def only_visible(statement: S, seen: Sight) -> S:
    """`statement` (which selects from `Ght`) narrowed to the GHTs `seen` covers."""
    if seen.nothing:
        return statement.where(false())
    if seen.ght_id is not None:
        return statement.where(col(Ght.id) == seen.ght_id)
    if seen.region_id is not None:
        return statement.where(col(Ght.region_id) == seen.region_id)
    return statement


def visible_ght(ws: Workspace, account: Account, ght_code: str) -> Ght:
    """The GHT with this code, or `NotFound` (as for an unknown GHT) when it is not visible."""
    with ws.db.reading() as session:
        ght = holder_by_code(session, ght_code)
    if not may_see(actor_of(account), place_of(ght)):
        raise unknown_ght(ght_code)  # as for a GHT that does not exist
    return ght


def visible_document(ws: Workspace, account: Account, document_id: int) -> tuple[Document, Ght]:
    """The document and its GHT, or `NotFound` when it does not exist or is not visible."""
    with ws.db.reading() as session:
        row = session.execute(
            core_select(Document, Ght)
            .join(Ght, col(Ght.id) == col(Document.ght_id))
            .where(col(Document.id) == document_id)
        ).first()
    if row is None or not may_see(actor_of(account), place_of(row[1])):
        raise NotFound(f"document {document_id} does not exist")
    return row[0], row[1]


def check_document_visible(ws: Workspace, account: Account, document_id: int) -> str:
    """The document's GHT code, or `NotFound` when it does not exist or is not visible."""
    return visible_document(ws, account, document_id)[1].code


def check_ght_visible(ws: Workspace, account: Account, ght_code: str) -> str:
    """The normalised GHT code, or `NotFound` (as for an unknown GHT) when it is not visible."""
    return visible_ght(ws, account, ght_code).code


def visible_documents(
    ws: Workspace,
    account: Account,
    *,
    ght: str | None = None,
    doc_type: str | None = None,
    state: str | None = None,
) -> list[dict[str, Any]]:
    """`documents list` narrowed to what this person sees: another GHT's (or region's)
    documents are left out as if there were none."""
    seen = sight(account)
    if seen.nothing:
        return []
    return list_documents(
        ws, ght=ght, doc_type=doc_type, state=state, ght_id=seen.ght_id, region_id=seen.region_id
    )


def allowed_transitions(
    definition: WorkflowDefinition, state: str, account: Account, ght: Ght
) -> list[TransitionDef]:
    """The transitions of `state` this person may fire on a document of `ght`, as `fire`
    authorizes them (its guards aside: they need the form's values)."""
    who, place = actor_of(account), place_of(ght)
    return [
        t
        for event in definition.allowed_events(state)
        if (t := definition.transition(state, event)) is not None
        and may_fire(who, place, ght.code, t) is None  # the reason is not shown: no label
    ]
