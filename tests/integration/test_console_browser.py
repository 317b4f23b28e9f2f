"""The operations console in a real headless browser (Playwright driving Debian's Chromium) against the app under
uvicorn on loopback, over a database a short sandbox run filled: a dead letter, a quarantined dispatch, cases.

Logged in with an ops key, every page loads with data, shows no full ID or phone (one of each planted), and logs
no console error; a dead letter is replayed and a quarantined item reprocessed through the pages (the database shows
the outcome and its audit row); the statistics chart is a non-empty SVG. Refused: a login without a key or with a
centre key, a form POST without the session's CSRF token, a revoked client's session. One screenshot per page goes to
a directory under pytest's tmp dir (its path is printed), and to $DOCKING_CONSOLE_SCREENS if set.
"""

import io
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, BrowserContext, Page
from sqlmodel import col, select

from adapter.config.settings import Settings
from adapter.persistence.tables import AuditRow, CaseRow, OutboxRow, QuarantineRow, ReconcileRunRow
from adapter.reconcile import Scope, reconcile
from api.clients import Role, add_client, revoke_client
from sandbox.court import SandboxConfig
from sandbox.pairing import pair
from scheduler import Runtime, build_runtime
from schemas.clock import utc_now
from signing.keyfiles import generate_keypair
from tests.support.api import Api, flow_c_case, keys, served
from tests.support.console_page import chromium, log_in, masked_html, new_context, sealed, watch
from tests.support.court import COURT_KID, PLATFORM, Court
from tests.support.poisons import POISONS

pytestmark = pytest.mark.integration

PLANTED_ID, PLANTED_PHONE = "11010519491231002X", "13812345678"  # planted in a registered case's parties


@dataclass
class World:
    base: str
    runtime: Runtime
    keys: dict[str, str]
    dead: str  # the dead letter's message id
    quarantined: int  # an open quarantined dispatch (refused for a court key we did not have yet)
    poison: int  # an open quarantined item that no key will make valid
    planted_case: str
    shots: Path
    errors: list[str] = field(default_factory=list)  # console errors and page errors, from every page


