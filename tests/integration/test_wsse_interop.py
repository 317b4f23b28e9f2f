"""WS-Security answers as WSS4J / Apache CXF sign them, signed here by an independent implementation (xmlsec1):
InclusiveNamespaces PrefixLists in the references and in SignedInfo, the key named by issuer and serial (or any
sibling form), milliseconds in the Timestamp. xmlsec1 and our verifier agree on the genuine answer and on a
one-byte change; the SOAP connector accepts the answer on a poll."""

import base64
import copy
import hashlib
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import responses
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from connectors.court_soap import CourtSoapPlatform
from connectors.port import TransientError
from mappings.xmlsafe import parse
from signing.errors import SignatureInvalid
from signing.wsse import DS, EXC_C14N, SOAP, WSSE, WSU, WsseSigner, WsseVerifier
from signing.wsse.names import THUMBPRINT_SHA1, X509_PKIPATH, X509_SKI, X509V3
from tests.support.external import find_xmlsec1

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 23, 8, 0, 1, tzinfo=UTC)
TNS = "urn:court-docking:exchange:v1"
ID_ATTRIBUTES = ["--id-attr:Id", f"{WSU}:Timestamp", "--id-attr:Id", f"{SOAP}:Body"]
ID_ATTRIBUTES += ["--id-attr:Id", f"{WSSE}:BinarySecurityToken", "--id-attr:Id", f"{DS}:KeyInfo"]
BASE64 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
METHODS = {
    "rsa": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "ec": "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
}


@dataclass
class Court:
    """A court's signing certificate, issued by its CA (so issuer and subject differ), and the files xmlsec1 reads."""

    kind: str
    certificate: x509.Certificate
    key_file: Path
    cert_file: Path


def _issue(tmp_path: Path, kind: str, *, ski: bool = True, name: str = "court") -> Court:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "某省高级人民法院"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Court CA, Signing"),  # a comma: escaped in the DN string
        ]
    )
    key = rsa.generate_private_key(65537, 2048) if kind == "rsa" else ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} exchange")]))
        .issuer_name(ca)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=365))
    )
    if ski:
        builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    certificate = builder.sign(ca_key, hashes.SHA256())
    key_file, cert_file = tmp_path / f"{name}-{kind}.key", tmp_path / f"{name}-{kind}.crt"
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return Court(kind, certificate, key_file, cert_file)


@pytest.fixture(params=["rsa", "ec"])
def court(request: pytest.FixtureRequest, tmp_path: Path) -> Court:
    return _issue(tmp_path, request.param)


def _issuer_serial(certificate: x509.Certificate) -> str:
    """How WSS4J writes it: X500Principal.getName() (RFC 2253) and the decimal serial."""
    return (
        f"<ds:X509Data><ds:X509IssuerSerial><ds:X509IssuerName>{certificate.issuer.rfc4514_string()}"
        f"</ds:X509IssuerName><ds:X509SerialNumber>{certificate.serial_number}</ds:X509SerialNumber>"
        "</ds:X509IssuerSerial></ds:X509Data>"
    )


def _reference(uri: str, prefixes: str | None) -> str:
    inclusive = "" if prefixes is None else f'<ec:InclusiveNamespaces xmlns:ec="{EXC_C14N}" PrefixList="{prefixes}"/>'
    return (
        f'<ds:Reference URI="{uri}"><ds:Transforms><ds:Transform Algorithm="{EXC_C14N}">{inclusive}</ds:Transform>'
        '</ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
        "<ds:DigestValue/></ds:Reference>"
    )


@dataclass(frozen=True)
class Style:
    """One way a WSS4J-family stack lays out its signed answer."""

    info: str | None  # SignedInfo's PrefixList
    stamp: str | None  # the Timestamp reference's
    body: str | None  # the Body reference's
    default_namespace: bool = False  # the Envelope declares a default namespace ("#default" then matters)
    protect_token: bool = False  # the BinarySecurityToken is signed too, and KeyInfo points at it


