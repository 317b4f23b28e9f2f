"""Reconciliation runs against the in-memory fake court on a real SQLite file: compare, classify, store, repair."""

import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import col, select

from adapter.config.settings import JobSettings, Settings
from adapter.deadlines import Deadlines
from adapter.errors import InvalidRequest
from adapter.outbox.delivery import deliver_due
from adapter.persistence.case_store import SqlCaseStore
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.repository import create_case
from adapter.persistence.tables import AuditRow, CaseRow, InboxRow, OutboxRow, QuarantineRow, ReconcileDifferenceRow
from adapter.platforms.registry import Platforms
from adapter.reconcile import Action, Kind, ReconcileReport, Scope, reconcile, runs
from adapter.routines import Routines
from adapter.services import CentreServices
from connectors.port import TransientError
from schemas.clock import utc_now
from schemas.enums import CourtStatus, DeclineReason, Flow
from tests.support import samples
from tests.support.fake_court import court, dispatch, fake, lost, no_wait, received

pytestmark = pytest.mark.integration


def run(uow: UnitOfWork, platforms: Platforms, **options: Any) -> ReconcileReport:
    return reconcile(uow, platforms, retrying=no_wait, **options)


def test_a_forgotten_case_is_resent_on_repair_and_the_next_run_is_in_step(uow: UnitOfWork, platforms: Platforms):
    """Report only, then repair (audited requeue, same message ids), deliver, and a third run finds nothing."""
    link, services = platforms["court"], CentreServices(SqlCaseStore(uow), utc_now)
    case_id = received(uow, link, "A-1")
    services.accept(case_id)
    services.assign_mediator(case_id, "陈调解员")
    deliver_due(uow, platforms, utc_now)
    first_ids = [e.message_id for e in fake(link).sent]
    fake(link).forget("A-1")

    report = run(uow, platforms)
    (difference,) = report.differences
    assert (difference.kind, difference.action, difference.repaired) == (Kind.MISSING_AT_PLATFORM, Action.RESEND, False)
    assert difference.ours is CourtStatus.MEDIATING and difference.theirs is None and report.status == "differences"

    repaired = run(uow, platforms, repair=True, resend_missing=True, actor="ops:li")
    assert [d.repaired for d in repaired.differences] == [True] and repaired.status == "repaired"
    with uow.begin() as session:
        audit = session.exec(select(AuditRow).where(AuditRow.action == "reconcile-resend")).all()
    assert sorted(a.subject for a in audit) == sorted(first_ids) and {a.actor for a in audit} == {"ops:li"}

    deliver_due(uow, platforms, utc_now)
    assert [e.message_id for e in fake(link).sent] == first_ids  # the same messages, in order, applied once each
    final = run(uow, platforms)
    assert final.differences == [] and final.status == "ok" and final.checked == 1


@pytest.mark.parametrize(
    ("resend_missing", "outbox"),
    [(False, ["delivered", "delivered"]), (True, ["pending", "pending"])],
    ids=["default", "opted-in"],
)
def test_the_scheduled_repair_re_sends_to_a_court_that_lost_a_case_only_when_told(
    uow: UnitOfWork, platforms: Platforms, resend_missing: bool, outbox: list[str]
) -> None:
    """The frequent pass with repair on: a case the court forgot is reported, its delivered messages left alone
    (a court that lost its state may refuse them, and they would go dead) — unless reconcile_resend_missing."""
    link, services = platforms["court"], CentreServices(SqlCaseStore(uow), utc_now)
    case_id = received(uow, link, "A-9")
    services.accept(case_id)
    services.assign_mediator(case_id, "陈调解员")
    deliver_due(uow, platforms, utc_now)
    fake(link).forget("A-9")
    settings = Settings(jobs=JobSettings(reconcile_repair=True, reconcile_resend_missing=resend_missing))
    routines = Routines(uow, platforms, settings, utc_now, "test:1", Deadlines.from_policy(settings.deadlines))

    assert routines.reconcile_open()

    with uow.begin() as session:
        (stored,) = session.exec(select(ReconcileDifferenceRow)).all()
        statuses = [r.status for r in session.exec(select(OutboxRow).order_by(col(OutboxRow.id))).all()]
        audited = session.exec(select(AuditRow)).all()
    assert (stored.kind, stored.repaired) == (Kind.MISSING_AT_PLATFORM.value, resend_missing)
    assert statuses == outbox
    assert len(audited) == (2 if resend_missing else 0)
    if not resend_missing:
        assert "--resend-missing" in stored.detail


