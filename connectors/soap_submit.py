"""The request envelopes of the five Submit operations (SubmitProgress, SubmitOutcome, SubmitAgreement,
SubmitApplication, SubmitClosure), built directly with lxml from the WSDL's one shape for them, and the Receipt
their answers carry, read directly.

Each takes a tns:Submission (connectors/wsdl/court_exchange.wsdl): `messageId` then `payload`, both xsd:string,
document/literal in a SOAP 1.1 Body. The bytes are the ones zeep writes for the same call (same prefixes, same
order: tests/unit/test_soap_submit.py holds them equal for every operation and reads them back with zeep's own
deserializer), without zeep's object layer on the delivery path. An answer is parsed, its WS-Security signature
verified and a fault raised by zeep as for every operation; only a verified Receipt is read here (`receipt`), as
zeep's strict XSD reading would (tests/unit/test_soap_submit.py), without its per-call XSD object work. Every other
operation goes through zeep whole.
"""

from dataclasses import dataclass
from typing import Any

from lxml import etree

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
TNS = "urn:court-docking:exchange:v1"
SUBMISSIONS = ("SubmitProgress", "SubmitOutcome", "SubmitAgreement", "SubmitApplication", "SubmitClosure")


def submission(operation: str, message_id: str, payload: str) -> Any:
    """The unsigned soap:Envelope of `operation` (one of SUBMISSIONS) carrying `message_id` and `payload` (the
    court-standard XML document, as text). ValueError if either holds a character XML 1.0 cannot carry (lxml's
    word, as zeep's would be); KeyError for an operation that is not a Submit."""
    if operation not in SUBMISSIONS:
        raise KeyError(operation)
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap-env": SOAP_ENV})
    body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    call = etree.SubElement(body, f"{{{TNS}}}{operation}", nsmap={"ns0": TNS})
    etree.SubElement(call, f"{{{TNS}}}messageId").text = message_id
    etree.SubElement(call, f"{{{TNS}}}payload").text = payload
    return envelope


def headers(soap_action: str) -> dict[str, str]:
    """The HTTP headers of a SOAP 1.1 request, as zeep sends them: the quoted SOAPAction, then the content type."""
    return {"SOAPAction": f'"{soap_action}"', "Content-Type": "text/xml; charset=utf-8"}


# tns:Receipt (connectors/wsdl/court_exchange.wsdl): a sequence of these, all xsd:string but duplicate
# (xsd:boolean); status has minOccurs="0".
RECEIPT = ("code", "message", "messageId", "duplicate", "status")
BOOLEANS = {"true": True, "1": True, "false": False, "0": False}  # xsd:boolean's lexical space
_RECEIPT_TAGS = ([f"{{{TNS}}}{name}" for name in RECEIPT[:4]], [f"{{{TNS}}}{name}" for name in RECEIPT])


@dataclass(frozen=True)
class Receipt:
    """A Submit answer's tns:Receipt; the field names are the WSDL's."""

    code: str | None  # an empty element is None, as zeep reads it
    message: str | None
    messageId: str | None  # the WSDL's name, as zeep gives it
    duplicate: bool
    status: str | None = None


def receipt(envelope: Any, operation: str) -> Receipt:
    """The Receipt of `operation`'s answer `envelope` (a verified soap:Envelope, not a Fault). ValueError if the
    Body holds anything but one tns:<operation>Response holding the Receipt's elements in the WSDL's order, or the
    root is not a SOAP 1.1 Envelope (as zeep's reading refuses it)."""
    if envelope.tag != f"{{{SOAP_ENV}}}Envelope":
        raise ValueError(f"the answer's root is {envelope.tag!r}, not a SOAP 1.1 Envelope")
    body = next(envelope.iterchildren(f"{{{SOAP_ENV}}}Body"), None)  # find(), without ElementPath
    answers = [] if body is None else [child for child in body if isinstance(child.tag, str)]
    if len(answers) != 1 or answers[0].tag != f"{{{TNS}}}{operation}Response":
        raise ValueError(f"the answer's Body holds no single {operation}Response")
    fields = [child for child in answers[0] if isinstance(child.tag, str)]
    names = [child.tag for child in fields]
    if names not in _RECEIPT_TAGS:
        raise ValueError(f"the {operation}Response is not a Receipt")
    text = [child.text for child in fields]
    duplicate = BOOLEANS.get((text[3] or "").strip())  # xsd:boolean collapses whitespace
    if duplicate is None:
        raise ValueError("the Receipt's duplicate is not an xsd:boolean")
    return Receipt(text[0], text[1], text[2], duplicate, text[4] if len(text) == 5 else None)
