"""The SOAP court profile against real servers on loopback: WS-Security checked by an independent XML-DSig
implementation (xmlsec1), hostile XML refused in both directions, faults translated, the WSDL never fetched."""

import functools
import re
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlmodel import select

from adapter.errors import ConfigError
from adapter.persistence.tables import QuarantineRow
from adapter.platforms.signers import build_wsse
from connectors.court_soap import CourtSoapPlatform
from connectors.port import CredentialsRefused, RejectedError, TransientError
from sandbox.court import CourtCore, SandboxConfig
from sandbox.pairing import Pairing, pair
from sandbox.server import BaseSandboxServer
from sandbox.soap import render as soap_render
from scheduler import Runtime
from schemas.enums import CourtStatus, ProgressKind
from schemas.envelope import ProgressBody
from schemas.progress import ProgressUpdate
from tests.support import samples
from tests.support.court import PLATFORM, Court
from tests.support.external import find_xmlsec1
from tests.support.runtime import case_for, parties, pump

pytestmark = pytest.mark.integration

BODY_ID = "--id-attr:Id http://schemas.xmlsoap.org/soap/envelope/:Body"
STAMP_ID = "--id-attr:Id http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd:Timestamp"


@dataclass
class Soap:
    pairing: Pairing
    server: BaseSandboxServer
    connector: CourtSoapPlatform

    @property
    def core(self) -> CourtCore:
        return self.pairing.core


def _connector(pairing: Pairing, endpoint: str, *, debug: bool = False) -> CourtSoapPlatform:
    assert pairing.wsse is not None
    signer, verifier = build_wsse(pairing.wsse, platform="court")
    return CourtSoapPlatform("court", endpoint, signer, verifier, timeout=(2.0, 5.0), debug=debug)


@pytest.fixture(params=["rsa", "ec"])
def soap(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Soap]:
    pairing = pair(tmp_path, SandboxConfig(redeliver_rate=0.0), transport="soap", wsse_algorithm=request.param)
    server = pairing.serve()
    try:
        yield Soap(pairing, server, _connector(pairing, pairing.platform(server).base_url, debug=True))
    finally:
        server.stop()


def _tap(soap: Soap) -> tuple[list[bytes], list[bytes]]:
    """Record every request the SOAP court receives and every answer it sends, as the bytes on the wire."""
    requests_seen: list[bytes] = []
    answers: list[bytes] = []
    original = soap.pairing.soap.call  # type: ignore[union-attr]

    def call(body: bytes) -> bytes:
        requests_seen.append(body)
        answers.append(original(body))
        return answers[-1]

    soap.pairing.soap.call = call  # type: ignore[union-attr, method-assign]
    return requests_seen, answers


def _captured(soap: Soap) -> list[bytes]:
    return _tap(soap)[0]


def test_xmlsec1_verifies_our_request_signature_and_refuses_a_one_byte_change(soap: Soap, tmp_path: Path) -> None:
    xmlsec1 = find_xmlsec1()
    seen = _captured(soap)
    (case_id,) = soap.core.dispatch(1, "01")
    assert soap.connector.send(samples.accepted(case_id, "M-interop-1")).duplicate is False
    request = seen[-1]
    assert soap.pairing.wsse is not None
    certificate = soap.pairing.wsse.certificate

    def verify(data: bytes) -> subprocess.CompletedProcess[str]:
        path = tmp_path / "request.xml"
        path.write_bytes(data)
        args = [xmlsec1, "--verify", "--pubkey-cert-pem", str(certificate)]
        args += BODY_ID.split(" ", 1) + STAMP_ID.split(" ", 1) + [str(path)]
        return subprocess.run(args, capture_output=True, text=True, timeout=30)

    good = verify(request)
    assert good.returncode == 0 and "OK" in good.stderr, good.stderr
    at = request.index(b"M-interop-1") + len(b"M-interop-1") - 1  # the message id, inside the signed Body
    tampered = request[:at] + b"2" + request[at + 1 :]
    bad = verify(tampered)
    assert bad.returncode != 0 and "FAIL" in bad.stderr


def test_the_whole_port_works_over_soap_with_signed_answers(soap: Soap) -> None:
    (case_id,) = soap.core.dispatch(1, "01")
    assert soap.connector.send(samples.accepted(case_id, "M-soap-1")).duplicate is False
    assert soap.connector.send(samples.accepted(case_id, "M-soap-1")).duplicate is True  # the court applied it once
    assert soap.core.applications == {"M-soap-1": 1}
    assert soap.connector.query_status([case_id, "missing"]) == {case_id: CourtStatus.ACCEPTED, "missing": None}
    assert soap.connector.history is not None and soap.connector.history.last_received is not None


