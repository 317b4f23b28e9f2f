"""The odr-rest mapping: court wire JSON to canonical records and back, every code through the versioned tables."""

import copy
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import ValidationError

from mappings import codes, court_agreement, court_fields, odr_rest
from mappings.codes import MalformedPayload, load_tables
from reference.errors import UnknownCode
from schemas.enums import (
    CourtDecisionKind,
    CourtStatus,
    DeclineReason,
    Flow,
    IdType,
    JcResult,
    MessageType,
    OutcomeCode,
    PartyKind,
    PartyRole,
    Procedure,
    ProgressKind,
)
from schemas.envelope import (
    AgreementBody,
    ClosureBody,
    DispatchBody,
    Envelope,
    JcApplicationBody,
    OutcomeBody,
    ProgressBody,
)
from schemas.jc import JcApplication
from schemas.outcome import FailureReport, MediationOutcome
from schemas.progress import ProgressUpdate
from tests.support import samples

PLATFORM = "court-gz"
SAMPLE = Path(__file__).parents[1] / "data" / "odr_rest" / "dispatch.json"
AT = datetime(2026, 3, 5, 10, 0, tzinfo=samples.CST)


@pytest.fixture
def wire() -> dict[str, Any]:
    """A fresh copy of the sample court dispatch, in the platform's wire format."""
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def _bytes(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def _envelope(body: Any, status_after: CourtStatus | None = None) -> Envelope:
    return samples.outbound(body, status_after, platform=PLATFORM, at=AT)


# ---- decode: court → centre


def test_sample_dispatch_decodes_to_canonical_case(wire: dict[str, Any]) -> None:
    """The sample dispatch becomes a DispatchBody with canonical flow, procedure, amount and identifiers."""
    envelope = odr_rest.decode(PLATFORM, _bytes(wire))
    assert envelope.type is MessageType.DISPATCH
    assert isinstance(envelope.body, DispatchBody)
    case = envelope.body.dispatch
    assert envelope.message_id == "PQ-0104-5f3a9c0d11e2b7a4"
    assert envelope.platform == PLATFORM
    assert envelope.platform_case_id == case.platform_case_id == "0104-5f3a9c0d11e2b7a4"
    assert envelope.created_at == datetime(2026, 3, 2, 9, 30, 5, tzinfo=samples.CST)
    assert case.flow is Flow.ENTRUSTED
    assert case.procedure is Procedure.SIMPLE
    assert case.case_number == "（2026）粤0104民初1001号"
    assert case.court_code == "粤0104"
    assert case.cause == "信用卡纠纷"
    assert case.dispatched_at == datetime(2026, 3, 2, 9, 30, tzinfo=samples.CST)
    assert case.designated_org == "广东银行业保险业纠纷调解中心"
    assert case.designated_mediator is None


def test_dispatch_amount_becomes_a_two_place_decimal(wire: dict[str, Any]) -> None:
    """The wire amount '35000.5' becomes Decimal('35000.50')."""
    case = odr_rest.decode(PLATFORM, _bytes(wire)).body.dispatch  # type: ignore[union-attr]
    assert isinstance(case.amount, Decimal)
    assert str(case.amount) == "35000.50"


def test_dispatch_parties_get_canonical_roles_kinds_and_id_types(wire: dict[str, Any]) -> None:
    """Party codes 03/2/02 and 04/1/01 become plaintiff legal person USCC and defendant natural person ID."""
    case = odr_rest.decode(PLATFORM, _bytes(wire)).body.dispatch  # type: ignore[union-attr]
    bank, person = case.parties
    assert (bank.role, bank.kind, bank.id_type) == (PartyRole.PLAINTIFF, PartyKind.LEGAL_PERSON, IdType.USCC)
    assert (person.role, person.kind, person.id_type) == (
        PartyRole.DEFENDANT,
        PartyKind.NATURAL_PERSON,
        IdType.RESIDENT_ID,
    )
    assert bank.id_number == samples.USCC
    assert person.id_number == samples.RESIDENT_ID
    assert person.phone == "13812345678"
    assert person.address == "广州市越秀区中山五路"
    assert [(a.name, a.size) for a in case.attachments] == [("起诉状.pdf", 48213)]


def test_missing_procedure_defaults_to_ordinary(wire: dict[str, Any]) -> None:
    """A dispatch without cxlx is ordinary procedure (code '1')."""
    del wire["ajxx"]["cxlx"]
    case = odr_rest.decode(PLATFORM, _bytes(wire)).body.dispatch  # type: ignore[union-attr]
    assert case.procedure is Procedure.ORDINARY


@pytest.mark.parametrize(
    ("path", "value", "table", "field"),
    [
        (("ajxx", "tjlx"), "09", "flow", "ajxx.tjlx"),
        (("ajxx", "cxlx"), "3", "procedure", "ajxx.cxlx"),
        (("ajxx", "dsr", 0, "ssdw"), "99", "party_role", "ajxx.dsr.ssdw"),
        (("ajxx", "dsr", 1, "zjlx"), "07", "id_type", "ajxx.dsr.zjlx"),
        (("xxlx",), "ZZ", "message_type", "xxlx"),
    ],
)
def test_unknown_code_is_rejected_naming_platform_table_field_and_value(
    wire: dict[str, Any], path: tuple[Any, ...], value: str, table: str, field: str
) -> None:
    """A code the table does not list raises UnknownCode naming the platform, table, field and value."""
    target = wire
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    with pytest.raises(UnknownCode) as caught:
        odr_rest.decode(PLATFORM, _bytes(wire))
    message = str(caught.value)
    for part in (PLATFORM, table, field, value):
        assert part in message
    assert (caught.value.platform, caught.value.table, caught.value.field, caught.value.value) == (
        PLATFORM,
        table,
        field,
        value,
    )


@pytest.mark.parametrize(
    ("path", "named"),
    [
        (("xxbh",), "xxbh"),
        (("ajbs",), "ajbs"),
        (("ajxx",), "ajxx"),
        (("ajxx", "bdje"), "ajxx.bdje"),
        (("ajxx", "tjlx"), "ajxx.tjlx"),
        (("ajxx", "pqsj"), "ajxx.pqsj"),
        (("ajxx", "dsr", 1, "xm"), "ajxx.dsr.xm"),
        (("ajxx", "fj", 0, "sha256"), "ajxx.fj.sha256"),
    ],
)
def test_missing_field_is_malformed_naming_the_field(wire: dict[str, Any], path: tuple[Any, ...], named: str) -> None:
    """A required field that is absent raises MalformedPayload naming its path."""
    target = wire
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    with pytest.raises(MalformedPayload) as caught:
        odr_rest.decode(PLATFORM, _bytes(wire))
    assert f"field {named} is missing" in str(caught.value)


@pytest.mark.parametrize("body", [b"<xml/>", b"", b'{"xxbh": ', "消息".encode("gb18030")])
def test_non_json_body_is_malformed(body: bytes) -> None:
    """Bytes that are not UTF-8 JSON raise MalformedPayload, not a JSON or Unicode error."""
    with pytest.raises(MalformedPayload, match="not UTF-8 JSON"):
        odr_rest.decode(PLATFORM, body)


def test_json_that_is_not_an_object_is_malformed() -> None:
    """A JSON array or string at the top level is refused as malformed."""
    for doc in ([], "PQ", 42):
        with pytest.raises(MalformedPayload, match="not an object"):
            odr_rest.decode(PLATFORM, _bytes(doc))


@pytest.mark.parametrize("broken", ["dsr_null", "fj_null", "jdxx_list"])
def test_wrongly_typed_container_is_malformed(wire: dict[str, Any], broken: str) -> None:
    """A list or object field of the wrong JSON type raises MalformedPayload, not a Python TypeError."""
    if broken == "dsr_null":
        wire["ajxx"]["dsr"] = None
    elif broken == "fj_null":
        wire["ajxx"]["fj"] = None
    else:
        wire = {"xxbh": "CD-1", "xxlx": "CD", "fssj": "2026-04-01T10:00:00+08:00", "ajbs": "x", "jdxx": []}
    with pytest.raises(MalformedPayload):
        odr_rest.decode(PLATFORM, _bytes(wire))


@pytest.mark.parametrize("field", ["xxbh", "ajbs"])
def test_null_message_or_case_id_is_rejected(wire: dict[str, Any], field: str) -> None:
    """A null message id or court case id is refused rather than turned into the string 'None'."""
    wire[field] = None
    with pytest.raises((MalformedPayload, ValidationError)):
        odr_rest.decode(PLATFORM, _bytes(wire))


def test_float_amount_on_the_wire_is_rejected(wire: dict[str, Any]) -> None:
    """An amount sent as a JSON number (a float) is refused rather than rounded, naming the wire field."""
    wire["ajxx"]["bdje"] = 35000.5
    with pytest.raises(MalformedPayload) as caught:
        odr_rest.decode(PLATFORM, _bytes(wire))
    assert "ajxx.bdje must be a decimal string" in str(caught.value)


def test_message_type_the_court_never_sends_is_malformed(wire: dict[str, Any]) -> None:
    """A centre-to-court type (progress) arriving from the court is refused."""
    wire["xxlx"] = "JZ"
    with pytest.raises(MalformedPayload, match="progress"):
        odr_rest.decode(PLATFORM, _bytes(wire))


def test_court_jc_ruling_decodes_to_canonical_decision() -> None:
    """A CD message with jdlx 1 and sqjg 2 is a JC ruling that rejected the agreement."""
    doc = {
        "xxbh": "CD-1",
        "xxlx": "CD",
        "fssj": "2026-04-01T10:00:00+08:00",
        "ajbs": "0104-5f3a9c",
        "jdxx": {
            "jdlx": "1",
            "sqjg": "2",
            "jdsj": "2026-04-01T09:00:00+08:00",
            "ly": "协议内容违法",
            "wsh": "（2026）粤0104民特7号",
        },
    }
    envelope = odr_rest.decode(PLATFORM, _bytes(doc))
    decision = envelope.body.decision  # type: ignore[union-attr]
    assert envelope.type is MessageType.COURT_DECISION
    assert decision.kind is CourtDecisionKind.JC_RULING
    assert decision.jc_result is JcResult.REJECTED
    assert decision.document_number == "（2026）粤0104民特7号"


def test_court_status_codes_decode_and_unknown_status_is_rejected() -> None:
    """Status '61' is jc_confirmed, no status is None, and an unlisted status raises UnknownCode."""
    assert odr_rest.decode_status(PLATFORM, "61") is CourtStatus.JC_CONFIRMED
    assert odr_rest.decode_status(PLATFORM, None) is None
    with pytest.raises(UnknownCode, match="court_status"):
        odr_rest.decode_status(PLATFORM, "99")


# ---- encode: centre → court


def test_encode_is_deterministic() -> None:
    """The same envelope, even rebuilt from its JSON, always encodes to the same bytes."""
    envelope = _envelope(AgreementBody(agreement=samples.agreement(), document_b64="JVBERi0="), CourtStatus.SETTLED)
    rebuilt = Envelope.model_validate_json(envelope.model_dump_json())
    assert odr_rest.encode(envelope) == odr_rest.encode(envelope) == odr_rest.encode(rebuilt)


def test_encode_maps_progress_and_status_to_platform_codes() -> None:
    """An acceptance goes out as type JZ, progress code 01 and court status zt 20."""
    body = ProgressBody(progress=ProgressUpdate(kind=ProgressKind.ACCEPTED, at=AT, note="已受理"))
    doc = json.loads(odr_rest.encode(_envelope(body, CourtStatus.ACCEPTED)))
    assert doc["xxlx"] == "JZ"
    assert doc["zt"] == "20"
    assert doc["nr"]["jzlx"] == "01"
    assert doc["nr"]["bz"] == "已受理"
    assert doc["xxbh"] == "M-0001"
    assert doc["ajbs"] == "0104-5f3a9c0d11e2b7a4"


def test_encode_keeps_chinese_text_readable() -> None:
    """Chinese text goes out as UTF-8, not as \\u escapes."""
    body = ProgressBody(progress=ProgressUpdate(kind=ProgressKind.SESSION, at=AT, note="线上调解"))
    assert "线上调解".encode() in odr_rest.encode(_envelope(body))


def test_encode_maps_decline_reason_and_leaves_status_empty_when_unknown() -> None:
    """A decline carries the reason code; an envelope without status_after sends zt null."""
    body = ProgressBody(
        progress=ProgressUpdate(kind=ProgressKind.DECLINED, at=AT, decline_reason=DeclineReason.OUTSIDE_EXPERTISE)
    )
    doc = json.loads(odr_rest.encode(_envelope(body)))
    assert doc["nr"]["jzlx"] == "02"
    assert doc["nr"]["jjly"] == "2"
    assert doc["zt"] is None


def test_encode_maps_failure_outcome_with_its_report() -> None:
    """A failure outcome goes out as JG with its numeric code and the report's reason."""
    outcome = MediationOutcome(code=OutcomeCode.PERIOD_EXPIRED, at=AT, report=FailureReport(reason="调解期限届满"))
    doc = json.loads(odr_rest.encode(_envelope(OutcomeBody(outcome=outcome), CourtStatus.RETURNED)))
    assert (doc["xxlx"], doc["zt"], doc["nr"]["jgdm"]) == ("JG", "50", "6")
    assert doc["nr"]["bg"]["sbyy"] == "调解期限届满"


def test_encode_flow_c_jc_application_carries_the_case_with_codes() -> None:
    """A flow-C JC application includes the case in wire form, flow coded 03."""
    case = samples.dispatch(flow=Flow.SELF_RECEIVED, platform_case_id="MC-1")
    application = JcApplication(
        applicant="张三",
        consenting_party="某某银行股份有限公司",
        applied_at=AT,
        agreement_effective_at=AT - timedelta(days=1),
        case=case,
    )
    body = JcApplicationBody(application=application, agreement=samples.agreement(), document_b64="JVBERi0=")
    doc = json.loads(odr_rest.encode(_envelope(body, CourtStatus.JC_PENDING)))
    assert (doc["xxlx"], doc["zt"]) == ("SQ", "60")
    assert doc["nr"]["ajxx"]["tjlx"] == "03"
    assert doc["nr"]["ajxx"]["bdje"] == "35000.50"


def test_encode_closure() -> None:
    """A voluntary-performance closure goes out as JA with court status closed (80)."""
    doc = json.loads(odr_rest.encode(_envelope(ClosureBody(closed_at=AT, note="已履行"), CourtStatus.CLOSED)))
    assert (doc["xxlx"], doc["zt"], doc["nr"]["bz"]) == ("JA", "80", "已履行")


# ---- round trips


@pytest.mark.parametrize("flow", list(Flow), ids=lambda f: f.value)
def test_case_to_wire_and_back_is_the_identity(flow: Flow) -> None:
    """case_from_canonical then case_to_canonical gives back an equal CaseDispatch."""
    case = samples.dispatch(flow=flow)
    t = odr_rest.tables(PLATFORM)
    wire = json.loads(json.dumps(court_fields.case_from_canonical(case, t)))  # through real JSON, as on the wire
    assert court_fields.case_to_canonical(wire, case.platform_case_id, t) == case


def test_wire_sample_survives_canonical_and_back(wire: dict[str, Any]) -> None:
    """Decoding the sample and encoding its case again reproduces every code and value the court sent."""
    t = odr_rest.tables(PLATFORM)
    case = court_fields.case_to_canonical(copy.deepcopy(wire["ajxx"]), wire["ajbs"], t)
    again = court_fields.case_from_canonical(case, t)
    expected = {**wire["ajxx"], "bdje": "35000.50", "pqsj": datetime.fromisoformat(wire["ajxx"]["pqsj"]).isoformat()}
    assert again == expected


def test_agreement_to_wire_and_back_is_the_identity() -> None:
    """agreement_to_canonical(_agreement(a)) gives back an equal agreement, instalments and signatures included."""
    agreement = samples.agreement()
    t = odr_rest.tables("p")
    wire = json.loads(json.dumps(court_agreement.agreement_fields(agreement, t)))
    assert court_agreement.agreement_to_canonical(wire, t) == agreement
    assert wire["sxsj"] == agreement.effective_at.isoformat()


def test_agreement_without_money_or_seal_round_trips() -> None:
    """The optional parts of an agreement (money, waived penalties, seal) survive being absent."""
    base = samples.agreement()
    agreement = base.model_copy(update={"monetary_terms": (), "organisation_seal_at": None})
    t = odr_rest.tables("p")
    wire = json.loads(json.dumps(court_agreement.agreement_fields(agreement, t)))
    assert court_agreement.agreement_to_canonical(wire, t) == agreement


# ---- code tables


def test_shipped_tables_load_with_a_version() -> None:
    """The shipped odr_rest.toml loads, names its version and lists every message type."""
    t = load_tables("odr_rest.toml", PLATFORM)
    assert t.version
    assert set(t.tables["message_type"].values()) == {m.value for m in MessageType}


def test_every_canonical_status_has_a_platform_code() -> None:
    """Every CourtStatus can be sent to the court, so encode never fails on status_after."""
    t = odr_rest.tables(PLATFORM)
    for status in CourtStatus:
        assert t.to_canonical("court_status", t.from_canonical("court_status", status, "zt"), "zt") == status


def _tables_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str) -> None:
    """Point load_tables at a temporary folder holding `t.toml` (it reads via importlib.resources.files)."""
    (tmp_path / "t.toml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(codes, "resources", SimpleNamespace(files=lambda package: tmp_path))


def test_table_mapping_two_codes_to_one_value_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A table where two platform codes mean the same canonical value cannot be loaded (encoding is ambiguous)."""
    _tables_dir(monkeypatch, tmp_path, '[meta]\nversion = "t1"\n[flow]\n"01" = "delegated"\n"09" = "delegated"\n')
    with pytest.raises(ValueError, match="flow"):
        load_tables("t.toml", PLATFORM)


def test_table_with_distinct_values_loads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The same temporary setup with distinct values loads, so the refusal above is about the duplicate."""
    _tables_dir(monkeypatch, tmp_path, '[meta]\nversion = "t1"\n[flow]\n"01" = "delegated"\n"09" = "entrusted"\n')
    t = load_tables("t.toml", PLATFORM)
    assert (t.version, t.tables["flow"]) == ("t1", {"01": "delegated", "09": "entrusted"})


def test_unknown_canonical_value_cannot_be_encoded() -> None:
    """from_canonical raises UnknownCode for a value the table does not list, never a default code."""
    with pytest.raises(UnknownCode, match="flow"):
        odr_rest.tables(PLATFORM).from_canonical("flow", "arbitration", "flow")


def test_instalment_dates_go_out_as_iso_dates() -> None:
    """Instalment due dates are sent as plain ISO dates."""
    wire = court_agreement.agreement_fields(samples.agreement(), odr_rest.tables("p"))
    assert [i["rq"] for i in wire["jjtk"][0]["fq"]] == [date(2026, 4, 1).isoformat(), date(2026, 5, 1).isoformat()]
    assert wire["jjtk"][0]["ze"] == "35000.50"
    assert wire["gzsj"] == samples.agreement().organisation_seal_at.astimezone(UTC).isoformat()  # type: ignore[union-attr]
