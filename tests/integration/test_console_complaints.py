"""The console's complaint pages in a real headless browser (Playwright driving Debian's Chromium) against the app
under uvicorn on loopback, over complaints taken in through the centre API: the list with its filters, due dates and
overdue flags, one complaint with its deadlines, timeline and messages — never a full ID or phone number — and the
menu's link. Screenshots go to a directory under pytest's tmp dir."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page

from schemas.clock import CHINA, utc_now
from tests.support.complaint_api import BANK, Served, complaint_api
from tests.support.complaint_samples import RESIDENT_ID, complaint_data
from tests.support.console_page import console_tab, masked_html, sealed

pytestmark = pytest.mark.integration
PHONE = "13812345678"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("console-complaints")
    with complaint_api(f"sqlite:///{tmp / 'adapter.db'}", sealed()) as api:
        now = utc_now().astimezone(CHINA)
        late = {**complaint_data(complaint_id="ZX-LATE"), "received_at": (now - timedelta(days=20)).isoformat()}
        fresh = {**complaint_data(complaint_id="ZX-FRESH", channel="phone"), "received_at": now.isoformat()}
        fresh["complainant"] = {**fresh["complainant"], "id_number": "440104199001010117"}
        for body in (late, fresh):
            answer = api.centre.post("/api/centre/v1/complaints", body)
            assert answer.status_code == 201, answer.text
        yield api


@pytest.fixture(scope="module")
def page(served: Served) -> Iterator[Page]:
    with console_tab(served.base, served.keys["ops"]) as tab:
        yield tab


def _html(page: Page, shots: Path, name: str) -> str:
    return masked_html(page, shots, name, (RESIDENT_ID, PHONE))


def test_the_list_shows_due_dates_and_overdue_flags_and_filters(page: Page, tmp_path: Path, served: Served) -> None:
    answer = page.goto("/console/complaints")
    assert answer is not None and answer.status == 200
    html = _html(page, tmp_path, "complaints")
    assert "ZX-LATE" in html and "ZX-FRESH" in html and "2 complaint(s)" in html and BANK in html
    late_row = page.locator("tr", has_text="ZX-LATE")
    assert "centre_target" in late_row.inner_text()  # 8 working days from receipt, passed: flagged
    assert page.locator("tr", has_text="ZX-FRESH").locator(".s-overdue").count() == 0
    page.check("input[name=overdue]")
    page.click("form.filters button")
    assert "ZX-LATE" in page.content() and "ZX-FRESH" not in page.content()
    page.goto("/console/complaints?channel=&status=WITHDRAWN")
    assert "No complaint matches" in page.content()
    refused = page.goto("/console/complaints?status=SLEEPING")
    assert refused is not None and refused.status == 422 and "is not one of" in page.inner_text("body")
    assert page.locator("nav a[href='/console/complaints']").count() == 1


def test_one_complaint_shows_its_deadlines_timeline_and_messages_masked(page: Page, tmp_path: Path) -> None:
    answer = page.goto("/console/complaints/ZX-LATE")
    assert answer is not None and answer.status == 200
    html = _html(page, tmp_path, "complaint")
    text = page.inner_text("main")
    assert "110105********1230" in text  # the complainant's ID, masked (adapter/masking.py mask_id)
    # never delivered (no desk runs here): the same-day forward is overdue, the decision clock not started
    assert "centre_target" in text and "overdue" in text and "forward" in text and "decision" not in text
    assert "complaint.forward" in text and "forward" in text and "CST" in html
    missing = page.goto("/console/complaints/ZX-NONE")
    assert missing is not None and missing.status == 404 and "There is no complaint" in page.inner_text("body")
    unexpected = [e for e in page.errors if "404" not in e and "422" not in e]  # type: ignore[attr-defined]
    assert unexpected == [], unexpected  # only the refusals' own statuses


def test_the_statistics_page_charts_the_complaint_figures(page: Page, tmp_path: Path) -> None:
    """The dashboard's monthly report (/console/stats) gains the complaint figures and their chart."""
    answer = page.goto("/console/stats")
    assert answer is not None and answer.status == 200
    html = _html(page, tmp_path, "stats")
    assert "Complaints received 投诉受理" in html and "Forwarded the same day 当日转办" in html
    assert page.locator("svg", has_text="Complaints 投诉").count() >= 1


def test_the_list_fits_a_1366_pixel_screen_with_assigned_ids(page: Page, tmp_path: Path, served: Served) -> None:
    """An id the adapter assigns (CP- and 32 hex digits) wraps in its cell: at 1366 px the list needs no sideways
    scrolling (it was 1458 px wide, the Overdue column off screen)."""
    body = complaint_data(channel="letter")
    body.pop("complaint_id")
    body["complainant"] = {**body["complainant"], "id_number": "440104199001010133"}
    body["institution"] = {**body["institution"], "name": "某某银行股份有限公司信用卡中心"}  # as long as they come
    answer = served.centre.post("/api/centre/v1/complaints", body)
    assert answer.status_code == 201, answer.text
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/console/complaints")
    _html(page, tmp_path, "complaints-1366")
    assert answer.json()["complaint_id"] in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
