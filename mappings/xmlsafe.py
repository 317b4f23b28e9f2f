"""Parsing XML that arrives from outside (SOAP envelopes, court payloads) without the XML attacks.

A document type declaration is refused outright — court messages never need one, and it is where XXE
(external entities), billion laughs (entity expansion) and external DTD fetches all live. lxml is asked not to
resolve entities, not to touch the network and not to lift its size limits; the byte size is checked before
parsing. Every refusal is a MalformedPayload naming what was wrong.
"""

from lxml import etree

from mappings.codes import MalformedPayload

MAX_XML_BYTES = 8 * 1024 * 1024  # a court message with its agreement PDF inline stays well under this


class XmlRefused(MalformedPayload):
    """XML that is refused before or while parsing: oversized, a DTD or entity, or not well-formed."""


def _parser() -> etree.XMLParser:
    # Comments and processing instructions are dropped: exclusive c14n (what signatures cover) ignores them, so a
    # comment spliced into signed text would otherwise cut what .text returns without breaking the signature.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse(data: bytes, *, max_bytes: int = MAX_XML_BYTES, what: str = "the XML") -> etree._Element:
    """The root element of `data`, or XmlRefused."""
    if len(data) > max_bytes:
        raise XmlRefused(f"{what} is {len(data)} bytes, over the {max_bytes}-byte limit")
    if b"<!doctype" in data[:4096].lower():  # the usual place; the check after parsing catches a later one
        raise XmlRefused(f"{what} carries a document type declaration or entity; DTDs are refused")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise XmlRefused(f"{what} is not well-formed XML: {exc.msg}") from None
    if root.getroottree().docinfo.doctype:  # entities were left unexpanded; refuse the document all the same
        raise XmlRefused(f"{what} carries a document type declaration; DTDs are refused")
    return root
