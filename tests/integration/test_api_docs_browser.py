"""/docs in a real browser (Playwright driving Debian's Chromium) against the app under uvicorn on loopback: asked
for credentials, it takes the API key as the password, loads Swagger UI from the adapter itself (nothing from
another host: an intranet has no CDN) and lists the API's operations. Basic credentials open the meta group only."""

import base64
from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import Route

from scheduler import Runtime
from tests.support.api import keys, served
from tests.support.console_page import chromium, watch

pytestmark = pytest.mark.integration


@pytest.fixture
def base(runtime: Runtime) -> Iterator[str]:
    with served(runtime) as url:
        yield url


def _basic(password: str, user: str = "anyone") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_docs_asks_a_browser_for_the_key_and_serves_swagger_ui_itself(runtime: Runtime, base: str) -> None:
    made = keys(runtime)
    bare = requests.get(f"{base}/docs", timeout=10)
    assert bare.status_code == 401 and bare.headers["WWW-Authenticate"].startswith('Basic realm="docking"')
    assert "in a browser, give it as the password" in bare.json()["detail"]
    page = requests.get(f"{base}/docs", headers=_basic(made["court:court"]), timeout=10)
    assert page.status_code == 200 and "/docs/swagger-ui-bundle.js" in page.text and "cdn." not in page.text
    for name, media in (("swagger-ui-bundle.js", "text/javascript"), ("swagger-ui.css", "text/css")):
        asset = requests.get(f"{base}/docs/{name}", headers=_basic(made["centre"]), timeout=10)
        assert asset.status_code == 200 and asset.headers["Content-Type"].startswith(media) and len(asset.content) > 1e4
    assert requests.get(f"{base}/docs/swagger-ui.css", timeout=10).status_code == 401  # the files too need a key
    for other in ("main.py", "__init__.py", "..%2Fmain.py"):  # files beside them in the package: not served
        assert requests.get(f"{base}/docs/{other}", headers=_basic(made["ops"]), timeout=10).status_code == 404
    assert requests.get(f"{base}/docs", headers=_basic("not-a-key"), timeout=10).status_code == 401
    spec = requests.get(f"{base}/openapi.json", headers=_basic(made["ops"], user=""), timeout=10)
    assert spec.status_code == 200 and spec.json()["paths"]
    # Basic opens what a browser reads about the API, nothing else: the centre's API still takes Bearer only.
    cases = requests.get(f"{base}/api/centre/v1/cases", headers=_basic(made["centre"]), timeout=10)
    assert cases.status_code == 401 and cases.headers["WWW-Authenticate"].startswith("Bearer")
    assert requests.get(f"{base}/docs", headers={"Authorization": "Basic %%%"}, timeout=10).status_code == 401


def test_swagger_ui_lists_the_operations_in_a_browser_with_nothing_fetched_elsewhere(
    runtime: Runtime, base: str
) -> None:
    key = keys(runtime)["centre"]
    elsewhere: list[str] = []
    errors: list[str] = []

    def only_here(route: Route) -> None:
        if route.request.url.startswith(base):
            route.continue_()
        else:  # an intranet: nothing but the adapter answers
            elsewhere.append(route.request.url)
            route.abort()

    with chromium() as browser:
        context = browser.new_context(http_credentials={"username": "engineer", "password": key})
        context.set_default_timeout(15_000)
        context.route("**/*", only_here)
        page = watch(context.new_page(), errors)
        page.goto(f"{base}/docs")
        page.wait_for_selector(".opblock-summary-path")
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert any("/api/centre/v1/cases" in p for p in paths), paths
        assert len(paths) >= 20 and elsewhere == [] and errors == [], (len(paths), elsewhere, errors)
