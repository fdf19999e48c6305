"""Outbox: the notice a procedure declares on an event (`mail: notice`), kind `procedure_notice`.

The closed set of message kinds (`ck_outbox_kind`, revision 0012) gains it. One such message
per event: its stage is `event-N`, N the event's number in the document's history, so the
existing unique key (document, kind, stage, due date) keeps one per event.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The set as it stands at this revision (a migration is a snapshot, not the live enum).
BEFORE = (
    "reminder",
    "due_today",
    "overdue",
    "conformity_request",
    "conformity_reminder",
    "conformity_overdue",
    "tacit_approval",
    "audit_checkpoint",
    "campaign_launch",
)
AFTER = (*BEFORE, "procedure_notice")


def _listed(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _set_kinds(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.drop_constraint("ck_outbox_kind", type_="check")
        batch_op.create_check_constraint("ck_outbox_kind", f"kind IN ({_listed(values)})")


def upgrade() -> None:
    _set_kinds(AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM outboxmessage WHERE kind = 'procedure_notice'")
    _set_kinds(BEFORE)
