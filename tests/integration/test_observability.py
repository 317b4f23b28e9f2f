"""Operations over HTTP: /metrics behind an ops key, /readyz's verdicts and what an anonymous probe may see, and
/readyz following a real PostgreSQL server down and back."""

import time
from collections.abc import Iterator

import pytest
import requests

from adapter.config.settings import Settings
from adapter.testing import PgServer, fresh_database
from scheduler import Runtime, build_runtime
from tests.support.api import Api, keys, served, until
from tests.support.external import private_postgres
from tests.support.metrics import samples

pytestmark = pytest.mark.integration


def test_metrics_need_an_ops_or_admin_key(api_base: str, api_keys: dict[str, str]) -> None:
    """No key 401, the centre's or a court's 403; ops and admin get the Prometheus text format."""
    assert requests.get(f"{api_base}/metrics", timeout=10).status_code == 401
    for role in ("centre", "court:court"):
        assert Api(api_base, api_keys[role]).get("/metrics").status_code == 403
    for role in ("ops", "admin"):
        answer = Api(api_base, api_keys[role]).get("/metrics")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain; version=0.0.4")
        assert samples(answer.text)[("docking_breaker_state", frozenset({("platform", "court")}))] == 0


def test_requests_are_counted_by_route_template_never_by_raw_path(api_base: str, api_keys: dict[str, str]) -> None:
    """A case read is labelled with its route's template; the case id asked for appears nowhere in the metrics."""
    centre, ops = Api(api_base, api_keys["centre"]), Api(api_base, api_keys["ops"])
    assert centre.get("/api/centre/v1/cases/MC-NOSUCH-4711").status_code == 404
    assert requests.get(f"{api_base}/no/such/path", timeout=10).status_code == 404
    text = ops.get("/metrics").text
    found = samples(text)
    template = frozenset({("route", "/api/centre/v1/cases/{case_id}"), ("method", "GET"), ("status", "404")})
    assert found[("docking_api_requests_total", template)] == 1
    assert found[
        ("docking_api_requests_total", frozenset({("route", "unmatched"), ("method", "GET"), ("status", "404")}))
    ]
    assert "MC-NOSUCH-4711" not in text and "/no/such/path" not in text


def test_readyz_names_its_checks_and_gives_details_to_operators_only(
    runtime: Runtime, api_base: str, api_keys: dict[str, str]
) -> None:
    """Without a live process running the jobs the adapter is not ready (503, check `jobs`); with its heartbeat it
    is. An anonymous probe sees names and verdicts; an ops key also the details."""
    anonymous = requests.get(f"{api_base}/readyz", timeout=10)
    assert anonymous.status_code == 503 and anonymous.json() == {
        "status": "not ready",
        "checks": [
            {"name": "database", "ok": True},
            {"name": "migrations", "ok": True},
            {"name": "jobs", "ok": False},
            {"name": "platforms", "ok": True},
        ],
    }
    detailed = Api(api_base, api_keys["ops"]).get("/readyz").json()
    assert "no live" in detailed["checks"][2]["detail"]
    assert Api(api_base, api_keys["centre"]).get("/readyz").json() == anonymous.json()  # not an operator
    runtime.heartbeat()
    until(lambda: requests.get(f"{api_base}/readyz", timeout=10).status_code == 200)  # a verdict lives a second
    ready = requests.get(f"{api_base}/readyz", timeout=10)
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert requests.get(f"{api_base}/healthz", timeout=10).json() == {"status": "ok"}


def test_the_openapi_document_lists_the_probes_and_metrics(api_base: str, api_keys: dict[str, str]) -> None:
    paths = Api(api_base, api_keys["ops"]).get("/openapi.json").json()["paths"]
    assert {"/healthz", "/readyz", "/metrics"} <= set(paths)
    assert set(paths["/readyz"]["get"]["responses"]) >= {"200", "503"}


@pytest.fixture
def own_server() -> Iterator[PgServer]:
    """A PostgreSQL server of this test's own: stopping the shared one would fail other tests."""
    with private_postgres() as server:
        yield server


def test_readyz_turns_unready_while_postgresql_is_down_and_ready_when_it_is_back(own_server: PgServer) -> None:
    """The server stopped (immediate mode, as a crash): 503 naming the database; started again: 200."""
    runtime = build_runtime(Settings(database_url=fresh_database(own_server)))
    runtime.heartbeat()
    ops = Api("", keys(runtime)["ops"])
    with served(runtime) as base:
        ops.base = base

        def ready() -> int:
            return requests.get(f"{base}/readyz", timeout=10).status_code

        assert ready() == 200
        own_server.stop()
        try:
            started = time.monotonic()
            until(lambda: ready() == 503)  # the last verdict, up to a second old, then the database's
            down = requests.get(f"{base}/readyz", timeout=10)
            assert down.status_code == 503 and time.monotonic() - started < 5  # said promptly, not after a hang
            assert down.json()["checks"][0] == {"name": "database", "ok": False}
            assert ops.get("/readyz").status_code == 503  # the key cannot be checked now: the anonymous answer
        finally:
            own_server.start()
        until(lambda: ready() == 200)
        detail = ops.get("/readyz").json()
        assert detail["status"] == "ready" and detail["checks"][0]["detail"] == "answers"
    runtime.uow.engine.dispose()
