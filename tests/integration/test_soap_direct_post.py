"""The SOAP transport's direct POST (connectors/direct_post.py) against requests' own path, on a scripted loopback
server: the same bytes on the wire, and for every kind of answer or failure the same status, headers, body, cookies
kept, or the same exception with the same described cause."""

import contextlib
import gzip
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import urllib3

from connectors import direct_post
from connectors.court_soap import _Refused, _Transport
from connectors.http import describe_failure
from tests.support.scripted_http import Script, Server, Tls, answer, chunked, serving, serving_tls

pytestmark = pytest.mark.integration

HEADERS = {"SOAPAction": '"urn:court-docking:exchange:v1/SubmitProgress"', "Content-Type": "text/xml; charset=utf-8"}
XML = b"<?xml version='1.0' encoding='utf-8'?>\n<soap:Envelope xmlns:soap='s'><soap:Body/></soap:Envelope>"
ZIPPED = gzip.compress(XML)
SCRIPTS = {
    "ok": Script(answer("200 OK", XML, "Content-Type: text/xml; charset=utf-8")),
    "fault_500": Script(answer("500 Internal Server Error", XML, "Content-Type: text/xml; charset=utf-8")),
    "throttled": Script(answer("429 Too Many Requests", b"{}", "Content-Type: application/json", "Retry-After: 7")),
    "redirect": Script(answer("302 Found", b"", "Location: http://127.0.0.1:1/elsewhere")),
    "gateway": Script(answer("502 Bad Gateway", b"<html>proxy</html>", "Content-Type: text/html")),
    "gzip": Script(answer("200 OK", ZIPPED, "Content-Type: text/xml", "Content-Encoding: gzip")),
    "chunked": Script(chunked(XML)),
    "cookie": Script(answer("200 OK", XML, "Content-Type: text/xml", "Set-Cookie: route=node-2; Path=/")),
    "oversized_declared": Script(answer("200 OK", b"x" * 3000, "Content-Type: text/xml")),
    "oversized_chunked": Script(chunked(b"y" * 3000)),
    "closing": Script(answer("200 OK", XML, "Content-Type: text/xml", "Connection: close"), close=True),
    "hang_up": Script(None, close=True),
    "reset": Script(None, reset=True),
    "reset_mid_answer": Script(answer("200 OK", b"{" * 500, "Content-Type: text/xml")[:-300], reset=True),
    "truncated": Script(answer("200 OK", XML, "Content-Type: text/xml")[:-20], close=True),
    "bad_gzip": Script(answer("200 OK", b"not gzip at all", "Content-Type: text/xml", "Content-Encoding: gzip")),
    "garbage_status": Script(b"SOAP/9 what\r\n\r\n", close=True),
    "timeout": Script(answer("200 OK", XML, "Content-Type: text/xml"), wait=1.5),
    # bodies of a declared length read in one call (direct_post._read), at and around its edges
    "empty": Script(answer("200 OK", b"", "Content-Type: text/xml")),
    "exactly_cap": Script(answer("200 OK", "调".encode() * 682 + b"xy", "Content-Type: text/xml; charset=utf-8")),
    "cap_plus_one": Script(answer("200 OK", "调".encode() * 682 + b"xyz", "Content-Type: text/xml")),
    "identity": Script(answer("200 OK", XML, "Content-Type: text/xml", "Content-Encoding: identity")),
    "length_and_chunked": Script(chunked(XML, "text/xml", "200 OK", "Content-Length: 5")),
    "longer_than_declared": Script(
        answer("200 OK", XML, "Content-Type: text/xml").replace(f"Length: {len(XML)}".encode(), b"Length: 40")
    ),
    "superscript_length": Script(  # not a length to int or urllib3: read to the close, as requests reads it
        answer("200 OK", XML, "Content-Type: text/xml").replace(
            f"Length: {len(XML)}".encode(), "Length: ²".encode("latin-1")
        ),
        close=True,
    ),
    "truncated_kept_open": Script(answer("200 OK", XML, "Content-Type: text/xml")[:-20]),  # a read timeout
    # the answer's headers as requests keeps them (repeated ones joined, spellings, order) and its encoding
    "repeated_headers": Script(
        answer("200 OK", XML, "content-type: text/xml", "X-Trace: a", "Server: s", "x-trace: b", "WARNING: 1, 2")
    ),
    "no_content_type": Script(answer("200 OK", XML, "Server: court")),
    "quoted_charset": Script(answer("200 OK", XML, 'Content-Type: application/soap+xml; charset="GB18030"')),
    "json_answer": Script(answer("200 OK", b"{}", "Content-Type: application/json")),
    "non_ascii_header": Script(answer("200 OK", XML, "Content-Type: text/xml; charset=utf-8", "X-Note: 调解 café")),
}
CAP = 2048


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with serving(SCRIPTS) as running:
        yield running


