"""`docking audit verify`: recompute the chain and every checkpoint, and name the first entry that is wrong.

Walked in seq order, page by page (constant memory but a checkpoint's leaf hashes). For each entry, in this order:
    seq gap             the seq is not the one after the previous entry (an entry removed, or seqs rewritten)
    prev mismatch       prev_hash is not the previous entry's hash (an entry inserted, removed or moved)
    content mismatch    the stored content does not hash to the entry's digest (content altered)
    hash mismatch       the entry's fields do not hash to its entry_hash (kind, subject, actor, time … altered)
After a fault the walk goes on from the entry's stored hash, so one tampering is named once. Each checkpoint:
    checkpoint gap      it does not start after the previous one
    checkpoint root mismatch / checkpoint past end   its range no longer hashes to the signed root (entries altered
                        and re-hashed, or the chain's tail removed)
    bad signature       the statement is not signed by the key it names (or that key is not in [audit] keyring)
What the chain alone cannot show: entries appended after the last checkpoint and then removed with everything after
them — the checkpoints' frequency bounds that window.
"""

import base64
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from adapter.audit import merkle, seal
from adapter.audit.chain import GENESIS, entry_fields, entry_hash, hasher
from adapter.audit.checkpoint import leaves, statement
from adapter.persistence.audit_tables import AuditCheckpointRow, AuditEntryRow

PAGE = 2000
MAX_FAULTS = 50
_ENTRIES = AuditEntryRow.__table__  # type: ignore[attr-defined]
_CHECKPOINTS = AuditCheckpointRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Fault:
    seq: int  # the entry named (for a checkpoint fault: the first entry of its range)
    problem: str
    detail: str
    checkpoint: int | None = None
    kind: str = ""  # what the entry found at that place says it is (blank for a missing entry or a range)
    subject: str = ""


@dataclass
class Report:
    entries: int = 0
    checkpoints: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    unsigned: bool = False  # checkpoints found but no keyring to check their signatures with
    faults: list[Fault] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.faults


def first_seq_since(connection: Connection, since: int | datetime | None) -> int:
    """The first seq to check: `since` itself, the first entry appended at or after a time, or 1."""
    if since is None:
        return 1
    if isinstance(since, int):
        return max(since, 1)
    found = connection.execute(select(_ENTRIES.c.seq).where(_ENTRIES.c.at >= since).order_by(_ENTRIES.c.seq)).first()
    return found[0] if found is not None else 1 << 62


def _rows(connection: Connection, start: int) -> Iterator[Any]:
    after = start - 1
    while True:
        page = connection.execute(
            select(_ENTRIES).where(_ENTRIES.c.seq > after).order_by(_ENTRIES.c.seq).limit(PAGE)
        ).all()
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1].seq


def _check_entry(row: Any, expected_seq: int, prev: str, report: Report) -> None:
    def fault(problem: str, detail: str) -> None:
        report.faults.append(Fault(row.seq, problem, detail, kind=row.kind, subject=row.subject))

    if row.seq != expected_seq:  # named by the seq that should be there
        missing = (
            f"entries {expected_seq}–{row.seq - 1} are" if row.seq > expected_seq + 1 else f"entry {expected_seq} is"
        )
        report.faults.append(Fault(expected_seq, "seq gap", f"{missing} missing (next found: {row.seq})"))
        return
    if row.prev_hash != prev:
        fault("prev mismatch", f"prev_hash {row.prev_hash[:16]}… is not the previous entry's hash {prev[:16]}…")
        return
    try:
        h = hasher(row.alg)
    except ValueError as exc:
        fault("hash mismatch", str(exc))
        return
    if h(row.content_json.encode()).hex() != row.digest:
        fault("content mismatch", "the stored content does not hash to the entry's digest")
        return
    fields = entry_fields(
        seq=row.seq, at=row.at, kind=row.kind, subject=row.subject, case_id=row.case_id,
        actor=row.actor, alg=row.alg, digest=row.digest,
    )  # fmt: skip
    if entry_hash(row.alg, prev, fields) != row.entry_hash:
        fault("hash mismatch", "the entry's fields do not hash to its entry_hash")


def _check_checkpoint(cp: Any, hashes: list[str], keys: dict[str, tuple[str, Any]], report: Report) -> None:
    def fault(problem: str, detail: str) -> None:
        report.faults.append(Fault(cp.first_seq, problem, detail, checkpoint=cp.id))

    expected = cp.last_seq - cp.first_seq + 1
    if len(hashes) != expected:
        fault("checkpoint past end", f"checkpoint {cp.id} covers {expected} entries, {len(hashes)} are there")
        return
    if merkle.root(hasher(cp.alg), leaves(cp.alg, hashes)).hex() != cp.root or hashes[-1] != cp.last_entry_hash:
        fault("checkpoint root mismatch", f"entries {cp.first_seq}–{cp.last_seq} no longer hash to the signed root")
        return
    if not keys:
        report.unsigned = True
        return
    algorithm, key = keys.get(cp.key_id, (cp.algorithm, None))
    if key is None or not seal.verify(algorithm, key, statement(cp), base64.b64decode(cp.signature)):
        fault("bad signature", f"checkpoint {cp.id} is not signed by audit key {cp.key_id}")


def verify_chain(
    connection: Connection,
    keys: dict[str, tuple[str, Any]],
    since: int | datetime | None = None,
    progress: Callable[[int], None] = lambda done: None,
) -> Report:
    """Walk the chain from `since` (a seq or a time; None: the start) and its checkpoints starting there."""
    report = Report()
    start = first_seq_since(connection, since)
    prev = GENESIS
    if start > 1:
        before = connection.execute(select(_ENTRIES.c.entry_hash).where(_ENTRIES.c.seq == start - 1)).first()
        prev = before[0] if before is not None else GENESIS
    pending = [
        cp
        for cp in connection.execute(select(_CHECKPOINTS).order_by(_CHECKPOINTS.c.first_seq)).all()
        if cp.first_seq >= start
    ]
    previous_end = pending[0].first_seq - 1 if pending else 0
    for cp in pending:  # checkpoints must tile the chain
        if cp.first_seq != previous_end + 1:
            report.faults.append(Fault(cp.first_seq, "checkpoint gap", f"checkpoint {cp.id} follows {previous_end}",
                                       checkpoint=cp.id))  # fmt: skip
        previous_end = cp.last_seq
    expected, collected = start, []
    for row in _rows(connection, start):
        report.first_seq = report.first_seq if report.first_seq is not None else row.seq
        report.last_seq = row.seq
        _check_entry(row, expected, prev, report)
        prev, expected = row.entry_hash, row.seq + 1
        report.entries += 1
        if pending and pending[0].first_seq <= row.seq <= pending[0].last_seq:
            collected.append(row.entry_hash)
        if pending and row.seq >= pending[0].last_seq:
            _check_checkpoint(pending.pop(0), collected, keys, report)
            report.checkpoints += 1
            collected = []
        if report.entries % 10000 == 0:
            progress(report.entries)
        if len(report.faults) >= MAX_FAULTS:
            break
    for cp in pending:  # ranges the chain no longer reaches: its tail was removed
        if len(report.faults) < MAX_FAULTS:
            _check_checkpoint(cp, collected if cp.first_seq <= expected - 1 else [], keys, report)
            report.checkpoints += 1
            collected = []
    report.faults.sort(key=lambda f: (f.checkpoint is not None, f.seq))  # an entry named beats a range
    return report
