"""The odr-rest connector against the real sandbox court: feeds, signed sends, idempotency, refusals, status."""

import socket

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapter.platforms.signers import build_signer
from connectors.odr_rest import OdrRestPlatform
from connectors.port import CredentialsRefused, Feed, RejectedError, TransientError
from schemas.enums import CourtStatus
from signing.jws import JwsSigner
from tests.support import samples
from tests.support.court import Court

pytestmark = pytest.mark.integration


@pytest.fixture
def connector(court: Court) -> OdrRestPlatform:
    return OdrRestPlatform("court", court.server.url, build_signer(court.signing, platform="court"), timeout=(2, 5))


def test_fetch_pages_through_the_dispatch_feed_by_cursor(connector: OdrRestPlatform, court: Court) -> None:
    """Three dispatches read two at a time: the cursor moves on and nothing is skipped."""
    ids = court.core.dispatch(3, "01")
    first = connector.fetch(Feed.DISPATCHES, "", 2)
    second = connector.fetch(Feed.DISPATCHES, first.next_cursor, 2)
    decoded = [connector.decode(item) for item in [*first.items, *second.items]]
    assert [e.platform_case_id for e in decoded] == ids
    assert connector.fetch(Feed.DISPATCHES, second.next_cursor, 2).items == []


def test_a_message_sent_twice_is_applied_once(connector: OdrRestPlatform, court: Court) -> None:
    """The second send of one message id is answered as a duplicate and the court state moves once."""
    (ajbs,) = court.core.dispatch(1, "01")
    assert connector.send(samples.accepted(ajbs)).duplicate is False
    assert connector.send(samples.accepted(ajbs)).duplicate is True
    assert court.core.cases[ajbs].history == ["20"] and court.core.duplicates_dropped == 1


def test_a_message_the_court_state_does_not_allow_is_rejected_with_its_code(
    connector: OdrRestPlatform, court: Court
) -> None:
    """Accepting twice under two message ids is a business rejection (E409), not a transient error."""
    (ajbs,) = court.core.dispatch(1, "01")
    connector.send(samples.accepted(ajbs, "M-1"))
    with pytest.raises(RejectedError) as caught:
        connector.send(samples.accepted(ajbs, "M-2"))
    assert caught.value.code == "E409" and "409" in str(caught.value)


def test_a_message_signed_with_a_key_the_court_does_not_know_is_a_credentials_refusal(court: Court) -> None:
    """The sandbox verifies every signature: a stranger's key gets E401 — a refusal of who signed (the whole
    platform's traffic), not a rejection of this message, so it is never a RejectedError that kills it."""
    connector = OdrRestPlatform("court", court.server.url, JwsSigner(Ed25519PrivateKey.generate(), "stranger"))
    (ajbs,) = court.core.dispatch(1, "01")
    with pytest.raises(CredentialsRefused) as caught:
        connector.send(samples.accepted(ajbs))
    assert caught.value.code == "E401" and "unknown_key" in caught.value.detail
    assert not isinstance(caught.value, RejectedError)
    assert court.core.cases[ajbs].status == "10"


def test_query_status_reports_known_and_unknown_cases(connector: OdrRestPlatform, court: Court) -> None:
    """Status comes from the court's own store, mapped to canonical court statuses; unknown is None."""
    (ajbs,) = court.core.dispatch(1, "02")
    connector.send(samples.accepted(ajbs))
    assert connector.query_status([ajbs, "nope"]) == {ajbs: CourtStatus.ACCEPTED, "nope": None}


def test_a_platform_that_is_down_is_a_transient_error() -> None:
    """Connection refused is retryable, never a rejection."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    signer = JwsSigner(Ed25519PrivateKey.generate(), "centre")
    connector = OdrRestPlatform("court", f"http://127.0.0.1:{port}", signer, timeout=(0.5, 0.5))
    with pytest.raises(TransientError):
        connector.send(samples.accepted("x"))


def test_a_status_answer_that_omits_a_case_is_transient_not_unknown() -> None:
    """An id missing from the answer is not "the court does not know it" — that would trigger re-sends."""
    import responses

    signer = JwsSigner(Ed25519PrivateKey.generate(), "centre")
    connector = OdrRestPlatform("court", "http://127.0.0.1:9", signer, timeout=(0.5, 0.5))
    with responses.RequestsMock() as mock:
        mock.post("http://127.0.0.1:9/api/v1/cases/status", json={"cases": {"a": "20"}})
        with pytest.raises(TransientError, match="omits 1 of the cases"):
            connector.query_status(["a", "b"])
