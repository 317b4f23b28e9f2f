"""A docking partner's push intake over HTTP (api/partner_push.py, adapter/partners/push.py): authenticated by its
own key AND its own signature over the raw bytes, scoped to itself, the signed time within the window, a replay
refused by the persisted guard, a resend answered `duplicate` by the inbox, every refusal kept in quarantine with
its bytes; committed before the answer, which our signer signs."""

from collections.abc import Iterator
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


@pytest.fixture
def api(database_url: str, encryption: EncryptionSettings, tmp_path: Path) -> Iterator[PartnerServed]:
    with partner_api(database_url, encryption, tmp_path) as served:
        yield served


def offer(n: int = 1, **changes: Any) -> PartnerEnvelope:
    data: dict[str, Any] = {"message_id": f"TP-{n:04d}", "kind": KIND, "partner": PARTNER, "partner_ref": f"REF-{n}",
                            "type": "toy.offered", "sent_at": utc_now(), "body": {"subject": f"JT-{n}"}}  # fmt: skip
    return PartnerEnvelope.model_validate({**data, **changes})


def rows(api: PartnerServed, table: str) -> list[Any]:
    with api.runtime.uow.engine.connect() as connection:
        return list(connection.execute(text(f"SELECT * FROM {table}")))


def test_a_signed_offer_opens_a_record_and_a_resend_is_a_duplicate(api: PartnerServed) -> None:
    body, headers = api.signed(offer())
    answer = api.push(body, headers)
    assert answer.status_code == 200, answer.text
    receipt = answer.json()
    assert (receipt["result"], receipt["message_id"], receipt["partner_ref"]) == ("accepted", "TP-0001", "REF-1")
    assert receipt["record_id"].startswith("TR-") and receipt["at"].endswith("+08:00")
    signed = {k: v for k, v in answer.headers.items() if k.lower().startswith("x-")}
    assert api.receipts.verify(answer.content, signed).message_id == receipt["receipt_id"]  # our receipt, signed
    (record,) = rows(api, "partner_records")
    assert (record.record_id, record.partner_ref, record.subject) == (receipt["record_id"], "REF-1", "JT-1")
    again = api.push(body, headers)  # the very same push again: the inbox answers, nothing is applied twice
    assert again.status_code == 200 and again.json()["result"] == "duplicate"
    assert len(rows(api, "partner_records")) == 1 and len(rows(api, "partner_events")) == 1


@pytest.mark.parametrize(
    ("mangle", "status", "reason"),
    [
        (lambda b, h: (b.replace(b"JT-1", b"JT-2"), h), 422, "bad_signature"),  # bytes changed after signing
        (lambda b, h: (b, {}), 422, "unsigned"),  # no signature at all
        (lambda b, h: (b"x" * 70_000, h), 413, "oversized"),
    ],
)
def test_a_push_that_fails_its_checks_is_refused_and_kept_with_its_bytes(
    api: PartnerServed, mangle: Any, status: int, reason: str
) -> None:
    body, headers = mangle(*api.signed(offer()))
    answer = api.push(body, headers)
    assert answer.status_code == status, answer.text
    assert answer.json()["result"] == "rejected" and answer.json()["reason"] == reason
    (kept,) = rows(api, "quarantine")
    assert kept.platform == PARTNER and kept.feed == "partners" and kept.reason == reason
    assert rows(api, "partner_records") == []


def test_a_signed_time_outside_the_window_is_refused_as_stale(api: PartnerServed) -> None:
    body, headers = api.signed(offer(sent_at=utc_now() - timedelta(minutes=20)))
    answer = api.push(body, headers)
    assert answer.status_code == 422 and answer.json()["reason"] == "stale"
    assert "push_window_seconds" in answer.json()["detail"] and rows(api, "partner_records") == []


def test_a_replayed_message_id_with_other_bytes_is_refused(api: PartnerServed) -> None:
    assert api.push(*api.signed(offer())).json()["result"] == "accepted"
    body, headers = api.signed(offer(body={"subject": "JT-other"}))  # same signed id, other bytes
    answer = api.push(body, headers)
    assert answer.status_code == 409 and answer.json()["reason"] == "conflict", answer.text  # #19: a 409
    assert len(rows(api, "partner_records")) == 1


def test_a_partner_pushes_only_as_itself(api: PartnerServed) -> None:
    body, headers = api.signed(offer())
    assert api.push(body, headers, role="partner:other-partner").status_code == 403  # another partner's key
    assert api.push(body, headers, role="centre").status_code == 403  # not a partner role
    missing = api.push(body, headers, role="partner:other-partner", partner="other-partner")
    assert missing.status_code == 404 and "[partners.other-partner]" in missing.text  # not configured here
    body, headers = api.signed(offer(2, partner="other-partner"))  # signed by us, naming another partner
    answer = api.push(body, headers)
    assert answer.status_code == 422 and answer.json()["reason"] == "wrong_partner"
    assert rows(api, "partner_records") == [] and len(rows(api, "quarantine")) == 1
