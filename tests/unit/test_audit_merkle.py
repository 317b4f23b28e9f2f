"""The audit chain's pure parts: canonical bytes, entry hashes, RFC 6962 Merkle roots and inclusion proofs (the
known answers of the Certificate Transparency test vectors), and checkpoint signatures."""

import hashlib
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from adapter.audit import merkle
from adapter.audit.chain import GENESIS, canonical, content_digest, entry_fields, entry_hash, hasher
from adapter.audit.seal import Signer, verify

H = hasher("sha256")
# RFC 6962's leaves as in the Certificate Transparency reference tests (merkle_tree_test), and their roots.
LEAVES = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43", bytes(range(0x50, 0x58)),
          bytes(range(0x60, 0x70))]  # fmt: skip
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
PATH_0_OF_8 = [
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
]
HASHED = [merkle.leaf_hash(H, leaf) for leaf in LEAVES]


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_the_rfc_6962_vectors(size: int) -> None:
    assert merkle.root(H, HASHED[:size]).hex() == ROOTS[size - 1]


def test_the_empty_tree_is_the_hash_of_nothing() -> None:
    assert merkle.root(H, []).hex() == hashlib.sha256(b"").hexdigest()


def test_the_audit_path_matches_the_vector() -> None:
    assert [p.hex() for p in merkle.inclusion_proof(H, HASHED, 0)] == PATH_0_OF_8


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 8, 13, 64, 100])
def test_every_leaf_is_proved_and_nothing_else(size: int) -> None:
    leaves = [merkle.leaf_hash(H, n.to_bytes(4, "big")) for n in range(size)]
    root = merkle.root(H, leaves)
    for index in range(size):
        path = merkle.inclusion_proof(H, leaves, index)
        assert merkle.verify_inclusion(H, leaves[index], index, size, path, root)
        assert not merkle.verify_inclusion(H, leaves[(index + 1) % size], index, size, path, root) or size == 1
        if size > 1:  # (the tree's size is not proved here: the signed checkpoint states it)
            assert not merkle.verify_inclusion(H, leaves[index], (index + 1) % size, size, path, root)
        if path:
            assert not merkle.verify_inclusion(H, leaves[index], index, size, path[:-1], root)
    with pytest.raises(IndexError):
        merkle.inclusion_proof(H, leaves, size)
    assert not merkle.verify_inclusion(H, leaves[0], size, size, [], root)


def test_canonical_bytes_do_not_depend_on_key_order_or_time_zone() -> None:
    at = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    naive = datetime(2026, 12, 1, 3, 0)  # as SQLite gives it back: UTC without a zone
    assert (
        canonical({"b": 1, "a": at}) == canonical({"a": naive, "b": 1}) == b'{"a":"2026-12-01T03:00:00.000000Z","b":1}'
    )
    assert canonical({"x": "调解"}) == '{"x":"调解"}'.encode()


def test_an_entry_hash_covers_every_field_and_the_previous_hash() -> None:
    base = dict(seq=1, at=datetime(2026, 12, 1, tzinfo=UTC), kind="case.accept", subject="MC-1", case_id="MC-1",
                actor="mediator", alg="sha256", digest=content_digest("sha256", {"to": "accepted"}))  # fmt: skip
    first = entry_hash("sha256", GENESIS, entry_fields(**base))  # type: ignore[arg-type]
    assert first == hashlib.sha256(bytes(32) + canonical(entry_fields(**base))).hexdigest()  # type: ignore[arg-type]
    for name, other in [("seq", 2), ("kind", "case.decline"), ("subject", "MC-2"), ("case_id", None), ("actor", "x"),
                        ("digest", "00" * 32)]:  # fmt: skip
        assert entry_hash("sha256", GENESIS, entry_fields(**{**base, name: other})) != first, name  # type: ignore[arg-type]
    assert entry_hash("sha256", "11" * 32, entry_fields(**base)) != first  # type: ignore[arg-type]


def test_an_unknown_hash_is_named() -> None:
    with pytest.raises(ValueError, match="'md5' is not one of sha256, sm3"):
        hasher("md5")


@pytest.mark.parametrize("algorithm", ["EdDSA", "ES256"])
def test_a_checkpoint_signature_verifies_only_for_its_statement_and_key(algorithm: str) -> None:
    key = ed25519.Ed25519PrivateKey.generate() if algorithm == "EdDSA" else ec.generate_private_key(ec.SECP256R1())
    other = ed25519.Ed25519PrivateKey.generate() if algorithm == "EdDSA" else ec.generate_private_key(ec.SECP256R1())
    signature = Signer("audit-1", algorithm, key).sign(b"statement")
    assert verify(algorithm, key.public_key(), b"statement", signature)
    assert not verify(algorithm, key.public_key(), b"statemenT", signature)
    assert not verify(algorithm, other.public_key(), b"statement", signature)
    assert not verify("PS256", key.public_key(), b"statement", signature)


def test_sm3_is_gb_t_32905_and_sm2_signs_checkpoints() -> None:
    from signing import sm2

    assert hasher("sm3")(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"  # A.1
    key = sm2.new_private_key()
    signature = Signer("audit-sm2", "SM2", key).sign(b"statement")
    assert verify("SM2", key.public_key(), b"statement", signature)
    assert not verify("SM2", key.public_key(), b"statemenT", signature)
