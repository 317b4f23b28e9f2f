"""`docking evidence verify`: check a bundle offline with public keys only, one named check per file and rule.

In order: the manifest and SHA256SUMS against every file (a file altered, removed or added is named); the public
keys (the bundle's own, or only those matching the --key PEM files given); each message's signature — inbound with
the court's key over the bytes as received, outbound with ours over the bytes as sent and "METHOD URL" (signing/:
jws-detached RFC 7515 Appendix F, or sm2-sm3 GB/T 32918/35276); each audit entry (entries.py); each checkpoint's
signed statement and signature (adapter/audit/seal.py). A check is pass, fail or skip (not checkable with public
keys, e.g. an HMAC app key, with the reason); any fail fails the bundle.
"""

import base64
import json
from dataclasses import dataclass
from typing import Any

from adapter.audit import seal
from adapter.audit.checkpoint import statement
from adapter.evidence import soap_check
from adapter.evidence.archive import sha256
from adapter.evidence.layout import KEYS, MANIFEST, SUMS, message_of
from signing.base import PublicKeyEntry
from signing.errors import SignatureInvalid
from signing.keyfiles import KeyFileError, algorithm_of, public_key_from_pem, public_pem
from signing.profiles import Sm2Form, key_verifier

PASS, FAIL, SKIP = "pass", "fail", "skip"


@dataclass(frozen=True)
class Check:
    check: str  # digest, listed, signature, entry, proof, describes, checkpoint, manifest, keys
    file: str
    result: str  # pass | fail | skip
    reason: str = ""


class Checks(list[Check]):
    def add(self, check: str, file: str, ok: bool | None, reason: str = "") -> None:
        self.append(Check(check, file, SKIP if ok is None else PASS if ok else FAIL, reason))

    @property
    def ok(self) -> bool:
        return all(c.result != FAIL for c in self)


def files(members: dict[str, bytes], out: Checks) -> dict[str, Any] | None:
    """The manifest, once every listed file's digest is checked against it and SHA256SUMS; None if unreadable."""
    try:
        doc = json.loads(members[MANIFEST])
        listed = {f["path"]: f["sha256"] for f in doc["files"]}
    except (KeyError, ValueError, TypeError) as exc:
        out.add("manifest", MANIFEST, False, f"missing or not a docking manifest ({type(exc).__name__})")
        return None
    sums = _sums(members.get(SUMS, b""))
    for path, digest in sorted(listed.items()):
        if path not in members:
            out.add("digest", path, False, "listed in the manifest, missing from the bundle")
        elif sha256(members[path]) != digest:
            out.add("digest", path, False, "its SHA-256 is not the manifest's: the file was altered")
        elif sums.get(path) != digest:
            out.add("digest", path, False, f"{SUMS} gives another SHA-256 (or none) for it")
        else:
            out.add("digest", path, True)
    manifest_ok = sums.get(MANIFEST) == sha256(members[MANIFEST])
    out.add("digest", MANIFEST, manifest_ok, "" if manifest_ok else f"not the SHA-256 {SUMS} gives for it")
    for path in sorted(set(members) - set(listed) - {MANIFEST, SUMS}):
        out.add("listed", path, False, "in the bundle but not in the manifest")
    return dict(doc)


def _sums(data: bytes) -> dict[str, str]:
    found = {}
    for line in data.decode("utf-8", "replace").splitlines():
        digest, _, path = line.partition("  ")
        found[path] = digest
    return found


def keys(members: dict[str, bytes], given: list[bytes], out: Checks) -> tuple[dict[str, Any], dict[str, Any]]:
    """(keys.json, {(role, key id): public key}) — with `given` PEMs, only the bundle's keys equal to one of them."""
    try:
        doc = json.loads(members[KEYS])
        listed = list(doc["keys"])
    except (KeyError, ValueError, TypeError):
        out.add("keys", KEYS, False, "missing or not a key list")
        return {}, {}
    anchors = {public_pem(public_key_from_pem(pem, "--key")) for pem in given}
    trusted: dict[Any, Any] = {}
    for entry in listed:
        path = entry.get("file", "")
        try:
            if entry.get("algorithm") == "X.509":  # a WS-Security certificate: trusted as its key is
                cert = soap_check.certificate(members[path])
                if not given or public_pem(cert.public_key()) in anchors:
                    trusted[(entry["role"], entry["key_id"])] = cert
                continue
            key = public_key_from_pem(members[path], path)
        except (KeyError, KeyFileError, ValueError) as exc:
            out.add("keys", path, False, f"key {entry.get('key_id')}: {exc}")
            continue
        if given and public_pem(key) not in anchors:
            out.add("keys", path, False, f"{entry['role']} key {entry['key_id']} is none of the --key files")
            continue
        trusted[(entry["role"], entry["key_id"])] = key
    return doc, trusted


