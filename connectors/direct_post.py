"""A POST sent through a requests Session's own urllib3 connection pool, without requests' per-request layers.

requests wraps each call in work a Submit repeats identically every time: finding the pool (building its key from
the URL, verify and cert), merging settings, hooks, a redirect check, its Response and header copies — about a
tenth of a millisecond of the client's CPU a message, on the thread that holds the GIL for every send in flight.
`route` does the once-per-address part once; `post` sends on the same pool, with the same headers, bytes and
timeouts requests would send, reads the answer as `connectors.http.read_capped` would, and raises the exceptions
requests' HTTPAdapter raises for the same failures (so `describe_failure` and the connector's translation see what
they always saw). Whatever requests would do differently takes requests' own path: `route` is None for a session
whose `send` is not requests' own (a subclass's, or one set on the session: a caller's wrapper runs), a session
holding cookies or auth or response hooks, a proxy for the address, an adapter that is not requests' own
HTTPAdapter, or an HTTPAdapter whose `send` is patched (the `responses` library, a test's mock).
"""

from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.cookies import extract_cookies_to_jar
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers, select_proxy
from urllib3 import Timeout as UrllibTimeout
from urllib3.exceptions import (
    ClosedPoolError,
    ConnectTimeoutError,
    DecodeError,
    HTTPError,
    InvalidHeader,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.exceptions import ProxyError as UrllibProxyError
from urllib3.exceptions import SSLError as UrllibSSLError

_SEND = HTTPAdapter.send  # as imported: a `send` patched later (a mock, `responses`) is not requests' own


@dataclass(frozen=True)
class Route:
    """An address's pool and what requests would send there but the body: its path and its headers in order."""

    adapter: HTTPAdapter
    pool: Any  # urllib3's HTTP(S)ConnectionPool
    path: str
    headers: tuple[tuple[str, str], ...]  # without Content-Length, which requests appends per body
    request: requests.PreparedRequest  # the template: the request cookies are read against, errors carry
    verify: Any
    cert: Any
    https: bool


def route(session: requests.Session, template: requests.PreparedRequest, environment: dict[str, Any]) -> Route | None:
    """The route of `template` (a body-less POST prepared by `session`) with the merged `environment` (proxies,
    verify, cert), or None when requests' own path must carry it."""
    if not plain(session):
        return None
    url = str(template.url)
    adapter = session.get_adapter(url)
    if type(adapter) is not HTTPAdapter or HTTPAdapter.send is not _SEND:
        return None
    if select_proxy(url, environment.get("proxies")):
        return None
    verify, cert = environment.get("verify", True), environment.get("cert")
    pool = adapter.get_connection_with_tls_context(template, verify, proxies=None, cert=cert)
    headers = tuple((str(n), str(v)) for n, v in template.headers.items() if n.lower() != "content-length")
    return Route(adapter, pool, str(template.path_url), headers, template, verify, cert, url.startswith("https:"))


def plain(session: requests.Session) -> bool:
    """requests' own Session.send (not a subclass's, not one set on the instance: a caller's wrapper must run), and
    no cookies, auth or response hooks: requests would add nothing per request that a template lacks."""
    return (
        type(session).send is requests.Session.send
        and "send" not in vars(session)
        and not session.cookies
        and session.auth is None
        and not any(session.hooks.get("response", ()))
    )


def post(
    session: requests.Session, route: Route, body: bytes, timeout: tuple[float, float], cap: int
) -> tuple[requests.Response, bytes | None]:
    """POST `body` on `route`: the answer (status, headers, encoding as requests gives them) and its body, or None
    for a body longer than `cap` bytes (the connection then closed). Raises what requests would raise."""
    request = route.request
    if (
        route.pool.pool is None  # the adapter was closed (its pools cleared): requests' path opens another
        or HTTPAdapter.send is not _SEND  # patched since the route was made
        or session.get_adapter(str(request.url)) is not route.adapter  # another adapter mounted since
    ):
        raise Reroute
    headers = dict(route.headers)
    headers["Content-Length"] = str(len(body))
    if route.https:  # as requests does per request: a CA bundle or client certificate file gone is an OSError
        route.adapter.cert_verify(route.pool, str(request.url), route.verify, route.cert)
    try:
        raw = route.pool.urlopen(
            method="POST",
            url=route.path,
            body=body,
            headers=headers,
            redirect=False,
            assert_same_host=False,
            preload_content=False,
            decode_content=False,
            retries=route.adapter.max_retries,
            timeout=UrllibTimeout(connect=timeout[0], read=timeout[1]),
            chunked=False,
        )
    except (ProtocolError, OSError) as err:  # requests.adapters.HTTPAdapter.send's translation, clause by clause
        raise requests.ConnectionError(err, request=request) from err
    except MaxRetryError as e:
        if isinstance(e.reason, ConnectTimeoutError) and not isinstance(e.reason, NewConnectionError):
            raise requests.ConnectTimeout(e, request=request) from e
        if isinstance(e.reason, ResponseError):
            raise requests.exceptions.RetryError(e, request=request) from e
        if isinstance(e.reason, UrllibProxyError):
            raise requests.exceptions.ProxyError(e, request=request) from e
        if isinstance(e.reason, UrllibSSLError):
            raise requests.exceptions.SSLError(e, request=request) from e
        raise requests.ConnectionError(e, request=request) from e
    except ClosedPoolError as e:
        raise requests.ConnectionError(e, request=request) from e
    except UrllibProxyError as e:
        raise requests.exceptions.ProxyError(e) from e
    except (UrllibSSLError, HTTPError) as e:
        if isinstance(e, UrllibSSLError):
            raise requests.exceptions.SSLError(e, request=request) from e
        if isinstance(e, ReadTimeoutError):
            raise requests.ReadTimeout(e, request=request) from e
        if isinstance(e, InvalidHeader):
            raise requests.exceptions.InvalidHeader(e, request=request) from e
        raise
    response = requests.Response()
    response.status_code, response.raw, response.url, response.request = raw.status, raw, str(request.url), request
    response.headers = CaseInsensitiveDict(raw.headers)
    response.encoding, response.reason = get_encoding_from_headers(response.headers), raw.reason or ""
    if "Set-Cookie" in response.headers:  # kept as Session.send keeps it; the next request then takes its path
        extract_cookies_to_jar(response.cookies, request, raw)
        extract_cookies_to_jar(session.cookies, request, raw)
    return response, _read(raw, response.headers, cap)


def _read(raw: Any, headers: CaseInsensitiveDict[str], cap: int) -> bytes | None:
    """The body as `read_capped` reads it through requests' iter_content (decoded, its errors translated)."""
    declared = headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > cap:
        _close(raw)
        return None
    chunks, size = [], 0
    try:
        for chunk in raw.stream(65536, decode_content=True):
            size += len(chunk)
            if size > cap:
                _close(raw)
                return None
            chunks.append(chunk)
    except ProtocolError as e:
        raise requests.exceptions.ChunkedEncodingError(e) from e
    except DecodeError as e:
        raise requests.exceptions.ContentDecodingError(e) from e
    except ReadTimeoutError as e:
        raise requests.ConnectionError(e) from e
    except UrllibSSLError as e:
        raise requests.exceptions.SSLError(e) from e
    return b"".join(chunks)


def _close(raw: Any) -> None:
    raw.close()  # as requests.Response.close: the unread rest is dropped with the connection
    raw.release_conn()


class Reroute(Exception):
    """The route went stale before anything was sent: the caller takes requests' own path for this request."""
