"""`docking keys wsse` files: a key and a self-signed certificate or a CSR, for RSA, EC P-256 and SM2, that OpenSSL
accepts independently and that load into the WS-Security settings and sign."""

import shutil
import stat
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from lxml import etree

from adapter.config.platform import WsseSettings
from adapter.keys.wsse_files import make_wsse_files
from adapter.platforms.signers import build_wsse
from signing.certificates import certificate_key, same_key
from signing.keyfiles import KeyFileError, load_private_key
from signing.wsse import SOAP, WsseVerifier

OPENSSL = shutil.which("openssl")
NOW = datetime.now(UTC).replace(microsecond=0)
SUBJECT = "CN=centre,O=某金融纠纷调解中心,C=CN"
SM2_ID = "distid:1234567812345678"  # GB/T 35275 / GM/T 0015: the default ID certificates are signed under
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="the openssl command line checks the files")


def _openssl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert OPENSSL is not None
    return subprocess.run([OPENSSL, *args], capture_output=True, text=True, cwd=cwd)


@needs_openssl
@pytest.mark.parametrize("algorithm", ["RSA", "EC", "SM2"])
def test_a_self_signed_certificate_verifies_with_openssl_and_signs_in_the_wsse_profile(
    tmp_path: Path, algorithm: str
) -> None:
    files = make_wsse_files(tmp_path, "centre", SUBJECT, now=NOW, algorithm=algorithm)
    assert stat.S_IMODE(files.key.stat().st_mode) == 0o600 and files.written.name == "centre.crt"
    text = _openssl("x509", "-in", "centre.crt", "-noout", "-text", cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert "CA:FALSE" in text.stdout and "Digital Signature, Non Repudiation" in text.stdout
    subject = _openssl("x509", "-in", "centre.crt", "-noout", "-subject", "-nameopt", "utf8", cwd=tmp_path)
    assert subject.stdout.strip() == "subject=C=CN, O=某金融纠纷调解中心, CN=centre"
    certificate = x509.load_pem_x509_certificate(files.written.read_bytes())
    if algorithm == "SM2":
        # OpenSSL 3.0 checks certificate signatures under an empty SM2 ID; GM/T 0015 certificates use the default
        # ID, so the signature over the TBSCertificate is checked the way the existing SM2 test does it.
        (tmp_path / "tbs.der").write_bytes(certificate.tbs_certificate_bytes)
        (tmp_path / "sig.der").write_bytes(certificate.signature)
        assert (
            _openssl("x509", "-in", "centre.crt", "-pubkey", "-noout", "-out", "pub.pem", cwd=tmp_path).returncode == 0
        )
        checked = _openssl(
            *("pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-digest", "sm3"),
            *("-pkeyopt", SM2_ID, "-in", "tbs.der", "-sigfile", "sig.der"),
            cwd=tmp_path,
        )
        assert "Signature Verified Successfully" in checked.stdout, checked.stdout + checked.stderr
    else:
        checked = _openssl("verify", "-check_ss_sig", "-CAfile", "centre.crt", "centre.crt", cwd=tmp_path)
        assert checked.returncode == 0 and "centre.crt: OK" in checked.stdout, checked.stdout + checked.stderr
    assert certificate.not_valid_before_utc <= NOW <= certificate.not_valid_after_utc
    assert certificate.not_valid_after_utc - NOW > timedelta(days=800)
    # The files are what [platforms.x.wsse] takes: they load, match, and sign an envelope a court verifies.
    settings = WsseSettings(key=files.key, certificate=files.written, court_certificates=[files.written])
    signer, _ = build_wsse(settings, platform="x")
    envelope = etree.fromstring(
        f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body><a xmlns="urn:t"/></soap:Body></soap:Envelope>'
    )
    signer.sign(envelope)
    assert WsseVerifier([certificate]).verify(envelope).signed_digest


@needs_openssl
@pytest.mark.parametrize("algorithm", ["RSA", "EC", "SM2"])
def test_a_signing_request_for_the_courts_ca_verifies_with_openssl(tmp_path: Path, algorithm: str) -> None:
    files = make_wsse_files(tmp_path, "centre", SUBJECT, now=NOW, algorithm=algorithm, request=True)
    assert files.written.name == "centre.csr" and not (tmp_path / "centre.crt").exists()
    options = ("-vfyopt", SM2_ID) if algorithm == "SM2" else ()
    checked = _openssl("req", "-in", "centre.csr", "-noout", "-verify", *options, "-text", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "verify OK" in checked.stdout + checked.stderr
    assert "Digital Signature, Non Repudiation" in checked.stdout
    requested = _openssl("req", "-in", "centre.csr", "-noout", "-pubkey", cwd=tmp_path).stdout
    assert requested and requested == _openssl("pkey", "-in", "centre.key", "-pubout", cwd=tmp_path).stdout


def _public(path: Path) -> object:
    return load_private_key(path).public_key()


def test_a_renewal_certifies_the_existing_key_and_never_overwrites(tmp_path: Path) -> None:
    first = make_wsse_files(tmp_path, "centre", SUBJECT, now=NOW, algorithm="EC")
    before = first.key.read_bytes()
    with pytest.raises(KeyFileError, match="already exists"):
        make_wsse_files(tmp_path, "centre", SUBJECT, now=NOW, algorithm="EC")
    renewed = make_wsse_files(tmp_path, "centre-2027", SUBJECT, now=NOW, key_file=first.key)
    assert renewed.key == first.key and first.key.read_bytes() == before
    certificate = x509.load_pem_x509_certificate(renewed.written.read_bytes())
    assert same_key(certificate_key(certificate), _public(first.key))


@pytest.mark.parametrize(
    ("subject", "algorithm", "message"),
    [
        ("centre", "RSA", "is not a name"),
        ("", "RSA", "is not a name"),
        ("CN=centre", "DSA", "is not one of RSA, EC, SM2"),
    ],
)
def test_a_bad_subject_or_algorithm_is_named_and_writes_nothing(
    tmp_path: Path, subject: str, algorithm: str, message: str
) -> None:
    with pytest.raises(KeyFileError, match=message):
        make_wsse_files(tmp_path / "w", "centre", subject, now=NOW, algorithm=algorithm)
    assert not (tmp_path / "w").exists() or not any((tmp_path / "w").iterdir())
