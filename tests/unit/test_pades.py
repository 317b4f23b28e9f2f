"""The centre's PAdES e-seal: checked by poppler's pdfsig and pyHanko's validator; a change refused by both."""

import hashlib
import io
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from pydantic import ValidationError
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from adapter.keys import seal_certificate
from adapter.keys.keyring import Keyring
from adapter.keys.wsse_files import certificate_pem
from adapter.seal.certificates import pem, self_signed
from adapter.seal.pades import SealError, check_key_and_chain, seal_pdf, verify_pdf
from adapter.seal.sealer import Sealer
from adapter.seal.settings import SealSettings
from signing import sm2
from signing.keyfiles import private_pem, write_secret
from tests.support import seal as support

NOW = datetime.now(UTC)


@pytest.mark.parametrize("visible", [False, True], ids=["invisible", "visible"])
@pytest.mark.parametrize("kind", support.KINDS)
def test_sealed_pdf_verifies_with_pdfsig_and_pyhanko(kind: str, visible: bool) -> None:
    sealer = support.sealer(kind, NOW)
    sealed = seal_pdf(support.PDF, sealer.key, sealer.chain, now=NOW, reason="调解组织电子印章", visible=visible)
    assert sealed.startswith(support.PDF)  # an incremental update: the parties' original is the first revision
    report = support.pdfsig(sealed)
    assert support.pdfsig_valid(report), report
    assert "Signing Hash Algorithm: SHA-256" in report
    assert "Signature Type: ETSI.CAdES.detached" in report  # PAdES (ETSI EN 319 142-1)
    check = verify_pdf(sealed, sealer.chain)
    assert (check.intact, check.valid, check.whole_file, check.trusted) == (True, True, True, True), check.summary
    assert check.ok and check.field_name == "CentreSeal" and "某调解中心电子印章" in check.signer


@pytest.mark.parametrize("kind", support.KINDS)
def test_one_byte_changed_in_the_signed_range_is_refused_by_both(kind: str) -> None:
    sealer = support.sealer(kind, NOW)
    changed = support.tampered(seal_pdf(support.PDF, sealer.key, sealer.chain, now=NOW))
    report = support.pdfsig(changed)
    assert "Signature Validation: Signature is Valid." not in report, report
    assert "Digest Mismatch" in report, report
    check = verify_pdf(changed, sealer.chain)
    assert not check.intact and not check.ok


def test_a_revision_added_after_the_seal_is_not_the_whole_file_for_either(caplog: pytest.LogCaptureFixture) -> None:
    sealer = support.sealer("ec-p256", NOW)
    writer = IncrementalPdfFileWriter(io.BytesIO(seal_pdf(support.PDF, sealer.key, sealer.chain, now=NOW)))
    writer.root["/Lang"] = generic.TextStringObject("en")  # a change after sealing, in a new revision
    writer.update_root()
    later = io.BytesIO()
    writer.write(later)
    assert "Not total document signed" in support.pdfsig(later.getvalue())
    check = verify_pdf(later.getvalue(), sealer.chain)
    assert check.intact and not check.whole_file and not check.ok
    assert not [r for r in caplog.records if r.exc_info]  # said in the verdict, not as a logged traceback


def test_a_seal_not_under_the_given_roots_is_valid_but_not_trusted() -> None:
    sealer, other = support.sealer("ec-p256", NOW), support.sealer("ec-p256", NOW)
    check = verify_pdf(seal_pdf(support.PDF, sealer.key, sealer.chain, now=NOW), other.chain)
    assert (check.intact, check.valid, check.trusted, check.ok) == (True, True, False, False)


def _bad_inputs() -> list[tuple[str, bytes, str]]:
    return [
        ("not a PDF", b"PK\x03\x04 a zip file", "pdf"),
        ("a PDF header over junk", b"%PDF-1.7 sample mediation agreement", "pdf"),
        ("encrypted", support.encrypted_pdf(), "pdf_encrypted"),
    ]


@pytest.mark.parametrize(("case", "document", "rule"), _bad_inputs(), ids=[c for c, _, _ in _bad_inputs()])
def test_documents_that_cannot_be_sealed_are_refused_naming_the_document(case: str, document: bytes, rule: str) -> None:
    sealer = support.sealer("rsa", NOW)
    with pytest.raises(SealError) as refused:
        seal_pdf(document, sealer.key, sealer.chain, now=NOW)
    assert (refused.value.field, refused.value.rule) == ("document", rule), case
    with pytest.raises(SealError):
        verify_pdf(document, sealer.chain)


def test_an_unsigned_pdf_is_refused_by_verify() -> None:
    with pytest.raises(SealError, match="no signature") as refused:
        verify_pdf(support.PDF, support.sealer("rsa", NOW).chain)
    assert refused.value.rule == "signed"


def _key_problems() -> list[tuple[str, object, object, str]]:
    key, other = support.new_key("rsa"), support.new_key("ec-p256")
    return [
        ("another key's certificate", key, self_signed(other, "other", NOW), "key_mismatch"),
        ("expired", key, self_signed(key, "old", NOW - timedelta(days=400), days=365), "certificate_expired"),
        ("not yet valid", key, self_signed(key, "new", NOW + timedelta(days=2)), "certificate_not_yet_valid"),
        ("SM2 key, another key's certificate", sm2.new_private_key(), self_signed(other, "sm2", NOW), "key_mismatch"),
    ]


@pytest.mark.parametrize(("case", "key", "cert", "rule"), _key_problems(), ids=[c[0] for c in _key_problems()])
def test_a_key_and_certificate_that_cannot_seal_are_refused_naming_the_chain(
    case: str, key: object, cert: object, rule: str
) -> None:
    with pytest.raises(SealError) as refused:
        check_key_and_chain(key, [cert], NOW)  # type: ignore[list-item]
    assert (refused.value.field, refused.value.rule) == ("seal.certificate_chain", rule), case
    with pytest.raises(SealError):
        seal_pdf(support.PDF, key, [cert], now=NOW)  # type: ignore[list-item]


