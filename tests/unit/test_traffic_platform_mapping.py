"""The traffic-platform wire (mappings/traffic_platform.py): envelopes both ways under every time form, the agreed
names on the wire, amounts as decimal text, and bad wire refused naming the wire field (a PayloadError at the
connector, via connectors/http.py `decoded`)."""

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from connectors.http import decoded
from connectors.port import PayloadError
from mappings import traffic_platform as wire
from mappings.codes import MalformedPayload
from mappings.times import FORMS
from mappings.traffic_platform_fields import canonical_name, fields_of, kind_of, wire_name
from schemas.case import Record
from schemas.money import RMB
from schemas.partner import PartnerEnvelope, PartnerKind
from schemas.traffic import BODIES
from tests.support import traffic_samples

CST = timezone(timedelta(hours=8), "CST")
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=CST)


class Liability(Record):
    party_ref: str
    level: str


class Accident(Record):
    cert_no: str
    issued_at: datetime
    liability: list[Liability]


class Claim(Record):
    head: str
    amount: RMB


class Offer(Record):
    serial_no: str
    accident: Accident
    claims: tuple[Claim, ...] = ()
    hearing_day: date | None = None
    extra: dict[str, Any] | None = None


class Answer(Record):
    accepted: bool
    answered_at: datetime


MODELS: dict[str, type[BaseModel]] = {"traffic.case_offered": Offer, "traffic.offer_answer": Answer}


def offer_body() -> dict[str, Any]:
    return {
        "serial_no": "DJ4401202603020001",
        "accident": {
            "cert_no": "440104120260001",
            "issued_at": T0.isoformat(),
            "liability": [{"party_ref": "P1", "level": "main"}, {"party_ref": "P2", "level": "secondary"}],
        },
        "claims": [{"head": "医疗费", "amount": "18600.50"}, {"head": "误工费", "amount": "4200.00"}],
        "hearing_day": "2026-03-20",
        "extra": {"weather_kind": "晴"},
    }


def envelope(type_: str = "traffic.case_offered", body: dict[str, Any] | None = None, **over: Any) -> PartnerEnvelope:
    fields: dict[str, Any] = {
        "message_id": "DJ-M000001",
        "kind": PartnerKind.TRAFFIC,
        "partner": "gd-traffic",
        "partner_ref": "DJ4401202603020001",
        "type": type_,
        "sent_at": T0,
        "body": offer_body() if body is None else body,
    }
    return PartnerEnvelope(**{**fields, **over})


def encoded(env: PartnerEnvelope, form: Any = "iso8601") -> dict[str, Any]:
    return json.loads(wire.encode(env, MODELS.__getitem__, form))


@pytest.mark.parametrize("form", FORMS)
def test_an_offer_survives_the_round_trip_under_every_time_form(form: Any) -> None:
    env = envelope()
    back = wire.decode("gd-traffic", wire.encode(env, MODELS.__getitem__, form), MODELS.__getitem__, form)
    assert back == env


def test_the_wire_speaks_the_agreed_names() -> None:
    doc = encoded(envelope(record_id="TR-000001", correlates_to="C-1"))
    assert set(doc) == {"msgId", "msgType", "serialNo", "bizNo", "sendTime", "replyTo", "data"}
    assert doc["msgType"] == "CASE_OFFERED" and doc["bizNo"] == "TR-000001"
    assert doc["data"]["serialNo"] == "DJ4401202603020001"
    assert doc["data"]["accident"]["sgrdsbh"] == "440104120260001"
    assert doc["data"]["accident"]["liability"][0] == {"partyRef": "P1", "level": "main"}
    assert doc["data"]["extra"] == {"weatherKind": "晴"}


def test_amounts_travel_as_decimal_text() -> None:
    doc = encoded(envelope())
    assert [c["amount"] for c in doc["data"]["claims"]] == ["18600.50", "4200.00"]
    back = wire.decode("p", json.dumps(doc).encode(), MODELS.__getitem__)
    assert [Decimal(c["amount"]) for c in back.body["claims"]] == [Decimal("18600.50"), Decimal("4200.00")]


