"""Seal keys, certificates and PDFs for the e-seal tests, and `pdfsig` (poppler) run as the court would run it."""

import io
import shutil
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import copy_into_new_writer

from adapter.keys.wsse_files import certificate_pem
from adapter.seal.certificates import self_signed
from adapter.seal.sealer import Sealer
from sandbox.agreement_pdf import agreement_pdf
from signing import sm2

KINDS = ("rsa", "ec-p256")
PDF = agreement_pdf(["Mediation agreement", "Case (2026) Jing 0105 Min Tiao 1", "Amount: 12000.00 CNY"])


def new_key(kind: str) -> Any:
    return rsa.generate_private_key(65537, 2048) if kind == "rsa" else ec.generate_private_key(ec.SECP256R1())


def sealer(kind: str, now: datetime, *, days: int = 3650) -> Sealer:
    """A sealer with a fresh `kind` key and its self-signed certificate (valid from `now` for `days` days)."""
    key = new_key(kind)
    return Sealer(key, (self_signed(key, "某调解中心电子印章", now, days=days),), reason="test seal")


def encrypted_pdf() -> bytes:
    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(PDF)))
    writer.encrypt("owner-secret", "user-secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def tampered(pdf: bytes) -> bytes:
    """`pdf` with one byte of the signed range changed: a letter of the agreement's text (in the first revision)."""
    at = pdf.index(b"Amount: 12000") + len(b"Amount: 1")
    return pdf[:at] + b"9" + pdf[at + 1 :]


def pdfsig(pdf: bytes) -> str:
    """poppler's `pdfsig` report on `pdf` (its stdout), as a court's clerk would run it; bounded to 30 s."""
    tool = shutil.which("pdfsig")
    assert tool, "pdfsig (poppler-utils) is required"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "agreement.pdf"
        path.write_bytes(pdf)
        done = subprocess.run([tool, str(path)], capture_output=True, text=True, timeout=30, check=False)
    return done.stdout + done.stderr


def pdfsig_valid(report: str) -> bool:
    """Whether pdfsig found the (only) signature itself valid; certificate trust is not asked (self-signed)."""
    return "Signature Validation: Signature is Valid." in report and "Total document signed" in report


def sm2_sealer(now: datetime) -> Sealer:
    """A sealer with a fresh SM2 key and its self-signed SM2 certificate (a 国密 seal: a CMS beside the PDF)."""
    key = sm2.new_private_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "centre seal SM2")])
    return Sealer(key, (x509.load_pem_x509_certificate(certificate_pem(key, name, now, 30)),))


def openssl_cms_verify(pdf: bytes, cms: bytes, roots: list[x509.Certificate]) -> tuple[bool, str]:
    """`openssl cms -verify` of a detached CMS (DER) over `pdf` against `roots`, as the court runs it."""
    tool = shutil.which("openssl")
    assert tool, "openssl is required"
    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        (where / "agreement.pdf").write_bytes(pdf)
        (where / "agreement.pdf.p7s").write_bytes(cms)
        (where / "seal.crt").write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in roots))
        done = subprocess.run(
            [tool, "cms", "-verify", "-binary", "-inform", "DER", "-in", "agreement.pdf.p7s", "-content",
             "agreement.pdf", "-CAfile", "seal.crt", "-out", "/dev/null"],
            capture_output=True, text=True, timeout=30, check=False, cwd=where,
        )  # fmt: skip
    return done.returncode == 0, done.stdout + done.stderr
