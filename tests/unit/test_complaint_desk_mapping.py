"""The complaint-desk wire (mappings/complaint_desk.py): every message kind both ways under every time form,
withheld fields never on the wire, and bad wire input refused naming the wire field."""

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from connectors.http import decoded
from connectors.port import PayloadError
from mappings import complaint_desk
from mappings.codes import MalformedPayload
from mappings.times import FORMS
from schemas.complaint import (
    AppraisalBody,
    ComplaintBody,
    ComplaintEnvelope,
    ComplaintMessageType,
    ContactedBody,
    DecisionResult,
    ExtendedBody,
    ReviewDecidedBody,
    ReviewRequestedBody,
    SmallClaimDecisionBody,
    SmallClaimPerformedBody,
    ToMediationBody,
    WithdrawnBody,
)
from tests.support import desk_samples as s

T = s.T0 + timedelta(days=1)
BODIES: list[ComplaintBody] = [
    s.forward().body,
    s.ack().body,
    ContactedBody(contacted_at=T, note="已联系"),
    ExtendedBody(stage=30, new_due=T + timedelta(days=30), approver_level="分公司总经理", complainant_told_at=T),
    ExtendedBody(
        stage=60, new_due=T + timedelta(days=60), approver_level="总公司", complainant_told_at=T, reason="复杂"
    ),
    AppraisalBody(phase="started", at=T),
    AppraisalBody(phase="ended", at=T),
    s.decided().body,
    WithdrawnBody(withdrawn_at=T, reason="已自行解决"),
    ToMediationBody(complainant_consented_at=T, institution_consented_at=T, note="同意调解"),
    SmallClaimDecisionBody(amount=Decimal("800.00"), cap=Decimal("5000.00"), decided_at=T, mediator="调解员甲"),
    SmallClaimPerformedBody(paid_at=T, amount=Decimal("800.00")),
    ReviewRequestedBody(requested_at=T, grounds="不服处理结果"),
    ReviewDecidedBody(result=DecisionResult.PARTLY, decided_at=T, remedy_amount=Decimal("100.50")),
]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("body", BODIES, ids=lambda b: f"{b.type.value}")
def test_every_message_kind_survives_the_wire_under_every_time_form(body: ComplaintBody, form: Any) -> None:
    envelope = s.envelope(body, desk_ref="KF-1", correlates_to="F-1", sent_at=T)
    wire = complaint_desk.encode(envelope, "desk", form)
    assert complaint_desk.encode(envelope, "desk", form) == wire  # deterministic: a resend is the same bytes
    assert complaint_desk.decode("desk", wire, form) == envelope
    doc = json.loads(wire)
    assert doc["xxlx"] in complaint_desk.tables("desk").tables["message_type"]
    assert all(isinstance(v, str) for k, v in _leaves(doc) if k in ("je", "bcje", "sx"))  # yuan as text


def _leaves(node: Any, key: str = "") -> list[tuple[str, Any]]:
    if isinstance(node, dict):
        return [leaf for k, v in node.items() for leaf in _leaves(v, k)]
    if isinstance(node, list):
        return [leaf for v in node for leaf in _leaves(v, key)]
    return [(key, node)]


def test_withheld_fields_never_reach_the_wire_even_when_the_record_holds_them() -> None:
    forward = s.forward()
    body = forward.body.model_copy(update={"withheld": ("complainant.phone", "complainant.address", "attachments")})
    wire = complaint_desk.encode(forward.model_copy(update={"body": body}), "desk")
    doc = json.loads(wire)
    complainant = doc["nr"]["ts"]["tsr"]
    assert "lxdh" not in complainant and "dz" not in complainant and "fj" not in doc["nr"]["ts"]
    assert "13812345678" not in wire.decode() and "中山五路" not in wire.decode()
    assert doc["nr"]["bkxm"] == ["ts.tsr.lxdh", "ts.tsr.dz", "ts.fj"]
    back = complaint_desk.decode("desk", wire)
    assert back.body.withheld == ("complainant.phone", "complainant.address", "attachments")  # type: ignore[union-attr]
    assert back.body.complaint.complainant.phone is None  # type: ignore[union-attr]


def _forward_doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(complaint_desk.encode(s.forward(), "desk"))
    return doc


