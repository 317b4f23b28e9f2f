"""The seal's certificate for a keyring key (adapter/keys/seal_certificate.py) as OpenSSL reads it — self-signed
certificate and PKCS #10 request for ES256, PS256 and SM2 keyrings — signing a detached CMS `openssl cms -verify`
accepts; each bad option refused naming it; and the expiry watch's verdict per certificate (a fake clock)."""

import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509

from adapter.config.settings import Settings
from adapter.errors import InvalidRequest
from adapter.keys import certificate_watch
from adapter.keys.keyring import Keyring
from adapter.keys.seal_certificate import SealSubject, make
from adapter.keys.wsse_files import make_wsse_files
from signing import cms

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="the openssl command line checks the files")
NOW = datetime.now(UTC).replace(microsecond=0)
USCC = "91350100M000100Y43"
SUBJECT = SealSubject("某调解中心电子印章", "某调解中心", "CN", USCC)
SM2_ID = "distid:1234567812345678"  # GM/T 0015: certificates and requests are signed under the default ID


def _openssl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert OPENSSL is not None
    return subprocess.run([OPENSSL, *args], capture_output=True, text=True, cwd=cwd, timeout=30)


def _keyring(tmp_path: Path, algorithm: str) -> Keyring:
    keyring = Keyring.open(tmp_path / "ring", create=True)
    keyring.generate("seal-1", algorithm, NOW)
    keyring.save()
    return keyring


