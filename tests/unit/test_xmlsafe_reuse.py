"""mappings/xmlsafe.py parses with one parser per thread and encoding, and looks for "<!" before lowering the head
of a document: every input gives what a parser made for it alone and the lowered-head check gave — the same root
(as serialised, with its document's encoding) or the same refusal, word for word — whatever was parsed before it."""

import itertools
import threading

import pytest
from lxml import etree

from mappings import xmlsafe
from mappings.codes import MalformedPayload

DOCUMENTS: list[bytes | str] = [
    b"<a><b>x</b></a>",
    b"<?xml version='1.0' encoding='utf-8'?><a>\xe5\xbc\xa0\xe4\xb8\x89</a>",
    "<?xml version='1.0' encoding='GBK'?><a>张三 镕</a>",  # text: parsed as text, the declaration ignored
    "<?xml version='1.0' encoding='GB2312'?><a>镕</a>".encode("gb18030"),  # the GB family read as GB 18030
    "<a>utf-16</a>".encode("utf-16"),  # a byte-order mark
    b"<a><!-- c --><?pi x?><b/>t<![CDATA[<x>]]></a>",  # comments and PIs dropped, CDATA kept as text
    b"<a><b>",  # not well-formed: cut short
    b"<a></b>",  # mismatched tag
    b"<a>&unknown;</a>",  # an undeclared entity
    b"\xff\xfe\x00<a/>",  # garbage after a BOM
    b"<a>\xff</a>",  # not UTF-8
    b"",  # empty
    "<a>\ud800</a>",  # a lone surrogate in text
    b"<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>",  # a DTD in the head
    b"<!doctype a><a/>",
    b"<!DocType a><a/>",
    b"<!-- only a comment first --><a/>",  # "<!" in the head, but no DTD
    b"<a>" + b" " * 4090 + b"<!DOCTYPE a></a>",  # "<!" straddling the 4096-byte head: caught after parsing
    b"<a>" + b" " * 5000 + b"</a><!DOCTYPE a>",
    b" " * 5000 + b"<!DOCTYPE a><a/>",  # a DTD past the head: refused after parsing
    b"<!--" + b"x" * 5000 + b"--><!DOCTYPE a><a/>",
    b"<a xmlns:p='rel/uri'><p:b/></a>",
    b"<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'><soap:Body/></soap:Envelope>",
]


def _outcome(parse: object, document: bytes | str) -> str:
    try:
        root = parse(document, what="the doc")  # type: ignore[operator]
    except MalformedPayload as exc:
        return f"{type(exc).__name__}: {exc}"
    info = root.getroottree().docinfo
    return f"ok: {etree.tostring(root)!r} {info.encoding} {info.xml_version} {info.doctype!r}"


def _fresh_parse(document: bytes | str, what: str) -> object:
    """parse as it was: a new parser for every document, the whole head lowered."""
    parser, head = xmlsafe._parser, xmlsafe._doctype_in_head
    xmlsafe._parser = xmlsafe._new_parser
    xmlsafe._doctype_in_head = lambda raw: b"<!doctype" in raw[:4096].lower()
    try:
        return xmlsafe.parse(document, what=what)
    finally:
        xmlsafe._parser, xmlsafe._doctype_in_head = parser, head


EXPECTED = {index: _outcome(_fresh_parse, document) for index, document in enumerate(DOCUMENTS)}


def test_the_table_holds_refusals_and_roots() -> None:
    kinds = {outcome.split(":")[0] for outcome in EXPECTED.values()}
    assert kinds == {"ok", "XmlRefused"}
    assert sum(outcome.startswith("ok") for outcome in EXPECTED.values()) >= 7


@pytest.mark.parametrize(("first", "second"), list(itertools.product(range(len(DOCUMENTS)), repeat=2)))
def test_a_reused_parser_answers_as_a_fresh_one(first: int, second: int) -> None:
    assert _outcome(xmlsafe.parse, DOCUMENTS[first]) == EXPECTED[first]
    assert _outcome(xmlsafe.parse, DOCUMENTS[second]) == EXPECTED[second]


def test_the_doctype_head_check_is_the_lowered_one() -> None:
    heads = [b"<!DOCTYPE", b"<!doctype", b"<!dOcTyPe", b"<!-- -->", b"<! doctype", b"<!", b"<", b"!doctype", b""]
    for head, at in itertools.product(heads, (0, 1, 4080, 4086, 4087, 4088, 4094, 4095, 4096)):
        for raw in (b" " * at + head + b" " * 20, b" " * at + head):
            assert xmlsafe._doctype_in_head(raw) == (b"<!doctype" in raw[:4096].lower()), (head, at)


def test_each_thread_has_its_own_parser() -> None:
    parsers: list[object] = []
    thread = threading.Thread(target=lambda: parsers.extend((xmlsafe._parser(None), xmlsafe._parser(None))))
    thread.start()
    thread.join()
    assert parsers[0] is parsers[1]  # made once in that thread
    assert parsers[0] is not xmlsafe._parser(None)  # and not this thread's
    assert xmlsafe._parser("utf-8") is not xmlsafe._parser(None)
