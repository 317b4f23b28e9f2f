"""The WS-Security signer writes its Security header from text made once per signer (signing/wsse/signer.py): the
envelope it leaves is byte for byte the one it builds element by element, for every envelope shape it signs."""

import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree

from connectors.soap_submit import SUBMISSIONS, submission
from signing.wsse import DS, ID, SOAP, WsseSigner, WsseVerifier, signer, texts
from tests.support.certs import self_signed

NOW = datetime(2026, 12, 1, 13, 0, 5, 123456, tzinfo=UTC)


def _ours(operation: str) -> Callable[[], Any]:
    return lambda: submission(operation, f"MSG-{operation}", "<?xml version='1.0'?><r>调解 &amp; 𠀋</r>")


ENVELOPES: dict[str, Callable[[], Any]] = {
    **{f"ours_{operation}": _ours(operation) for operation in SUBMISSIONS},
    "court_answer": lambda: etree.fromstring(
        f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Header/><soap:Body><tns:SubmitProgressResponse '
        'xmlns:tns="urn:court-docking:exchange:v1"><tns:code>0</tns:code></tns:SubmitProgressResponse>'
        "</soap:Body></soap:Envelope>".encode()
    ),
    "court_fault": lambda: etree.fromstring(
        f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Header/><soap:Body><soap:Fault><faultcode>soap:Client</faultcode>'
        "<faultstring>no</faultstring></soap:Fault></soap:Body></soap:Envelope>".encode()
    ),
    "no_header": lambda: etree.fromstring(
        f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body><m:Op xmlns:m="urn:t"><m:a>x</m:a></m:Op></soap:Body>'
        "</soap:Envelope>".encode()
    ),
    "header_with_others": lambda: etree.fromstring(
        f'<s:Envelope xmlns:s="{SOAP}"><s:Header><x:h xmlns:x="urn:h">1</x:h></s:Header><s:Body/></s:Envelope>'.encode()
    ),
    # shapes the text cannot serve (it falls back to building): a default SOAP namespace, a wsse prefix taken
    "default_namespace": lambda: etree.fromstring(f'<Envelope xmlns="{SOAP}"><Body/></Envelope>'.encode()),
    "wsse_prefix_taken": lambda: etree.fromstring(
        f'<s:Envelope xmlns:s="{SOAP}" xmlns:wsse="urn:other"><s:Body/></s:Envelope>'.encode()
    ),
    "two_soap_prefixes": lambda: etree.fromstring(
        f'<a:Envelope xmlns:a="{SOAP}"><a:Header xmlns:b="{SOAP}"/><a:Body/></a:Envelope>'.encode()
    ),
}


KEYS = {"rsa": rsa.generate_private_key(65537, 2048), "ec": ec.generate_private_key(ec.SECP256R1())}
CERTIFICATES = {name: self_signed(key, NOW) for name, key in KEYS.items()}  # made once: each has its own serial


def _signed(algorithm: str, make: Callable[[], Any]) -> tuple[bytes, Any]:
    """The envelope signed with ids and time fixed; an ECDSA signature (random) blanked for comparison."""
    ids = (f"{n:032x}" for n in itertools.count(1))
    original, texts.random_ids = texts.random_ids, lambda count: [next(ids) for _ in range(count)]
    try:
        envelope = make()
        WsseSigner(KEYS[algorithm], CERTIFICATES[algorithm], clock=lambda: NOW).sign(envelope)
    finally:
        texts.random_ids = original
    verifiable = etree.fromstring(etree.tostring(envelope))
    if algorithm == "ec":
        envelope.find(f".//{{{DS}}}SignatureValue").text = "random"
    return etree.tostring(envelope), verifiable


@pytest.mark.parametrize("shape", sorted(ENVELOPES))
@pytest.mark.parametrize("algorithm", sorted(KEYS))
def test_the_security_header_from_text_is_the_one_built_element_by_element(
    shape: str, algorithm: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same bytes either way (prefixes, declarations, attribute order, digests, an RSA signature), and it verifies."""
    built: list[object] = []
    original = WsseSigner._built

    def counted(self: WsseSigner, *args: Any) -> Any:
        built.append(args)
        return original(self, *args)

    monkeypatch.setattr(WsseSigner, "_built", counted)
    from_text, verifiable = _signed(algorithm, ENVELOPES[shape])
    assert bool(built) == (shape in ("default_namespace", "wsse_prefix_taken", "two_soap_prefixes"))
    monkeypatch.setattr(signer, "_soap_prefix", lambda header: None)  # always element by element
    assert _signed(algorithm, ENVELOPES[shape])[0] == from_text
    WsseVerifier([CERTIFICATES[algorithm]], clock=lambda: NOW).verify(verifiable)


@pytest.mark.parametrize("shape", ["ours_SubmitProgress", "default_namespace"])
def test_a_signature_draws_its_three_ids_in_one_call(shape: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """One os.urandom call (48 bytes) a signed envelope, from text or built: the Body's id from its first 16 bytes,
    the Timestamp's from the next, the token's from the last."""
    drawn: list[bytes] = []
    real = texts.os.urandom

    def urandom(size: int) -> bytes:
        drawn.append(real(size))
        return drawn[-1]

    monkeypatch.setattr(texts.os, "urandom", urandom)
    envelope = ENVELOPES[shape]()
    WsseSigner(KEYS["rsa"], CERTIFICATES["rsa"], clock=lambda: NOW).sign(envelope)
    assert [len(d) for d in drawn] == [48]
    ids = [texts.uuid4_hex(drawn[0][i : i + 16]) for i in (0, 16, 32)]
    found = {e.get(ID) for e in envelope.iter() if e.get(ID)}
    assert found == {f"Body-{ids[0]}", f"TS-{ids[1]}", f"X509-{ids[2]}"}
