"""The demo's e-seal: an EC P-256 key and a self-signed certificate made at start, and the `[seal]` naming them.

A court in the demo checks what it received with `pdfsig` or `docking verify AGREEMENT.pdf --trust seal-chain.pem`
(the self-signed certificate is its own root); production uses a certificate the centre's CA issued.
"""

from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from adapter.seal.certificates import pem, self_signed
from adapter.seal.settings import SealSettings
from signing.keyfiles import private_pem, write_secret


def demo_seal(work: Path, now: datetime) -> SealSettings:
    """Write `seal.key` (mode 0600) and `seal-chain.pem` into `work` (kept when they exist) and return `[seal]`."""
    key_file, chain = work / "seal.key", work / "seal-chain.pem"
    if not key_file.exists() or not chain.exists() or _expiring(chain, now):  # a reused work directory
        key = ec.generate_private_key(ec.SECP256R1())
        key_file.unlink(missing_ok=True)  # write_secret creates the file afresh (mode 0600), never over one
        write_secret(key_file, private_pem(key))
        chain.write_bytes(pem(self_signed(key, "调解中心电子印章 (demo)", now, days=30, organisation="调解中心")))
    return SealSettings(enabled=True, key_file=key_file, certificate_chain=chain, location="demo")


def _expiring(chain: Path, now: datetime) -> bool:
    """Whether the kept certificate expires within a day (or cannot be read): the demo then makes a new one."""
    try:
        certificate = x509.load_pem_x509_certificate(chain.read_bytes())
    except (OSError, ValueError):
        return True
    return certificate.not_valid_after_utc <= now + timedelta(days=1)
