"""The centre's e-seal as a PAdES signature on the agreement PDF, and its check (pyHanko).

`seal_pdf` appends one signature to the PDF as an incremental update (ISO 32000-2 §7.5.6): the parties' signed
original stays byte for byte the first part of the sealed file, with their own e-signatures untouched. The
signature is PAdES baseline B-B (ETSI EN 319 142-1, subfilter ETSI.CAdES.detached; RFC 5652 CMS), SHA-256,
RSA PKCS#1 v1.5 or ECDSA P-256, carrying the centre's certificate chain, so anyone checks it with standard tools
(`pdfsig` from poppler, pyHanko's validator, Adobe Reader) against the centre's CA: 电子签名法 Art 13–14 (a
reliable e-signature: the signer's alone, any change after signing detectable).

Errors are SealError (an InvalidRequest naming the field and the rule): `document` (rule `pdf`: not a PDF one can
parse; `pdf_encrypted`: encrypted, cannot be appended to without its password) or `seal.certificate_chain`
(`key_mismatch`, `certificate_expired`, `certificate_not_yet_valid`, `sm2_pades`: PDF tooling has no SM2).
"""

import io
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from adapter.errors import InvalidRequest
from signing import sm2
from signing.certificates import certificate_key, same_key

CHAIN_FIELD = "seal.certificate_chain"
# A visible seal: a box at the foot of the first page (PDF user space, points from the lower left corner).
SEAL_BOX = (340, 30, 560, 100)


class SealError(InvalidRequest):
    """A document that cannot be sealed or checked, or a seal key/certificate that cannot seal (module doc)."""


@dataclass(frozen=True)
class SealCheck:
    """What a check of a sealed PDF found, per ETSI EN 319 102-1's questions: `intact` (the signed bytes hash to
    the signed digest), `valid` (and the signature over them verifies with the certificate's key), `whole_file`
    (the signature covers the entire file: nothing appended after sealing), `trusted` (the certificate chains to
    one of the given roots, valid at signing time). `ok`: all four."""

    field_name: str
    signer: str
    signed_at: datetime | None
    intact: bool
    valid: bool
    whole_file: bool
    trusted: bool
    summary: str

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.whole_file and self.trusted


def load_chain(pem: bytes, source: str) -> tuple[x509.Certificate, ...]:
    """The certificates of a PEM file, in file order (the seal's own first). SealError when it holds none."""
    try:
        chain = tuple(x509.load_pem_x509_certificates(pem))
    except ValueError:
        chain = ()
    if not chain:
        raise SealError(f"{source} holds no PEM certificate", field=CHAIN_FIELD, rule="pem")
    return chain


def check_key_and_chain(key: Any, chain: Sequence[x509.Certificate], now: datetime, source: str = "") -> None:
    """None when the chain's first certificate is the key's (RSA, EC or SM2) and is valid at `now` (aware); else
    SealError naming `seal.certificate_chain` and what is wrong."""
    where = f" ({source})" if source else ""
    first = chain[0]
    if not same_key(certificate_key(first), key.public_key()):
        raise SealError(
            f"the first certificate of the seal's chain{where} ({first.subject.rfc4514_string()}) is not the seal "
            "key's: put the seal's own certificate first, then its CA certificates",
            field=CHAIN_FIELD,
            rule="key_mismatch",
        )
    if now > first.not_valid_after_utc:
        raise SealError(
            f"the seal's certificate{where} expired at {first.not_valid_after_utc:%Y-%m-%d %H:%M} UTC: renew it "
            "before sealing (a seal under an expired certificate does not verify)",
            field=CHAIN_FIELD,
            rule="certificate_expired",
        )
    if now < first.not_valid_before_utc:
        raise SealError(
            f"the seal's certificate{where} is valid only from {first.not_valid_before_utc:%Y-%m-%d %H:%M} UTC",
            field=CHAIN_FIELD,
            rule="certificate_not_yet_valid",
        )


# What pyHanko raises on a damaged document or signature (its own errors are ValueErrors or PdfErrors); an
# AssertionError too, from its validator given a trust root of another key type under the signer's issuer name.
_UNREADABLE = (PdfError, ValueError, KeyError, IndexError, TypeError, AttributeError, AssertionError)


def seal_pdf(
    pdf: bytes,
    key: Any,
    chain: Sequence[x509.Certificate],
    *,
    now: datetime,
    reason: str = "",
    location: str = "",
    visible: bool = False,
    field_name: str = "CentreSeal",
) -> bytes:
    """`pdf` with the centre's PAdES B-B seal appended (module doc). `key`: a `cryptography` RSA or EC private
    key; `chain`: its certificate first, then its CAs (all embedded). `now` (aware) is when the certificate must
    be valid; the signature's own time (/M, signingTime) is the system clock's, as pyHanko writes it. SealError as
    the module doc lists."""
    if sm2.is_sm2_key(key):
        raise SealError(
            "the seal key is SM2: PDF tools (pyHanko, poppler) have no SM2, so an SM2 seal is a detached CMS "
            "(GB/T 35275, signing/cms.py) carried beside the PDF, not a PAdES signature",
            field=CHAIN_FIELD,
            rule="sm2_pades",
        )
    check_key_and_chain(key, chain, now)
    try:
        return _sealed(pdf, key, chain, reason, location, visible, field_name)
    except SealError:
        raise
    except _UNREADABLE as exc:  # pyHanko reads the document lazily: a broken object shows only while it writes
        raise SealError(f"the PDF cannot be sealed: it is damaged ({type(exc).__name__})", field="document",
                        rule="pdf") from None  # fmt: skip


