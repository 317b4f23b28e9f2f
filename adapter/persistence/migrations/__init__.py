"""Alembic migrations of the adapter's database (run by `docking db upgrade`)."""
