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
from tests.support.partner_api import PartnerServed, partner_api
from tests.support.partner_world import PARTNER
from tests.support.toy_partner import KIND, toy_spec  # noqa: F401  (the fixture)
from tests.support.toy_partner import toy_offer as offer

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("toy_spec")]


@pytest.fixture
def api(database_url: str, encryption: EncryptionSettings, tmp_path: Path) -> Iterator[PartnerServed]:
    with partner_api(database_url, encryption, tmp_path) as served:
        yield served


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


def _record(api: PartnerServed, record_id: str, kind: str, partner: str) -> None:
    from adapter.persistence import partner_store as store

    with api.runtime.uow.begin() as session:
        store.insert(session, record_id=record_id, kind=kind, partner=partner, at=utc_now(), status="OFFERED",
                     facts_json="{}", subject="JT-9", partner_ref=f"{partner}-9")  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "partner", "reason"),
    [("traffic", "other-partner", "wrong_partner"), ("arbitration", PARTNER, "wrong_partner")],
)
def test_a_signed_message_about_another_partners_or_another_kinds_record_is_refused(
    api: PartnerServed, kind: str, partner: str, reason: str
) -> None:
    """A valid signature is no licence for a record that is not the partner's own, or not of its kind."""
    _record(api, "TR-OTHER", kind, partner)
    body, headers = api.signed(offer(3, record_id="TR-OTHER", type="toy.noted", body={}))
    answer = api.push(body, headers)
    assert answer.status_code == 422 and answer.json()["reason"] in (reason, "wrong_kind"), answer.text
    (row,) = rows(api, "partner_records")
    assert row.version == 1 and rows(api, "partner_events") == []


def test_a_message_of_another_kind_is_refused(api: PartnerServed) -> None:
    body, headers = api.signed(offer(4, kind="arbitration"))
    answer = api.push(body, headers)
    assert answer.status_code == 422 and answer.json()["reason"] in ("wrong_kind", "undecodable"), answer.text
    assert rows(api, "partner_records") == []


@pytest.mark.parametrize("depth", [5_000, 30_000])
def test_deeply_nested_json_is_refused_not_a_server_error(api: PartnerServed, depth: int) -> None:
    """A signed body nested past any parser's stack (still under push_max_bytes): refused and kept, never a 500."""
    nested = b"[" * depth + b"]" * depth
    body = b'{"message_id":"TP-0009","kind":"traffic","partner":"' + PARTNER.encode() + b'","type":"toy.offered",'
    body += b'"sent_at":"' + utc_now().isoformat().encode() + b'","body":{"subject":' + nested + b"}}"
    headers = dict(api.signer.sign(body, message_id="TP-0009", at=utc_now()))
    answer = api.push(body, headers)
    assert answer.status_code in (400, 413, 422), answer.text
    assert answer.json()["result"] == "rejected" and rows(api, "partner_records") == []


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_the_content_type_does_not_change_what_is_verified(api: PartnerServed, content_type: str) -> None:
    """The signed bytes are what is applied whatever the Content-Type says: a form-encoded label is not parsed into
    other fields, and bytes changed after signing are refused whatever the label."""
    body, headers = api.signed(offer(5))
    answer = api.push(body, {**headers, "Content-Type": content_type})
    assert answer.status_code == 200 and answer.json()["result"] == "accepted", answer.text
    tampered = api.push(body.replace(b"JT-5", b"JT-6"), {**headers, "Content-Type": content_type})
    assert tampered.status_code == 422 and tampered.json()["reason"] == "bad_signature"
    assert [r.subject for r in rows(api, "partner_records")] == ["JT-5"]


def test_a_replay_after_a_restart_is_still_refused(
    database_url: str, encryption: EncryptionSettings, tmp_path: Path
) -> None:
    """The replay guard is persisted: the same signed id with other bytes is refused by a fresh process inside the
    window; outside it, the signed time itself is stale."""
    with partner_api(database_url, encryption, tmp_path) as first:
        body, headers = first.signed(offer(6))
        assert first.push(body, headers).json()["result"] == "accepted"
        other, other_headers = first.signed(offer(6, body={"subject": "JT-replayed"}))
        signer = first.signer
    # A restart: a new runtime (its own app and process state) on the same database.
    with partner_api(database_url, encryption, tmp_path, restart=first) as second:
        assert second.push(body, headers).json()["result"] == "duplicate"
        replayed = second.push(other, other_headers)
        # Authenticated, so decided on its content: a re-send with other content under an applied id (409 conflict).
        assert (replayed.status_code, replayed.json()["reason"]) == (409, "conflict"), replayed.text
        late = offer(7, sent_at=utc_now() - timedelta(hours=2))
        stale_body = late.model_dump_json().encode()
        stale = second.push(stale_body, dict(signer.sign(stale_body, message_id="TP-0007", at=late.sent_at)))
        assert stale.status_code == 422 and stale.json()["reason"] == "stale"
        assert [r.subject for r in rows(second, "partner_records")] == ["JT-6"]


def test_a_partners_key_on_another_partners_path_is_refused_before_anything_is_read(api: PartnerServed) -> None:
    """Partner A's key on partner B's path (configured or not) is a 403 naming A's own path: B's configuration is
    not disclosed, B's verifier never runs, nothing is kept."""
    body, headers = api.signed(offer(8, partner="other-partner"))
    for path in ("other-partner", "nobody"):
        answer = api.push(body, headers, partner=path)  # our key (partner:toy-platform), another partner's path
        assert answer.status_code == 403 and f"/api/partners/v1/{PARTNER}/messages" in answer.text, answer.text
    assert rows(api, "quarantine") == [] and rows(api, "partner_records") == []
