"""A push repeated (#19 drive-through): authentication comes first, every time. An unauthenticated or badly signed
request is refused non-2xx however often it comes and whatever was taken in before; only an authenticated item
already applied is answered `duplicate`, citing `accepted`; a refusal never becomes a 2xx (adapter/complaints/
desk_push.py, shared by the partners' push route)."""

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from adapter.config.settings import EncryptionSettings
from schemas.clock import utc_now
from schemas.partner import PartnerEnvelope
from tests.support.partner_api import PartnerServed, partner_api
from tests.support.partner_world import PARTNER
from tests.support.toy_partner import KIND, toy_spec  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("toy_spec")]


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def api(database_url: str, encryption: EncryptionSettings, tmp_path: Path) -> Iterator[PartnerServed]:
    with partner_api(database_url, encryption, tmp_path) as served:
        yield served


def offer(**changes: Any) -> PartnerEnvelope:
    data: dict[str, Any] = {"message_id": "TP-0001", "kind": KIND, "partner": PARTNER, "partner_ref": "REF-1",
                            "type": "toy.offered", "sent_at": utc_now(), "body": {"subject": "JT-1"}}  # fmt: skip
    return PartnerEnvelope.model_validate({**data, **changes})


def count(api: PartnerServed, table: str) -> int:
    with api.runtime.uow.engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


# the same bytes, pushed without a good signature: (the headers for them, the reason they are refused under)
Unauthentic = Callable[[PartnerServed, bytes], dict[str, str]]
UNAUTHENTIC: dict[str, tuple[Unauthentic, str]] = {
    "unsigned": (lambda api, body: {}, "unsigned"),
    "signed over other bytes": (
        lambda api, body: dict(api.signer.sign(body + b" ", message_id="TP-0001", at=utc_now())),
        "bad_signature",
    ),
    "signed 20 minutes ago": (
        lambda api, body: dict(api.signer.sign(body, message_id="TP-0001", at=utc_now() - timedelta(minutes=20))),
        "stale",
    ),
}  # fmt: skip


@pytest.mark.parametrize(("unauthentic", "reason"), UNAUTHENTIC.values(), ids=UNAUTHENTIC.keys())
def test_unauthentic_bytes_are_refused_every_time_and_a_duplicate_cites_the_applied_result(
    api: PartnerServed, unauthentic: Unauthentic, reason: str
) -> None:
    """unauthentic → signed → signed → unauthentic, the same bytes: 422, 200 accepted, 200 duplicate citing
    `accepted` (not the first refusal), 422 again (never a 200 a sender would take for delivered)."""
    body, headers = api.signed(offer())
    first = api.push(body, unauthentic(api, body))
    assert (first.status_code, first.json()["result"], first.json()["reason"]) == (422, "rejected", reason)
    applied = api.push(body, headers)
    assert (applied.status_code, applied.json()["result"]) == (200, "accepted"), applied.text
    again = api.push(body, headers)
    assert (again.status_code, again.json()["result"], again.json()["first_result"]) == (200, "duplicate", "accepted")
    retried = api.push(body, unauthentic(api, body))
    assert retried.status_code == 422, retried.text
    assert (retried.json()["result"], retried.json()["reason"]) == ("rejected", reason)
    assert retried.json()["quarantine_id"] == first.json()["quarantine_id"]  # kept once
    assert (count(api, "partner_records"), count(api, "quarantine")) == (1, 1)


def test_an_authentic_refusal_pushed_again_is_refused_again(api: PartnerServed) -> None:
    """A signed item the core refuses (naming another partner) is refused with its reason each time it comes,
    kept once — never answered `duplicate` 200."""
    body, headers = api.signed(offer(partner="other-partner"))
    for _ in range(2):
        answer = api.push(body, headers)
        assert answer.status_code == 422, answer.text
        assert (answer.json()["result"], answer.json()["reason"]) == ("rejected", "wrong_partner")
    assert (count(api, "partner_records"), count(api, "quarantine")) == (0, 1)
