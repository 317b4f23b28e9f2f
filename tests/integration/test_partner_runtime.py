"""The composition root's partner side from the settings: a `[partners.<name>]` REST partner built into the generic
connector (signed under the settings' profile) talking to a loopback partner, its jobs registered, and a record
taken out and back in by the runtime's own jobs — on SQLite and PostgreSQL."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from adapter.config.partners import PartnerSettings
from adapter.config.settings import Settings
from adapter.partners.service import run_action
from adapter.status.collect import collect
from adapter.testing import FakeClock
from connectors.fake_partner import FakePartner
from sandbox.pairing import arrange_keys
from scheduler import build_runtime, register_jobs
from schemas.partner import PartnerEnvelope, PartnerKind
from tests.support.partner_server import PartnerServer
from tests.support.partner_world import START
from tests.support.samples import RESIDENT_ID
from tests.support.toy_partner import ToyRules, toy_spec  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("toy_spec")]
NAME = "gd-traffic"


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def partner(tmp_path: Path) -> Iterator[tuple[PartnerServer, PartnerSettings]]:
    signer, verifier, signing = arrange_keys(tmp_path / "keys", profile="hmac-appkey", counterpart="partner")
    server = PartnerServer(FakePartner(NAME, PartnerKind.TRAFFIC, signer=signer), verifier)
    config = PartnerSettings(kind=PartnerKind.TRAFFIC, base_url=server.url, signing=signing, mode="pull",
                             rules={"answer_days": 5}, timeout_seconds=5)  # fmt: skip
    try:
        yield server, config
    finally:
        server.stop()


def test_a_configured_partner_is_sent_to_and_read_by_the_runtimes_jobs(
    settings: Settings, partner: tuple[PartnerServer, PartnerSettings]
) -> None:
    server, config = partner
    # A fixed start (a Monday), not the real now: the answer's 5 working days end by day 10 only with no holiday on the
    # way, which the real date decided.
    clock = FakeClock(START)
    runtime = build_runtime(settings.model_copy(update={"partners": {NAME: config}}), clock=clock)
    partners = runtime.partners
    assert partners is not None and set(partners.ports) == {NAME} and partners.rules[NAME] == ToyRules(answer_days=5)
    scheduler = BackgroundScheduler()
    register_jobs(scheduler, runtime)
    assert {"deliver-partners", f"poll-partner:{NAME}", f"reconcile-partner:{NAME}", "sweep-partners"} <= {
        j.id for j in scheduler.get_jobs()
    }
    data = {"subject": "JT-1", "amount": "10.00", "holder_id": RESIDENT_ID}
    record = run_action(runtime.uow, "traffic", "file", None, data, partner=NAME, actor="clerk", now=clock(),
                        rules=partners.rules[NAME]).record  # fmt: skip
    status = {p.name: p for p in collect(runtime.uow, runtime.settings, clock).platforms}[NAME]
    assert (status.mode, status.pending, [f.feed for f in status.feeds]) == ("poll", 1, ["partners"])
    assert dict(partners.deliver()) == {"delivered": 1}
    assert [e.record_id for e in server.fake.sent] == [record.record_id]
    server.fake.set_status(record.record_id, "received")
    offer = PartnerEnvelope(message_id="P-1", kind=PartnerKind.TRAFFIC, partner=NAME, partner_ref="SN-7",
                            type="toy.offered", sent_at=clock(), body={"subject": "JT-7"})  # fmt: skip
    server.fake.publish(offer)
    assert dict(partners.poll(NAME)) == {"applied": 1}
    assert dict(partners.poll(NAME)) == {}
    assert partners.reconcile(NAME)[NAME].differences == []
    clock.now += timedelta(days=10)
    assert partners.sweep()["records"] == 2
    assert {r["record"] for r in partners.deadlines(timedelta(days=1))} >= {record.record_id}
