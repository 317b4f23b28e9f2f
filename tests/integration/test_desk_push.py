"""POST /api/desks/v1/{platform}/messages over HTTP: a desk pushes one signed item, verified with THAT desk's
profile over the raw bytes and applied through the store (inbox dedupe); a desk pushes only as itself; refusals
kept in quarantine with the original bytes and answered with their reason."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from adapter.config.desks import DeskSettings
from adapter.config.platform import SigningSettings
from adapter.config.settings import EncryptionSettings
from adapter.persistence.tables import QuarantineRow
from adapter.testing import FakeClock
from schemas.complaint import AckBody, ComplaintEnvelope, DecidedBody, DecisionResult
from tests.support.complaint_api import BANK, INSURER, Served, complaint_api
from tests.support.complaint_samples import INSURER_USCC, complaint_data
from tests.support.world_start import START

pytestmark = pytest.mark.integration
URL = "/api/centre/v1/complaints"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def served(database_url: str, encryption: EncryptionSettings, clock: FakeClock) -> Iterator[Served]:
    with complaint_api(database_url, encryption, clock=clock) as api:
        yield api


def _complaint(served: Served) -> str:
    data = complaint_data()
    data.pop("complaint_id")
    answer = served.centre.post(URL, data)
    assert answer.status_code == 201, answer.text
    cid: str = answer.json()["complaint_id"]
    return cid


def _ack(served: Served, cid: str, message_id: str = "A-1") -> ComplaintEnvelope:
    at = served.runtime.clock()
    return ComplaintEnvelope(
        message_id=message_id, complaint_id=cid, sent_at=at, body=AckBody(desk_ref="KF-0001", acknowledged_at=at)
    )


def _kept(served: Served) -> list[QuarantineRow]:
    with served.runtime.uow.begin() as session:
        return list(session.exec(select(QuarantineRow)))


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_pushed_ack_is_applied_once_and_its_retry_is_a_duplicate(served: Served) -> None:
    cid = _complaint(served)
    body, headers = served.signed(_ack(served, cid))
    first = served.push(f"desk:{BANK}", BANK, body, headers)
    assert first.status_code == 200, first.text
    assert (first.json()["result"], first.json()["complaint_id"]) == ("accepted", cid)
    again = served.push(f"desk:{BANK}", BANK, body, headers)
    assert again.status_code == 200 and (again.json()["result"], again.json()["first_result"]) == (
        "duplicate", "accepted")  # fmt: skip
    shown = served.centre.get(f"{URL}/{cid}").json()
    assert shown["status"] == "ACKNOWLEDGED" and shown["desk_ref"] == "KF-0001"
    assert [e["event"] for e in shown["history"]].count("acknowledge") == 1 and _kept(served) == []


@pytest.mark.parametrize(
    ("role", "platform", "status"),
    [
        (f"desk:{INSURER}", BANK, 403),  # another desk's key on this desk's path
        ("court:court", BANK, 403),
        ("centre", BANK, 403),
        ("admin", BANK, 403),
        (f"desk:{INSURER}", INSURER, 404),  # a desk that does not push: no intake configured
    ],
)
def test_a_desk_pushes_only_as_itself(served: Served, role: str, platform: str, status: int) -> None:
    """The key's role names the desk; court, centre and admin keys never push; nothing is applied."""
    cid = _complaint(served)
    body, headers = served.signed(_ack(served, cid))
    refused = served.push(role, platform, body, headers)
    assert refused.status_code == status, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert served.centre.get(f"{URL}/{cid}").json()["status"] == "FORWARDED"


def test_an_item_signed_with_another_secret_is_refused_and_kept_with_its_bytes(served: Served) -> None:
    cid = _complaint(served)
    body, headers = served.signed(_ack(served, cid), secret=b"x" * 32)
    refused = served.push(f"desk:{BANK}", BANK, body, headers)
    assert refused.status_code == 422 and refused.json()["reason"] == "bad_signature"
    assert [(r.platform, r.reason, r.raw) for r in _kept(served)] == [(BANK, "bad_signature", body)]
    assert served.centre.get(f"{URL}/{cid}").json()["status"] == "FORWARDED"


def test_a_stale_item_is_refused_naming_the_window(served: Served, clock: FakeClock) -> None:
    cid = _complaint(served)
    body, headers = served.signed(_ack(served, cid))
    clock.now += timedelta(minutes=6)
    refused = served.push(f"desk:{BANK}", BANK, body, headers)
    assert refused.status_code == 422 and refused.json()["reason"] == "stale"
    assert "push_window_seconds" in refused.json()["detail"]


def test_a_decision_for_an_unknown_complaint_is_refused_and_kept(served: Served) -> None:
    """The issue's bad input: a decision about a complaint the centre never forwarded — kept, nothing written."""
    at = served.runtime.clock()
    decided = ComplaintEnvelope(
        message_id="D-9", complaint_id="CP-unknown", sent_at=at,
        body=DecidedBody(result=DecisionResult.REJECTED, notified_at=at),
    )  # fmt: skip
    refused = served.push(f"desk:{BANK}", BANK, *served.signed(decided))
    assert refused.status_code == 422 and refused.json()["reason"] == "unknown_complaint"
    assert [(r.reason, r.message_id, r.feed) for r in _kept(served)] == [("unknown_complaint", "D-9", "complaints")]


def test_an_oversized_push_is_refused_with_413(served: Served) -> None:
    body = b"{" + b" " * 70000 + b"}"
    refused = served.push(f"desk:{BANK}", BANK, body, {})
    assert refused.status_code == 413 and refused.json()["reason"] == "oversized"


def test_a_polled_desk_has_no_push_intake(served: Served) -> None:
    """A desk configured with mode = "poll" is answered 409 naming the mode (as a polled court is), not 404."""
    served.runtime.settings.desks[INSURER] = DeskSettings(
        base_url="http://127.0.0.1:9",
        institution_uscc=[INSURER_USCC],
        signing=SigningSettings(
            profile="hmac-appkey", app_key="c", app_secret="s", court_app_key="d", court_app_secret="t"
        ),
    )
    body, headers = served.signed(_ack(served, _complaint(served)))
    refused = served.push(f"desk:{INSURER}", INSURER, body, headers)
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"].endswith("push-off") and 'mode = "poll"' in refused.json()["detail"]


def test_the_same_refused_bytes_again_are_refused_again(served: Served) -> None:
    """Bytes refused once (bad signature) and pushed again under another refusal (unsigned) are refused again under
    their own reason — never a 2xx duplicate (#19) — and kept once."""
    cid = _complaint(served)
    body, headers = served.signed(_ack(served, cid), secret=b"x" * 32)
    assert served.push(f"desk:{BANK}", BANK, body, headers).json()["reason"] == "bad_signature"
    again = served.push(f"desk:{BANK}", BANK, body, {})
    assert again.status_code == 422 and again.json()["result"] == "rejected", again.text
    assert again.json()["reason"] == "unsigned" and len(_kept(served)) == 1
