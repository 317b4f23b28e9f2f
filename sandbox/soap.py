"""The SOAP sandbox court: the court-exchange WebService (connectors/wsdl/court_exchange.wsdl) on loopback, in
front of the same CourtCore as the REST sandbox.

POST /ws/exchange  document/literal SOAP 1.1; every request must carry a valid WS-Security signature by the
                   centre's certificate, every answer (faults too) is signed with the court's.
GET  /ws/exchange?wsdl   the WSDL, its address pointing at this server.
The control API (/sandbox/…) and the fault injection are the shared sandbox server's (sandbox/server.py).
"""

import time
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from lxml import etree

from mappings.codes import MalformedPayload
from mappings.court_xml import from_resource, to_resource
from mappings.xmlsafe import parse
from sandbox.court import CourtCore, CourtRefusal
from sandbox.server import BaseCourtHandler, BaseSandboxServer, Raw
from signing.errors import SignatureInvalid
from signing.wsse import SOAP, WsseSigner, WsseVerifier

TNS = "urn:court-docking:exchange:v1"
PATH = "/ws/exchange"
WSDL = resources.files("connectors").joinpath("wsdl/court_exchange.wsdl")
SUBMISSIONS = {  # operation → the message type it carries
    "SubmitProgress": "JZ",
    "SubmitOutcome": "JG",
    "SubmitAgreement": "XY",
    "SubmitApplication": "SQ",
    "SubmitClosure": "JA",
}
FEEDS = {"FetchDispatches": "dispatches", "FetchRulings": "decisions"}
XML = "text/xml; charset=utf-8"
# Names made once, not per request: an operation's tag starts with _OPERATION; the Body and an operation's fields are
# first children found by tag (what find/findtext do, without ElementPath's per-call path handling).
_OPERATION = f"{{{TNS}}}"
_BODY, _ENVELOPE, _HEADER = f"{{{SOAP}}}Body", f"{{{SOAP}}}Envelope", f"{{{SOAP}}}Header"
_MESSAGE_ID, _PAYLOAD = f"{{{TNS}}}messageId", f"{{{TNS}}}payload"


def render(doc: dict[str, Any], *, declared: str = "UTF-8") -> str:
    """How the SOAP court publishes a message: a court-standard resource document, as text. `declared` is the
    encoding its XML declaration names — a court that builds its payload as GBK (or GB18030, GB2312 …) bytes and
    hands the decoded string to its SOAP stack keeps that declaration on text that is no longer in that encoding.
    Set it with `core.render = functools.partial(render, declared="GBK")`."""
    return to_resource([doc], encoding=declared).decode(declared)


