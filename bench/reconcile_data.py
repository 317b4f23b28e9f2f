"""The data of bench/reconcile.py, built before any clock starts: our database of `cases` cases and the court's
file with `per-kind` differences of each kind injected (and as many in-flight cases that must not count), and
BenchPlatform, the in-process platform that answers from the court file.
"""

import sqlite3
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import compress
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from adapter.persistence.engine import create_schema, make_engine
from adapter.reconcile.cases import CASES, OUTBOX
from adapter.states import CaseStatus, court_view
from connectors.port import CasePage, Feed, FeedPage, ListedCase, RawInbound, Receipt
from schemas.enums import CourtStatus, ProgressKind
from schemas.envelope import Envelope, ProgressBody
from schemas.progress import ProgressUpdate

PLATFORM = "bench"
KINDS = ("missing_at_platform", "missing_here", "behind", "ahead", "state_mismatch")
STATUSES = tuple(CourtStatus)  # the court file stores 1 + an index into this (0: the court does not know the case)
KNOWN: tuple[CourtStatus | None, ...] = (None, *STATUSES)
# ListedCase built in C (tuple.__new__, what NamedTuple._make calls): a million of them from Python's constructor
# would cost the fake platform more than the adapter's own reading of a page.
_LISTED = partial(tuple.__new__, ListedCase)
# The spread of our cases over their states: mostly at rest, as in a centre a few years in.
MIX = [
    CaseStatus.JC_CONFIRMED,
    CaseStatus.RETURNED_TO_COURT,
    CaseStatus.MEDIATION_DOC_ISSUED,
    CaseStatus.CLOSED_PERFORMED,
    CaseStatus.DECLINED,
    CaseStatus.IN_MEDIATION,
    CaseStatus.PENDING_ACCEPTANCE,
    CaseStatus.ACCEPTED,
]
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def case_id(n: int) -> str:
    return f"MC-{n:09d}"


def ajbs(n: int) -> str:
    return f"B{n:09d}"


# ---- building the data (not timed)


def build(work: Path, cases: int, per_kind: int) -> dict[str, int]:
    """Our database and the court's file; returns the differences injected, by kind."""
    ours = work / "adapter.db"
    engine = make_engine(f"sqlite:///{ours}")
    create_schema(engine)
    special = {kind: range(1 + i * per_kind, 1 + (i + 1) * per_kind) for i, kind in enumerate(KINDS)}
    in_flight = range(1 + len(KINDS) * per_kind, 1 + (len(KINDS) + 1) * per_kind)
    if in_flight.stop > cases:
        raise SystemExit(f"--cases {cases} is too few for --per-kind {per_kind}")
    ours_status = {n: CaseStatus.IN_MEDIATION for n in (*special["behind"], *special["state_mismatch"])}
    ours_status.update({n: CaseStatus.JC_APPLIED for n in special["ahead"]})
    ours_status.update({n: CaseStatus.ACCEPTED for n in in_flight})

    def status_of(n: int) -> CaseStatus:
        return ours_status.get(n) or MIX[n % len(MIX)]

    with engine.begin() as connection:
        for chunk in _chunks(range(1, cases + 1), 50_000):
            connection.execute(insert(CASES), [_case_row(n, status_of(n)) for n in chunk])
        messages = [
            *(_message(n, 1, CourtStatus.ACCEPTED, "delivered") for n in special["behind"]),
            *(_message(n, 2, CourtStatus.MEDIATING, "delivered") for n in special["behind"]),
            *(_message(n, 1, CourtStatus.ACCEPTED, "pending") for n in in_flight),
        ]
        connection.execute(insert(OUTBOX), messages)
    engine.dispose()

    theirs: dict[int, CourtStatus | None] = {n: CourtStatus.ACCEPTED for n in special["behind"]}
    theirs.update({n: None for n in special["missing_at_platform"]})
    theirs.update({n: CourtStatus.JC_CONFIRMED for n in special["ahead"]})
    theirs.update({n: CourtStatus.DECLINED for n in special["state_mismatch"]})
    theirs.update({n: CourtStatus.PENDING for n in in_flight})  # our acceptance has not reached it yet

    def court_rows() -> Iterator[tuple[str, int]]:
        for n in range(1, cases + 1):
            status = theirs[n] if n in theirs else court_view(status_of(n))
            if status is not None:
                yield ajbs(n), STATUSES.index(status) + 1
        for n in range(cases + 1, cases + 1 + per_kind):  # dispatched, never received: missing here
            yield ajbs(n), STATUSES.index(CourtStatus.PENDING) + 1

    with sqlite3.connect(work / "court.db") as court:
        court.execute("CREATE TABLE court_cases (ajbs TEXT PRIMARY KEY, status INTEGER NOT NULL) WITHOUT ROWID")
        court.executemany("INSERT INTO court_cases VALUES (?, ?)", court_rows())
    return {kind: per_kind for kind in KINDS}


