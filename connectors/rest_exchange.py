"""How the signed JSON client's requests go out (connectors/rest_client.py): through the session's own urllib3 pool
directly (connectors/direct_post.py) where requests would add nothing per request, else through requests whole —
the same bytes on the wire, answers and exceptions either way (tests/integration/test_rest_direct_post.py).

What the direct way skips per request, requests does once per address here: the environment (proxy variables,
REQUESTS_CA_BUNDLE with a session that verifies by default) read for its origin, netrc and the session's defaults
read for its route. A session whose verify, cert or trust_env changes starts again; one with cookies, auth,
params, proxies or hooks, an adapter of its own or a proxy from the environment takes requests' path
(direct_post.route), as does anything a route cannot be made for — requests' path then raises what requests raises.
"""

from typing import Any
from urllib.parse import urlsplit

import requests

from connectors import direct_post
from connectors.http import read_capped

_ROUTES_KEPT = 256  # a feed's GETs name a new cursor each page: their routes are dropped, all at once, past this


class Exchange:
    """One session's requests: `send` one, answered as requests answers it."""

    def __init__(self, session: requests.Session) -> None:
        self.session = session
        self._routes: dict[tuple[str, str], direct_post.Route | None] = {}
        self._environments: dict[str, dict[str, Any]] = {}
        self._settings: tuple[Any, ...] = (session.verify, session.cert, session.trust_env)

    def send(
        self,
        method: str,
        url: str,
        body: bytes,
        headers: dict[str, str],
        timeout: tuple[float, float],
        cap: int,
    ) -> tuple[requests.Response, bytes | None]:
        """`method` ("GET": `body` is signed but not sent; "POST") to the full `url` with the caller's `headers`,
        never following a redirect: the answer and its body, None for one longer than `cap` bytes (read no
        further). `timeout`: (connect, read) seconds. Raises requests' exceptions."""
        data = body if method == "POST" else None
        route = self._route(method, url, data)
        if route is not None:
            try:
                return direct_post.send(self.session, route, data, timeout, cap, headers)
            except direct_post.Reroute:  # the session changed since the route was made: made again next time
                self._routes.pop((method, url), None)
        response = self.session.request(
            method,
            url,
            data=data,
            headers=headers,
            timeout=timeout,
            stream=True,  # read at most the cap, never a whole oversized answer into memory
            allow_redirects=False,  # a redirect would re-send the signed request, and our certificate, elsewhere
            # Explicit, because requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE in the environment override a
            # session's own `verify` — a configured court CA bundle would otherwise be silently ignored.
            verify=self.session.verify,
            cert=self.session.cert,
        )
        return response, read_capped(response, cap)

    def _route(self, method: str, url: str, data: bytes | None) -> direct_post.Route | None:
        """The route kept for `method` and `url`, made when new or its pool closed; None for requests' path (an
        empty POST body too: requests sends none at all)."""
        session = self.session
        if (method == "POST" and not data) or not direct_post.plain(session):
            return None
        settings = (session.verify, session.cert, session.trust_env)
        if settings != self._settings:  # what the environment merged and the routes were made with
            self._routes.clear()
            self._environments.clear()
            self._settings = settings
        key = (method, url)
        route = self._routes.get(key, _NEW)
        if route is _NEW or (route is not None and route.pool.pool is None):
            try:
                template = session.prepare_request(requests.Request(method, url))
                route = direct_post.route(session, template, self._environment(url))
            except Exception:  # requests' own path meets the same problem and raises its own error
                return None
            if len(self._routes) >= _ROUTES_KEPT:
                self._routes.clear()
            self._routes[key] = route
        return route

    def _environment(self, url: str) -> dict[str, Any]:
        """What Session.request merges from the environment for `url`, read once per origin (proxies depend on
        the scheme, host and port only)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._environments:
            session = self.session
            self._environments[origin] = dict(
                session.merge_environment_settings(url, {}, True, session.verify, session.cert)
            )
        return self._environments[origin]


_NEW: Any = object()  # not yet routed (a route may be None: requests' path)
