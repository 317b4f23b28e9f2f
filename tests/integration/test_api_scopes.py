"""The scope matrix: every role (and no key, and a revoked key) × every endpoint of the app, over HTTP.

The endpoints are read from the app's own OpenAPI document, so an endpoint added later is in the matrix — and
fails it until its group is named here."""

import uuid
from collections.abc import Iterator

import pytest

from adapter.partners.arbitration.rules import CommissionRules
from adapter.partners.service import run_action
from adapter.persistence import complaint_store
from api.app import create_app
from api.clients import Role, add_client, revoke_client
from scheduler import Runtime
from schemas.clock import utc_now
from tests.support import arb_samples, complaint_samples
from tests.support.api import Api, keys, served
from tests.support.court import Court
from tests.support.runtime import case_for, pump

pytestmark = pytest.mark.integration

CALLERS = ("centre", "ops", "admin", "court:court", "court:other", "no key", "revoked")


def _expected(path: str, caller: str) -> str:
    """allowed | 401 | 403 | 404, by the endpoint's group (api/access.py)."""
    if path in ("/healthz", "/readyz"):  # the probes (api/health.py: /readyz's details need an ops key)
        return "allowed"
    if caller in ("no key", "revoked"):
        return "401"
    if path == "/metrics":
        return "allowed" if caller in ("ops", "admin") else "403"
    if path in ("/openapi.json", "/docs", "/docs/swagger-ui.css", "/.well-known/jwks.json"):
        return "allowed"
    if path.startswith("/api/centre/"):
        return "allowed" if caller in ("centre", "admin") else "403"
    if path.startswith("/api/court/"):
        return {"court:court": "allowed", "court:other": "404"}.get(caller, "403")
    if path.startswith("/api/desks/"):  # desk:<platform> keys only (none of these callers)
        return "403"
    if path.startswith("/api/partners/"):  # partner:<name> keys only (none of these callers)
        return "403"
    raise AssertionError(f"{path}: no group in the scope matrix; name one")


@pytest.fixture
def endpoints(runtime: Runtime) -> list[tuple[str, str]]:
    """Every operation of the OpenAPI document, and the pages it leaves out (itself, /docs and a file of it)."""
    paths = create_app(runtime).openapi()["paths"]
    found = [(method.upper(), path) for path, operations in paths.items() for method in operations]
    return [*found, ("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/docs/swagger-ui.css")]


@pytest.fixture
def callers(runtime: Runtime) -> dict[str, str | None]:
    made: dict[str, str | None] = dict(keys(runtime))
    made["revoked"] = add_client(runtime.uow, "gone", Role("centre"), utc_now())
    revoke_client(runtime.uow, "gone", utc_now())
    made["no key"] = None
    return made


@pytest.fixture
def base(runtime: Runtime) -> Iterator[str]:
    with served(runtime) as url:
        yield url


def test_every_role_meets_every_endpoint_as_designed(
    runtime: Runtime, court: Court, base: str, endpoints: list[tuple[str, str]], callers: dict[str, str | None]
) -> None:
    (ajbs,) = court.core.dispatch(1, "01")
    pump(runtime, 1)
    runtime.heartbeat()  # a live process runs the jobs: /readyz is 200 (its 503 is a readiness body, not a problem)
    case_id = case_for(runtime, ajbs).id
    complaint_id = _complaint(runtime)
    record_id = _partner_record(runtime)
    assert len(endpoints) >= 17
    seen = []
    for method, template in endpoints:
        path = template.replace("{case_id}", case_id).replace("{ref}", ajbs).replace("{complaint_id}", complaint_id)
        path = path.replace("{platform}", "card-centre").replace("{record_id}", record_id)
        action = "pay_fee" if "/records/" in template else "submit_application"  # on a record / opening one
        path = path.replace("{kind}", "arbitration").replace("{action}", action)
        path = path.replace("{partner}", "gz-arbitration")
        for caller in CALLERS:
            api = Api(base, callers[caller])
            answer = api.get(path) if method == "GET" else api.post(path, {}, key=uuid.uuid4().hex)
            want = _expected(template, caller)
            got = answer.status_code
            outcome = "allowed" if got not in (401, 403, 404) else str(got)
            seen.append((method, template, caller, want, outcome, got))
            if got >= 400:
                assert answer.headers["Content-Type"] == "application/problem+json", (method, template, caller)
            assert got < 500, (method, template, caller, answer.text)
    wrong = [s for s in seen if s[3] != s[4]]
    assert wrong == [], wrong


def _complaint(runtime: Runtime) -> str:
    """A complaint as the store keeps it (this runtime has no desk to take one in through the API)."""
    with runtime.uow.begin() as session:
        row = complaint_store.create(
            session, complaint_samples.complaint(), desk="card-centre", complainant_key="k", actor="test", at=utc_now()
        )
        return row.complaint_id


def _partner_record(runtime: Runtime) -> str:
    """An arbitration application as the partner core keeps it (this runtime has no partner configured)."""
    application = arb_samples.application(mediation_agreement=arb_samples.settlement(case_id=None))
    done = run_action(runtime.uow, "arbitration", "submit_application", None, {"application": application},
                      partner="gz-arbitration", actor="test", now=arb_samples.NOW, rules=CommissionRules())  # fmt: skip
    return done.record.record_id


def test_a_court_cannot_tell_another_platforms_case_from_no_case(
    runtime: Runtime, court: Court, base: str, callers: dict[str, str | None]
) -> None:
    """court:other asking for court's case gets exactly the 404 of an unknown one, by either of its ids."""
    (ajbs,) = court.core.dispatch(1, "01")
    pump(runtime, 1)
    case_id = case_for(runtime, ajbs).id
    other = Api(base, callers["court:other"])
    for ref in (ajbs, case_id):
        theirs, nothing = other.get(f"/api/court/v1/cases/{ref}"), other.get("/api/court/v1/cases/ZZ-none")
        assert theirs.status_code == nothing.status_code == 404
        strip = lambda doc: {k: v for k, v in doc.items() if k not in ("detail", "instance", "request_id")}  # noqa: E731
        assert strip(theirs.json()) == strip(nothing.json())
        assert theirs.json()["detail"] == f"no case {ref!r}"
    own = Api(base, callers["court:court"]).get(f"/api/court/v1/cases/{case_id}")
    assert own.status_code == 200 and own.json()["court_case_id"] == ajbs
