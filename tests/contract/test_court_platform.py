"""One contract for the CourtPlatform port, run against the in-memory fake, the REST connector and the SOAP
connector, each against its sandbox court."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapter.platforms.signers import build_signer, build_wsse
from connectors.court_soap import CourtSoapPlatform
from connectors.fake import FakeCourtPlatform
from connectors.odr_rest import OdrRestPlatform
from connectors.port import CourtPlatform, Feed, PayloadError, RawInbound
from sandbox.court import SandboxConfig
from sandbox.pairing import pair
from schemas.case import CaseDispatch, Party
from schemas.enums import CourtStatus, Flow, IdType, PartyKind, PartyRole
from schemas.envelope import DispatchBody, Envelope
from signing.jws import JwsSigner
from tests.support import samples


@dataclass
class Harness:
    platform: CourtPlatform
    dispatch: Callable[[], str]  # the court dispatches one new case; returns its platform case id


def _fake_dispatch(fake: FakeCourtPlatform) -> Callable[[], str]:
    def dispatch() -> str:
        case_id = f"F{len(fake.statuses) + 1}"
        now = datetime.now(UTC)
        body = DispatchBody(
            dispatch=CaseDispatch(
                platform_case_id=case_id,
                flow=Flow.DELEGATED,
                cause="信用卡纠纷",
                amount=Decimal("10.00"),
                parties=tuple(
                    Party(name=n, role=r, kind=PartyKind.NATURAL_PERSON, id_type=IdType.OTHER, id_number="P1")
                    for n, r in (("甲", PartyRole.APPLICANT), ("乙", PartyRole.RESPONDENT))
                ),
                dispatched_at=now,
            )
        )
        fake.publish(
            Feed.DISPATCHES,
            Envelope(
                message_id=f"PQ-{case_id}",
                platform=fake.name,
                platform_case_id=case_id,
                created_at=now,
                body=body,
            ),
        )
        return case_id

    return dispatch


@pytest.fixture(params=["fake", "rest", "soap"])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    if request.param == "fake":
        fake = FakeCourtPlatform("court", JwsSigner(Ed25519PrivateKey.generate(), "court"))
        yield Harness(fake, _fake_dispatch(fake))
        return
    pairing = pair(tmp_path, SandboxConfig(redeliver_rate=0.0), transport=request.param)
    core = pairing.core
    server = pairing.serve()
    try:
        platform: CourtPlatform
        if request.param == "soap":
            assert pairing.wsse is not None
            signer, verifier = build_wsse(pairing.wsse, platform="court")
            platform = CourtSoapPlatform("court", pairing.platform(server).base_url, signer, verifier)
        else:
            platform = OdrRestPlatform("court", server.url, build_signer(pairing.signing, platform="court"))
        yield Harness(platform, lambda: core.dispatch(1, "01")[0])
    finally:
        server.stop()


def test_implements_the_port(harness: Harness) -> None:
    """Each implementation is structurally a CourtPlatform."""
    assert isinstance(harness.platform, CourtPlatform)


def test_a_dispatch_is_fetched_and_decoded_to_the_canonical_case(harness: Harness) -> None:
    """What the court dispatches comes back from the feed as a canonical dispatch for the same case."""
    case_id = harness.dispatch()
    page = harness.platform.fetch(Feed.DISPATCHES, "", 10)
    envelopes = [harness.platform.decode(item) for item in page.items]
    assert [e.platform_case_id for e in envelopes] == [case_id]
    assert isinstance(envelopes[0].body, DispatchBody) and envelopes[0].body.dispatch.flow is Flow.DELEGATED


def test_reading_from_the_returned_cursor_gives_only_newer_items(harness: Harness) -> None:
    """The cursor is opaque to the core but moves strictly forward."""
    harness.dispatch()
    first = harness.platform.fetch(Feed.DISPATCHES, "", 10)
    assert harness.platform.fetch(Feed.DISPATCHES, first.next_cursor, 10).items == []
    second_case = harness.dispatch()
    later = harness.platform.fetch(Feed.DISPATCHES, first.next_cursor, 10)
    assert [harness.platform.decode(i).platform_case_id for i in later.items] == [second_case]


def test_each_message_id_is_applied_once(harness: Harness) -> None:
    """A resend of the same message id is acknowledged as a duplicate."""
    case_id = harness.dispatch()
    assert harness.platform.send(samples.accepted(case_id, "M-1", harness.platform.name)).duplicate is False
    assert harness.platform.send(samples.accepted(case_id, "M-1", harness.platform.name)).duplicate is True


def test_a_delivery_receipt_carries_the_request_as_sent(harness: Harness) -> None:
    """REST and SOAP keep the signed request exactly as it went out, and the court's answer, for the evidence
    bundle (connectors/port.py Wire); the in-process fake sends nothing over a wire."""
    case_id = harness.dispatch()
    wire = harness.platform.send(samples.accepted(case_id, "M-3", harness.platform.name)).wire
    if harness.platform.transport == "fake":
        assert wire is None
        return
    assert wire is not None and wire.method == "POST" and wire.status == 200 and wire.answer
    assert b"M-3" in wire.body and wire.url.startswith("http://127.0.0.1")
    if harness.platform.transport == "rest":  # the signature rides in headers; SOAP's is inside the envelope
        assert wire.headers["Idempotency-Key"] == "M-3" and len(wire.headers) > 2
    else:
        assert b"Signature" in wire.body


def test_status_follows_what_was_delivered(harness: Harness) -> None:
    """After an acceptance the platform reports the case accepted; an unknown case is None."""
    case_id = harness.dispatch()
    assert harness.platform.query_status([case_id]) == {case_id: CourtStatus.PENDING}
    harness.platform.send(samples.accepted(case_id, "M-2", harness.platform.name))
    assert harness.platform.query_status([case_id, "unknown"]) == {
        case_id: CourtStatus.ACCEPTED,
        "unknown": None,
    }


def test_undecodable_bytes_raise_payload_error(harness: Harness) -> None:
    """Garbage never decodes to a message: it is a PayloadError for quarantine."""
    with pytest.raises(PayloadError):
        harness.platform.decode(RawInbound(body=b'{"not": "a message"}', headers={}, position="1"))


def test_the_case_list_pages_through_every_case_once(harness: Harness) -> None:
    """Listing page by page from the returned cursors yields each case once, with its status, and then ends."""
    dispatched = {harness.dispatch() for _ in range(3)}
    harness.platform.send(samples.accepted(sorted(dispatched)[0], "M-3", harness.platform.name))
    seen: list[str] = []
    statuses = {}
    cursor, pages = "", 0
    while True:
        page = harness.platform.list_cases(cursor, 2)
        pages += 1
        seen += [case.platform_case_id for case in page.cases]
        statuses.update({case.platform_case_id: case.status for case in page.cases})
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(dispatched) and pages >= 2
    assert statuses[sorted(dispatched)[0]] is CourtStatus.ACCEPTED
    assert {statuses[i] for i in sorted(dispatched)[1:]} == {CourtStatus.PENDING}


def test_a_fetched_case_carries_the_dispatch_its_feed_carried(harness: Harness) -> None:
    """fetch_case returns the case's dispatch as the same signed bytes the feed carries, decodable the same way."""
    case_id = harness.dispatch()
    (from_feed,) = harness.platform.fetch(Feed.DISPATCHES, "", 10).items
    fetched = harness.platform.fetch_case(case_id)
    assert [item.body for item in fetched] == [from_feed.body]
    assert fetched[0].headers  # signed by the court, for ingest to verify
    envelope = harness.platform.decode(fetched[0])
    assert envelope.platform_case_id == case_id and isinstance(envelope.body, DispatchBody)


def test_an_unknown_case_is_neither_listed_nor_fetched(harness: Harness) -> None:
    """A platform with no cases lists none, and fetching an unknown case gives nothing."""
    page = harness.platform.list_cases("", 10)
    assert list(page.cases) == [] and page.next_cursor == ""
    assert list(harness.platform.fetch_case("unknown")) == []
