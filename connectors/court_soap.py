"""Connector for SOAP court platforms ("court-soap"), over zeep; its twin is mappings/court_soap.py.

The WSDL (connectors/wsdl/court_exchange.wsdl) ships with the adapter and is never fetched at run time; the
endpoint comes from configuration. Every request is signed with WS-Security and every answer — faults too — must
carry the court's valid signature (signing/wsse/). zeep parses with DTDs, entities and external
references forbidden, and answers are read at most MAX_RESPONSE_BYTES. Failures are translated once, here:
a SOAP Client fault → RejectedError (its CourtFault code); the court's signed refusal of our WS-Security (a wsse:
fault code per WSS 1.1 §12, or its CourtFault E401/E403: our certificate not trusted, our clock off) →
CredentialsRefused; a Server fault, any HTTP error answered without a signed envelope (it is not the court's word:
a proxy, a gateway, throttling), a redirect, a timeout, a broken connection, an unsigned answer → TransientError; an
answer past the read cap or not well-formed XML (e.g. one item's bytes not UTF-8, a character XML 1.0 forbids) →
UnreadableAnswer, its TransientError kind (a feed page is then asked for in smaller pages: XML cannot isolate one
bad item in a signed page); a message that cannot be written as XML → RejectedError.

Threads: delivery calls `send` from up to max_in_flight threads at once (adapter/outbox/flight.py), on one
connector. Each call has its own keep-alive connection from the session's pool (sized max_in_flight + 2 by
scheduler/runtime.py), its own lxml trees (built or parsed per call, never shared) and its own last exchange
(`sent`, thread-local). What the calls share is read-only or safe to share: the zeep client and its WSDL objects
(its setting overrides are thread-local), the key objects of the signer and verifier, the session's cookie jar
(locked by http.cookiejar) and the transport's per-address caches (a race fills one twice, with the same value).
"""

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import requests
import zeep
from lxml import etree
from zeep import plugins
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import Fault, XMLSyntaxError
from zeep.plugins import HistoryPlugin
from zeep.transports import Transport

from connectors import direct_post
from connectors.http import MAX_RESPONSE_BYTES, describe_failure, read_capped, retry_after
from connectors.item_decoders import CourtItemDecoder
from connectors.port import (
    CasePage,
    CredentialsRefused,
    Feed,
    FeedPage,
    ListedCase,
    RawInbound,
    Receipt,
    RejectedError,
    Throttled,
    TransientError,
    UnreadableAnswer,
    Wire,
)
from connectors.soap_reply import ReplyReader
from connectors.soap_submit import headers, submission
from connectors.soap_submit import receipt as read_receipt
from mappings import court_soap
from mappings.codes import CodeTables
from mappings.times import DEFAULT_FORM, TimestampForm
from reference.errors import UnknownCode
from schemas.enums import CourtStatus, MessageType
from schemas.envelope import Envelope
from signing.errors import SignatureInvalid
from signing.wsse import WsseSigner, WsseVerifier

TNS = "urn:court-docking:exchange:v1"
WSDL = resources.files("connectors").joinpath("wsdl/court_exchange.wsdl")
OPERATIONS = {
    MessageType.PROGRESS: "SubmitProgress",
    MessageType.OUTCOME: "SubmitOutcome",
    MessageType.AGREEMENT: "SubmitAgreement",
    MessageType.JC_APPLICATION: "SubmitApplication",
    MessageType.CLOSURE: "SubmitClosure",
}
FEED_OPERATIONS = {Feed.DISPATCHES: "FetchDispatches", Feed.DECISIONS: "FetchRulings"}


class _Refused(Exception):
    """Raised inside zeep's transport; carries our error out through zeep unchanged."""

    def __init__(self, error: TransientError | RejectedError) -> None:  # UnreadableAnswer is a TransientError
        self.error = error


