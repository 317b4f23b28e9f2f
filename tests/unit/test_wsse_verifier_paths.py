"""The verifier's short cuts against the lookups they replace: fields.only / child / child_text against
ElementPath's findall / find / findtext, the wsu:Id XPath against a walk of every node, and the kept token
certificates — WsseVerifier.verify against the verify it replaces (kept below, with a fresh TrustedCertificates
each time) over every one-step change of signed envelopes: the same result, or the same refusal and text."""

import base64
import copy
import hashlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree

from signing.errors import SignatureInvalid
from signing.wsse import DS, ID, SOAP, WSSE, WSU, WsseSigner, WsseVerified, WsseVerifier, c14n, verifier
from signing.wsse.algorithms import digest, verify
from signing.wsse.c14n import prefix_list
from signing.wsse.fields import Children, base64_field, child, only
from signing.wsse.keys import TrustedCertificates
from signing.wsse.names import ALGORITHMS, EXC_C14N
from signing.wsse.times import xsd_datetime
from signing.wsse.verifier import MAX_LIFETIME
from tests.support.certs import self_signed

NOW = datetime(2026, 12, 1, 13, 0, 5, tzinfo=UTC)
KEYS = {"rsa": rsa.generate_private_key(65537, 2048), "ec": ec.generate_private_key(ec.SECP256R1())}
CERTIFICATES = {name: self_signed(key, NOW) for name, key in KEYS.items()}


# ---- the verify this module's short cuts replace, as it was (signing/wsse/verifier.py before them)


def _old_only(parent: Any, tag: str, what: str, *, missing: str = "malformed") -> Any:
    found = parent.findall(tag)
    if len(found) != 1:
        raise SignatureInvalid(missing if not found else "malformed", f"expected one {what}, found {len(found)}")
    return found[0]


def _old_verify(checker: WsseVerifier, envelope: Any) -> WsseVerified:
    trusted = TrustedCertificates([t.certificate for t in checker._trusted.all])  # nothing kept from before
    header = _old_only(envelope, f"{{{SOAP}}}Header", "Header", missing="unsigned")
    security = _old_only(header, f"{{{WSSE}}}Security", "Security header", missing="unsigned")
    stamp = _old_only(security, f"{{{WSU}}}Timestamp", "Timestamp", missing="unsigned")
    expires = checker._check_window_old(stamp)  # type: ignore[attr-defined]
    signature = _old_only(security, f"{{{DS}}}Signature", "Signature", missing="unsigned")
    info = _old_only(signature, f"{{{DS}}}SignedInfo", "SignedInfo", missing="unsigned")
    candidates = trusted.named_by(signature, security)
    method = _old_algorithm(info, "SignatureMethod")
    usable = [c for c in candidates if ALGORITHMS[c.algorithm][0] == method]
    canonicalization = info.find(f"{{{DS}}}CanonicalizationMethod")
    if not usable or canonicalization is None or canonicalization.get("Algorithm") != EXC_C14N:
        raise SignatureInvalid("algorithm", f"the signature must be exclusive c14n + {candidates[0].algorithm}")
    algorithm = usable[0].algorithm
    for reference, target in _old_references(envelope, security, stamp, info):
        transforms = reference.findall(f"{{{DS}}}Transforms/{{{DS}}}Transform")
        if [t.get("Algorithm") for t in transforms] != [EXC_C14N] or _old_algorithm(
            reference, "DigestMethod"
        ) != ALGORITHMS[algorithm][1]:
            raise SignatureInvalid("algorithm", "each reference must be exclusive c14n with the agreed digest")
        expected = base64.b64encode(digest(algorithm, c14n(target, prefix_list(transforms[0])))).decode()
        if (reference.findtext(f"{{{DS}}}DigestValue") or "").strip() != expected:
            raise SignatureInvalid("digest", f"the {etree.QName(target).localname} was changed after signing")
    value = base64_field(signature.findtext(f"{{{DS}}}SignatureValue"), "the SignatureValue")
    signed = c14n(info, prefix_list(canonicalization))
    if not any(verify(c.key, algorithm, value, signed, checker._distid) for c in usable):
        raise SignatureInvalid("signature", "the signature does not verify with the trusted certificate")
    return WsseVerified(hashlib.sha256(signed).hexdigest(), expires + checker._skew)


def _old_check_window(checker: WsseVerifier, stamp: Any) -> datetime:
    """_check_window as it was, with findtext (the new one reads the Timestamp's children once)."""
    created = xsd_datetime(stamp.findtext(f"{{{WSU}}}Created"), "the Timestamp's Created")
    expires = xsd_datetime(stamp.findtext(f"{{{WSU}}}Expires"), "the Timestamp's Expires")
    if expires <= created:
        raise SignatureInvalid(
            "malformed",
            f"the Timestamp expires ({expires.isoformat()}) before it was created ({created.isoformat()})",
        )
    now = checker._clock()
    if created > now + checker._skew:
        raise SignatureInvalid("stale", f"the Timestamp was created in the future ({created.isoformat()})")
    if expires <= now - checker._skew or expires - created > MAX_LIFETIME:
        raise SignatureInvalid("stale", f"the Timestamp expired at {expires.isoformat()}")
    return expires


