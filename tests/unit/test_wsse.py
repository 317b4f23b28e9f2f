"""WS-Security signing and verification: a signed Timestamp and Body; every way of breaking it is refused."""

import base64
import copy
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from lxml import etree

from signing.errors import SignatureInvalid
from signing.keyfiles import load_private_key
from signing.wsse import DS, ID, SOAP, WSSE, WSU, WsseSigner, WsseVerifier, c14n
from tests.support.certs import self_signed

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture(params=["rsa", "ec"])
def pair(request: pytest.FixtureRequest) -> tuple[WsseSigner, WsseVerifier]:
    key = rsa.generate_private_key(65537, 2048) if request.param == "rsa" else ec.generate_private_key(ec.SECP256R1())
    cert = self_signed(key, NOW)
    return WsseSigner(key, cert, clock=lambda: NOW), WsseVerifier([cert], clock=lambda: NOW)


def _envelope(text: str = "调解协议") -> Any:
    return etree.fromstring(
        f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body><m:Op xmlns:m="urn:t"><m:a>{text}</m:a></m:Op>'
        "</soap:Body></soap:Envelope>".encode()
    )


def _signed(pair: tuple[WsseSigner, WsseVerifier]) -> Any:
    envelope = _envelope()
    pair[0].sign(envelope)
    return envelope


def test_a_signed_envelope_verifies(pair: tuple[WsseSigner, WsseVerifier]) -> None:
    envelope = _signed(pair)
    pair[1].verify(envelope)
    method = envelope.find(f".//{{{DS}}}SignatureMethod").get("Algorithm")
    assert method.endswith(("rsa-sha256", "ecdsa-sha256"))
    assert all(d.get("Algorithm").endswith("sha256") for d in envelope.iter(f"{{{DS}}}DigestMethod"))


def _tamper_body(envelope: Any) -> None:
    envelope.find(f".//{{{SOAP}}}Body").find(".//{urn:t}a").text = "调解协议!"


def _tamper_timestamp(envelope: Any) -> None:
    envelope.find(f".//{{{WSU}}}Expires").text = "2026-11-23T08:20:00Z"  # longer-lived, still plausible


def _wrap(envelope: Any) -> None:
    """The classic signature-wrapping attack: keep the signed Body elsewhere, put a new one in its place."""
    body = envelope.find(f"{{{SOAP}}}Body")
    envelope.find(f"{{{SOAP}}}Header").append(copy.deepcopy(body))
    envelope.remove(body)
    forged = _envelope("forged").find(f"{{{SOAP}}}Body")
    forged.set(ID, body.get(ID))
    envelope.append(forged)


def _strip_security(envelope: Any) -> None:
    header = envelope.find(f"{{{SOAP}}}Header")
    header.remove(header.find(f"{{{WSSE}}}Security"))


def _drop_timestamp_reference(envelope: Any) -> None:
    info = envelope.find(f".//{{{DS}}}SignedInfo")
    info.remove(info.findall(f"{{{DS}}}Reference")[1])


def _sha1_digest(envelope: Any) -> None:
    for method in envelope.iter(f"{{{DS}}}DigestMethod"):
        method.set("Algorithm", "http://www.w3.org/2000/09/xmldsig#sha1")


def _swap_signature_value(envelope: Any) -> None:
    value = envelope.find(f".//{{{DS}}}SignatureValue")
    value.text = value.text[:-4] + ("AAAA" if not value.text.endswith("AAAA") else "BBBB")


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (_tamper_body, "digest"),
        (_tamper_timestamp, "digest"),
        (_wrap, "malformed|digest|unsigned"),
        (_strip_security, "unsigned"),
        (_drop_timestamp_reference, "unsigned"),
        (_sha1_digest, "algorithm"),
        (_swap_signature_value, "signature|malformed"),
    ],
)
def test_tampering_is_refused(pair: tuple[WsseSigner, WsseVerifier], tamper: Any, reason: str) -> None:
    envelope = _signed(pair)
    tamper(envelope)
    with pytest.raises(SignatureInvalid) as caught:
        pair[1].verify(envelope)
    assert caught.value.reason in reason.split("|")


def test_an_expired_or_future_timestamp_is_refused(pair: tuple[WsseSigner, WsseVerifier]) -> None:
    envelope = _signed(pair)
    cert = x509.load_der_x509_certificate(base64.b64decode(envelope.findtext(f".//{{{WSSE}}}BinarySecurityToken")))
    for offset in (timedelta(minutes=11), timedelta(minutes=-6)):
        late = WsseVerifier([cert], clock=lambda offset=offset: NOW + offset)
        with pytest.raises(SignatureInvalid) as caught:
            late.verify(envelope)
        assert caught.value.reason == "stale"


def test_a_signature_by_an_untrusted_certificate_is_refused(pair: tuple[WsseSigner, WsseVerifier]) -> None:
    """A valid signature is worthless unless its certificate is one we were configured to trust."""
    stranger = ec.generate_private_key(ec.SECP256R1())
    envelope = _envelope()
    WsseSigner(stranger, self_signed(stranger, NOW), clock=lambda: NOW).sign(envelope)
    with pytest.raises(SignatureInvalid) as caught:
        pair[1].verify(envelope)
    assert caught.value.reason in ("unknown_key", "algorithm")