class SoapCourt:
    """SOAP in, SOAP out, around a CourtCore: authentication, operations, signed answers and faults."""

    def __init__(self, core: CourtCore, signer: WsseSigner, verifier: WsseVerifier) -> None:
        self.core, self._signer, self._verifier = core, signer, verifier

    def call(self, request: bytes) -> bytes:
        try:
            envelope = parse(request, what="the SOAP request")
        except MalformedPayload as exc:
            raise CourtRefusal(400, "E400", str(exc)) from None
        try:
            verified = self._verifier.verify(envelope)
        except SignatureInvalid as exc:
            self.core.signature_failures[exc.reason] = self.core.signature_failures.get(exc.reason, 0) + 1
            raise CourtRefusal(401, "E401", f"WS-Security refused ({exc.reason}): {exc.detail}") from None
        # A captured request replayed while its Timestamp is still fresh is refused: the digest of what was signed
        # identifies it (it covers the random Timestamp and Body ids), and is kept as long as the Timestamp lives.
        now = datetime.now(UTC)
        if not self.core.replay.first_sighting(
            "centre-soap", verified.signed_digest, now=now, until=verified.fresh_until
        ):
            self.core.signature_failures["replayed"] = self.core.signature_failures.get("replayed", 0) + 1
            raise CourtRefusal(401, "E401", "WS-Security refused (replayed): this signed request was seen before")
        operation, name = _operation(envelope)
        answer = etree.Element(f"{{{TNS}}}{name}Response", nsmap={"tns": TNS})
        if name in FEEDS:
            self._feed(FEEDS[name], operation, answer)
        elif name in SUBMISSIONS:
            self._submit(SUBMISSIONS[name], operation, answer)
        elif name == "ListCases":
            try:
                limit = int(operation.findtext(f"{{{TNS}}}limit") or "500")
            except ValueError:
                raise CourtRefusal(400, "E400", "limit must be an integer") from None
            page = self.core.list_cases(operation.findtext(f"{{{TNS}}}cursor") or "", limit)
            _text(answer, "nextCursor", page["next_cursor"])
            for listed in page["cases"]:
                case = etree.SubElement(answer, f"{{{TNS}}}case")
                _text(case, "ajbs", listed["ajbs"])
                _text(case, "status", listed["zt"])
        elif name == "FetchCodeLists":
            published = self.core.code_lists()
            _text(answer, "version", str(published["version"]))
            for table, codes in published["tables"].items():
                element = etree.SubElement(answer, f"{{{TNS}}}table")
                _text(element, "name", table)
                for code in codes:
                    _text(element, "code", str(code))
        elif name == "FetchCase":
            _items(answer, self.core.case_messages(operation.findtext(f"{{{TNS}}}ajbs") or "")["items"])
        elif name == "QueryCaseStatus":
            ids = [(e.text or "") for e in operation.findall(f"{{{TNS}}}ajbs")][:1000]
            for ajbs, status in self.core.status(ids).items():
                case = etree.SubElement(answer, f"{{{TNS}}}case")
                _text(case, "ajbs", ajbs)
                if status is not None:
                    _text(case, "status", status)
        else:
            raise CourtRefusal(400, "E400", f"no operation {name!r}")
        return self._signed(answer)

    def fault(self, refusal: CourtRefusal) -> bytes:
        """A signed SOAP Fault: Client for a refused request, Server for the court's own failure."""
        fault = etree.Element(f"{{{SOAP}}}Fault")
        etree.SubElement(fault, "faultcode").text = f"soap:{'Server' if refusal.status >= 500 else 'Client'}"
        etree.SubElement(fault, "faultstring").text = refusal.message
        detail = etree.SubElement(etree.SubElement(fault, "detail"), f"{{{TNS}}}CourtFault", nsmap={"tns": TNS})
        _text(detail, "code", refusal.code)
        _text(detail, "message", refusal.message)
        return self._signed(fault)

    def _feed(self, feed: str, operation: Any, answer: Any) -> None:
        try:
            cursor = int(operation.findtext(f"{{{TNS}}}cursor") or "0")
            limit = int(operation.findtext(f"{{{TNS}}}limit") or "100")
        except ValueError:
            raise CourtRefusal(400, "E400", "cursor and limit must be integers") from None
        page = self.core.feed(feed, cursor, limit)
        _text(answer, "nextCursor", str(page["next_cursor"]))
        _items(answer, page["items"])

    def _submit(self, kind: str, operation: Any, answer: Any) -> None:
        message_id = _text_of(operation, _MESSAGE_ID)
        try:
            # the payload is text (xsd:string): read as text, whatever its declaration says
            (doc,) = from_resource(_text_of(operation, _PAYLOAD), what="the payload")
        except ValueError as exc:  # MalformedPayload, or not exactly one row
            raise CourtRefusal(400, "E400", f"malformed message: {exc}") from None
        if doc.get("xxlx") != kind:
            raise CourtRefusal(
                400, "E400", f"{etree.QName(operation).localname} carries {kind}, not {doc.get('xxlx')!r}"
            )
        if doc.get("xxbh") != message_id:  # the signed payload and the operation must name the same message
            raise CourtRefusal(400, "E400", f"messageId {message_id!r} does not name message {doc.get('xxbh')!r}")
        self.core.check_sent_time(doc)
        receipt = self.core.apply_message(message_id, kind, str(doc.get("ajbs", "")), doc.get("nr"))
        _text(answer, "code", receipt["code"])
        _text(answer, "message", receipt["message"])
        _text(answer, "messageId", receipt["xxbh"])
        _text(answer, "duplicate", "true" if receipt["duplicate"] else "false")
        _text(answer, "status", receipt["zt"])

    def _signed(self, content: Any) -> bytes:
        envelope = etree.Element(_ENVELOPE, nsmap={"soap": SOAP})
        etree.SubElement(envelope, _HEADER)
        etree.SubElement(envelope, _BODY).append(content)
        self._signer.sign(envelope)
        return bytes(etree.tostring(envelope, encoding="utf-8", xml_declaration=True))


def _items(answer: Any, items: list[dict[str, Any]]) -> None:
    """Feed items as the WSDL's FeedItem: seq, payload, and the court's signature headers."""
    for item in items:
        element = etree.SubElement(answer, f"{{{TNS}}}item")
        _text(element, "seq", str(item["seq"]))
        _text(element, "payload", item["body"])
        for name, value in item["headers"].items():
            header = etree.SubElement(element, f"{{{TNS}}}header")
            _text(header, "name", name)
            _text(header, "value", value)