def _requests_path(session: requests.Session) -> requests.Session:
    """A response hook (doing nothing) sends every request through requests' own path."""
    session.hooks["response"].append(lambda response, *args, **kwargs: None)
    return session


def _outcome(server: Server, session: requests.Session, address: str) -> tuple[Any, ...]:
    """What the connector sees of one POST, twice on one transport (the second reuses the route and connection):
    status, headers that matter, body and the session's cookies, or the exception and its described cause."""
    transport = _Transport("court", session, (1.0, 0.5), lambda: datetime(2026, 12, 1, tzinfo=UTC), cap=CAP)
    seen: list[Any] = []
    for body in (XML, "调解 𠀋".encode() * 50):
        before = len(server.received)
        try:
            response = transport.post(address, body, HEADERS)
            seen.append(
                (
                    response.status_code,
                    response.content,
                    response.encoding,
                    {n: response.headers.get(n) for n in ("Content-Type", "Retry-After", "Location")},
                    [(n, v) for n, v in response.headers.items() if n.lower() != "date"],  # all, in order
                    (response.url, response.reason, type(response.headers).__name__),
                    sorted(session.cookies.items()),
                )
            )
        except _Refused as refused:
            seen.append((type(refused.error).__name__, str(refused.error), getattr(refused.error, "retry_after", None)))
        except requests.RequestException as exc:
            seen.append((type(exc).__name__, describe_failure(exc, address)))
        seen.append(server.received[before:])
    return tuple(seen)


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_the_direct_post_is_requests_own_on_the_wire_and_in_every_outcome(server: Server, script: str) -> None:
    """Same request bytes, and the same answer or the same failure, whatever the server does."""
    address = f"http://127.0.0.1:{server.port}/ws/{script}"
    direct, own = requests.Session(), _requests_path(requests.Session())
    transport = _Transport("court", direct, (1.0, 0.5), lambda: datetime.now(UTC))
    transport.post(f"http://127.0.0.1:{server.port}/ws/ok", XML, HEADERS)
    assert transport._routes, "a plain session takes the direct route"
    assert _outcome(server, direct, address) == _outcome(server, own, address)


