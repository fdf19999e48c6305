"""One chain over all events: `event.chain_seq` (global position) and `event.ght_id`, and the
one-row chain head `audithead`.

Existing events get their positions in (at, document, seq) order and the GHT of their document;
their hashes stay those of the former per-document chains until `ghtflow db upgrade` (or
`ghtflow audit rechain`) checks them and re-chains the history under the audit key, which a
migration must not hold. The head's empty `key_id` marks that state.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64


def upgrade() -> None:
    op.create_table(
        "audithead",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain_seq", sa.Integer(), nullable=False),
        sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain_seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("ght_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE event SET ght_id = (SELECT document.ght_id FROM document "
        "WHERE document.id = event.document_id)"
    )
    op.execute(
        "UPDATE event SET chain_seq = (SELECT ordered.position FROM (SELECT id, ROW_NUMBER() "
        "OVER (ORDER BY at, document_id, seq) AS position FROM event) AS ordered "
        "WHERE ordered.id = event.id)"
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.alter_column("chain_seq", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("ght_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint("uq_event_chain_seq", ["chain_seq"])
        batch_op.create_foreign_key("fk_event_ght_id_ght", "ght", ["ght_id"], ["id"])
    connection = op.get_bind()
    last = connection.execute(
        sa.text("SELECT chain_seq, hash FROM event ORDER BY chain_seq DESC LIMIT 1")
    ).first()
    connection.execute(
        sa.text(
            "INSERT INTO audithead (id, chain_seq, hash, key_id, updated_at) "
            "VALUES (1, :seq, :hash, '', CURRENT_TIMESTAMP)"
        ),
        {"seq": last[0] if last else 0, "hash": last[1] if last else GENESIS},
    )


def downgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_constraint("fk_event_ght_id_ght", type_="foreignkey")
        batch_op.drop_constraint("uq_event_chain_seq", type_="unique")
        batch_op.drop_column("ght_id")
        batch_op.drop_column("chain_seq")
    op.drop_table("audithead")
