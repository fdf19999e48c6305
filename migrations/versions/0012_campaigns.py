"""Campaigns managed in ghtflow: when each was created, launched and closed, its reminders;
and the campaign launch e-mail in the outbox.

- `campaign.created_at` (existing campaigns, loaded from a scenario, get the time of the
  upgrade), `launched_on` (the business day of its first launch), `closed_on` (no launch and
  no moved date after it), `reminder_offsets_days` (given to each of its due dates; None: each
  type's own).
- `outboxmessage.kind` may be `campaign_launch` (the CHECK constraint of 0011 is replaced).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The kinds as they stand at this revision (a migration is a snapshot, not the live enum).
KINDS_BEFORE = (
    "reminder",
    "due_today",
    "overdue",
    "conformity_request",
    "conformity_reminder",
    "conformity_overdue",
    "tacit_approval",
    "audit_checkpoint",
)
KINDS = (*KINDS_BEFORE, "campaign_launch")


def _listed(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade() -> None:
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("launched_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("reminder_offsets_days", sa.JSON(), nullable=True))
    campaign = sa.table("campaign", sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()))
    op.get_bind().execute(campaign.update().values(created_at=sa.func.current_timestamp()))
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.alter_column(
            "created_at", existing_type=sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False
        )
    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.drop_constraint("ck_outbox_kind", type_="check")
        batch_op.create_check_constraint("ck_outbox_kind", f"kind IN ({_listed(KINDS)})")


def downgrade() -> None:
    op.execute("DELETE FROM outboxmessage WHERE kind = 'campaign_launch'")
    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.drop_constraint("ck_outbox_kind", type_="check")
        batch_op.create_check_constraint("ck_outbox_kind", f"kind IN ({_listed(KINDS_BEFORE)})")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("reminder_offsets_days")
        batch_op.drop_column("closed_on")
        batch_op.drop_column("launched_on")
        batch_op.drop_column("created_at")
