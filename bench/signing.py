"""Signature throughput per profile, and SM2 as a ratio to the raw Tongsuo call in the same run.

    python -m bench.signing [--seconds 0.4] [--runs 5]

Each figure is the median of --runs timed loops of about --seconds each, over a 1 KiB JSON body (a typical
progress message). The SM2 baseline is Tongsuo's own `sign(data, ECDSA(SM3()))` on the same key and bytes —
what a caller gets without our profile (configurable distinguishing ID, headers, encoding).
Prints a table and, as its last line, one JSON object.
"""

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tongsuopy.crypto import hashes as sm_hashes
from tongsuopy.crypto.asymciphers import ec as sm_ec

from signing.base import MessageSigner, MessageVerifier, PublicKeyEntry
from signing.hmac_appkey import HmacSigner, HmacVerifier
from signing.jws import JwsSigner, JwsVerifier
from signing.sm2 import Sm2Signer, Sm2Verifier
from signing.webhooks import WebhookSigner, WebhookVerifier

BODY = json.dumps({"xxbh": "M-1", "xxlx": "JZ", "nr": {"bz": "调解进展" * 80}}, ensure_ascii=False).encode()[:1024]
TARGET = "POST /api/v1/messages"


def rate(call: Callable[[], object], seconds: float, runs: int) -> float:
    """Median calls per second over `runs` loops of about `seconds` each (the batch size found first)."""
    batch, started = 1, time.perf_counter()
    while time.perf_counter() - started < seconds / 10:
        for _ in range(batch):
            call()
        batch *= 2
    results = []
    for _ in range(runs):
        started, count = time.perf_counter(), 0
        while time.perf_counter() - started < seconds:
            for _ in range(batch):
                call()
            count += batch
        results.append(count / (time.perf_counter() - started))
    return statistics.median(results)


def profiles() -> dict[str, tuple[MessageSigner, MessageVerifier]]:
    ed, p256, rsa_key = (
        Ed25519PrivateKey.generate(),
        ec.generate_private_key(ec.SECP256R1()),
        rsa.generate_private_key(65537, 3072),
    )
    sm2 = sm_ec.generate_private_key(sm_ec.SM2())
    webhook_ed = Ed25519PrivateKey.generate()

    def jws(key: Any, alg: str) -> tuple[MessageSigner, MessageVerifier]:
        return JwsSigner(key, "k"), JwsVerifier({"k": PublicKeyEntry("k", key.public_key(), alg)})

    return {
        "jws_eddsa": jws(ed, "EdDSA"),
        "jws_es256": jws(p256, "ES256"),
        "jws_ps256": jws(rsa_key, "PS256"),
        "sm2": (Sm2Signer(sm2, "k"), Sm2Verifier({"k": PublicKeyEntry("k", sm2.public_key(), "SM2")})),
        "hmac_sha256": (HmacSigner("k", b"s" * 32), HmacVerifier({"k": PublicKeyEntry("k", b"s" * 32, "HMAC-SHA256")})),
        "hmac_sm3": (
            HmacSigner("k", b"s" * 32, "HMAC-SM3"),
            HmacVerifier({"k": PublicKeyEntry("k", b"s" * 32, "HMAC-SM3")}),
        ),
        "webhooks_v1": (WebhookSigner([b"s" * 24]), WebhookVerifier({"k": PublicKeyEntry("k", b"s" * 24, "v1")})),
        "webhooks_v1a": (
            WebhookSigner([webhook_ed]),
            WebhookVerifier({"k": PublicKeyEntry("k", webhook_ed.public_key(), "v1a")}),
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.4)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    now = datetime.now(UTC)
    figures: dict[str, float] = {}
    sm2_signer: Sm2Signer | None = None
    for name, (signer, verifier) in profiles().items():
        headers = signer.sign(BODY, message_id="M-1", at=now, target=TARGET)
        figures[f"{name}_sign_per_s"] = rate(
            partial(signer.sign, BODY, message_id="M-1", at=now, target=TARGET), args.seconds, args.runs
        )
        figures[f"{name}_verify_per_s"] = rate(
            partial(verifier.verify, BODY, headers, target=TARGET), args.seconds, args.runs
        )
        if isinstance(signer, Sm2Signer):
            sm2_signer = signer
        signs, verifies = figures[f"{name}_sign_per_s"], figures[f"{name}_verify_per_s"]
        print(f"{name:14s} sign {signs:10.0f}/s   verify {verifies:10.0f}/s")
    assert sm2_signer is not None
    raw_key = sm2_signer._key  # the same key, signed through Tongsuo's own API: the baseline
    figures["sm2_raw_sign_per_s"] = rate(
        lambda: raw_key.sign(BODY, sm_ec.ECDSA(sm_hashes.SM3())), args.seconds, args.runs
    )
    figures["sm2_ratio"] = figures["sm2_sign_per_s"] / figures["sm2_raw_sign_per_s"]
    print(f"SM2 raw Tongsuo sign {figures['sm2_raw_sign_per_s']:.0f}/s; profile ÷ raw = {figures['sm2_ratio']:.3f}")
    print(json.dumps({k: round(v, 3 if k.endswith("ratio") else 1) for k, v in figures.items()}))


if __name__ == "__main__":
    main()
