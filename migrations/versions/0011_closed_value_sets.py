"""Closed value sets enforced by the database: a person's side, a member's role, a message's
state and kind.

These columns hold one of a few words the code knows; a row edited behind ghtflow's back with
another word would be read by every rule as something it is not. A CHECK constraint each makes
the database refuse it. Rows that already break a set stop the upgrade with one line naming
them (nothing is changed): correct them, then upgrade again.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The sets as they stand at this revision (a migration is a snapshot, not the live enums).
SETS: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("person", "side"): ("ck_person_side", ("agency", "ght")),
    ("membership", "role"): ("ck_membership_role", ("partie", "associe", "partenaire")),
    ("outboxmessage", "state"): ("ck_outbox_state", ("pending", "sent", "failed")),
    ("outboxmessage", "kind"): (
        "ck_outbox_kind",
        (
            "reminder",
            "due_today",
            "overdue",
            "conformity_request",
            "conformity_reminder",
            "conformity_overdue",
            "tacit_approval",
            "audit_checkpoint",
        ),
    ),
}


def _listed(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade() -> None:
    conn = op.get_bind()
    for (table, column), (_, values) in SETS.items():
        rows = sa.table(table, sa.column("id"), sa.column(column))
        bad = conn.execute(
            sa.select(rows.c.id, rows.c[column]).where(rows.c[column].not_in(values)).limit(1)
        ).first()
        if bad is not None:
            raise RuntimeError(
                f"{table} {bad[0]} has {column} {bad[1]!r}, which is none of {', '.join(values)}: "
                "correct it, then run 'ghtflow db upgrade' again"
            )
    for (table, column), (name, values) in SETS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(name, f"{column} IN ({_listed(values)})")


def downgrade() -> None:
    for (table, _), (name, _) in SETS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(name, type_="check")
