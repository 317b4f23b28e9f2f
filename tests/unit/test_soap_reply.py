"""A Submit answer read with a parser kept per thread (connectors/soap_reply.py) is read as zeep's
SoapBinding.process_reply reads it: the same Receipt, or the same exception with the same text, for every kind of
answer a court or something in front of it may send."""

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import zeep
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree
from zeep.plugins import HistoryPlugin

from connectors.court_soap import TNS, WSDL, _ReadReceipt, _Wsse
from connectors.soap_reply import ReplyReader
from signing.wsse import SOAP, WsseSigner, WsseVerifier
from tests.support.certs import self_signed

NOW = datetime(2026, 12, 1, 13, 0, 5, tzinfo=UTC)
KEY = rsa.generate_private_key(65537, 2048)
CERTIFICATE = self_signed(KEY, NOW)
STRANGER = rsa.generate_private_key(65537, 2048)
RECEIPT = "<tns:code>0</tns:code><tns:message>ok 调解</tns:message><tns:messageId>M1</tns:messageId>"


def _envelope(body: str, *, key: Any = KEY, header: str = "<soap:Header/>", sign: bool = True) -> bytes:
    envelope = etree.fromstring(
        f'<soap:Envelope xmlns:soap="{SOAP}" xmlns:tns="{TNS}">{header}<soap:Body>{body}</soap:Body>'
        "</soap:Envelope>".encode()
    )
    if sign:
        WsseSigner(key, self_signed(key, NOW) if key is not KEY else CERTIFICATE, clock=lambda: NOW).sign(envelope)
    return bytes(etree.tostring(envelope, encoding="utf-8", xml_declaration=True))


def _answer(fields: str) -> str:
    return f"<tns:SubmitProgressResponse>{fields}</tns:SubmitProgressResponse>"


FAULT = (
    "<soap:Fault><faultcode>soap:Client</faultcode><faultstring>no</faultstring><detail><tns:CourtFault>"
    "<tns:code>E400</tns:code><tns:message>bad</tns:message></tns:CourtFault></detail></soap:Fault>"
)
GOOD = _envelope(_answer(RECEIPT + "<tns:duplicate>false</tns:duplicate><tns:status>30</tns:status>"))
XML = "text/xml; charset=utf-8"
ANSWERS: dict[str, tuple[int, str | None, bytes]] = {  # name: (status, Content-Type, content)
    "receipt": (200, XML, GOOD),
    "receipt_no_content_type": (200, None, GOOD),
    "receipt_soap12_type": (200, "application/soap+xml", GOOD),
    "receipt_upper_type": (200, "TEXT/XML", GOOD),
    "receipt_without_status": (200, XML, _envelope(_answer(RECEIPT + "<tns:duplicate>1</tns:duplicate>"))),
    "receipt_with_comment": (200, XML, GOOD.replace(b"<tns:code>", b"<!-- c --><tns:code>")),
    "receipt_duplicate_not_boolean": (200, XML, _envelope(_answer(RECEIPT + "<tns:duplicate>yes</tns:duplicate>"))),
    "receipt_wrong_shape": (200, XML, _envelope(_answer("<tns:code>0</tns:code>"))),
    "other_operation": (200, XML, _envelope("<tns:SubmitOutcomeResponse/>")),
    "empty_body": (200, XML, _envelope("")),
    "fault_200": (200, XML, _envelope(FAULT)),
    "fault_beside_receipt": (200, XML, _envelope(FAULT + _answer(RECEIPT + "<tns:duplicate>0</tns:duplicate>"))),
    "fault_nested": (200, XML, _envelope(_answer(FAULT))),
    "fault_other_namespace": (200, XML, _envelope(FAULT.replace("soap:Fault", "tns:Fault"))),
    "fault_in_header": (200, XML, _envelope(_answer(RECEIPT), header=f"<soap:Header>{FAULT}</soap:Header>")),
    "fault_500": (500, XML, _envelope(FAULT)),
    "receipt_500": (500, XML, GOOD),
    "receipt_202": (202, XML, GOOD),
    "unsigned": (200, XML, _envelope(_answer(RECEIPT), sign=False)),
    "stranger_signed": (200, XML, _envelope(_answer(RECEIPT), key=STRANGER)),
    "tampered": (200, XML, GOOD.replace(b"ok \xe8\xb0\x83", b"OK \xe8\xb0\x83")),
    "not_xml": (200, XML, b"<html>gateway</html"),
    "not_utf8": (200, XML, GOOD.replace(b"ok \xe8\xb0\x83", b"ok \xff")),
    "text": (200, "text/plain", b"Service Unavailable"),
    "empty_200": (200, XML, b""),
    "empty_202": (202, XML, b""),
    "empty_500": (500, XML, b""),
    "doctype": (200, XML, b'<!DOCTYPE x [<!ENTITY e "v">]>' + GOOD.split(b"?>", 1)[1]),
    "doctype_only": (200, XML, b"<!DOCTYPE soap:Envelope>" + GOOD.split(b"?>", 1)[1]),
    "external_entity": (
        200,
        XML,
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "http://evil.example/x">]>' + GOOD.split(b"?>", 1)[1],
    ),
    "multipart": (200, 'multipart/related; type="text/xml"; boundary="b"', b"--b\r\n\r\n" + GOOD + b"\r\n--b--"),
    "not_an_envelope": (200, XML, b"<tns:SubmitProgressResponse xmlns:tns='urn:court-docking:exchange:v1'/>"),
}


