"""The headers a direct request sends (connectors/direct_post.py `_merged`) are those requests prepares for the same
session, caller's headers and body: the same names, spellings, values and order, or the same InvalidHeader."""

from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
import requests

from connectors import direct_post

URL = "https://court.test:8443/api/v1/messages?x=1"
SIGNED = {"X-JWS-Signature": "eyJhbGciOiJFZERTQSJ9..c2ln", "X-Message-Id": "M-1", "Idempotency-Key": "M-1"}
CALLERS: dict[str, dict[str, Any]] = {
    "none": {},
    "signed": {**SIGNED, "Content-Type": "application/json; charset=utf-8"},
    "accept_again_lower_case": {"accept": "application/json", **SIGNED},
    "user_agent_again": {"USER-AGENT": "court-docking/1", "X-A": "1"},
    "content_length_named": {"content-length": "999", "X-A": "1"},
    "connection_again": {"X-A": "1", "Connection": "close"},
    "non_ascii_value": {"X-Note": "调解 é"},
    "bytes_value": {"X-Raw": b"\xff\x00k"},
    "empty_value": {"X-Empty": ""},
    "crlf_in_value": {"X-Bad": "a\r\nX-Injected: 1"},
    "leading_space": {"X-Bad": " a"},
    "not_text": {"X-Bad": 5},
    "none_removes_a_default": {"Accept": None, "X-A": "1"},  # requests drops a header set to None
    "none_for_an_unknown_one": {"X-Never": None},
    "colon_in_name": {"X-Bad:": "a"},
}
SESSIONS: dict[str, Callable[[requests.Session], object]] = {
    "default": lambda s: None,
    "a_default_of_its_own": lambda s: s.headers.update({"X-Tenant": "7"}),
    "accept_removed": lambda s: s.headers.pop("Accept"),
    "a_bytes_default": lambda s: s.headers.update({"X-Raw-Default": b"v"}),
    "defaults_replaced": lambda s: setattr(s, "headers", {"user-agent": "ua", "X-B": "2"}),
}
BODIES = [b'{"a":"\xe8\xb0\x83\xe8\xa7\xa3"}', b"x" * 70000, None]


def _requests_own(session: requests.Session, method: str, extra: dict[str, Any], body: bytes | None) -> Any:
    try:
        prepared = session.prepare_request(requests.Request(method, URL, data=body, headers=extra))
    except requests.exceptions.InvalidHeader as refused:
        return ("InvalidHeader", str(refused))
    return list(prepared.headers.items()), prepared.path_url


def _direct(session: requests.Session, method: str, extra: dict[str, Any], body: bytes | None) -> Any:
    template = session.prepare_request(requests.Request(method, URL))
    route = direct_post.route(session, template, {"verify": True, "cert": None, "proxies": {}})
    assert route is not None
    try:
        return list(direct_post._merged(route, extra, body).items()), route.path
    except requests.exceptions.InvalidHeader as refused:
        return ("InvalidHeader", str(refused))


@pytest.mark.parametrize("session_kind", sorted(SESSIONS))
@pytest.mark.parametrize("caller", sorted(CALLERS))
@pytest.mark.parametrize("body", BODIES, ids=["json", "large", "none"])
def test_the_direct_headers_are_requests_own(session_kind: str, caller: str, body: bytes | None) -> None:
    session = requests.Session()
    SESSIONS[session_kind](session)
    method = "GET" if body is None else "POST"
    assert _direct(session, method, CALLERS[caller], body) == _requests_own(session, method, CALLERS[caller], body)


@pytest.mark.parametrize("session_kind", sorted(SESSIONS))
def test_one_route_merges_every_caller_as_requests_does_in_turn(session_kind: str) -> None:
    """A route's headers by lower-case name are made once and copied per request: one route serving every caller in
    turn (removals, replacements, refusals between them) sends each what requests prepares, as a fresh route does."""
    session = requests.Session()
    SESSIONS[session_kind](session)
    template = session.prepare_request(requests.Request("POST", URL))
    route = direct_post.route(session, template, {"verify": True, "cert": None, "proxies": {}})
    assert route is not None
    for _ in range(2):
        for caller in sorted(CALLERS):
            try:
                got: Any = list(direct_post._merged(route, CALLERS[caller], BODIES[0]).items())
            except requests.exceptions.InvalidHeader as refused:
                got = ("InvalidHeader", str(refused))
            own = _requests_own(session, "POST", CALLERS[caller], BODIES[0])
            assert got == (own if own[0] == "InvalidHeader" else own[0]), caller