class _Transport(Transport):
    """zeep's transport, reading answers at most MAX_RESPONSE_BYTES, never following a redirect (it would re-post
    the signed envelope, and our client certificate, elsewhere), and answering HTTP errors that carry no SOAP
    envelope itself, so Retry-After is not lost. Each POST goes through the session's own urllib3 pool directly
    (connectors/direct_post.py: requests' bytes, answers and errors, without its per-request layers), or through
    requests whole where the session needs that (cookies, auth, hooks, a proxy, an adapter of its own)."""

    def __init__(
        self,
        platform: str,
        session: requests.Session,
        timeout: tuple[float, float],
        clock: Callable[[], datetime],
        cap: int = MAX_RESPONSE_BYTES,
    ) -> None:
        super().__init__(session=session, timeout=timeout[1], operation_timeout=timeout)
        self._platform, self._clock, self._cap = platform, clock, cap
        self.sent = threading.local()  # this thread's last exchange (`wire`), for the evidence bundle
        self._environment: dict[str, dict[str, Any]] = {}
        self._templates: dict[tuple[str, ...], requests.PreparedRequest] = {}  # see _prepare
        self._routes: dict[tuple[str, ...], direct_post.Route | None] = {}  # see _route

    def post(self, address: str, message: Any, headers: dict[str, str]) -> requests.Response:
        # What session.post would do, except that the environment (proxy variables, REQUESTS_CA_BUNDLE) is read
        # once per address, not on every request: requests walks all of os.environ each time, a tenth of a
        # millisecond a message. verify and cert explicit: REQUESTS_CA_BUNDLE must not override a configured bundle.
        if address not in self._environment:
            self._environment[address] = dict(
                self.session.merge_environment_settings(address, {}, True, self.session.verify, self.session.cert)
            )
        environment = self._environment[address]
        route = self._route(address, message, headers, environment)
        try:
            if route is None:
                raise direct_post.Reroute
            response, content = direct_post.post(self.session, route, message, self.operation_timeout, self._cap)
        except direct_post.Reroute:
            prepared = self._prepare(address, message, headers)
            response = self.session.send(prepared, timeout=self.operation_timeout, allow_redirects=False, **environment)
            content = read_capped(response, self._cap)
        if content is None:
            raise _Refused(UnreadableAnswer(self._platform, "oversized", f"answer exceeds {self._cap} bytes"))
        response._content = content
        body = message if isinstance(message, bytes) else str(message).encode()
        self.sent.wire = Wire("POST", address, dict(headers), body, response.status_code, content)
        is_xml = "xml" in response.headers.get("Content-Type", "")
        status = response.status_code
        if status >= 300 and not (status == 500 and is_xml):  # 500 with XML: a SOAP Fault, checked by zeep
            wait = retry_after(response.headers.get("Retry-After"), now=self._clock())
            kind = Throttled if status == 429 else TransientError  # 429: slow down (adapter/platforms/throttle.py)
            raise _Refused(kind(self._platform, f"HTTP {status} without a SOAP answer", retry_after=wait))
        return response

    def _route(
        self, address: str, message: Any, headers: dict[str, str], environment: dict[str, Any]
    ) -> direct_post.Route | None:
        """Where the POST goes through the session's urllib3 pool directly (connectors/direct_post.py): kept per
        address and headers, as the template it is made from; None for requests' own path (a body that is not
        bytes or is empty, a session with cookies, auth or hooks, a proxy, an adapter not requests' own)."""
        if not isinstance(message, bytes) or not message or not direct_post.plain(self.session):
            return None
        key = (address, *(f"{name}: {value}" for name, value in headers.items()))
        route = self._routes.get(key, _NEW)
        if route is _NEW or (route is not None and route.pool.pool is None):  # new, or its pool closed
            route = self._routes[key] = direct_post.route(
                self.session, self._prepare(address, b"", headers), environment
            )
        return route

    def _prepare(self, address: str, message: Any, headers: dict[str, str]) -> requests.PreparedRequest:
        """The request as session.prepare_request would make it. Its URL and merged headers are prepared once per
        address and headers (a Submit's are the same every time: a tenth of a millisecond of requests' merging
        and URL parsing each), then copied with this body and its Content-Length. A session holding cookies (a
        court's load balancer may set one) or auth takes requests' own path, which merges them per request."""
        if self.session.cookies or self.session.auth is not None:
            return self.session.prepare_request(requests.Request("POST", address, data=message, headers=headers))
        key = (address, *(f"{name}: {value}" for name, value in headers.items()))
        template = self._templates.get(key)
        if template is None:  # a race here only prepares the same template twice
            template = self.session.prepare_request(requests.Request("POST", address, headers=headers))
            self._templates[key] = template
        prepared = template.copy()  # its headers and (empty) cookie jar copied: requests keeps and changes both
        prepared.prepare_body(message, None)
        return prepared