def _sealed(
    pdf: bytes, key: Any, chain: Sequence[x509.Certificate], reason: str, location: str, visible: bool, field_name: str
) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(_readable(pdf).stream.getvalue()), strict=False)
    signer = _HeldKeySigner(
        key,
        signing_cert=_asn1(chain[0]),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs([_asn1(c) for c in chain]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None,
        location=location or None,
    )
    spec = fields.SigFieldSpec(field_name, on_page=0, box=SEAL_BOX) if visible else None
    # The stamp names no one: the certificate's Chinese name would need an embedded CJK font to be drawn.
    style = TextStampStyle(stamp_text="Sealed\n%(ts)s") if visible else None
    out = signers.PdfSigner(meta, signer, stamp_style=style, new_field_spec=spec).sign_pdf(writer)
    return bytes(out.getvalue())


def verify_pdf(pdf: bytes, trust_roots: Sequence[x509.Certificate], field_name: str | None = None) -> SealCheck:
    """Check the PDF's last signature (or the one in `field_name`) against `trust_roots` with pyHanko's validator.
    SealError (field `document`) when it is not a PDF, is encrypted, or holds no such signature."""
    try:
        return _verified(pdf, trust_roots, field_name)
    except SealError:
        raise
    except _UNREADABLE as exc:  # a damaged signature dictionary or CMS, or a trust root pyHanko cannot use
        raise SealError(
            f"the PDF's signature cannot be checked: {type(exc).__name__} (damaged, or a --trust root of another key "
            "type under the same name)",
            field="document",
            rule="signature_unreadable",
        ) from None


def _verified(pdf: bytes, trust_roots: Sequence[x509.Certificate], field_name: str | None) -> SealCheck:
    reader = _readable(pdf)
    signatures = [s for s in reader.embedded_signatures if field_name is None or s.field_name == field_name]
    if not signatures:
        named = f" in field {field_name!r}" if field_name else ""
        raise SealError(f"the PDF holds no signature{named}", field="document", rule="signed")
    embedded = signatures[-1]
    context = ValidationContext(trust_roots=[_asn1(c) for c in trust_roots], allow_fetching=False)
    with _quiet("pyhanko.sign.diff_analysis"):
        status = validate_pdf_signature(embedded, context)
    return SealCheck(
        field_name=embedded.field_name,
        signer=status.signing_cert.subject.human_friendly,
        signed_at=status.signer_reported_dt,
        intact=status.intact,
        valid=status.valid,
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        trusted=status.trusted,
        summary=status.summary(),
    )


def signature_fields(pdf: bytes) -> list[str]:
    """The names of the PDF's signature fields that hold a signature, in file order. SealError as `verify_pdf`."""
    return [s.field_name for s in _readable(pdf).embedded_signatures]


def field_signer_keys(pdf: bytes) -> dict[str, bytes]:
    """Each signed field's name → the DER SubjectPublicKeyInfo of the certificate that signed it (the CMS's signer);
    SealError naming `document` as `verify_pdf` when the PDF or a signature in it cannot be read."""
    try:
        return {s.field_name: bytes(s.signer_cert.public_key.dump()) for s in _readable(pdf).embedded_signatures}
    except SealError:
        raise
    except (PdfError, ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise SealError(f"a signature in the PDF cannot be read ({exc})", field="document", rule="pdf") from None


def spki(certificate: x509.Certificate) -> bytes:
    """The certificate's DER SubjectPublicKeyInfo, as `field_signer_keys` gives it."""
    return bytes(asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)).public_key.dump())


def check_pdf(pdf: bytes) -> None:
    """None when `pdf` is a readable, unencrypted PDF (what an SM2 seal signs beside); SealError naming `document`."""
    _readable(pdf)


@contextmanager
def _quiet(name: str) -> Iterator[None]:
    """pyHanko logs a refused later revision with its traceback; the verdict (whole_file, summary) already says it.
    Silenced for this check only: the level is restored after, not set for the whole process."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _readable(pdf: bytes) -> PdfFileReader:
    """A reader over `pdf`; SealError naming `document` when it is not a PDF or is encrypted."""
    if not pdf.startswith(b"%PDF-"):
        raise SealError(
            f"the document is not a PDF (it does not begin with %PDF-; {len(pdf)} bytes)", field="document", rule="pdf"
        )
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        encrypted = reader.encrypted
        if not encrypted:
            reader.root  # noqa: B018 — reading the catalogue proves the cross-reference structure is sound
    except (PdfError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise SealError(
            f"the document begins with %PDF- but cannot be read as a PDF ({exc}; {len(pdf)} bytes)",
            field="document",
            rule="pdf",
        ) from None
    if encrypted:
        raise SealError(
            "the document is an encrypted PDF: a seal is appended to the file, which needs it unencrypted; ask "
            "the signing platform for the agreement without a password",
            field="document",
            rule="pdf_encrypted",
        )
    return reader


class _HeldKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner re-reads its key from DER for each signature, which for RSA re-runs the key's
    consistency check (~0.2 s, twice a seal: the size estimate and the real one); this signs with the key as
    loaded. Any mechanism but PKCS #1 v1.5 and ECDSA goes to SimpleSigner as before."""

    def __init__(self, key: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        digest = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, padding.PKCS1v15(), digest)
        if mechanism == "ecdsa" and isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(digest))
        return bytes(super().sign_raw(data, digest_algorithm))


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