def test_a_case_with_a_message_on_its_way_is_in_flight_not_different(uow: UnitOfWork, platforms: Platforms) -> None:
    """Accepted here, not yet delivered: the court rightly still shows it pending."""
    case_id = received(uow, platforms["court"], "A-2")
    CentreServices(SqlCaseStore(uow), utc_now).accept(case_id)
    report = run(uow, platforms)
    assert (report.checked, report.in_flight, report.differences) == (0, 1, [])


def test_open_scope_skips_cases_at_rest_and_the_platforms_lists(uow: UnitOfWork, platforms: Platforms) -> None:
    """A declined case the court lost and a case we never received show up in the full pass only."""
    link = platforms["court"]
    case_id = received(uow, link, "A-3")
    CentreServices(SqlCaseStore(uow), utc_now).decline(case_id, DeclineReason.OUTSIDE_CHARTER, "非金融纠纷")
    deliver_due(uow, platforms, utc_now)
    fake(link).forget("A-3")
    lost(uow, link, "A-4")

    assert run(uow, platforms, scope=Scope.OPEN).differences == []
    full = run(uow, platforms, scope=Scope.FULL)
    assert sorted((d.platform_case_id, d.kind) for d in full.differences) == [
        ("A-3", Kind.MISSING_AT_PLATFORM),
        ("A-4", Kind.MISSING_HERE),
    ]


def test_a_case_only_the_platform_has_is_fetched_and_ingested_verified(uow: UnitOfWork, platforms: Platforms) -> None:
    """Repair fetches the dispatch and ingests it like a feed item: the case appears, the inbox records it."""
    lost(uow, platforms["court"], "A-5")
    report = run(uow, platforms, repair=True)
    (difference,) = report.differences
    assert (difference.kind, difference.repaired) == (Kind.MISSING_HERE, True) and "1 applied" in difference.detail
    with uow.begin() as session:
        case = session.exec(select(CaseRow).where(CaseRow.platform_case_id == "A-5")).one()
        assert case.status == "PENDING_ACCEPTANCE"
        assert session.exec(select(InboxRow).where(InboxRow.message_id == "PQ-A-5")).one()
    assert run(uow, platforms).differences == []


def test_a_fetched_item_that_fails_verification_is_quarantined_not_applied(uow: UnitOfWork) -> None:
    """Signed by a key we do not trust: kept in quarantine, and the difference stays unrepaired."""
    platforms = {"court": court(trusted=False)}
    dispatch(platforms["court"], "A-6")
    (difference,) = run(uow, platforms, repair=True).differences
    assert difference.repaired is False and "1 quarantined" in difference.detail
    with uow.begin() as session:
        assert session.exec(select(QuarantineRow)).one().feed == "reconcile"


def test_an_unreachable_platform_fails_the_run_and_the_others_are_still_checked(uow: UnitOfWork) -> None:
    """One court down: its name and reason are in the report and the stored run; the other court is reconciled."""
    platforms = {"court": court(), "other": court("other")}
    received(uow, platforms["court"], "A-7")
    received(uow, platforms["other"], "B-1")
    fake(platforms["other"]).fail_next(*[TransientError("other", "HTTP 503")] * 2)
    report = run(uow, platforms)
    assert report.status == "failed" and "503" in report.failures["other"] and report.checked == 1
    (stored,) = runs.latest(uow, 5)
    assert stored.status == "failed" and "other" in stored.detail


