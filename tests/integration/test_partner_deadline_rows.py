"""`docking deadlines` and the console's deadlines page list the partner records' due dates beside the cases' and
complaints' (adapter/deadlines/closing.py): one row per live due date in the table's columns, `kind` the partner
kind, `case` the record id, `court_case` its partner — on SQLite and PostgreSQL, with the toy kind."""

from datetime import timedelta

import pytest

from adapter.deadlines import Deadlines
from adapter.deadlines.closing import closing_within
from adapter.partners.sweep import rules_lookup
from tests.support.partner_world import PARTNER, PartnerWorld, both_backends, world_fixture  # noqa: F401  (fixtures)
from tests.support.toy_partner import toy_spec  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("toy_spec")]


def test_partner_due_dates_are_rows_of_the_deadlines_table_beside_the_cases(w: PartnerWorld) -> None:
    late = w.file(subject="LATE").record.record_id
    w.advance(days=7)
    fresh = w.file(subject="FRESH").record.record_id
    done = w.file(subject="DONE").record.record_id
    w.act("accept", done, {})  # its answer due date is met: no row
    engine = Deadlines()
    rows = closing_within(w.uow, engine, w.now, timedelta(days=1), partners=rules_lookup({}))
    assert [(r["case"], r["court_case"], r["kind"], r["deadline"], r["state"]) for r in rows] == [
        (late, PARTNER, "traffic", "answer", "overdue")
    ]
    assert rows[0]["closes_in_hours"] < 0 and "working days" in rows[0]["rule"]
    wide = closing_within(w.uow, engine, w.now, timedelta(days=10), partners=rules_lookup({}))
    assert [r["case"] for r in wide] == [late, fresh]
    assert closing_within(w.uow, engine, w.now, timedelta(days=10)) == []  # without partners: cases only
