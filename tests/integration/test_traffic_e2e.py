"""Every path of a traffic-accident case through the sandbox platform, end to end: the adapter's runtime built from
the settings (`[partners.gd-traffic]`, the generic REST connector with the traffic-platform wire, signed), its own
delivery, polling, reconciliation and deadline sweep, the platform a real server on loopback — on SQLite and
PostgreSQL, compressed time (tests/support/traffic_world.py)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapter.config.settings import Settings
from tests.support.traffic_world import NAME, Make, TrafficWorld, traffic_world

pytestmark = pytest.mark.integration
PAYEE = {"name": "王五", "account": "6222020200112233445", "bank": "中国工商银行广州分行"}


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["pull"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def world(tmp_path: Path, settings: Settings, mode: str) -> Iterator[Make]:
    yield from traffic_world(tmp_path, settings, mode)


def _mediating(w: TrafficWorld, **offer: Any) -> str:
    record = w.offer(**offer)
    assert w.status(record) == "OFFERED"
    w.act(record, "accept")
    w.act(record, "start_mediation", {"mediator": "调解员 李四"})
    assert (w.status(record), w.theirs(record)) == ("MEDIATING", "mediating")
    return record


def _agreed_and_confirmed(w: TrafficWorld, record: str) -> str:
    """Agreement on the recalculated figures, JC applied and ruled on; the ruling number."""
    w.act(record, "record_outcome", {"result": "agreement"})
    assert (w.status(record), w.theirs(record)) == ("AGREEMENT_EFFECTIVE", "agreed")
    w.act(record, "apply_jc", {"court_code": "粤0104"})
    w.days(3)  # the platform reports the court's ruling
    return str(w.row(record).facts["jc"]["ruling_no"])


def _claim(w: TrafficWorld, record: str, ruling: str) -> dict[str, Any]:
    """The claim on the claimant's compulsory policy with the liable driver's insurer, within its limit."""
    facts = w.row(record).facts
    offer = facts["offer"]
    liable = next(p["party_ref"] for p in offer["parties"] if p["role"] == "liable")
    policy = next(p for p in offer["policies"] if p["insured_ref"] == liable and p["cover"] == "compulsory")
    claim = {"basis": "agreement_jc", "basis_ref": ruling, "insurer_uscc": policy["insurer_uscc"],
             "policy_no": policy["policy_no"], "payee": PAYEE, "amount": "18000.00"}  # fmt: skip
    w.act(record, "request_claim", claim)
    return claim


def test_an_offer_is_mediated_with_an_appraisal_confirmed_claimed_and_paid(world: Make) -> None:
    w = world()
    record = _mediating(w)
    w.act(record, "request_appraisal", {"matters": "伤残等级、误工期", "party_ref": "P1"})
    assert (w.status(record), w.theirs(record)) == ("APPRAISAL_PENDING", "suspended")
    w.days(10)  # five working days, weekends between
    assert (w.status(record), w.theirs(record)) == ("MEDIATING", "mediating")
    ruling = _agreed_and_confirmed(w, record)
    assert w.status(record) == "JC_CONFIRMED"
    _claim(w, record, ruling)
    assert w.theirs(record) == "claiming"
    w.days(10)
    assert (w.status(record), w.theirs(record)) == ("PAID", "settled")
    assert w.partners.reconcile(NAME)[NAME].differences == []
    assert w.kept() == []
