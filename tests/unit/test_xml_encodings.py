"""Court XML in every encoding the adapter can meet: text is read as text whatever its declaration names; bytes are
read as they declare (the GB family with the GB 18030 decoder); names come through intact or the payload is refused
with the reason — never silently misread (张三 → 寮犱笁)."""

import codecs
import json
from pathlib import Path

import pytest

from mappings import court_soap, odr_rest
from mappings.codes import MalformedPayload
from mappings.court_xml import from_resource, to_resource
from mappings.xmlsafe import XmlRefused, declared_encoding, parse

PLATFORM = "court-soap-gz"
SAMPLE = Path(__file__).parents[1] / "data" / "odr_rest" / "dispatch.json"
NAMES = ("张三", "朱镕基", "王𠀀")  # common; 镕 is GBK but not GB 2312; 𠀀 (CJK Ext. B) only GB 18030 has
DECLARED = ("UTF-8", "utf-8", "GBK", "gbk", "GB2312", "GB18030", "CP936", "UTF-16", "ISO-8859-1", None)


def _document(declared: str | None, name: str) -> str:
    declaration = "" if declared is None else f'<?xml version="1.0" encoding="{declared}"?>'
    return f"{declaration}<resource><brief><count>1</count></brief><data><R><XM>{name}</XM></R></data></resource>"


def _name(payload: bytes | str) -> str:
    (row,) = from_resource(payload)
    return str(row["xm"])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("declared", DECLARED)
def test_text_is_read_as_text_whatever_its_declaration_says(declared: str | None, name: str) -> None:
    """A str was decoded already (a SOAP xsd:string): its declared encoding plays no part."""
    assert _name(_document(declared, name)) == name


# (declared label, how the producer encoded the bytes, the name): each as a court would send it
BYTES = [
    ("UTF-8", "utf-8", "张三"),
    ("utf-8", "utf-8", "王𠀀"),
    (None, "utf-8", "朱镕基"),  # no declaration: UTF-8
    ("UTF-8", "utf-8-sig", "张三"),  # UTF-8 with a byte-order mark
    (None, "utf-8-sig", "王𠀀"),
    ("UTF-16", "utf-16", "张三"),  # Python writes the BOM (little-endian here)
    ("UTF-16", "utf-16-be-bom", "朱镕基"),
    ("UTF-16", "utf-16-le-bom", "王𠀀"),
    ("GBK", "gbk", "张三"),
    ("gbk", "gbk", "朱镕基"),
    ("GB2312", "gb2312", "张三"),
    ("GB18030", "gb18030", "王𠀀"),
    ("CP936", "gbk", "朱镕基"),
    ("GB2312", "gbk", "朱镕基"),  # labelled GB2312, written as GBK: read with the superset decoder
    ("GBK", "gb18030", "王𠀀"),  # labelled GBK, written as GB 18030
    ("gb2312", "gb18030", "王𠀀"),
]


def _encode(text: str, codec: str) -> bytes:
    if codec.startswith("utf-16-") and codec.endswith("-bom"):
        raw = codec.removesuffix("-bom")
        return (codecs.BOM_UTF16_BE if raw == "utf-16-be" else codecs.BOM_UTF16_LE) + text.encode(raw)
    return text.encode(codec)


@pytest.mark.parametrize(("declared", "codec", "name"), BYTES)
def test_bytes_are_read_in_the_encoding_they_declare(declared: str | None, codec: str, name: str) -> None:
    assert _name(_encode(_document(declared, name), codec)) == name


@pytest.mark.parametrize(
    ("payload", "said"),
    [
        (_document(None, "张三").encode("gbk"), "not well-formed"),  # GBK bytes that do not say so: no guessing
        (_document("GBK", "张三").encode("gbk") + b"\x81", "declares encoding 'GBK' but byte"),  # truncated pair
        (_document("GB2312", "x").encode() + b"\xff\xff", "declares encoding 'GB2312' but byte"),
        (_document("x-no-such-charset", "张三").encode(), "Unsupported encoding"),
        (_document(None, "\ud800"), "lone surrogate"),
    ],
    ids=["gbk-undeclared", "gbk-truncated", "gb2312-invalid", "unknown-encoding", "lone-surrogate"],
)
def test_what_cannot_be_read_faithfully_is_refused_with_the_reason(payload: bytes | str, said: str) -> None:
    with pytest.raises(XmlRefused, match=said):
        parse(payload)


@pytest.mark.parametrize(
    ("data", "label"),
    [
        (b'<?xml version="1.0" encoding="GBK"?><r/>', "GBK"),
        (b"<?xml version='1.1' encoding='gb2312' standalone='yes'?><r/>", "gb2312"),
        (b'<?xml version="1.0"\n  encoding = "UTF-8"?><r/>', "UTF-8"),
        (b'<?xml version="1.0"?><r/>', None),
        (b"<r/>", None),
        (codecs.BOM_UTF8 + b'<?xml version="1.0" encoding="GBK"?><r/>', None),  # the BOM decides, not the label
    ],
)
def test_the_declared_encoding_is_read_from_the_declaration_only(data: bytes, label: str | None) -> None:
    assert declared_encoding(data) == label


def test_a_byte_order_mark_outweighs_a_declaration_that_contradicts_it() -> None:
    """XML 1.0 Appendix F: UTF-8 with a BOM is UTF-8, even when the declaration (wrongly) says GBK."""
    assert _name(codecs.BOM_UTF8 + _document("GBK", "张三").encode()) == "张三"


@pytest.mark.parametrize("declared", ["GBK", "GB18030", "GB2312", "UTF-8", "UTF-16"])
def test_a_soap_dispatch_whose_payload_declares_another_encoding_decodes_with_names_intact(declared: str) -> None:
    """The issue's case: a court serialises its message in GBK, hands the string to its SOAP stack, and the
    connector keeps the text as UTF-8 bytes. The dispatch decodes to exactly what the same fields as JSON give."""
    fields = json.loads(SAMPLE.read_text(encoding="utf-8"))
    text = to_resource([fields], encoding=declared).decode(declared)
    assert f'encoding="{declared}"' in text.replace("'", '"')
    envelope = court_soap.decode(PLATFORM, text.encode("utf-8"))
    assert envelope == odr_rest.decode(PLATFORM, json.dumps(fields, ensure_ascii=False).encode())
    assert "张三" in [party.name for party in envelope.body.dispatch.parties]  # type: ignore[union-attr]


def test_a_soap_payload_that_is_not_utf8_text_is_malformed() -> None:
    """The connector only ever keeps UTF-8; anything else (a hand-edited replay) is refused, not guessed."""
    with pytest.raises(MalformedPayload, match="not the UTF-8 of its text"):
        court_soap.decode(PLATFORM, _document("GBK", "张三").encode("gbk"))