STYLES = {
    "cxf": Style(info="soap", stamp="wsse soap", body=""),  # the issue's: what CXF/WSS4J write by default
    "cxf-no-body-list": Style(info="soap", stamp="wsse soap", body=None),
    "default-namespace": Style(
        info="#default soap", stamp="#default wsse soap", body="#default", default_namespace=True
    ),
    "protect-token": Style(info="soap", stamp="wsse soap", body="", protect_token=True),
}


def _template(court: Court, style: Style) -> bytes:
    default = f' xmlns="{TNS}"' if style.default_namespace else ""
    token_id = "X509-6"
    token = (
        f'<wsse:BinarySecurityToken EncodingType="{BASE64}" ValueType="{X509V3}" wsu:Id="{token_id}">'
        f"{base64.b64encode(court.certificate.public_bytes(serialization.Encoding.DER)).decode()}"
        "</wsse:BinarySecurityToken>"
        if style.protect_token
        else ""
    )
    key_info = (
        f'<wsse:Reference URI="#{token_id}" ValueType="{X509V3}"/>'
        if style.protect_token
        else _issuer_serial(court.certificate)
    )
    references = _reference("#TS-1", style.stamp) + _reference("#id-2", style.body)
    if style.protect_token:
        references += _reference(f"#{token_id}", "soap")
    inclusive = (
        "" if style.info is None else f'<ec:InclusiveNamespaces xmlns:ec="{EXC_C14N}" PrefixList="{style.info}"/>'
    )
    # Unprefixed elements in the default namespace, one that leaves it (xmlns="") and one in another: the
    # declarations "#default" adds or moves, wherever they are.
    payload = (
        '<QueryCaseStatusResponse><case><ajbs>x</ajbs></case><note xmlns="">n</note><x xmlns="urn:other"/>'
        "</QueryCaseStatusResponse>"
        if style.default_namespace
        else f'<tns:QueryCaseStatusResponse xmlns:tns="{TNS}"><tns:case><tns:ajbs>x</tns:ajbs></tns:case>'
        "</tns:QueryCaseStatusResponse>"
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="{SOAP}"{default}>
  <soap:Header>
    <wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}" soap:mustUnderstand="1">
      <wsu:Timestamp wsu:Id="TS-1">
        <wsu:Created>2026-11-23T08:00:00.123Z</wsu:Created>
        <wsu:Expires>2026-11-23T08:05:00.123Z</wsu:Expires>
      </wsu:Timestamp>{token}
      <ds:Signature xmlns:ds="{DS}" Id="SIG-3">
        <ds:SignedInfo>
          <ds:CanonicalizationMethod Algorithm="{EXC_C14N}">{inclusive}</ds:CanonicalizationMethod>
          <ds:SignatureMethod Algorithm="{METHODS[court.kind]}"/>
          {references}
        </ds:SignedInfo>
        <ds:SignatureValue/>
        <ds:KeyInfo Id="KI-4"><wsse:SecurityTokenReference wsu:Id="STR-5">{key_info}</wsse:SecurityTokenReference>
        </ds:KeyInfo>
      </ds:Signature>
    </wsse:Security>
  </soap:Header>
  <soap:Body xmlns:wsu="{WSU}" wsu:Id="id-2">{payload}</soap:Body>
