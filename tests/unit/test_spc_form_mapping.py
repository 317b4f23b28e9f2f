"""The SPC web form's wire (mappings/spc_form.py), pure: each outbound type's form, the renames both ways, times as
"yyyy-MM-dd HH:mm:ss" China time, every answer shape, and each listing event as its canonical message."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from mappings import spc_form
from mappings.codes import MalformedPayload
from schemas.partner import PartnerEnvelope
from schemas.roster import MESSAGE_BODIES, RosterMessageType
from tests.support import spc_samples as s


@pytest.mark.parametrize(
    ("envelope", "path", "field", "wire_keys"),
    [
        (s.org(), "/fayuan/a/org/saveOrg", "orgFormStr", {"creditCode", "orgName", "orgType", "charge", "courtList"}),
        (s.mediator_upsert("RO-M1", 1, 1), "/fayuan/a/mediator/saveMediator", "mediatorFormStr",
         {"mediatorNo", "idCard", "orgCreditCode", "termStart", "termEnd", "credentialsType", "qualified"}),
        (s.retire("RO-M1"), "/fayuan/a/mediator/retire", "retireFormStr", {"mediatorNo", "reason", "retireTimeStr"}),
        (s.offline("RO-R1"), "/fayuan/a/offline/addOffline", "mediationFormStr",
         {"causeCode", "money", "claimMoney", "successState", "startTimeStr", "endTimeStr", "mediatorId",
          "applicantPartyList", "respondentPartyList"}),
    ],
)  # fmt: skip
def test_each_type_posts_its_form(envelope: PartnerEnvelope, path: str, field: str, wire_keys: set[str]) -> None:
    got_path, fields = spc_form.encode(envelope)
    assert got_path == path and fields["msgId"] == envelope.message_id and fields["localId"] == envelope.record_id
    doc = json.loads(fields[field])
    assert wire_keys <= set(doc)
    back = spc_form.canonical_body(envelope.type, doc)
    assert set(back) == set(envelope.body)  # every field arrives, under its canonical name


def test_times_travel_as_china_time_without_offset() -> None:
    envelope = s.offline("RO-R1")
    envelope.body["end_time"] = "2026-03-02T01:30:00+00:00"
    doc = json.loads(spc_form.encode(envelope)[1]["mediationFormStr"])
    assert doc["endTimeStr"] == "2026-03-02 09:30:00"
    party = doc["applicantPartyList"][0]
    assert {"credentialsType", "idCard", "areaCode"} <= set(party) and "id_number" not in party


def test_a_type_without_a_form_is_a_key_error() -> None:
    envelope = s.envelope("roster.certified", "RO-1", {})
    with pytest.raises(KeyError):
        spc_form.encode(envelope)


@pytest.mark.parametrize(
    ("content", "content_type", "ok", "login", "words"),
    [
        (b'{"code":"0","id":"SPC-O1","repeat":true}', "application/json", True, False, ""),
        (
            b'{"code":"-1","msg":"\xe8\xaf\x81\xe4\xbb\xb6\xe5\x8f\xb7\xe6\x9c\x89\xe8\xaf\xaf"}',
            "",
            False,
            False,
            "证件号有误",
        ),
        (b"-1", "text/plain", False, False, "-1 (the platform gave no reason)"),
        (b'"-1"', "", False, False, "-1 (the platform gave no reason)"),
        (b"<!DOCTYPE html><form>", "text/html", False, True, "login page"),
        (b"  <html>", "", False, True, "login page"),
        (b"[1]", "", False, False, "answer is a list"),
        (b"{oops", "", False, False, "unreadable answer: {oops"),
        (b'{"code":"9"}', "", False, False, "code 9"),
        (b"[" * 100_000 + b"]" * 100_000, "", False, False, "unreadable answer: [[["),  # past the parser's stack
    ],
)
def test_every_answer_shape(content: bytes, content_type: str, ok: bool, login: bool, words: str) -> None:
    answer = spc_form.read_answer(content, content_type)
    assert (answer.ok, answer.login_page) == (ok, login)
    assert words in answer.words
    if ok:
        assert answer.id == "SPC-O1" and answer.repeat


ROW = {"seq": 3, "msgId": "SPC-EV3", "localId": "RO-M1", "id": "SPC-M2", "at": "2026-03-02 09:30:00", "answers": "PM-1"}


@pytest.mark.parametrize(
    ("event", "extra", "type_"),
    [
        ("certified", {"termEnd": "2027-01-31"}, RosterMessageType.CERTIFIED),
        ("rejected", {"reason": "任期已届满"}, RosterMessageType.REJECTED),
        ("removed", {"reason": "违反调解纪律"}, RosterMessageType.REMOVED),
        ("registered", {}, RosterMessageType.OFFLINE_REGISTERED),
        ("refused", {"reason": "案由不存在"}, RosterMessageType.OFFLINE_REJECTED),
    ],
)
def test_each_event_is_its_canonical_message(event: str, extra: dict[str, str], type_: RosterMessageType) -> None:
    envelope = spc_form.decode_item("spc", spc_form.encode_item({**ROW, "event": event, **extra}))
    assert envelope.type == type_.value and envelope.record_id == "RO-M1" and envelope.partner_ref == "SPC-M2"
    assert envelope.correlates_to == "PM-1"
    assert envelope.sent_at == datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    MESSAGE_BODIES[type_].model_validate(envelope.body)  # the body is the roster's, as typed


@pytest.mark.parametrize(
    ("row", "names"),
    [
        ({**ROW, "event": "promoted"}, "event"),
        ({**ROW, "event": "certified", "at": "2026-03-02T09:30:00+08:00"}, "at"),
        ({**ROW, "event": "certified", "msgId": ""}, "msgId"),
        ({**ROW, "event": "certified", "localId": None}, "localId"),
        ({**ROW, "event": "certified", "id": True}, "id"),
    ],
)
def test_a_row_out_of_shape_names_its_field(row: dict[str, object], names: str) -> None:
    with pytest.raises(MalformedPayload, match=names):
        spc_form.decode_item("spc", spc_form.encode_item(row))


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b"\xff\xfe"])
def test_bytes_that_are_no_row(body: bytes) -> None:
    with pytest.raises(MalformedPayload, match="row"):
        spc_form.decode_item("spc", body)
