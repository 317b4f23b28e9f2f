"""The blind index of a complainant's identifier, for the repeat check (partners.md §1 "Guards": a repeat is
detected before forwarding): the store keeps `"<key id>:<HMAC-SHA256 hex>"` in complaints.complainant_key and finds
earlier complaints of the same person without storing or searching by the ID number itself.

Why keyed: a plain SHA-256 of an 18-digit resident ID (birth date, region, check digit) is reversed by trying every
plausible number in minutes. The HMAC key is derived from a data key of the vault (adapter/persistence/vault.py) —
HMAC(data key, "docking/complainant-key/v1") — so the data key itself is never used for two purposes and nothing new
needs to be configured. The stored value names the data key it was made under.

Rotation (`docking keys data-key` + `rotate-data`): new complaints are indexed under the new active key; the repeat
check searches under every configured key (one value per key), so earlier complaints stay findable while their key is
configured. `docking keys rotate-data` re-keys every complaint's index after re-sealing (`reindex`; also
`docking complaints reindex`), so once it reports nothing left the old key may be retired without losing repeats.
A complaint whose record does not open (its key removed too early) keeps its old index and is reported.

Without [encryption] the key id is "none" and the key is a fixed constant: the complaint record then stores the ID
number in clear anyway (complaint_json is sealed only when keys are configured), so the index exposes nothing more.
"""

import hashlib
import hmac

from sqlmodel import select

from adapter.complaints.guards import complainant_key
from adapter.persistence.complaint_tables import ComplaintRow
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.sealed_types import engine_vault
from adapter.persistence.vault import Vault, VaultError
from schemas.complaint import Complainant, Complaint

NO_KEY_ID = "none"
_UNKEYED = b"docking/complainant-key/unkeyed"
_PURPOSE = b"docking/complainant-key/v1"


def subkeys(vault: Vault | None, purpose: bytes = _PURPOSE, unkeyed: bytes = _UNKEYED) -> dict[str, bytes]:
    """One HMAC key per configured data key (by key id) for `purpose`, derived so a data key serves no two purposes;
    {"none": `unkeyed`} without encryption. Shared with the partner records' match key (adapter/partners/match.py)."""
    if vault is None:
        return {NO_KEY_ID: unkeyed}
    return {kid: hmac.new(key.key, purpose, hashlib.sha256).digest() for kid, key in vault.keys.items()}


def index_value(complainant: Complainant, vault: Vault | None) -> str:
    """The value to store for a new complaint: under the active data key (or "none" without encryption)."""
    kid = NO_KEY_ID if vault is None else vault.active.kid
    return f"{kid}:{complainant_key(complainant, subkeys(vault)[kid])}"


def search_values(complainant: Complainant, vault: Vault | None) -> list[str]:
    """Every value an earlier complaint of the same complainant may hold: one per configured key, and the unkeyed
    one (complaints received before encryption was configured)."""
    keys = subkeys(vault)
    keys.setdefault(NO_KEY_ID, _UNKEYED)
    return sorted(f"{kid}:{complainant_key(complainant, key)}" for kid, key in keys.items())


def reindex(uow: UnitOfWork) -> tuple[int, list[str]]:
    """Recompute every complaint's blind index under the active data key (from its sealed record): (the number
    changed, the ids whose record does not open with the configured keys — left as they are). Run by
    `docking keys rotate-data` after re-sealing, and by `docking complaints reindex`; before an old data key is
    retired (see the module docstring)."""
    vault = engine_vault(uow.engine)
    changed, unreadable = 0, []
    with uow.begin() as session:
        ids = session.exec(select(ComplaintRow.complaint_id).order_by(ComplaintRow.complaint_id)).all()
    for complaint_id in ids:  # one short transaction per complaint: `docking run` keeps working meanwhile
        with uow.begin() as session:
            row = session.exec(
                select(ComplaintRow).where(ComplaintRow.complaint_id == complaint_id).with_for_update()
            ).first()
            if row is None:
                continue
            try:
                value = index_value(Complaint.model_validate_json(row.complaint_json).complainant, vault)
            except VaultError:
                unreadable.append(complaint_id)
                continue
            if value != row.complainant_key:
                row.complainant_key = value
                session.add(row)
                changed += 1
    return changed, unreadable
