"""The sandbox commission (sandbox/arbitration/) on loopback, driven as the centre's connector would drive it —
signed requests over HTTP — through every scripted path: receipt, acceptance with a fee notice in 5 days, tribunal,
the 调解书 served per party or an award, and each misbehaviour; its receipts signed, each message applied once,
refusals with the commission's codes, its own status view, forgetting (drift) and the reverse flow (entrustment).
The commission's days are stepped (StepClock): one stepped second is a simulated day."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import pytest
import requests

from adapter.platforms.signers import build_verifier
from connectors.partner_port import PartnerReceipt
from connectors.partner_rest import PartnerRest
from connectors.port import CredentialsRefused, PayloadError, RejectedError, TransientError
from mappings import arbitration as wire
from sandbox.arbitration import CommissionConfig, CommissionCore
from sandbox.arbitration.pairing import pair_commission
from sandbox.arbitration.push import CommissionPusher
from sandbox.arbitration.server import CommissionServer
from schemas.partner import PartnerEnvelope, PartnerKind
from signing.base import MessageVerifier
from tests.support.arbitration_wire_samples import application
from tests.support.arbitration_world import KIND, commission_port
from tests.support.step_clock import StepClock
from tests.support.world_start import START

pytestmark = pytest.mark.integration
RID = "AR-2026-0001"


@dataclass
class Commission:
    core: CommissionCore
    server: CommissionServer
    port: PartnerRest  # the centre's connector for it
    verifier: MessageVerifier  # the commission's keys, on our side
    pace: StepClock
    sent: int = 0
    cursor: str = "0"

    def send(self, type: str, body: dict[str, Any], **fields: Any) -> PartnerReceipt:
        self.sent += 1
        self.last = PartnerEnvelope(
            message_id=fields.pop("message_id", f"C-{self.sent}"), kind=PartnerKind.ARBITRATION, partner="gzac",
            record_id=fields.pop("record_id", RID), type=type, sent_at=datetime.now(UTC), body=body, **fields,
        )  # fmt: skip
        return self.port.send(self.last)

    def resend(self) -> PartnerReceipt:
        """The last message again (a retry after a lost answer)."""
        return self.port.send(self.last)

    def apply(self, record_id: str = RID, **changes: Any) -> PartnerReceipt:
        body = {"application": application(**changes).model_dump(mode="json"), "submitted_at": _now()}
        return self.send("arb.application", body, record_id=record_id)

    def days(self, n: float) -> list[PartnerEnvelope]:
        """`n` simulated days pass; the commission's new feed items, verified and decoded."""
        self.pace.now += n
        return self.read()

    def read(self) -> list[PartnerEnvelope]:
        page = self.port.fetch(self.cursor, 100)
        self.cursor = page.next_cursor
        return [self.port.decode(item) for item in page.items]

    def status(self, *ids: str) -> dict[str, str | None]:
        return {k: None if v is None else v.status for k, v in self.port.query_status(ids).items()}


def _now() -> str:
    return datetime.now(UTC).isoformat()


@pytest.fixture
def commission(tmp_path: Path) -> Iterator[Commission]:
    yield from _commission(tmp_path, CommissionConfig(seconds_per_day=1.0))


def _commission(tmp_path: Path, config: CommissionConfig) -> Iterator[Commission]:
    pace = StepClock()
    # Both sides' time runs from a fixed instant: a case number carries the commission's year (（2026）…), which the
    # real clock would change on 1 January
    shift = datetime.now(UTC) - START
    clock = lambda: datetime.now(UTC) - shift  # noqa: E731
    pairing = pair_commission(tmp_path, config, clock=clock, monotonic=pace)
    server = pairing.serve()
    verifier = build_verifier(pairing.signing, platform="gzac")
    port = commission_port(server.api, pairing.signing, clock)
    try:
        yield Commission(pairing.core, server, port, verifier, pace)
    finally:
        server.stop()


def types(envelopes: list[PartnerEnvelope]) -> list[str]:
    return [e.type for e in envelopes]


def test_receipts_are_signed_and_each_message_applied_once(commission: Commission) -> None:
    first = commission.apply()
    assert not first.duplicate and first.partner_ref == "（2026）穗仲案字第123号"
    assert commission.resend() == PartnerReceipt("C-1", duplicate=True, partner_ref=first.partner_ref)
    assert commission.core.applications == {"C-1": 1}
    received = commission.days(0)
    assert types(received) == ["arb.receipt"] and received[0].record_id == RID
    assert received[0].correlates_to == "C-1"