def _case_row(n: int, status: CaseStatus) -> dict[str, Any]:
    return {
        "id": case_id(n),
        "platform": PLATFORM,
        "platform_case_id": ajbs(n),
        "case_number": None,
        "flow": "delegated",
        "procedure": "ordinary",
        "cause": "信用卡纠纷",
        "amount": "35000.50",
        "status": status.value,
        "mediator": None,
        "dispatch_json": "{}",  # never read by reconciliation: the bench keeps the file small
        "agreement_json": None,
        "agreement_effective_at": None,
        "created_at": T0,
        "updated_at": T0,
    }


def _message(n: int, seq: int, status_after: CourtStatus, status: str) -> dict[str, Any]:
    at = T0 + timedelta(minutes=seq)
    kind = ProgressKind.ACCEPTED if seq == 1 else ProgressKind.MEDIATOR_ASSIGNED
    envelope = Envelope(
        message_id=f"M-{n}-{seq}",
        platform=PLATFORM,
        platform_case_id=ajbs(n),
        created_at=at,
        body=ProgressBody(progress=ProgressUpdate(kind=kind, at=at, mediator="陈调解员" if seq == 2 else None)),
        status_after=status_after,
    )
    return {
        "message_id": envelope.message_id,
        "case_id": case_id(n),
        "platform": PLATFORM,
        "type": envelope.type.value,
        "envelope_json": envelope.model_dump_json(),
        "seq": seq,
        "status": status,
        "attempts": 1 if status == "delivered" else 0,
        "next_attempt_at": at,
        "claimed_by": None,
        "claimed_until": None,
        "last_error": None,
        "created_at": at,
        "queued_at": at,
        "delivered_at": at if status == "delivered" else None,
    }


def _chunks(numbers: range, size: int) -> Iterator[range]:
    for start in range(numbers.start, numbers.stop, size):
        yield range(start, min(start + size, numbers.stop))


# ---- the platform the reconcile process talks to


class BenchPlatform:
    """The court's view, read from its file before the clock starts into one byte per case and its case ids as one
    text: status queries and the case list cost what a fast platform would, so the time measured is the adapter's.
    A listed page's ids are split from that text, as a connector's parser would cut them from a response body (a
    page formatted id by id cost 0.7 s of CPU for a million cases, 0.27 s split). `cpu_seconds` is the process CPU
    time spent inside its calls, which the bench reports apart."""

    name, transport = PLATFORM, "fake"
    _WIDTH = len(ajbs(0)) + 1  # an id and the space after it

    def __init__(self, court_file: Path, cases: int) -> None:
        self._status = bytearray(cases + 1)
        self._extra: list[tuple[str, int]] = []
        self.cpu_seconds = 0.0
        with sqlite3.connect(court_file) as court:
            for key, status in court.execute("SELECT ajbs, status FROM court_cases"):
                n = int(key[1:])
                if n <= cases:
                    self._status[n] = status
                else:
                    self._extra.append((key, status))
        self._ids = bytearray()  # 11 MB for a million, built a chunk at a time: a million strings at once are 70 MB
        for chunk in _chunks(range(cases + 1), 10_000):
            self._ids += "".join(f"{ajbs(n)} " for n in chunk).encode("ascii")

    def query_status(self, platform_case_ids: Sequence[str]) -> dict[str, CourtStatus | None]:
        started = time.process_time()
        status, known = self._status, KNOWN
        answer = {i: known[status[int(i[1:])]] for i in platform_case_ids}
        self.cpu_seconds += time.process_time() - started
        return answer

    def list_cases(self, cursor: str, limit: int) -> CasePage:
        started = time.process_time()
        start = int(cursor or 0)
        stop = min(start + limit, len(self._status))
        held = self._status[start:stop]  # 0: the court does not know the case, and does not list it
        ids = self._ids[start * self._WIDTH : stop * self._WIDTH].decode("ascii").split()
        page = list(map(_LISTED, compress(zip(ids, map(KNOWN.__getitem__, held), strict=True), held)))
        if stop == len(self._status):
            page += [ListedCase(key, STATUSES[s - 1]) for key, s in self._extra]
        self.cpu_seconds += time.process_time() - started
        return CasePage(page, str(stop) if stop < len(self._status) else "")

    def fetch_case(self, platform_case_id: str) -> Sequence[RawInbound]:
        # Reconcile asks when a case we lack was published (in flight or missing): this court's feed is gone,
        # so it has nothing to show and the case stays a difference.
        return []

    def fetch(self, feed: Feed, cursor: str, limit: int) -> FeedPage:
        raise NotImplementedError

    def decode(self, item: RawInbound) -> Envelope:
        raise NotImplementedError

    def send(self, envelope: Envelope) -> Receipt:
        raise NotImplementedError
