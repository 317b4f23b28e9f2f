"""The partner record pages of the three real kinds in a real headless browser (tests/support/console_page.py) at
a desktop 1366×768 and a phone's 390 px: a traffic case (linked to a mediation case of ours), an arbitration
application and the SPC roster's organisation and mediator, stored as each kind's own actions leave them. Every
page fits its width (no sideways scrolling of the page: a wide table scrolls in its own box), every time in the
facts reads China time "CST" like the rest of the page (the kinds store UTC "Z"), dates and case numbers as stored;
a dead message to the partner shows its replay form, and a replay with a reason requeues it, audited.
Screenshots go to $DOCKING_CONSOLE_SCREENS if set, else under pytest's tmp dir."""

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page
from sqlmodel import select

from adapter.partners import delivery
from adapter.partners.arbitration.actions import SubmitInput, submit_application
from adapter.partners.arbitration.rules import CommissionRules
from adapter.partners.spec import PartnerRecord
from adapter.persistence import partner_store as store
from adapter.persistence.partner_tables import PartnerOutboxRow
from adapter.persistence.tables import AuditRow
from adapter.platforms.retry import RetryPolicy
from connectors.port import RejectedError
from schemas.clock import utc_now
from schemas.partner import PartnerEnvelope
from tests.support import arb_samples, roster_samples, traffic_records
from tests.support.api import flow_c_case
from tests.support.console_page import console_tab, masked_html, sealed
from tests.support.partner_api import PartnerServed, partner_api

pytestmark = pytest.mark.integration
ZULU = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})")  # a time as stored
WIDTHS = {"1366": {"width": 1366, "height": 768}, "390": {"width": 390, "height": 844}}


class Refusing:
    """A partner that refuses every message (a RejectedError: the message is dead at once)."""

    def send(self, envelope: PartnerEnvelope) -> Any:
        raise RejectedError(envelope.partner, "E4001", "the accident number is unknown here")


def _records() -> dict[str, PartnerRecord]:
    submitted = submit_application(None, SubmitInput(application=arb_samples.parsed()), arb_samples.NOW,
                                   CommissionRules(commission_name="广州仲裁委员会"))  # fmt: skip
    return {
        "traffic": traffic_records.record("MEDIATING"),
        "arbitration": arb_samples.apply(None, submitted),
        "roster-org": roster_samples.org_record("ACTIVE"),
        "roster-mediator": roster_samples.mediator_record("ACTIVE"),
    }


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PartnerServed, dict[str, str], str]]:
    tmp = tmp_path_factory.mktemp("console-kinds")
    with partner_api(f"sqlite:///{tmp / 'adapter.db'}", sealed(), tmp) as api:
        case = api.centre.post("/api/centre/v1/cases", flow_c_case("JT-LINK-1"))
        assert case.status_code == 201, case.text
        case_id, ids = case.json()["case_id"], {}
        with api.runtime.uow.begin() as session:
            for name, r in _records().items():
                record_id = store.new_record_id(r.kind)
                store.insert(session, record_id=record_id, kind=r.kind, partner=r.partner, at=r.opened_at,
                             status=r.status, facts_json=store.facts_text(r.facts), subject=r.subject or name,
                             amount=r.amount, partner_ref=r.partner_ref,
                             case_id=case_id if name == "traffic" else None)  # fmt: skip
                ids[name] = record_id
                line = store.HistoryLine(None, "opened", "", r.status, "api:centre", f"{name} opened for {r.subject}")
                store.add_history(session, record_id, line, r.opened_at)
            store.enqueue(session, PartnerEnvelope(message_id="OUT-DEAD-1", kind=r.kind, partner="dj",
                                                   record_id=ids["traffic"], type="traffic.mediation_result",
                                                   sent_at=utc_now(), body={"result": "agreed"}))  # fmt: skip
        done = delivery.deliver(api.runtime.uow, {"dj": Refusing()}, utc_now, RetryPolicy())  # type: ignore[dict-item]
        assert done["dead"] == 1, done
        yield api, ids, case_id


@pytest.fixture(scope="module")
def page(served: tuple[PartnerServed, dict[str, str], str]) -> Iterator[Page]:
    with console_tab(served[0].base, served[0].keys["ops"]) as tab:
        yield tab


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = os.environ.get("DOCKING_CONSOLE_SCREENS")
    return Path(wanted) if wanted else tmp_path_factory.mktemp("console-kinds-shots")