@needs_openssl
@pytest.mark.parametrize("algorithm", ["ES256", "PS256", "SM2"])
def test_the_seal_certificate_and_request_verify_with_openssl_and_the_certificate_seals(
    tmp_path: Path, algorithm: str
) -> None:
    keyring = _keyring(tmp_path, algorithm)
    written = make(keyring, SUBJECT, NOW, request=False, days=90)
    ring = keyring.directory
    assert written.path == ring / "seal-1.crt" and written.not_after == NOW + timedelta(days=90)
    text = _openssl("x509", "-in", "seal-1.crt", "-noout", "-text", "-nameopt", "utf8", cwd=ring)
    assert text.returncode == 0, text.stderr
    assert "Digital Signature, Non Repudiation" in text.stdout
    assert f"organizationIdentifier={USCC}" in text.stdout.replace(" = ", "=")
    assert "CN=某调解中心电子印章" in text.stdout.replace(" = ", "=")
    certificate = x509.load_pem_x509_certificate(written.path.read_bytes())
    if algorithm == "SM2":  # OpenSSL 3.0's -check_ss_sig ignores -vfyopt distid: the signature is checked alone
        (ring / "tbs.der").write_bytes(certificate.tbs_certificate_bytes)
        (ring / "sig.der").write_bytes(certificate.signature)
        assert _openssl("x509", "-in", "seal-1.crt", "-pubkey", "-noout", "-out", "pub.pem", cwd=ring).returncode == 0
        checked = _openssl(
            *("pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-digest", "sm3"),
            *("-pkeyopt", SM2_ID, "-in", "tbs.der", "-sigfile", "sig.der"),
            cwd=ring,
        )
        assert "Signature Verified Successfully" in checked.stdout, checked.stdout + checked.stderr
    else:
        checked = _openssl("verify", "-check_ss_sig", "-CAfile", "seal-1.crt", "seal-1.crt", cwd=ring)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    # the seal path: the keyring's key and this certificate make a CMS the court's openssl accepts
    (ring / "agreement.pdf").write_bytes(b"%PDF-1.7 agreement")
    (ring / "agreement.pdf.p7s").write_bytes(
        cms.sign_detached(b"%PDF-1.7 agreement", keyring.private_key(keyring.active(NOW)), [certificate])
    )
    verified = _openssl(
        "cms", "-verify", "-binary", "-inform", "DER", "-in", "agreement.pdf.p7s", "-content", "agreement.pdf",
        "-CAfile", "seal-1.crt", "-out", "/dev/null", cwd=ring,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    request = make(keyring, SUBJECT, NOW, request=True)
    assert request.path == ring / "seal-1.csr" and request.not_after is None
    options = ("-vfyopt", SM2_ID) if algorithm == "SM2" else ()
    checked = _openssl("req", "-in", "seal-1.csr", "-noout", "-verify", *options, "-text", cwd=ring)
    assert checked.returncode == 0 and "verify OK" in checked.stdout + checked.stderr, checked.stderr
    assert "Digital Signature, Non Repudiation" in checked.stdout


@pytest.mark.parametrize(
    ("subject", "days", "field"),
    [
        (SealSubject(""), 365, "cn"),
        (SealSubject("x" * 65), 365, "cn"),
        (SealSubject("seal", country="CHN"), 365, "country"),
        (SealSubject("seal", country="1N"), 365, "country"),
        (SealSubject("seal", organisation="o" * 65), 365, "org"),
        (SealSubject("seal", uscc="91350100M000100Y44"), 365, "uscc"),  # the check character is wrong
        (SealSubject("seal"), 0, "days"),
        (SealSubject("seal"), 3651, "days"),
    ],
)
def test_a_bad_option_is_refused_naming_it_and_nothing_is_written(
    tmp_path: Path, subject: SealSubject, days: int, field: str
) -> None:
    keyring = _keyring(tmp_path, "ES256")
    with pytest.raises(InvalidRequest) as refused:
        make(keyring, subject, NOW, request=False, days=days)
    assert refused.value.field == field and f"--{field}" in str(refused.value)
    assert not (keyring.directory / "seal-1.crt").exists()


def test_an_eddsa_key_or_an_existing_file_is_refused(tmp_path: Path) -> None:
    keyring = _keyring(tmp_path, "EdDSA")
    with pytest.raises(InvalidRequest, match="EdDSA: a seal needs ES256, PS256, SM2") as refused:
        make(keyring, SUBJECT, NOW, request=True)
    assert refused.value.field == "key_id"
    other = _keyring(tmp_path / "b", "ES256")
    make(other, SUBJECT, NOW, request=False)
    with pytest.raises(InvalidRequest, match="already exists") as refused:
        make(other, SUBJECT, NOW, request=False)
    assert refused.value.field == "out"


@pytest.mark.parametrize(
    ("offset_days", "state"),
    [(-1, "not_yet_valid"), (0, "ok"), (9, "ok"), (11, "expiring"), (40, "expiring"), (41, "expired")],
)
def test_the_watch_says_ok_expiring_or_expired_by_the_clock(tmp_path: Path, offset_days: int, state: str) -> None:
    files = make_wsse_files(tmp_path, "seal", "CN=seal,C=CN", now=NOW, algorithm="EC", days=40)
    found = certificate_watch.status_of("seal", files.written, NOW + timedelta(days=offset_days), timedelta(days=30))
    assert found.state == state, found.detail
    assert found.needs_attention is (state != "ok")
    assert found.subject == "CN=seal,C=CN" and found.not_after is not None


def test_a_file_that_is_not_a_certificate_is_unreadable_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "seal.crt").write_text("not a certificate")
    for path in (tmp_path / "seal.crt", tmp_path / "missing.crt"):
        found = certificate_watch.status_of("seal", path, NOW, timedelta(days=30))
        assert found.state == "unreadable" and str(path) in found.detail


def test_the_watch_covers_a_soap_platforms_wsse_certificate_and_its_keyring(tmp_path: Path) -> None:
    """What it watches comes from the settings: [platforms.x.wsse] certificate, each file once, and *.crt files in
    the platform's keyring folder (the seal certificate `docking keys cert` writes there)."""
    files = make_wsse_files(tmp_path, "centre", "CN=centre,C=CN", now=NOW, algorithm="EC", days=20)
    keyring = _keyring(tmp_path, "ES256")
    make(keyring, SUBJECT, NOW, request=False, days=400)
    platform = {
        "base_url": "http://127.0.0.1:9",
        "transport": "soap",
        "signing": {"keyring": str(keyring.directory), "court_keys": {"c": str(files.written)}},
        "wsse": {"key": str(files.key), "certificate": str(files.written), "court_certificates": [str(files.written)]},
    }
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'd.db'}", platforms={"gz": platform})
    found = {c.label: c.state for c in certificate_watch.statuses(settings, NOW)}
    assert found == {"gz:wsse": "expiring", "gz:seal-1.crt": "ok"}
    settings.alerts.certificate_expiry_days = 10
    assert {c.label: c.state for c in certificate_watch.statuses(settings, NOW)}["gz:wsse"] == "ok"
