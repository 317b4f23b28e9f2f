"""The five Submit requests built without zeep's object layer (connectors/soap_submit.py) are the WSDL's: byte for
byte what zeep writes for the same call, read back by zeep's own deserializer, valid against the WSDL's schema —
for every Submit operation and every kind of payload text."""

import copy
from typing import Any

import pytest
import zeep
from lxml import etree
from zeep.wsdl.utils import etree_to_string

from connectors.court_soap import OPERATIONS, TNS, WSDL
from connectors.soap_submit import SOAP_ENV, SUBMISSIONS, headers, submission
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