def test_the_original_is_the_sealed_files_first_bytes() -> None:
    sealer = support.sealer("ec-p256", NOW)
    sealed = seal_pdf(support.PDF, sealer.key, sealer.chain, now=NOW)
    assert hashlib.sha256(sealed[: len(support.PDF)]).hexdigest() == hashlib.sha256(support.PDF).hexdigest()


def test_an_sm2_seal_is_refused_in_the_pdf_naming_the_cms_beside_it() -> None:
    key = sm2.new_private_key()
    cert = x509.load_pem_x509_certificate(certificate_pem(key, x509.Name([]), NOW, 30))
    check_key_and_chain(key, [cert], NOW)  # the SM2 certificate is the key's: a CMS seal may use it
    with pytest.raises(SealError, match="detached CMS") as refused:
        seal_pdf(support.PDF, key, [cert], now=NOW)
    assert refused.value.rule == "sm2_pades"


def test_sealer_from_settings_checks_the_key_against_the_chain_at_load(tmp_path: Path) -> None:
    key, other = support.new_key("ec-p256"), support.new_key("ec-p256")
    write_secret(tmp_path / "seal.key", private_pem(key))
    (tmp_path / "chain.pem").write_bytes(pem(self_signed(other, "other", NOW)))
    settings = SealSettings(enabled=True, key_file=tmp_path / "seal.key", certificate_chain=tmp_path / "chain.pem")
    with pytest.raises(SealError, match=r"chain\.pem") as refused:
        Sealer.from_settings(settings, NOW)
    assert (refused.value.field, refused.value.rule) == ("seal.certificate_chain", "key_mismatch")
    (tmp_path / "chain.pem").write_text("not a certificate")
    with pytest.raises(SealError, match="no PEM certificate"):
        Sealer.from_settings(settings, NOW)
    assert Sealer.from_settings(SealSettings(), NOW) is None  # off by default


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ({"enabled": True, "certificate_chain": "c.pem"}, "exactly one of key_file"),
        ({"enabled": True, "key_file": "k.pem", "keyring": "ring", "certificate_chain": "c.pem"}, "exactly one"),
        ({"enabled": True, "key_file": "k.pem"}, "certificate_chain"),
        ({"enabled": False, "visble": True}, "visble"),
    ],
)
def test_seal_settings_name_what_is_missing(given: dict[str, object], said: str) -> None:
    with pytest.raises(ValidationError, match=said):
        SealSettings.model_validate(given)


@pytest.mark.parametrize("algorithm", ["ES256", "PS256"])
def test_a_keyring_seals_with_its_active_key_and_the_certificate_docking_keys_cert_wrote(
    tmp_path: Path, algorithm: str
) -> None:
    ring = Keyring.open(tmp_path / "ring", create=True)
    record = ring.generate("seal-1", algorithm, NOW)
    ring.activate(record.key_id, NOW, timedelta(0))
    ring.save()
    written = seal_certificate.make(ring, seal_certificate.SealSubject("某调解中心"), NOW, request=False, days=30)
    sealer = Sealer.from_settings(SealSettings(enabled=True, keyring=tmp_path / "ring"), NOW)
    assert sealer is not None
    sealed = sealer.seal(support.PDF, NOW).document
    assert support.pdfsig_valid(support.pdfsig(sealed))
    assert verify_pdf(sealed, x509.load_pem_x509_certificates(written.path.read_bytes())).ok


def test_a_centre_seal_field_signed_by_another_key_is_refused_not_forwarded_as_ours() -> None:
    ours, theirs = support.sealer("ec-p256", NOW), support.sealer("ec-p256", NOW)
    assert ours.carries_seal(ours.seal(support.PDF, NOW).document)
    forged = theirs.seal(support.PDF, NOW).document  # the same field name, "CentreSeal", another key
    with pytest.raises(SealError) as refused:
        ours.carries_seal(forged)
    assert refused.value.rule == "foreign_seal" and refused.value.field == "document"
    assert not ours.carries_seal(support.PDF)


def _mutations(pdf: bytes, count: int, seed: int) -> list[bytes]:
    """`count` copies of `pdf` with 1–3 bytes past its %PDF- header replaced (fixed seed: the same cases each run)."""
    draw, out = random.Random(seed), []
    for _ in range(count):
        changed = bytearray(pdf)
        for _ in range(draw.randint(1, 3)):
            changed[draw.randrange(8, len(changed))] = draw.randrange(256)
        out.append(bytes(changed))
    return out


def test_a_damaged_pdf_is_refused_naming_the_document_never_with_another_error() -> None:
    """pyHanko reads lazily, so damage shows while it writes or validates: every outcome is a seal, a check, or a
    SealError naming `document` — never a parser's own exception (a traceback at the CLI, a 500 at the API)."""
    sealer = support.sealer("ec-p256", NOW)
    sealed = seal_pdf(support.PDF, sealer.key, sealer.chain, now=NOW)
    refused = 0
    for damaged in _mutations(support.PDF, 60, seed=20):
        try:
            seal_pdf(damaged, sealer.key, sealer.chain, now=NOW)
        except SealError as exc:
            assert exc.field == "document", exc
            refused += 1
    for damaged in _mutations(sealed, 120, seed=21):
        try:
            verify_pdf(damaged, sealer.chain)
        except SealError as exc:
            assert exc.field == "document", exc
            refused += 1
    assert refused  # the damage reached the parser at least once: the test exercised the refusals
