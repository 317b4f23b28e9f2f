"""The arb-commission wire (mappings/arbitration.py): every message type and every code both ways, bodies in
camelCase at every depth, deterministic bytes, and bad wire refused naming the wire field."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from mappings import arbitration as wire
from mappings.codes import MalformedPayload
from reference.errors import UnknownCode
from schemas.arbitration import BODIES
from schemas.partner import PartnerEnvelope, PartnerKind
from tests.support.arbitration_wire_samples import CASE_NO, bodies

CODES = wire.tables()
AT = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
BODY = bodies()


def envelope(type: str = "arb.accepted", body: dict[str, Any] | None = None, **fields: Any) -> PartnerEnvelope:
    return PartnerEnvelope(
        message_id=fields.pop("message_id", "M-1"),
        kind=PartnerKind.ARBITRATION,
        partner=fields.pop("partner", "gzac"),
        record_id=fields.pop("record_id", "AR-2026-0001"),
        partner_ref=fields.pop("partner_ref", CASE_NO),
        type=type,
        sent_at=AT,
        body=BODY[type] if body is None else body,
        **fields,
    )


def test_the_profile_carries_every_message_type_and_no_other() -> None:
    assert set(CODES.tables["message_type"].values()) == set(BODIES)


@pytest.mark.parametrize("code,canonical", sorted(CODES.tables["message_type"].items()))
def test_every_message_type_round_trips(code: str, canonical: str) -> None:
    sent = envelope(canonical, correlates_to="C-9")
    doc = json.loads(wire.encode(sent))
    assert doc["msgType"] == code and "type" not in doc["data"]  # msgType says it once
    assert wire.decode(wire.encode(sent), "gzac") == sent


def at_path(doc: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


@pytest.mark.parametrize("type,path,table", [(t, p, table) for (t, p), table in wire._CODED.items()], ids=str)
def test_every_coded_value_travels_as_the_commission_code(type: str, path: tuple[str, ...], table: str) -> None:
    for code, canonical in CODES.tables[table].items():
        body = json.loads(json.dumps(BODY[type]))
        at_path(body, path[:-1])[path[-1]] = canonical
        sent = envelope(type, body)
        doc = json.loads(wire.encode(sent))
        assert at_path(doc["data"], tuple(wire.camel(k) for k in path)) == code
        assert at_path(wire.decode(wire.encode(sent), "gzac").body, path) == canonical


def test_body_keys_are_camel_case_at_every_depth_and_back() -> None:
    sent = envelope("arb.application", partner_ref=None)
    data = json.loads(wire.encode(sent))["data"]
    app = data["application"]
    assert set(data) == {"application", "submittedAt"}
    assert app["disputeAroseAt"] == BODY["arb.application"]["application"]["dispute_arose_at"]
    assert app["arbitrationAgreement"]["confirmsSettlement"] is True
    assert app["parties"][1]["legalRepresentative"]["name"] == "李四"
    assert app["parties"][0]["idNumber"] == BODY["arb.application"]["application"]["parties"][0]["id_number"]
    assert app["requestedInstrument"] == "TJS"
    assert app["claims"][0]["amount"] == "12000.00"  # yuan as decimal text, never a number
    assert "caseNo" not in json.loads(wire.encode(sent))  # absent, never null
    assert wire.decode(wire.encode(sent), "gzac") == sent


@pytest.mark.parametrize(
    "body,keys",
    [
        ({"signed_for": {"张三": 1}}, {"signedFor": {"张三": 1}}),  # a name as a key travels as it is
        ({"article_23": True}, {"article_23": True}),  # not a camelCase identifier: unchanged both ways
    ],
)
def test_keys_that_are_not_identifiers_are_left_alone(body: dict[str, Any], keys: dict[str, Any]) -> None:
    assert wire._keys(body, wire.camel) == keys and wire._keys(keys, wire.snake) == body


def test_envelope_fields_and_china_time() -> None:
    doc = json.loads(wire.encode(envelope(correlates_to="M-0")))
    assert doc["msgId"] == "M-1" and doc["centreRef"] == "AR-2026-0001" and doc["replyTo"] == "M-0"
    assert doc["caseNo"] == "（2026）穗仲案字第123号"
    assert doc["sentAt"] == "2026-03-02T09:30:00+08:00"


def test_the_same_envelope_is_the_same_bytes() -> None:
    assert wire.encode(envelope()) == wire.encode(envelope())


def good() -> dict[str, Any]:
    return json.loads(wire.encode(envelope("arb.refused")))


def spoil(path: str, value: Any) -> bytes:
    doc = good()
    *parents, last = path.split(".")
    node = doc
    for p in parents:
        node = node[p]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return json.dumps(doc, ensure_ascii=False).encode()


@pytest.mark.parametrize(
    "raw,error,named",
    [
        (b"\xff\xfe", MalformedPayload, "UTF-8 JSON"),
        (b"[1]", MalformedPayload, "JSON object"),
        (spoil("msgType", KeyError), MalformedPayload, "msgType"),
        (spoil("msgType", 3), MalformedPayload, "msgType"),
        (spoil("msgType", "PAYMENT_REMINDER"), UnknownCode, "msgType"),
        (spoil("msgId", KeyError), MalformedPayload, "msgId"),
        (spoil("msgId", 42), MalformedPayload, "msgId"),
        (spoil("msgId", ""), MalformedPayload, "msgId"),
        (spoil("caseNo", 123), MalformedPayload, "caseNo"),
        (spoil("sentAt", KeyError), MalformedPayload, "sentAt"),
        (spoil("sentAt", "2026-03-02T09:30:00"), MalformedPayload, "sentAt"),  # no offset: refused, not guessed
        (spoil("data", KeyError), MalformedPayload, "data"),
        (spoil("data", [1]), MalformedPayload, "data"),
        (spoil("data.reason", "BSL99"), UnknownCode, "data.reason"),
        (spoil("data.reason", 1), MalformedPayload, "data.reason"),
        (spoil("msgId", "M" * 65), ValidationError, "message_id"),
        (spoil("data.refusedAt", KeyError), MalformedPayload, "data.refusedAt"),  # the body's own rules, by wire name
        (spoil("data.refusedAt", "yesterday"), MalformedPayload, "data.refusedAt"),
        (spoil("data.text", "x" * 2001), MalformedPayload, "data.text"),
        (spoil("data.extra", 1), MalformedPayload, "data.extra"),
    ],
)
def test_bad_wire_is_refused_naming_the_field(raw: bytes, error: type[Exception], named: str) -> None:
    with pytest.raises(error) as caught:
        wire.decode(raw, "gzac")
    assert named in str(caught.value)


def test_a_refused_body_never_shows_its_values() -> None:
    doc = json.loads(wire.encode(envelope("arb.application", partner_ref=None)))
    doc["data"]["application"]["parties"][0]["idNumber"] = "110105198503071231"  # a wrong check digit
    with pytest.raises(MalformedPayload, match=r"data\.application\.parties\[0\]\.idNumber") as caught:
        wire.decode(json.dumps(doc, ensure_ascii=False).encode(), "gzac")
    assert "110105198503071231" not in str(caught.value)


def test_the_connectors_wire_mapping_names_the_commission() -> None:
    mapping = wire.ArbitrationWire("gzac-2")
    sent = envelope(partner="gzac-2")
    assert mapping.encode(sent) == json.loads(wire.encode(sent))
    assert mapping.decode(mapping.encode(sent)) == sent  # the partner named is the connector's


@pytest.mark.parametrize("name", ["dispute_arose_at", "pdf_sha256", "a", "fee_notice", "x2_y"])
def test_camel_and_snake_are_inverse(name: str) -> None:
    assert wire.snake(wire.camel(name)) == name
