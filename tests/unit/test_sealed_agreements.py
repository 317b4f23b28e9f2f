"""Agreements sealed by the use cases: the sealed PDF travels, the digest names it, the original is kept."""

import base64
import hashlib
from datetime import datetime, timedelta

import pytest

from adapter.errors import InvalidRequest
from adapter.outbox.attachments import attach_from
from adapter.seal.pades import verify_pdf
from adapter.services import CentreServices
from adapter.states import CaseStatus, Event
from adapter.testing import FakeClock
from adapter.testing.fake_store import FakeCaseStore
from schemas.enums import Flow
from schemas.envelope import AgreementBody, Envelope, JcApplicationBody
from signing.cms import CmsInvalid, verify_detached
from tests.support import samples
from tests.support import seal as support

START = datetime.now(samples.CST).replace(microsecond=0) - timedelta(days=1)


def _world(kind: str = "ec-p256", *, sealed: bool = True) -> tuple[CentreServices, FakeClock, FakeCaseStore, str]:
    store, clock = FakeCaseStore(), FakeClock(START)
    seal = (support.sm2_sealer(START) if kind == "sm2" else support.sealer(kind, START)) if sealed else None
    services = CentreServices(store, clock, actor="centre:test", seal=seal)
    with store.begin() as cases:
        case = cases.create(samples.dispatch(Flow.DELEGATED), platform="p1", at=START)
        cases.transition(case, Event.REGISTER, actor="test", at=START)
        case_id = case.id
    for step in (
        services.accept,
        lambda c: services.assign_mediator(c, "李调解"),
        lambda c: services.hold_session(c, "线上"),
    ):
        clock.now += timedelta(hours=1)
        step(case_id)
    clock.now += timedelta(hours=1)
    return services, clock, store, case_id


def _sent(store: FakeCaseStore) -> list[Envelope]:
    def document(sha256: str) -> bytes | None:
        row = store.document(sha256)
        return None if row is None else row.content

    return [Envelope.model_validate_json(attach_from(r.type, r.envelope_json, document)) for r in store.outbox()]


@pytest.mark.parametrize("kind", support.KINDS)
def test_the_agreement_and_jc_messages_carry_the_sealed_pdf_named_by_its_digest(kind: str) -> None:
    services, clock, store, case_id = _world(kind)
    effective = clock.now - timedelta(minutes=10)
    services.submit_agreement(case_id, samples.agreement(effective, support.PDF), support.PDF)
    body = _sent(store)[-1].body
    assert isinstance(body, AgreementBody)
    sealed = base64.b64decode(body.document_b64)
    assert sealed != support.PDF and sealed.startswith(support.PDF)
    assert body.agreement.document_sha256 == hashlib.sha256(sealed).hexdigest()  # wjzy names what wj holds
    assert body.agreement.organisation_seal_at == clock.now
    assert support.pdfsig_valid(support.pdfsig(sealed))
    assert services.seal is not None
    assert verify_pdf(sealed, services.seal.chain).ok  # type: ignore[attr-defined]
    original = store.document(hashlib.sha256(support.PDF).hexdigest())  # the parties' signed original, kept
    assert original is not None and original.content == support.PDF
    clock.now += timedelta(days=1)
    assert services.apply_jc(case_id, "张三", "某某银行股份有限公司") is CaseStatus.JC_APPLIED
    jc = _sent(store)[-1].body
    assert isinstance(jc, JcApplicationBody)
    assert base64.b64decode(jc.document_b64) == sealed  # the same sealed bytes, not sealed again
    assert jc.agreement.document_sha256 == body.agreement.document_sha256


def test_an_agreement_recorded_before_sealing_is_sealed_for_its_jc_application() -> None:
    plain, clock, store, case_id = _world(sealed=False)
    plain.submit_agreement(case_id, samples.agreement(clock.now - timedelta(minutes=10), support.PDF), support.PDF)
    first = _sent(store)[-1].body
    assert isinstance(first, AgreementBody) and base64.b64decode(first.document_b64) == support.PDF
    sealer = support.sealer("rsa", START)
    services = CentreServices(store, clock, actor="centre:test", seal=sealer)
    clock.now += timedelta(days=1)
    services.apply_jc(case_id, "张三", "某某银行股份有限公司")
    jc = _sent(store)[-1].body
    assert isinstance(jc, JcApplicationBody)
    sealed = base64.b64decode(jc.document_b64)
    assert jc.agreement.document_sha256 == hashlib.sha256(sealed).hexdigest()
    assert verify_pdf(sealed, sealer.chain).ok


def _state(store: FakeCaseStore, case_id: str) -> tuple[object, ...]:
    row = store.case(case_id)
    assert row is not None
    return row.status, row.agreement_json, len(store.outbox()), len(store.history(case_id))


def _refusals() -> list[tuple[str, bytes, str]]:
    return [
        ("PDF header over junk", samples.DOCUMENT, "pdf"),
        ("encrypted PDF", support.encrypted_pdf(), "pdf_encrypted"),
    ]


@pytest.mark.parametrize(("case", "document", "rule"), _refusals(), ids=[c for c, _, _ in _refusals()])
def test_a_document_that_cannot_be_sealed_is_refused_and_nothing_is_written(
    case: str, document: bytes, rule: str
) -> None:
    services, clock, store, case_id = _world()
    before = _state(store, case_id)
    with pytest.raises(InvalidRequest) as refused:
        services.submit_agreement(case_id, samples.agreement(clock.now - timedelta(minutes=10), document), document)
    assert (refused.value.field, refused.value.rule) == ("document", rule), case
    assert _state(store, case_id) == before
    assert store.document(hashlib.sha256(document).hexdigest()) is None


