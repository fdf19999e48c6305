"""Alembic migrations; run them with `ghtflow db upgrade`."""
