"""Sign-in: API tokens and the counters that rate-limit sign-in attempts (people themselves
are `Person`)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.tables import utcnow


class ApiToken(SQLModel, table=True):
    """A bearer token for the JSON API; only its sha256 is kept (shown once when issued)."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(description="refused from then on (`users token --days N`)")
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class SignInCounter(SQLModel, table=True):
    """Failed sign-ins of one key (an address, a client IP, or both) in a fixed window.

    One row per key, updated by a single atomic UPSERT, so that parallel attempts cannot all
    read the same count; the row is reset when its window has passed."""

    key: str = Field(primary_key=True, max_length=320)
    failures: int = 0
    window_start: datetime = Field(default_factory=utcnow, index=True)
