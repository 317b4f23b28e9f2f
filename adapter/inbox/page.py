"""Ingesting a whole feed page in one transaction, each item in a savepoint of its own.

The checks that need no database (signature, decoding, validation: adapter/inbox/ingest.py `check`) run first for
every item; then one transaction reads what the page's items are checked against — the inbox rows of its message
ids and the cases of its dispatches, one query each (adapter/inbox/apply.py `Known`) — and settles each item in a
savepoint: applied, duplicate, conflict or quarantined with its raw bytes, exactly as `ingest_item` would. So:
- a bad item is quarantined with its bytes and the rest of the page still lands, in the same pass: its savepoint
  is rolled back alone, and an item the database itself refuses (DataError) is then kept as `unstorable`;
- a crash part-way (any other exception, the process killed) rolls the whole page back: nothing of it is applied,
  the cursor (moved by the caller in this same transaction, `then`) still points before it, and the next poll
  applies it once (the inbox drops what a re-read repeats).
A quarantined item is logged once the page has committed (adapter/inbox/refusal.py `log_kept`).
"""

import json
import logging
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Executable, String, any_, bindparam, cast, func
from sqlalchemy.exc import DataError
from sqlalchemy.types import NullType
from sqlmodel import Session, col, select

from adapter.inbox.apply import Known, record
from adapter.inbox.digest import envelope_digest
from adapter.inbox.examine import Examined, conclude
from adapter.inbox.ingest import Checked, check, ingest_item, was_applied
from adapter.inbox.item_outcome import Ingested, Outcome
from adapter.inbox.page_rows import PageRows
from adapter.inbox.refusal import claimed_id, keep, log_kept
from adapter.persistence import statistics
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.sealed_types import engine_vault
from adapter.persistence.tables import CaseRow, InboxRow
from adapter.platforms.registry import PlatformLink
from connectors.port import RawInbound
from schemas.clock import Clock
from schemas.enums import Flow
from schemas.envelope import DispatchBody, Envelope

log = logging.getLogger("docking.ingest")


def ingest_page(
    uow: UnitOfWork,
    link: PlatformLink,
    feed: str,
    items: Sequence[RawInbound],
    clock: Clock,
    then: Callable[[Session], object] | None = None,
    examined: Sequence[Examined] | None = None,
) -> list[Outcome]:
    """Settle every item of a page in one transaction (module doc); the outcomes in the page's order. `then` (the
    poll's cursor move: adapter/inbox/polling.py) runs once, after the items: in the page's transaction, which then
    commits both or neither — or, when the page has no items or goes item by item, in a transaction of its own after
    theirs. `examined`: the items already examined (adapter/inbox/examine.py, in a check process), one each, in
    order; their checks are concluded here against the clock, as `check` would."""
    if not items:
        _alone(uow, then)
        return []
    platform = link.name

    def applied(message_id: str) -> bool:
        return was_applied(uow, platform, message_id)

    if examined is None:
        checked = [check(link, item, clock, received_at=None, applied=applied) for item in items]
    else:
        assert len(examined) == len(items), "one examination an item"
        max_age = link.feed_max_age
        checked = [conclude(one, arrived=clock(), max_age=max_age, applied=applied) for one in examined]
    try:
        with uow.begin() as session:
            known = _known(session, platform, checked)
            pairs = zip(items, checked, strict=True)
            outcomes = [_settle(session, link, feed, item, clock, one, known) for item, one in pairs]
            known.flush(session)  # before the commit: the rows deferred until the page's cases exist
            if then is not None:
                then(session)
    except DataError as exc:  # a value the database refuses in the page's batch: find the item, one at a time
        log.info("%s/%s: the database refused the page as a whole (%s); settling it item by item", platform, feed,
                 type(exc.orig).__name__)  # fmt: skip
        outcomes = [ingest_item(uow, link, feed, item, clock) for item in items]
        _alone(uow, then)
        return outcomes
    for outcome in outcomes:
        log_kept(platform, outcome)
    if any(outcome.result is Ingested.APPLIED for outcome in outcomes):
        statistics.after_writing(uow.engine)  # the next page's look-ups are planned by them (PostgreSQL)
    return outcomes


def _alone(uow: UnitOfWork, then: Callable[[Session], object] | None) -> None:
    if then is not None:
        with uow.begin() as session:
            then(session)


def _known(session: Session, platform: str, checked: list[Checked]) -> Known:
    envelopes = [one.envelope for one in checked if one.refusal is None and one.envelope is not None]
    ids = sorted({envelope.message_id for envelope in envelopes})
    dispatched = sorted({e.platform_case_id for e in envelopes if isinstance(e.body, DispatchBody)})
    connection = session.connection()  # nothing is pending yet: the page's transaction begins here
    dialect = connection.dialect.name
    inbox, values = _look_up(dialect, ids, 0)
    found = connection.execute(inbox, {"of_platform": platform, "ids": values})
    rows = PageRows(vault=engine_vault(connection.engine))  # the dispatches sealed as their rows are made
    known = Known(applied={message_id: digest for message_id, digest in found}, rows=rows)
    if dispatched:
        cases, values = _look_up(dialect, dispatched, 1)
        known.cases = set(connection.execute(cases, {"of_platform": platform, "ids": values}).scalars())
    return known


