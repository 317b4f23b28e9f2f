"""Detached CMS signatures (signing/cms.py) against the OpenSSL 3 command line, both ways, per key kind: what we
sign `openssl cms -verify` accepts, and refuses after one changed byte; what `openssl cms -sign` makes we accept
and refuse alike. SM2: OpenSSL 3.0's `cms -sign` cannot sign with SM2, so its SM2 signature over the signed
attributes is made with `openssl pkeyutl` and spliced into our SignerInfo."""

import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import cms as acms  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from adapter.keys.wsse_files import make_wsse_files
from signing import cms, der
from signing.keyfiles import load_private_key

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="the openssl command line checks the signatures")
CONTENT = "调解协议 — agreement M-1\n".encode() * 50
KINDS = ("SM2", "RSA", "EC")


def _openssl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert OPENSSL is not None
    return subprocess.run([OPENSSL, *args], capture_output=True, text=True, cwd=cwd, timeout=30)


def _seal(
    tmp_path: Path, kind: str, *, now: datetime | None = None, name: str = "seal"
) -> tuple[object, x509.Certificate]:
    files = make_wsse_files(
        tmp_path, name, "CN=centre seal,O=调解中心,C=CN", now=now or datetime.now(UTC), algorithm=kind
    )
    return load_private_key(files.key), x509.load_pem_x509_certificate(files.written.read_bytes())


def _verify_with_openssl(tmp_path: Path, content: bytes, signature: bytes) -> subprocess.CompletedProcess[str]:
    (tmp_path / "doc.pdf").write_bytes(content)
    (tmp_path / "doc.pdf.p7s").write_bytes(signature)
    return _openssl(
        "cms", "-verify", "-binary", "-inform", "DER", "-in", "doc.pdf.p7s", "-content", "doc.pdf",
        "-CAfile", "seal.crt", "-out", "/dev/null", cwd=tmp_path,
    )  # fmt: skip


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


@needs_openssl
@pytest.mark.parametrize("kind", KINDS)
def test_openssl_verifies_our_detached_signature_and_refuses_a_changed_byte(tmp_path: Path, kind: str) -> None:
    key, certificate = _seal(tmp_path, kind)
    signature = cms.sign_detached(CONTENT, key, [certificate])
    checked = _verify_with_openssl(tmp_path, CONTENT, signature)
    assert checked.returncode == 0, checked.stderr
    assert "Verification successful" in checked.stderr
    changed = _verify_with_openssl(tmp_path, _flip(CONTENT, 100), signature)
    assert changed.returncode != 0 and "Verification failure" in changed.stderr
    forged = _verify_with_openssl(tmp_path, CONTENT, _flip(signature, len(signature) - 5))  # in the signature value
    assert forged.returncode != 0
    signer = cms.verify_detached(CONTENT, signature, [certificate])
    assert signer.subject == certificate.subject.rfc4514_string()
    assert signer.distid == ("" if kind == "SM2" else None)
    with pytest.raises(cms.CmsInvalid) as refused:
        cms.verify_detached(_flip(CONTENT, 100), signature, [certificate])
    assert refused.value.reason == cms.CmsInvalid.CONTENT_CHANGED
    with pytest.raises(cms.CmsInvalid) as refused:
        cms.verify_detached(CONTENT, _flip(signature, len(signature) - 5), [certificate])
    assert refused.value.reason == cms.CmsInvalid.MISMATCH


