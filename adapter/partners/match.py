"""The blind index of a partner record's main personal identifier (Change.match_id — a mediator's ID number): the
store keeps `"<key id>:<HMAC-SHA256 hex>"` in partner_records.match_key and finds the same person in another record
("an ID active in two organisations", partners.md §4 Guards) without storing or searching by the number itself.

Keyed as the complaints' repeat index is (adapter/complaints/blind_index.py, whose reasons apply: a plain hash of an
18-digit ID is reversed by brute force), under its own purpose so the two indexes never coincide. A record indexed
under an older data key is still found while that key is configured (search_values gives one value per key);
`docking keys rotate-data` re-keys every record (`reindex`, from the identifier kept sealed in match_json) so the old
key may then be retired.
"""

import hashlib
import hmac
import json

from sqlmodel import col, select

from adapter.complaints.blind_index import NO_KEY_ID, subkeys
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.partner_tables import PartnerRecordRow
from adapter.persistence.sealed_types import engine_vault
from adapter.persistence.vault import Vault, VaultError

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


def reindex(uow: UnitOfWork) -> tuple[int, list[str]]:
    """Recompute every record's match key under the active data key: (the number changed, the ids whose sealed
    identifier does not open with the configured keys — left as they are). One short transaction per record."""
    vault = engine_vault(uow.engine)
    changed, unreadable = 0, []
    with uow.begin() as session:
        ids = session.exec(
            select(PartnerRecordRow.record_id).where(col(PartnerRecordRow.match_json).is_not(None))
        ).all()
    for record_id in ids:
        with uow.begin() as session:
            row = session.exec(
                select(PartnerRecordRow).where(PartnerRecordRow.record_id == record_id).with_for_update()
            ).first()
            if row is None or row.match_json is None:
                continue
            try:
                value = index_value(json.loads(row.match_json)["id_number"], vault)
            except VaultError:
                unreadable.append(record_id)
                continue
            if value != row.match_key:
                row.match_key = value
                session.add(row)
                changed += 1
    return changed, unreadable
