"""Partners' messages into the generic core and ours out of it, on SQLite and PostgreSQL, with the toy kind and the
fake partner: opening by a partner's message, duplicates dropped, refusals quarantined whole with their bytes and
reason; the feed read by cursor; the outbox delivered (reference kept, refusal dead, credentials retried)."""

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select
from tenacity import Retrying, stop_after_attempt

from adapter.errors import InvalidRequest
from adapter.partners import delivery, feed, inbound, reprocess
from adapter.persistence.tables import QuarantineRow
from adapter.platforms.retry import RetryPolicy
from adapter.prune import prune
from connectors.fake_partner import FakePartner
from connectors.port import CredentialsRefused, RawInbound
from schemas.partner import PartnerEnvelope
from tests.support.partner_world import PARTNER, PartnerWorld, both_backends, world_fixture  # noqa: F401  (fixtures)
from tests.support.toy_partner import BODIES, toy_spec  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("toy_spec")]
POLICY = RetryPolicy(base=1.0, cap=2.0, give_up_after=timedelta(hours=1))


def _receive(w: PartnerWorld, envelope: PartnerEnvelope, partner: str = PARTNER) -> str:
    raw = RawInbound(body=envelope.model_dump_json().encode(), headers={"X-Test": "1"})
    return inbound.receive(w.uow, partner, envelope, raw, clock=w.clock, rules=w.rules, kind="traffic")


def _rows(w: PartnerWorld, sql: str) -> list[tuple[object, ...]]:
    with w.uow.engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(sql))]


def _counts(w: PartnerWorld) -> list[tuple[object, ...]]:
    return _rows(w, "SELECT (SELECT count(*) FROM partner_records), (SELECT count(*) FROM partner_events), "
                    "(SELECT count(*) FROM partner_outbox), (SELECT count(*) FROM inbox)")  # fmt: skip


def test_a_partners_message_opens_a_record_later_ones_find_it_by_reference_and_duplicates_are_dropped(
    w: PartnerWorld,
) -> None:
    offer = w.message("toy.offered", {"subject": "JT-9"}, partner_ref="SN-1")
    assert _receive(w, offer) == "applied"
    assert _receive(w, offer) == "duplicate"
    ((record_id, status, ref, subject),) = _rows(
        w, "SELECT record_id, status, partner_ref, subject FROM partner_records"
    )
    assert (status, ref, subject) == ("OPEN", "SN-1", "JT-9") and str(record_id).startswith("TR-")
    assert _receive(w, w.message("toy.offered", {"subject": "JT-9"}, partner_ref="SN-1")) == "applied"  # new id
    assert _receive(w, w.message("toy.noted", {"reason": "call 13812345678"}, partner_ref="SN-1")) == "applied"
    notes = _rows(w, "SELECT note, actor, detail FROM partner_events ORDER BY id")
    assert [n[0] for n in notes] == ["offered", "offered_again", "noted"] and notes[0][1] == f"partner:{PARTNER}"
    assert "13812345678" not in str(notes[2][2])
    assert _rows(w, "SELECT count(*) FROM partner_records") == [(1,)]
    assert _rows(w, "SELECT platform, type, case_id FROM inbox ORDER BY id")[0] == (PARTNER, "toy.offered", None)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda w, rid: w.message("toy.done", {}, record_id=rid), "illegal_transition"),
        (lambda w, rid: w.message("toy.done", {}, record_id="TR-nobody"), "unknown_record"),
        (lambda w, rid: w.message("toy.done", {}, partner_ref="SN-unknown"), "unknown_record"),  # the kind's refusal
        (lambda w, rid: w.message("toy.bogus", {}, record_id=rid), "message_type"),
        (lambda w, rid: w.message("toy.noted", {}, record_id=rid, partner="other"), "wrong_partner"),
        (lambda w, rid: w.message("toy.noted", {}, record_id=rid, sent_at=w.now + timedelta(hours=3)), "future"),
        (lambda w, rid: w.message("toy.noted", {"reason": "a\x00b"}, record_id=rid), "invalid"),
    ],
)
def test_a_message_that_cannot_apply_is_quarantined_with_its_bytes_and_nothing_else_is_written(
    w: PartnerWorld, make: object, reason: str
) -> None:
    record_id = w.file().record.record_id
    before = _counts(w)
    envelope = make(w, record_id)  # type: ignore[operator]
    assert _receive(w, envelope) == "quarantined"
    assert _counts(w) == before
    with w.uow.begin() as session:
        (kept,) = session.exec(select(QuarantineRow)).all()
    assert (kept.platform, kept.feed, kept.reason) == (PARTNER, "partners", reason)
    assert kept.raw == envelope.model_dump_json().encode() and kept.message_id == envelope.message_id


def test_a_message_id_applied_before_with_another_body_is_a_conflict(w: PartnerWorld) -> None:
    record_id = w.file().record.record_id
    assert _receive(w, w.message("toy.noted", {"reason": "one"}, record_id=record_id, message_id="M-1")) == "applied"
    again = w.message("toy.noted", {"reason": "two"}, record_id=record_id, message_id="M-1")
    assert _receive(w, again) == "quarantined"
    assert _rows(w, "SELECT reason FROM quarantine") == [("conflict",)]