def _old_references(envelope: Any, security: Any, stamp: Any, info: Any) -> list[tuple[Any, Any]]:
    body = _old_only(envelope, f"{{{SOAP}}}Body", "Body", missing="unsigned")
    required = {body.get(ID): body, stamp.get(ID): stamp}
    if None in required or len(required) != 2:
        raise SignatureInvalid("malformed", "the Body and the Timestamp each need one unique wsu:Id")
    allowed = dict(required)
    allowed.update({t.get(ID): t for t in security.findall(f"{{{WSSE}}}BinarySecurityToken") if t.get(ID)})
    references = info.findall(f"{{{DS}}}Reference")
    ids = [str(reference.get("URI", ""))[1:] for reference in references]
    if not set(required) <= set(ids) or not set(ids) <= set(allowed) or len(set(ids)) != len(ids):
        raise SignatureInvalid(
            "unsigned",
            "the signature must cover the Body and the Timestamp (and may cover the "
            "header's BinarySecurityToken), nothing else",
        )
    if any(not str(r.get("URI", "")).startswith("#") for r in references):
        raise SignatureInvalid("unsigned", "each reference must name an element of the envelope by #wsu:Id")
    every_id = [i for i in (element.get(ID) for element in envelope.iter()) if i is not None]
    if any(every_id.count(i) != 1 for i in ids):
        raise SignatureInvalid("malformed", "a signed element's wsu:Id is not unique in the envelope")
    return [(reference, allowed[i]) for reference, i in zip(references, ids, strict=True)]


def _old_algorithm(parent: Any, name: str) -> str | None:
    element = parent.find(f"{{{DS}}}{name}")
    return None if element is None else element.get("Algorithm")


# ---- the envelopes, and every one-step change of them


def _envelope(algorithm: str, shape: str) -> Any:
    bodies = {
        "ours": '<ns0:SubmitProgress xmlns:ns0="urn:court-docking:exchange:v1"><ns0:messageId>M1</ns0:messageId>'
        "<ns0:payload>&lt;?xml version='1.0'?&gt;&lt;r&gt;调解 &amp;amp; 𠀋&lt;/r&gt;</ns0:payload>"
        "</ns0:SubmitProgress>",
        "answer": '<tns:SubmitProgressResponse xmlns:tns="urn:court-docking:exchange:v1"><tns:code>0</tns:code>'
        "<tns:duplicate>false</tns:duplicate></tns:SubmitProgressResponse>",
        "empty": "",
    }
    envelope = etree.fromstring(
        f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Header/><soap:Body>{bodies[shape]}</soap:Body>'
        "</soap:Envelope>".encode()
    )
    WsseSigner(KEYS[algorithm], CERTIFICATES[algorithm], clock=lambda: NOW).sign(envelope)
    return etree.fromstring(etree.tostring(envelope))