def _without_the_court_key(settings: Settings, tmp: Path) -> Settings:
    """The same adapter, but knowing only an old key of the court: its next dispatch is quarantined (unknown_key)."""
    platform = settings.platforms[PLATFORM]
    old = {"court-2025-01": generate_keypair(tmp / "old", "court-2025-01").public}
    signing = platform.signing.model_copy(update={"court_keys": old})
    return settings.model_copy(update={"platforms": {PLATFORM: platform.model_copy(update={"signing": signing})}})


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Iterator[World]:
    """A sandbox court and an adapter on a SQLite file, after a short run; the console served on loopback."""
    tmp = tmp_path_factory.mktemp("console")
    config = SandboxConfig(
        seed=3, decision_delay=0.0, redeliver_rate=0.0, confirm_rate=1.0, reject_rate=0.0, court_key_id=COURT_KID
    )
    pairing = pair(tmp, config, profile="jws-detached", algorithm="EdDSA", transport="rest")
    server = pairing.serve()
    court = Court(pairing.core, server, pairing.signing, pairing)
    settings = Settings(
        database_url=f"sqlite:///{tmp / 'adapter.db'}",
        encryption=sealed(),
        platforms={PLATFORM: pairing.platform(server, timeout_seconds=5)},
    )
    runtime = build_runtime(settings)
    # 1. A dispatch signed with a key the adapter does not know yet: quarantined; the real runtime knows the key.
    pairing.core.dispatch(1, "01")
    blind = build_runtime(_without_the_court_key(settings, tmp))
    blind.poll_platform(PLATFORM)
    blind.stop()  # hands the feed's poll lock over at once
    # 2. Two dispatches polled and accepted; the court has meanwhile moved one on by hand, so its accept is refused
    # (409): a dead letter. The other is delivered.
    first, second = pairing.core.dispatch(2, "01")
    POISONS["nul-in-case-id"](court)  # an authentic item the adapter cannot store: quarantined (invalid)
    runtime.poll_platform(PLATFORM)
    with runtime.uow.begin() as session:
        cases = {c.platform_case_id: c.id for c in session.exec(select(CaseRow)).all()}
    assert {first, second} <= set(cases), (first, second, cases)
    pairing.alter(first, "30")
    for ajbs in (first, second):
        runtime.services.accept(cases[ajbs])
    runtime.deliver()
    pairing.lose(second)  # 3. the court loses the delivered accept: reconciliation finds it behind us
    reconcile(runtime.uow, runtime.platforms, scope=Scope.OPEN, actor="test")
    with runtime.uow.begin() as session:
        dead = session.exec(select(OutboxRow).where(OutboxRow.status == "dead")).one()
        quarantined, poison = session.exec(select(QuarantineRow).order_by(col(QuarantineRow.id))).all()
    shots = tmp_path_factory.mktemp("console-screens")
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:  # said even when output is captured: the screenshots are the test's artifact
        reporter.write_line(f"\nconsole screenshots: {shots}")
    with served(runtime) as base:
        api_keys = keys(runtime)
        # 4. A self-received case whose party carries a known ID and mobile: neither may appear in any page.
        body = flow_c_case("PLANT-1")
        body["parties"][0] = {**body["parties"][0], "id_number": PLANTED_ID, "phone": PLANTED_PHONE}
        registered = Api(base, api_keys["centre"]).post("/api/centre/v1/cases", body)
        assert registered.status_code == 201, registered.text
        assert quarantined.id is not None and poison.id is not None
        case_id = registered.json()["case_id"]
        yield World(base, runtime, api_keys, dead.message_id, quarantined.id, poison.id, case_id, shots)
    server.stop()
    extra = os.environ.get("DOCKING_CONSOLE_SCREENS")
    if extra:
        shutil.copytree(shots, extra, dirs_exist_ok=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _context(browser: Browser, world: World) -> BrowserContext:
    return new_context(browser, world.base)


def _watch(page: Page, world: World) -> Page:
    return watch(page, world.errors)


@pytest.fixture(scope="module")
def page(browser: Browser, world: World) -> Iterator[Page]:
    """One logged-in ops operator's tab, for the module."""
    context = _context(browser, world)
    tab = _watch(context.new_page(), world)
    log_in(tab, world.keys["ops"])
    assert tab.url.endswith("/console/"), tab.url
    yield tab
    context.close()


def _shoot(page: Page, world: World, name: str) -> str:
    return masked_html(page, world.shots, name, (PLANTED_ID, PLANTED_PHONE))


PAGES = {
    "health": "/console/",
    "outbox": "/console/outbox",
    "outbox-dead": "/console/outbox?status=dead",
    "quarantine": "/console/quarantine",
    "deadlines": "/console/deadlines?within=30d",
    "reconcile": "/console/reconcile",
    "cases": "/console/cases",
    "stats": "/console/stats",
}


def test_every_page_loads_with_data_and_no_personal_number(page: Page, world: World) -> None:
    """Each page answers 200 with the run's data in it, masked, and without a console error."""
    expected = {
        "health": "1 dead message(s)",
        "outbox": world.dead,
        "outbox-dead": world.dead,
        "quarantine": "unknown_key",
        "deadlines": "acceptance",
        "reconcile": "test",
        "cases": world.planted_case,
        "stats": "Cases received",
    }
    for name, path in PAGES.items():
        answer = page.goto(path)
        assert answer is not None and answer.status == 200, (name, answer and answer.status)
        assert expected[name] in _shoot(page, world, name), name
    details = {
        "message": f"/console/outbox/{world.dead}",
        "quarantined": f"/console/quarantine/{world.quarantined}",
        "case": f"/console/cases/{world.planted_case}",
    }
    for name, path in details.items():
        answer = page.goto(path)
        assert answer is not None and answer.status == 200, (name, answer and answer.status)
        _shoot(page, world, name)
    assert "110105********002X" in page.content()  # the planted ID, masked (adapter/masking.py mask_id)
    page.goto("/console/cases?q=PLANT-1")  # the court's / our case id finds the case
    assert page.url.endswith(f"/console/cases/{world.planted_case}")
    assert world.errors == [], world.errors


def test_a_form_post_without_the_csrf_token_is_refused(page: Page, world: World) -> None:
    """The session cookie alone does not make a replay: 403, and nothing is audited or requeued."""
    answer = page.request.post(f"/console/outbox/{world.dead}/replay", form={"reason": "forged"})
    assert answer.status == 403
    forged = page.request.post(f"/console/outbox/{world.dead}/replay", form={"reason": "forged", "csrf": "x" * 32})
    assert forged.status == 403
    with world.runtime.uow.begin() as session:
        assert session.exec(select(AuditRow).where(AuditRow.reason == "forged")).first() is None


def test_a_replay_without_a_reason_is_refused_and_says_why(page: Page, world: World) -> None:
    """With the session's token but a blank reason (past the field's `required`): 422 naming the reason, nothing
    requeued."""
    page.goto(f"/console/outbox/{world.dead}")
    token = page.locator("input[name=csrf]").first.get_attribute("value") or ""
    answer = page.request.post(f"/console/outbox/{world.dead}/replay", form={"reason": "  ", "csrf": token})
    assert answer.status == 422 and "needs a reason" in answer.text()
    with world.runtime.uow.begin() as session:
        assert session.exec(select(OutboxRow).where(OutboxRow.message_id == world.dead)).one().status == "dead"


def test_a_bad_filter_is_named_and_a_page_past_the_end_is_the_last(page: Page, world: World) -> None:
    """A hand-typed `?status=` the listing does not know: 422 naming the filter and its values (not "any" above an
    empty table); `?page=999`: the last page with its rows (not "page 999 of 1" over nothing)."""
    for path, allowed in (("/console/outbox?status=zzz", "pending"), ("/console/quarantine?status=bogus", "open")):
        answer = page.goto(path)
        assert answer is not None and answer.status == 422, path
        text = page.inner_text("body")
        assert "status" in text and "is not one of" in text and allowed in text, text
    for path in ("/console/outbox?page=999", "/console/quarantine?page=999"):
        answer = page.goto(path)
        assert answer is not None and answer.status == 200, path
        html = page.content()
        shown = re.search(r"page (\d+) of (\d+)", html)
        assert shown is None or shown.group(1) == shown.group(2), (path, shown)  # "page" shows past one page
        assert "No message matches" not in html and "Nothing quarantined matches" not in html, path
    world.errors[:] = [e for e in world.errors if "422" not in e]  # the refusals' own statuses
    assert world.errors == [], world.errors


def test_an_unknown_console_address_is_a_console_page(page: Page, world: World) -> None:
    """A mistyped or stale address under /console/: 404 as a page with the menu, naming the address, not JSON."""
    answer = page.goto("/console/reconciliation")
    assert answer is not None and answer.status == 404
    assert page.locator("nav a[href='/console/reconcile']").count() == 1
    assert "There is no console page /console/reconciliation" in page.inner_text("body")
    world.errors[:] = [e for e in world.errors if "404" not in e]  # the page's own status
    assert world.errors == [], world.errors


def test_a_failed_reconciliation_run_does_not_say_in_step(page: Page, world: World) -> None:
    """A run that could not reach a court, with no difference among what it did compare: the page says it failed and
    what to do, never "in step"."""
    with world.runtime.uow.begin() as session:
        run = ReconcileRunRow(
            started_at=utc_now(), scope="open", status="failed", actor="test", detail="court: connection refused"
        )
        session.add(run)
        session.flush()
        run_id = run.id
    page.goto(f"/console/reconcile/{run_id}")
    text = page.inner_text("body")
    assert "failed" in text and "in step" not in text and "Run it again" in text, text
    assert world.errors == [], world.errors


def test_the_dead_letters_fit_a_1366_pixel_screen(page: Page, world: World) -> None:
    """At 1366×768 the outbox's rows fit the window: the last error, the column an operator reads first, is not
    cut off at the right edge."""
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/console/outbox?status=dead")
    box = page.locator("table").first.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1366, box
    assert world.errors == [], world.errors


def _press(page: Page, world: World, path: str, action: str, field: tuple[str, str]) -> None:
    """On `path`, fill the action's field and press its button, as an operator would; wait for the outcome page."""
    page.goto(path)
    page.fill(*field)
    page.click(f"form[action$='/{action}'] button")
    page.wait_for_url(f"**{path}?done={action}*")
    _shoot(page, world, f"{path.split('/')[2]}-{action}")


def test_a_dead_letter_is_replayed_through_the_page(page: Page, world: World) -> None:
    """Replay with a reason: the message is pending again and the audit names the console operator and the reason."""
    _press(page, world, f"/console/outbox/{world.dead}", "replay", ("#reason", "court fixed the case status"))
    assert "Requeued" in page.content()
    with world.runtime.uow.begin() as session:
        row = session.exec(select(OutboxRow).where(OutboxRow.message_id == world.dead)).one()
        audit = session.exec(select(AuditRow).where(AuditRow.subject == world.dead)).all()
    assert row.status == "pending"
    assert [(a.action, a.actor, a.reason) for a in audit] == [("replay", "console:ops", "court fixed the case status")]
    assert world.errors == [], world.errors


def test_a_quarantined_item_is_reprocessed_through_the_page(page: Page, world: World) -> None:
    """With the court's key now configured, reprocessing applies the kept dispatch: a case, and the row says so."""
    _press(page, world, f"/console/quarantine/{world.quarantined}", "reprocess", ("#rnote", "court key added"))
    with world.runtime.uow.begin() as session:
        row = session.get(QuarantineRow, world.quarantined)
    assert row is not None and row.status == "reprocessed" and row.handled_by == "console:ops"
    assert row.outcome.startswith("applied to case MC-"), row.outcome
    assert row.outcome in page.content()
    assert world.errors == [], world.errors


def test_a_quarantined_item_is_resolved_through_the_page_with_a_note(page: Page, world: World) -> None:
    """Resolve needs a note; with one, the item is closed by the console operator and the note kept."""
    _press(page, world, f"/console/quarantine/{world.poison}", "resolve", ("#snote", "court re-sent it corrected"))
    with world.runtime.uow.begin() as session:
        row = session.get(QuarantineRow, world.poison)
    assert row is not None and (row.status, row.handled_by, row.note) == (
        "resolved",
        "console:ops",
        "court re-sent it corrected",
    )
    assert page.locator("form[action$='/resolve']").count() == 0  # nothing left to resolve
    assert world.errors == [], world.errors


def test_a_reconciliation_with_repair_runs_from_the_page(page: Page, world: World) -> None:
    """The run form with repair: the stored run is shown, by the console operator, with its differences."""
    page.goto("/console/reconcile")
    page.check("input[name=repair]")
    page.click("form[action='/console/reconcile'] button")
    page.wait_for_url(re.compile(r".*/console/reconcile/\d+$"))
    html = _shoot(page, world, "reconcile-run")
    assert "by console:ops" in html and "repair" in html
    cells = [c.strip() for c in page.locator("tbody tr").first.locator("td").all_inner_texts()]
    assert cells[6:8] == ["redeliver", "yes"], cells  # the lost accept is requeued, audited
    assert world.errors == [], world.errors


def test_the_monthly_chart_is_a_non_empty_svg(page: Page, world: World) -> None:
    """The statistics page draws its charts as inline SVG; this month's received cases make a visible bar."""
    page.goto("/console/stats")
    charts = page.locator("svg.chart")
    assert charts.count() >= 4
    widths = [
        float(w or 0)
        for w in page.locator("svg.chart rect.bar").evaluate_all("rs => rs.map(r => r.getAttribute('width'))")
    ]
    assert max(widths) > 0
    assert charts.first.bounding_box() is not None
    workbook = page.request.get("/console/stats/report.xlsx")
    assert workbook.status == 200 and workbook.body()[:2] == b"PK"  # the same xlsx as `docking report monthly`
    assert load_workbook(io.BytesIO(workbook.body())).sheetnames
    assert world.errors == [], world.errors


def test_login_is_refused_without_a_key_and_with_a_centre_key(browser: Browser, world: World) -> None:
    """No key, an unknown key: 401; a centre client's key: 403; none of them gets a session."""
    context = _context(browser, world)
    tab = _watch(context.new_page(), world)
    answer = tab.goto("/console/outbox")
    assert tab.url.endswith("/console/login") and answer is not None
    for key, status, says in (
        ("", 401, "Paste an API key"),
        ("dk_unknown", 401, "unknown or revoked"),
        (world.keys["centre"], 403, "may not use the console"),
    ):
        tab.goto("/console/login")
        tab.fill("#key", key)
        with tab.expect_navigation() as posted:
            tab.evaluate("document.querySelector('form').submit()")  # past the field's `required`, as a script could
        assert posted.value.status == status and says in tab.content(), key[:6]
        assert not [c for c in context.cookies() if c["name"] == "docking_console"]
    _shoot(tab, world, "login-refused")
    context.close()
    world.errors[:] = [e for e in world.errors if "401" not in e and "403" not in e]  # the refusals' own statuses
    assert world.errors == [], world.errors


def test_an_admin_logs_in_and_out(browser: Browser, world: World) -> None:
    """The admin role is admitted too; after logging out the session cookie is gone and pages ask for a login."""
    context = _context(browser, world)
    tab = _watch(context.new_page(), world)
    log_in(tab, world.keys["admin"])
    assert tab.url.endswith("/console/") and "admin (admin)" in tab.content()
    tab.click("form.logout button")
    tab.wait_for_url("**/console/login")
    assert not [c for c in context.cookies() if c["name"] == "docking_console"]
    tab.goto("/console/quarantine")
    assert tab.url.endswith("/console/login")
    context.close()
    assert world.errors == [], world.errors


def test_an_ended_session_says_so_and_the_login_returns_to_the_page_asked_for(browser: Browser, world: World) -> None:
    """A garbled session cookie (expired, forged, the server restarted): the login form says the session ended, and
    logging in lands on the filtered page the operator asked for, not on Platforms; a first visit says nothing."""
    context = _context(browser, world)
    tab = _watch(context.new_page(), world)
    tab.goto("/console/outbox?status=dead")
    assert tab.url.endswith("/console/login") and "session ended" not in tab.content()  # a first visit
    log_in(tab, world.keys["ops"])
    tab.wait_for_url(re.compile(r".*/console/outbox\?status=dead$"))
    cookie = next(c for c in context.cookies() if c["name"] == "docking_console")
    context.add_cookies([{**cookie, "value": cookie["value"][:-4] + "AAAA"}])
    tab.goto("/console/quarantine?status=open")
    assert tab.url.endswith("/console/login") and "Your session ended" in tab.content()
    log_in(tab, world.keys["ops"])
    tab.wait_for_url(re.compile(r".*/console/quarantine\?status=open$"))
    context.close()
    assert world.errors == [], world.errors


def test_a_revoked_client_loses_its_session_at_the_next_request(browser: Browser, world: World) -> None:
    """Logged in, then revoked: the next page is the login form."""
    key = add_client(world.runtime.uow, "ops-revoked", Role.parse("ops"), utc_now())
    context = _context(browser, world)
    tab = context.new_page()
    log_in(tab, key)
    assert tab.url.endswith("/console/")
    revoke_client(world.runtime.uow, "ops-revoked", utc_now())
    tab.goto("/console/outbox")
    assert tab.url.endswith("/console/login")
    context.close()