def test_the_feed_is_read_by_cursor_and_a_bad_signature_is_quarantined(w: PartnerWorld) -> None:
    port = FakePartner(PARTNER, bodies=BODIES.__getitem__)
    for n in range(3):
        port.publish(w.message("toy.offered", {"subject": f"JT-{n}"}, partner_ref=f"SN-{n}"))
    port.publish(w.message("toy.offered", {"subject": "JT-x"}, partner_ref="SN-x"), tamper=True)
    port.publish_raw(b'{"message_id": "M-bad", "kind": "traffic"}')
    port.publish(w.message("toy.offered", {"subjekt": "typo"}, partner_ref="SN-y"))
    counts = feed.poll(w.uow, port, w.clock, w.rules, limit=2)
    assert dict(counts) == {"applied": 3, "quarantined": 3}
    assert _rows(w, "SELECT value FROM cursors WHERE platform = 'toy-platform' AND feed = 'partners'") == [("6",)]
    reasons = [r[0] for r in _rows(w, "SELECT reason FROM quarantine ORDER BY id")]
    assert reasons == ["bad_signature", "invalid", "invalid"]
    assert dict(feed.poll(w.uow, port, w.clock, w.rules)) == {}  # nothing new: the cursor held


def _once() -> Retrying:
    return Retrying(stop=stop_after_attempt(1), reraise=True)


def _deliver(w: PartnerWorld, port: FakePartner) -> dict[str, int]:
    return dict(delivery.deliver(w.uow, {PARTNER: port}, w.clock, POLICY, retrying=_once, jitter=lambda: 0.5))


def test_the_outbox_is_delivered_in_order_and_the_partners_reference_kept(w: PartnerWorld) -> None:
    port = FakePartner(PARTNER, status_after={"toy.request": "received", "toy.answer": "accepted"})
    record_id = w.file().record.record_id
    w.act("accept", record_id, {})
    assert _deliver(w, port) == {"delivered": 2}
    assert [e.type for e in port.sent] == ["toy.request", "toy.answer"]
    assert w.row(record_id).partner_ref == "FP000001" and port.statuses[record_id] == "accepted"
    assert _deliver(w, port) == {}
    later, retention = w.now + timedelta(days=31), timedelta(days=30)
    assert prune(w.uow, later, retention)["partner_messages"] == 0  # an open record keeps its messages
    assert _receive(w, w.message("toy.done", {}, record_id=record_id)) == "applied"
    assert w.row(record_id).closed_at is not None
    assert prune(w.uow, later, retention)["partner_messages"] == 2


def test_a_refused_message_is_dead_and_replayed_and_a_credentials_refusal_is_retried(w: PartnerWorld) -> None:
    port = FakePartner(PARTNER)
    first = w.file().record.record_id
    port.fail_next(CredentialsRefused(PARTNER, "401", "unknown key"))
    assert _deliver(w, port) == {"retried": 1}
    w.advance(seconds=5)
    port.refuse(first, "bad_request", "missing field")
    assert _deliver(w, port) == {"dead": 1}
    (dead,) = delivery.dead(w.uow)
    assert "bad_request" in dead.last_error
    port._refused.clear()
    assert delivery.replay(w.uow, None, actor="op", reason="fixed", now=w.now) == [dead.message_id]
    assert _deliver(w, port) == {"delivered": 1}
    assert _rows(w, "SELECT action, subject FROM audit") == [("replay_partner_message", dead.message_id)]


def test_a_quarantined_item_is_reprocessed_once_its_record_allows_it(w: PartnerWorld) -> None:
    port = FakePartner(PARTNER, bodies=BODIES.__getitem__)
    record_id = w.file().record.record_id
    early = port.publish(w.message("toy.done", {}, record_id=record_id))  # before the centre accepted
    assert inbound.ingest(w.uow, port, early, w.clock, w.rules) == "quarantined"
    ((qid,),) = _rows(w, "SELECT id FROM quarantine")
    still = reprocess.reprocess(w.uow, port, int(str(qid)), actor="op", note="", clock=w.clock, rules=w.rules)
    assert still.startswith("still refused: illegal_transition")
    w.act("accept", record_id, {})
    done = reprocess.reprocess(w.uow, port, int(str(qid)), actor="op", note="accepted now", clock=w.clock,
                               rules=w.rules)  # fmt: skip
    assert done.startswith("applied") and w.row(record_id).status == "DONE"
    assert _rows(w, "SELECT status FROM quarantine") == [("reprocessed",)]
    assert [a for (a,) in _rows(w, "SELECT action FROM audit")] == ["quarantine-reprocess"] * 2
    with pytest.raises(InvalidRequest):
        reprocess.reprocess(w.uow, port, int(str(qid)), actor="op", note="", clock=w.clock, rules=w.rules)
