"""Our side of reconciliation, read lean: only the columns compared, in keyset pages, each its own short transaction.

A million cases must fit in bounded memory and must not hold SQLite's write lock (every transaction here takes it,
adapter/persistence/engine.py) for more than one page: so the driver's rows of two columns, never ORM objects
carrying dispatch_json. One platform and one status at a time, in id order: a page is then one range of
ix_cases_reconcile (platform, status, id, platform_case_id; 0021), read from that index alone — the table's rows,
the sealed dispatch among them, are never visited — and its rows need not say their status. "In flight" — a pending
message not yet delivered — is read per page, in the page's transaction: the pending messages' case ids between the
page's first and last id, one range of ix_outbox_case (case_id, status, id) — never every pending row, and not an
EXISTS probe per case (a fifth of the page query's time).
"""

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Text, bindparam, exists, func, select, text, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import CaseRow, OutboxRow, OutboxStatus, ReconcileDifferenceRow, ReconcileRunRow
from adapter.reconcile.classify import Held
from adapter.states import FINAL
from schemas.clock import from_db
from schemas.enums import CourtStatus

CASES = CaseRow.__table__  # type: ignore[attr-defined]
OUTBOX = OutboxRow.__table__  # type: ignore[attr-defined]
DIFFERENCES = ReconcileDifferenceRow.__table__  # type: ignore[attr-defined]
RUNS = ReconcileRunRow.__table__  # type: ignore[attr-defined]


class Scope(StrEnum):
    OPEN = "open"  # cases not yet at rest: the frequent pass
    FULL = "full"  # every case, and every case the platform lists: the nightly pass


# A page row: (id, platform_case_id), the driver's own tuple — every case of a page has the same status. A million
# rows are read through tuple indexing, not attribute lookups, and not as SQLAlchemy Rows (a second object per case,
# and more for the garbage collector to walk: a fifth of reading the page). A case that differs is then handled as
# (id, platform_case_id, status).
Page = tuple[str, str]
Case = tuple[str, str, str]
ID, PLATFORM_CASE_ID, STATUS = range(3)


def _filters(platform: str | None, scope: Scope) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [CASES.c.platform.is_not(None)]  # flow C before its JC: no court yet
    if platform is not None:
        conditions.append(CASES.c.platform == platform)
    if scope is Scope.OPEN:
        conditions.append(CASES.c.status.not_in(sorted(s.value for s in FINAL)))
    return conditions


def count(uow: UnitOfWork, *, platform: str | None, scope: Scope) -> int:
    with uow.begin() as session:
        return int(session.connection().execute(select(func.count()).where(*_filters(platform, scope))).scalar_one())


def platforms(uow: UnitOfWork) -> list[str]:
    """The platforms our cases belong to, in name order: one seek of the index per platform, not a scan of every
    case (a handful of platforms over a million cases)."""
    first = select(func.min(CASES.c.platform)).where(CASES.c.platform.is_not(None))
    following = select(func.min(CASES.c.platform)).where(CASES.c.platform > bindparam("after"))
    found: list[str] = []
    with uow.engine.begin() as connection:
        name = connection.execute(first).scalar()
        while name is not None:
            found.append(str(name))
            name = connection.execute(following, {"after": name}).scalar()
    return found


def pages(uow: UnitOfWork, *, platform: str, scope: Scope, size: int) -> Iterator[tuple[str, Sequence[Page], set[str]]]:
    """One platform's cases status by status (in name order), each status's in id order, `size` at a time (keyset
    paging on the primary key): each page as its status, its rows (id, platform_case_id) and the ids of those in
    flight (usually none). By status, so a page's rows need not carry it: a third less to read per case."""
    conditions = _filters(platform, scope)
    first = select(func.min(CASES.c.status)).where(*conditions)
    following = select(func.min(CASES.c.status)).where(CASES.c.status > bindparam("after"), *conditions)
    query = (
        select(CASES.c.id, CASES.c.platform_case_id)
        .where(CASES.c.status == bindparam("status"), CASES.c.id > bindparam("after"), *conditions)
        .order_by(CASES.c.id)
        .limit(size)
    )
    in_flight = (
        select(OUTBOX.c.case_id)
        .distinct()
        .where(OUTBOX.c.case_id.between(bindparam("first"), bindparam("last")), OUTBOX.c.status == OutboxStatus.PENDING)
    )
    with uow.engine.begin() as connection:
        status = connection.execute(first).scalar()
    while status is not None:
        after = ""
        while True:
            # a Core transaction, not an ORM Session: the same BEGIN IMMEDIATE … COMMIT, without the Session's
            # bookkeeping, a few hundred times for a million cases
            with uow.engine.begin() as connection:
                # The driver's rows as they come (these text columns have no result processing to skip; see Page).
                result = connection.execute(query, {"status": status, "after": after})
                rows: Sequence[Page] = result.cursor.fetchall()
                result.close()
                if not rows:
                    status = connection.execute(following, {"after": status}).scalar()
                    break
                busy = set(connection.execute(in_flight, {"first": rows[0][ID], "last": rows[-1][ID]}).scalars())
            yield str(status), rows, busy
            after = rows[-1][ID]


