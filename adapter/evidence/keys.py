"""The public keys a bundle is checked with, as PEM files and keys/keys.json (layout.py), and as a JWK Set
(keys/jwks.json, RFC 7517: "role" says whose) for the keys JOSE has a form for.

    court   the court's keys its messages are signed with ([platforms.P.signing] court_keys)
    centre  our request-signing keys, every one in the keyring (a key rotated out still verifies older messages)
    audit   the audit keys the checkpoints are signed with ([audit] keyring)
A SOAP court's WS-Security certificates (ours and the court's) are included as they are configured. Public keys
only: a private key never leaves its keyring. Reads files named in the settings; KeyFileError naming a bad one.
"""

import json
from typing import Any

from adapter.config.settings import Settings
from adapter.evidence.collect import BundleFile
from adapter.evidence.layout import KEYS, safe
from adapter.keys.keyring import Keyring, jwk
from signing.keyfiles import algorithm_of, load_public_key, public_key_from_pem, public_pem


def key_files(settings: Settings, platform: str | None) -> list[BundleFile]:
    """The key files and keys/keys.json for a case of `platform` (None: a case no court has met yet)."""
    listed: list[dict[str, Any]] = []
    files: list[BundleFile] = []

    jwks: list[dict[str, Any]] = []

    def add(role: str, key_id: str, algorithm: str, pem: bytes, what: str) -> None:
        path = f"keys/{role}-{safe(key_id)}.pem"
        files.append(BundleFile(path, pem, what))
        listed.append({"role": role, "key_id": key_id, "algorithm": algorithm, "file": path})
        if algorithm in ("EdDSA", "ES256", "PS256"):  # a JWK too, for JOSE tools (SM2 and certificates have none)
            jwks.append({**jwk(public_key_from_pem(pem, path), key_id, algorithm), "role": role})

    doc: dict[str, Any] = {"platform": platform, "profile": None, "transport": None, "keys": listed}
    config = settings.platforms.get(platform) if platform else None
    if config is not None:
        signing = config.signing
        doc.update(profile=signing.profile, transport=config.transport,
                   sm2={"distid": signing.sm2_distid, "der": signing.sm2_signature == "der",
                        "encoding": signing.sm2_encoding, "hex_case": signing.hex_case})  # fmt: skip
        for key_id, path in sorted(signing.court_keys.items()):
            key = load_public_key(path)
            add("court", key_id, algorithm_of(key), public_pem(key), f"the court's public key {key_id}")
        if signing.keyring is not None:
            ring = Keyring.open(signing.keyring)
            for r in ring.records:
                add("centre", r.key_id, r.algorithm, public_pem(ring.public_key(r)), f"our public key {r.key_id}")
        if config.wsse is not None:
            ours = config.wsse.certificate.read_bytes()
            add("centre-cert", "wsse", "X.509", ours, "our WS-Security certificate (our SOAP messages' signer)")
            for n, path in enumerate(config.wsse.court_certificates, start=1):
                add("court-cert", f"wsse-{n}", "X.509", path.read_bytes(), "the court's WS-Security certificate")
    if settings.audit.keyring is not None:
        ring = Keyring.open(settings.audit.keyring)
        for r in ring.records:
            add("audit", r.key_id, r.algorithm, public_pem(ring.public_key(r)), f"the audit public key {r.key_id}")
    files.append(BundleFile("keys/jwks.json", json.dumps({"keys": jwks}, indent=1).encode(),
                            "the same keys as a JWK Set (RFC 7517), where JOSE has a form for them"))  # fmt: skip
    files.append(BundleFile(KEYS, json.dumps(doc, indent=1, sort_keys=True).encode(), "which key is which"))
    return files