def _fits(page: Page, width: str) -> None:
    """The page never scrolls sideways; on the desktop no table does either (on a phone a wide one scrolls in its
    box)."""
    page_width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert page_width[0] <= page_width[1], (page.url, page_width)
    if width == "1366":
        boxes = page.evaluate("[...document.querySelectorAll('div.scroll')].map(d => [d.scrollWidth, d.clientWidth])")
        assert boxes and all(inner <= outer for inner, outer in boxes), (page.url, boxes)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_each_kind_s_record_page_fits_and_reads_its_facts_in_china_time(
    page: Page, shots: Path, served: tuple[PartnerServed, dict[str, str], str], width: str
) -> None:
    _, ids, case_id = served
    page.set_viewport_size(WIDTHS[width])  # type: ignore[arg-type]
    for name, record_id in ids.items():
        answer = page.goto(f"/console/partners/{record_id}")
        assert answer is not None and answer.status == 200, name
        masked_html(page, shots, f"partner-{name}-{width}", ())
        _fits(page, width)
        facts = page.inner_text("pre.facts")
        assert not ZULU.search(facts), (name, ZULU.search(facts))  # no time left as the kind stored it
        assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} CST", facts), name
    traffic = f"/console/partners/{ids['traffic']}"
    page.goto(traffic)
    assert page.locator(f"a[href='/console/cases/{case_id}']").count() == 1  # the linked mediation case
    color = "e => getComputedStyle(e).color"
    assert "traffic opened for" in page.locator("td.detail").first.inner_text()
    body = page.evaluate("getComputedStyle(document.body).color")
    assert page.locator("td.detail").first.evaluate(color) == body  # detail text, not styled as an error
    assert page.locator("tr", has_text="OUT-DEAD-1").locator("td.err").evaluate(color) != body  # the error is red
    dead = page.locator("tr", has_text="OUT-DEAD-1")
    assert "dead" in dead.inner_text() and "E4001" in dead.inner_text()
    assert page.locator("form[action$='/messages/OUT-DEAD-1/replay'] button").count() == 1
    page.goto("/console/partners")
    masked_html(page, shots, f"partners-{width}", ())
    _fits(page, width)
    page.select_option("select[name=kind]", "roster")
    page.click("form.filters button")  # the filters, used as an operator does
    assert "2 record(s)" in page.inner_text("main") and page.locator("td.id").count() == 2
    assert all("roster" in row.inner_text() for row in page.locator("tbody tr").all())
    page.goto("/console/partners?kind=traffic&partner=nobody")
    masked_html(page, shots, f"partners-empty-{width}", ())
    empty = page.locator("p.empty", has_text="No partner record matches").bounding_box()
    assert empty is not None and empty["x"] + empty["width"] <= WIDTHS[width]["width"], empty  # seen, not cut off
    assert page.locator("table").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert page.errors == [], page.errors  # type: ignore[attr-defined]


def test_a_dead_message_is_replayed_from_the_record_page_with_a_reason(
    page: Page, shots: Path, served: tuple[PartnerServed, dict[str, str], str]
) -> None:
    api, ids, _ = served
    path = f"/console/partners/{ids['traffic']}"
    page.set_viewport_size(WIDTHS["1366"])  # type: ignore[arg-type]
    forged = page.request.post(f"{path}/messages/OUT-DEAD-1/replay", form={"reason": "forged"})
    assert forged.status == 403  # the session cookie alone replays nothing (no CSRF token)
    page.goto(path)
    form = page.locator("form[action$='/messages/OUT-DEAD-1/replay']")
    form.locator("input[name=reason]").fill("the platform fixed its accident index")
    form.locator("button").click()
    page.wait_for_url(f"**{path}?done=replay")
    masked_html(page, shots, "partner-replayed", ())
    assert "Requeued" in page.inner_text("main") and page.locator("form[action$='/replay']").count() == 0
    with api.runtime.uow.begin() as session:
        row = session.exec(select(PartnerOutboxRow).where(PartnerOutboxRow.message_id == "OUT-DEAD-1")).one()
        audit = session.exec(select(AuditRow).where(AuditRow.subject == "OUT-DEAD-1")).all()
    assert row.status == "pending"
    assert [(a.action, a.actor, a.reason) for a in audit] == [
        ("replay_partner_message", "console:ops", "the platform fixed its accident index")
    ]
    other = page.request.post(f"/console/partners/{ids['arbitration']}/messages/OUT-DEAD-1/replay",
                              form={"reason": "x", "csrf": _csrf(page)})  # fmt: skip
    assert other.status == 422 and "no partner message" in other.text()  # another record's message: refused


def _csrf(page: Page) -> str:
    return str(page.locator("form.logout input[name=csrf]").input_value())