def _look_up(dialect: str, ids: list[str], which: int) -> tuple[Executable, object]:
    """The statement of look-up `which` (0 the inbox's, 1 the cases') on `dialect`, and its `ids` as it binds them.

    One statement text whatever the page's size, so it is compiled once (SQLAlchemy's cache) and prepared once
    (the driver's): on PostgreSQL the ids are one array (`= ANY`), on SQLite one JSON array read by `json_each`.
    An IN list of a parameter each was rendered anew for every page, its ~100 parameters with it (~0.5 ms a page).
    """
    if dialect == "postgresql":
        return _LOOK_UPS["postgresql"][which], _array_literal(ids)
    # json_each reads a string only up to a NUL in it: such an id (no checked one has it) goes the IN list.
    if dialect == "sqlite" and _JSON_EACH and "\x00" not in "".join(ids):
        return _LOOK_UPS["sqlite"][which], json.dumps(ids, ensure_ascii=False)
    return _LOOK_UPS["other"][which], ids


def _array_literal(ids: list[str]) -> str:
    """`ids` in PostgreSQL's array input syntax — every element double-quoted, `"` and `\\` escaped with a backslash —
    which the server reads as the look-up's varchar[] parameter: ~11 µs for a page's 100 ids, where psycopg's
    adaptation of a Python list took ~77. The parameter is typed varchar[] as before (`CAST($2 AS VARCHAR[])` of an
    untyped text, not a cast of text at run time), so the plans are the same: the array is a constant in them."""
    return "{" + ",".join('"' + one.replace("\\", "\\\\").replace('"', '\\"') + '"' for one in ids) + "}"


def _look_ups(among: Callable[[Any], ColumnElement[bool]]) -> tuple[Executable, Executable]:
    """The page's two look-ups, the inbox's and the cases', with `among` saying how a column is matched against
    the page's values (`ids`)."""
    inbox = select(InboxRow.message_id, InboxRow.body_sha256).where(
        InboxRow.platform == bindparam("of_platform"), among(col(InboxRow.message_id))
    )
    cases = select(CaseRow.platform_case_id).where(
        CaseRow.platform == bindparam("of_platform"), among(col(CaseRow.platform_case_id))
    )
    return inbox, cases


# Built once, as the cursor's statements are (adapter/inbox/polling.py). On PostgreSQL the page's ids are one array
# (`= ANY`, bound as its text: `_array_literal`; NullType so that SQLAlchemy neither processes nor types it) rather
# than an IN list of a parameter each, rendered into the statement per page; it is planned alike (PostgreSQL reads an
# IN list as `= ANY`: adapter/persistence/statistics.py). On SQLite they are one JSON array, `IN (SELECT value FROM
# json_each(?))`: SQLite plans it as the IN list, a seek of the unique index per id. json_each is built into SQLite
# from 3.38; an older library goes the IN list as before.
_JSON_EACH = sqlite3.sqlite_version_info >= (3, 38, 0)
_EACH = func.json_each(bindparam("ids", type_=String)).table_valued("value")
_LOOK_UPS = {
    "postgresql": _look_ups(lambda column: column == any_(cast(bindparam("ids", type_=NullType()), ARRAY(String)))),
    "sqlite": _look_ups(lambda column: column.in_(select(_EACH.c.value).scalar_subquery())),
    "other": _look_ups(lambda column: column.in_(bindparam("ids", expanding=True))),
}


def _settle(
    session: Session, link: PlatformLink, feed: str, item: RawInbound, clock: Clock, one: Checked, known: Known
) -> Outcome:
    platform = link.name
    envelope = one.envelope
    if one.refusal is None and envelope is not None and _new_dispatch(envelope, known):
        digest = envelope_digest(envelope)
        case_id = known.rows.dispatch(platform, item, envelope, digest, clock())
        known.applied[envelope.message_id] = digest
        known.cases.add(envelope.platform_case_id)
        return Outcome(Ingested.APPLIED, message_id=envelope.message_id, case_id=case_id)
    # Anything else settles in a savepoint of its own. What the page added before is flushed first, outside it: a
    # value the database refuses there is no fault of this item's (ingest_page then goes item by item).
    known.flush(session)
    if one.refusal is not None:
        message_id = envelope.message_id if envelope is not None else claimed_id(link, item)
        with session.begin_nested():
            return keep(session, platform, feed, item, clock, *one.refusal, message_id)
    assert envelope is not None  # no refusal: it decoded
    # What recording this item may add to `known`, to take back if the database refuses it.
    new_message = envelope.message_id not in known.applied
    new_case = envelope.platform_case_id not in known.cases
    try:
        with session.begin_nested():  # this item alone is rolled back if the database refuses it
            return record(session, platform, feed, item, clock, envelope, known)
    except DataError as exc:  # a value this database refuses (too long for its column, out of range …)
        if new_message:  # the rolled-back item left nothing behind: what it added is not known after all
            known.applied.pop(envelope.message_id, None)
        if new_case:
            known.cases.discard(envelope.platform_case_id)
        detail = f"the database refuses a value in message {envelope.message_id!r}: {type(exc.orig).__name__}"
        with session.begin_nested():
            return keep(session, platform, feed, item, clock, "unstorable", detail, envelope.message_id)


def _new_dispatch(envelope: Envelope, known: Known) -> bool:
    """A dispatch of a message and case not seen before, not flow C (which a court cannot send): the common item,
    which nothing refuses once checked — applied as plain rows (adapter/inbox/page_rows.py), no savepoint."""
    return (
        isinstance(envelope.body, DispatchBody)
        and envelope.body.dispatch.flow is not Flow.SELF_RECEIVED
        and envelope.message_id not in known.applied
        and envelope.platform_case_id not in known.cases
    )
