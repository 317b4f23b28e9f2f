"""Reconciliation reads our cases one platform at a time, a read page holding several platform batches: whatever
the page size, a run finds the same differences, in the same order, on SQLite and PostgreSQL."""

from typing import Any

import pytest

from adapter.outbox.delivery import deliver_due
from adapter.persistence.case_store import SqlCaseStore
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.repository import create_case
from adapter.reconcile import Kind, ReconcileReport, reconcile, reconciler
from adapter.services import CentreServices
from schemas.clock import utc_now
from schemas.enums import Flow
from tests.support import samples
from tests.support.fake_court import court, fake, lost, no_wait, received

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _found(report: ReconcileReport) -> tuple[Any, ...]:
    differences = [(d.platform, d.platform_case_id, d.kind, d.action, d.ours, d.theirs) for d in report.differences]
    return report.checked, report.in_flight, report.listed, differences


def test_every_page_size_finds_the_same_differences_across_platforms(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two courts and one no longer configured, drift and a message in flight spread over many small pages (down
    to one case a page): batch 1, 2 and 500 agree, differences come platform by platform and status by status,
    and `platform` narrows the run to one court."""
    platforms = {"court": court(), "other": court("other")}
    services = CentreServices(SqlCaseStore(uow), utc_now)
    ids = {ajbs: received(uow, platforms[name], ajbs) for name in ("court", "other") for ajbs in _names(name)}
    services.accept(ids["A-2"])
    services.accept(ids["B-3"])
    deliver_due(uow, platforms, utc_now)
    services.accept(ids["B-5"])  # not delivered: in flight
    fake(platforms["court"]).forget("A-2")
    fake(platforms["other"]).forget("B-3")
    fake(platforms["other"]).forget("B-6")
    lost(uow, platforms["court"], "A-9")
    with uow.begin() as session:
        create_case(session, samples.dispatch(Flow.DELEGATED, "G-1"), "gone", samples.T0)

    monkeypatch.setattr(reconciler, "_READ_PAGES", 1)  # a read page of `batch` cases: batch 1 reads one at a time
    runs = [reconcile(uow, platforms, batch=batch, retrying=no_wait) for batch in (1, 2, 500)]
    assert _found(runs[0]) == _found(runs[1]) == _found(runs[2])
    checked, in_flight, listed, differences = _found(runs[0])
    assert (checked, in_flight, listed) == (11, 1, 10)
    expected = [  # platform by platform, then status by status (ACCEPTED, PENDING_ACCEPTANCE), then by case id
        ("court", "A-2", Kind.MISSING_AT_PLATFORM),
        ("gone", "G-1", Kind.PLATFORM_UNCONFIGURED),
        ("other", "B-3", Kind.MISSING_AT_PLATFORM),
        ("other", "B-6", Kind.MISSING_AT_PLATFORM),
        ("court", "A-9", Kind.MISSING_HERE),  # pass 2, after every case of ours
    ]
    assert [(platform, ajbs, kind) for platform, ajbs, kind, *_ in differences] == expected
    only = reconcile(uow, platforms, platform="other", batch=2, retrying=no_wait)
    assert [(d.platform, d.platform_case_id, d.kind) for d in only.differences] == expected[2:4]
    assert (only.checked, only.in_flight) == (5, 1)


def _names(platform: str) -> list[str]:
    return [f"{'A' if platform == 'court' else 'B'}-{n}" for n in range(1, 7)]
