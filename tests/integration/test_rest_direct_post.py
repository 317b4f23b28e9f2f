"""The REST client's direct requests (connectors/rest_exchange.py over connectors/direct_post.py) against requests'
own path, on a scripted loopback server: the same bytes on the wire, and for every kind of answer or failure the
same receipt or feed page, or the same connector error (type, words, cause, Retry-After), and the same cookies."""

import contextlib
import gzip
import itertools
import json
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from connectors import direct_post, rest_client
from connectors.odr_rest import OdrRestPlatform
from connectors.port import ConnectorError, Feed
from schemas.envelope import Envelope
from signing.jws import JwsSigner
from tests.support import samples
from tests.support.scripted_http import Script, Server, Tls, answer, chunked, serving, serving_tls

pytestmark = pytest.mark.integration

MESSAGE_ID = "M-direct-1"
JSON = "Content-Type: application/json; charset=utf-8"
RECEIPT = json.dumps({"code": "0", "xxbh": MESSAGE_ID, "duplicate": False}, ensure_ascii=False).encode()
PAGE = json.dumps({"items": [{"seq": 7, "body": '{"a":"调解"}', "headers": {"X-Sig": "s"}}], "next_cursor": 8}).encode()
OK = RECEIPT[:-1] + b', "items": [], "next_cursor": "9"}'  # a receipt and an empty feed page at once
SCRIPTS = {
    "ok": Script(answer("200 OK", OK, JSON)),
    "page": Script(answer("200 OK", PAGE, JSON)),
    "business_error": Script(answer("200 OK", b'{"code": "E17", "message": "\xe6\xa1\x88 closed"}', JSON)),
    "other_message": Script(answer("200 OK", b'{"code": "0", "xxbh": "M-2"}', JSON)),
    "rejected": Script(answer("400 Bad Request", b'{"code": "E400", "message": "bad field"}', JSON)),
    "unauthorized": Script(answer("401 Unauthorized", b'{"code": "E401", "message": "unknown_key"}', JSON)),
    "forbidden_html": Script(answer("403 Forbidden", b"<html>firewall</html>", "Content-Type: text/html")),
    "throttled": Script(answer("429 Too Many Requests", b"{}", JSON, "Retry-After: 7")),
    "unavailable": Script(answer("503 Service Unavailable", b"down", "Retry-After: Tue, 01 Dec 2026 00:01:00 GMT")),
    "redirect": Script(answer("302 Found", b"", "Location: http://127.0.0.1:1/elsewhere")),
    "redirect_relative": Script(answer("301 Moved Permanently", b"moved", "Location: /elsewhere?x=1")),
    "redirect_307_chunked": Script(chunked(b"z" * 100, "text/plain", "307 Temporary Redirect", "Location: /there")),
    "redirect_oversized": Script(chunked(b"r" * 3000, "text/plain", "302 Found", "Location: /there")),
    "redirect_bad_location": Script(answer("302 Found", b"", "Location: http://[::1")),
    "redirect_without_location": Script(answer("302 Found", b"{}", JSON)),
    "gzip": Script(answer("200 OK", gzip.compress(OK), JSON, "Content-Encoding: gzip")),
    "chunked": Script(chunked(OK, "application/json")),
    "cookie": Script(answer("200 OK", OK, JSON, "Set-Cookie: route=node-2; Path=/")),
    "oversized_declared": Script(answer("200 OK", b"x" * 3000, JSON)),
    "oversized_chunked": Script(chunked(b"y" * 3000, "application/json")),
    "not_json": Script(answer("200 OK", b"<html>ok</html>", "Content-Type: text/html")),
    "not_utf8": Script(answer("200 OK", b'{"code": "0", "xxbh": "\xff\xfe", "items": [], "next_cursor": 1}', JSON)),
    "utf16": Script(answer("200 OK", OK.decode().encode("utf-16"), JSON)),
    "empty": Script(answer("200 OK", b"", JSON)),
    "no_content": Script(b"HTTP/1.1 204 No Content\r\n\r\n"),
    "closing": Script(answer("200 OK", OK, JSON, "Connection: close"), close=True),
    "hang_up": Script(None, close=True),
    "reset": Script(None, reset=True),
    "reset_mid_answer": Script(answer("200 OK", b"{" * 500, "Content-Type: text/xml")[:-300], reset=True),
    "truncated": Script(answer("200 OK", OK, JSON)[:-20], close=True),
    "bad_gzip": Script(answer("200 OK", b"not gzip at all", JSON, "Content-Encoding: gzip")),
    "garbage_status": Script(b"REST/9 what\r\n\r\n", close=True),
    "timeout": Script(answer("200 OK", OK, JSON), wait=1.5),
}
CAP = 2048
AT = datetime(2026, 12, 1, tzinfo=UTC)
SIGNER = JwsSigner(Ed25519PrivateKey.from_private_bytes(bytes(range(32))), "centre-2026-01")  # deterministic


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with serving(SCRIPTS) as running:
        yield running


