"""schemas/uuids.py gives what uuid.uuid4().hex gives from the same random bytes."""

import random as random_module
import uuid

import pytest

from schemas import uuids

EDGES = [bytes(16), b"\xff" * 16, bytes(range(16)), bytes(range(240, 256)), b"\x0f\xf0" * 8, b"\xf0\x0f" * 8]
# Seeded: every pytest-xdist worker must collect the very same parameters (it refuses workers that differ).
_DRAWN = random_module.Random(21)
SAMPLES = [_DRAWN.randbytes(16) for _ in range(200)]


@pytest.mark.parametrize("random", [*EDGES, *SAMPLES], ids=[f"b{n}" for n in range(len(EDGES) + len(SAMPLES))])
def test_the_same_hex_as_uuid4_from_the_same_bytes(random: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uuids.os, "urandom", lambda n: random[:n])
    made = uuids.uuid4_hex()
    assert made == uuid.UUID(bytes=random, version=4).hex
    assert uuid.UUID(made).version == 4 and uuid.UUID(made).variant == uuid.RFC_4122
