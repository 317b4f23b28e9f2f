"""Centre events about partner records (adapter/events/partner_events.py), each written in its cause's transaction,
on SQLite and PostgreSQL with the toy kind and the fake partner: a record opened (by the centre or by a partner's
offer), a partner's message applied, a due date passed, a message given up, a reconciliation difference — each
event's `case_id` the record id, its data the list columns, never a personal number; a refused change leaves no
event."""

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from tenacity import Retrying, stop_after_attempt

from adapter.deadlines.calendar import WorkCalendar
from adapter.errors import InvalidRequest
from adapter.partners import delivery, inbound, reconcile, sweep
from adapter.platforms.retry import RetryPolicy
from connectors.fake_partner import FakePartner
from tests.support.partner_world import PARTNER, PartnerWorld, both_backends, world_fixture  # noqa: F401  (fixtures)
from tests.support.samples import RESIDENT_ID
from tests.support.toy_partner import ToyRules, toy_spec  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("toy_spec")]
POLICY = RetryPolicy(base=1.0, cap=2.0, give_up_after=timedelta(hours=1))


def events(w: PartnerWorld) -> list[tuple[str, str | None, dict[str, Any]]]:
    with w.uow.engine.connect() as connection:
        rows = connection.execute(text("SELECT type, case_id, data_json FROM centre_events ORDER BY id"))
        return [(r.type, r.case_id, json.loads(r.data_json)) for r in rows]


def test_each_cause_writes_its_event_with_the_record_and_nothing_personal(w: PartnerWorld) -> None:
    filed = w.file().record.record_id
    port = FakePartner(PARTNER)
    receive = lambda envelope: inbound.receive(w.uow, PARTNER, envelope, b"{}", clock=w.clock, rules=ToyRules())  # noqa: E731
    assert receive(w.message("toy.offered", {"subject": "JT-9"}, partner_ref="REF-9")) == inbound.APPLIED
    w.act("accept", filed, {"note": f"call {RESIDENT_ID}"})  # the centre's own action: no event
    assert receive(w.message("toy.done", {"reason": "paid"}, record_id=filed)) == inbound.APPLIED
    found = events(w)
    assert [(t, c) for t, c, _ in found] == [
        ("partner.record_opened", filed), ("partner.record_opened", found[1][1]), ("partner.updated", filed)
    ]  # fmt: skip
    opened, offered, done = (d for _, _, d in found)
    assert (opened["by"], opened["status"], opened["subject"], opened["amount"]) == ("clerk", "OPEN", "JT-0001",
                                                                                     "120.50")  # fmt: skip
    assert (offered["by"], offered["partner_ref"], offered["message_type"]) == (f"partner:{PARTNER}", "REF-9",
                                                                                 "toy.offered")  # fmt: skip
    assert (done["from_status"], done["status"], done["event"], done["version"]) == ("ACCEPTED", "DONE", "finish", 3)
    assert RESIDENT_ID not in json.dumps(found) and "13812345678" not in json.dumps(found)

    with pytest.raises(InvalidRequest):
        w.file(amount="5000.00")  # refused by the kind's guard: nothing written, no event
    assert len(events(w)) == 3

    late = w.file(subject="LATE").record.record_id
    port.refuse(late, "E42", "no such account")
    once = lambda: Retrying(stop=stop_after_attempt(1), reraise=True)  # noqa: E731
    delivery.deliver(w.uow, {PARTNER: port}, w.clock, POLICY, retrying=once, jitter=lambda: 0.5)
    dead = [d for t, _, d in events(w) if t == "partner.message_dead"]
    assert [(d["record_id"], d["message_type"]) for d in dead] == [(late, "toy.request")] and "E42" in dead[0]["error"]

    w.advance(days=10)
    sweep.sweep(w.uow, w.clock, WorkCalendar(), lambda partner, kind: ToyRules())
    alerts = [(c, d["due"]["state"]) for t, c, d in events(w) if t == "partner.deadline_alert"]
    assert sorted(alerts) == sorted([(found[1][1], "overdue"), (late, "overdue")])  # the records still OPEN

    lost = w.file(subject="LOST").record.record_id
    delivery.deliver(w.uow, {PARTNER: port}, w.clock, POLICY, retrying=once, jitter=lambda: 0.5)
    port.forget(lost)
    reconcile.reconcile(w.uow, port, w.clock)
    differences = [d for t, _, d in events(w) if t == "partner.reconcile_difference"]
    assert [(d["record_id"], d["ours"], d["theirs"], d["action"]) for d in differences] == [
        (lost, "received", None, "report")
    ]


def test_a_partner_refusal_quoting_an_account_number_is_masked_wherever_it_is_kept(
    w: PartnerWorld, caplog: pytest.LogCaptureFixture
) -> None:
    """The partner's answer may quote what it was sent: the dead message's last_error, its event and the log mask
    it (adapter/outbox/table_queue.py, adapter/masking.py mask_document)."""
    account, record = "6222021234567890123", w.file(subject="PAYEE").record.record_id
    port = FakePartner(PARTNER)
    port.refuse(record, "E42", f"no such account {account}, holder {RESIDENT_ID}")
    once = lambda: Retrying(stop=stop_after_attempt(1), reraise=True)  # noqa: E731
    delivery.deliver(w.uow, {PARTNER: port}, w.clock, POLICY, retrying=once, jitter=lambda: 0.5)
    (dead,) = [d for t, _, d in events(w) if t == "partner.message_dead"]
    (row,) = w.outbox(record)
    kept = [dead["error"], row.last_error or "", caplog.text]
    assert row.status == "dead" and all("E42" in k and account[-4:] in k for k in kept), kept
    assert not [k for k in kept if account in k or RESIDENT_ID in k], kept
