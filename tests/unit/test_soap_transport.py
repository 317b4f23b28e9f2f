"""The SOAP connector's transport prepares each POST from a template kept per address and headers
(connectors/court_soap.py `_Transport._prepare`): what it sends is exactly what requests' own preparation gives,
and a session holding cookies still sends them."""

from datetime import UTC, datetime

import pytest
import requests

from connectors.court_soap import _Transport

ADDRESS = "http://127.0.0.1:8090/ws/exchange"
HEADERS = {"SOAPAction": '"urn:court-docking:exchange:v1/SubmitProgress"', "Content-Type": "text/xml; charset=utf-8"}


def _transport(session: requests.Session) -> _Transport:
    return _Transport("court", session, (3.05, 10.0), lambda: datetime.now(UTC))


def _own(session: requests.Session, body: bytes) -> requests.PreparedRequest:
    return session.prepare_request(requests.Request("POST", ADDRESS, data=body, headers=HEADERS))


@pytest.mark.parametrize("body", [b"<a/>", "<b>调解 𠀋</b>".encode(), b"x" * 100_000, b""])
def test_a_prepared_post_is_what_requests_prepares(body: bytes) -> None:
    """Method, URL, headers in their order, Content-Length and body: the same, call after call."""
    transport = _transport(requests.Session())
    for _ in range(2):  # the first call makes the template, the second copies it
        ours, theirs = transport._prepare(ADDRESS, body, HEADERS), _own(transport.session, body)
        assert (ours.method, ours.url, ours.body) == (theirs.method, theirs.url, theirs.body)
        assert list(ours.headers.items()) == list(theirs.headers.items())


def test_copies_do_not_share_headers() -> None:
    """A header changed on one request (requests and zeep may) never reaches the next."""
    transport = _transport(requests.Session())
    first = transport._prepare(ADDRESS, b"<a/>", HEADERS)
    first.headers["X-Changed"] = "1"
    assert "X-Changed" not in transport._prepare(ADDRESS, b"<b/>", HEADERS).headers


def test_a_session_with_cookies_sends_them() -> None:
    """A court's load balancer may pin us with a cookie: requests' own preparation merges it."""
    session = requests.Session()
    session.cookies.set("route", "node-2", domain="127.0.0.1", path="/")
    prepared = _transport(session)._prepare(ADDRESS, b"<a/>", HEADERS)
    assert prepared.headers["Cookie"] == "route=node-2"