@pytest.fixture(scope="module")
def envelope() -> Envelope:
    return samples.accepted("(2026)京0105民调123号", MESSAGE_ID)


def _requests_path(session: requests.Session) -> requests.Session:
    """A response hook (doing nothing) sends every request through requests' own path."""
    session.hooks["response"].append(lambda response, *args, **kwargs: None)
    return session


def _connector(session: requests.Session, base: str) -> OdrRestPlatform:
    return OdrRestPlatform(
        "court", base, SIGNER, session=session, timeout=(1.0, 0.5), clock=lambda: AT, max_response_bytes=CAP
    )


def _count_nonces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nonces counted from 0 from now on, so that both paths sign the same bytes."""
    counter = itertools.count()
    monkeypatch.setattr(rest_client.secrets, "token_hex", lambda size: f"{next(counter):0{2 * size}x}")


def _outcome(
    server: Server, session: requests.Session, base: str, envelope: Envelope, monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, ...]:
    """What the connector makes of a send, a feed page and a send again on one connector (the last reuses the route
    and the connection): the receipt or page, or the error and what it carries; the bytes the server received,
    and the session's cookies."""
    _count_nonces(monkeypatch)
    connector = _connector(session, base)
    calls: list[Callable[[], Any]] = [
        lambda: connector.send(envelope),
        lambda: connector.fetch(Feed.DISPATCHES, "5", 2),
        lambda: connector.send(envelope),
    ]
    seen: list[Any] = []
    for call in calls:
        before = len(server.received)
        try:
            seen.append(call())
        except ConnectorError as error:
            seen.append(
                (type(error).__name__, str(error), *(getattr(error, a, None) for a in ("cause", "retry_after", "code")))
            )
        except Exception as error:  # what requests lets through (a Location urllib cannot parse): the same, raw
            seen.append((type(error).__name__, str(error)))
        seen.append((server.received[before:], sorted(session.cookies.items())))
    return tuple(seen)


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_the_direct_request_is_requests_own_on_the_wire_and_in_every_outcome(
    server: Server, script: str, envelope: Envelope, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same request bytes, and the same receipt, page or error, whatever the server does."""
    base = f"http://127.0.0.1:{server.port}/{script}"
    direct = _outcome(server, requests.Session(), base, envelope, monkeypatch)
    own = _outcome(server, _requests_path(requests.Session()), base, envelope, monkeypatch)
    assert direct == own


def test_a_plain_session_takes_the_direct_route_for_posts_and_gets(server: Server, envelope: Envelope) -> None:
    """The equivalence above compares the direct way, not requests' twice: both methods are routed."""
    connector = _connector(requests.Session(), f"http://127.0.0.1:{server.port}/ok")
    connector.send(envelope)
    connector.fetch(Feed.DISPATCHES, "5", 2)
    routes = connector._exchange._routes
    assert {method for method, _ in routes} == {"GET", "POST"}
    assert all(isinstance(route, direct_post.Route) for route in routes.values())


@pytest.mark.parametrize("message_id", ["M-直连-1", " M-1", "M-1é"])
def test_a_message_id_no_header_can_carry_fails_alike(
    server: Server, message_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An id http.client cannot write as Latin-1, or that requests refuses as a header value: the same error."""
    envelope = samples.accepted("(2026)京0105民调123号", message_id)
    base = f"http://127.0.0.1:{server.port}/ok"
    direct = _outcome(server, requests.Session(), base, envelope, monkeypatch)
    assert direct == _outcome(server, _requests_path(requests.Session()), base, envelope, monkeypatch)


def test_a_refused_connection_is_the_same_failure(envelope: Envelope, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing listening: the same error, described as refused."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with serving(SCRIPTS) as server:
        base = f"http://127.0.0.1:{port}/ok"
        direct = _outcome(server, requests.Session(), base, envelope, monkeypatch)
        assert direct == _outcome(server, _requests_path(requests.Session()), base, envelope, monkeypatch)
    assert direct[0][0] == "TransientError" and direct[0][2] == "refused"


class _OwnAdapter(requests.adapters.HTTPAdapter):
    """An adapter of one's own (a subclass may send otherwise): never bypassed."""


CHANGES: dict[str, Callable[[requests.Session], object]] = {
    "cookie": lambda s: s.cookies.set("route", "node-1", domain="127.0.0.1", path="/"),
    "auth": lambda s: setattr(s, "auth", ("user", "secret")),
    "params": lambda s: s.params.update({"tenant": "7"}),
    "hook": lambda s: s.hooks["response"].append(lambda response, *args, **kwargs: None),
    "proxy": lambda s: s.proxies.update({"http": "http://127.0.0.1:9"}),
    "own_adapter": lambda s: s.mount("http://", _OwnAdapter()),
    "own_send": lambda s: setattr(s, "send", lambda request, **kwargs: requests.Session.send(s, request, **kwargs)),
    "a_default_header": lambda s: s.headers.update({"X-Tenant": "7"}),
    "a_default_header_removed": lambda s: s.headers.pop("Accept"),
    "a_default_header_none": lambda s: s.headers.update({"Accept-Encoding": None}),
    "verify": lambda s: setattr(s, "verify", False),
}


@pytest.mark.parametrize(("change", "later"), [(name, later) for name in CHANGES for later in (False, True)])
def test_a_session_changed_sends_what_requests_would_send(
    server: Server, envelope: Envelope, change: str, later: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cookies, auth, params, a hook, a proxy, an adapter or a send of one's own, other default headers or verify,
    from the start or after the first request: the same bytes (or the same failure) as requests' path."""

    def run(session: requests.Session) -> tuple[Any, ...]:
        _count_nonces(monkeypatch)
        connector = _connector(session, f"http://127.0.0.1:{server.port}/ok")
        seen: list[Any] = []
        if later:
            seen.append(connector.send(envelope))
        CHANGES[change](session)
        before = len(server.received)
        with contextlib.suppress(ConnectorError):  # the proxy is not there: what was sent, if anything, matters
            seen.append(connector.send(envelope))
        return (*seen, server.received[before:])

    assert run(requests.Session()) == run(_requests_path(requests.Session()))


def test_a_wrapped_send_on_a_subclass_runs(server: Server, envelope: Envelope) -> None:
    class Wrapping(requests.Session):
        wrapped = 0

        def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
            self.wrapped += 1
            return super().send(request, **kwargs)

    session = Wrapping()
    _connector(session, f"http://127.0.0.1:{server.port}/ok").send(envelope)
    assert session.wrapped == 1


def test_a_closed_pool_is_reopened(server: Server, envelope: Envelope) -> None:
    """The adapter closed (its pools cleared): the next request still goes out, then the direct route again."""
    session = requests.Session()
    connector = _connector(session, f"http://127.0.0.1:{server.port}/ok")
    connector.send(envelope)
    session.close()
    for _ in range(2):
        assert connector.send(envelope).message_id == MESSAGE_ID
    assert all(route is not None and route.pool.pool is not None for route in connector._exchange._routes.values())


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tls]:
    with serving_tls(SCRIPTS, tmp_path_factory.mktemp("tls")) as running:
        yield running


@pytest.mark.parametrize("how", ["session_bundle", "client_certificate_missing", "environment_bundle", "no_bundle"])
def test_over_mutual_tls_the_direct_request_is_requests_own(
    tls: Tls, how: str, envelope: Envelope, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTPS to a court demanding our client certificate: the same answer with it, the same failure without it or
    without the court's CA; a session verifying by default takes REQUESTS_CA_BUNDLE as requests does."""
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    if how == "environment_bundle":
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", tls.ca)

    def session(own: bool) -> requests.Session:
        made = _requests_path(requests.Session()) if own else requests.Session()
        made.verify = tls.ca if how in ("session_bundle", "client_certificate_missing") else True
        made.cert = None if how == "client_certificate_missing" else tls.client
        return made

    base = f"https://127.0.0.1:{tls.server.port}/ok"
    direct, own = (_outcome(tls.server, session(o), base, envelope, monkeypatch) for o in (False, True))
    if how == "client_certificate_missing":  # TLS 1.3 reports the refusal after the handshake: alert or reset, raced
        direct, own = _causes_only(direct), _causes_only(own)
    assert direct == own
    assert isinstance(direct[0], tuple) == (how in ("client_certificate_missing", "no_bundle"))


def _causes_only(outcome: tuple[Any, ...]) -> tuple[Any, ...]:
    """An outcome's failures as (error, cause): the detail of a raced TLS refusal left out."""
    return tuple(seen[::2] if isinstance(seen, tuple) and len(seen) == 5 else seen for seen in outcome)


@pytest.mark.parametrize("bypassed", [False, True])
def test_a_proxy_from_the_environment_carries_both_or_neither(
    server: Server, envelope: Envelope, bypassed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTP_PROXY names the scripted server: both paths send through it (the absolute URL in the request line), or,
    with the court in NO_PROXY, both go straight to the court."""
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.port}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1" if bypassed else "example.org")
    with serving(SCRIPTS) as court:
        base = f"http://127.0.0.1:{court.port}/ok"
        proxied = len(server.received)
        direct = _outcome(court, requests.Session(), base, envelope, monkeypatch)
        through_proxy = server.received[proxied:]
        assert direct == _outcome(court, _requests_path(requests.Session()), base, envelope, monkeypatch)
    assert bool(through_proxy) is not bypassed
    assert all(line.startswith(b"POST http://") or line.startswith(b"GET http://") for line in through_proxy)
