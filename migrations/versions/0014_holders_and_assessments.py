"""Holders that are not GHTs, and assessment grids.

`ght.kind` says what holds a document: a GHT (every existing row) or a structure of the
registry (`ght.establishment_id`, its FINESS row when it has one), so that a procedure such as
a call for projects can be run with coordination structures as applicants under the same
isolation rules. `assessment` keeps the agency's latest verdict on each criterion of a
document's assessment grid (each verdict is an event of the history as well).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ght", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="ght")
        )
        batch_op.add_column(sa.Column("establishment_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_ght_establishment_id", "establishment", ["establishment_id"], ["id"]
        )
        batch_op.create_check_constraint("ck_ght_kind", "kind IN ('ght', 'structure')")
    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(length=60), nullable=False),
        sa.Column("met", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("assessed_by", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id", "criterion"),
    )
    op.create_index("ix_assessment_document_id", "assessment", ["document_id"])


def downgrade() -> None:
    op.drop_index("ix_assessment_document_id", table_name="assessment")
    op.drop_table("assessment")
    with op.batch_alter_table("ght", schema=None) as batch_op:
        batch_op.drop_constraint("ck_ght_kind", type_="check")
        batch_op.drop_constraint("fk_ght_establishment_id", type_="foreignkey")
        batch_op.drop_column("establishment_id")
        batch_op.drop_column("kind")
