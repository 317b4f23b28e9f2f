"""The sandbox traffic platform through the traffic-platform connector on loopback: offers pulled and pushed,
signed receipts, each message applied once, the appraiser's and the insurer's pace, every misbehaviour, the
platform's own view (status, statistics) and drift injected for reconciliation."""

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from connectors.partner_rest import PartnerRest
from connectors.port import CredentialsRefused, PayloadError, RawInbound, RejectedError
from mappings.times import CHINA
from sandbox.pairing import arrange_keys
from sandbox.traffic.config import TrafficConfig
from sandbox.traffic.pairing import TrafficPairing, pair_traffic
from sandbox.traffic.push import TrafficPusher
from sandbox.traffic.server import TrafficServer
from schemas.partner import PartnerEnvelope, PartnerKind
from tests.support.step_clock import StepClock
from tests.support.traffic_sandbox import traffic_port

pytestmark = pytest.mark.integration


@dataclass
class Platform:
    pairing: TrafficPairing
    server: TrafficServer
    client: PartnerRest
    clock: StepClock
    cursor: str = ""
    sent: int = 0

    def days(self, n: float) -> None:
        self.clock.now += n * self.pairing.core.config.seconds_per_day

    def pull(self) -> list[PartnerEnvelope]:
        page = self.client.fetch(self.cursor, 100)
        self.cursor = page.next_cursor
        return [self.client.decode(item) for item in page.items]

    def send(self, type_: str, serial: str, record: str, body: dict[str, Any], message_id: str | None = None) -> Any:
        self.sent += 1
        envelope = PartnerEnvelope(
            message_id=message_id or f"C-{self.sent}",
            kind=PartnerKind.TRAFFIC,
            partner="gd",
            record_id=record,
            partner_ref=serial,
            type=type_,
            sent_at=datetime.now(UTC),
            body=body,
        )
        return self.client.send(envelope)

    def accept(self, serial: str, record: str) -> Any:
        return self.send("traffic.offer_answer", serial, record, {"accepted": True, "answered_at": _now()})


def _now() -> str:
    return datetime.now(CHINA).isoformat()


def _platform(tmp_path: Path, profile: Any = "jws-detached", **config: Any) -> Iterator[Platform]:
    clock = StepClock()
    pairing = pair_traffic(tmp_path, TrafficConfig(seconds_per_day=1.0, **config), profile=profile, monotonic=clock)
    server = pairing.serve()
    try:
        yield Platform(pairing, server, traffic_port("gd", server.api, pairing.signing), clock)
    finally:
        server.stop()


@pytest.fixture(params=("jws-detached", "sm2-sm3", "hmac-appkey"))
def platform(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Platform]:
    yield from _platform(tmp_path, request.param)


def _mediated(p: Platform, record: str = "TR-000001") -> str:
    """An offer pulled and accepted; its serial number."""
    (serial,) = p.pairing.core.offer()
    (offer,) = p.pull()
    assert offer.type == "traffic.case_offered" and offer.partner_ref == serial and offer.record_id is None
    p.accept(serial, record)
    return serial


CLAIM = {
    "claim_id": "CL-1",
    "basis": "agreement_jc",
    "basis_ref": "（2026）粤0104民特88号",
    "policy": {"insurer_uscc": "91310000MA1FL0000N", "policy_no": "ADZA1"},
    "payee": {"name": "王五", "account": "6222020200112233445"},
    "amount": "52000.00",
}
AGREEMENT = {"result": "agreement", "items": [{"head": "01", "amount": "52000.00", "payer_ref": "I1"}]}


def test_an_offer_is_pulled_accepted_once_and_a_resend_is_a_duplicate(platform: Platform) -> None:
    serial = _mediated(platform)
    again = platform.send("traffic.offer_answer", serial, "TR-000001", {"accepted": True, "answered_at": _now()}, "C-1")
    assert again.duplicate is True and again.partner_ref == serial
    assert platform.pairing.core.applications == {"C-1": 1}
    assert platform.client.query_status(["TR-000001"])["TR-000001"].status == "mediating"  # type: ignore[union-attr]


