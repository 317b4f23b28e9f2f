"""One contract for the PartnerPort (connectors/partner_port.py), run against every profile of
tests/support/partner_profiles.py: the in-memory fake, the generic REST connector on a loopback partner under two
signing profiles, and whatever sandbox partners the -sb helpers add there."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.partner_port import PartnerPort
from connectors.port import CredentialsRefused, PayloadError, RawInbound, RejectedError, TransientError
from schemas.partner import PartnerEnvelope, PartnerKind
from tests.support.partner_profiles import NAME, PROFILES, PartnerHarness

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


@pytest.fixture(params=sorted(PROFILES))
def h(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PartnerHarness]:
    with PROFILES[request.param](tmp_path) as harness:
        yield harness


def _ours(h: PartnerHarness, message_id: str, record_id: str) -> PartnerEnvelope:
    """A message of the centre about `record_id`: the profile's own (a sandbox speaks typed bodies), else a toy."""
    if h.ours is not None:
        return h.ours(message_id, record_id)
    body = {"accepted": True, "amount": "12.30"}
    return PartnerEnvelope(message_id=message_id, kind=PartnerKind.TRAFFIC, partner=NAME, record_id=record_id,
                           type="traffic.offer_answer", sent_at=T0, body=body)  # fmt: skip


def _theirs(h: PartnerHarness, message_id: str, ref: str) -> PartnerEnvelope:
    """A message of the partner opening a record under its reference `ref`."""
    if h.theirs is not None:
        return h.theirs(message_id, ref)
    return PartnerEnvelope(message_id=message_id, kind=PartnerKind.TRAFFIC, partner=NAME, partner_ref=ref,
                           type="traffic.case_offered", sent_at=T0, body={"serial_no": ref})  # fmt: skip


def _feed(port: PartnerPort, limit: int) -> list[RawInbound]:
    items: list[RawInbound] = []
    cursor = ""
    while True:
        page = port.fetch(cursor, limit)
        items += page.items
        if not page.items:
            return items
        assert page.next_cursor != cursor  # the cursor moves forward with every non-empty page
        cursor = page.next_cursor


def test_implements_the_port(h: PartnerHarness) -> None:
    assert isinstance(h.port, PartnerPort) and h.port.name == NAME and h.port.kind is PartnerKind.TRAFFIC


def test_a_send_gets_a_receipt_with_a_reference_and_a_resend_is_a_duplicate(h: PartnerHarness) -> None:
    first = h.port.send(_ours(h, "M-1", "TR-1"))
    assert (first.message_id, first.duplicate) == ("M-1", False) and first.partner_ref
    again = h.port.send(_ours(h, "M-1", "TR-1"))
    assert again.duplicate is True and again.partner_ref == first.partner_ref
    other = h.port.send(_ours(h, "M-2", "TR-2"))
    assert other.duplicate is False and other.partner_ref != first.partner_ref
    assert [e.message_id for e in h.fake.sent] == ["M-1", "M-2"]  # applied once each


def test_a_refused_message_is_a_rejected_error_with_the_partners_code(h: PartnerHarness) -> None:
    h.fake.refuse("TR-9", "no_agreement", "no arbitration agreement")
    with pytest.raises(RejectedError) as refused:
        h.port.send(_ours(h, "M-9", "TR-9"))
    assert refused.value.code == "no_agreement"


def test_the_feed_pages_by_cursor_and_each_item_decodes_verified(h: PartnerHarness) -> None:
    sent = [_theirs(h, f"P-{n}", f"SN-{n}") for n in range(5)]
    for envelope in sent:
        h.fake.publish(envelope)
    one_by_one = _feed(h.port, 1)
    assert [i.body for i in _feed(h.port, 2)] == [i.body for i in one_by_one]
    assert [h.port.decode(i) for i in one_by_one] == sent
    page = h.port.fetch(one_by_one[2].position or "3", 10)
    assert [h.port.decode(i).message_id for i in page.items] == ["P-3", "P-4"]


def test_a_tampered_or_unsigned_item_is_a_payload_error(h: PartnerHarness) -> None:
    h.fake.publish(_theirs(h, "P-1", "SN-1"), tamper=True)
    (tampered,) = h.port.fetch("", 10).items
    with pytest.raises(PayloadError):
        h.port.decode(tampered)
    with pytest.raises(PayloadError):
        h.port.decode(RawInbound(body=_theirs(h, "P-2", "SN-2").model_dump_json().encode(), headers={}))


def test_query_status_answers_each_record_and_none_for_an_unknown_one(h: PartnerHarness) -> None:
    h.port.send(_ours(h, "M-1", "TR-1"))
    h.fake.set_status("TR-1", "accepted")
    answer = h.port.query_status(["TR-1", "TR-unknown"])
    assert set(answer) == {"TR-1", "TR-unknown"} and answer["TR-unknown"] is None
    status = answer["TR-1"]
    assert status is not None and status.status == "accepted" and status.partner_ref == h.fake.refs["TR-1"]


def test_statistics_are_the_partners_counts_or_none(h: PartnerHarness) -> None:
    assert h.port.statistics("2026-11") is None
    h.fake.stats = {"2026-11": {"registered": 41, "closed": 3}}
    assert h.port.statistics("2026-11") == {"registered": 41, "closed": 3}
    assert h.port.statistics("2026-10") == {}


def test_a_failure_of_the_partner_is_transient(h: PartnerHarness) -> None:
    h.fake.fail_next(TransientError(NAME, "down for maintenance"))
    with pytest.raises(TransientError):
        h.port.send(_ours(h, "M-1", "TR-1"))
    assert h.port.send(_ours(h, "M-1", "TR-1")).duplicate is False  # not applied the first time


def test_a_centre_the_partner_does_not_trust_is_refused_its_credentials(h: PartnerHarness) -> None:
    if h.untrusted is None:
        pytest.skip("the in-memory fake has no transport to authenticate")
    with pytest.raises(CredentialsRefused):
        h.untrusted.send(_ours(h, "M-1", "TR-1"))
    assert h.fake.sent == []
