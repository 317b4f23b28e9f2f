"""Key events in the audit chain: `docking keys generate|rotate|activate|revoke` on a configured adapter's keyring.

The keyring is a folder, not the database, so the CLI records the event once the manifest is saved, in a
transaction of its own: the entry says which keyring, which key, what changed and who ran it (the OS user).
"""

import getpass
from pathlib import Path
from typing import Any

from adapter.audit.append import append
from adapter.persistence.engine import UnitOfWork


def record_key_event(uow: UnitOfWork, action: str, keyring: Path, key_id: str, detail: dict[str, Any]) -> None:
    """Append `key.<action>` about `key_id` of `keyring` (ids and states only: no key material)."""
    content = {"keyring": str(keyring.resolve()), "key_id": key_id, **detail}
    with uow.begin() as session:
        append(session, f"key.{action}", key_id, actor=f"operator:{_user()}", content=content)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container): the id is still something
        return "unknown"
