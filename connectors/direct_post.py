"""A request sent through a requests Session's own urllib3 connection pool, without requests' per-request layers.

requests wraps each call in work a court exchange repeats identically every time: reading the environment and
netrc, merging settings, finding the pool (building its key from the URL, verify and cert), hooks, a redirect
check, its Response and header copies — a tenth to a fifth of a millisecond of the client's CPU a message, on the
thread that holds the GIL for every send in flight. `route` does the once-per-address part once; `send` (`post`,
the SOAP transport's) sends on the same pool, with the same headers in the same order, bytes and timeouts requests
would send, reads the answer as `connectors.http.read_capped` would (a redirect first as Session.send treats one),
and raises the exceptions requests' HTTPAdapter raises for the same failures (so `describe_failure` and the
connectors' translation see what they always saw). Whatever requests would do differently takes requests' own
path: `route` is None for a session whose `send` is not requests' own (a subclass's, or one set on the session: a
caller's wrapper runs), a session holding cookies, auth, params, proxies or response hooks, a proxy from the
environment for the address, a netrc entry for its host, default headers requests would merge otherwise (a None
value, a Content-Length), an adapter that is not requests' own HTTPAdapter, or an HTTPAdapter whose `send` is
patched (`responses`, a mock); `send` raises Reroute, before sending anything, when the session changed since the
route was made (its adapter, its default headers; the callers check `plain` before each request).
"""

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.cookies import extract_cookies_to_jar
from requests.structures import CaseInsensitiveDict
from requests.utils import check_header_validity, get_encoding_from_headers, get_netrc_auth, select_proxy
from urllib3 import Timeout as UrllibTimeout

from connectors.direct_errors import translate, translate_read
from connectors.http import declared_length, read_capped

_SEND = HTTPAdapter.send  # as imported: a `send` patched later (a mock, `responses`) is not requests' own
Header = tuple[str, str | bytes]


@dataclass(frozen=True)
class Route:
    """An address's pool and what requests would send there but the body and the caller's headers."""

    adapter: HTTPAdapter
    pool: Any  # urllib3's HTTP(S)ConnectionPool
    method: str
    path: str
    headers: tuple[Header, ...]  # the session's, in order, without Content-Length (requests appends it per body)
    request: requests.PreparedRequest  # the template: the request cookies are read against, errors carry
    verify: Any
    cert: Any
    https: bool
    proxies: Any  # the merged environment's, handed on as Session.send hands them to a redirect's handling
    defaults: tuple[tuple[str, Any], ...]  # the session's headers when the route was made: changed, it is stale
    named: dict[str, Header] = field(compare=False)  # `headers` by lower-case name, copied per merge of a caller's
    url: str  # the template's URL as text


def route(session: requests.Session, template: requests.PreparedRequest, environment: dict[str, Any]) -> Route | None:
    """The route of `template` (a body-less request prepared by `session`) with the merged `environment` (proxies,
    verify, cert), or None when requests' own path must carry it."""
    if not plain(session):
        return None
    url = str(template.url)
    adapter = session.get_adapter(url)
    if type(adapter) is not HTTPAdapter or not _own_send():
        return None
    if select_proxy(url, environment.get("proxies")):
        return None
    defaults = tuple(session.headers.items())
    if any(value is None or name.lower() == "content-length" for name, value in defaults):
        return None  # requests merges these per request in a way a template cannot keep (order, removal)
    if session.trust_env and get_netrc_auth(url):
        return None  # requests adds its Authorization after the caller's headers and Content-Length
    verify, cert = environment.get("verify", True), environment.get("cert")
    pool = adapter.get_connection_with_tls_context(template, verify, proxies=None, cert=cert)
    headers = tuple((str(n), v) for n, v in template.headers.items() if n.lower() != "content-length")
    return Route(
        adapter,
        pool,
        str(template.method),
        str(template.path_url),
        headers,
        template,
        verify,
        cert,
        url.startswith("https:"),
        environment.get("proxies"),
        defaults,
        {name.lower(): (name, value) for name, value in headers},
        url,
    )


def plain(session: requests.Session) -> bool:
    """requests' own Session.send (not a subclass's, not one set on the instance: a caller's wrapper must run), and
    no cookies, auth, params, proxies or response hooks: requests would add nothing per request that a template
    lacks (the environment's proxies are the caller's to read: `route` refuses an address one applies to)."""
    return (
        type(session).send is requests.Session.send
        and "send" not in vars(session)
        and not session.cookies
        and session.auth is None
        and not session.params
        and not session.proxies
        and not any(session.hooks.get("response", ()))
    )


def _own_send() -> bool:
    """HTTPAdapter.send is requests' own: not patched since import, nor before it (a patch names itself otherwise:
    `responses` its module, an autospec mock its qualified name)."""
    send = HTTPAdapter.send
    return (
        send is _SEND
        and getattr(send, "__module__", "") == "requests.adapters"
        and getattr(send, "__qualname__", "") == "HTTPAdapter.send"
    )


def post(
    session: requests.Session, route: Route, body: bytes, timeout: tuple[float, float], cap: int
) -> tuple[requests.Response, bytes | None]:
    """POST `body` on `route` with the route's headers: as `send`."""
    return send(session, route, body, timeout, cap)


