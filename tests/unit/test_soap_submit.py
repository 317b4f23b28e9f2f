"""The five Submit requests built without zeep's object layer (connectors/soap_submit.py) are the WSDL's: byte for
byte what zeep writes for the same call, read back by zeep's own deserializer, valid against the WSDL's schema —
for every Submit operation and every kind of payload text. Their answers' Receipts, read without it, are what
zeep reads; what zeep's strict reading refuses is refused, and so is a Receipt missing a required element."""

import copy
from typing import Any

import pytest
import zeep
from lxml import etree
from zeep.exceptions import XMLParseError
from zeep.wsdl.utils import etree_to_string

from connectors.court_soap import OPERATIONS, TNS, WSDL
from connectors.soap_submit import SOAP_ENV, SUBMISSIONS, headers, receipt, submission
from mappings import court_soap
from tests.support import samples

WSDL_NS, XSD = "http://schemas.xmlsoap.org/wsdl/", "http://www.w3.org/2001/XMLSchema"
PAYLOADS = {  # kind: (messageId, payload text)
    "court_message": ("M-soap-1", court_soap.encode(samples.accepted("AJ-1", "M-soap-1")).decode("utf-8")),
    "markup_and_entities": ("M-2", '<resource a="x&amp;y">&lt;&gt;"\'</resource>'),
    "cjk_and_non_bmp": ("M-3", "调解成功 第（2026）粤0106民调123号 𠀋"),
    "whitespace_and_cr": ("M-4", "  line one\r\nline two\ttabbed  "),
    "empty": ("M-5", ""),
    "long": ("M-" + "9" * 120, "x" * 200_000),
}


@pytest.fixture(scope="module")
def binding() -> Any:
    client = zeep.Client(str(WSDL), settings=zeep.Settings(strict=True))
    return client.wsdl.bindings[f"{{{TNS}}}CourtExchangeBinding"]


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    """The WSDL's own types, as an XML Schema (standalone: its QName values need the WSDL's tns prefix)."""
    (types,) = etree.parse(str(WSDL)).findall(f"{{{WSDL_NS}}}types/{{{XSD}}}schema")
    standalone = etree.Element(f"{{{XSD}}}schema", dict(types.attrib), nsmap={"xsd": XSD, "tns": TNS})
    standalone.extend(copy.deepcopy(child) for child in types)
    return etree.XMLSchema(standalone)


def test_the_submit_operations_are_the_ones_the_connector_sends() -> None:
    assert set(SUBMISSIONS) == set(OPERATIONS.values())


@pytest.mark.parametrize("kind", sorted(PAYLOADS))
@pytest.mark.parametrize("operation", SUBMISSIONS)
def test_a_built_submission_is_the_wsdls(operation: str, kind: str, binding: Any, schema: etree.XMLSchema) -> None:
    message_id, payload = PAYLOADS[kind]
    built = submission(operation, message_id, payload)
    serialized = binding.get(operation).create(messageId=message_id, payload=payload)
    assert etree_to_string(built) == etree_to_string(serialized.content)
    assert headers(binding.get(operation).soapaction) == serialized.headers | {
        "Content-Type": "text/xml; charset=utf-8"
    }
    read = binding.get(operation).input.deserialize(etree.fromstring(etree_to_string(built)))
    assert (read.messageId, read.payload or "") == (message_id, payload)  # zeep reads <payload/> as None
    (call,) = built.find(f"{{{SOAP_ENV}}}Body")
    schema.assertValid(call)


def test_a_submission_names_a_submit_operation() -> None:
    with pytest.raises(KeyError):
        submission("FetchDispatches", "M-1", "<resource/>")


@pytest.mark.parametrize("field", ["message_id", "payload"])
def test_text_xml_cannot_carry_is_refused_as_zeep_would(field: str) -> None:
    values = {"message_id": "M-1", "payload": "<resource/>"} | {field: "bell \x07"}
    with pytest.raises(ValueError, match="XML compatible"):
        submission("SubmitProgress", values["message_id"], values["payload"])


