"""The blind index of a partner record's main personal identifier (Change.match_id — a mediator's ID number): the
store keeps `"<key id>:<HMAC-SHA256 hex>"` in partner_records.match_key and finds the same person in another record
("an ID active in two organisations", partners.md §4 Guards) without storing or searching by the number itself.

Keyed as the complaints' repeat index is (adapter/complaints/blind_index.py, whose reasons apply: a plain hash of an
18-digit ID is reversed by brute force), under its own purpose so the two indexes never coincide. A record indexed
under an older data key is still found: search_values gives one value per configured key.
"""

import hashlib
import hmac

from adapter.complaints.blind_index import NO_KEY_ID, subkeys
from adapter.persistence.vault import Vault

_PURPOSE = b"docking/partner-match-key/v1"
_UNKEYED = b"docking/partner-match-key/unkeyed"


def _digest(identifier: str, key: bytes) -> str:
    # Case and spaces do not make another person: an X check digit may come lower-case from a form.
    return hmac.new(key, identifier.strip().upper().encode("utf-8"), hashlib.sha256).hexdigest()


def index_value(identifier: str, vault: Vault | None) -> str:
    """The value to store: under the active data key (or "none" without encryption)."""
    kid = NO_KEY_ID if vault is None else vault.active.kid
    return f"{kid}:{_digest(identifier, subkeys(vault, _PURPOSE, _UNKEYED)[kid])}"


def search_values(identifier: str, vault: Vault | None) -> list[str]:
    """Every value another record of the same identifier may hold: one per configured key, and the unkeyed one."""
    keys = subkeys(vault, _PURPOSE, _UNKEYED)
    keys.setdefault(NO_KEY_ID, _UNKEYED)
    return sorted(f"{kid}:{_digest(identifier, key)}" for kid, key in keys.items())