def _paths(envelope: Any) -> list[tuple[int, ...]]:
    """Every node below the root, as child indexes from it."""

    def walk(node: Any, path: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
        for index, node_child in enumerate(node):
            yield (*path, index)
            yield from walk(node_child, (*path, index))

    return list(walk(envelope, ()))


def _at(envelope: Any, path: tuple[int, ...]) -> Any:
    for index in path:
        envelope = envelope[index]
    return envelope


def _body_id(envelope: Any) -> str:
    body = envelope.find(f"{{{SOAP}}}Body")
    return str(body.get(ID, "x")) if body is not None else "x"


def _changes(envelope: Any) -> Iterator[tuple[str, Callable[[Any], None]]]:
    """One-step changes: each node removed, doubled, emptied, given another text, an id, a comment, a processing
    instruction with an Id pseudo-attribute; each attribute removed or changed; the Body wrapped away."""
    for path in _paths(envelope):

        def remove(e: Any, path: tuple[int, ...] = path) -> None:
            node = _at(e, path)
            node.getparent().remove(node)

        def double(e: Any, path: tuple[int, ...] = path) -> None:
            node = _at(e, path)
            node.addnext(copy.deepcopy(node))

        def retext(e: Any, path: tuple[int, ...] = path) -> None:
            _at(e, path).text = " " + (_at(e, path).text or "") + "\n"

        def other(e: Any, path: tuple[int, ...] = path) -> None:
            _at(e, path).text = "2026-12-01T13:00:05Z"

        def emptied(e: Any, path: tuple[int, ...] = path) -> None:
            node = _at(e, path)
            node.text = None
            for node_child in list(node):
                node.remove(node_child)

        def give_id(e: Any, path: tuple[int, ...] = path) -> None:
            _at(e, path).set(ID, _body_id(e))

        def comment(e: Any, path: tuple[int, ...] = path) -> None:
            _at(e, path).insert(0, etree.Comment("c"))

        def instruction(e: Any, path: tuple[int, ...] = path) -> None:
            _at(e, path).insert(0, etree.ProcessingInstruction("p", f'Id="{_body_id(e)}" wsu:Id="{_body_id(e)}"'))

        element = isinstance(_at(envelope, path).tag, str)
        for change in (
            (remove, double, retext, other, emptied, give_id, comment, instruction)
            if element
            else (remove, double, retext)
        ):
            yield f"{change.__name__}{path}", change
        for name in _at(envelope, path).attrib:

            def drop(e: Any, path: tuple[int, ...] = path, name: str = name) -> None:
                del _at(e, path).attrib[name]

            def alter(e: Any, path: tuple[int, ...] = path, name: str = name) -> None:
                _at(e, path).set(name, _at(e, path).get(name) + "x")

            yield f"drop{path}{name}", drop
            yield f"alter{path}{name}", alter

    def wrap(e: Any) -> None:
        body, header = e.find(f"{{{SOAP}}}Body"), e.find(f"{{{SOAP}}}Header")
        if body is None or header is None:
            return
        header.append(copy.deepcopy(body))
        body.text = "forged"

    def unchanged(e: Any) -> None:
        pass

    yield "wrap", wrap
    yield "unchanged", unchanged


def _outcome(call: Callable[[], WsseVerified]) -> object:
    try:
        return call()
    except SignatureInvalid as refusal:
        return ("refused", refusal.reason, refusal.detail)


CASES = [(a, s) for a in KEYS for s in ("ours", "answer", "empty")]


@pytest.mark.parametrize(("algorithm", "shape"), CASES)
def test_every_one_step_change_is_judged_as_before(algorithm: str, shape: str) -> None:
    """The same WsseVerified, or the same refusal with the same text; at three clock readings."""
    signed = _envelope(algorithm, shape)
    refusals = set()
    for offset in (timedelta(0), timedelta(minutes=11), timedelta(minutes=-6)):
        checker = WsseVerifier([CERTIFICATES[algorithm]], clock=lambda offset=offset: NOW + offset)
        checker._check_window_old = lambda stamp, c=checker: _old_check_window(c, stamp)  # type: ignore[attr-defined]
        for _, change in _changes(signed):
            envelope = copy.deepcopy(signed)
            change(envelope)
            outcome = _outcome(lambda envelope=envelope, c=checker: c.verify(envelope))
            assert outcome == _outcome(lambda envelope=envelope, c=checker: _old_verify(c, envelope))
            refusals.add(outcome[1] if isinstance(outcome, tuple) else "verified")
    assert {"verified", "stale", "digest", "unsigned", "malformed", "algorithm"} <= refusals


def _trees() -> Iterator[Any]:
    yield _envelope("rsa", "ours")
    yield etree.fromstring(
        b'<r xmlns:a="urn:a"><a:x>1</a:x><!--c--><a:x/><?p a:x="1"?><x/><a:y>2<a:x>3</a:x></a:y>tail<a:x></a:x></r>'
    )
    yield etree.fromstring(b"<r/>")


TAGS = ["{urn:a}x", "x", "{urn:a}y", "{urn:a}z", f"{{{SOAP}}}Header", f"{{{SOAP}}}Body", f"{{{WSSE}}}Security"]


@pytest.mark.parametrize("tag", TAGS)
def test_the_child_lookups_are_elementpaths(tag: str) -> None:
    """only and child, and Children's (with its child_text), find what findall, find and findtext find, at every node of
    varied trees (comments, processing instructions, text, tails, no namespace, other namespaces)."""
    for tree in _trees():
        for node in tree.iter():
            found = node.findall(tag)
            read = Children(node)
            assert child(node, tag) is node.find(tag)
            assert read.child(tag) is node.find(tag)
            assert read.child_text(tag) == node.findtext(tag)
            assert read.every(tag) == found
            if len(found) == 1:
                assert only(node, tag, "it") is found[0]
                assert read.only(tag, "it") is found[0]
            else:
                for lookup in (
                    lambda node=node: only(node, tag, "it", missing="unsigned"),
                    lambda read=read: read.only(tag, "it", missing="unsigned"),
                ):
                    with pytest.raises(SignatureInvalid) as refused:
                        lookup()
                    assert (refused.value.reason, refused.value.detail) == (
                        "unsigned" if not found else "malformed",
                        f"expected one it, found {len(found)}",
                    )


def test_every_id_is_every_nodes_wsu_id_in_document_order() -> None:
    """The XPath's list is the walk's, comments and processing instructions (pseudo-attributes) included."""
    for tree in _trees():
        for change_name, change in _changes(tree):
            changed = copy.deepcopy(tree)
            change(changed)
            walked = [i for i in (element.get(ID) for element in changed.iter()) if i is not None]
            assert verifier._every_id(changed) == walked, change_name