def fee(commission: Commission) -> PartnerReceipt:
    body = {"amount": "1200.00", "paid_at": _now(), "payer": "applicant", "reference": "PAY-1"}
    return commission.send("arb.fee_paid", body, partner_ref="（2026）穗仲案字第123号")


@pytest.mark.parametrize(
    "requested,faults,path,status",
    [
        ("mediation_statement", (), ["arb.service", "arb.service"], "effective"),
        ("award_on_agreed_terms", (), [], "effective"),
        ("mediation_statement", ("party_repents",), ["arb.service", "arb.party_repented", "arb.instrument_issued"],
         "effective"),
        ("award_on_agreed_terms", ("correction",), ["arb.corrected"], "effective"),
        ("award_on_agreed_terms", ("set_aside",), ["arb.set_aside"], "set_aside_pending"),
    ],
)  # fmt: skip
def test_every_path_after_the_fee(
    commission: Commission, requested: str, faults: tuple[str, ...], path: list[str], status: str
) -> None:
    commission.core.misbehave(RID, *faults)
    commission.apply(requested=requested)
    assert types(commission.days(2.9)) == ["arb.receipt"]
    accepted = commission.days(0.2)  # within the 5 days of Art 24
    assert types(accepted) == ["arb.accepted"]
    notice = accepted[0].body["fee_notice"]
    assert notice["amount"] == "1200.00" and accepted[0].partner_ref == "（2026）穗仲案字第123号"
    assert commission.status(RID) == {RID: "accepted"}
    assert not fee(commission).duplicate
    assert commission.status(RID) == {RID: "in_proceedings"}
    later = commission.days(200)
    assert types(later)[:3] == ["arb.tribunal_formed", "arb.hearing", "arb.instrument_issued"]
    kind = later[2].body["kind"]
    assert kind == ("mediation_statement" if requested == "mediation_statement" else "award")
    assert types(later)[3:] == path
    if "party_repents" in faults:
        assert later[-1].body["kind"] == "award" and later[4].body["party"] == "R1"
    assert commission.status(RID) == {RID: status}


@pytest.mark.parametrize(
    "fault,reason,code",
    [("refuse_no_agreement", "no_agreement", "BSL01"), ("refuse_pre_dispute", "pre_dispute_confirmation", "BSL02")],
)
def test_refusals_carry_the_commissions_codes(commission: Commission, fault: str, reason: str, code: str) -> None:
    commission.core.misbehave(RID, fault)
    commission.apply()
    refused = commission.days(5)
    assert types(refused) == ["arb.receipt", "arb.refused"] and refused[1].body["reason"] == reason
    assert f'"reason":"{code}"' in commission.core.items[-1].body
    assert commission.status(RID) == {RID: "refused"} and not commission.days(30)


@pytest.mark.parametrize("paid", [False, True], ids=["unpaid", "paid-but-lost"])
def test_an_unpaid_fee_is_withdrawn(tmp_path: Path, paid: bool) -> None:
    faults = ("fee_unpaid",) if paid else ()
    for commission in _commission(tmp_path, CommissionConfig(seconds_per_day=1.0, faults=faults)):
        commission.apply()
        commission.days(3.5)
        if paid:  # the centre paid, the money never reached the commission
            assert not fee(commission).duplicate
        withdrawn = commission.days(10)
        assert types(withdrawn) == ["arb.withdrawn"] and withdrawn[0].body["reason"] == "fee_unpaid"
        assert commission.status(RID) == {RID: "withdrawn"}


def test_refusals_of_requests_name_the_commissions_codes(commission: Commission) -> None:
    with pytest.raises(RejectedError) as unknown:
        fee(commission)
    assert unknown.value.code == "unknown_case"
    commission.apply()
    with pytest.raises(RejectedError) as early:
        fee(commission)  # no fee is due before acceptance
    assert early.value.code == "wrong_state"
    with pytest.raises(RejectedError) as bad:
        commission.port._call("POST", "/messages", b'{"msgType":"APPLICATION"}', message_id="X")
    assert bad.value.code == "malformed" and "msgId" in bad.value.detail
    commission.core.refuse("AR-2026-0009", "BSL03", "不属本会受理范围")
    with pytest.raises(RejectedError) as told:
        commission.apply(record_id="AR-2026-0009")
    assert told.value.code == "BSL03"
    stranger = PartnerRest("gzac", KIND, commission.server.api, commission.core._signer, commission.verifier)
    with pytest.raises(CredentialsRefused):  # signed with a key the commission does not trust
        stranger.fetch("0", 10)
    assert commission.core.applications == {"C-2": 1}  # only the one application was applied


