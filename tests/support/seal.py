"""Seal keys, certificates and PDFs for the e-seal tests, and `pdfsig` (poppler) run as the court would run it."""

import io
import shutil
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import copy_into_new_writer

from adapter.seal.certificates import self_signed
from adapter.seal.sealer import Sealer
from sandbox.agreement_pdf import agreement_pdf

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
