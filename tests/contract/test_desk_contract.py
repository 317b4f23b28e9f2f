"""One contract for the ComplaintDesk port (connectors/desk_port.py), run against the in-memory fake and the REST
connector against a sandbox institution under each signing profile (jws-detached, sm2-sm3, hmac-appkey)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from adapter.config.platform import Profile
from adapter.platforms.signers import build_signer, build_verifier
from connectors.complaint_desk import ComplaintDeskRest
from connectors.desk_port import ComplaintDesk, DeskStatus
from connectors.fake_desk import FakeComplaintDesk
from connectors.port import (
    CredentialsRefused,
    PayloadError,
    RawInbound,
    RejectedError,
    TransientError,
)
from sandbox.institution import InstitutionConfig
from sandbox.institution.pairing import pair_desk
from sandbox.institution.server import DeskServer
from sandbox.pairing import arrange_keys
from schemas.complaint import (
    AckBody,
    ComplaintMessageType,
    ContactedBody,
    DecidedBody,
    WithdrawnBody,
)
from tests.support import desk_samples as s
from tests.support.step_clock import StepClock

PROFILES = ("jws-detached", "sm2-sm3", "hmac-appkey")


@dataclass
class Harness:
    desk: ComplaintDesk
    answer: Callable[[str], None]  # the desk publishes its acknowledgement, contact and decision about a complaint
    server: DeskServer | None = None
    untrusted: ComplaintDesk | None = None  # the same desk reached by a centre whose key it does not trust


def _fake_answer(fake: FakeComplaintDesk) -> Callable[[str], None]:
    def answer(cid: str) -> None:
        ref, forward = fake.desk_refs[cid], next(e for e in fake.sent if e.complaint_id == cid)
        for n, body in enumerate(
            (
                AckBody(desk_ref=ref, acknowledged_at=s.T0, handler="王五"),
                ContactedBody(contacted_at=s.T0 + timedelta(hours=1)),
                s.decided(cid).body,
            )
        ):
            fake.publish(s.envelope(body, cid, f"{cid}-A{n}", desk_ref=ref, correlates_to=forward.message_id))

    return answer


@pytest.fixture(params=("fake", *PROFILES))
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    if request.param == "fake":
        fake = FakeComplaintDesk("desk")
        yield Harness(fake, _fake_answer(fake))
        return
    yield from _sandbox_desk(request.param, tmp_path)


@pytest.fixture(params=PROFILES)
def rest(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    yield from _sandbox_desk(request.param, tmp_path)


def _sandbox_desk(profile: Profile, tmp_path: Path) -> Iterator[Harness]:
    """The REST connector against a sandbox card centre signing under `profile`, paced by a stepped clock."""
    clock = StepClock()
    config = InstitutionConfig(kind="card_centre", seconds_per_day=1.0, timeout_seconds=0.6)
    pairing = pair_desk(tmp_path, config, profile=profile, monotonic=clock)
    server = pairing.serve()
    signer, verifier = build_signer(pairing.signing, platform="desk"), build_verifier(pairing.signing, platform="desk")
    _, _, stranger = arrange_keys(tmp_path / "stranger", profile=profile)
    desk = ComplaintDeskRest("desk", server.url, signer, verifier, timeout=(1.0, 0.3))
    untrusted = ComplaintDeskRest("desk", server.url, build_signer(stranger, platform="desk"), verifier)

    def answer(cid: str) -> None:
        clock.now += 3.0  # three simulated days: the card centre has acknowledged, called and decided
        pairing.core.tick()

    try:
        yield Harness(desk, answer, server, untrusted)
    finally:
        server.stop()


def _feed(desk: ComplaintDesk, limit: int = 50) -> list[RawInbound]:
    items: list[RawInbound] = []
    cursor = ""
    while True:
        page = desk.fetch(cursor, limit)
        items += page.items
        if not page.items:
            return items
        assert page.next_cursor != cursor  # the cursor moves forward with every non-empty page
        cursor = page.next_cursor


def test_implements_the_port(harness: Harness) -> None:
    assert isinstance(harness.desk, ComplaintDesk)


def test_a_forward_gets_a_receipt_and_a_resend_is_a_duplicate(harness: Harness) -> None:
    """Each message id is applied once: the resend is answered duplicate, with the same desk reference."""
    first = harness.desk.send(s.forward("TS-1", "F-1"))
    assert first.message_id == "F-1" and first.duplicate is False and first.desk_ref
    again = harness.desk.send(s.forward("TS-1", "F-1"))
    assert again.duplicate is True and again.desk_ref == first.desk_ref
    other = harness.desk.send(s.forward("TS-2", "F-2"))
    assert other.duplicate is False and other.desk_ref != first.desk_ref


def test_a_message_about_an_unknown_complaint_is_rejected(harness: Harness) -> None:
    """A withdrawal of a complaint the desk never received is refused (a 4xx: RejectedError, never retried)."""
    withdrawal = s.envelope(WithdrawnBody(withdrawn_at=s.T0), "TS-NEVER", "W-1")
    with pytest.raises(RejectedError) as refused:
        harness.desk.send(withdrawal)
    assert refused.value.code == "unknown_complaint"


def test_the_feed_pages_with_cursors_and_decodes_to_the_desks_answers(harness: Harness) -> None:
    """The answers come back in order, page by page from the returned cursors, each decoded and verified; the
    acknowledgement carries the desk reference of the receipt and answers the forward."""
    receipt = harness.desk.send(s.forward("TS-1", "F-1"))
    harness.answer("TS-1")
    one_by_one = _feed(harness.desk, limit=1)
    assert len(one_by_one) >= 3
    assert [i.body for i in _feed(harness.desk, limit=2)] == [i.body for i in one_by_one]
    envelopes = [harness.desk.decode(item) for item in one_by_one]
    kinds = [e.body.type for e in envelopes]
    assert kinds[0] is ComplaintMessageType.ACK and kinds[-1] is ComplaintMessageType.DECIDED
    ack = envelopes[0]
    assert isinstance(ack.body, AckBody) and ack.body.desk_ref == receipt.desk_ref
    assert ack.complaint_id == "TS-1" and ack.correlates_to == "F-1"
    assert isinstance(envelopes[-1].body, DecidedBody)
    end = harness.desk.fetch("", 100).next_cursor
    assert harness.desk.fetch(end, 100).items == []  # nothing past the end


def test_decode_verifies_the_desks_signature_over_the_exact_bytes(harness: Harness) -> None:
    """The same item with one byte changed, its signature removed, or garbage is a PayloadError, never a message."""
    harness.desk.send(s.forward("TS-1", "F-1"))
    harness.answer("TS-1")
    item = _feed(harness.desk)[0]
    harness.desk.decode(item)
    changed = item.body.replace("王五".encode(), "赵六".encode()) if "王五".encode() in item.body else item.body + b" "
    for bad in (
        RawInbound(changed, item.headers, item.position),
        RawInbound(item.body, {}, item.position),
        RawInbound(b'{"not": "a message"}', item.headers, item.position),
    ):
        with pytest.raises(PayloadError):
            harness.desk.decode(bad)


def test_status_follows_what_was_sent_and_answered(harness: Harness) -> None:
    """Received after the forward, decided after the desk decided, withdrawn after a withdrawal; unknown is None."""
    harness.desk.send(s.forward("TS-1", "F-1"))
    harness.desk.send(s.forward("TS-2", "F-2"))
    assert harness.desk.query_status(["TS-1", "TS-NEVER"]) == {"TS-1": DeskStatus.RECEIVED, "TS-NEVER": None}
    harness.answer("TS-1")
    harness.desk.send(s.envelope(WithdrawnBody(withdrawn_at=s.T0), "TS-2", "W-2"))
    assert harness.desk.query_status(["TS-1", "TS-2"]) == {"TS-1": DeskStatus.DECIDED, "TS-2": DeskStatus.WITHDRAWN}


# ---- the REST connector's error classes, against the sandbox institution


def test_a_5xx_throttle_or_timeout_is_transient(rest: Harness) -> None:
    assert rest.server is not None
    rest.desk.send(s.forward("TS-1", "F-1"))
    for fault in ("error", "throttle", "timeout", "drop"):
        rest.server.core.fail_next(fault)
        with pytest.raises(TransientError) as failed:
            rest.desk.fetch("", 10)
        assert not isinstance(failed.value, CredentialsRefused), fault
    assert rest.desk.query_status(["TS-1"]) == {"TS-1": DeskStatus.RECEIVED}  # the desk answers again


def test_a_centre_key_the_desk_does_not_trust_is_credentials_refused(rest: Harness) -> None:
    """HTTP 401 (our signature refused) holds the platform: CredentialsRefused, for sends and reads alike."""
    assert rest.untrusted is not None
    with pytest.raises(CredentialsRefused):
        rest.untrusted.send(s.forward("TS-1", "F-1"))
    with pytest.raises(CredentialsRefused):
        rest.untrusted.fetch("", 10)
    assert rest.desk.query_status(["TS-1"]) == {"TS-1": None}  # nothing was applied


def test_a_refusal_is_rejected_and_not_retried(rest: Harness) -> None:
    """A 4xx other than 401 (the desk refuses this request) is a RejectedError carrying the desk's code."""
    assert rest.server is not None
    rest.desk.send(s.forward("TS-1", "F-1"))
    rest.server.core.fail_next("refuse")
    with pytest.raises(RejectedError) as refused:
        rest.desk.send(s.envelope(WithdrawnBody(withdrawn_at=s.T0), "TS-1", "W-1"))
    assert refused.value.code == "E400"
    assert rest.desk.query_status(["TS-1"]) == {"TS-1": DeskStatus.RECEIVED}  # the refused message was not applied
