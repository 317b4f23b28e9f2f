"""Each audit entry of a bundle: its hashes recomputed, its inclusion proof checked against a signed checkpoint,
and the files it describes hashed to what it says (adapter/audit/chain.py, merkle.py: RFC 6962 / RFC 9162).

    entry       H(content) is the entry's digest, and H(prev_hash ‖ canonical fields) its entry_hash
    proof       the entry's hash, as a leaf, climbs its audit path to the root of a checkpoint that verified
    describes   the bytes the entry vouches for are the bundle's: an inbound message's raw_sha256, an outbound one's
                wire_sha256 and exchange_sha256 (the newest delivery of each message), a history entry's
                content equal to a row of history.json, in order
An entry describing a file the bundle lacks (a message exchanged before its bytes were kept) is a skip, not a fail.
"""

import json
from typing import Any

from adapter.audit import merkle
from adapter.audit.chain import canonical, entry_hash, hasher
from adapter.evidence.archive import sha256
from adapter.evidence.check import Checks
from adapter.evidence.layout import ENTRIES, HISTORY, message_of, safe

_FIELDS = ("seq", "at", "kind", "subject", "case_id", "actor", "alg", "digest")


def entries(members: dict[str, bytes], good: dict[str, dict[str, Any]], out: Checks) -> None:
    try:
        listed = json.loads(members[ENTRIES])
        history = json.loads(members[HISTORY])
    except (KeyError, ValueError) as exc:
        out.add("entry", ENTRIES, False, f"the entries or the history are missing or unreadable ({exc})")
        return
    for entry in listed:
        if _hashes(entry, out):
            _proof(members, entry, good, out)
    _messages(members, listed, out)
    _history(listed, history, out)


def _hashes(entry: dict[str, Any], out: Checks) -> bool:
    seq, h = entry["seq"], hasher(entry["alg"])
    if h(entry["content_json"].encode()).hex() != entry["digest"]:
        out.add("entry", ENTRIES, False, f"entry {seq}: its content does not hash to its digest")
        return False
    if entry_hash(entry["alg"], entry["prev_hash"], {n: entry[n] for n in _FIELDS}) != entry["entry_hash"]:
        out.add("entry", ENTRIES, False, f"entry {seq}: its fields do not hash to its entry_hash")
        return False
    out.add("entry", ENTRIES, True, f"entry {seq} {entry['kind']}")
    return True


def _proof(members: dict[str, bytes], entry: dict[str, Any], good: dict[str, dict[str, Any]], out: Checks) -> None:
    path = f"audit/proofs/{entry['seq']}.json"
    try:
        proof = json.loads(members[path])
        cp = good.get(str(proof["checkpoint_id"]))
        if proof["entry_hash"] != entry["entry_hash"]:
            out.add("proof", path, False, f"proves another entry hash than entry {entry['seq']}'s")
        elif cp is None or proof["checkpoint"] != cp:
            out.add("proof", path, False, f"its checkpoint {proof['checkpoint_id']} is not one that verified")
        else:
            h = hasher(cp["alg"])
            leaf = merkle.leaf_hash(h, bytes.fromhex(entry["entry_hash"]))
            steps = [bytes.fromhex(p) for p in proof["path"]]
            ok = merkle.verify_inclusion(h, leaf, proof["index"], proof["size"], steps, bytes.fromhex(cp["root"]))
            out.add("proof", path, ok, f"entry {entry['seq']} in checkpoint {proof['checkpoint_id']}" if ok
                    else "the audit path does not lead to the checkpoint's signed root")  # fmt: skip
    except (KeyError, ValueError, TypeError) as exc:
        out.add("proof", path, False, f"missing or unreadable ({type(exc).__name__}: {exc})")


def _messages(members: dict[str, bytes], listed: list[dict[str, Any]], out: Checks) -> None:
    vouched: dict[str, dict[str, Any]] = {}  # message id → the newest entry carrying its bytes' digests
    for entry in listed:
        content = json.loads(entry["content_json"])
        if entry["kind"] == "inbound.applied" or "wire_sha256" in content:
            vouched[entry["subject"]] = {**content, "seq": entry["seq"]}
    for path, (stem, direction, message_id) in sorted((p, m) for p in members if (m := message_of(p)) is not None):
        inbound = direction == "in"
        content = next((c for m, c in vouched.items() if safe(m) == message_id), None)
        if content is None:
            out.add("describes", path, False, "no audit entry of the case vouches for this message")
            continue
        pairs = [(path, "raw_sha256")] if inbound else [(path, "wire_sha256"), (f"{stem}.exchange.json",
                                                                               "exchange_sha256")]  # fmt: skip
        for file, name in pairs:
            if content.get(name) is None:
                out.add("describes", file, None, f"entry {content['seq']} predates kept bytes (no {name})")
            elif sha256(members.get(file, b"")) != content[name]:
                out.add("describes", file, False, f"not the bytes entry {content['seq']} vouches for ({name})")
            else:
                out.add("describes", file, True, f"entry {content['seq']} {name}")


def _history(listed: list[dict[str, Any]], history: list[dict[str, Any]], out: Checks) -> None:
    """The case.* entries name history rows in order. Rows before the first vouched one predate the chain (0019);
    after it, every row must be vouched for — a row inserted is named as surely as one altered."""
    rows = list(enumerate(history, start=1))
    vouched_from: int | None = None
    for entry in (e for e in listed if e["kind"].startswith("case.")):
        h = hasher(entry["alg"])
        while rows:
            n, row = rows.pop(0)
            content = {"at": row["at"], "from": row["from"], "to": row["to"], "detail": row["detail"]}
            same = f"case.{row['event']}" == entry["kind"] and row["actor"] == entry["actor"]
            if same and h(canonical(content)).hex() == entry["digest"]:
                out.add("describes", HISTORY, True, f"row {n}: entry {entry['seq']} {entry['kind']}")
                vouched_from = vouched_from or n
                break
            if vouched_from is not None:
                out.add("describes", HISTORY, False, f"row {n} ({row['event']}) is vouched for by no audit entry")
                return
        else:
            out.add("describes", HISTORY, False, f"no history row is what entry {entry['seq']} {entry['kind']} says")
            return
    if vouched_from is not None and rows:
        out.add("describes", HISTORY, False, f"row {rows[0][0]} ({rows[0][1]['event']}) is vouched for by no entry")
