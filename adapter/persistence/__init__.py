"""Persistence: the database engine, the tables, the schema's versions, and personal data sealed at rest.

engine.py        the engine (SQLite or PostgreSQL) and the unit of work; nothing runs at import time
tables.py        SQLModel table rows — the storage shape, apart from the canonical schemas
repository.py    case storage inside one unit of work: load, create, transition with history, enqueue
migrate.py       schema versions: Alembic migrations (migrations/), the fast path for a new database
migrations/      the Alembic environment and the numbered versions
vault.py         field-level encryption of ID and phone numbers: data keys, sealing, opening
sealed_types.py  column types that seal on write and open on read, so no path can forget it
reseal.py        data-key rotation: re-seal every sealed column (found from the column types) with the active key
unreadable.py    rows sealed under a key this process lacks: reported once, counted, skipped
diagnosis.py     what a database failure means to an operator (cause, exit code, what to do)
outage.py        a database outage in `docking run`, logged once when it starts and once when it ends
sqlite_file.py   the SQLite file as the OS sees it: permissions, read-only opening, the run lock
"""