@pytest.mark.parametrize(
    ("script", "in_one_call"),
    [
        *((name, True) for name in ("ok", "empty", "exactly_cap", "fault_500", "throttled")),
        *((name, False) for name in ("chunked", "gzip", "identity", "length_and_chunked")),
    ],
)
def test_a_body_of_declared_length_is_read_in_one_call(
    server: Server, script: str, in_one_call: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The equivalence above covers both ways of reading: here, which one each answer takes."""
    streamed: list[int] = []
    stream = urllib3.response.HTTPResponse.stream

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        streamed.append(1)
        return stream(self, *args, **kwargs)

    monkeypatch.setattr(urllib3.response.HTTPResponse, "stream", counted)
    transport = _Transport("court", requests.Session(), (1.0, 0.5), lambda: datetime.now(UTC), cap=CAP)
    with contextlib.suppress(_Refused):
        transport.post(f"http://127.0.0.1:{server.port}/ws/{script}", XML, HEADERS)
    assert transport._routes
    assert (not streamed) == in_one_call


def test_a_refused_connection_is_the_same_failure(server: Server) -> None:
    """Nothing listening: the same exception, described as refused."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    address = f"http://127.0.0.1:{closed.getsockname()[1]}/ws/ok"
    closed.close()
    direct, own = (
        _outcome(server, requests.Session(), address),
        _outcome(server, _requests_path(requests.Session()), address),
    )
    assert direct == own
    assert direct[0] == (
        "ConnectionError",
        ("refused", f"connection refused by 127.0.0.1:{address.split(':')[2].split('/')[0]}"),
    )


class _OwnAdapter(requests.adapters.HTTPAdapter):
    """An adapter of one's own (a subclass may send otherwise): never bypassed."""


CHANGES: dict[str, Callable[[requests.Session], object]] = {
    "cookie": lambda s: s.cookies.set("route", "node-1", domain="127.0.0.1", path="/"),
    "auth": lambda s: setattr(s, "auth", ("user", "secret")),
    "hook": lambda s: s.hooks["response"].append(lambda response, *args, **kwargs: None),
    "proxy": lambda s: s.proxies.update({"http": "http://127.0.0.1:9"}),
    "own_adapter": lambda s: s.mount("http://", _OwnAdapter()),
    # a caller's wrapper of send (logging, signing …) set on the session itself must run
    "own_send": lambda s: setattr(s, "send", lambda request, **kwargs: requests.Session.send(s, request, **kwargs)),
}


# The environment (proxies included) is read once per address, on either path: a proxy set later is not seen.
@pytest.mark.parametrize(
    ("change", "later"), [(name, False) for name in CHANGES] + [(n, True) for n in CHANGES if n != "proxy"]
)
def test_a_session_requests_would_treat_differently_takes_requests_path(
    server: Server, change: str, later: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cookies, auth, a response hook, a proxy, an adapter or a send of one's own, from the start or after the first
    POST: requests' own path carries the request, never the direct one."""
    session, address = requests.Session(), f"http://127.0.0.1:{server.port}/ws/ok"
    transport = _Transport("court", session, (1.0, 0.5), lambda: datetime.now(UTC))
    direct: list[bytes] = []
    original = direct_post.post

    def counted(*args: Any, **kwargs: Any) -> Any:
        answer = original(*args, **kwargs)  # Reroute when it finds the session changed: not sent this way
        direct.append(args[2])
        return answer

    monkeypatch.setattr(direct_post, "post", counted)
    if later:
        transport.post(address, XML, HEADERS)
        assert len(direct) == 1, "a plain session's POST goes the direct way"
    CHANGES[change](session)
    with contextlib.suppress(requests.RequestException):  # the proxy is not there: the path taken is what matters
        transport.post(address, XML, HEADERS)
    assert len(direct) == (1 if later else 0)


class _WrappingSession(requests.Session):
    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.wrapped = getattr(self, "wrapped", 0) + 1
        return super().send(request, **kwargs)


def test_a_session_subclass_with_its_own_send_has_it_run(server: Server) -> None:
    session = _WrappingSession()
    transport = _Transport("court", session, (1.0, 0.5), lambda: datetime.now(UTC))
    transport.post(f"http://127.0.0.1:{server.port}/ws/ok", XML, HEADERS)
    assert session.wrapped == 1


def test_a_closed_pool_is_reopened(server: Server) -> None:
    """The adapter closed (its pools cleared): the next POST still goes out, then the direct route again."""
    session = requests.Session()
    transport = _Transport("court", session, (1.0, 0.5), lambda: datetime.now(UTC))
    address = f"http://127.0.0.1:{server.port}/ws/ok"
    assert transport.post(address, XML, HEADERS).status_code == 200
    session.close()
    for _ in range(2):
        assert transport.post(address, XML, HEADERS).content == XML
    assert all(route is not None and route.pool.pool is not None for route in transport._routes.values())
    assert isinstance(next(iter(transport._routes.values())), direct_post.Route)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tls]:
    with serving_tls(SCRIPTS, tmp_path_factory.mktemp("tls")) as running:
        yield running


@pytest.mark.parametrize("with_client_certificate", [True, False])
def test_over_mutual_tls_the_direct_post_is_requests_own(tls: Tls, with_client_certificate: bool) -> None:
    """HTTPS to a court demanding our client certificate: the same answer with it, the same failure without."""
    server, ca, client = tls.server, tls.ca, tls.client

    def session(own: bool) -> requests.Session:
        made = _requests_path(requests.Session()) if own else requests.Session()
        made.verify = ca
        made.cert = client if with_client_certificate else None
        return made

    address = f"https://127.0.0.1:{server.port}/ws/ok"
    direct = requests.Session()
    direct.verify, direct.cert = ca, client
    transport = _Transport("court", direct, (1.0, 2.0), lambda: datetime.now(UTC))
    assert transport.post(address, XML, HEADERS).content == XML
    assert all(route is not None for route in transport._routes.values()), "HTTPS takes the direct route too"
    direct_outcome, own_outcome = (
        _outcome(server, session(own=False), address),
        _outcome(server, session(own=True), address),
    )
    if not with_client_certificate:  # TLS 1.3 reports the refusal after the handshake: an alert, or a reset, racing
        direct_outcome, own_outcome = _causes_only(direct_outcome), _causes_only(own_outcome)
        assert direct_outcome[0] == ("SSLError", "tls")
    assert direct_outcome == own_outcome


def _causes_only(outcome: tuple[Any, ...]) -> tuple[Any, ...]:
    """An outcome's failures as (exception, cause): the detail of a raced TLS refusal left out."""
    return tuple((seen[0], seen[1][0]) if isinstance(seen, tuple) and len(seen) == 2 else seen for seen in outcome)
