"""Interop: independent implementations verify what we sign, and we verify what they sign.

JWS against joserfc and jwcrypto (and the RFC 7797 example); SM2 against the OpenSSL 3 command line; Standard
Webhooks against its known-answer vector and the `standardwebhooks` package.
"""

import base64
import hashlib
import hmac
import json
import shutil
import subprocess
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import standardwebhooks
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jws as joserfc_jws
from joserfc.jwk import import_key
from joserfc.registry import HeaderParameter
from jwcrypto import jwk as jwcrypto_jwk
from jwcrypto import jws as jwcrypto_jws

from signing.base import PublicKeyEntry, b64url
from signing.jws import HEADER, JwsSigner, JwsVerifier, algorithm_of, signing_input
from signing.keyfiles import generate_keypair, load_private_key, load_public_key
from signing.sm2 import Sm2Signer, Sm2Verifier, signed_message
from signing.webhooks import WebhookSigner, WebhookVerifier, parse_secret

pytestmark = pytest.mark.integration

BODY = '{"xxbh":"M-1","ajbs":"0104-1","nr":{"bz":"已受理 — 调解中"}}'.encode()
NOW = datetime.now(UTC)

KEYS = {
    "EdDSA": Ed25519PrivateKey.generate,
    "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "PS256": lambda: rsa.generate_private_key(65537, 2048),
}
_JOSERFC = joserfc_jws.JWSRegistry(
    header_registry={
        "msgid": HeaderParameter("message id", "str"),
        "iat": HeaderParameter("issued at", "int"),
        "tgt": HeaderParameter("request target", "str"),
    },
    algorithms=list(KEYS),
)


def _pem(key: Any) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.mark.parametrize("alg", list(KEYS))
def test_jwcrypto_verifies_our_detached_jws(alg: str) -> None:
    """jwcrypto accepts our RFC 7797 detached JWS with the body supplied separately."""
    key = KEYS[alg]()
    headers = JwsSigner(key, "k1").sign(BODY, message_id="M-1", at=NOW)
    token = jwcrypto_jws.JWS()
    token.deserialize(headers[HEADER])
    token.verify(jwcrypto_jwk.JWK.from_pem(_pem(key)), detached_payload=BODY)
    assert token.jose_header["kid"] == "k1" and token.jose_header["b64"] is False


@pytest.mark.parametrize("alg", list(KEYS))
def test_joserfc_verifies_our_detached_jws(alg: str) -> None:
    """joserfc accepts our JWS once the unencoded payload is put back between the dots (RFC 7797 §5)."""
    key = KEYS[alg]()
    encoded, _, signature = JwsSigner(key, "k1").sign(BODY, message_id="M-1", at=NOW)[HEADER].split(".")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joserfc flags "EdDSA" as superseded by "Ed25519" (RFC 9864)
        result = joserfc_jws.deserialize_compact(
            f"{encoded}.{BODY.decode()}.{signature}", import_key(_pem(key)), registry=_JOSERFC
        )
    assert result.payload == BODY


@pytest.mark.parametrize("alg", list(KEYS))
def test_we_verify_a_detached_jws_made_by_joserfc(alg: str) -> None:
    """A JWS signed by joserfc, detached, verifies with our verifier."""
    key = KEYS[alg]()
    header = {"alg": alg, "b64": False, "crit": ["b64"], "kid": "k1", "msgid": "M-9", "iat": int(NOW.timestamp())}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        token = joserfc_jws.serialize_compact(header, BODY, import_key(pem), registry=_JOSERFC)
    detached = joserfc_jws.detach_content(token)
    verified = JwsVerifier({"k1": PublicKeyEntry("k1", key.public_key(), algorithm_of(key))}).verify(
        BODY, {HEADER: detached}
    )
    assert verified.message_id == "M-9"


def test_we_verify_a_detached_jws_made_by_jwcrypto() -> None:
    """A jwcrypto-made ES256 detached JWS verifies with our verifier."""
    key = KEYS["ES256"]()
    token = jwcrypto_jws.JWS(BODY)
    token.add_signature(
        jwcrypto_jwk.JWK.from_pem(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        None,
        json.dumps({"alg": "ES256", "b64": False, "crit": ["b64"], "kid": "k1", "msgid": "M-7"}),
    )
    detached = token.serialize(compact=True)
    encoded, _, signature = detached.split(".")
    verified = JwsVerifier({"k1": PublicKeyEntry("k1", key.public_key(), "ES256")}).verify(
        BODY, {HEADER: f"{encoded}..{signature}"}
    )
    assert verified.message_id == "M-7"


def test_rfc7797_unencoded_payload_example_signing_input() -> None:
    """RFC 7797 §4.2: our signing input, MACed with the RFC 7515 A.1 key, gives the RFC's signature."""
    key = base64.urlsafe_b64decode(
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow=="
    )
    protected = "eyJhbGciOiJIUzI1NiIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19"
    assert json.loads(base64.urlsafe_b64decode(protected + "==")) == {"alg": "HS256", "b64": False, "crit": ["b64"]}
    mac = hmac.new(key, signing_input(protected, b"$.02"), hashlib.sha256).digest()
    assert f"{protected}..{b64url(mac)}" == (
        "eyJhbGciOiJIUzI1NiIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19..A5dxf2s96_n5FLueVuW1Z_vh161FwXZC4YLPff6dmDY"
    )


# ---- SM2 against the OpenSSL 3 command line

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="the openssl command line is not installed")


