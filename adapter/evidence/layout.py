"""The bundle's members and how they are named: the one place both the exporter and the verifier read.

Why tar, not zip: a POSIX tar is read by `tar -xf` on every Linux and on Windows 10 and later (bsdtar ships as
tar.exe), has one way to store bytes (no per-member compression method to mistrust), and is written here in a fixed
order with the export's time and fixed owners, so the same files exported at the same time give the same archive.
Uncompressed: the messages are small and the documents (PDF) are compressed already.

    manifest.json                       {"format", "case_id", "exported_at", "files": [{path, sha256, size, what}]}
    SHA256SUMS                          `sha256sum -c SHA256SUMS` form: every file, manifest.json included
    case.json                           the case's ids, platform and status (no party data)
    history.json                        the case's history rows, oldest first
    messages/NNN-in-ID.body             an inbound message's bytes as received
    messages/NNN-in-ID.headers.json     … the headers carrying the court's signature, as received
    messages/NNN-out-ID.body            an outbound message's signed bytes as sent
    messages/NNN-out-ID.exchange.json   … {method, url, headers (our signature), status, answer (the court's receipt)}
    documents/SHA256-NAME               the case's documents as kept (the sealed agreement, any .p7s)
    audit/entries.json                  the case's audit entries (fields, content, prev_hash, entry_hash)
    audit/proofs/SEQ.json               entry SEQ's inclusion proof in its checkpoint (RFC 6962 §2.1.1)
    audit/checkpoints/ID.json           a checkpoint's fields; ID.statement the exact bytes signed; ID.sig the signature
    keys/keys.json                      {profile, sm2 form, keys: [{role, key_id, algorithm, file}]}; keys/*.pem
    keys/jwks.json                      the Ed25519/P-256/RSA keys again as a JWK Set (RFC 7517)
"""

import re

FORMAT = "docking-evidence/1"
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
ENTRIES = "audit/entries.json"
KEYS = "keys/keys.json"
HISTORY = "history.json"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_MESSAGE = re.compile(r"messages/[0-9]+-(in|out)-(.+)\.body")


def safe(name: str) -> str:
    """`name` usable as one path component on any system (no separators, no ..): other characters become _."""
    cleaned = _UNSAFE.sub("_", name).strip(".")
    return cleaned[:120] or "_"


def message_stem(n: int, direction: str, message_id: str) -> str:
    return f"messages/{n:03d}-{direction}-{safe(message_id)}"


def message_of(path: str) -> tuple[str, str, str] | None:
    """(stem, "in" | "out", the message id as named) of a message body's path; None for any other file."""
    found = _MESSAGE.fullmatch(path)
    return None if found is None else (path[: -len(".body")], found[1], found[2])
