"""The fake desk's controls (connectors/fake_desk.py), which the core's tests script: beyond the port contract
(tests/contract/test_desk_contract.py) — refusals, scripted failures, lost and tampered items, forgetting, and
signing under a real profile."""

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from connectors.desk_port import DeskStatus
from connectors.fake_desk import FakeComplaintDesk
from connectors.port import PayloadError, RejectedError, TransientError
from signing.base import PublicKeyEntry
from signing.jws import JwsSigner, JwsVerifier
from tests.support import desk_samples as s


def test_a_refused_complaint_is_rejected_with_the_code_until_accepted() -> None:
    desk = FakeComplaintDesk()
    desk.refuse("TS-1", "over_cap", "amount over the memorandum's cap")
    with pytest.raises(RejectedError) as refused:
        desk.send(s.forward("TS-1", "F-1"))
    assert refused.value.code == "over_cap" and desk.sent == []
    desk.accept("TS-1")
    assert desk.send(s.forward("TS-1", "F-1")).duplicate is False  # the refused attempt was never applied


def test_scripted_failures_come_in_order_then_the_desk_answers() -> None:
    desk = FakeComplaintDesk()
    desk.fail_next(TransientError("fake-desk", "down"), RejectedError("fake-desk", "E400", "no"))
    with pytest.raises(TransientError):
        desk.send(s.forward())
    with pytest.raises(RejectedError):
        desk.fetch("", 10)
    assert desk.send(s.forward()).duplicate is False


def test_a_lost_item_is_published_but_never_on_the_feed() -> None:
    desk = FakeComplaintDesk()
    desk.send(s.forward())
    desk.publish(s.ack(), lost=True)
    assert desk.fetch("", 10).items == [] and len(desk.published["TS20260302-0001"]) == 1
    assert desk.query_status(["TS20260302-0001"]) == {"TS20260302-0001": DeskStatus.ACKNOWLEDGED}


def test_a_forgotten_complaint_is_unknown_and_its_messages_apply_again() -> None:
    desk = FakeComplaintDesk()
    desk.send(s.forward())
    desk.forget("TS20260302-0001")
    assert desk.query_status(["TS20260302-0001"]) == {"TS20260302-0001": None}
    assert desk.send(s.forward()).duplicate is False


def test_signed_under_a_real_profile_and_verified_with_the_desks_key() -> None:
    key = Ed25519PrivateKey.generate()
    verifier = JwsVerifier({"desk-1": PublicKeyEntry("desk-1", key.public_key(), "EdDSA")})
    desk = FakeComplaintDesk("desk", JwsSigner(key, "desk-1"), verifier)
    good, bad = desk.publish(s.ack()), desk.publish(s.decided(), tamper=True)
    assert desk.decode(good).message_id == "A-1"
    with pytest.raises(PayloadError) as refused:
        desk.decode(bad)
    assert refused.value.reason == "bad_signature"
    stranger = FakeComplaintDesk("desk", JwsSigner(Ed25519PrivateKey.generate(), "desk-1"), verifier)
    with pytest.raises(PayloadError):
        desk.decode(stranger.publish(s.ack()))
