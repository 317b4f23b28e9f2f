"""The delivery worker's short cuts (#21) against the paths they replaced, on SQLite and PostgreSQL: the claim read by
Core into Claimed records takes the rows, values and table changes the ORM claim took; the record's UPDATE run at
the driver (adapter/outbox/prepared.py) writes what SQLAlchemy's executemany wrote; a batch's record and the next
claim in one transaction (Flight.claim) record and claim what the two transactions did, or neither."""

import contextlib
import dataclasses
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import (
    Connection,
    Integer,
    LargeBinary,
    Text,
    bindparam,
    exists,
    insert,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.orm import aliased, defer
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from adapter.outbox import claim as claim_module
from adapter.outbox.attachments import attach
from adapter.outbox.claim import claim_in
from adapter.outbox.claimed import STORED, Claimed
from adapter.outbox.record import _RECORD, _WRITE, DeliveryResult, Result, record_in
from adapter.persistence.engine import UnitOfWork, create_schema, make_engine
from adapter.persistence.sealed_types import engine_vault
from adapter.persistence.tables import OutboxRow, OutboxStatus
from adapter.persistence.unreadable import REPORTED
from adapter.persistence.vault import Vault, VaultError, new_key, open_json
from tests.support.cases import T0, pending_cases

pytestmark = pytest.mark.integration

_OUTBOX = OutboxRow.__table__  # type: ignore[attr-defined]
CASES = 14
LEASE = timedelta(seconds=6)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["clear", "sealed"])
def uow(database_url: str, request: pytest.FixtureRequest) -> Iterator[UnitOfWork]:
    """The outbox of CASES accepted cases in the states of _vary; "sealed": personal data sealed by a vault."""
    vault = Vault([new_key("k1")], "k1") if request.param == "sealed" else None
    engine = make_engine(database_url, vault=vault)
    create_schema(engine)
    pending_cases(UnitOfWork(engine), CASES)
    _vary(UnitOfWork(engine))
    yield UnitOfWork(engine)
    engine.dispose()


def _vary(uow: UnitOfWork) -> None:
    """Rows claimable and not: delivered, dead, held by a live lease and by a lapsed one, not yet due, sealed under
    a key nobody has (unreadable), retried with a non-ASCII error and a delivered attempt's wire bytes kept, and a
    case's second message behind a pending, a dead and a delivered first."""
    with uow.begin() as session:
        c = session.connection()
        rows = list(c.execute(select(_OUTBOX).order_by(_OUTBOX.c.id)))
        changes: list[dict[str, Any]] = [
            {"status": OutboxStatus.DELIVERED, "delivered_at": T0},
            {"status": OutboxStatus.DEAD, "last_error": "法院拒收：案号（2026）粤0104民初1号 ✗"},
            {"claimed_by": "live", "claimed_until": T0 + timedelta(hours=1)},
            {"claimed_by": "lapsed", "claimed_until": T0 - timedelta(seconds=1)},
            {"next_attempt_at": T0 + timedelta(hours=1)},
            {"envelope_json": None},  # below: sealed under a key this process lacks
            {
                "attempts": 3,
                "last_error": "HTTP 503 — 服务暂停",
                "wire_body": '{"案":"é"}'.encode(),
                "wire_json": "{}",
                "next_attempt_at": T0 - timedelta(minutes=5),
            },
        ]
        for row, change in zip(rows, changes, strict=False):
            if change.get("envelope_json", "") is None:
                sealed = '{"phone":"enc:1:gone:AAAA"}'  # stored as is: opened only by a claim, which cannot
                c.execute(update(_OUTBOX).where(_OUTBOX.c.id == row.id).values(envelope_json=type_coerce(sealed, Text)))
                continue
            c.execute(update(_OUTBOX).where(_OUTBOX.c.id == row.id).values(**change))
        for first, seq in ((rows[7], 2), (rows[1], 2), (rows[0], 2)):  # behind pending, dead, delivered
            values = {k: v for k, v in first._mapping.items() if k not in ("id", "envelope_json")}
            envelope = c.execute(select(_OUTBOX.c.envelope_json).where(_OUTBOX.c.id == first.id)).scalar_one()
            c.execute(
                insert(_OUTBOX).values(
                    {
                        **values,
                        "message_id": f"{first.message_id}-2",
                        "seq": seq,
                        "status": OutboxStatus.PENDING,
                        "envelope_json": envelope,
                        "delivered_at": None,
                        "last_error": None,
                    }
                )
            )