def send(
    session: requests.Session,
    route: Route,
    body: bytes | None,
    timeout: tuple[float, float],
    cap: int,
    headers: Mapping[str, str] | None = None,
) -> tuple[requests.Response, bytes | None]:
    """Send `body` (None: none, as a GET) with the caller's `headers` on `route`: the answer (status, headers,
    encoding as requests gives them) and its body, or None for a body longer than `cap` bytes (the connection then
    closed). Raises what requests would raise; Reroute, having sent nothing, when requests' path must take it."""
    request = route.request
    if (
        route.pool.pool is None  # the adapter was closed (its pools cleared): requests' path opens another
        or not _own_send()  # patched since the route was made
        or session.get_adapter(route.url) is not route.adapter  # another adapter mounted since
        or tuple(session.headers.items()) != route.defaults  # the session's headers changed since
    ):
        raise Reroute
    sent = _merged(route, headers, body)
    if route.https:  # as requests does per request: a CA bundle or client certificate file gone is an OSError
        route.adapter.cert_verify(route.pool, route.url, route.verify, route.cert)
    try:
        raw = route.pool.urlopen(
            method=route.method,
            url=route.path,
            body=body,
            headers=sent,
            redirect=False,
            assert_same_host=False,
            preload_content=False,
            decode_content=False,
            retries=route.adapter.max_retries,
            timeout=_timeout(*timeout),
            chunked=False,
        )
    except Exception as err:  # as requests.adapters.HTTPAdapter.send translates it
        translate(err, request)
    response = requests.Response()
    response.status_code, response.raw, response.url, response.request = raw.status, raw, route.url, request
    response.headers.update(raw.headers)  # the empty CaseInsensitiveDict a Response starts with, filled
    response.encoding, response.reason = _encoding(response.headers.get("Content-Type")), raw.reason or ""
    if "Set-Cookie" in response.headers:  # kept as Session.send keeps it; the next request then takes its path
        extract_cookies_to_jar(response.cookies, request, raw)
        extract_cookies_to_jar(session.cookies, request, raw)
    if response.is_redirect:  # rare: what Session.send does with one it does not follow (it reads the whole body)
        return response, _redirected(session, route, response, sent, body, timeout, cap)
    return response, _read(raw, response.headers, cap)


def _merged(route: Route, extra: Mapping[str, str] | None, body: bytes | None) -> dict[str, Any]:
    """The headers requests would send: the route's, the caller's merged in as a CaseInsensitiveDict merges them
    (one named again keeps its place, under the caller's spelling; one given None is left out), then Content-Length
    for a body (in place, if the caller named it)."""
    if not extra:
        headers: dict[str, Any] = dict(route.headers)
        if body is not None:
            headers["Content-Length"] = str(len(body))
        return headers
    store = route.named.copy()  # the route's headers by lower-case name, lowered once per route
    for name, value in extra.items():
        if value is None:  # as requests merges a request's headers into the session's: None removes the header
            store.pop(name.lower(), None)
            continue
        check_header_validity((name, value))  # requests' InvalidHeader for a value it would not send
        store[name.lower()] = (name, value)
    if body is not None:
        store["content-length"] = ("Content-Length", str(len(body)))
    return dict(store.values())


def _redirected(
    session: requests.Session,
    route: Route,
    response: requests.Response,
    headers: dict[str, Any],
    body: bytes | None,
    timeout: tuple[float, float],
    cap: int,
) -> bytes | None:
    """A redirect's body as the caller reads it after Session.send(allow_redirects=False): requests first reads it
    whole (and may refuse the Location) to note the next request, then `read_capped` reads what it kept."""
    request = route.request.copy()
    request.headers, request.body = CaseInsensitiveDict(headers), body
    response.request = request
    # as Session.send stores it (None when there is none)
    response._next = next(  # type: ignore[attr-defined]
        session.resolve_redirects(
            response,
            request,
            yield_requests=True,
            stream=True,
            timeout=timeout,
            verify=route.verify,
            cert=route.cert,
            proxies=route.proxies,
        ),
        None,
    )
    return read_capped(response, cap)


@functools.lru_cache(maxsize=64)
def _encoding(content_type: str | None) -> str | None:
    """requests' encoding for an answer of this Content-Type (None: none given): get_encoding_from_headers reads
    nothing else, so its answer is kept per value rather than the header parsed again for every answer."""
    return get_encoding_from_headers({"content-type": content_type} if content_type is not None else {})


@functools.lru_cache(maxsize=16)
def _timeout(connect: float, read: float) -> UrllibTimeout:
    """urllib3's Timeout for these seconds, made once: urlopen works on a clone of it (Timeout.clone), never on it."""
    return UrllibTimeout(connect=connect, read=read)


def _read(raw: Any, headers: CaseInsensitiveDict[str], cap: int) -> bytes | None:
    """The body as `read_capped` reads it through requests' iter_content (decoded, its errors translated)."""
    declared = declared_length(headers)
    if declared is not None and declared > cap:
        _close(raw)
        return None
    if declared is not None and "Transfer-Encoding" not in headers and "Content-Encoding" not in headers:
        # A body of its declared length (at most `cap`), as sent: read in one call, not through iter_content's
        # generator and a second, empty read — the same bytes and, on a short or broken body, the same error.
        # A chunked or close-delimited body (its length unknown) or an encoded one (decoded, it may grow past
        # `cap`) is read in chunks below, its size counted as it comes.
        try:
            return bytes(raw.read(decode_content=True))
        except Exception as err:  # as below
            translate_read(err)
    chunks, size = [], 0
    try:
        for chunk in raw.stream(65536, decode_content=True):
            size += len(chunk)
            if size > cap:
                _close(raw)
                return None
            chunks.append(chunk)
    except Exception as err:  # as requests.Response.iter_content translates it
        translate_read(err)
    return b"".join(chunks)


def _close(raw: Any) -> None:
    raw.close()  # as requests.Response.close: the unread rest is dropped with the connection
    raw.release_conn()


class Reroute(Exception):
    """The route went stale before anything was sent: the caller takes requests' own path for this request."""