def _set(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    *parents, last = path.split(".")
    node = doc
    for part in parents:
        node = node[part]
    if value is _DROP:
        del node[last]
    else:
        node[last] = value
    return doc


_DROP = object()
BAD_WIRE = [  # (wire path, bad value, quarantine reason, what the refusal names)
    ("xxlx", "ZZ", "unknown_code", "xxlx"),
    ("nr.ts.qd", "9", "unknown_code", "nr.ts.qd"),
    ("nr.ts.qd", 2, "malformed", "nr.ts.qd must be a string"),
    ("nr.ts.je", 600, "malformed", "nr.ts.je must be a decimal string"),
    ("nr.ts.je", "-1.00", "invalid", "amount_in_dispute"),
    ("nr.ts.je", "600.001", "invalid", "amount_in_dispute"),
    ("nr.ts.jssj", "2026-03-02", "malformed", "nr.ts.jssj"),
    ("nr.ts.jssj", 1772415000, "malformed", "nr.ts.jssj"),
    ("nr.ts.tsr", "张三", "malformed", "nr.ts.tsr must be an object"),
    ("nr.ts.tsr.zjhm", "110105198503071231", "invalid", "id_number"),
    ("nr.ts.bts.xydm", "914400001234567890", "invalid", "uscc"),
    ("nr.ts.fj", {}, "malformed", "nr.ts.fj must be a list"),
    ("nr.ts.fj", ["x"], "malformed", "nr.ts.fj[0] must be an object"),
    ("nr.ts.fj.0.dx", 1.5, "malformed", "nr.ts.fj[0].dx"),
    ("nr.ts.wzy", "false", "malformed", "nr.ts.wzy must be true/false"),
    ("nr.ts.qq", _DROP, "invalid", "request"),
    ("nr", _DROP, "malformed", "field nr is missing"),
    ("nr", [], "malformed", "field nr must be an object"),
    ("xxbh", 12345, "malformed", "xxbh must be a string"),
]


# ids the same in every process (pytest-xdist's workers must collect the same names): the sentinel by name
@pytest.mark.parametrize(
    ("path", "value", "reason", "named"),
    BAD_WIRE,
    ids=[f"{p}=dropped" if v is _DROP else f"{p}={v!r}" for p, v, *_ in BAD_WIRE],
)
def test_bad_wire_input_is_a_payload_error_naming_the_field(path: str, value: Any, reason: str, named: str) -> None:
    doc = _forward_doc()
    if path.startswith("nr.ts.fj.0."):
        doc["nr"]["ts"]["fj"][0][path.rsplit(".", 1)[1]] = value
    else:
        _set(doc, path, value)
    body = json.dumps(doc, ensure_ascii=False).encode()
    with pytest.raises(PayloadError) as refused:
        decoded("desk", complaint_desk.decode, body)
    assert refused.value.reason == reason
    assert named in str(refused.value)


@pytest.mark.parametrize("raw", [b"\xff\xfe", b"not json", b"[1, 2]", b"null", b"[" * 5000])
def test_bytes_that_are_no_json_object_are_malformed(raw: bytes) -> None:
    with pytest.raises(MalformedPayload):
        complaint_desk.decode("desk", raw)


def test_desk_statuses_map_both_ways() -> None:
    for code, status in complaint_desk.tables("desk").tables["desk_status"].items():
        assert complaint_desk.decode_status("desk", code) == status
        assert complaint_desk.encode_status("desk", status) == code
    assert complaint_desk.decode_status("desk", None) is None
    with pytest.raises(Exception, match="zt"):
        complaint_desk.decode_status("desk", "77")


def test_an_envelope_the_desk_answers_keeps_its_reference_and_correlation() -> None:
    envelope: ComplaintEnvelope = s.ack()
    doc = json.loads(complaint_desk.encode(envelope.model_copy(update={"correlates_to": "F-9"}), "desk"))
    assert doc["jgslh"] == "KF-0001" and doc["hfxx"] == "F-9" and doc["xxlx"] == "SL"


def test_the_wire_is_the_documented_one_written_by_hand() -> None:
    """Against a message written by hand from the profile's documentation, not by the encoder: a field renamed or
    a code changed on both sides at once would pass a round trip, never this."""
    ack = s.ack()
    assert json.loads(complaint_desk.encode(ack, "desk", "yyyyMMddHHmmss")) == {
        "xxbh": "A-1",
        "tsbh": "TS20260302-0001",
        "jgslh": "KF-0001",
        "fssj": "20260302103000",
        "xxlx": "SL",
        "nr": {"jgslh": "KF-0001", "slsj": "20260302103000", "cbr": "李四"},
    }
    decided = {
        "xxbh": "D-7",
        "tsbh": "TS-7",
        "jgslh": "KF-7",
        "fssj": 1772589000,
        "hfxx": "F-7",
        "xxlx": "BJ",
        "nr": {"jg": "2", "bcje": "300.50", "gzsj": 1772589000, "jjtj": ["FH", "TJ", "ZC", "SS"], "zy": "部分支持"},
    }
    envelope = complaint_desk.decode("desk", json.dumps(decided, ensure_ascii=False).encode(), "epoch_seconds")
    assert envelope.body.type is ComplaintMessageType.DECIDED
    assert envelope.model_dump(mode="json")["body"] == {
        "type": "complaint.decided",
        "result": "partly",
        "remedy_amount": "300.50",
        "notified_at": "2026-03-04T09:50:00+08:00",  # epoch seconds, read as China time
        "remedies_told": ["review", "mediation", "arbitration", "litigation"],
        "summary": "部分支持",
    }
    assert (envelope.complaint_id, envelope.desk_ref, envelope.correlates_to) == ("TS-7", "KF-7", "F-7")