_NEW: Any = object()  # not yet routed (a route may be None: requests' path)


class _Wsse:
    """zeep's WS-Security hook: sign what leaves, verify what arrives."""

    def __init__(self, signer: WsseSigner, verifier: WsseVerifier) -> None:
        self._signer, self._verifier = signer, verifier

    def apply(self, envelope: Any, headers: dict[str, str]) -> tuple[Any, dict[str, str]]:
        self._signer.sign(envelope)
        return envelope, headers

    def verify(self, envelope: Any) -> Any:
        self._verifier.verify(envelope)
        return envelope


class CourtSoapPlatform:
    """One SOAP court platform. Everything it needs comes through the constructor; it reads no globals."""

    transport = "soap"

    def __init__(
        self,
        name: str,
        endpoint: str,
        signer: WsseSigner,
        verifier: WsseVerifier,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (3.05, 10.0),
        debug: bool = False,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        timestamps: TimestampForm = DEFAULT_FORM,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self.name = name
        self.timestamps = timestamps  # the form of every time in this court's messages, both ways
        self._items = CourtItemDecoder(name, "soap", timestamps)  # what a check process decodes with too
        # Opt-in: the last envelopes in and out, for an engineer chasing a court's complaint. Off by default, since
        # they hold personal data.
        self.history: HistoryPlugin | None = HistoryPlugin(maxlen=10) if debug else None
        settings = zeep.Settings(
            strict=True, xml_huge_tree=False, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        self._transport = _Transport(name, session or requests.Session(), timeout, clock, max_response_bytes)
        self._wsse = _Wsse(signer, verifier)
        client = zeep.Client(
            str(WSDL),
            transport=self._transport,
            settings=settings,
            wsse=self._wsse,
            plugins=[self.history] if self.history else [],
        )
        self._service = client.create_service(f"{{{TNS}}}CourtExchangeBinding", endpoint)
        self._endpoint, self._client = endpoint, client
        self._binding: Any = client.wsdl.bindings[f"{{{TNS}}}CourtExchangeBinding"]  # a Soap11Binding
        self._replies = ReplyReader(client, self._binding)

    # ---- the port

    def fetch(self, feed: Feed, cursor: str, limit: int) -> FeedPage:
        page = self._call(FEED_OPERATIONS[feed], cursor=cursor or "0", limit=limit)
        if page is None or not getattr(page, "nextCursor", None):
            # The page itself is broken (not one item): nothing can be kept per message, so retry the page later.
            raise TransientError(self.name, f"{FEED_OPERATIONS[feed]} answer lacks nextCursor")
        return FeedPage(items=_raw_items(page.item), next_cursor=str(page.nextCursor))

    def decode(self, item: RawInbound) -> Envelope:
        return self._items.decode(item)

    def send(self, envelope: Envelope) -> Receipt:
        operation = OPERATIONS.get(envelope.type)
        if operation is None:
            raise RejectedError(self.name, "unsupported", f"{envelope.type} is not a message the centre sends")
        try:
            payload = court_soap.encode(envelope, self.timestamps).decode("utf-8")
        except ValueError as exc:  # e.g. a control character in free text: XML 1.0 cannot carry it
            raise RejectedError(self.name, "unencodable", f"the message cannot be written as XML: {exc}") from None
        self._transport.sent.wire = None
        receipt = self._guarded(operation, lambda: self._submit(operation, envelope.message_id, payload))
        if receipt is None or not hasattr(receipt, "code") or not hasattr(receipt, "messageId"):
            raise TransientError(self.name, f"{operation} answered without a receipt")
        if str(receipt.code) != "0":
            raise RejectedError(self.name, str(receipt.code), f"answered without success: {receipt.message}"[:300])
        if receipt.messageId != envelope.message_id:
            raise TransientError(self.name, f"receipt names {receipt.messageId!r}, not {envelope.message_id!r}")
        wire = self._transport.sent.wire  # the signed envelope as posted (its WS-Security signature inside)
        return Receipt(message_id=envelope.message_id, duplicate=bool(receipt.duplicate), wire=wire)

    def query_status(self, platform_case_ids: Sequence[str]) -> dict[str, CourtStatus | None]:
        answer = self._call("QueryCaseStatus", ajbs=list(platform_case_ids))
        known = {case.ajbs: case.status for case in (answer or [])}
        omitted = [i for i in platform_case_ids if i not in known]
        if omitted:  # "unknown" is a <case> without a status, never an absent one: absence would trigger re-sends
            raise TransientError(self.name, f"status answer omits {len(omitted)} of the cases asked about")
        try:
            return {i: court_soap.decode_status(self.name, known.get(i)) for i in platform_case_ids}
        except UnknownCode as exc:
            raise TransientError(self.name, f"status answer is not understood: {exc}") from exc

    def list_cases(self, cursor: str, limit: int) -> CasePage:
        page = self._call("ListCases", cursor=cursor, limit=limit)
        if page is None or not hasattr(page, "nextCursor"):
            raise TransientError(self.name, "ListCases answer lacks nextCursor")
        try:
            listed = [(str(c.ajbs), court_soap.decode_status(self.name, str(c.status))) for c in page.case or []]
        except (UnknownCode, ValueError) as exc:
            raise TransientError(self.name, f"case list is not understood: {exc}") from exc
        cases = [ListedCase(i, s) for i, s in listed if s is not None]
        return CasePage(cases=cases, next_cursor=str(page.nextCursor or ""))

    def fetch_case(self, platform_case_id: str) -> Sequence[RawInbound]:
        return _raw_items(self._call("FetchCase", ajbs=platform_case_id))

    def code_lists(self) -> dict[str, list[str]]:
        """The code tables the court publishes (FetchCodeLists), for `docking mappings check`."""
        answer = self._call("FetchCodeLists")
        tables = getattr(answer, "table", None) if answer is not None else None
        if answer is None or not hasattr(answer, "version"):
            raise TransientError(self.name, "FetchCodeLists answer lacks its version")
        return {str(t.name): [str(code) for code in (t.code or [])] for t in (tables or [])}

    def code_tables(self) -> CodeTables:
        """Our code tables for this court, which `code_lists` is compared with (PublishesCodeLists)."""
        return court_soap.tables(self.name, self.timestamps)

    # ---- the one place transport failures are translated

    def _submit(self, operation: str, message_id: str, payload: str) -> Any:
        """A Submit operation as zeep would make it, minus its object layer: the request built directly
        (connectors/soap_submit.py), handed to the plugins (the debug history), signed, posted through the same
        transport; the answer read as zeep reads it for every operation (parse limits, WS-Security verification,
        faults, the Receipt's shape), its parser kept per thread (connectors/soap_reply.py)."""
        bound = self._binding.get(operation)
        request, http_headers = plugins.apply_egress(
            self._client,
            submission(operation, message_id, payload),
            headers(bound.soapaction),
            bound,
            {"address": self._endpoint},
        )
        request, http_headers = self._wsse.apply(request, http_headers)
        response = self._transport.post_xml(self._endpoint, request, http_headers)
        return self._replies.process_reply(_ReadReceipt(bound), response)

    def _call(self, operation: str, **arguments: Any) -> Any:
        return self._guarded(operation, lambda: getattr(self._service, operation)(**arguments))

    def _guarded(self, operation: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except _Refused as refused:
            raise refused.error from None
        except Fault as fault:
            code, detail = _court_fault(fault)
            if _credentials_fault(fault, code):
                raise CredentialsRefused(self.name, code, f"{operation}: {detail}") from None
            if _transient_fault(fault, code):
                raise TransientError(self.name, f"{operation}: court fault {code}: {detail}") from None
            raise RejectedError(self.name, code, f"{operation}: {detail}") from None
        except SignatureInvalid as exc:
            # the detail names what failed (the Timestamp, a certificate not configured …): what an operator needs
            raise TransientError(self.name, f"{operation}: answer refused, WS-Security {exc}") from None
        except requests.RequestException as exc:
            cause, what = describe_failure(exc, self._endpoint)
            raise TransientError(self.name, f"{operation}: {what}", cause=cause) from None
        except (etree.XMLSyntaxError, XMLSyntaxError) as exc:  # not well-formed: the same request, the same answer
            raise UnreadableAnswer(
                self.name, "unparseable", f"{operation}: answer is not well-formed XML: {str(exc)[:200]}"
            ) from None
        except (ZeepError, ValueError) as exc:  # DTD/entities, wrong shape
            raise TransientError(self.name, f"{operation}: answer refused: {type(exc).__name__}") from None


class _ReadReceipt:
    """A Submit operation as zeep's binding sees it, but for the last step: zeep parses the answer (its limits),
    verifies its WS-Security signature and raises its faults; the verified Receipt is then read directly
    (connectors/soap_submit.py), not through zeep's XSD objects."""

    def __init__(self, operation: Any) -> None:
        self._operation = operation

    def __getattr__(self, name: str) -> Any:
        return getattr(self._operation, name)

    def process_reply(self, envelope: Any) -> Any:
        return read_receipt(envelope, self._operation.name)


def _raw_items(items: Any) -> list[RawInbound]:
    """FeedItems (a feed page's, or one case's) as raw bytes and the court's signature headers, unverified. The
    payload is text (xsd:string), kept as its UTF-8 bytes — what the court's item signature covers — and read back
    as that text by mappings/court_soap.py, whatever encoding its own XML declaration names."""
    return [
        RawInbound(
            body=(item.payload or "").encode("utf-8"),
            headers={h.name: h.value for h in (item.header or []) if h.name and h.value is not None},
            position=str(item.seq or ""),
        )
        for item in (items or [])
    ]


def _court_fault(fault: Fault) -> tuple[str, str]:
    detail = fault.detail if etree.iselement(fault.detail) else None  # zeep gives bytes for a non-Fault answer
    code = detail.findtext(f".//{{{TNS}}}code") if detail is not None else None
    message = detail.findtext(f".//{{{TNS}}}message") if detail is not None else None
    return code or "fault", (message or str(fault.message))[:500]


TRANSIENT_CODES = {"E429", "E500", "E503"}  # the court's own capacity troubles
CREDENTIAL_CODES = {"E401", "E403"}  # the court's own word for "not authenticated" / "not allowed"


def _credentials_fault(fault: Fault, code: str) -> bool:
    """The court (its answer verified as signed) refuses our WS-Security: a wsse: fault code (WSS 1.1 §12:
    FailedAuthentication, InvalidSecurityToken, FailedCheck, MessageExpired, …) or its E401/E403. Every request
    would meet the same answer: an operator's fix, never a reason to kill a message."""
    prefix, _, _ = str(fault.code or "").rpartition(":")
    return prefix.lower() == "wsse" or code in CREDENTIAL_CODES


def _transient_fault(fault: Fault, code: str) -> bool:
    """Server faults and anything not a proper court fault are worth retrying."""
    _, _, local = str(fault.code or "").rpartition(":")
    return local == "Server" or code in TRANSIENT_CODES or code == "fault"
