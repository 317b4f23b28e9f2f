"""Centre events whose cause is pure: each kind's data (masked), the decision kinds' types, the document the centre
receives, the [events] settings, and the webhook signature as the reference `standardwebhooks` package checks it."""

import base64
import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError
from standardwebhooks.webhooks import Webhook

from adapter.events import kinds
from adapter.events.causes import decision_type
from adapter.events.kinds import EventType
from adapter.events.settings import EventSettings
from adapter.events.store import Event
from schemas.enums import CourtDecisionKind
from signing.webhooks import WebhookSigner, parse_secret

SECRET = "whsec_" + base64.b64encode(b"a-secret-of-thirty-two-bytes-!!!").decode()
PHONE, ID = "13812345678", "110101199003074514"


def test_dispatch_received_names_the_case_and_masks_its_flags() -> None:
    data = kinds.dispatch_received(
        platform="court",
        platform_case_id="A1",
        case_number="(2026)粤0104民诉前调1号",
        court_code="粤0104",
        flow="delegated",
        procedure="ordinary",
        cause="借款合同纠纷",
        amount="1000.00",
        status="pending_acceptance",
        message_id="m1",
        flags=[f"odd phone {PHONE}"],
    )
    assert data["court_case_id"] == "A1" and data["status"] == "pending_acceptance"
    assert PHONE not in json.dumps(data, ensure_ascii=False)


def test_a_court_decision_is_masked_at_any_depth() -> None:
    decision = {"kind": "jc_ruling", "note": f"call {PHONE}", "party": {"id_number": ID, "phone": PHONE}}
    data = kinds.case_updated(
        platform="court", platform_case_id="A1", decision=decision, from_status="a", to_status="b", message_id="m"
    )
    text = json.dumps(data, ensure_ascii=False)
    assert PHONE not in text and ID not in text and data["status"] == "b" and data["from_status"] == "a"


def test_message_dead_masks_the_error() -> None:
    data = kinds.message_dead(platform="court", message_id="m", message_type="progress", seq=2, error=f"x {ID}")
    assert ID not in data["error"] and data["seq"] == 2


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (CourtDecisionKind.JC_RULING, EventType.JC_RULING),
        (CourtDecisionKind.MEDIATION_DOC_ISSUED, EventType.MEDIATION_DOC_ISSUED),
    ],
)
def test_a_court_decision_has_its_own_type_and_the_rest_are_case_updated(
    kind: CourtDecisionKind, expected: EventType
) -> None:
    assert decision_type(kind) is expected
    others = [
        k for k in CourtDecisionKind if k not in (CourtDecisionKind.JC_RULING, CourtDecisionKind.MEDIATION_DOC_ISSUED)
    ]
    assert all(decision_type(k) is EventType.CASE_UPDATED for k in others)


def test_the_document_has_a_utc_iso_time() -> None:
    event = Event(1, "evt_1", "case.updated", "MC-1", datetime(2026, 11, 30, 6, 0, tzinfo=UTC), {"a": 1})
    assert event.document() == {
        "id": "evt_1",
        "type": "case.updated",
        "case_id": "MC-1",
        "time": "2026-11-30T06:00:00Z",
        "data": {"a": 1},
    }


def test_settings_take_whsec_secrets_only() -> None:
    assert EventSettings(urls=["http://127.0.0.1:1/"], secrets=[SECRET]).secrets[0].get_secret_value() == SECRET
    for bad in ("plain", "whsec_***"):
        with pytest.raises(ValidationError):
            EventSettings(secrets=[bad])


def test_the_reference_package_verifies_our_signature_under_rotation() -> None:
    old = "whsec_" + base64.b64encode(b"the-old-secret-still-configured").decode()
    body = json.dumps({"id": "evt_1"}).encode()
    headers = WebhookSigner([parse_secret(old), parse_secret(SECRET)]).sign(
        body, message_id="evt_1", at=datetime.now(UTC)
    )
    assert Webhook(SECRET).verify(body, dict(headers)) == {"id": "evt_1"}
    assert Webhook(old).verify(body, dict(headers)) == {"id": "evt_1"}
