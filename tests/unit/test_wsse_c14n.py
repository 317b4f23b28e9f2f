"""Exclusive c14n with an InclusiveNamespaces PrefixList (W3C Exc-C14N §3), "#default" included — which lxml alone
drops. Agreement with libxml2 through xmlsec1 is shown in tests/integration/test_wsse_interop.py; here, the exact
bytes for the default namespace, and lxml's output kept byte for byte wherever no default namespace is in play."""

import pytest
from lxml import etree

from signing.errors import SignatureInvalid
from signing.wsse.c14n import c14n, prefix_list
from signing.wsse.names import DS, EXC_C14N

DOC = (
    b'<e:E xmlns:e="urn:e" xmlns="urn:d" xmlns:x="urn:x"><e:H><w:T xmlns:w="urn:w"><u/><n xmlns=""><m/></n>'
    b'<o xmlns="urn:o"><p/></o></w:T></e:H></e:E>'
)


@pytest.mark.parametrize(
    ("prefixes", "expected"),
    [
        # exclusive: the default namespace only where an element uses it
        (
            (),
            b'<e:H xmlns:e="urn:e"><w:T xmlns:w="urn:w"><u xmlns="urn:d"></u><n><m></m></n>'
            b'<o xmlns="urn:o"><p></p></o></w:T></e:H>',
        ),
        (
            ("x",),
            b'<e:H xmlns:e="urn:e" xmlns:x="urn:x"><w:T xmlns:w="urn:w"><u xmlns="urn:d"></u><n><m></m></n>'
            b'<o xmlns="urn:o"><p></p></o></w:T></e:H>',
        ),
        # "#default": on the apex, and wherever it changes from the parent's — xmlns="" where it is left
        (
            ("#default",),
            b'<e:H xmlns="urn:d" xmlns:e="urn:e"><w:T xmlns:w="urn:w"><u></u><n xmlns=""><m></m></n>'
            b'<o xmlns="urn:o"><p></p></o></w:T></e:H>',
        ),
        (
            ("#default", "x"),
            b'<e:H xmlns="urn:d" xmlns:e="urn:e" xmlns:x="urn:x"><w:T xmlns:w="urn:w"><u></u>'
            b'<n xmlns=""><m></m></n><o xmlns="urn:o"><p></p></o></w:T></e:H>',
        ),
    ],
)
def test_the_prefix_list_decides_which_namespaces_are_rendered(prefixes: tuple[str, ...], expected: bytes) -> None:
    assert c14n(etree.fromstring(DOC)[0], prefixes) == expected


TRICKY = [
    b'<r><a b="x&gt;y" c="&quot;q&quot; &amp; &lt;" d="t&#9;n&#10;r&#13;">1 &lt; 2 &gt; 0 &amp; "ok"</a></r>',
    b'<r><?pi data with <tags> and "quotes" > ?><a/><?empty?></r>',
    "<r><![CDATA[<not a tag>]]><b xml:lang='zh'>名</b></r>".encode(),
    b'<p:r xmlns:p="urn:p" xmlns:q="urn:q"><q:a p:x="1" y="2"/><p:b/></p:r>',
]


@pytest.mark.parametrize("document", TRICKY)
def test_without_a_default_namespace_default_changes_nothing(document: bytes) -> None:
    """Escaped text, '>' in attributes, processing instructions holding '<', CDATA: read back exactly."""
    element = etree.fromstring(document)
    assert c14n(element, ("#default",)) == c14n(element) == etree.tostring(element, method="c14n", exclusive=True)


def _method(inner: str) -> etree._Element:
    return etree.fromstring(
        f'<ds:Transform xmlns:ds="{DS}" xmlns:ec="{EXC_C14N}" Algorithm="{EXC_C14N}">{inner}</ds:Transform>'
    )


@pytest.mark.parametrize(
    ("inner", "prefixes"),
    [
        ("", []),
        ('<ec:InclusiveNamespaces PrefixList=""/>', []),
        ('<ec:InclusiveNamespaces PrefixList="wsse soap"/>', ["wsse", "soap"]),
        ('<ec:InclusiveNamespaces PrefixList=" #default\n soap "/>', ["#default", "soap"]),
        ("<ec:InclusiveNamespaces/>", []),
    ],
)
def test_the_prefix_list_is_read_from_the_method(inner: str, prefixes: list[str]) -> None:
    assert prefix_list(_method(inner)) == prefixes


@pytest.mark.parametrize(
    "inner",
    [
        '<ec:InclusiveNamespaces PrefixList="a"/><ec:InclusiveNamespaces PrefixList="b"/>',
        "<ds:XPath>//a</ds:XPath>",
        '<InclusiveNamespaces PrefixList="a"/>',  # not in the exc-c14n namespace
    ],
)
def test_anything_else_in_the_method_is_refused(inner: str) -> None:
    with pytest.raises(SignatureInvalid) as caught:
        prefix_list(_method(inner))
    assert caught.value.reason == "algorithm"


@pytest.mark.parametrize(
    "attributes",
    [
        b'status="p xmlns=" zz="v"',
        b'a="xmlns=" b=""',
        b'a=" xmlns=&quot;x&quot;" b="1"',
        b'xmlns:q="urn:q" a=" xmlns="',
    ],
)
def test_an_attribute_value_holding_xmlns_is_kept_whole_under_default(attributes: bytes) -> None:
    """A value that ends in ` xmlns=` must not swallow the next attribute: two different documents never share one
    canonical form (review PoC: `status="p xmlns=" zz="v"` canonicalised like `status="pv"`)."""
    element = etree.fromstring(b'<r xmlns="urn:d"><b ' + attributes + b"/></r>")
    canonical = c14n(element, ("#default",))
    for name in (a.split(b"=")[0] for a in attributes.split(b'" ') if b"xmlns:" not in a.split(b"=")[0]):
        assert b" " + name + b'="' in canonical
    assert canonical.count(b'="') == etree.tostring(element, method="c14n", exclusive=True).count(b'="')


def test_a_relative_namespace_uri_is_malformed_not_a_crash() -> None:
    """C14N refuses relative namespace URIs; that is a refusal with a reason, never an lxml exception."""
    element = etree.fromstring(b'<r xmlns:t="u#n:x"><t:b/></r>')
    with pytest.raises(SignatureInvalid, match="canonicalised"):
        c14n(element)
