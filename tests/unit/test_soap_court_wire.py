"""The SOAP sandbox court's answers leave in one write (sandbox/soap.py: SoapHandler's buffered wfile) and are the
same bytes on the wire as with socketserver's unbuffered one, which wrote the head and the envelope separately:
every Submit kind, a duplicate, a replay, the queries, bad signatures, malformed XML, non-ASCII, HTTP-level refusals
(a bad request line, a method not served, a bad Content-Length, HTTP/1.0, pipelining), the transport faults
(hang-ups, 503, 429) — and an "Expect: 100-continue" client still gets its interim answer before it sends the body."""

import socket
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from lxml import etree

from connectors.soap_submit import submission
from sandbox import soap
from sandbox.court import CourtCore, SandboxConfig
from sandbox.court import auth as court_auth
from sandbox.court import feeds as court_feeds
from sandbox.court import rules as court_rules
from sandbox.pairing import arrange_keys, key_and_certificate
from signing.keyfiles import load_private_key
from signing.wsse import WsseSigner, WsseVerifier, texts
from tests.support.soap_court import AT, Frozen, Ids, every_request, message

DATE = "Tue, 01 Dec 2026 08:30:15 GMT"  # the Date header, the same for both servers


class _Unbuffered(soap.SoapHandler):
    """The handler as it was: socketserver's unbuffered wfile (a sendall per write) and the stdlib's 100 Continue."""

    wbufsize = 0
    handle_expect_100 = BaseHTTPRequestHandler.handle_expect_100


class _ReferenceServer(soap.SoapSandboxServer):
    handler = _Unbuffered


def _post(body: bytes, *, version: str = "HTTP/1.1", extra: str = "", length: str | None = None) -> bytes:
    head = (
        f"POST /ws/exchange {version}\r\nHost: 127.0.0.1\r\nContent-Type: text/xml; charset=utf-8\r\n"
        f'SOAPAction: "urn:x"\r\nContent-Length: {len(body) if length is None else length}\r\n{extra}\r\n'
    )
    return head.encode("latin-1") + body