def test_a_court_refusal_is_a_rejection_with_the_courts_code(soap: Soap) -> None:
    with pytest.raises(RejectedError) as caught:
        soap.connector.send(samples.accepted("no-such-case"))
    assert caught.value.code == "E404" and "unknown case" in str(caught.value)


@pytest.mark.parametrize(
    ("operation", "payload", "said"),
    [
        ("SubmitProgress", "<resource><brief>", "not well-formed"),
        ("SubmitProgress", "<!DOCTYPE r [<!ENTITY x 'y'>]><resource/>", "DTDs are refused"),
        (
            "SubmitOutcome",
            "<resource><brief><count>1</count></brief><data><R><XXLX>JZ</XXLX></R></data></resource>",
            "carries JG",
        ),
    ],
)
def test_a_malformed_submission_gets_a_client_fault_naming_the_problem(
    soap: Soap, operation: str, payload: str, said: str
) -> None:
    """The court answers bad input with a signed SOAP Fault; the connector makes it a rejection with E400."""
    with pytest.raises(RejectedError) as caught:
        soap.connector._call(operation, messageId="M-bad", payload=payload)
    assert caught.value.code == "E400" and said in str(caught.value)


def test_a_server_fault_is_transient(soap: Soap, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ids: list[str]) -> dict[str, str | None]:
        raise RuntimeError("database down")

    monkeypatch.setattr(soap.core, "status", broken)
    with pytest.raises(TransientError, match="E500"):
        soap.connector.query_status(["x"])


HOSTILE_REQUESTS = {
    "xxe": b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&x;</soap:Body></soap:Envelope>',
    "billion_laughs": b'<!DOCTYPE e [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><e>&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;</e>',
    "unsigned": b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
    b'<QueryCaseStatus xmlns="urn:court-docking:exchange:v1"><ajbs>1</ajbs></QueryCaseStatus></soap:Body>'
    b"</soap:Envelope>",
    "not_xml": b"\x00\x01 not xml",
    "oversized": b"<e>" + b"x" * (10 * 1024 * 1024 + 1) + b"</e>",
}


@pytest.mark.parametrize("name", HOSTILE_REQUESTS)
def test_the_soap_court_refuses_hostile_requests_with_a_signed_fault_and_stays_up(soap: Soap, name: str) -> None:
    endpoint = soap.pairing.platform(soap.server).base_url
    answer = requests.post(endpoint, data=HOSTILE_REQUESTS[name], headers={"Content-Type": "text/xml"}, timeout=10)
    assert answer.status_code == 500 and b"Fault" in answer.content and b"SignatureValue" in answer.content
    assert b"root:" not in answer.content  # nothing of /etc/passwd comes back
    assert soap.connector.query_status(["x"]) == {"x": None}  # and the court still serves


def test_a_captured_request_replayed_is_refused_however_it_is_re_encoded(soap: Soap) -> None:
    """The replay guard keys on what was signed, not on the SignatureValue's text (whose base64 can be re-wrapped
    without breaking the signature)."""
    seen = _captured(soap)
    soap.connector.query_status(["x"])
    endpoint = soap.pairing.platform(soap.server).base_url
    captured = seen[-1]
    start = captured.index(b"SignatureValue>") + len(b"SignatureValue>")
    rewrapped = captured[: start + 8] + b"\n" + captured[start + 8 :]
    for attempt in (captured, rewrapped):
        again = requests.post(endpoint, data=attempt, headers={"Content-Type": "text/xml"}, timeout=10)
        assert again.status_code == 500 and b"replayed" in again.content


class _Hostile(ThreadingHTTPServer):
    """A malicious court on loopback: whatever is asked, it answers `answer`."""

    daemon_threads = True
    answer: tuple[int, dict[str, str], bytes] = (200, {}, b"")

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the adapter hangs up on an oversized answer: expected here, not worth a traceback


