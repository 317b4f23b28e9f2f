"""Export and verify a case's evidence bundle: the two entry points `docking evidence` calls (cli/evidence_cmd.py).

export: collect.py (the database), keys.py (public keys), archive.py (tar, manifest, sums) — nothing is written
unless it all succeeds. verify: archive.read, then check.py and entries.py in order, offline.
"""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from adapter.audit.chain import canonical
from adapter.config.settings import Settings
from adapter.evidence import archive, check, entries
from adapter.evidence.collect import collect
from adapter.evidence.keys import key_files
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import CaseRow


@dataclass(frozen=True)
class Exported:
    path: Path
    case_id: str
    files: int
    bytes: int
    messages: int
    entries: int


def export(settings: Settings, uow: UnitOfWork, case_id: str, out: Path, now: datetime) -> Exported:
    """Write `case_id`'s bundle to `out` (InvalidRequest for an unknown case; ConfigError without an [audit]
    keyring when a checkpoint must be signed)."""
    files = collect(uow, settings.audit, case_id, now)
    with uow.begin() as session:
        case = session.get(CaseRow, case_id)
        platform = case.platform if case is not None else None
    files += key_files(settings, platform)
    members = archive.write(files, out, case_id, now, canonical(now).decode().strip('"'))
    messages = sum(1 for f in files if f.path.startswith("messages/") and f.path.endswith(".body"))
    proofs = sum(1 for f in files if f.path.startswith("audit/proofs/"))
    return Exported(out, case_id, len(members), out.stat().st_size, messages, proofs)


def verify(bundle: Path, given_keys: list[bytes]) -> check.Checks:
    """Every check of the bundle at `bundle` (check.py); EvidenceError when it is not a readable bundle at all."""
    members = archive.read(bundle)
    out = check.Checks()
    if check.files(members, out) is None:
        return out
    doc, trusted = check.keys(members, given_keys, out)
    check.messages(members, doc, trusted, out)
    check.documents(members, out)
    good = check.checkpoints(members, trusted, out)
    entries.entries(members, good, out)
    return out