CONTENT_TYPES = [
    None,
    "",
    "text/xml; charset=utf-8",
    "text/xml;charset=UTF-8",
    'text/xml; charset="gb18030"',
    "text/xml; charset='GBK'",
    "text/html",
    "TEXT/PLAIN",
    "application/json",
    "application/json; charset=utf-16",
    'application/soap+xml; action="urn:submit"; charset=gbk',
    "application/octet-stream",
    'multipart/related; boundary=uuid:1; type="application/xop+xml"',
    "text/xml; charset=",
    "text/xml; charset",
    ";;;",
    "text/xml; 字符集=utf-8",
    "application/xml; CHARSET=Big5",
]


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
def test_the_answer_encoding_kept_per_content_type_is_requests_own(content_type: str | None) -> None:
    """`_encoding` keeps get_encoding_from_headers' answer per Content-Type value: the same as requests reads from
    the answer's whole headers (any spelling of the name), twice in a row (the kept answer too)."""
    headers = requests.structures.CaseInsensitiveDict({"Server": "court", "Content-Length": "5"})
    if content_type is not None:
        headers["CONTENT-TYPE" if content_type.startswith("TEXT") else "Content-Type"] = content_type
    own = requests.utils.get_encoding_from_headers(headers)
    assert direct_post._encoding(headers.get("Content-Type")) == own
    assert direct_post._encoding(headers.get("Content-Type")) == own


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.headers.update({"X-Off": None}),
        lambda s: s.headers.update({"Content-Length": "3"}),
        lambda s: s.params.update({"a": "1"}),
        lambda s: s.proxies.update({"https": "http://proxy.test:3128"}),
    ],
    ids=["a_none_default", "a_content_length_default", "params", "proxies"],
)
def test_a_session_whose_defaults_a_template_cannot_keep_has_no_route(
    change: Callable[[requests.Session], object],
) -> None:
    """requests merges these per request (removing a None default, placing Content-Length, adding params or a
    proxy): its own path takes such a session."""
    session = requests.Session()
    change(session)
    template = requests.Session().prepare_request(requests.Request("POST", URL))
    assert direct_post.route(session, template, {"verify": True, "cert": None, "proxies": {}}) is None


def test_a_netrc_entry_for_the_host_has_no_route(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """requests adds a netrc login after the caller's headers: its own path takes the request."""
    (tmp_path / "netrc").write_text("machine court.test login centre password secret\n")
    monkeypatch.setenv("NETRC", str(tmp_path / "netrc"))
    session = requests.Session()
    template = session.prepare_request(requests.Request("POST", URL))
    assert direct_post.route(session, template, {"verify": True, "cert": None, "proxies": {}}) is None
    session.trust_env = False
    assert direct_post.route(session, template, {"verify": True, "cert": None, "proxies": {}}) is not None


@pytest.mark.parametrize("patch", ["responses", "autospec", "plain_mock"])
def test_a_patched_adapter_send_has_no_route(patch: str) -> None:
    """`responses`, or a test's mock of HTTPAdapter.send, sees every request: the direct route never bypasses it."""
    session = requests.Session()
    template = session.prepare_request(requests.Request("POST", URL))
    environment = {"verify": True, "cert": None, "proxies": {}}
    if patch == "responses":
        import responses

        with responses.RequestsMock():
            assert direct_post.route(session, template, environment) is None
        return
    with mock.patch.object(requests.adapters.HTTPAdapter, "send", autospec=patch == "autospec"):
        assert direct_post.route(session, template, environment) is None
    assert direct_post.route(session, template, environment) is not None
