"""Parsing XML from outside (SOAP envelopes, court payloads) without the XML attacks, and in the right encoding.

A document type declaration is refused outright — court messages never need one, and it is where XXE
(external entities), billion laughs (entity expansion) and external DTD fetches all live. lxml is asked not to
resolve entities, not to touch the network and not to lift its size limits; the byte size is checked before
parsing. Every refusal is a MalformedPayload naming what was wrong.

Encodings. Text (a `str`: a SOAP payload carried as xsd:string, a JSON string) was decoded already, so it is parsed
as the characters it is, whatever encoding its `<?xml … encoding="…"?>` names — decoding it again by that name is
what turned 张三 into 寮犱笁. Bytes are decoded as XML 1.0 §4.3.3 and Appendix F say: by their byte-order mark, else
by the declaration's encoding, else as UTF-8 — except that the GB family (GB2312, GBK, CP936 …) is read with the
GB 18030 decoder, a superset of them all, as the WHATWG Encoding Standard does for the same labels: producers
routinely label GBK text "GB2312" (镕 is not in GB 2312) and GB 18030 text "GBK" (rare characters in names).
"""

import re
import threading

from lxml import etree

from mappings.codes import MalformedPayload

MAX_XML_BYTES = 8 * 1024 * 1024  # a court message with its agreement PDF inline stays well under this

# IANA / WHATWG labels of GB 2312, GBK and GB 18030 (compared in lower case)
GB_LABELS = frozenset(
    {"gb2312", "gb_2312", "gb_2312-80", "csgb2312", "iso-ir-58", "csiso58gb231280", "euc-cn", "x-euc-cn", "chinese"}
    | {"gbk", "x-gbk", "cp936", "ms936", "windows-936", "gb18030"}
)
# The declaration as ASCII-compatible bytes (XML 1.0 §2.8, §4.3.3): only its encoding name is read here.
_DECLARED = re.compile(
    rb"<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*([\"'])1\.[0-9]+\1"
    rb"[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*([\"'])([A-Za-z][A-Za-z0-9._-]*)\2"
)


class XmlRefused(MalformedPayload):
    """XML that is refused before or while parsing: oversized, a DTD or entity, or not well-formed."""


_PARSERS = threading.local()  # this thread's parsers by encoding: see _parser


def _parser(encoding: str | None) -> etree.XMLParser:
    """The parser for `encoding`, made once per thread (an lxml parser is not to be used by two threads at once;
    parsing resets it, so one parse leaves nothing — an error, an encoding — to the next): making one cost about as
    much as a tenth of parsing a SOAP envelope."""
    parsers = getattr(_PARSERS, "by_encoding", None)
    if parsers is None:
        parsers = _PARSERS.by_encoding = {}
    parser = parsers.get(encoding)
    if parser is None:
        parser = parsers[encoding] = _new_parser(encoding)
    return parser


def _new_parser(encoding: str | None) -> etree.XMLParser:
    # No target, resolver or other Python callback on it: no code of ours runs inside a parse, so a thread never
    # parses again while its parser is in use (lxml's parser lock is not re-entrant: one added would deadlock).
    # Comments and processing instructions are dropped: exclusive c14n (what signatures cover) ignores them, so a
    # comment spliced into signed text would otherwise cut what .text returns without breaking the signature.
    return etree.XMLParser(
        encoding=encoding,  # set: overrides the declaration (for text, already decoded); None: bytes decide
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def declared_encoding(data: bytes) -> str | None:
    """The encoding name in the XML declaration of ASCII-compatible bytes without a byte-order mark, else None."""
    match = _DECLARED.match(data)
    return None if match is None else match.group(3).decode("ascii")


def _doctype_in_head(raw: bytes) -> bool:
    """Whether the first 4096 bytes hold "<!doctype" in any case. "<!" is in every one: looked for first, without
    the copy lower() makes (a SOAP envelope has no "<!" at all)."""
    return raw.find(b"<!", 0, 4096) != -1 and b"<!doctype" in raw[:4096].lower()


def parse(data: bytes | str, *, max_bytes: int = MAX_XML_BYTES, what: str = "the XML") -> etree._Element:
    """The root element of `data`, or XmlRefused. `str` is parsed as text, `bytes` per their declared encoding."""
    if isinstance(data, bytes):
        label = declared_encoding(data)
        if label is not None and label.lower() in GB_LABELS:
            try:
                data = data.decode("gb18030")
            except UnicodeDecodeError as exc:
                raise XmlRefused(
                    f"{what} declares encoding {label!r} but byte {exc.start} is not GB 18030 "
                    "(which covers GBK and GB 2312)"
                ) from None
    if isinstance(data, str):
        try:
            raw, encoding = data.encode("utf-8"), "utf-8"
        except UnicodeEncodeError as exc:  # a lone surrogate, e.g. from a JSON "\ud800"
            raise XmlRefused(f"{what} is not well-formed XML: character {exc.start} is a lone surrogate") from None
    else:
        raw, encoding = data, None
    if len(raw) > max_bytes:
        raise XmlRefused(f"{what} is {len(raw)} bytes, over the {max_bytes}-byte limit")
    if _doctype_in_head(raw):  # the usual place; the check after parsing catches a later one
        raise XmlRefused(f"{what} carries a document type declaration or entity; DTDs are refused")
    try:
        root = etree.fromstring(raw, parser=_parser(encoding))
    except etree.XMLSyntaxError as exc:
        raise XmlRefused(f"{what} is not well-formed XML: {exc.msg}") from None
    if root.getroottree().docinfo.doctype:  # entities were left unexpanded; refuse the document all the same
        raise XmlRefused(f"{what} carries a document type declaration; DTDs are refused")
    return root
