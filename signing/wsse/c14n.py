"""Exclusive XML canonicalisation (W3C Exc-C14N 1.0) with its InclusiveNamespaces PrefixList, as XML-DSig uses it in
a reference's Transform and in SignedInfo's CanonicalizationMethod.

The PrefixList is a parameter of the same algorithm (Exc-C14N §3): the namespaces it names are rendered as Canonical
XML would render them — on the apex even where nothing there uses them. WSS4J / Apache CXF write
`PrefixList="wsse soap"` on the Timestamp's reference and `"soap"` on SignedInfo; "#default" names the default
namespace. lxml hands the prefixes to libxml2 but drops any its document's dictionary has never seen, "#default"
always among them; so for "#default" the default-namespace declarations are set here, on lxml's output (_defaults).
"""

import re
from collections.abc import Sequence
from typing import Any

from lxml import etree

from signing.errors import SignatureInvalid
from signing.wsse.names import EXC_C14N

DEFAULT = "#default"
_INCLUSIVE = f"{{{EXC_C14N}}}InclusiveNamespaces"


def c14n(element: Any, prefixes: Sequence[str] = ()) -> bytes:
    """`element` exclusive-canonicalised, without comments, the namespaces of `prefixes` rendered inclusively."""
    named = [prefix for prefix in prefixes if prefix != DEFAULT]
    try:
        canonical = bytes(
            etree.tostring(element, method="c14n", exclusive=True, with_comments=False, inclusive_ns_prefixes=named)
        )
    except (etree.C14NError, ValueError) as exc:  # e.g. a relative namespace URI, which C14N refuses
        raise SignatureInvalid("malformed", f"the signed XML cannot be canonicalised ({exc})") from None
    return _defaults(element, canonical) if DEFAULT in prefixes else canonical


def prefix_list(method: Any) -> list[str]:
    """The PrefixList of an exclusive-c14n Transform or CanonicalizationMethod element ([] without one)."""
    children = [child for child in method if isinstance(child.tag, str)]
    if not children:
        return []
    if len(children) != 1 or children[0].tag != _INCLUSIVE:
        raise SignatureInvalid(
            "algorithm", "an exclusive c14n method may hold one ec:InclusiveNamespaces, nothing else"
        )
    return str(children[0].get("PrefixList", "")).split()


# Canonical form escapes '<' in text and attribute values, '"' in attribute values, and writes no comments here: so
# every '<' opens a tag, a processing instruction (whose data may hold anything but '?>') or an end tag.
_PI = re.compile(rb"<\?.*?\?>", re.DOTALL)
_END = re.compile(rb"</[^>]+>")
_START = re.compile(rb'<([^\s>]+)((?: [^\s="]+="[^"]*")*)>')
# One attribute: canonical form escapes '"' inside values, so a value ends at the first '"'. Attributes are read one
# by one — a pattern run over the whole attribute text could start inside a value (` a="p xmlns=" b="v"`).
_ATTRIBUTE = re.compile(rb' ([^\s="]+)="[^"]*"')


def _defaults(apex: Any, canonical: bytes) -> bytes:
    """Canonical bytes with the default namespace in the PrefixList: libxml2 (c14n.c, exclusive namespace axis) then
    declares on each element its in-scope default namespace wherever it differs from its parent's (the apex's from
    none) — whether or not the element uses it. lxml's own default declarations (made only where an element uses
    the default namespace) are replaced by those."""
    elements = iter([element for element in apex.iter() if isinstance(element.tag, str)])
    out, position, parents = bytearray(), 0, [""]
    while (start := canonical.find(b"<", position)) != -1:
        out += canonical[position:start]
        if (match := _PI.match(canonical, start) or _END.match(canonical, start)) is not None:
            out += match.group(0)
            if match.re is _END:
                parents.pop()
        elif (match := _START.match(canonical, start)) is not None:
            element = next(elements)
            local = etree.QName(element).localname
            if match.group(1).decode() != (f"{element.prefix}:{local}" if element.prefix else local):
                raise SignatureInvalid("malformed", "the canonical form does not follow the document")
            default = str(element.nsmap.get(None) or "")
            declaration = b' xmlns="' + _escape(default).encode() + b'"' if default != parents[-1] else b""
            kept = b"".join(a.group(0) for a in _ATTRIBUTE.finditer(match.group(2)) if a.group(1) != b"xmlns")
            out += b"<" + match.group(1) + declaration + kept + b">"
            parents.append(default)
        else:  # cannot happen with libxml2's output; never sign or verify bytes not understood
            raise SignatureInvalid("malformed", "the canonical form could not be read back")
        position = match.end()
    return bytes(out + canonical[position:])


def _escape(value: str) -> str:
    """An attribute value as Canonical XML §2.3 writes it."""
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), ('"', "&quot;"), ("\t", "&#x9;"), ("\n", "&#xA;")):
        value = value.replace(raw, escaped)
    return value.replace("\r", "&#xD;")