def _get(path: str, extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode("latin-1")


def _read_answer(sock: socket.socket, pending: bytearray) -> tuple[bytes, bool]:
    """One answer as bytes (head and body; b"" if the server hung up first) and whether the connection is done."""
    while b"\r\n\r\n" not in pending:
        chunk = sock.recv(65536)
        if not chunk:
            answer = bytes(pending)
            pending.clear()
            return answer, True
        pending += chunk
    end = pending.index(b"\r\n\r\n") + 4
    head = bytes(pending[:end]).decode("latin-1").lower()
    if head.startswith("http/1.1 100 "):
        del pending[:end]
        return head.encode("latin-1"), False
    lengths = [line.split(":", 1)[1] for line in head.split("\r\n") if line.startswith("content-length:")]
    closes = "connection: close" in head or head.startswith("http/1.0")
    if lengths:
        while len(pending) < end + int(lengths[0]):
            chunk = sock.recv(65536)
            if not chunk:
                break
            pending += chunk
        whole = end + int(lengths[0])
    else:  # no length: the body runs to the end of the connection
        while chunk := sock.recv(65536):
            pending += chunk
        whole, closes = len(pending), True
    answer = bytes(pending[:whole])
    del pending[:whole]
    return answer, closes


def _exchange(port: int, script: list[tuple[str, bytes]], ids: Ids) -> list[tuple[str, bytes]]:
    """Send `script`'s requests in order, on one keep-alive connection while the server keeps it (a new one after a
    close or a hang-up); each request's answers (an interim 100 Continue is one), read whole before the next."""
    answers: list[tuple[str, bytes]] = []
    sock: socket.socket | None = None
    pending = bytearray()
    for label, request in script:
        if sock is None:
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            pending.clear()
        ids.next = 0  # the answer signer's ids, from the same point for both servers
        if label.startswith("expect"):  # the head alone: the body goes once the interim answer is read
            head, body = request.split(b"\r\n\r\n", 1)
            sock.sendall(head + b"\r\n\r\n")
            sock.settimeout(3)  # a 100 Continue stuck in the buffer never comes: the client would wait for ever
            interim, _ = _read_answer(sock, pending)
            sock.settimeout(10)
            answers.append((label, interim))
            sock.sendall(body)
        else:
            sock.sendall(request)
        pipelined = request.count(b"Host: 127.0.0.1") if label.startswith("pipelined") else 1
        for _ in range(pipelined):
            answer, done = _read_answer(sock, pending)
            answers.append((label, answer))
            if done or label == "HTTP/1.0":  # the server closes after an HTTP/1.0 request without saying so
                sock.close()
                sock = None
                break
    if sock is not None:
        sock.close()
    return answers


def _court(config: SandboxConfig, keys: dict[str, Any]) -> tuple[soap.SoapCourt, list[str]]:
    core = CourtCore(config, keys["court_signer"], keys["centre_verifier"])
    core.render = soap.render
    cases = core.dispatch(1, "01") + core.dispatch(1, "02") + core.dispatch(1, "01")
    signer = WsseSigner(load_private_key(keys["court_key"]), keys["court_cert"], clock=lambda: AT)
    return soap.SoapCourt(core, signer, WsseVerifier([keys["centre_cert"]])), cases


@pytest.fixture
def keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The keys both courts share, their clocks stopped at AT, the answer signer's ids and Date header fixed."""
    for module in (court_auth, court_feeds, court_rules):
        monkeypatch.setattr(module, "datetime", Frozen)
    court_signer, centre_verifier, _ = arrange_keys(tmp_path)
    centre_key, centre_cert = key_and_certificate(tmp_path, "centre", "rsa")
    court_key, court_cert = key_and_certificate(tmp_path, "court", "rsa")
    ids = Ids()
    monkeypatch.setattr(texts, "random_ids", lambda count: [ids.uuid4().hex for _ in range(count)])
    monkeypatch.setattr(soap.SoapHandler, "date_time_string", lambda self, timestamp=None: DATE)
    yield {
        "court_signer": court_signer,
        "centre_verifier": centre_verifier,
        "court_key": court_key,
        "court_cert": x509.load_pem_x509_certificate(court_cert.read_bytes()),
        "centre_cert": x509.load_pem_x509_certificate(centre_cert.read_bytes()),
        "centre": WsseSigner(load_private_key(centre_key), x509.load_pem_x509_certificate(centre_cert.read_bytes())),
        "ids": ids,
    }


def _script(cases: list[str], centre: WsseSigner) -> list[tuple[str, bytes]]:
    """Every request of the envelope comparison (tests/support/soap_court.py) as HTTP, and the wire's own."""
    script = []
    for label, request in every_request(cases):
        if not isinstance(request, bytes):
            centre.sign(request)
            request = etree.tostring(request, encoding="utf-8", xml_declaration=True)
        script.append((label, _post(request)))
    script.insert(1, ("a captured request replayed", script[0][1]))
    tampered = script[2][1].replace(b"JZ-1</", b"JZ-2</", 1)  # signed, then altered: the digest no longer holds
    progress = message("JZ-1", "JZ", cases[0], {"jzlx": "01", "bz": "受理 ✓"})

    def again() -> bytes:  # the first Submit signed afresh: not a replay, a duplicate the court answers (200)
        envelope = submission("SubmitProgress", "JZ-1", progress)
        centre.sign(envelope)
        return bytes(etree.tostring(envelope, encoding="utf-8", xml_declaration=True))

    return [
        *script,
        ("a tampered signed body", tampered),
        ("expect 100-continue", _post(again(), extra="Expect: 100-continue\r\n")),
        ("pipelined two", _post(again()) + _post(again())),
        ("the WSDL", _get("/ws/exchange?wsdl")),
        ("GET the endpoint", _get("/ws/exchange")),
        ("no route, non-ASCII", _get("/ws/%E6%B6%88%E6%81%AF")),
        ("control without the token", _get("/sandbox/stats")),
        ("Content-Length not a number", _post(b"", length="abc")),
        ("Content-Length negative", _post(b"", length="-1")),
        ("a GBK declaration on UTF-8 bytes", _post('<?xml version="1.0" encoding="GBK"?><a>张</a>'.encode())),
        ("HTTP/1.0", _post(again(), version="HTTP/1.0")),
        ("a method not served", b"PUT /ws/exchange HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"),
        ("a bad request line", b"GARBAGE\r\n\r\n"),
        ("over the body limit", _post(b"", length=str(11 * 1024 * 1024))),
    ]


def _both(keys: dict[str, Any], config: SandboxConfig) -> list[list[tuple[str, bytes]]]:
    """The same script sent to a court behind the unbuffered handler and one behind SoapHandler: their answers."""
    answers: list[list[tuple[str, bytes]]] = []
    port = 0  # then the first server's: the WSDL names the server's address
    for server_class in (_ReferenceServer, soap.SoapSandboxServer):
        court, cases = _court(config, keys)
        with server_class(court, port=port) as server:
            port = server.server_address[1]
            answers.append(_exchange(port, _script(cases, keys["centre"]), keys["ids"]))
    return answers


def test_every_answer_is_the_same_bytes_as_with_unbuffered_writes(keys: dict[str, Any]) -> None:
    reference, buffered = _both(keys, SandboxConfig(redeliver_rate=0.0, decision_delay=0.0))
    assert [label for label, _ in buffered] == [label for label, _ in reference]
    for (label, expected), (_, answer) in zip(reference, buffered, strict=True):
        assert answer == expected, label
    head, envelope = buffered[0][1].split(b"\r\n\r\n", 1)  # and both are what a SOAP answer always was
    server = f"{soap.SoapHandler.server_version} {soap.SoapHandler.sys_version}"
    assert head.decode() == (
        f"HTTP/1.1 200 OK\r\nServer: {server}\r\nDate: {DATE}\r\nContent-Type: text/xml; charset=utf-8\r\n"
        f"Content-Length: {len(envelope)}"
    )
    assert envelope.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<soap:Envelope")
    statuses = {answer.split(b" ", 2)[1] for _, answer in buffered}
    assert statuses >= {b"100", b"200", b"401", b"404", b"405", b"500", b"501"}, statuses  # 400, 413: SOAP faults
    answered = {label for label, answer in buffered if answer.startswith(b"HTTP/1.1 200 ")}
    assert {"progress", "the same message again", "expect 100-continue", "pipelined two", "HTTP/1.0"} <= answered
    assert sum(b"<tns:duplicate>true</tns:duplicate>" in answer for _, answer in buffered) == 5
    texts_seen = b"".join(answer for _, answer in buffered)
    for text in (b"(replayed)", b"changed after signing", b"is not a number", b"exceeds", b"Bad request syntax"):
        assert text in texts_seen, text


def test_faults_are_the_same_bytes_and_hang_ups(keys: dict[str, Any]) -> None:
    """Injected faults (503, 429, a hang-up before or after applying, a short timeout) drawn alike in both courts."""
    config = SandboxConfig(redeliver_rate=0.0, decision_delay=0.0, fault_rate=0.5, timeout_seconds=0.01, seed=11)
    reference, buffered = _both(keys, config)
    assert buffered == reference
    assert sum(answer == b"" for _, answer in buffered) >= 3  # hung up on
    statuses = {answer.split(b" ", 2)[1] for _, answer in buffered if answer}
    assert {b"503", b"429", b"200"} <= statuses, statuses