def _answer(operation: str, fields: str, response: str = "") -> Any:
    name = response or f"{operation}Response"
    return etree.fromstring(
        f'<soap:Envelope xmlns:soap="{SOAP_ENV}"><soap:Header/><soap:Body>'
        f'<tns:{name} xmlns:tns="{TNS}">{fields}</tns:{name}></soap:Body></soap:Envelope>'
    )


RECEIPTS = {  # kind: the Receipt's elements
    "applied": "<tns:code>0</tns:code><tns:message>ok</tns:message><tns:messageId>M-1</tns:messageId>"
    "<tns:duplicate>false</tns:duplicate><tns:status>20</tns:status>",
    "duplicate_no_status": "<tns:code>0</tns:code><tns:message>已收到 𠀋</tns:message>"
    "<tns:messageId>M-2</tns:messageId><tns:duplicate> 1 </tns:duplicate>",
    "refused": "<tns:code>E409</tns:code><tns:message>a &lt;case&gt; closed</tns:message>"
    "<tns:messageId>M-3</tns:messageId><tns:duplicate>0</tns:duplicate><tns:status/>",
}


@pytest.mark.parametrize("kind", sorted(RECEIPTS))
@pytest.mark.parametrize("operation", SUBMISSIONS)
def test_a_receipt_is_read_as_zeep_reads_it(operation: str, kind: str, binding: Any) -> None:
    answer = _answer(operation, RECEIPTS[kind])
    ours, zeeps = receipt(answer, operation), binding.get(operation).process_reply(answer)
    assert (ours.code, ours.message, ours.messageId, ours.duplicate, ours.status) == (
        zeeps.code,
        zeeps.message,
        zeeps.messageId,
        zeeps.duplicate,
        zeeps.status,
    )


WRONG = {  # what zeep's strict reading refuses too
    "extra_element": RECEIPTS["applied"] + "<tns:extra>x</tns:extra>",
    "out_of_order": "<tns:message>ok</tns:message><tns:code>0</tns:code><tns:messageId>M-1</tns:messageId>"
    "<tns:duplicate>false</tns:duplicate>",
    "foreign_namespace": RECEIPTS["applied"].replace("<tns:code>0</tns:code>", '<x:code xmlns:x="urn:x">0</x:code>'),
}


@pytest.mark.parametrize("kind", sorted(WRONG))
def test_a_receipt_zeep_refuses_is_refused(kind: str, binding: Any) -> None:
    answer = _answer("SubmitProgress", WRONG[kind])
    with pytest.raises(XMLParseError):
        binding.get("SubmitProgress").process_reply(answer)
    with pytest.raises(ValueError, match="not a Receipt"):
        receipt(answer, "SubmitProgress")


@pytest.mark.parametrize(
    ("fields", "response", "match"),
    [
        (RECEIPTS["applied"].replace("<tns:code>0</tns:code>", ""), "", "not a Receipt"),  # zeep would give None
        (RECEIPTS["applied"].replace("false", "maybe"), "", "xsd:boolean"),
        (RECEIPTS["applied"], "SubmitClosureResponse", "no single SubmitProgressResponse"),
    ],
)
def test_a_receipt_missing_a_field_or_of_another_operation_is_refused(fields: str, response: str, match: str) -> None:
    """Stricter than zeep, which reads a missing code as None (then a rejection "None"): retried, never dead."""
    with pytest.raises(ValueError, match=match):
        receipt(_answer("SubmitProgress", fields, response), "SubmitProgress")


def test_an_answer_whose_root_is_not_a_soap_envelope_is_refused() -> None:
    envelope = etree.tostring(_answer("SubmitProgress", RECEIPTS["applied"])).decode()
    other = envelope.replace(SOAP_ENV, "http://www.w3.org/2003/05/soap-envelope")  # SOAP 1.2, which the WSDL is not
    with pytest.raises(ValueError, match=r"not a SOAP 1\.1 Envelope"):
        receipt(etree.fromstring(other), "SubmitProgress")