def test_forgetting_loses_the_application_and_a_resend_is_a_new_case(commission: Commission) -> None:
    commission.apply()
    commission.core.forget(RID)
    assert commission.status(RID, "AR-UNKNOWN") == {RID: None, "AR-UNKNOWN": None}
    assert not commission.resend().duplicate  # the commission forgot it: applied anew
    assert commission.status(RID) == {RID: "received"}


def test_the_commission_entrusts_mediation_to_the_centre(commission: Commission) -> None:
    case_no = commission.core.entrust("请求支付物业服务费", "5000.00")
    entrusted = commission.read()
    assert types(entrusted) == ["arb.mediation_entrusted"] and entrusted[0].record_id is None
    assert entrusted[0].partner_ref == case_no and len(entrusted[0].body["parties"]) == 2
    answer = {"outcome": "failed", "at": _now(), "text": "调解不成"}
    receipt = commission.send("arb.mediation_result", answer, record_id="AR-2026-0009", partner_ref=case_no)
    assert receipt.partner_ref == case_no and not receipt.duplicate
    assert commission.status("AR-2026-0009") == {"AR-2026-0009": "result_received"}


def test_duplicates_and_bad_signatures_on_the_feed(tmp_path: Path) -> None:
    for commission in _commission(tmp_path, CommissionConfig(seconds_per_day=1.0, faults=("duplicate",))):
        commission.apply()
        assert [i.message_id for i in commission.core.items] == ["GZAC-M000001"] * 2
    for commission in _commission(tmp_path / "b", CommissionConfig(seconds_per_day=1.0, faults=("bad_signature",))):
        commission.apply()
        with pytest.raises(PayloadError) as spoiled:
            commission.read()
        assert spoiled.value.reason == "bad_signature"


def test_a_pushing_commission_posts_signed_items_to_the_partner_intake(commission: Commission) -> None:
    seen: list[tuple[str, bytes, dict[str, str]]] = []

    class Intake(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append((self.path, body, dict(self.headers.items())))
            self.send_response(200 if len(seen) > 1 else 503)  # the first attempt fails: tried again
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    intake = ThreadingHTTPServer(("127.0.0.1", 0), Intake)
    Thread(target=intake.serve_forever, daemon=True).start()
    try:
        commission.apply()
        pusher = CommissionPusher(commission.core, f"http://127.0.0.1:{intake.server_port}", "gzac", api_key="k")
        assert pusher.push_once() == 0
        commission.pace.now += 1
        assert pusher.push_once() == 1
    finally:
        intake.shutdown()
    path, body, headers = seen[-1]
    assert path == "/api/partners/v1/gzac/messages" and headers["Authorization"] == "Bearer k"
    assert commission.verifier.verify(body, headers).message_id == "GZAC-M000001"
    assert wire.decode(body, "gzac").type == "arb.receipt"


def test_the_control_api(commission: Commission) -> None:
    def control(path: str, payload: dict[str, Any] | None = None, token: str | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {token or commission.server.control_token}"}
        if payload is None:
            return requests.get(f"{commission.server.url}/sandbox/{path}", headers=headers, timeout=10)
        return requests.post(f"{commission.server.url}/sandbox/{path}", json=payload, headers=headers, timeout=10)

    assert control("misbehave", {"record_id": RID, "faults": ["refuse_pre_dispute"]}).status_code == 200
    assert control("misbehave", {"record_id": RID, "faults": ["nope"]}).status_code == 400
    assert control("stats", token="wrong").status_code == 401
    commission.apply()
    assert types(commission.days(5)) == ["arb.receipt", "arb.refused"]
    case_no = control("entrust", {"claim": "请求支付物业服务费", "amount": "800.00"}).json()["caseNo"]
    assert case_no == "（2026）穗仲案字第124号"
    assert control("fail-next", {"faults": ["error"]}).status_code == 200
    with pytest.raises(TransientError):
        commission.read()
    assert types(commission.read()) == ["arb.mediation_entrusted"]
    assert control("forget", {"record_id": RID}).json() == {"forgotten": RID}
    stats = control("stats").json()
    assert stats["applied"] == 1 and stats["cases"] == {case_no: [None, "entrusted"]}
    assert control("nowhere", {}).status_code == 404
