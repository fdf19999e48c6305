"""Who may see what: the one visibility rule of the web pages, the JSON API and the calendars.

Agency people see every GHT; a GHT's people see their own GHT only. Something another GHT owns
is answered exactly as something that does not exist (`NotFound`, same message), so that a
guessed id or code tells nothing.
"""

from __future__ import annotations

from sqlmodel import col, select

from models import Document, Ght
from services.accounts import Account
from services.errors import NotFound
from services.workspace import Workspace


def may_see_ght(account: Account, ght_code: str) -> bool:
    return account.is_agency or account.ght_code == ght_code.strip().upper()


def check_document_visible(ws: Workspace, account: Account, document_id: int) -> str:
    """The document's GHT code, or `NotFound` when it does not exist or is not visible."""
    with ws.db.reading() as session:
        code = session.exec(
            select(col(Ght.code))
            .join(Document, col(Document.ght_id) == col(Ght.id))
            .where(col(Document.id) == document_id)
        ).first()
    if code is None or not may_see_ght(account, code):
        raise NotFound(f"document {document_id} does not exist")
    return code


def check_ght_visible(account: Account, ght_code: str) -> str:
    """The normalised GHT code, or `NotFound` (as for an unknown GHT) when it is not visible."""
    code = ght_code.strip().upper()
    if not may_see_ght(account, code):
        raise NotFound(f"unknown GHT {code!r}")
    return code
