"""The composition root's complaint side from the settings: a `[desks.<name>]` desk built into a REST connector that
talks to a sandbox institution on loopback (signed under the settings' profile), the complaint jobs registered, and a
complaint taken from intake to the institution's decision by the runtime's own jobs — on SQLite and PostgreSQL."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from adapter.complaints.views import shown
from adapter.config.desks import DeskSettings
from adapter.config.settings import Settings
from adapter.testing import FakeClock
from sandbox.institution import InstitutionConfig
from sandbox.institution.pairing import DeskPairing, pair_desk
from sandbox.institution.server import DeskServer
from scheduler import build_runtime, register_jobs
from tests.support.complaint_samples import BANK_USCC, complaint, memorandum
from tests.support.step_clock import StepClock
from tests.support.world_start import START

pytestmark = pytest.mark.integration
DESK = "card-centre"


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def institution(tmp_path: Path) -> Iterator[tuple[DeskPairing, DeskServer, StepClock, FakeClock]]:
    """The desk paced by a step clock (one second a simulated day) and on the adapter's calendar (one FakeClock for
    both sides' times and signatures), as tests/integration/test_complaints_e2e.py does."""
    pace, clock = StepClock(), FakeClock(START)
    config = InstitutionConfig(kind="card_centre", seconds_per_day=1.0)
    pairing = pair_desk(tmp_path / "desk", config, monotonic=pace, clock=clock)
    server = pairing.serve()
    try:
        yield pairing, server, pace, clock
    finally:
        server.stop()


def test_a_configured_desk_is_forwarded_to_and_read_by_the_runtimes_jobs(
    settings: Settings, institution: tuple[DeskPairing, DeskServer, StepClock, FakeClock]
) -> None:
    pairing, server, pace, clock = institution
    desk = DeskSettings(
        base_url=server.url, signing=pairing.signing, institution_uscc=[BANK_USCC], memorandum=memorandum()
    )
    runtime = build_runtime(settings.model_copy(update={"desks": {DESK: desk}}), clock=clock)
    complaints = runtime.complaints
    assert complaints is not None and set(complaints.desks) == {DESK}
    scheduler = BackgroundScheduler()
    register_jobs(scheduler, runtime)
    assert {"deliver-complaints", f"poll-desk:{DESK}", "reconcile-complaints"} <= {j.id for j in scheduler.get_jobs()}
    complaints.services("clerk").receive(complaint(received_at=clock().isoformat()))
    assert dict(complaints.deliver()) == {"delivered": 1}
    pace.now += 3  # three simulated days: acknowledged in minutes, decided in two days
    clock.now += timedelta(days=3)
    pairing.core.tick()
    assert complaints.poll(DESK)["applied"] >= 3
    record = shown(runtime.uow, "CP-2026-0001")
    assert record["status"] == "DECIDED" and record["desk_ref"]
    assert [h["event"] for h in record["history"]][:3] == ["received", "forward", "acknowledge"]
    assert complaints.reconcile() == {DESK: []}


def test_a_poll_while_another_process_polls_the_desk_says_so(
    settings: Settings, institution: tuple[DeskPairing, DeskServer, StepClock, FakeClock]
) -> None:
    """`docking complaints poll` beside a running `docking serve`: the other process holds the desk's poll lease, so
    this one reads nothing — answered `busy`, which the CLI prints as such (it printed "nothing new")."""
    from adapter.inbox.poll_policy import POLL_LEASE
    from adapter.job_locks import JobLock
    from scheduler.complaints import BUSY

    pairing, server, _, clock = institution
    desk = DeskSettings(base_url=server.url, signing=pairing.signing, institution_uscc=[BANK_USCC])
    runtime = build_runtime(settings.model_copy(update={"desks": {DESK: desk}}), clock=clock)
    assert runtime.complaints is not None
    assert JobLock(runtime.uow, clock, f"poll-desk:{DESK}", "serve-1234", POLL_LEASE).acquire()
    assert runtime.complaints.poll(DESK) == {BUSY: 1}
