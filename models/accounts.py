"""Sign-in: API tokens and the record of sign-in attempts (people themselves are `Person`)."""

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
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class SignInAttempt(SQLModel, table=True):
    """One failed or successful sign-in, kept to rate-limit guessing per e-mail address."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, index=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    succeeded: bool = False
