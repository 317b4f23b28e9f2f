"""A court whose feed restarts behind our cursor, and a fresh install's first full reconciliation, against a real
sandbox court: new dispatches arrive without a manual reconcile, and nothing not yet polled is called missing."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import select

from adapter.config.settings import EncryptionSettings, Settings
from adapter.inbox.polling import behind
from adapter.persistence.tables import CaseRow, ReconcileRunRow
from adapter.reconcile import reconcile
from sandbox.pairing import control
from scheduler import Runtime, register_jobs
from tests.support.court import PLATFORM, Court
from tests.support.runtime import pump

pytestmark = pytest.mark.integration

STALL_POLLS = 3


@pytest.fixture(params=["rest", "soap"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(database_url: str, court: Court, encryption: EncryptionSettings) -> Settings:
    platform = court.pairing.platform(court.server, timeout_seconds=5, feed_stall_polls=STALL_POLLS)
    return Settings(database_url=database_url, encryption=encryption, platforms={PLATFORM: platform})


def _ours(runtime: Runtime) -> set[str]:
    with runtime.uow.begin() as session:
        return set(session.exec(select(CaseRow.platform_case_id)).all())


def _reset_feed(court: Court, answer: str) -> None:
    """Through the control API where the sandbox has one (REST), as an integrator would."""
    if court.pairing.soap is None:
        assert control(court.server, "reset-feed", {"answer": answer}) == {"reset": True, "answer": answer}
    else:
        court.pairing.reset_feed(answer)


@pytest.mark.parametrize(
    ("answer", "polls"),
    [("position", 1), ("echo", STALL_POLLS)],
    ids=["cursor-goes-backwards", "cursor-echoed"],
)
def test_a_feed_restarted_behind_our_cursor_is_warned_about_once_and_its_dispatches_arrive(
    runtime: Runtime, court: Court, caplog: pytest.LogCaptureFixture, answer: str, polls: int
) -> None:
    """Cases read, the court's feed restarts, it dispatches again: within `polls` polls the new cases are here,
    with one warning, no manual reconcile, nothing applied twice; later polls stay quiet."""
    first = set(court.core.dispatch(4, "01"))
    pump(runtime, 1)
    assert _ours(runtime) == first

    _reset_feed(court, answer)
    after = set(court.core.dispatch(2, "01"))
    caplog.set_level(logging.WARNING, logger="docking.polling")
    for _ in range(polls):
        runtime.poll_platform(PLATFORM)

    assert _ours(runtime) == first | after
    warnings = [r.getMessage() for r in caplog.records if r.name == "docking.polling"]
    assert len(warnings) == 1 and "restarted" in warnings[0]

    caplog.clear()
    later = set(court.core.dispatch(1, "01"))  # the feed flows again from the court's new position
    for _ in range(2 * STALL_POLLS):
        runtime.poll_platform(PLATFORM)
    assert _ours(runtime) == first | after | later
    assert [r for r in caplog.records if r.name == "docking.polling"] == []
    assert court.core.duplicates_applied == 0
    assert reconcile(runtime.uow, runtime.platforms).differences == []


@pytest.mark.parametrize("transport", ["rest"])
def test_a_quiet_feed_with_nothing_missing_is_not_reported(
    runtime: Runtime, court: Court, caplog: pytest.LogCaptureFixture
) -> None:
    """A feed with nothing new for many polls, while the court lists only cases we have, is just quiet."""
    court.core.dispatch(2, "01")
    caplog.set_level(logging.WARNING, logger="docking.polling")
    for _ in range(3 * STALL_POLLS):
        runtime.poll_platform(PLATFORM)
    assert [r for r in caplog.records if r.name == "docking.polling"] == []


@pytest.mark.parametrize("transport", ["rest"])
def test_a_fresh_install_runs_its_first_full_reconciliation_only_after_the_first_poll(
    runtime: Runtime, court: Court
) -> None:
    """`docking run` on an empty database beside a court with dispatches: the nightly check at start-up waits
    for the first poll (no run with N missing_here), then runs at once and finds the sides in step."""
    dispatched = set(court.core.dispatch(5, "01"))
    scheduler = BackgroundScheduler(timezone="UTC")  # not started: the test runs the jobs itself, in order
    register_jobs(scheduler, runtime)
    assert runtime.routines is not None
    later = datetime.now(UTC) + timedelta(minutes=30)
    scheduler.modify_job("reconcile-nightly", next_run_time=later)

    assert runtime.routines.reconcile_nightly() is False  # what the scheduler runs first at start-up
    with runtime.uow.begin() as session:
        assert session.exec(select(ReconcileRunRow)).all() == []

    runtime.poll_platform(PLATFORM)
    job = scheduler.get_job("reconcile-nightly")
    assert job is not None and job.next_run_time < later  # brought forward by the first poll
    assert runtime.routines.reconcile_nightly() is True
    with runtime.uow.begin() as session:
        (run,) = session.exec(select(ReconcileRunRow)).all()
    assert (run.scope, run.differences, run.status) == ("full", 0, "ok")
    assert _ours(runtime) == dispatched


@pytest.mark.parametrize(
    ("answer", "ours", "expected"),
    [
        ("3", "10", True),  # numbers compare as numbers, not as text
        ("10", "3", False),
        ("10", "10", False),
        ("0", "1", True),
        ("", "5", False),  # no position given: not evidence of anything
        ("5", "", False),  # never read
        ("abc", "abd", False),  # opaque cursors cannot be ordered
        ("²", "5", False),  # a Unicode digit is not a position
        ("3", "x10", False),
    ],
)
def test_a_cursor_is_behind_only_when_both_are_positions_and_the_answer_is_smaller(
    answer: str, ours: str, expected: bool
) -> None:
    """`behind` orders the REST and SOAP profiles' numeric cursors and nothing else."""
    assert behind(answer, ours) is expected