</soap:Envelope>
""".encode()


def _xmlsec(tmp_path: Path, court: Court, action: str, document: bytes) -> subprocess.CompletedProcess[str]:
    path, out = tmp_path / f"{action}.xml", tmp_path / f"{action}-out.xml"
    path.write_bytes(document)
    key = ["--privkey-pem", f"{court.key_file},{court.cert_file}"] if action == "sign" else []
    key += ["--pubkey-cert-pem", str(court.cert_file)] if action == "verify" else []
    args = [find_xmlsec1(), f"--{action}", *key, *ID_ATTRIBUTES, "--output", str(out), str(path)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=30)
    if action == "sign":
        assert done.returncode == 0, done.stderr
        done.stdout = out.read_text(encoding="utf-8")
    return done


def _signed(tmp_path: Path, court: Court, style: Style) -> bytes:
    return _xmlsec(tmp_path, court, "sign", _template(court, style)).stdout.encode()


def _verifier(*courts: Court) -> WsseVerifier:
    return WsseVerifier([c.certificate for c in courts], clock=lambda: NOW)


@pytest.mark.parametrize("style", STYLES)
def test_an_answer_signed_the_wss4j_way_verifies_with_xmlsec1_and_with_us(
    court: Court, tmp_path: Path, style: str
) -> None:
    """The issue's case: xmlsec1 said OK, we said "the Timestamp was changed after signing"."""
    signed = _signed(tmp_path, court, STYLES[style])
    assert b"PrefixList" in signed and b"<ds:DigestValue/>" not in signed
    checked = _xmlsec(tmp_path, court, "verify", signed)
    assert checked.returncode == 0 and "OK" in checked.stderr, checked.stderr
    verified = _verifier(court).verify(parse(signed))
    assert verified.fresh_until == datetime(2026, 11, 23, 8, 10, 0, 123000, tzinfo=UTC)


ONE_BYTE_CHANGES = {
    "timestamp": (b"08:05:00.123Z", b"08:05:00.124Z", "digest"),
    "body": (b"<ajbs>x</ajbs>", b"<ajbs>y</ajbs>", "digest"),
    "signed-info": (b'URI="#TS-1"', b'URI="#TS-2"', "unsigned"),  # the reference no longer names the Timestamp
}


@pytest.mark.parametrize("change", ONE_BYTE_CHANGES)
@pytest.mark.parametrize("style", ["cxf", "default-namespace"])
def test_a_one_byte_change_is_refused_by_xmlsec1_and_by_us(
    court: Court, tmp_path: Path, style: str, change: str
) -> None:
    signed = _signed(tmp_path, court, STYLES[style])
    old, new, reason = ONE_BYTE_CHANGES[change]
    old, new = (
        (old.replace(b"ajbs>", b"tns:ajbs>"), new.replace(b"ajbs>", b"tns:ajbs>")) if style == "cxf" else (old, new)
    )
    assert signed.count(old) == 1
    tampered = signed.replace(old, new)
    assert len(tampered) == len(signed) and sum(a != b for a, b in zip(tampered, signed, strict=True)) == 1
    assert _xmlsec(tmp_path, court, "verify", tampered).returncode != 0
    with pytest.raises(SignatureInvalid) as caught:
        _verifier(court).verify(parse(tampered))
    assert caught.value.reason == reason


def test_the_prefix_list_of_signed_info_is_honoured_too(court: Court, tmp_path: Path) -> None:
    """Dropping SignedInfo's PrefixList after signing changes what was signed: the signature no longer verifies."""
    signed = _signed(tmp_path, court, STYLES["cxf"])
    info_list = f'<ec:InclusiveNamespaces xmlns:ec="{EXC_C14N}" PrefixList="soap"/></ds:CanonicalizationMethod>'
    assert info_list.encode() in signed
    stripped = signed.replace(info_list.encode(), b"</ds:CanonicalizationMethod>")
    assert _xmlsec(tmp_path, court, "verify", stripped).returncode != 0
    with pytest.raises(SignatureInvalid) as caught:
        _verifier(court).verify(parse(stripped))
    assert caught.value.reason == "signature"


# ---- how the KeyInfo names the key: KeyInfo is not signed, so one signed answer serves every form


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _der(court: Court) -> bytes:
    return court.certificate.public_bytes(serialization.Encoding.DER)


def _ski(court: Court) -> bytes:
    return court.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest


def _str(inner: str) -> str:
    return f'<wsse:SecurityTokenReference xmlns:wsse="{WSSE}">{inner}</wsse:SecurityTokenReference>'


def _identifier(value_type: str, value: bytes) -> str:
    return _str(
        f'<wsse:KeyIdentifier EncodingType="{BASE64}" ValueType="{value_type}">{_b64(value)}</wsse:KeyIdentifier>'
    )


def _pki_path(court: Court) -> bytes:
    der = _der(court)
    return b"\x30\x82" + len(der).to_bytes(2, "big") + der


KEY_INFO_FORMS: dict[str, Callable[[Court], str]] = {
    "str-issuer-serial": lambda c: _str(_issuer_serial(c.certificate)),  # WSS4J IssuerSerial
    "x509data-issuer-serial": lambda c: _issuer_serial(c.certificate),  # XML-DSig, as xmlsec writes it
    "str-x509v3-identifier": lambda c: _identifier(X509V3, _der(c)),  # WSS4J X509KeyIdentifier
    "str-ski-identifier": lambda c: _identifier(X509_SKI, _ski(c)),  # WSS4J SKIKeyIdentifier
    "str-thumbprint": lambda c: _identifier(THUMBPRINT_SHA1, hashlib.sha1(_der(c)).digest()),  # WSS4J Thumbprint
    "str-embedded-token": lambda c: _str(
        f'<wsse:Embedded><wsse:BinarySecurityToken ValueType="{X509V3}">{_b64(_der(c))}'
        "</wsse:BinarySecurityToken></wsse:Embedded>"
    ),
    "x509data-certificate": lambda c: (
        f"<ds:X509Data><ds:X509Certificate>{_b64(_der(c))}</ds:X509Certificate></ds:X509Data>"
    ),
    "x509data-ski": lambda c: f"<ds:X509Data><ds:X509SKI>{_b64(_ski(c))}</ds:X509SKI></ds:X509Data>",
    "x509data-subject": lambda c: (
        f"<ds:X509Data><ds:X509SubjectName>{c.certificate.subject.rfc4514_string()}</ds:X509SubjectName></ds:X509Data>"
    ),
    "issuer-in-asn1-order": lambda c: _issuer_serial(c.certificate).replace(
        c.certificate.issuer.rfc4514_string(), "C=CN, O=某省高级人民法院, CN=Court CA\\, Signing"
    ),
    "issuer-hex-and-quoted": lambda c: _issuer_serial(c.certificate).replace(
        c.certificate.issuer.rfc4514_string(), 'CN="Court CA, Signing",O=某省高级人民法院,2.5.4.6=#1302434e'
    ),
    "str-direct-reference": lambda c: _str(f'<wsse:Reference URI="#B-1" ValueType="{X509V3}"/>'),  # the default
    "pkipath-token": lambda c: _str(f'<wsse:Reference URI="#P-1" ValueType="{X509_PKIPATH}"/>'),
}


def _token(form: str, court: Court) -> str:
    """The BinarySecurityToken a form refers to, if any, as it would sit in the Security header."""
    kind, token_id, value = (
        (X509_PKIPATH, "P-1", _pki_path(court)) if form == "pkipath-token" else (X509V3, "B-1", _der(court))
    )
    return (
        f'<wsse:BinarySecurityToken xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}" wsu:Id="{token_id}" ValueType="{kind}">'
        f"{_b64(value)}</wsse:BinarySecurityToken>"
        if form in ("pkipath-token", "str-direct-reference")
        else ""
    )


def _with_key_info(signed: bytes, content: str, extra_token: str = "") -> Any:
    envelope = parse(signed)
    key_info = envelope.find(f".//{{{DS}}}KeyInfo")
    for child in list(key_info):
        key_info.remove(child)
    key_info.append(etree.fromstring(f'<w xmlns:ds="{DS}" xmlns:wsse="{WSSE}">{content}</w>')[0])
    if extra_token:
        envelope.find(f".//{{{WSSE}}}Security").insert(0, etree.fromstring(extra_token))
    return envelope