@needs_openssl
@pytest.mark.parametrize("kind", ["RSA", "EC"])
def test_we_verify_what_openssl_cms_signs_and_refuse_it_changed(tmp_path: Path, kind: str) -> None:
    _, certificate = _seal(tmp_path, kind)
    (tmp_path / "doc.pdf").write_bytes(CONTENT)
    made = _openssl(
        "cms", "-sign", "-binary", "-in", "doc.pdf", "-signer", "seal.crt", "-inkey", "seal.key", "-md", "sha256",
        "-outform", "DER", "-out", "doc.p7s", cwd=tmp_path,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    signature = (tmp_path / "doc.p7s").read_bytes()
    assert cms.verify_detached(CONTENT, signature, [certificate]).certificate == certificate
    with pytest.raises(cms.CmsInvalid, match="content_changed"):
        cms.verify_detached(_flip(CONTENT, 0), signature, [certificate])


@needs_openssl
def test_we_verify_an_sm2_signature_openssl_made_over_the_signed_attributes(tmp_path: Path) -> None:
    key, certificate = _seal(tmp_path, "SM2")
    info = acms.ContentInfo.load(cms.sign_detached(CONTENT, key, [certificate]))
    signer_info = info["content"]["signer_infos"][0]
    (tmp_path / "attrs.der").write_bytes(b"\x31" + signer_info["signed_attrs"].dump()[1:])
    made = _openssl(
        "pkeyutl", "-sign", "-rawin", "-digest", "sm3", "-inkey", "seal.key", "-in", "attrs.der", "-out", "sig.der",
        cwd=tmp_path,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    signer_info["signature"] = (tmp_path / "sig.der").read_bytes()
    spliced = info.dump(force=True)
    assert cms.verify_detached(CONTENT, spliced, [certificate]).distid == ""
    assert _verify_with_openssl(tmp_path, CONTENT, spliced).returncode == 0
    with pytest.raises(cms.CmsInvalid, match="content_changed"):
        cms.verify_detached(CONTENT + b" ", spliced, [certificate])


@pytest.mark.parametrize("kind", ["SM2", "EC"])
def test_a_signer_outside_the_trust_roots_or_its_validity_is_refused(tmp_path: Path, kind: str) -> None:
    key, certificate = _seal(tmp_path, kind)
    _, stranger = _seal(tmp_path, kind, name="stranger")
    signature = cms.sign_detached(CONTENT, key, [certificate])
    with pytest.raises(cms.CmsInvalid) as refused:
        cms.verify_detached(CONTENT, signature, [stranger])
    assert refused.value.reason == cms.CmsInvalid.UNTRUSTED
    with pytest.raises(cms.CmsInvalid) as refused:
        cms.verify_detached(CONTENT, signature, [certificate], at=datetime.now(UTC) + timedelta(days=900))
    assert refused.value.reason == cms.CmsInvalid.EXPIRED
    assert "not at" in refused.value.detail


@pytest.mark.parametrize("garbage", [b"", b"\x30\x03\x02\x01\x01", b"not DER at all"])
def test_what_is_not_cms_is_named_malformed(tmp_path: Path, garbage: bytes) -> None:
    _, certificate = _seal(tmp_path, "EC")
    with pytest.raises(cms.CmsInvalid) as refused:
        cms.verify_detached(CONTENT, garbage, [certificate])
    assert refused.value.reason == cms.CmsInvalid.MALFORMED


def test_a_key_that_is_not_the_certificates_is_refused_before_signing(tmp_path: Path) -> None:
    key, _ = _seal(tmp_path, "EC")
    _, other = _seal(tmp_path, "EC", name="other")
    with pytest.raises(ValueError, match="not the one certified"):
        cms.sign_detached(CONTENT, key, [other])
    with pytest.raises(ValueError, match="certificate_chain"):
        cms.sign_detached(CONTENT, key, [])


@needs_openssl
def test_a_gbt_35275_signature_with_its_own_identifiers_is_read_though_openssl_refuses_it(tmp_path: Path) -> None:
    """The same SignerInfo under GB/T 35275's signedData, data and sm2-1 identifiers (the signature algorithm is not
    signed, so the signature stands): we verify it; OpenSSL 3.0 cannot read it — why we write RFC 8998's."""
    key, certificate = _seal(tmp_path, "SM2")
    signed_data = acms.ContentInfo.load(cms.sign_detached(CONTENT, key, [certificate]))["content"]
    signed_data["signer_infos"][0]["signature_algorithm"] = {"algorithm": cms.GM_SM2_SIGN}
    signed_data["encap_content_info"]["content_type"] = cms.GM_DATA
    gm = der.sequence(der.oid(cms.GM_SIGNED_DATA), der.context(0, signed_data.dump(force=True)))
    signer = cms.verify_detached(CONTENT, gm, [certificate])
    assert signer.signature_algorithm == cms.GM_SM2_SIGN and signer.distid == ""
    with pytest.raises(cms.CmsInvalid, match="content_changed"):
        cms.verify_detached(_flip(CONTENT, 7), gm, [certificate])
    refused = _verify_with_openssl(tmp_path, CONTENT, gm)
    assert refused.returncode != 0 and "content type not signed data" in refused.stderr


@needs_openssl
@pytest.mark.parametrize("ca_distid", ["1234567812345678", ""])
def test_an_sm2_seal_certified_by_a_ca_chains_for_us_and_for_openssl(tmp_path: Path, ca_distid: str) -> None:
    """A CA made by openssl certifies the seal's SM2 key, its signature under GM/T 0015's ID or none. We chain to the
    CA either way. OpenSSL 3.0's `cms -verify` checks certificate signatures under the empty ID only (it has no
    -vfyopt): for a GM/T 0015 CA the court checks the chain with `openssl verify -vfyopt distid:…` and the
    signature with `cms -verify -noverify` — the README's procedure, run here."""
    sigopt = ("-sigopt", f"distid:{ca_distid}") if ca_distid else ()
    steps = [
        ("genpkey", "-algorithm", "SM2", "-out", "ca.key"),
        ("req", "-new", "-x509", "-key", "ca.key", "-sm3", *sigopt, "-subj", "/CN=Centre CA/C=CN", "-days", "30",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign", "-out", "ca.crt"),
        ("genpkey", "-algorithm", "SM2", "-out", "seal.key"),
        ("req", "-new", "-key", "seal.key", "-sm3", "-sigopt", "distid:1234567812345678", "-subj", "/CN=seal/C=CN",
         "-out", "seal.csr"),
        ("x509", "-req", "-in", "seal.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-sm3", *sigopt,
         "-vfyopt", "distid:1234567812345678", "-days", "20", "-out", "seal.crt"),
    ]  # fmt: skip
    for step in steps:
        done = _openssl(*step, cwd=tmp_path)
        assert done.returncode == 0, (step, done.stderr)
    ca, seal = (x509.load_pem_x509_certificate((tmp_path / f"{n}.crt").read_bytes()) for n in ("ca", "seal"))
    signature = cms.sign_detached(CONTENT, load_private_key(tmp_path / "seal.key"), [seal, ca])
    assert cms.verify_detached(CONTENT, signature, [ca]).subject == "C=CN,CN=seal"
    (tmp_path / "doc.pdf").write_bytes(CONTENT)
    (tmp_path / "doc.pdf.p7s").write_bytes(signature)
    verify = ("cms", "-verify", "-binary", "-inform", "DER", "-in", "doc.pdf.p7s", "-content", "doc.pdf")
    whole = _openssl(*verify, "-CAfile", "ca.crt", "-out", "/dev/null", cwd=tmp_path)
    if not ca_distid:
        assert whole.returncode == 0, whole.stderr
        return
    assert whole.returncode != 0  # the chain under the empty ID: OpenSSL 3.0 cannot take GM/T 0015's
    chain = _openssl("verify", "-vfyopt", "distid:1234567812345678", "-CAfile", "ca.crt", "seal.crt", cwd=tmp_path)
    assert chain.returncode == 0 and "seal.crt: OK" in chain.stdout, chain.stderr
    alone = _openssl(*verify, "-noverify", "-certfile", "seal.crt", "-out", "/dev/null", cwd=tmp_path)
    assert alone.returncode == 0 and "Verification successful" in alone.stderr, alone.stderr
    (tmp_path / "doc.pdf").write_bytes(_flip(CONTENT, 3))
    assert _openssl(*verify, "-noverify", "-out", "/dev/null", cwd=tmp_path).returncode != 0


def test_an_expired_seal_certificate_is_refused_at_signing_time(tmp_path: Path) -> None:
    key, certificate = _seal(tmp_path, "SM2")
    with pytest.raises(ValueError, match=r"is valid .* not at .*: renew it"):
        cms.sign_detached(CONTENT, key, [certificate], at=datetime.now(UTC) + timedelta(days=900))


def test_a_signer_certificate_not_for_signing_or_a_mismatched_content_type_is_refused(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "not a seal")])
    now = datetime.now(UTC)
    usage = x509.KeyUsage(False, False, False, False, True, False, False, False, False)  # keyAgreement only
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(7).not_valid_before(now - timedelta(minutes=1)).not_valid_after(now + timedelta(days=1))
        .add_extension(usage, critical=True).sign(key, hashes.SHA256())
    )  # fmt: skip
    signature = cms.sign_detached(CONTENT, key, [certificate])
    with pytest.raises(cms.CmsInvalid, match="neither digitalSignature nor nonRepudiation"):
        cms.verify_detached(CONTENT, signature, [certificate])
    seal_key, seal = _seal(tmp_path, "EC")
    info = acms.ContentInfo.load(cms.sign_detached(CONTENT, seal_key, [seal]))
    info["content"]["encap_content_info"]["content_type"] = "1.2.840.113549.1.7.2"  # claims signedData inside
    with pytest.raises(cms.CmsInvalid, match="is not id-data"):
        cms.verify_detached(CONTENT, info.dump(force=True), [seal])