def _platform(history: bool) -> tuple[Any, Any]:
    client = zeep.Client(
        str(WSDL),
        settings=zeep.Settings(strict=True, forbid_dtd=True, forbid_entities=True, forbid_external=True),
        wsse=_Wsse(WsseSigner(KEY, CERTIFICATE), WsseVerifier([CERTIFICATE], clock=lambda: NOW)),
        plugins=[HistoryPlugin(maxlen=3)] if history else [],
    )
    return client, client.wsdl.bindings[f"{{{TNS}}}CourtExchangeBinding"]


def _response(status: int, content_type: str | None, content: bytes) -> requests.Response:
    response = requests.Response()
    response.status_code, response._content = status, content
    if content_type is not None:
        response.headers["Content-Type"] = content_type
    return response


def _outcome(call: Any) -> tuple[str, Any]:
    try:
        return "returned", call()
    except Exception as exc:  # the comparison is the point
        detail = exc.detail if hasattr(exc, "detail") and not etree.iselement(exc.detail) else None
        return type(exc).__name__, (str(exc), getattr(exc, "reason", None), getattr(exc, "code", None), detail)


@pytest.mark.parametrize("history", [False, True])
@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_an_answer_is_read_as_zeep_reads_it(name: str, history: bool) -> None:
    """Same Receipt or same exception; with the debug history, the same envelope recorded."""
    client, binding = _platform(history)
    operation = _ReadReceipt(binding.get("SubmitProgress"))
    reader = ReplyReader(client, binding)
    for _ in range(2):  # the second read reuses the thread's parser
        expected = _outcome(lambda: binding.process_reply(client, operation, _response(*ANSWERS[name])))
        assert _outcome(lambda: reader.process_reply(operation, _response(*ANSWERS[name]))) == expected
    if history:
        (plugin,) = client.plugins
        sent = [etree.tostring(entry["envelope"]) for entry in plugin._buffer]
        assert len(sent) in (0, 4) and sent[0::2] == sent[1::2]


def test_a_good_answer_is_read_on_the_short_path() -> None:
    """The case the short path exists for does take it (zeep's process_reply is not called)."""
    client, binding = _platform(False)
    operation = _ReadReceipt(binding.get("SubmitProgress"))
    calls: list[object] = []
    binding.process_reply = lambda *args: calls.append(args)
    result = ReplyReader(client, binding).process_reply(operation, _response(*ANSWERS["receipt"]))
    assert (result.code, result.messageId, result.duplicate, result.status, calls) == ("0", "M1", False, "30", [])


def test_each_thread_reads_with_its_own_parser() -> None:
    """Answers read at once from several threads are each read right."""
    client, binding = _platform(False)
    operation = _ReadReceipt(binding.get("SubmitProgress"))
    reader, results = ReplyReader(client, binding), []

    def read() -> None:
        results.extend(reader.process_reply(operation, _response(*ANSWERS["receipt"])).code for _ in range(20))

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["0"] * 80
