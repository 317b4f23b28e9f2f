"""A party's window is no duty of ours (PartnerDue.duty False — an award's correction or set-aside [P21 Arts 56,
59]): the partners' deadline sweep (adapter/partners/sweep.py), `docking partners deadlines` (closing_within) and
the API's and console's record view show it open until it closes, then lapsed — never due soon, never overdue, and
no `deadline_alert` (history note, alert condition, centre event) is raised for it; a duty beside it with the same
close is laddered and alerted as ever. On SQLite and PostgreSQL, with the toy kind given a window beside its duty.
"""

import json
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from adapter.deadlines.calendar import WorkCalendar
from adapter.deadlines.compute import classify
from adapter.partners import sweep
from adapter.partners.spec import PartnerDue, PartnerRecord
from adapter.partners.specs import SPECS
from adapter.persistence import partner_store as store
from api.partner_view import detail
from schemas.clock import CHINA
from tests.support.partner_world import START, PartnerWorld, both_backends, world_fixture  # noqa: F401  (fixtures)
from tests.support.toy_partner import KIND, St, ToySpec, toy_spec  # noqa: F401  (the fixture)

pytestmark = pytest.mark.integration
WINDOW_RULE = "a party may object within 3 working days of the offer (its own window) [P44 Art 12]"


class ToyWithWindow(ToySpec):
    """The toy's `answer` duty, and a party's `object` window closing with it (3 working days from opening)."""

    def due_dates(
        self,
        record: PartnerRecord,
        history: Sequence[tuple[datetime, str]],
        calendar: WorkCalendar,
        now: datetime,
        rules: Any,
    ) -> list[PartnerDue]:
        (answer,) = super().due_dates(record, history, calendar, now, rules)
        assert answer.due_at is not None
        state = classify(answer.due_at, None, record.status == St.OPEN, now, timedelta(days=1), duty=False)
        return [answer, replace(answer, name="object", rule=WINDOW_RULE, state=state, met_at=None, duty=False)]


@pytest.fixture(autouse=True)
def toy_with_window(toy_spec: ToySpec) -> Iterator[None]:  # noqa: F811  (the fixture)
    SPECS[KIND] = ToyWithWindow()
    yield  # toy_spec puts back what was registered


H = timedelta(hours=1)
# moment, its offset from the close (Fri 00:00 CST after the last day, Thu) → per due date: the state its
# `docking partners deadlines` row shows (None: no row — lapsed) and whether this sweep raised its alert
TABLE: list[tuple[str, timedelta, dict[str, tuple[str | None, bool]]]] = [
    ("before the sweep's 24 h", -48 * H, {"answer": ("open", False), "object": ("open", False)}),
    ("within the sweep's 24 h", -9 * H, {"answer": ("due_soon", True), "object": ("open", False)}),
    ("at the close exactly", timedelta(0), {"answer": ("overdue", True), "object": (None, False)}),
    ("a day and more after", 33 * H, {"answer": ("overdue", True), "object": (None, False)}),
]


def _alert_rows(w: PartnerWorld, rid: str) -> tuple[set[tuple[str, str]], set[str], set[str]]:
    """The record's alert notes (due, state), its alert conditions' due names and its centre events' due names."""
    notes = {(d["kind"], d["state"]) for d in (_json(h.detail) for h in w.history(rid) if h.note == sweep.ALERT)}
    with w.uow.engine.connect() as connection:
        subjects = connection.execute(text("SELECT subject FROM alert_conditions")).scalars().all()
        events = connection.execute(
            text("SELECT data_json FROM centre_events WHERE type = 'partner.deadline_alert' AND case_id = :rid"),
            {"rid": rid},
        ).scalars()
        due_names = {_json(e)["due"]["kind"] for e in events}
    return notes, {s.split(":", 1)[1] for s in subjects if s.startswith(f"{rid}:")}, due_names


def _json(value: str) -> dict[str, Any]:
    found = json.loads(value)
    assert isinstance(found, dict)
    return found


def test_a_window_is_open_then_lapsed_never_alerted_while_the_duty_beside_it_is(w: PartnerWorld) -> None:
    calendar, rules = WorkCalendar(), sweep.rules_lookup({})
    for week, (moment, offset, expected) in enumerate(TABLE):
        # each moment its own record, opened on a Monday 09:00 CST (November 2026 has no holiday), first swept then
        w.now = START + timedelta(days=7 * week)
        rid = w.file(subject=f"W{week}").record.record_id
        close = datetime.combine(w.now.astimezone(CHINA).date() + timedelta(days=4), datetime.min.time(), CHINA)
        w.now = close + offset
        rows = sweep.closing_within(w.uow, calendar, rules, w.now, timedelta(days=10))
        shown = {r["due"]: (r["state"], r["duty"]) for r in rows if r["record"] == rid}
        want = {name: (state, name == "answer") for name, (state, _) in expected.items() if state is not None}
        assert shown == want, moment
        assert all(r["due_day"] == (close - H).date().isoformat() for r in rows if r["record"] == rid), moment

        sweep.sweep(w.uow, w.clock, calendar, rules)
        notes, conditions, events = _alert_rows(w, rid)
        raised = {name for name, (_, alerted) in expected.items() if alerted}
        assert {name for name, _ in notes} == raised and conditions == raised and events == raised, moment
        assert notes == {(name, expected[name][0]) for name in raised}, moment
        again = sweep.sweep(w.uow, w.clock, calendar, rules)
        assert not any(k.startswith("alert_") for k in again), f"{moment}: once per state"

        with w.uow.begin() as session:  # the API's and the console's record view
            shown_view = detail(session, store.get(session, rid, lock=False), calendar, rules, w.now)["due_dates"]
        (window,) = [d for d in shown_view if d["name"] == "object"]
        assert (window["state"], window["duty"]) == (expected["object"][0] or "lapsed", False), moment
        assert [d["duty"] for d in shown_view if d["name"] == "answer"] == [True]
        assert w.row(rid).version == 1, "an alert is no change of the record"