def test_a_second_answer_and_an_unknown_case_are_refused(platform: Platform) -> None:
    serial = _mediated(platform)
    with pytest.raises(RejectedError, match="answered already"):
        platform.send(
            "traffic.offer_answer", serial, "TR-000001", {"accepted": False, "answered_at": _now(), "reason": "x"}
        )
    with pytest.raises(RejectedError, match="no case"):
        platform.accept("DJ-NEVER", "TR-000009")
    with pytest.raises(RejectedError, match="belongs to record"):
        platform.send("traffic.outcome", serial, "TR-000002", {**AGREEMENT, "at": _now()})


def test_a_stranger_is_refused_as_credentials(tmp_path: Path) -> None:
    for p in _platform(tmp_path):
        _, _, stranger = arrange_keys(tmp_path / "stranger")
        untrusted = traffic_port("gd", p.server.api, stranger)
        with pytest.raises(CredentialsRefused):
            untrusted.fetch("", 10)


def test_the_appraisal_result_comes_after_n_working_days(tmp_path: Path) -> None:
    for p in _platform(tmp_path, appraisal_days=5):
        serial = _mediated(p)
        p.send(
            "traffic.appraisal_request",
            serial,
            "TR-000001",
            {"appraisal_id": "JD-7", "matters": "伤残等级", "requested_at": _now()},
        )
        assert p.client.query_status(["TR-000001"])["TR-000001"].status == "suspended"  # type: ignore[union-attr]
        wait = (
            p.pairing.core.calendar.add_working_days(p.pairing.core.today(), 5).last_day - p.pairing.core.today()
        ).days
        p.days(wait - 0.5)
        assert p.pull() == []
        p.days(0.5)
        (result,) = p.pull()
        assert result.type == "traffic.appraisal_result" and result.correlates_to == "C-2"
        assert result.body["appraisal_id"] == "JD-7" and result.body["fee"] == "2800.00"
        assert p.client.query_status(["TR-000001"])["TR-000001"].status == "mediating"  # type: ignore[union-attr]


FLOWS = [
    ((), ["claim_update:received", "claim_update:assessing", "claim_update:agreed", "claim_update:paid"]),
    (
        ("part_paid",),
        ["claim_update:received", "claim_update:assessing", "claim_update:agreed", "claim_update:part_paid"],
    ),
    (("refused",), ["claim_update:received", "claim_update:assessing", "claim_update:refused"]),
    (("paid_late",), ["claim_update:received", "claim_update:assessing", "claim_update:agreed", "claim_update:paid"]),
    (
        ("out_of_order",),
        ["claim_update:assessing", "claim_update:received", "claim_update:agreed", "claim_update:paid"],
    ),
    (
        ("jc_rejected",),
        [
            "claim_update:received",
            "claim_update:assessing",
            "claim_update:agreed",
            "claim_update:paid",
        ],
    ),
]


@pytest.mark.parametrize(("faults", "published"), FLOWS, ids=[",".join(f) or "clean" for f, _ in FLOWS])
def test_the_insurer_answers_a_claim_as_its_faults_say(
    tmp_path: Path, faults: tuple[str, ...], published: list[str]
) -> None:
    for p in _platform(tmp_path, faults=faults):
        serial = _mediated(p)
        p.send("traffic.outcome", serial, "TR-000001", {**AGREEMENT, "at": _now()})
        p.days(4)
        p.send("traffic.claim_request", serial, "TR-000001", {**CLAIM, "requested_at": _now()})
        seen, paid_on = [], None
        for day in range(40):
            for m in p.pull():
                seen.append(f"{m.type.removeprefix('traffic.')}:{m.body.get('status', m.body.get('confirmed'))}")
                if m.body.get("status") in ("paid", "part_paid"):
                    paid_on, amount = day, m.body["amount"]
            p.days(1)
        assert seen == [f"jc_result:{'jc_rejected' not in faults}", *published]  # the court's ruling, then the insurer
        if paid_on is not None:
            assert (paid_on > 30) == ("paid_late" in faults)
            assert (amount == "52000.00") == ("part_paid" not in faults)
        status = p.client.query_status(["TR-000001"])["TR-000001"]
        assert status is not None and status.status == ("claiming" if "refused" in faults else "settled")