class _HostileHandler(BaseHTTPRequestHandler):
    server: _Hostile

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, headers, body = self.server.answer
        self.send_response(status)
        for name, value in {"Content-Type": "text/xml; charset=utf-8", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def hostile(soap: Soap) -> Iterator[tuple[_Hostile, CourtSoapPlatform]]:
    server = _Hostile(("127.0.0.1", 0), _HostileHandler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield server, _connector(soap.pairing, f"http://127.0.0.1:{server.server_address[1]}/ws/exchange")
    finally:
        server.shutdown()
        server.server_close()


def _genuine_answer(soap: Soap) -> bytes:
    """A real, correctly signed answer of the court (to a status query), captured on its way out."""
    _, answers = _tap(soap)
    soap.connector.query_status(["x"])
    return answers[-1]


HOSTILE_ANSWERS = {
    "xxe": HOSTILE_REQUESTS["xxe"],
    "billion_laughs": HOSTILE_REQUESTS["billion_laughs"],
    "unsigned": HOSTILE_REQUESTS["unsigned"].replace(b"QueryCaseStatus", b"QueryCaseStatusResponse"),
    "not_xml": b"<html>gateway error</html",
    "oversized": b"<e>" + b"x" * (20 * 1024 * 1024 + 1) + b"</e>",
}


@pytest.mark.parametrize("name", HOSTILE_ANSWERS)
def test_hostile_answers_are_refused_and_the_adapter_carries_on(
    hostile: tuple[_Hostile, CourtSoapPlatform], name: str
) -> None:
    server, connector = hostile
    server.answer = (200, {}, HOSTILE_ANSWERS[name])
    with pytest.raises(TransientError) as caught:
        connector.query_status(["x"])
    assert "passwd" not in str(caught.value)


def test_a_signed_answer_changed_in_transit_is_refused(soap: Soap, hostile: tuple[_Hostile, CourtSoapPlatform]) -> None:
    server, connector = hostile
    genuine = _genuine_answer(soap)
    server.answer = (200, {}, genuine)
    assert connector.query_status(["x"]) == {"x": None}  # the genuine answer, relayed, verifies
    server.answer = (200, {}, genuine.replace(b"<tns:ajbs>x</tns:ajbs>", b"<tns:ajbs>y</tns:ajbs>"))
    with pytest.raises(TransientError, match="WS-Security digest"):
        connector.query_status(["x"])


def test_throttling_is_transient_and_keeps_retry_after(hostile: tuple[_Hostile, CourtSoapPlatform]) -> None:
    server, connector = hostile
    server.answer = (429, {"Retry-After": "7", "Content-Type": "text/plain"}, b"slow down")
    with pytest.raises(TransientError) as caught:
        connector.query_status(["x"])
    assert caught.value.retry_after == 7.0
    server.answer = (403, {"Content-Type": "text/plain"}, b"forbidden")  # unsigned: a gateway's, not the court's
    with pytest.raises(TransientError, match="HTTP 403"):
        connector.query_status(["x"])


def test_a_redirect_is_not_followed(hostile: tuple[_Hostile, CourtSoapPlatform]) -> None:
    """Following it would re-post the signed envelope (and a client certificate) to another host."""
    server, connector = hostile
    elsewhere = _Hostile(("127.0.0.1", 0), _HostileHandler)
    threading.Thread(target=elsewhere.serve_forever, args=(0.05,), daemon=True).start()
    hits: list[str] = []
    elsewhere.RequestHandlerClass = type("Counting", (_HostileHandler,), {"do_POST": lambda self: hits.append("x")})
    try:
        target = f"http://127.0.0.1:{elsewhere.server_address[1]}/steal"
        server.answer = (307, {"Location": target}, b"")
        with pytest.raises(TransientError, match="HTTP 307"):
            connector.query_status(["x"])
        assert hits == []
    finally:
        elsewhere.shutdown()
        elsewhere.server_close()


def test_an_answer_without_a_receipt_is_transient(hostile: tuple[_Hostile, CourtSoapPlatform]) -> None:
    server, connector = hostile
    server.answer = (202, {}, b"")
    with pytest.raises(TransientError, match="without a receipt"):
        connector.send(samples.accepted("c1"))


def test_a_message_xml_cannot_carry_is_rejected_before_sending(soap: Soap) -> None:
    (case_id,) = soap.core.dispatch(1, "01")
    now = datetime.now(UTC)
    # The canonical schema refuses a control character now (schemas/text.py); the connector's own guard still
    # holds for a message built around it (model_construct skips validation, as a message stored before would).
    progress = ProgressUpdate.model_construct(kind=ProgressKind.ACCEPTED, at=now, note="bell\x07")
    envelope = samples.accepted(case_id).model_copy(update={"body": ProgressBody.model_construct(progress=progress)})
    with pytest.raises(RejectedError) as caught:
        soap.connector.send(envelope)
    assert caught.value.code == "unencodable" and soap.core.applications == {}


def test_a_request_the_court_cannot_authenticate_is_retried_not_killed(soap: Soap, tmp_path: Path) -> None:
    """The court's signed E401 (our certificate not yet installed there, a clock off) is an operator's problem to
    fix: a credentials refusal (the platform is held), still a TransientError to code that does not know it."""
    stranger = pair(tmp_path / "other", SandboxConfig(), transport="soap")
    assert stranger.wsse is not None and soap.pairing.wsse is not None
    wrong = soap.pairing.wsse.model_copy(update={"key": stranger.wsse.key, "certificate": stranger.wsse.certificate})
    signer, verifier = build_wsse(wrong, platform="court")
    connector = CourtSoapPlatform("court", soap.pairing.platform(soap.server).base_url, signer, verifier)
    with pytest.raises(CredentialsRefused, match="E401") as caught:
        connector.query_status(["x"])
    assert isinstance(caught.value, TransientError) and "unknown_key" in caught.value.detail


def test_the_wsdl_comes_from_the_repository_and_the_court_serves_its_own(soap: Soap) -> None:
    """Building a connector touches no network: its WSDL ships with the adapter. The court's ?wsdl names itself."""
    _connector(soap.pairing, "http://127.0.0.1:9/ws/exchange")  # port 9: nothing listens; nothing is fetched
    endpoint = soap.pairing.platform(soap.server).base_url
    wsdl = requests.get(endpoint + "?wsdl", timeout=10)
    assert wsdl.status_code == 200 and f'location="{endpoint}"'.encode() in wsdl.content


@pytest.fixture
def transport() -> str:
    return "soap"


def test_a_hostile_payload_in_a_signed_feed_item_is_quarantined(runtime: Runtime, court: Court) -> None:
    """Authentic (court-signed) but hostile XML inside a feed item: refused as malformed, kept, never applied."""
    payload = '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><resource>&x;</resource>'
    court.core.inject("dispatches", payload, court.core.sign_item(payload, "PQ-hostile"))
    pump(runtime, 1)
    with runtime.uow.begin() as session:
        (row,) = session.exec(select(QuarantineRow)).all()
    assert row.platform == PLATFORM and row.reason == "malformed" and "DTDs are refused" in row.detail


@pytest.mark.parametrize("declared", ["GBK", "GB18030", "GB2312", "UTF-16"])
def test_a_dispatch_whose_payload_declares_another_encoding_is_applied_with_names_intact(
    runtime: Runtime, court: Court, declared: str
) -> None:
    """A court that writes its payload in GBK and hands the string to its SOAP stack (the declaration stays): the
    adapter reads the text as text, so the dispatch is applied with its names as the court wrote them, not
    quarantined and not turned into 寮犱笁."""
    court.core.render = functools.partial(soap_render, declared=declared)
    (ajbs,) = court.core.dispatch(1, "01")
    (published,) = court.core.case_messages(ajbs)["items"]
    assert f"encoding='{declared}'" in published["body"].replace('"', "'")
    written = re.findall(r"<XM>([^<]*)</XM>", published["body"])  # the names, read without any XML parser
    assert len(written) == 2 and all("\u4e00" <= name[0] <= "\u9fff" for name in written)
    pump(runtime, 1)
    with runtime.uow.begin() as session:
        assert session.exec(select(QuarantineRow)).all() == []
    assert list(parties(runtime, case_for(runtime, ajbs).id)) == written


def test_a_wsse_key_that_is_not_the_certificates_is_a_configuration_error(soap: Soap, tmp_path: Path) -> None:
    """Caught at start-up, not as an E401 from the court on every request."""
    other = pair(tmp_path / "other", SandboxConfig(), transport="soap")
    assert other.wsse is not None and soap.pairing.wsse is not None
    mismatched = soap.pairing.wsse.model_copy(update={"key": other.wsse.key})
    with pytest.raises(ConfigError, match="is not the key of certificate"):
        build_wsse(mismatched, platform="court")


def test_the_endpoint_answers_a_plain_get_with_405_not_a_soap_fault(soap: Soap) -> None:
    endpoint = soap.pairing.platform(soap.server).base_url
    answer = requests.get(endpoint, timeout=10)
    assert answer.status_code == 405 and answer.json()["code"] == "E405"