@pytest.mark.parametrize("form", KEY_INFO_FORMS)
def test_every_way_of_naming_a_configured_certificate_is_accepted(court: Court, tmp_path: Path, form: str) -> None:
    """Direct reference (what the old verifier read with PrefixLists ignored: "the Timestamp was changed after
    signing"), issuer/serial (it said "unsigned"), and every sibling form."""
    signed = _signed(tmp_path, court, STYLES["cxf"])
    other = _issue(tmp_path, court.kind, name="other")  # a rotation: two configured certificates
    _verifier(other, court).verify(_with_key_info(signed, KEY_INFO_FORMS[form](court), _token(form, court)))


def test_a_certificate_without_the_ski_extension_is_found_by_its_computed_ski(tmp_path: Path) -> None:
    """RFC 5280 §4.2.1.2 method (1), as WSS4J computes it for such certificates."""
    court = _issue(tmp_path, "ec", ski=False)
    signed = _signed(tmp_path, court, STYLES["cxf"])
    computed = x509.SubjectKeyIdentifier.from_public_key(court.certificate.public_key()).digest
    _verifier(court).verify(_with_key_info(signed, _identifier(X509_SKI, computed)))


@pytest.mark.parametrize(
    ("form", "said"),
    [
        ("str-issuer-serial", "names a certificate by issuer/serial that is not configured: issuer=CN=Court CA"),
        ("x509data-issuer-serial", "names a certificate by issuer/serial that is not configured: issuer="),
        ("str-ski-identifier", "names a certificate by subject key identifier that is not configured: ski="),
        ("str-thumbprint", "names a certificate by SHA-1 thumbprint that is not configured: thumbprint="),
        ("str-x509v3-identifier", "the KeyIdentifier holds a certificate that is not configured: subject="),
        ("x509data-certificate", "the X509Certificate holds a certificate that is not configured: subject="),
    ],
)
def test_naming_a_certificate_that_is_not_configured_is_refused_saying_so(
    court: Court, tmp_path: Path, form: str, said: str
) -> None:
    """Never "unsigned": the reason names the certificate as the message named it."""
    signed = _signed(tmp_path, court, STYLES["cxf"])
    stranger = _issue(tmp_path, court.kind, name="stranger")
    with pytest.raises(SignatureInvalid) as caught:
        _verifier(court).verify(_with_key_info(signed, KEY_INFO_FORMS[form](stranger)))
    assert caught.value.reason == "unknown_key" and said in caught.value.detail
    if "issuer/serial" in said:
        assert f"serial={stranger.certificate.serial_number}" in caught.value.detail


def test_the_issue_s_message_names_issuer_and_serial_exactly(court: Court, tmp_path: Path) -> None:
    signed = _signed(tmp_path, court, STYLES["cxf"])
    wrong = _issuer_serial(court.certificate).replace(str(court.certificate.serial_number), "4242")
    with pytest.raises(SignatureInvalid) as caught:
        _verifier(court).verify(_with_key_info(signed, wrong))
    issuer = court.certificate.issuer.rfc4514_string()
    assert caught.value.detail == (
        f"the signature names a certificate by issuer/serial that is not configured: issuer={issuer}, serial=4242"
    )