def test_the_scheduled_run_against_an_unreachable_court_ends_at_once_when_the_process_stops(uow: UnitOfWork) -> None:
    """`docking run` asked to stop (SIGTERM sets Runtime.stopping) during a reconciliation: the read's back-off ends,
    the court is reported unreachable and the run is stored as failed, instead of several seconds of waits first."""
    platforms = {"court": court()}
    received(uow, platforms["court"], "A-6")
    fake(platforms["court"]).fail_next(*[TransientError("court", "connection refused")] * 5)
    stopping = threading.Event()
    settings = Settings()
    routines = Routines(
        uow, platforms, settings, utc_now, "test:1", Deadlines.from_policy(settings.deadlines), stopping=stopping
    )
    threading.Timer(0.1, stopping.set).start()
    started = time.monotonic()
    assert routines.reconcile_open()
    assert time.monotonic() - started < 1.5  # the policy's own waits: 0.2 s doubling plus up to 1 s jitter each
    (stored,) = runs.latest(uow, 5)
    assert stored.status == "failed" and "connection refused" in stored.detail


def test_cases_of_a_platform_no_longer_configured_are_reported(uow: UnitOfWork, platforms: Platforms) -> None:
    """A case whose court is not in the configuration cannot be compared: it is named, not skipped."""
    with uow.begin() as session:
        create_case(session, samples.dispatch(Flow.DELEGATED, "G-1"), "gone", samples.T0)
    (difference,) = run(uow, platforms).differences
    assert (difference.platform, difference.kind) == ("gone", Kind.PLATFORM_UNCONFIGURED)
    assert difference.action is Action.REPORT


def test_every_run_and_its_differences_are_stored(uow: UnitOfWork, platforms: Platforms) -> None:
    """`runs.latest` lists runs newest first; `runs.load` gives one run's differences with what was done."""
    lost(uow, platforms["court"], "A-8")
    first = run(uow, platforms, actor="nightly")
    second = run(uow, platforms, scope=Scope.OPEN)
    listed = runs.latest(uow, 10)
    assert [r.id for r in listed] == [second.run_id, first.run_id]
    assert (listed[1].scope, listed[1].actor, listed[1].differences, listed[1].status) == (
        "full",
        "nightly",
        1,
        "differences",
    )
    stored, differences = runs.load(uow, first.run_id or 0)
    assert stored.finished_at is not None
    assert [(d["platform_case_id"], d["kind"], d["action"], d["repaired"]) for d in differences] == [
        ("A-8", "missing_here", "fetch", False)
    ]


def test_a_case_that_moves_while_the_platform_is_asked_is_left_for_the_next_run(
    uow: UnitOfWork, platforms: Platforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Accepted here between reading the page and the platform's answer: no difference on a stale reading."""
    link = platforms["court"]
    case_id = received(uow, link, "A-9")
    asked = fake(link).query_status

    def racing(ids: Sequence[str]) -> dict[str, CourtStatus | None]:
        CentreServices(SqlCaseStore(uow), utc_now).accept(case_id)
        return {i: CourtStatus.DECLINED for i in asked(ids)}  # and the court shows something else entirely

    monkeypatch.setattr(fake(link), "query_status", racing)
    report = run(uow, platforms, scope=Scope.OPEN)
    assert report.differences == [] and report.checked == 1


def test_old_runs_are_pruned_with_their_differences(uow: UnitOfWork, platforms: Platforms) -> None:
    """Runs started before the cutoff go, differences and all; later runs stay."""
    lost(uow, platforms["court"], "A-10")
    old = run(uow, platforms, clock=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    recent = run(uow, platforms)
    assert runs.prune(uow, datetime(2026, 6, 1, tzinfo=UTC)) == 1
    assert [r.id for r in runs.latest(uow, 10)] == [recent.run_id]
    with pytest.raises(InvalidRequest):
        runs.load(uow, old.run_id or 0)