def test_a_review_replaces_the_certificate_with_the_liability_changed(tmp_path: Path) -> None:
    for p in _platform(tmp_path, faults=("review_liability",)):
        (serial,) = p.pairing.core.offer(levels=("main", "secondary"))
        (offer,) = p.pull()
        p.accept(serial, "TR-000001")
        p.days(7)
        requested, redo, replaced = p.pull()
        assert (requested.body["phase"], redo.body["phase"]) == ("requested", "redo")
        new = replaced.body["certificate"]
        assert new["supersedes"] == offer.body["accident"]["cert_no"] != new["cert_no"]
        assert [x["level"] for x in new["liability"]] == ["secondary", "main"]


def test_a_superseded_certificate_follows_the_offer(tmp_path: Path) -> None:
    for p in _platform(tmp_path, faults=("superseded",)):
        p.pairing.core.offer()
        p.days(1)
        offer, replaced = p.pull()
        assert replaced.type == "traffic.certificate_replaced"
        assert replaced.body["certificate"]["supersedes"] == offer.body["accident"]["cert_no"]
        assert replaced.body["certificate"]["liability"] == offer.body["accident"]["liability"]


def test_duplicates_carry_the_same_id_and_bytes(tmp_path: Path) -> None:
    for p in _platform(tmp_path, faults=("duplicate_push",)):
        p.pairing.core.offer()
        page = p.client.fetch("", 10)
        first, second = page.items
        assert first.body == second.body and p.client.decode(first) == p.client.decode(second)


def test_a_spoiled_signature_is_a_payload_error(tmp_path: Path) -> None:
    for p in _platform(tmp_path, faults=("bad_signature",)):
        p.pairing.core.offer()
        (item,) = p.client.fetch("", 10).items
        with pytest.raises(PayloadError):
            p.client.decode(item)


def test_status_statistics_and_a_lost_message(platform: Platform) -> None:
    serial = _mediated(platform)
    platform.send("traffic.outcome", serial, "TR-000001", {**AGREEMENT, "at": _now()})
    month = f"{platform.pairing.core.cases[serial].offered_at:%Y-%m}"
    assert platform.client.statistics(month) == {"agreed": 1}
    assert platform.client.statistics("2025-01") is None  # a month it offered nothing in
    assert platform.client.query_status(["TR-000001", "TR-NONE"])["TR-NONE"] is None
    # drift: the platform loses the outcome; a resend of the same message applies again, not as a duplicate
    assert platform.pairing.core.forget_last("TR-000001") == "C-2"
    assert platform.client.query_status(["TR-000001"])["TR-000001"].status == "mediating"  # type: ignore[union-attr]
    resent = platform.send("traffic.outcome", serial, "TR-000001", {**AGREEMENT, "at": _now()}, "C-2")
    assert resent.duplicate is False
    assert platform.client.query_status(["TR-000001"])["TR-000001"].status == "agreed"  # type: ignore[union-attr]


class _Receiver(BaseHTTPRequestHandler):
    received: list[RawInbound]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append(RawInbound(body=body, headers=dict(self.headers.items())))  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_the_platform_pushes_signed_items_to_the_centre(tmp_path: Path) -> None:
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    receiver.received = []  # type: ignore[attr-defined]
    threading.Thread(target=receiver.serve_forever, args=(0.05,), daemon=True).start()
    try:
        for p in _platform(tmp_path, faults=("duplicate_push",)):
            url = f"http://127.0.0.1:{receiver.server_address[1]}"
            pusher = TrafficPusher(p.pairing.core, url, "gd", api_key="k")
            assert pusher.endpoint == f"{url}/api/partners/v1/gd/messages"
            p.pairing.core.offer()
            assert pusher.push_once() == 2 and pusher.push_once() == 0
            got = [p.client.decode(raw) for raw in receiver.received]  # type: ignore[attr-defined]
            assert [e.type for e in got] == ["traffic.case_offered"] * 2 and got[0] == got[1]
    finally:
        receiver.shutdown()
        receiver.server_close()


def test_signed_answers(platform: Platform) -> None:
    """The platform signs its receipts too: the answer's headers verify over its bytes."""
    answer = requests.get(f"{platform.server.api}/feed", timeout=5)
    assert answer.status_code == 401  # an unsigned request is refused …
    platform.client.verifier.verify(answer.content, dict(answer.headers))  # … in a signed answer