def _claim_query_before() -> Any:
    """claim.py's ORM SELECT before the change, verbatim."""
    now = bindparam("now", type_=OutboxRow.__table__.c.next_attempt_at.type)  # type: ignore[attr-defined]
    earlier = aliased(OutboxRow)
    blocked = exists().where(
        col(earlier.case_id) == col(OutboxRow.case_id),
        col(earlier.status).in_((OutboxStatus.PENDING, OutboxStatus.DEAD)),
        col(earlier.id) < col(OutboxRow.id),
    )
    stored = type_coerce(col(OutboxRow.envelope_json), Text)
    return (
        select(OutboxRow, stored)
        .options(defer(OutboxRow.envelope_json, raiseload=True))  # type: ignore[arg-type]
        .where(
            OutboxRow.status == OutboxStatus.PENDING,
            col(OutboxRow.next_attempt_at) <= now,
            or_(col(OutboxRow.claimed_until).is_(None), col(OutboxRow.claimed_until) < now),
            ~blocked,
        )
        .order_by(col(OutboxRow.next_attempt_at), col(OutboxRow.id))
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)
    )


def _claim_before(session: Session, now: datetime, limit: int, token: str, counts: Counter[str]) -> list[Any]:
    """claim.py's claim before the change (ORM rows, marked by the same UPDATE), verbatim but for its arguments."""
    vault = engine_vault(session.connection().engine)
    rows = []
    for row, text in session.exec(_claim_query_before(), params={"now": now, "limit": limit}).all():
        try:
            opened = attach(session, row.type, open_json(text, vault), vault)
            set_committed_value(row, "envelope_json", opened)
        except VaultError as exc:
            claim_module._set_aside(session, row, exc, now, None)  # counted below, as it was
            counts[DeliveryResult.UNREADABLE] += 1
            continue
        rows.append(row)
    if rows:
        session.connection().execute(
            claim_module._MARK, {"ids": [row.id for row in rows], "token": token, "until": now + LEASE}
        )
        for row in rows:
            set_committed_value(row, "claimed_by", token)
            set_committed_value(row, "claimed_until", now + LEASE)
    return rows


def _in_rollback(uow: UnitOfWork, act: Callable[[Session], object]) -> tuple[object, list[tuple[Any, ...]]]:
    """What `act` returns and the whole outbox after it (sealed columns opened, and whether each stored wire body
    is sealed), in a transaction rolled back."""
    with uow.engine.connect() as connection, connection.begin() as transaction:
        session = Session(bind=connection, expire_on_commit=False)
        answer = act(session)
        after = _table(connection)
        session.close()
        transaction.rollback()
    return answer, after


def _table(connection: Connection) -> list[tuple[Any, ...]]:
    """Every column; the envelope as stored (one row's cannot be opened), the wire body opened, and whether it is
    sealed as stored."""
    columns = [c for c in _OUTBOX.c if c.key != "envelope_json"]
    stored = (type_coerce(_OUTBOX.c.envelope_json, Text), type_coerce(_OUTBOX.c.wire_body, LargeBinary))
    rows = connection.execute(select(*columns, *stored).order_by(_OUTBOX.c.id))
    return [(*row[:-1], None if row[-1] is None else row[-1].startswith(b"DKSEAL1:")) for row in rows]


def _fields(row: Any) -> tuple[Any, ...]:
    return tuple(getattr(row, field.name) for field in dataclasses.fields(Claimed))


