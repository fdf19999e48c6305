"""Account security: session generations, removed people, token expiry, sign-in counters.

- `person.session_generation`: bumped on sign-out, password change and removal; a session
  cookie carries the generation it was issued under and is refused once it moved on.
- `person.removed_at`: `ghtflow users remove` keeps the row (events name the address) and
  withdraws every access.
- `apitoken.expires_at`: tokens issued before this revision expire a year after they were
  issued (the default lifetime of a new token).
- `signincounter` replaces `signinattempt`: one row per key (address, client IP, or both),
  updated atomically, instead of one row per attempt (which grew with every anonymous try).

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EXISTING_TOKEN_DAYS = 365


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("removed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )

    with op.batch_alter_table("apitoken", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    token = sa.table(
        "apitoken",
        sa.column("id", sa.Integer()),
        sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
        sa.column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    )
    conn = op.get_bind()
    for token_id, created_at in conn.execute(sa.select(token.c.id, token.c.created_at)).all():
        conn.execute(
            token.update()
            .where(token.c.id == token_id)
            .values(expires_at=created_at + timedelta(days=_EXISTING_TOKEN_DAYS))
        )
    with op.batch_alter_table("apitoken", schema=None) as batch_op:
        batch_op.alter_column(
            "expires_at", existing_type=sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False
        )

    op.create_table(
        "signincounter",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("signincounter", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signincounter_window_start"), ["window_start"], unique=False
        )

    with op.batch_alter_table("signinattempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signinattempt_email"))
        batch_op.drop_index(batch_op.f("ix_signinattempt_at"))
    op.drop_table("signinattempt")


def downgrade() -> None:
    op.create_table(
        "signinattempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("signinattempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signinattempt_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_signinattempt_email"), ["email"], unique=False)

    with op.batch_alter_table("signincounter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signincounter_window_start"))
    op.drop_table("signincounter")

    with op.batch_alter_table("apitoken", schema=None) as batch_op:
        batch_op.drop_column("expires_at")

    # plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35): recreating `person` in batch mode
    # would trip the foreign keys that point to it
    op.drop_column("person", "removed_at")
    op.drop_column("person", "session_generation")
