"""What signing/cms.py refuses beyond a bad signature: an issuer that may not issue (RFC 5280 §6.1.4), an
eContentType that is not data, ambiguous signed attributes (RFC 5652 §11), and — fuzzed — any malformed input,
always as CmsInvalid and never another exception."""

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from asn1crypto import cms as acms  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from signing import cms
from signing.errors import SignatureInvalid

CONTENT = b"%PDF-1.7 agreement M-1\n" * 20
NOW = datetime.now(UTC)
SEAL_USAGE = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
CA_USAGE = x509.KeyUsage(False, False, False, False, False, True, True, False, False)


def _certificate(
    name: str, key: Any, issuer: tuple[str, Any] | None, *, ca: bool, path_length: int | None = None, usage: Any = None
) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issuer_name, issuer_key = issuer or (name, key)
    builder = (
        x509.CertificateBuilder().subject_name(subject)
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1)).not_valid_after(NOW + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True)
    )  # fmt: skip
    if usage is not None:
        builder = builder.add_extension(usage, critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def _key() -> Any:
    return ec.generate_private_key(ec.SECP256R1())


ROOT_KEY, MIDDLE_KEY, SEAL_KEY = _key(), _key(), _key()
ROOT = _certificate("Centre Root", ROOT_KEY, None, ca=True, path_length=0, usage=CA_USAGE)


def _seal_under(issuer: x509.Certificate, issuer_key: Any) -> x509.Certificate:
    name = issuer.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    return _certificate("Mediation Centre Seal", SEAL_KEY, (str(name), issuer_key), ca=False, usage=SEAL_USAGE)


def _issuers() -> dict[str, x509.Certificate]:
    root = ("Centre Root", ROOT_KEY)
    return {
        "an end-entity certificate": _certificate("Clerk", MIDDLE_KEY, root, ca=False, usage=SEAL_USAGE),
        "a CA without keyCertSign": _certificate("Clerk", MIDDLE_KEY, root, ca=True, usage=SEAL_USAGE),
        "a CA below a pathLenConstraint of 0": _certificate("Clerk", MIDDLE_KEY, root, ca=True, usage=CA_USAGE),
    }


def test_a_seal_issued_by_the_root_itself_verifies() -> None:
    seal = _seal_under(ROOT, ROOT_KEY)
    signer = cms.verify_detached(CONTENT, cms.sign_detached(CONTENT, SEAL_KEY, [seal]), [ROOT])
    assert signer.subject == "CN=Mediation Centre Seal"


@pytest.mark.parametrize("case", list(_issuers()))
def test_a_certificate_issued_by_one_that_may_not_issue_is_untrusted(case: str) -> None:
    """The path seal → issuer → root is signed and named right all through; only the issuer's right to issue is
    wrong, which is all RFC 5280 §6.1.4 (k)–(n) adds."""
    issuer = _issuers()[case]
    seal = _seal_under(issuer, MIDDLE_KEY)
    signature = cms.sign_detached(CONTENT, SEAL_KEY, [seal, issuer])
    with pytest.raises(cms.CmsInvalid) as refused:
        cms.verify_detached(CONTENT, signature, [ROOT])
    assert refused.value.reason == cms.CmsInvalid.UNTRUSTED
    assert ("Centre Root" if "pathLen" in case else "Clerk") in refused.value.detail  # who broke the rule
    assert isinstance(refused.value, SignatureInvalid)


def _signed_data() -> acms.ContentInfo:
    seal = _seal_under(ROOT, ROOT_KEY)
    return acms.ContentInfo.load(cms.sign_detached(CONTENT, SEAL_KEY, [seal]))


def _add_attribute(info: acms.ContentInfo, attribute: dict[str, Any]) -> bytes:
    attributes = info["content"]["signer_infos"][0]["signed_attrs"]
    info["content"]["signer_infos"][0]["signed_attrs"] = acms.CMSAttributes([*attributes, attribute])
    return bytes(info.dump(force=True))


def _twice(attribute: str) -> bytes:
    info = _signed_data()
    original = info["content"]["signer_infos"][0]["signed_attrs"]
    values = next(a["values"] for a in original if a["type"].native == attribute)
    return _add_attribute(info, {"type": attribute, "values": list(values)})


def _two_values(attribute: str) -> bytes:
    info = _signed_data()
    attributes = info["content"]["signer_infos"][0]["signed_attrs"]
    for item in attributes:
        if item["type"].native == attribute:
            item["values"] = [*item["values"], item["values"][0]]
    info["content"]["signer_infos"][0]["signed_attrs"] = acms.CMSAttributes(list(attributes))
    return bytes(info.dump(force=True))


@pytest.mark.parametrize("attribute", ["content_type", "message_digest", "signing_time"])
@pytest.mark.parametrize(("make", "said"), [(_twice, "appears twice"), (_two_values, "2 values")])
def test_a_signed_attribute_given_twice_or_with_two_values_is_malformed(attribute: str, make: Any, said: str) -> None:
    with pytest.raises(cms.CmsInvalid, match=said) as refused:
        cms.verify_detached(CONTENT, make(attribute), [ROOT])
    assert refused.value.reason == cms.CmsInvalid.MALFORMED and attribute in refused.value.detail


@pytest.mark.parametrize("content_type", ["1.2.840.113549.1.7.5", "1.2.3.4"])  # digestedData, something else
def test_an_econtent_type_other_than_data_is_refused(content_type: str) -> None:
    info = _signed_data()
    info["content"]["encap_content_info"]["content_type"] = content_type
    attributes = info["content"]["signer_infos"][0]["signed_attrs"]
    for item in attributes:
        if item["type"].native == "content_type":
            item["values"] = [content_type]  # signed the same: only the type itself is wrong
    info["content"]["signer_infos"][0]["signed_attrs"] = acms.CMSAttributes(list(attributes))
    with pytest.raises(cms.CmsInvalid, match="not id-data") as refused:
        cms.verify_detached(CONTENT, info.dump(force=True), [ROOT])
    assert refused.value.reason == cms.CmsInvalid.MALFORMED


def _mutate(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(out))
        choice = rng.random()
        if choice < 0.6:
            out[at] = rng.randrange(256)
        elif choice < 0.8:
            del out[at : at + rng.randint(1, 16)]
        else:
            out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(out)


def test_mutated_signatures_verify_or_are_refused_as_cms_invalid_never_another_exception() -> None:
    seal = _seal_under(ROOT, ROOT_KEY)
    good = cms.sign_detached(CONTENT, SEAL_KEY, [seal])
    rng = random.Random(20)
    refused = 0
    for _ in range(400):
        try:
            cms.verify_detached(CONTENT, _mutate(good, rng), [ROOT])
        except cms.CmsInvalid:
            refused += 1
    assert refused > 300