@pytest.mark.parametrize(
    ("name", "wire_form"),
    [("serial_no", "serialNo"), ("cert_no", "sgrdsbh"), ("plate", "hphm"), ("policy_limit", "policyLimit")],
)
def test_names_map_both_ways(name: str, wire_form: str) -> None:
    assert wire_name(name) == wire_form and canonical_name(wire_form) == name


def test_kinds_are_read_from_the_body_model() -> None:
    assert fields_of(Offer)["hearing_day"] == "d"
    assert fields_of(Claim)["amount"] == "a"
    assert fields_of(Accident)["issued_at"] == "t"
    assert kind_of(list[Liability]) == ("l", ("o", Liability))
    assert kind_of(dict[str, int]) == "j"


def _poke(path: list[str | int], value: Any) -> bytes:
    doc = encoded(envelope())
    node: Any = doc
    for part in path[:-1]:
        node = node[part]
    if value is _DROP:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return json.dumps(doc, ensure_ascii=False).encode()


_DROP = object()
BAD_WIRE: list[tuple[list[str | int], Any, str]] = [
    (["msgId"], _DROP, "field msgId is missing"),
    (["msgId"], 17, "field msgId must be a string"),
    (["msgType"], "case-offered", "field msgType"),
    (["msgType"], "NO_SUCH_TYPE", "field msgType 'NO_SUCH_TYPE'"),
    (["sendTime"], "2026-03-02", "field sendTime"),
    (["surprise"], 1, "field surprise is not part"),
    (["data"], [], "field data must be a JSON object"),
    (["data", "claims", 0, "amount"], 18600.5, "field data.claims[0].amount must be yuan"),
    (["data", "claims", 0, "amount"], "18,600.50", "field data.claims[0].amount must be yuan"),
    (["data", "claims"], {"head": "x"}, "field data.claims must be a list"),
    (["data", "accident", "issuedAt"], 1772415000, "field data.accident.issuedAt"),
    (["data", "accident", "sgrdsbh"], {"x": 1}, "field data.accident.sgrdsbh must be a single value"),
    (["data", "hearingDay"], "20260320", "field data.hearingDay"),
    (["data", "newField"], "x", "field data.newField is not part"),
]


@pytest.mark.parametrize(("path", "value", "named"), BAD_WIRE, ids=[str(b[0]) for b in BAD_WIRE])
def test_bad_wire_is_a_payload_error_naming_the_field(path: list[str | int], value: Any, named: str) -> None:
    raw = _poke(path, value)
    with pytest.raises(MalformedPayload, match=named.replace("[", r"\[").replace("]", r"\]")):
        wire.decode("p", raw, MODELS.__getitem__)
    with pytest.raises(PayloadError) as caught:
        decoded("p", lambda p, b: wire.decode(p, b, MODELS.__getitem__), raw)
    assert caught.value.reason == "malformed"


def test_a_value_the_body_refuses_is_invalid_not_malformed() -> None:
    raw = _poke(["data", "claims", 0, "amount"], "999999999999.00")  # decimal text, beyond any claim
    with pytest.raises(ValidationError):
        wire.decode("p", raw, MODELS.__getitem__)
    with pytest.raises(PayloadError) as caught:
        decoded("p", lambda p, b: wire.decode(p, b, MODELS.__getitem__), raw)
    assert caught.value.reason == "invalid"


@pytest.mark.parametrize("raw", [b"\xff\xfe", b"[1]", b"not json", b"[" * 100_000])
def test_bytes_that_are_not_a_message_are_malformed(raw: bytes) -> None:
    with pytest.raises(MalformedPayload):
        wire.decode("p", raw, MODELS.__getitem__)


def test_a_type_of_another_kind_never_goes_on_this_wire() -> None:
    with pytest.raises(ValueError, match="not a traffic-platform message"):
        wire.wire_type("arb.accepted")


def test_the_wire_mapping_object_names_its_partner_and_form() -> None:
    mapping = wire.TrafficWire("gd-traffic", "yyyyMMddHHmmss", MODELS.__getitem__)
    doc = mapping.encode(envelope())
    assert doc["sendTime"] == "20260302093000"
    assert mapping.decode(doc) == envelope()
    with pytest.raises(MalformedPayload, match="the message must be a JSON object"):
        mapping.decode([])  # type: ignore[arg-type]