def unknown(uow: UnitOfWork, platform: str, platform_case_ids: Sequence[str]) -> list[str]:
    """Which of these platform case ids we do not hold: the page goes to the database as one JSON array and an
    anti-join probes the (platform, platform_case_id) unique index per id, returning only the misses (usually none)."""
    if not platform_case_ids:
        return []
    with uow.engine.begin() as connection:  # a Core transaction, as in `pages`
        query = _ANTI_JOIN[connection.dialect.name]
        found = connection.execute(query, {"platform": platform, "ids": json.dumps(list(platform_case_ids))})
        return [str(value) for value in found.scalars()]


_ANTI_JOIN = {
    "sqlite": text(
        "SELECT listed.value FROM json_each(:ids) AS listed WHERE NOT EXISTS "
        "(SELECT 1 FROM cases WHERE cases.platform = :platform AND cases.platform_case_id = listed.value)"
    ),
    "postgresql": text(
        "SELECT listed.value FROM jsonb_array_elements_text(CAST(:ids AS jsonb)) AS listed(value) WHERE NOT EXISTS "
        "(SELECT 1 FROM cases WHERE cases.platform = :platform AND cases.platform_case_id = listed.value)"
    ),
}


def now(uow: UnitOfWork, case_ids: Sequence[str]) -> dict[str, tuple[str, str, bool]]:
    """Each case's (flow, status, in flight) as it is now, read only for the cases that differ: a case that moved
    since its page was read is compared again by the next run, not reported on a stale reading."""
    pending = exists().where(OUTBOX.c.case_id == CASES.c.id, OUTBOX.c.status == OutboxStatus.PENDING)
    query = select(CASES.c.id, CASES.c.flow, CASES.c.status, pending).where(CASES.c.id.in_(list(case_ids)))
    with uow.begin() as session:
        rows = session.connection().execute(query).all()
    return {case_id: (flow, status, bool(busy)) for case_id, flow, status, busy in rows}


def held(uow: UnitOfWork, case_ids: Sequence[str]) -> dict[str, list[Held]]:
    """The delivered and dead messages of these cases, each case's in its order (read only for differences).

    The envelope is read as stored, never opened: `status_after` is not a sealed field
    (adapter/persistence/vault.py), so
    a message sealed under a data key this process lacks is classified like any other."""
    stored = type_coerce(OUTBOX.c.envelope_json, Text)
    query = (
        select(OUTBOX.c.case_id, OUTBOX.c.message_id, OUTBOX.c.status, OUTBOX.c.created_at, stored)
        .where(OUTBOX.c.case_id.in_(list(case_ids)), OUTBOX.c.status.in_((OutboxStatus.DELIVERED, OutboxStatus.DEAD)))
        .order_by(OUTBOX.c.case_id, OUTBOX.c.id)
    )
    found: dict[str, list[Held]] = {case_id: [] for case_id in case_ids}
    with uow.begin() as session:
        for case_id, message_id, status, created_at, envelope in session.connection().execute(query):
            found[case_id].append(
                Held(message_id, _status_after(envelope), from_db(created_at), status == OutboxStatus.DEAD)
            )
    return found


def last_repairs(uow: UnitOfWork, case_ids: Sequence[str]) -> dict[str, datetime]:
    """When an earlier run last re-sent or re-delivered each of these cases' messages."""
    query = (
        select(DIFFERENCES.c.case_id, func.max(RUNS.c.started_at))
        .join(RUNS, RUNS.c.id == DIFFERENCES.c.run_id)
        .where(
            DIFFERENCES.c.case_id.in_(list(case_ids)),
            DIFFERENCES.c.repaired.is_(True),
            DIFFERENCES.c.action.in_(("resend", "redeliver")),
        )
        .group_by(DIFFERENCES.c.case_id)
    )
    with uow.begin() as session:
        return {case_id: from_db(at) for case_id, at in session.connection().execute(query)}


def _status_after(envelope_json: str) -> CourtStatus | None:
    """The court status a stored message moves the case to (Envelope.status_after), without validating the rest."""
    try:
        value = json.loads(envelope_json).get("status_after")
        return CourtStatus(value) if value is not None else None
    except (ValueError, AttributeError):
        return None