def test_an_expired_seal_certificate_refuses_the_agreement_naming_the_chain() -> None:
    services, clock, store, case_id = _world()
    clock.now += timedelta(days=5000)  # past the certificate's ten years
    before = _state(store, case_id)
    with pytest.raises(InvalidRequest) as refused:
        services.submit_agreement(case_id, samples.agreement(START + timedelta(hours=4), support.PDF), support.PDF)
    assert (refused.value.field, refused.value.rule) == ("seal.certificate_chain", "certificate_expired")
    assert _state(store, case_id) == before


def test_an_sm2_seal_travels_beside_the_pdf_as_a_detached_cms_that_openssl_verifies() -> None:
    services, clock, store, case_id = _world("sm2")
    services.submit_agreement(case_id, samples.agreement(clock.now - timedelta(minutes=10), support.PDF), support.PDF)
    clock.now += timedelta(days=1)
    services.apply_jc(case_id, "张三", "某某银行股份有限公司")
    assert services.seal is not None
    roots = list(services.seal.chain)  # type: ignore[attr-defined]
    agreement_body, jc_body = (e.body for e in _sent(store)[-2:])
    assert isinstance(agreement_body, AgreementBody) and isinstance(jc_body, JcApplicationBody)
    for body in (agreement_body, jc_body):
        pdf = base64.b64decode(body.document_b64)
        assert pdf == support.PDF  # the PDF as the parties signed it, named by its own digest
        assert body.agreement.document_sha256 == hashlib.sha256(pdf).hexdigest()
        assert body.seal_cms_b64 is not None
        cms = base64.b64decode(body.seal_cms_b64)
        ok, said = support.openssl_cms_verify(pdf, cms, roots)
        assert ok, said
        assert verify_detached(pdf, cms, roots).signature_algorithm == "1.2.156.10197.1.501"  # SM2 with SM3
        refused, said = support.openssl_cms_verify(support.tampered(pdf), cms, roots)
        assert not refused, said
        with pytest.raises(CmsInvalid):
            verify_detached(support.tampered(pdf), cms, roots)


class _CountingSeal:
    """A seal that counts its uses: a refused request must not pay for one."""

    def __init__(self, inner: object) -> None:
        self.inner, self.calls = inner, 0

    def seal(self, document: bytes, now: datetime) -> object:
        self.calls += 1
        return self.inner.seal(document, now)  # type: ignore[attr-defined]

    def carries_seal(self, document: bytes) -> bool:
        return self.inner.carries_seal(document)  # type: ignore[attr-defined]


def test_the_history_keeps_the_original_digest_beside_the_sealed_one() -> None:
    services, clock, store, case_id = _world()
    services.submit_agreement(case_id, samples.agreement(clock.now - timedelta(minutes=10), support.PDF), support.PDF)
    body = _sent(store)[-1].body
    assert isinstance(body, AgreementBody)
    original = hashlib.sha256(support.PDF).hexdigest()
    (drafted,) = [e for e in store.history(case_id) if e.event == Event.DRAFT_AGREEMENT]
    assert f"original {original} → sealed {body.agreement.document_sha256}" in drafted.detail
    assert "CST" in drafted.detail  # the sealing time, China time


def test_an_agreement_sealed_at_jc_time_says_so_in_the_jc_history_entry() -> None:
    plain, clock, store, case_id = _world(sealed=False)
    plain.submit_agreement(case_id, samples.agreement(clock.now - timedelta(minutes=10), support.PDF), support.PDF)
    (drafted,) = [e for e in store.history(case_id) if e.event == Event.DRAFT_AGREEMENT]
    assert "sealed" not in drafted.detail
    services = CentreServices(store, clock, actor="centre:test", seal=support.sealer("ec-p256", START))
    clock.now += timedelta(days=1)
    services.apply_jc(case_id, "张三", "某某银行股份有限公司")
    jc = _sent(store)[-1].body
    assert isinstance(jc, JcApplicationBody)
    applied = store.history(case_id)[-1]
    assert applied.event == Event.APPLY_JC
    original = hashlib.sha256(support.PDF).hexdigest()
    assert f"original {original} → sealed {jc.agreement.document_sha256}" in applied.detail


@pytest.mark.parametrize(
    ("case", "change", "rule"),
    [
        ("no party signature", {"signatures": ()}, "party_signature"),
        ("signed in the future", "future", "signed_at"),
        ("wrong case state", "state", "illegal"),
    ],
)
def test_a_refused_agreement_is_refused_before_sealing_and_writes_nothing(case: str, change: object, rule: str) -> None:
    services, clock, store, case_id = _world()
    counting = _CountingSeal(services.seal)
    services.seal = counting  # type: ignore[assignment]
    agreement = samples.agreement(clock.now - timedelta(minutes=10), support.PDF)
    if isinstance(change, dict):
        agreement = agreement.model_copy(update=change)
    elif change == "future":
        signatures = tuple(
            s.model_copy(update={"signed_at": clock.now + timedelta(days=2)}) for s in agreement.signatures
        )
        agreement = agreement.model_copy(update={"signatures": signatures})
    else:
        services.submit_agreement(case_id, agreement, support.PDF)  # effective now: a second submission is refused
        counting.calls = 0
    before = _state(store, case_id)
    with pytest.raises(Exception) as refused:
        services.submit_agreement(case_id, agreement, support.PDF)
    assert getattr(refused.value, "rule", "illegal") == rule, case
    assert counting.calls == 0, case
    assert _state(store, case_id) == before