# ---- the real bodies (schemas/traffic.py)

NOW = "2026-09-22T10:00:00+08:00"
SAMPLES: dict[str, dict[str, Any]] = {
    "traffic.case_offered": traffic_samples.offer_data(),
    "traffic.offer_answer": {"accepted": False, "answered_at": NOW, "reason": "不属本中心受理范围"},
    "traffic.liability_review": {"phase": "redo", "at": NOW, "cert_no": "粤公交认字〔2026〕第0001号"},
    "traffic.certificate_replaced": {
        "certificate": {
            **traffic_samples.certificate_data("粤公交认字〔2026〕第0002号"),
            "supersedes": "粤公交认字〔2026〕第0001号",
        },
        "at": NOW,
    },
    "traffic.appraisal_request": {
        "appraisal_id": "JD-1",
        "matters": "伤残等级",
        "party_ref": "P1",
        "requested_at": NOW,
    },
    "traffic.appraisal_result": {
        "appraisal_id": "JD-1",
        "conclusion": "十级伤残",
        "pdf": traffic_samples.pdf("意见书"),
        "fee": "2800.00",
        "challenge_deadline": "2026-10-09T00:00:00+08:00",
        "delivered_at": NOW,
    },
    "traffic.outcome": {
        "result": "agreement",
        "at": NOW,
        "items": [{"head": "01", "amount": "52000.00", "payer_ref": "I1", "policy_no": "JQ-A-001"}],
        "shares": [
            {
                "insurer_uscc": traffic_samples.INSURER_A,
                "policy_no": "JQ-A-001",
                "cover": "compulsory",
                "amount": "52000.00",
            }
        ],
        "schedule": [{"due_on": "2026-10-31", "amount": "52000.00", "payer_ref": "I1"}],
    },
    "traffic.jc_result": {"confirmed": True, "ruling_no": "（2026）粤0104民特88号", "ruled_at": NOW},
    "traffic.claim_request": {
        "claim_id": "CL-1",
        "basis": "agreement_jc",
        "basis_ref": "（2026）粤0104民特88号",
        "policy": {"insurer_uscc": traffic_samples.INSURER_A, "policy_no": "JQ-A-001"},
        "payee": {"name": "王五", "account": "6222020200112233445", "bank": "工商银行"},
        "amount": "52000.00",
        "requested_at": NOW,
    },
    "traffic.claim_update": {"claim_id": "CL-1", "status": "part_paid", "amount": "31200.00", "at": NOW},
}


def test_every_message_type_has_a_sample() -> None:
    assert set(SAMPLES) == set(BODIES)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("type_", sorted(SAMPLES))
def test_every_traffic_message_survives_the_round_trip(type_: str, form: Any) -> None:
    body = BODIES[type_].model_validate({"type": type_, **SAMPLES[type_]}).model_dump(mode="json")
    env = envelope(type_, body, record_id="TR-000001", correlates_to="C-9")
    raw = wire.encode(env, form=form)
    assert '"type"' not in raw.decode()  # the body's type travels once, as msgType
    assert wire.decode("gd-traffic", raw, form=form) == env


@pytest.mark.parametrize("model", sorted(BODIES.values(), key=lambda m: m.__name__), ids=lambda m: m.__name__)
def test_every_field_name_maps_back_to_itself(model: type[BaseModel]) -> None:
    def walk(m: type[BaseModel]) -> Iterator[str]:
        for name, kind in fields_of(m).items():
            yield name
            while isinstance(kind, tuple) and kind[0] == "l":
                kind = kind[1]
            if isinstance(kind, tuple):
                yield from walk(kind[1])

    for name in walk(model):
        assert canonical_name(wire_name(name)) == name


def test_the_payee_account_and_ids_travel_as_text() -> None:
    raw = wire.encode(envelope("traffic.claim_request", SAMPLES["traffic.claim_request"]))
    assert json.loads(raw)["data"]["payee"]["account"] == "6222020200112233445"
