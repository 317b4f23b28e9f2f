"""The court-soap mapping: the court field set as court-standard XML, to canonical records and back, and the XML
attacks refused wherever a payload is parsed."""

import base64
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from mappings import court_agreement, court_fields, court_soap, odr_rest
from mappings.codes import MalformedPayload
from mappings.court_xml import from_resource, to_resource
from mappings.xmlsafe import XmlRefused, parse
from reference.errors import UnknownCode
from schemas.enums import CourtStatus, Flow, ProgressKind
from schemas.envelope import AgreementBody, ProgressBody
from schemas.progress import ProgressUpdate
from tests.support import samples

PLATFORM = "court-soap-gz"
SAMPLE = Path(__file__).parents[1] / "data" / "odr_rest" / "dispatch.json"
AT = datetime(2026, 3, 5, 10, 0, tzinfo=samples.CST)


def _fields() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value if isinstance(value, str) else str(value)


def test_a_dispatch_in_xml_decodes_to_what_the_same_fields_in_json_decode_to() -> None:
    """The two transports carry one field set: the same court message gives the same canonical envelope."""
    fields = _fields()
    from_xml = court_soap.decode(PLATFORM, to_resource([fields]))
    from_json = odr_rest.decode(PLATFORM, json.dumps(fields, ensure_ascii=False).encode())
    assert from_xml == from_json


def test_the_payload_is_a_court_standard_resource_with_upper_case_fields() -> None:
    envelope = samples.outbound(
        ProgressBody(progress=ProgressUpdate(kind=ProgressKind.ACCEPTED, at=AT)),
        CourtStatus.ACCEPTED,
        platform=PLATFORM,
        at=AT,
    )
    root = parse(court_soap.encode(envelope))
    assert root.tag == "resource" and root.findtext("brief/count") == "1"
    row = root.find("data/R")
    assert row is not None and row.findtext("XXBH") == "M-0001" and row.findtext("NR/JZLX") is not None


@pytest.mark.parametrize("flow", list(Flow), ids=lambda f: f.value)
def test_a_case_through_xml_and_back_is_the_identity(flow: Flow) -> None:
    case = samples.dispatch(flow=flow)
    t = court_soap.tables(PLATFORM)
    (fields,) = from_resource(to_resource([court_fields.case_from_canonical(case, t)]))
    assert court_fields.case_to_canonical(fields, case.platform_case_id, t) == case


def test_an_agreement_through_xml_and_back_is_the_identity() -> None:
    """Instalments and signatures are lists: they survive as list="1" rows, even with one element."""
    agreement = samples.agreement()
    t = court_soap.tables(PLATFORM)
    (fields,) = from_resource(to_resource([court_agreement.agreement_fields(agreement, t)]))
    assert court_agreement.agreement_to_canonical(fields, t) == agreement


def test_an_outbound_agreement_keeps_every_non_null_field_and_is_deterministic() -> None:
    body = AgreementBody(agreement=samples.agreement(), document_b64=base64.b64encode(samples.DOCUMENT).decode())
    envelope = samples.outbound(body, CourtStatus.ACCEPTED, platform=PLATFORM, at=AT)
    (fields,) = from_resource(court_soap.encode(envelope))
    assert fields == _without_nulls(court_fields.encode_doc(envelope, court_soap.tables(PLATFORM)))
    assert court_soap.encode(envelope) == court_soap.encode(envelope)


def test_an_unknown_code_names_platform_table_and_field() -> None:
    fields = _fields()
    fields["ajxx"]["tjlx"] = "99"
    with pytest.raises(UnknownCode, match=f"{PLATFORM}.*'ajxx.tjlx'.*'99'.*'flow'"):
        court_soap.decode(PLATFORM, to_resource([fields]))


BAD = {
    "xxe": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><resource>&x;</resource>',
    "billion_laughs": b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    b"<resource>&d;</resource>",
    "late_doctype": b"<!--" + b"x" * 5000 + b'--><!DOCTYPE resource SYSTEM "http://127.0.0.1:9/x.dtd"><resource/>',
    "not_xml": b'{"xxbh": 1}',
    "unclosed": b"<resource><brief>",
    "not_a_resource": b"<message/>",
    "no_count": b"<resource><data><R><XXBH>1</XXBH></R></data></resource>",
    "count_disagrees": b"<resource><brief><count>2</count></brief><data><R><XXBH>1</XXBH></R></data></resource>",
    "two_rows": b"<resource><brief><count>2</count></brief><data><R><A>1</A></R><R><A>2</A></R></data></resource>",
    "text_row": b"<resource><brief><count>1</count></brief><data><R>text</R></data></resource>",
    "bad_list": b'<resource><brief><count>1</count></brief><data><R><DSR list="1"><X/></DSR></R></data></resource>',
    "field_twice": b"<resource><brief><count>1</count></brief>"
    b"<data><R><XXBH>1</XXBH><XXBH>2</XXBH></R></data></resource>",
}


@pytest.mark.parametrize("payload", BAD.values(), ids=BAD.keys())
def test_bad_payloads_are_refused_with_a_reason(payload: bytes) -> None:
    with pytest.raises(MalformedPayload) as caught:
        court_soap.decode(PLATFORM, payload)
    assert str(caught.value)


def test_doctypes_are_refused_as_such_and_entities_never_expanded() -> None:
    for name in ("xxe", "billion_laughs", "late_doctype"):
        with pytest.raises(XmlRefused, match="DTDs are refused"):
            parse(BAD[name])


def test_an_oversized_document_is_refused_before_parsing() -> None:
    with pytest.raises(XmlRefused, match="over the 1000-byte limit"):
        parse(b"<resource>" + b"x" * 1000 + b"</resource>", max_bytes=1000)


def test_comments_are_dropped_so_they_cannot_cut_signed_text() -> None:
    """c14n ignores comments, so a comment spliced into signed text must not change what the reader sees."""
    assert parse(b"<a>0106-<!-- cut -->a6a3<?pi x?></a>").text == "0106-a6a3"