@pytest.mark.parametrize(
    ("content", "reason", "said"),
    [
        (f'<ds:KeyValue xmlns:ds="{DS}"/>', "unknown_key", "names its key by KeyValue, which is not supported"),
        (f'<ds:KeyName xmlns:ds="{DS}">court</ds:KeyName>', "unknown_key", "by KeyName"),
        (_str('<wsse:Reference URI="#nowhere"/>'), "malformed", "names no BinarySecurityToken"),
        (_str('<wsse:KeyIdentifier ValueType="urn:saml">AA==</wsse:KeyIdentifier>'), "unknown_key", "not supported"),
        (
            "<ds:X509Data><ds:X509IssuerSerial><ds:X509IssuerName>CN=x</ds:X509IssuerName>"
            "<ds:X509SerialNumber>0x1F</ds:X509SerialNumber></ds:X509IssuerSerial></ds:X509Data>",
            "malformed",
            "decimal serial",
        ),
        ("<ds:X509Data/>", "unsigned", "names no certificate"),
        (
            "<ds:X509Data><ds:X509IssuerSerial><ds:X509IssuerName>CN=x</ds:X509IssuerName>"
            "<ds:X509SerialNumber>--5</ds:X509SerialNumber></ds:X509IssuerSerial></ds:X509Data>",
            "malformed",
            "decimal serial",
        ),
    ],
)
def test_key_references_that_cannot_name_a_configured_certificate_are_refused_with_the_reason(
    court: Court, tmp_path: Path, content: str, reason: str, said: str
) -> None:
    signed = _signed(tmp_path, court, STYLES["cxf"])
    with pytest.raises(SignatureInvalid) as caught:
        _verifier(court).verify(_with_key_info(signed, content))
    assert caught.value.reason == reason and said in caught.value.detail


def test_a_signed_answer_with_a_foreign_extra_reference_is_refused(court: Court, tmp_path: Path) -> None:
    """ProtectTokens may add the header's token; nothing else may ride along (e.g. an element outside the Body)."""
    template = _template(court, STYLES["cxf"]).replace(
        b"</ds:SignedInfo>", _reference("#KI-4", None).encode() + b"</ds:SignedInfo>"
    )
    signed = _xmlsec(tmp_path, court, "sign", template.replace(b'Id="KI-4"', b'wsu:Id="KI-4"')).stdout.encode()
    with pytest.raises(SignatureInvalid) as caught:
        _verifier(court).verify(parse(signed))
    assert caught.value.reason == "unsigned"


# ---- the poll that used to fail and open the breaker


def test_the_soap_connector_accepts_a_wss4j_signed_answer(court: Court, tmp_path: Path) -> None:
    """The whole path: the answer comes over HTTP, zeep parses it, our verifier accepts it, the poll succeeds."""
    signed = _signed(tmp_path, court, STYLES["cxf"])
    centre_key = ec.generate_private_key(ec.SECP256R1())
    centre = _issue(tmp_path, "ec", name="centre").certificate
    signer = WsseSigner(centre_key, centre, clock=lambda: NOW)  # the court does not check ours here
    endpoint = "http://127.0.0.1:9/ws/exchange"
    connector = CourtSoapPlatform("court", endpoint, signer, _verifier(court), clock=lambda: NOW)
    with responses.RequestsMock() as mock:
        mock.post(endpoint, body=signed, content_type="text/xml; charset=utf-8")
        assert connector.query_status(["x"]) == {"x": None}
        mock.replace(
            responses.POST,
            endpoint,
            body=signed.replace(b"08:05:00.123Z", b"08:05:00.124Z"),
            content_type="text/xml; charset=utf-8",
        )
        with pytest.raises(TransientError, match="WS-Security digest: the Timestamp was changed after signing"):
            connector.query_status(["x"])


def test_our_own_signature_still_verifies_against_xmlsec1_shape(court: Court) -> None:
    """Nothing changed for what we sign: no PrefixList, the BinarySecurityToken referenced."""
    key = serialization.load_pem_private_key(court.key_file.read_bytes(), None)
    envelope = parse(f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body><a>1</a></soap:Body></soap:Envelope>'.encode())
    WsseSigner(key, court.certificate, clock=lambda: NOW).sign(envelope)
    assert envelope.find(f".//{{{EXC_C14N}}}InclusiveNamespaces") is None
    _verifier(court).verify(copy.deepcopy(envelope))
