"""End to end: the centre seals the agreement (`[seal]` on), the sandbox court (REST and SOAP) receives the sealed
PDF in the agreement and the JC application, and the court's clerk checks what it received with standard tools:
pdfsig and pyHanko's validator for a PAdES seal (RSA, EC P-256), `openssl cms -verify` for an SM2 seal beside it."""

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from adapter.config.settings import Settings
from adapter.keys.wsse_files import certificate_pem
from adapter.seal.certificates import pem, self_signed
from adapter.seal.pades import verify_pdf
from adapter.seal.settings import SealSettings
from adapter.states import CaseStatus
from scheduler import build_runtime
from signing import sm2
from signing.keyfiles import private_pem, write_secret
from tests.support import seal as support
from tests.support.court import Court
from tests.support.runtime import agreement, case_for, parties, pump, status_of

pytestmark = pytest.mark.integration

CASES = [("rsa", "rest"), ("ec-p256", "soap"), ("sm2", "rest"), ("sm2", "soap")]


@pytest.mark.parametrize(("kind", "transport"), CASES, ids=[f"{k}-{t}" for k, t in CASES])
def test_the_court_receives_the_sealed_agreement_and_it_verifies(
    kind: str, transport: str, settings: Settings, court: Court, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    if kind == "sm2":
        key = sm2.new_private_key()
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "centre seal SM2")])
        cert = x509.load_pem_x509_certificate(certificate_pem(key, name, now, 30))
    else:
        key = support.new_key(kind)
        cert = self_signed(key, "某调解中心电子印章", now, days=30)
    write_secret(tmp_path / "seal.key", private_pem(key, b"seal-pass"))
    (tmp_path / "chain.pem").write_bytes(pem(cert))
    monkeypatch.setenv("TEST_SEAL_PASSPHRASE", "seal-pass")
    seal = SealSettings(
        enabled=True,
        key_file=tmp_path / "seal.key",
        passphrase_env="TEST_SEAL_PASSPHRASE",
        certificate_chain=tmp_path / "chain.pem",
        visible=True,
        location="北京",
    )
    runtime = build_runtime(settings.model_copy(update={"seal": seal}))
    (ajbs,) = court.core.dispatch(1, "01")
    pump(runtime, 1)
    case = case_for(runtime, ajbs)
    s = runtime.services
    s.accept(case.id)
    s.assign_mediator(case.id, "陈调解员")
    s.hold_session(case.id, "第一次调解")
    assert s.submit_agreement(case.id, agreement(support.PDF), support.PDF) is CaseStatus.AGREEMENT_EFFECTIVE
    pump(runtime)
    s.apply_jc(case.id, *parties(runtime, case.id))
    pump(runtime)
    assert status_of(runtime, case.id) is CaseStatus.JC_CONFIRMED
    received = court.core.documents[ajbs]  # what the court got in wj: digest-checked against wjzy on receipt
    assert len(received) == 2 and received[0] == received[1]  # the agreement, then the JC application
    if kind == "sm2":  # the PDF as the parties signed it; the seal beside it (wjqm), one per message
        assert received[0] == support.PDF
        cms = court.core.seals[ajbs]
        assert len(cms) == 2
        for signature in cms:
            ok, said = support.openssl_cms_verify(received[0], signature, [cert])
            assert ok, said
        return
    sealed = received[0]
    assert sealed.startswith(support.PDF) and hashlib.sha256(sealed).digest() != hashlib.sha256(support.PDF).digest()
    assert support.pdfsig_valid(support.pdfsig(sealed))
    check = verify_pdf(sealed, [cert])
    assert check.ok, check.summary
    assert ajbs not in court.core.seals
