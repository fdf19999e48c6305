"""Outbox: delivery per recipient, claims with a token and an expiry, time of the last attempt.

Existing rows get their `recipients` map from what they say today: a sent row's addresses are
delivered except those in `refused` (5xx: refused; a 4xx there was a copy that never went:
pending again, so the row is due again for that address alone); a pending or failed row's
addresses are all pending. The old claim (a `next_attempt_at` pushed 10 minutes ahead) needs
no conversion: it simply runs out.

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-24 09:00:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _recipients(row: Any) -> tuple[dict[str, dict[str, Any]], str, dict[str, str] | None]:
    """(recipients, state, refused) of an existing row."""
    refused: dict[str, str] = dict(row.refused or {})
    at = (row.sent_at or row.created_at).isoformat() if row.state == "sent" else None
    entries: dict[str, dict[str, Any]] = {}
    for address in [*(row.to_addrs or []), *(row.cc_addrs or [])]:
        reply = refused.get(address)
        if row.state != "sent":
            entries[address] = {"state": "pending", "reply": reply, "at": None}
        elif reply is None:
            entries[address] = {"state": "delivered", "reply": None, "at": at}
        elif reply[:1] == "5":
            entries[address] = {"state": "refused", "reply": reply, "at": at}
        else:
            entries[address] = {"state": "pending", "reply": reply, "at": at}
    state = row.state
    if state == "sent" and any(e["state"] == "pending" for e in entries.values()):
        state = "pending"
    final = {a: e["reply"] for a, e in entries.items() if e["state"] == "refused"}
    return entries, state, final or None


def upgrade() -> None:
    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recipients", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("claim_token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column("claimed_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("last_attempt_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.create_index("ix_outbox_claim", ["claim_token"], unique=False)

    outbox = sa.table(
        "outboxmessage",
        sa.column("id", sa.Integer()),
        sa.column("state", sa.String()),
        sa.column("to_addrs", sa.JSON()),
        sa.column("cc_addrs", sa.JSON()),
        sa.column("refused", sa.JSON()),
        sa.column("recipients", sa.JSON()),
        sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
        sa.column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    )
    conn = op.get_bind()
    for row in conn.execute(sa.select(outbox)).all():
        entries, state, refused = _recipients(row)
        conn.execute(
            sa.update(outbox)
            .where(outbox.c.id == row.id)
            .values(recipients=entries, state=state, refused=refused)
        )


def downgrade() -> None:
    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_claim")
        batch_op.drop_column("last_attempt_at")
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claim_token")
        batch_op.drop_column("recipients")