def _openssl(*args: str) -> subprocess.CompletedProcess[str]:
    assert OPENSSL is not None
    return subprocess.run([OPENSSL, *args], capture_output=True, text=True, timeout=30)


@needs_openssl
@pytest.mark.parametrize("distid", ["1234567812345678", "court-A@example.gov.cn"])
def test_openssl_verifies_our_sm2_signatures(tmp_path: Path, distid: str) -> None:
    """`openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:…` accepts what Sm2Signer signs."""
    files = generate_keypair(tmp_path, "k1", "SM2")
    headers = Sm2Signer(load_private_key(files.private), "k1", distid=distid).sign(BODY, message_id="N-1", at=NOW)
    (tmp_path / "m").write_bytes(signed_message(headers["X-Timestamp"], "N-1", "", BODY))
    (tmp_path / "s").write_bytes(base64.b64decode(headers["X-Signature"]))
    result = _openssl(
        "pkeyutl",
        "-verify",
        "-in",
        str(tmp_path / "m"),
        "-rawin",
        "-digest",
        "sm3",
        "-pkeyopt",
        f"distid:{distid}",
        "-pubin",
        "-inkey",
        str(files.public),
        "-sigfile",
        str(tmp_path / "s"),
    )
    assert "Signature Verified Successfully" in result.stdout, result.stderr
    wrong = _openssl(
        "pkeyutl",
        "-verify",
        "-in",
        str(tmp_path / "m"),
        "-rawin",
        "-digest",
        "sm3",
        "-pkeyopt",
        "distid:someone-else",
        "-pubin",
        "-inkey",
        str(files.public),
        "-sigfile",
        str(tmp_path / "s"),
    )
    assert "Signature Verified Successfully" not in wrong.stdout


@needs_openssl
def test_we_verify_sm2_signatures_made_by_openssl(tmp_path: Path) -> None:
    """An SM2 key and signature made entirely by the OpenSSL CLI verify with Sm2Verifier."""
    key, pub = tmp_path / "court.key", tmp_path / "court.pub"
    assert _openssl("genpkey", "-algorithm", "SM2", "-out", str(key)).returncode == 0
    assert _openssl("pkey", "-in", str(key), "-pubout", "-out", str(pub)).returncode == 0
    timestamp = str(int(NOW.timestamp()))
    (tmp_path / "m").write_bytes(signed_message(timestamp, "N-2", "", BODY))
    signed = _openssl(
        "pkeyutl",
        "-sign",
        "-in",
        str(tmp_path / "m"),
        "-rawin",
        "-digest",
        "sm3",
        "-pkeyopt",
        "distid:1234567812345678",
        "-inkey",
        str(key),
        "-out",
        str(tmp_path / "s"),
    )
    assert signed.returncode == 0, signed.stderr
    headers = {
        "X-Key-Id": "court",
        "X-Timestamp": timestamp,
        "X-Nonce": "N-2",
        "X-Signature": base64.b64encode((tmp_path / "s").read_bytes()).decode(),
    }
    verifier = Sm2Verifier({"court": PublicKeyEntry("court", load_public_key(pub), "SM2")})
    assert verifier.verify(BODY, headers).key_id == "court"


# ---- Standard Webhooks


def test_standard_webhooks_known_answer_vector() -> None:
    """The specification's example: this secret, id, timestamp and payload give exactly this v1 signature."""
    headers = WebhookSigner([parse_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]).sign(
        b'{"test": 2432232314}', message_id="msg_p5jXN8AQM9LWM0D4loKWxJek", at=datetime.fromtimestamp(1614265330, UTC)
    )
    assert headers["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_standardwebhooks_package_verifies_our_v1_signatures() -> None:
    """The reference package accepts our v1 signature (and would refuse a changed body)."""
    secret = "whsec_" + base64.b64encode(b"k" * 24).decode()
    headers = WebhookSigner([parse_secret(secret)]).sign(BODY, message_id="msg_1", at=datetime.now(UTC))
    assert standardwebhooks.Webhook(secret).verify(BODY, headers) is not None
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(secret).verify(BODY + b" ", headers)


def test_we_verify_what_the_standardwebhooks_package_signs() -> None:
    """A signature made by the reference package verifies with our WebhookVerifier."""
    secret = "whsec_" + base64.b64encode(b"q" * 24).decode()
    now = datetime.now(UTC)
    signature = standardwebhooks.Webhook(secret).sign("msg_2", now, BODY.decode())
    headers = {"webhook-id": "msg_2", "webhook-timestamp": str(int(now.timestamp())), "webhook-signature": signature}
    entry = PublicKeyEntry("centre", parse_secret(secret), "v1")
    assert WebhookVerifier({"centre": entry}).verify(BODY, headers).message_id == "msg_2"
