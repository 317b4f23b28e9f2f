"""Wire a sandbox court to one adapter platform under a signature profile: keys on both sides, in a folder.

The centre's keys live in a keyring as `docking keys generate` makes them; the court's key pair is the
sandbox's own. Used by the demo, the integration tests and the benchmarks, so all three sign for real.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from pydantic import SecretStr

from adapter.config.platform import PlatformSettings, Profile, SigningSettings, WsseSettings
from adapter.keys.keyring import Keyring
from sandbox.court import CourtCore, SandboxConfig
from sandbox.rest import SandboxServer
from sandbox.server import BaseSandboxServer
from sandbox.soap import SoapCourt, SoapSandboxServer
from sandbox.soap import render as soap_render
from signing.base import MessageSigner, MessageVerifier, PublicKeyEntry
from signing.hmac_appkey import HmacSigner, HmacVerifier
from signing.keyfiles import generate_keypair, load_private_key
from signing.profiles import Sm2Form, key_signer, key_verifier
from signing.wsse import WsseSigner, WsseVerifier

CENTRE_KEY_ID = "centre-2026-01"


@dataclass(frozen=True)
class Pairing:
    core: CourtCore
    signing: SigningSettings  # the adapter's side of the same arrangement
    soap: SoapCourt | None = None  # a SOAP court: its WebService around the core …
    wsse: WsseSettings | None = None  # … and the adapter's WS-Security files for it

    def serve(self, **kwargs: Any) -> BaseSandboxServer:
        """Start this court's server on loopback (REST, or the SOAP WebService)."""
        server: BaseSandboxServer = (
            SandboxServer(self.core, **kwargs) if self.soap is None else SoapSandboxServer(self.soap, **kwargs)
        )
        return server.start()

    def platform(self, server: BaseSandboxServer, **settings: Any) -> PlatformSettings:
        """The adapter's settings for this court, served by `server`."""
        if isinstance(server, SoapSandboxServer):
            return PlatformSettings(
                transport="soap", base_url=server.endpoint, signing=self.signing, wsse=self.wsse, **settings
            )
        return PlatformSettings(base_url=server.url, signing=self.signing, **settings)

    # ---- drift for reconciliation (the same as POST /sandbox/forget|alter|lose|reset-feed on the control API)

    def forget(self, ajbs: str) -> None:
        """The court loses the case and its memory of every message applied to it."""
        self.core.forget(ajbs)

    def alter(self, ajbs: str, status: str) -> None:
        """The court's status of the case is edited by hand (a court status code such as "30")."""
        self.core.alter(ajbs, status)

    def lose(self, ajbs: str, count: int = 1) -> list[str]:
        """The court rolls the case back as if its last `count` applied messages never arrived."""
        return self.core.lose(ajbs, count)

    def reset_feed(self, answer: str = "position") -> None:
        """The court's feeds restart from 1 behind the adapter's cursor (POST /sandbox/reset-feed)."""
        self.core.reset_feed(answer)


def control(server: BaseSandboxServer, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """Call a running sandbox's control API (POST /sandbox/<path>) with its bearer token, as an integrator would."""
    import requests  # only callers of the control API need it

    answer = requests.post(
        f"{server.url}/sandbox/{path}",
        json=payload or {},
        headers={"Authorization": f"Bearer {server.control_token}"},
        timeout=10,
    )
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    return result


def pair(
    workdir: Path,
    config: SandboxConfig | None = None,
    *,
    profile: Profile = "jws-detached",
    algorithm: str = "EdDSA",
    distid: str = "1234567812345678",
    transport: Literal["rest", "soap"] = "rest",
    wsse_algorithm: Literal["rsa", "ec"] = "rsa",
) -> Pairing:
    config = config or SandboxConfig()
    if transport == "soap":
        return _with_soap(
            pair(workdir, config, profile=profile, algorithm=algorithm, distid=distid), workdir, wsse_algorithm
        )
    court_signer, centre_verifier, signing = arrange_keys(
        workdir, profile=profile, algorithm=algorithm, distid=distid, counterpart_key_id=config.court_key_id
    )
    return Pairing(CourtCore(config, court_signer, centre_verifier), signing)


def arrange_keys(
    workdir: Path,
    *,
    profile: Profile = "jws-detached",
    algorithm: str = "EdDSA",
    distid: str = "1234567812345678",
    counterpart_key_id: str = "court-2026-01",
    counterpart: str = "court",
) -> tuple[MessageSigner, MessageVerifier, SigningSettings]:
    """Keys on both sides under `profile`: the counterpart's signer (a court's, or an institution desk's), its
    verifier of the centre's requests, and the adapter's signing settings for the same arrangement."""
    court_signer: MessageSigner
    centre_verifier: MessageVerifier
    if profile == "hmac-appkey":
        centre_secret, court_secret = secrets.token_hex(32), secrets.token_hex(32)
        court_signer = HmacSigner(f"{counterpart}-app", court_secret.encode())
        centre_verifier = HmacVerifier(
            {"centre-app": PublicKeyEntry("centre-app", centre_secret.encode(), "HMAC-SHA256")}
        )
        signing = SigningSettings(
            profile=profile,
            app_key="centre-app",
            app_secret=SecretStr(centre_secret),
            court_app_key=f"{counterpart}-app",
            court_app_secret=SecretStr(court_secret),
        )
        return court_signer, centre_verifier, signing
    algorithm = "SM2" if profile == "sm2-sm3" else algorithm
    keyring = Keyring.open(workdir / "keys" / "centre", create=True)
    record = keyring.generate(CENTRE_KEY_ID, algorithm, datetime.now(UTC))
    keyring.save()
    court = generate_keypair(workdir / "keys" / counterpart, counterpart_key_id, algorithm)
    court_key = load_private_key(court.private)
    centre_public = {record.key_id: PublicKeyEntry(record.key_id, keyring.public_key(record), algorithm)}
    court_signer = key_signer(profile, court_key, counterpart_key_id, Sm2Form(distid=distid))
    centre_verifier = key_verifier(profile, centre_public, Sm2Form(distid=distid))
    signing = SigningSettings(
        profile=profile, keyring=keyring.directory, court_keys={counterpart_key_id: court.public}, sm2_distid=distid
    )
    return court_signer, centre_verifier, signing


def _with_soap(rest: Pairing, workdir: Path, algorithm: str) -> Pairing:
    """The same court behind the SOAP WebService: it publishes court-standard XML, and both sides get a
    WS-Security key and self-signed certificate (a real court's would come from its CA)."""
    core = rest.core
    core.render = soap_render
    folder = workdir / "keys" / "wsse"
    folder.mkdir(parents=True, exist_ok=True)
    centre_key, centre_cert = key_and_certificate(folder, "centre", algorithm)
    court_key, court_cert = key_and_certificate(folder, "court", algorithm)
    soap = SoapCourt(
        core,
        WsseSigner(load_private_key(court_key), x509.load_pem_x509_certificate(court_cert.read_bytes())),
        WsseVerifier([x509.load_pem_x509_certificate(centre_cert.read_bytes())]),
    )
    wsse = WsseSettings(key=centre_key, certificate=centre_cert, court_certificates=[court_cert])
    return Pairing(core, rest.signing, soap, wsse)


def key_and_certificate(folder: Path, who: str, algorithm: str) -> tuple[Path, Path]:
    key = rsa.generate_private_key(65537, 2048) if algorithm == "rsa" else ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"sandbox {who}")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = folder / f"{who}.key", folder / f"{who}.crt"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path