@pytest.mark.parametrize("limit", [1, 3, 50])
def test_the_claim_takes_the_rows_and_values_the_orm_claim_took(uow: UnitOfWork, limit: int) -> None:
    now = T0 + timedelta(seconds=1)
    counts_now: Counter[str] = Counter()
    counts_before: Counter[str] = Counter()
    taken, after = _in_rollback(
        uow, lambda s: claim_in(s, lambda: now, limit=limit, owner_lease=LEASE, token="tok", counts=counts_now)
    )
    taken_before, after_before = _in_rollback(uow, lambda s: _claim_before(s, now, limit, "tok", counts_before))
    assert isinstance(taken, list) and isinstance(taken_before, list)
    assert [_fields(row) for row in taken] == [_fields(row) for row in taken_before]
    assert after == after_before
    # Rolled back: the unreadable row was not set aside, so it is not counted (claim_in counts at the commit)
    assert counts_now == Counter()
    assert all(isinstance(row, Claimed) for row in taken)
    if limit == 50:  # the states of _vary were all met: four not claimable, one unreadable, two behind their case
        assert len(taken) == CASES + 3 - 4 - 1 - 2 and counts_before == {DeliveryResult.UNREADABLE: 1}
        assert {row.claimed_by for row in taken} == {"tok"}