def test_several_trusted_certificates_cover_a_rotation() -> None:
    old, new = rsa.generate_private_key(65537, 2048), rsa.generate_private_key(65537, 2048)
    certificates = {key: self_signed(key, NOW) for key in (old, new)}
    verifier = WsseVerifier(list(certificates.values()), clock=lambda: NOW)
    for key, certificate in certificates.items():
        envelope = _envelope()
        WsseSigner(key, certificate, clock=lambda: NOW).sign(envelope)
        verifier.verify(envelope)


def test_the_signer_never_shows_its_key() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    assert "PRIVATE" not in repr(WsseSigner(key, self_signed(key, NOW))) and "ecdsa" in repr(
        WsseSigner(key, self_signed(key, NOW))
    )


OPENSSL = shutil.which("openssl")


@pytest.mark.skipif(OPENSSL is None, reason="the openssl command line makes the SM2 certificate")
def test_the_sm2_sm3_variant_signs_and_verifies_and_openssl_agrees(tmp_path: Path) -> None:
    """国密: SM3 digests and an SM2 signature over SignedInfo; the key comes from an SM2 certificate (made by
    OpenSSL 3), and the OpenSSL command line verifies the signature independently."""
    assert OPENSSL is not None
    key_file, cert_file = tmp_path / "sm2.key", tmp_path / "sm2.crt"
    subprocess.run([OPENSSL, "genpkey", "-algorithm", "SM2", "-out", str(key_file)], check=True, capture_output=True)
    request = [OPENSSL, "req", "-new", "-x509", "-key", str(key_file), "-sm3", "-subj", "/CN=centre", "-days", "2"]
    subprocess.run(
        [*request, "-sigopt", "distid:1234567812345678", "-out", str(cert_file)],
        check=True,
        capture_output=True,
    )
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    signer = WsseSigner(load_private_key(key_file), cert, clock=lambda: NOW)
    verifier = WsseVerifier([cert], clock=lambda: NOW)
    assert signer.algorithm == "sm2-sm3"
    envelope = _envelope()
    signer.sign(envelope)
    verifier.verify(envelope)
    # openssl: the SignedInfo, exclusive-c14n'd, verified with SM2/SM3 and the default distinguishing ID
    info = tmp_path / "info.bin"
    info.write_bytes(c14n(envelope.find(f".//{{{DS}}}SignedInfo")))
    raw = base64.b64decode(envelope.findtext(f".//{{{DS}}}SignatureValue"))
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    (tmp_path / "sig.der").write_bytes(der)
    subprocess.run(
        [OPENSSL, "x509", "-in", str(cert_file), "-pubkey", "-noout", "-out", str(tmp_path / "pub.pem")], check=True
    )
    verify = [OPENSSL, "pkeyutl", "-verify", "-pubin", "-inkey", str(tmp_path / "pub.pem"), "-rawin", "-digest", "sm3"]
    checked = subprocess.run(
        [*verify, "-pkeyopt", "distid:1234567812345678", "-in", str(info), "-sigfile", str(tmp_path / "sig.der")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0 and "Success" in checked.stdout, checked.stdout + checked.stderr
    _tamper_body(envelope)
    with pytest.raises(SignatureInvalid, match="digest"):
        verifier.verify(envelope)


def test_a_rotation_may_change_the_key_type_and_each_certificate_keeps_its_own_algorithm() -> None:
    rsa_key, ec_key = rsa.generate_private_key(65537, 2048), ec.generate_private_key(ec.SECP256R1())
    rsa_cert, ec_cert = self_signed(rsa_key, NOW), self_signed(ec_key, NOW)
    verifier = WsseVerifier([rsa_cert, ec_cert], clock=lambda: NOW)
    for key, cert in ((rsa_key, rsa_cert), (ec_key, ec_cert)):
        envelope = _envelope()
        WsseSigner(key, cert, clock=lambda: NOW).sign(envelope)
        assert verifier.verify(envelope).signed_digest
    relabelled = _envelope()
    WsseSigner(ec_key, ec_cert, clock=lambda: NOW).sign(relabelled)
    method = relabelled.find(f".//{{{DS}}}SignatureMethod")
    method.set("Algorithm", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")
    with pytest.raises(SignatureInvalid) as caught:  # never a TypeError from a key of the wrong type
        verifier.verify(relabelled)
    assert caught.value.reason == "algorithm"


def _hostile_names(certificate: x509.Certificate) -> bytes:
    """The certificate's DER with its common name's string tag zeroed: it loads, but its names do not parse."""
    from cryptography.hazmat.primitives.serialization import Encoding

    der = bytearray(certificate.public_bytes(Encoding.DER))
    at = der.find(b"test")
    der[at - 2] = 0x00
    x509.load_der_x509_certificate(bytes(der))  # names are parsed lazily: loading still succeeds
    return bytes(der)


def test_a_stranger_certificate_with_unreadable_names_is_refused_not_a_crash() -> None:
    """An unconfigured certificate is described in the refusal; one whose names cannot be read is malformed."""
    stranger = ec.generate_private_key(ec.SECP256R1())
    trusted = self_signed(ec.generate_private_key(ec.SECP256R1()), NOW)
    envelope = _envelope()
    WsseSigner(stranger, self_signed(stranger, NOW), clock=lambda: NOW).sign(envelope)
    token = envelope.find(f".//{{{WSSE}}}BinarySecurityToken")
    token.text = base64.b64encode(_hostile_names(self_signed(stranger, NOW))).decode()
    with pytest.raises(SignatureInvalid, match="unreadable names"):
        WsseVerifier([trusted], clock=lambda: NOW).verify(envelope)
