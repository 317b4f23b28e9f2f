"""A commission configured as the operator configures it — `[partners.gzac] kind = "arbitration"`, its base_url, its
signing and its rules — built by the composition root (scheduler/partners.py: the generic REST connector with the
arb-commission wire from WIRE_FACTORIES, behind the breaker) and driven by the runtime's own jobs: deliver, poll,
reconcile — against the sandbox commission standalone-style (live: dated by the real clock), on SQLite and
PostgreSQL."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapter.config.partners import PartnerSettings
from adapter.config.settings import Settings
from adapter.partners.service import run_action
from adapter.persistence import partner_store as store
from sandbox.arbitration import CommissionConfig, CommissionCore
from sandbox.arbitration.pairing import pair_commission
from scheduler import Runtime, build_runtime
from schemas.clock import utc_now
from tests.support.arbitration_wire_samples import application
from tests.support.step_clock import StepClock

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def commission(settings: Settings, tmp_path: Path) -> Iterator[tuple[Runtime, CommissionCore, StepClock]]:
    pace = StepClock()
    pairing = pair_commission(tmp_path / "gzac", CommissionConfig(seconds_per_day=1.0, live=True), monotonic=pace)
    server = pairing.serve()
    gzac = PartnerSettings(
        kind="arbitration", base_url=server.api, signing=pairing.signing, timeout_seconds=5,
        rules={"commission_name": "广州仲裁委员会"},
    )  # fmt: skip
    try:
        yield build_runtime(settings.model_copy(update={"partners": {"gzac": gzac}})), pairing.core, pace
    finally:
        server.stop()


def test_the_runtime_hands_an_application_to_the_configured_commission(
    commission: tuple[Runtime, CommissionCore, StepClock],
) -> None:
    runtime, core, pace = commission
    partners = runtime.partners
    assert partners is not None and partners.ports["gzac"].kind == "arbitration"
    data = {"application": application().model_dump(mode="json")}
    rules = partners.rules_for("gzac", "arbitration")
    opened = run_action(runtime.uow, "arbitration", "submit_application", None, data, partner="gzac", actor="clerk",
                        now=utc_now(), rules=rules)  # fmt: skip
    rid = opened.record.record_id
    assert dict(partners.deliver()) == {"delivered": 1}
    pace.now += 3  # the commission decides on day 3
    assert dict(partners.poll("gzac")) == {"applied": 2}  # the intake receipt and the acceptance
    with runtime.uow.begin() as session:
        row = store.get(session, rid, lock=False)
        assert row.status == "ACCEPTED" and row.partner_ref == core.by_record(rid).case_no  # type: ignore[union-attr]
    core.forget(rid)  # drift after acceptance: found and reported (the kind repairs only a lost application)
    (found,) = partners.reconcile("gzac", repair=True)["gzac"].differences
    assert (found.record_id, found.theirs, found.action) == (rid, None, "report")  # accepted: only an operator