@pytest.mark.parametrize("commits", [True, False], ids=["committed", "rolled-back"])
def test_an_unreadable_row_is_counted_and_said_only_when_its_setting_aside_commits(
    uow: UnitOfWork, commits: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """The claim shares its transaction with the record before it (flight.py): should that transaction fail, the
    row was not set aside — neither counted (the loop would think more is claimable) nor said (its one report spent)."""
    caplog.set_level(logging.ERROR, logger="docking.unreadable")
    REPORTED.forget()
    counts: Counter[str] = Counter()
    with contextlib.suppress(RuntimeError), uow.begin() as session:
        claim_in(session, lambda: T0 + timedelta(seconds=1), limit=50, token="tok", counts=counts)
        if not commits:
            raise RuntimeError("the record in the same transaction failed")
    said = [r for r in caplog.records if "left pending" in r.getMessage()]
    assert (counts, len(said)) == (({DeliveryResult.UNREADABLE: 1}, 1) if commits else (Counter(), 0))
    with uow.begin() as session:
        set_aside = session.connection().execute(
            select(_OUTBOX.c.id).where(_OUTBOX.c.last_error.like("not sent by this process%"))
        )
        assert len(set_aside.all()) == (1 if commits else 0)


def test_claimed_begins_with_the_stored_columns_in_the_claims_order() -> None:
    names = [field.name for field in dataclasses.fields(Claimed)]
    assert names[: len(STORED)] == list(STORED)
    assert names[len(STORED) :] == ["envelope_json", "claimed_by", "claimed_until"]
    assert set(names) == {c.key for c in _OUTBOX.c} - {"wire_body", "wire_json"}


def _params(rows: list[Claimed]) -> list[dict[str, Any]]:
    """A varied batch of results' bind parameters for _RECORD over `rows` (claimed by "tok")."""
    later = T0 + timedelta(minutes=1, microseconds=123456)
    kinds: list[dict[str, Any]] = [
        {
            "new_status": OutboxStatus.DELIVERED,
            "new_delivered": later,
            "new_wire_body": '{"案号":"（2026）粤0104民初1号","x":"é😀"}'.encode(),
            "new_wire_json": '{"status":201}',
        },
        {"new_status": OutboxStatus.PENDING, "new_error": "HTTP 503 服务暂停", "new_next": later},  # retried
        {"new_status": OutboxStatus.DEAD, "new_error": "拒收 " + "x" * 5000},  # dead, a long error
        {"new_status": OutboxStatus.DELIVERED, "new_delivered": later, "new_wire_body": b"", "new_wire_json": ""},
        {
            "new_status": OutboxStatus.DELIVERED,
            "new_delivered": later,
            "new_wire_body": b"\x00\xff" * 70000,
            "new_wire_json": "{}",
        },  # oversized, not UTF-8
        {"new_status": OutboxStatus.PENDING, "new_error": None, "new_queued": later},  # held: window restarts
    ]
    params = []
    for n, row in enumerate(rows):
        values = {
            "new_status": row.status,
            "new_attempts": row.attempts + 1,
            "new_error": None,
            "new_next": row.next_attempt_at,
            "new_delivered": None,
            "new_queued": row.queued_at,
            "new_wire_body": None,
            "new_wire_json": None,
            **kinds[n % len(kinds)],
        }
        token = "other" if n % 5 == 4 else row.claimed_by  # some lost to another worker: not written
        params.append({"row_id": row.id, "token": token, **values})
    return params


def test_the_record_at_the_driver_writes_what_sqlalchemy_wrote(uow: UnitOfWork) -> None:
    def claimed(session: Session) -> list[Claimed]:
        return claim_in(session, lambda: T0 + timedelta(seconds=1), limit=50, owner_lease=LEASE, token="tok")

    def write(how: Callable[[Connection, list[dict[str, Any]]], int]) -> Callable[[Session], object]:
        return lambda s: how(s.connection(), _params(claimed(s)))

    now = _in_rollback(uow, write(_WRITE.executemany))
    before = _in_rollback(uow, write(lambda c, params: c.execute(_RECORD, params).rowcount))
    assert now == before
    assert now[1] != _in_rollback(uow, lambda s: claimed(s))[1]  # the batch did change rows


def _delivered(row: Claimed) -> Result:
    values = {
        "new_status": OutboxStatus.DELIVERED,
        "new_attempts": row.attempts + 1,
        "new_error": None,
        "new_next": row.next_attempt_at,
        "new_delivered": T0 + timedelta(seconds=2),
        "new_queued": row.queued_at,
        "new_wire_body": b"{}",
        "new_wire_json": "{}",
    }
    return Result(row, DeliveryResult.DELIVERED, values)


def test_a_record_and_the_next_claim_in_one_transaction_do_what_the_two_did(uow: UnitOfWork) -> None:
    """Recording deliveries then claiming in one transaction: the same rows written and claimed as by the record's
    transaction and then the claim's — a delivered case's second message among them."""
    now = T0 + timedelta(seconds=1)
    with uow.begin() as session:
        first = claim_in(session, lambda: now, limit=50, owner_lease=LEASE, token="tok")
    results = [_delivered(row) for row in first]

    def together(session: Session) -> object:
        return record_in(session, results), claim_in(session, lambda: now, limit=50, owner_lease=LEASE, token="t2")

    (recorded, claimed), after = _in_rollback(uow, together)  # type: ignore[misc]
    with uow.begin() as session:  # the record's transaction, then the claim's, committed
        recorded_apart = record_in(session, results)
    with uow.begin() as session:
        claimed_apart = claim_in(session, lambda: now, limit=50, owner_lease=LEASE, token="t2")
    with uow.engine.connect() as connection:
        after_apart = _table(connection)
    assert recorded == recorded_apart == {DeliveryResult.DELIVERED: len(first)}
    assert [_fields(r) for r in claimed] == [_fields(r) for r in claimed_apart] and after == after_apart
    assert any(row.message_id.endswith("-2") for row in claimed)  # a case's next message, freed by its first


def test_a_claim_failing_in_the_shared_transaction_takes_the_record_down_with_it(uow: UnitOfWork) -> None:
    """Flight.claim's one transaction: should the claim fail after the record, neither is written (the rows'
    leases lapse and they are sent again, as after a failed record alone)."""
    now = T0 + timedelta(seconds=1)
    with uow.begin() as session:
        first = claim_in(session, lambda: now, limit=50, owner_lease=LEASE, token="tok")
    with uow.engine.connect() as connection:
        before = _table(connection)

    def broken() -> datetime:
        raise RuntimeError("the claim fails")

    with pytest.raises(RuntimeError, match="the claim fails"), uow.begin() as session:
        assert record_in(session, [_delivered(row) for row in first]) == {DeliveryResult.DELIVERED: len(first)}
        claim_in(session, broken, limit=50, owner_lease=LEASE, token="t2")
    with uow.engine.connect() as connection:
        assert _table(connection) == before