def _operation(envelope: Any) -> tuple[Any, str]:
    """The element the envelope's (first) Body starts with and its local name; CourtRefusal if there is none or it
    is not in the court-exchange namespace. An element's tag is "{namespace}localname" (or "localname" in no
    namespace): read as text instead of through two etree.QName objects, which stay the path for anything else."""
    body = next(envelope.iterchildren(_BODY), None)
    operation = body[0] if body is not None and len(body) else None
    if operation is not None and isinstance(operation.tag, str) and operation.tag.startswith(_OPERATION):
        return operation, operation.tag[len(_OPERATION) :]
    if operation is None or etree.QName(operation).namespace != TNS:  # a comment or PI: QName raises, as it did
        raise CourtRefusal(400, "E400", "the SOAP Body holds no court-exchange operation")
    return operation, etree.QName(operation).localname


def _text_of(parent: Any, tag: str) -> str:
    """`parent.findtext(tag) or ""` for a plain tag."""
    child = next(parent.iterchildren(tag), None)
    return "" if child is None else (child.text or "")


def _text(parent: Any, name: str, value: str) -> None:
    etree.SubElement(parent, f"{{{TNS}}}{name}").text = value


_DATE: list[tuple[int, str]] = [(-1, "")]  # SoapHandler.date_time_string's second and its text


class SoapHandler(BaseCourtHandler):
    """The WebService and its WSDL; the control API as every sandbox court has it."""

    server: "SoapSandboxServer"
    platform_prefix = "/ws/"
    # An answer leaves in one write (one sendall, one TCP segment, one wake-up of the client): the status line and
    # headers, which the stdlib writes out as soon as they end, wait in this buffer for the envelope, and
    # handle_one_request flushes the two together once the answer is written (finish() flushes what a refused
    # request line leaves). Unbuffered, socketserver's default, every answer cost two. An answer larger than the
    # buffer (a long feed page) goes out in more writes, as before; the bytes on the wire are the same either way.
    wbufsize = 64 * 1024

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header's text as the stdlib writes it (email.utils.formatdate, GMT, whole seconds): the current
        second's text is kept (a tuple, replaced whole: safe between handler threads), not written for every answer.
        Within a microsecond of the next second the stdlib's rounding may already name that one: asked of it."""
        now = time.time() if timestamp is None else timestamp
        second = int(now)
        if timestamp is not None or now - second >= 0.999999:
            return super().date_time_string(now)
        kept = _DATE[0]
        if kept[0] != second:
            kept = _DATE[0] = (second, super().date_time_string(second))
        return kept[1]

    def handle_expect_100(self) -> bool:
        # A client that sent "Expect: 100-continue" holds its body back until it reads the interim answer: that
        # one must leave at once, not wait in the buffer for an answer that waits for the body.
        go_on = super().handle_expect_100()
        self.wfile.flush()
        return go_on

    def route(self, method: str, url: Any, body: bytes) -> dict[str, Any] | Raw:
        if url.path.startswith("/sandbox/"):
            return self.control(method, url.path, body)
        if method == "GET" and url.path == PATH and url.query.lower() == "wsdl":
            text = WSDL.read_text(encoding="utf-8").replace("http://127.0.0.1:8090/ws/exchange", self.server.endpoint)
            return Raw(text.encode("utf-8"), XML)
        if method == "POST" and url.path == PATH:
            return Raw(self.server.soap.call(body), XML)
        if url.path == PATH:
            raise CourtRefusal(405, "E405", f"{PATH} takes POST (SOAP) or GET ?wsdl")
        raise CourtRefusal(404, "E404", f"no route {method} {url.path}")

    def refuse(self, refusal: CourtRefusal) -> None:
        if self.path.startswith("/ws/") and self.command == "POST":  # SOAP 1.1: a fault travels with HTTP 500
            self.reply(500, Raw(self.server.soap.fault(refusal), XML, status=500))
        else:
            super().refuse(refusal)


class SoapSandboxServer(BaseSandboxServer):
    """The SOAP sandbox court's server: the WebService at PATH, the WSDL, and the shared control API."""

    handler = SoapHandler

    def __init__(self, soap: SoapCourt, host: str = "127.0.0.1", port: int = 0, token: str | None = None) -> None:
        self.soap = soap
        super().__init__(soap.core, host, port, token)

    @property
    def endpoint(self) -> str:
        return self.url + PATH
