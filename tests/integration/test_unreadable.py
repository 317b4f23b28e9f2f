"""Rows sealed under a data key a process lacks: how the vault says so, how jobs report it, what heartbeats show."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import InvalidRequestError
from sqlmodel import Session
from sqlmodel import select as orm_select

from adapter import heartbeats
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.repository import create_case, find_case, get_case, transition
from adapter.persistence.reseal import reseal
from adapter.persistence.sealed_types import attach_vault
from adapter.persistence.tables import CaseRow, ProcessHeartbeatRow
from adapter.persistence.unreadable import UnreadableRows
from adapter.persistence.vault import Vault, VaultError, new_key, open_blob, open_json, sealed_key_ids
from adapter.states import Event
from adapter.testing import FakeClock
from tests.support import samples

pytestmark = pytest.mark.integration

OLD, NEW = new_key("old"), new_key("new")
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def _sealed_by(key_id: str) -> tuple[str, bytes]:
    vault = Vault([OLD, NEW], key_id)
    return vault.seal_json(samples.dispatch().model_dump_json()), vault.seal_blob(b"raw bytes")


@pytest.mark.parametrize(
    ("holder", "condition", "key_id"),
    [
        (Vault([OLD], "old"), VaultError.UNKNOWN_KEY, "new"),  # rotate-data ran before this process restarted
        (None, VaultError.NO_KEYS, "new"),  # sealed, and this process has no [encryption] at all
        (Vault([new_key("new")], "new"), VaultError.DOES_NOT_OPEN, "new"),  # same id, different key
    ],
    ids=["unknown-key", "no-keys", "wrong-key"],
)
@pytest.mark.parametrize("form", ["json", "blob"])
def test_every_way_sealed_data_fails_to_open_names_its_condition_and_key(
    holder: Vault | None, condition: str, key_id: str, form: str
) -> None:
    """One exception class, with the condition and the key id a job reports; never the value."""
    text, blob = _sealed_by("new")
    with pytest.raises(VaultError) as failed:
        open_json(text, holder) if form == "json" else open_blob(blob, holder)
    assert (failed.value.condition, failed.value.key_id) == (condition, key_id)
    assert samples.dispatch().parties[0].id_number not in str(failed.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (_sealed_by("new")[0], {"new"}),
        (_sealed_by("old")[0], {"old"}),
        (samples.dispatch().model_dump_json(), set()),  # stored before encryption was configured
        ('{"name":"enc:1:zz:AAAA","id_number":"enc:1:new:AAAA"}', {"new"}),  # only sealed fields count
        ('{"parties":[{"phone":"enc:1:k1:AA"},{"agent":{"id_number":"enc:1:k2:BB"}}]}', {"k1", "k2"}),  # at any depth
        ('"enc:1:broken', set()),  # not JSON: left to whoever opens it
    ],
    ids=["new", "old", "clear", "free-text-lookalike", "nested", "not-json"],
)
def test_the_keys_a_stored_document_needs_are_read_without_opening_it(text: str, expected: set[str]) -> None:
    assert sealed_key_ids(text) == expected


def test_an_unreadable_row_is_logged_once_per_row_and_condition(caplog: pytest.LogCaptureFixture) -> None:
    """The sweep meets the same row every run: one ERROR naming the row and key, again only for a new condition."""
    reported = UnreadableRows()
    unknown = VaultError.unknown_key("field phone", "new")
    caplog.set_level(logging.ERROR, logger="docking.unreadable")
    for _ in range(3):
        reported.report("deadline-sweep", "case MC-1", unknown)
    reported.report("deadline-sweep", "case MC-2", unknown)
    reported.report("deadline-sweep", "case MC-1", VaultError("does not open", key_id="new"))
    reported.report("delivery", "message M-1 (case MC-1)", unknown, outcome="left pending")
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 4
    assert lines[0].startswith("deadline-sweep: case MC-1 skipped, data key new:") and "restart" in lines[0]
    assert "left pending" in lines[3]


def test_a_case_sealed_under_a_missing_key_can_still_change_status(uow: UnitOfWork) -> None:
    """Status changes load a case without its sealed columns; touching them raises rather than decrypting."""
    attach_vault(uow.engine, Vault([OLD, NEW], "new"))
    with uow.begin() as session:
        case = samples_case(session)
    attach_vault(uow.engine, Vault([OLD], "old"))  # the process that was not restarted
    with uow.begin() as session, pytest.raises(VaultError):
        session.exec(select(CaseRow)).all()
    with uow.begin() as session:
        lean = get_case(session, case, personal=False)
        transition(session, lean, Event.REGISTER, actor="test", at=NOW)
        with pytest.raises(InvalidRequestError):
            _ = lean.dispatch_json
    with uow.begin() as session:
        found = find_case(session, "p1", "c1")
        assert found is not None and found.status == "PENDING_ACCEPTANCE"


def samples_case(session: Session, platform_case_id: str = "c1") -> str:
    return create_case(session, samples.dispatch(platform_case_id=platform_case_id), "p1", NOW).id


def test_rotate_data_leaves_a_row_it_cannot_open_and_reseals_the_rest(uow: UnitOfWork) -> None:
    """A key removed too early: that row is counted unreadable, every other row is still re-sealed."""
    attach_vault(uow.engine, Vault([OLD], "old"))
    with uow.begin() as session:
        samples_case(session)
    attach_vault(uow.engine, Vault([NEW], "new"))
    with uow.begin() as session:
        samples_case(session, "c2")
    attach_vault(uow.engine, Vault([NEW, new_key("newer")], "newer"))
    report = reseal(uow)
    assert report.unreadable["cases"] == 1 and report.rewritten["cases"] == 1 and report.checked["cases"] == 2


@pytest.mark.parametrize(
    ("age", "live"),
    [(timedelta(0), True), (3 * heartbeats.PERIOD, True), (3 * heartbeats.PERIOD + timedelta(seconds=1), False)],
    ids=["just-now", "three-periods", "past-three-periods"],
)
def test_a_heartbeat_counts_for_three_of_its_periods(uow: UnitOfWork, age: timedelta, live: bool) -> None:
    heartbeats.beat(uow, FakeClock(NOW - age), "host:7:t", 7, Vault([OLD], "old"))
    beats = heartbeats.live(uow, NOW)
    assert bool(beats) is live
    if live:
        assert [b.name for b in heartbeats.lacking(beats, "new")] == [f"{beats[0].host} pid 7"]
        assert heartbeats.lacking(beats, "old") == []


def test_a_heartbeat_is_refreshed_in_place_and_withdrawn_on_a_clean_stop(uow: UnitOfWork) -> None:
    heartbeats.beat(uow, FakeClock(NOW), "host:7:t", 7, Vault([OLD], "old"))
    heartbeats.beat(uow, FakeClock(NOW + heartbeats.PERIOD), "host:7:t", 7, Vault([OLD, NEW], "new"))
    with uow.begin() as session:
        (row,) = session.exec(orm_select(ProcessHeartbeatRow)).all()
    assert (row.data_keys, row.active_key) == ("new,old", "new")
    (beat,) = heartbeats.live(uow, NOW + heartbeats.PERIOD)
    assert heartbeats.sealing_with_other([beat], "new") == []
    assert [b.pid for b in heartbeats.sealing_with_other([beat], "old")] == [7]
    heartbeats.stop(uow, "host:7:t")
    assert heartbeats.live(uow, NOW + heartbeats.PERIOD) == []
