"""The request envelopes of the five Submit operations (SubmitProgress, SubmitOutcome, SubmitAgreement,
SubmitApplication, SubmitClosure), built directly with lxml from the WSDL's one shape for them.

Each takes a tns:Submission (connectors/wsdl/court_exchange.wsdl): `messageId` then `payload`, both xsd:string,
document/literal in a SOAP 1.1 Body. The bytes are the ones zeep writes for the same call (same prefixes, same
order: tests/unit/test_soap_submit.py holds them equal for every operation and reads them back with zeep's own
deserializer), without zeep's object layer on the delivery path — every other operation, and every answer, still
goes through zeep.
"""

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
