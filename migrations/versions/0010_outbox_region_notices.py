"""Outbox: notices about a region (the daily audit checkpoint to the region's direction).

Such a message has no document and no GHT: `document_id` and `ght_id` become nullable, and
`region_id` names the region. Its key (region, kind, stage, due date) is unique like a
document's notice key, so a second sweep of the same day queues nothing; a row must be about
a document or a region. Existing rows are all about a document: nothing to convert.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region_id", sa.Integer(), nullable=True))
        batch_op.alter_column("document_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("ght_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key("fk_outbox_region", "region", ["region_id"], ["id"])
        batch_op.create_unique_constraint(
            "uq_outbox_region_notice", ["region_id", "kind", "stage", "due_date"]
        )
        batch_op.create_check_constraint(
            "ck_outbox_about_something", "document_id IS NOT NULL OR region_id IS NOT NULL"
        )


def downgrade() -> None:
    op.execute("DELETE FROM outboxmessage WHERE document_id IS NULL")
    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.drop_constraint("ck_outbox_about_something", type_="check")
        batch_op.drop_constraint("uq_outbox_region_notice", type_="unique")
        batch_op.drop_constraint("fk_outbox_region", type_="foreignkey")
        batch_op.alter_column("ght_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("document_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("region_id")
