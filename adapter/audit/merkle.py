"""Merkle tree hashes and inclusion proofs as in RFC 6962 §2.1 (Certificate Transparency), with H the chain's hash.

    leaf = H(0x00 ‖ entry_hash)        node = H(0x01 ‖ left ‖ right)

The tree over n leaves splits at k, the largest power of two below n (RFC 6962 §2.1); pairing level by level and
carrying an odd last node up unchanged builds the same tree. An inclusion proof is the audit path of RFC 6962
§2.1.1; `verify_inclusion` is the algorithm of RFC 9162 §2.1.3.2.
"""

from collections.abc import Callable, Sequence

Hash = Callable[[bytes], bytes]


def leaf_hash(h: Hash, data: bytes) -> bytes:
    return h(b"\x00" + data)


def node_hash(h: Hash, left: bytes, right: bytes) -> bytes:
    return h(b"\x01" + left + right)


def root(h: Hash, leaves: Sequence[bytes]) -> bytes:
    """MTH over the leaf hashes `leaves` (already leaf_hash'ed); the hash of the empty string for none."""
    if not leaves:
        return h(b"")
    level = list(leaves)
    while len(level) > 1:
        paired = [node_hash(h, level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def inclusion_proof(h: Hash, leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, leaves) of RFC 6962 §2.1.1: the sibling hashes from the leaf up; IndexError outside the tree."""
    if not 0 <= index < len(leaves):
        raise IndexError(f"leaf {index} is not in a tree of {len(leaves)}")
    path: list[bytes] = []
    lo, hi, m = 0, len(leaves), index
    splits: list[tuple[int, int, int]] = []
    while hi - lo > 1:  # descend, remembering which side the sibling subtree is on
        k = 1 << ((hi - lo - 1).bit_length() - 1)
        if m - lo < k:
            splits.append((lo + k, hi, 1))
            hi = lo + k
        else:
            splits.append((lo, lo + k, 0))
            lo = lo + k
    for start, end, _side in reversed(splits):
        path.append(root(h, leaves[start:end]))
    return path


def verify_inclusion(h: Hash, leaf: bytes, index: int, size: int, path: Sequence[bytes], expected: bytes) -> bool:
    """True when `path` proves leaf hash `leaf` at `index` in the tree of `size` leaves with root `expected`
    (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(h, p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(h, r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected
