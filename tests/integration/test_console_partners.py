"""The console's partner pages in a real headless browser (Playwright driving Debian's Chromium) against the app
under uvicorn on loopback, over records opened through the centre API and a partner's signed push (the toy kind,
tests/support/toy_partner.py): the list with its filters and next due dates, one record with its due dates,
timeline, messages and facts — a planted ID and mobile number never in the page, whole — and the menu's link.
Screenshots go to a directory under pytest's tmp dir."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from adapter.partners.specs import SPECS
from scheduler.partners import WIRE_FACTORIES
from schemas.clock import utc_now
from schemas.partner import PartnerEnvelope
from tests.support.console_page import console_tab, masked_html, sealed
from tests.support.partner_api import PartnerServed, partner_api
from tests.support.partner_world import PARTNER
from tests.support.samples import RESIDENT_ID
from tests.support.toy_partner import KIND, ToySpec

pytestmark = pytest.mark.integration
PHONE = "13812345678"
FILE = "/api/centre/v1/partners/traffic/actions/file"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PartnerServed, dict[str, str]]]:
    before, wire = SPECS.get(KIND), WIRE_FACTORIES.pop(KIND, None)  # the toy speaks the canonical wire
    SPECS[KIND] = ToySpec()  # the toy for this module (the toy_spec fixture is per test)
    tmp = tmp_path_factory.mktemp("console-partners")
    try:
        with partner_api(f"sqlite:///{tmp / 'adapter.db'}", sealed(), tmp) as api:
            ids = {}
            for subject in ("JT-FILED", "JT-ACCEPTED"):
                data = {"subject": subject, "amount": "88.00", "holder_id": RESIDENT_ID, "phone": f"call {PHONE}"}
                answer = api.centre.post(FILE, data)
                assert answer.status_code == 201, answer.text
                ids[subject] = answer.json()["record_id"]
            accepted = api.centre.post(f"/api/centre/v1/partners/records/{ids['JT-ACCEPTED']}/actions/accept",
                                       {"note": f"holder {RESIDENT_ID} agreed by phone {PHONE}"})  # fmt: skip
            assert accepted.status_code == 200, accepted.text
            offer = PartnerEnvelope(message_id="TP-1", kind=KIND, partner=PARTNER, partner_ref="REF-1",
                                    type="toy.offered", sent_at=utc_now(), body={"subject": "JT-OFFER"})  # fmt: skip
            pushed = api.push(*api.signed(offer))
            assert pushed.json()["result"] == "accepted", pushed.text
            ids["JT-OFFER"] = pushed.json()["record_id"]
            yield api, ids
    finally:
        if before is None:
            SPECS.pop(KIND, None)
        else:
            SPECS[KIND] = before
        if wire is not None:
            WIRE_FACTORIES[KIND] = wire


@pytest.fixture(scope="module")
def page(served: tuple[PartnerServed, dict[str, str]]) -> Iterator[Page]:
    with console_tab(served[0].base, served[0].keys["ops"]) as tab:
        yield tab


def _html(page: Page, shots: Path, name: str) -> str:
    return masked_html(page, shots, name, (RESIDENT_ID, PHONE))


def test_the_list_shows_every_kind_partner_and_status_and_filters(
    page: Page, tmp_path: Path, served: tuple[PartnerServed, dict[str, str]]
) -> None:
    _, ids = served
    answer = page.goto("/console/partners")
    assert answer is not None and answer.status == 200
    html = _html(page, tmp_path, "partners")
    assert all(i in html for i in ids.values()) and "3 record(s)" in html and PARTNER in html
    assert "answer" in page.locator("tr", has_text="JT-FILED").inner_text()  # its next due date
    assert "REF-1" in page.locator("tr", has_text="JT-OFFER").inner_text()
    page.select_option("select[name=status]", "ACCEPTED")
    page.click("form.filters button")
    assert ids["JT-ACCEPTED"] in page.content() and ids["JT-FILED"] not in page.content()
    page.goto("/console/partners?kind=traffic&partner=nobody")
    assert "No partner record matches" in page.content()
    refused = page.goto("/console/partners?kind=shipping")
    assert refused is not None and refused.status == 422 and "is not one of" in page.inner_text("body")
    assert page.locator("nav a[href='/console/partners']").count() == 1


def test_one_record_shows_due_dates_timeline_messages_and_masked_facts(
    page: Page, tmp_path: Path, served: tuple[PartnerServed, dict[str, str]]
) -> None:
    _, ids = served
    answer = page.goto(f"/console/partners/{ids['JT-ACCEPTED']}")
    assert answer is not None and answer.status == 200
    html = _html(page, tmp_path, "partner")
    text = page.inner_text("main")
    assert RESIDENT_ID[:6] in text and RESIDENT_ID[-4:] in text  # the holder's ID, masked
    assert "filed" in text and "accept" in text and "api:centre" in text and "CST" in html
    assert "toy.request" in text and "toy.answer" in text and "pending" in text
    assert "met" in text and "working days" in text  # the answer due date, met by the acceptance
    facts = page.inner_text("pre.facts")  # the toy stores its times in UTC ("Z"): shown in China time
    assert re.search(r'"filed_at": "\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} CST"', facts), facts
    assert re.search(r'"accepted_at": "\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} CST"', facts), facts
    missing = page.goto("/console/partners/TR-NONE")
    assert missing is not None and missing.status == 404 and "There is no partner record" in page.inner_text("body")
    unexpected = [e for e in page.errors if "404" not in e and "422" not in e]  # type: ignore[attr-defined]
    assert unexpected == [], unexpected