def messages(members: dict[str, bytes], doc: dict[str, Any], trusted: dict[Any, Any], out: Checks) -> None:
    """Each message's signature with the trusted keys of its signer (module doc)."""
    profile, transport = doc.get("profile"), doc.get("transport")
    form = Sm2Form(**doc["sm2"]) if doc.get("sm2") else Sm2Form()
    for path, (stem, direction, _) in sorted((p, m) for p in members if (m := message_of(p)) is not None):
        inbound = direction == "in"
        if profile not in ("jws-detached", "sm2-sm3"):
            out.add("signature", path, None, f"profile {profile}: a shared secret, not checkable with public keys")
            continue
        if transport == "soap" and not inbound:
            certs = [c for (r, _), c in trusted.items() if r == "centre-cert"]
            try:
                soap_check.verify_envelope(members[path], certs, form.distid)
                out.add("signature", path, True, "centre WS-Security certificate")
            except SignatureInvalid as exc:
                out.add("signature", path, False, f"not signed by a trusted centre certificate: {exc}")
            continue
        role = "court" if inbound else "centre"
        ring = {k: PublicKeyEntry(k, key, algorithm_of(key)) for (r, k), key in trusted.items() if r == role}
        try:
            if inbound:
                headers, target = json.loads(members[f"{stem}.headers.json"]), ""
            else:
                exchange = json.loads(members[f"{stem}.exchange.json"])
                headers, target = exchange["headers"], f"{exchange['method']} {exchange['url']}"
            verified = key_verifier(profile, ring, form).verify(members[path], headers, target=target)
        except SignatureInvalid as exc:
            out.add("signature", path, False, f"not signed by a trusted {role} key: {exc}")
        except (KeyError, ValueError, TypeError) as exc:
            out.add("signature", path, False, f"its signature headers are missing or unreadable ({exc})")
        else:
            out.add("signature", path, True, f"{role} key {verified.key_id}")


def checkpoints(members: dict[str, bytes], trusted: dict[Any, Any], out: Checks) -> dict[str, dict[str, Any]]:
    """{checkpoint id: fields} of the checkpoints whose statement and signature hold under a trusted audit key."""
    good = {}
    for path in sorted(p for p in members if p.startswith("audit/checkpoints/") and p.endswith(".json")):
        stem = path[: -len(".json")]
        try:
            fields = json.loads(members[path])
            signed, signature = members[f"{stem}.statement"], members[f"{stem}.sig"]
        except (KeyError, ValueError) as exc:
            out.add("checkpoint", path, False, f"unreadable or incomplete ({exc})")
            continue
        key = trusted.get(("audit", fields.get("key_id")))
        if signed != statement(fields) or signature != base64.b64decode(fields.get("signature", "")):
            out.add("checkpoint", f"{stem}.statement", False, "the statement or signature is not the checkpoint's")
        elif key is None:
            out.add("checkpoint", path, False, f"audit key {fields.get('key_id')} is not a trusted key")
        elif not seal.verify(fields["algorithm"], key, signed, signature):
            out.add("checkpoint", f"{stem}.sig", False, f"not a signature of audit key {fields['key_id']}")
        else:
            out.add("checkpoint", path, True, f"signed by audit key {fields['key_id']} ({fields['algorithm']})")
            good[stem.rsplit("/", 1)[1]] = fields
    return good


def documents(members: dict[str, bytes], out: Checks) -> None:
    """Each document is the one its name's digest prefix says, and a message of the bundle names its SHA-256 (an
    agreement message carries the document's digest, e.g. "wjzy"): the signed message vouches for it."""
    bodies = [data for path, data in members.items() if message_of(path) is not None]
    for path in sorted(p for p in members if p.startswith("documents/")):
        digest = sha256(members[path])
        if not path.removeprefix("documents/").startswith(digest[:16]):
            out.add("describes", path, False, "its SHA-256 is not the one its name begins with")
        elif any(digest.encode() in body for body in bodies):
            out.add("describes", path, True, "its SHA-256 is named in a signed message")
        else:
            out.add("describes", path, None, "named by no message: vouched for by the manifest only")
