"""A pushing partner through the partner core (adapter/partners/push.py) on SQLite and PostgreSQL, with the toy kind:
a signed item opens a record and is answered after its commit; a resend is a duplicate; a bad signature, a stale
signed time and a message the record's status refuses are rejected and kept in quarantine with their bytes."""

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from adapter.complaints.desk_push import ACCEPTED, DUPLICATE, REJECTED, DeskPushed
from adapter.partners.push import receive_pushed
from adapter.persistence import partner_store as store
from adapter.persistence.tables import QuarantineRow
from adapter.platforms.signers import build_verifier
from connectors.fake_partner import FakePartner
from sandbox.pairing import arrange_keys
from schemas.partner import PartnerEnvelope
from signing.base import MessageSigner
from tests.support.partner_world import PARTNER, PartnerWorld, both_backends, world_fixture  # noqa: F401  (fixtures)
from tests.support.toy_partner import BODIES, toy_spec  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("toy_spec")]


def _signed(signer: MessageSigner, envelope: PartnerEnvelope) -> tuple[bytes, dict[str, str]]:
    body = envelope.model_dump_json().encode()
    return body, dict(signer.sign(body, message_id=envelope.message_id, at=envelope.sent_at))


def test_a_pushed_item_is_applied_once_and_refusals_are_kept(w: PartnerWorld, tmp_path: Path) -> None:
    signer, _, signing = arrange_keys(tmp_path, profile="hmac-appkey", counterpart="partner")
    ours = build_verifier(signing, platform=PARTNER)
    port = FakePartner(PARTNER, verifier=ours, bodies=BODIES.__getitem__)

    def push(envelope: PartnerEnvelope, tamper: bool = False) -> DeskPushed:
        body, headers = _signed(signer, envelope)
        body = body.replace(b'"sent_at"', b'"sent_at" ', 1) if tamper else body
        return receive_pushed(w.uow, port, ours, body, headers, w.clock, w.rules)

    offer = w.message("toy.offered", {"subject": "JT-1"}, partner_ref="SN-1")
    first = push(offer)
    assert first.result == ACCEPTED and first.complaint_id is None  # opened by the message: no record id in it
    again = push(offer)
    assert again.result == DUPLICATE
    assert w.outbox() == []  # the toy opens an offer without a message of ours
    done = w.message("toy.done", {}, partner_ref="SN-1")
    refused = push(done)
    assert (refused.result, refused.reason) == (REJECTED, "illegal_transition") and refused.quarantine_id
    bad = push(w.message("toy.noted", {}, partner_ref="SN-1"), tamper=True)
    assert bad.result == REJECTED and bad.reason in ("bad_signature", "mismatch")
    stale = w.message("toy.noted", {}, partner_ref="SN-1", sent_at=w.now - timedelta(minutes=10))
    assert push(stale).result == REJECTED
    with w.uow.begin() as session:
        kept = session.exec(select(QuarantineRow).order_by(QuarantineRow.id)).all()  # type: ignore[arg-type]
    assert [k.feed for k in kept] == ["partners"] * 3 and kept[0].raw == _signed(signer, done)[0]
    assert w.history(_only_record(w))[-1].note == "offered"  # nothing refused reached the record
    assert push(w.message("toy.noted", {"reason": "ok"}, partner_ref="SN-1")).result == ACCEPTED


def _only_record(w: PartnerWorld) -> str:
    with w.uow.begin() as session:
        (row,), _ = store.list_records(session)
        return row.record_id
