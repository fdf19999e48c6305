"""The agency's identity per region, and letter references numbered in sequence.

`region` gains what a letterhead prints (direction, postal address, city, phone, a logo kept
in the file store under its hash) and the pattern letter references follow
(`ARS-OCC/DOSA/{year}-{number:04d}`). `lettersequence` holds the last number given per region
and year (writers upsert it, which locks the row); `letterreference` keeps each letter's
reference with what it is about (a conformity request, or a document's event for a notice
letter), so that filling the letter again writes the same one.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REGION_COLUMNS = (
    ("direction_name", 200),
    ("address", 600),
    ("city", 100),
    ("phone", 40),
    ("reference_pattern", 100),
)


def upgrade() -> None:
    with op.batch_alter_table("region", schema=None) as batch_op:
        for name, length in _REGION_COLUMNS:
            batch_op.add_column(
                sa.Column(name, sa.String(length=length), nullable=False, server_default="")
            )
        batch_op.add_column(sa.Column("logo_hash", sa.String(length=64), nullable=True))
    op.create_table(
        "lettersequence",
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"]),
        sa.PrimaryKeyConstraint("region_id", "year"),
    )
    op.create_table(
        "letterreference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("conformity_request_id", sa.Integer(), nullable=True),
        sa.Column("event_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.ForeignKeyConstraint(["conformity_request_id"], ["conformityrequest.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("region_id", "year", "number"),
        sa.UniqueConstraint("document_id", "event_seq"),
        sa.UniqueConstraint("conformity_request_id"),
    )
    op.create_index("ix_letterreference_document_id", "letterreference", ["document_id"])


def downgrade() -> None:
    op.drop_index("ix_letterreference_document_id", table_name="letterreference")
    op.drop_table("letterreference")
    op.drop_table("lettersequence")
    # plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): rebuilding `region` would have to drop
    # a table other tables' foreign keys point to
    with op.batch_alter_table("region", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("logo_hash")
        for name, _ in reversed(_REGION_COLUMNS):
            batch_op.drop_column(name)
