"""Canonical schemas: bad payloads are refused naming the field; money is exact; envelopes round-trip."""

import hashlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from schemas.agreement import Instalment, MediationAgreement, MonetaryTerm, SignatureRecord
from schemas.case import Attachment, CaseDispatch
from schemas.enums import (
    CourtDecisionKind,
    CourtStatus,
    DeclineReason,
    JcResult,
    MessageType,
    OutcomeCode,
    ProgressKind,
)
from schemas.envelope import (
    AgreementBody,
    ClosureBody,
    CourtDecisionBody,
    DispatchBody,
    Envelope,
    JcApplicationBody,
    OutcomeBody,
    ProgressBody,
)
from schemas.jc import CourtDecision, JcApplication
from schemas.outcome import FailureReport, MediationOutcome
from schemas.progress import ProgressUpdate
from tests.support import samples

AT = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


def _errors_text(exc: ValidationError) -> str:
    """Each error's location and message, as one searchable string."""
    return " | ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())


def _dispatch_data(**changes: Any) -> dict[str, Any]:
    data = samples.dispatch().model_dump(mode="json")
    data.update(changes)
    return data


def _rejected(model: type[BaseModel], data: dict[str, Any]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return caught.value


# ---- money


@pytest.mark.parametrize(
    ("amount", "why"),
    [
        (12.5, "float"),
        ("12.345", "more than two decimal places"),
        ("-0.01", "negative"),
        ("100000000000.01", "exceeds"),
        ("1e12", "exceeds"),
        ("NaN", "not finite"),
        ("twelve", "not a number"),
    ],
)
def test_bad_amount_is_rejected_naming_the_amount_field(amount: object, why: str) -> None:
    """A float, over-precise, negative, huge or non-numeric amount is refused on the `amount` field."""
    exc = _rejected(CaseDispatch, _dispatch_data(amount=amount))
    assert [e["loc"] for e in exc.errors()] == [("amount",)]
    assert why in exc.errors()[0]["msg"]


def test_amount_string_becomes_two_place_decimal() -> None:
    """'12.5' is stored as Decimal('12.50'), not a float and not with one place."""
    case = CaseDispatch.model_validate(_dispatch_data(amount="12.5"))
    assert isinstance(case.amount, Decimal)
    assert case.amount.as_tuple() == Decimal("12.50").as_tuple()


def test_amount_serialises_as_a_two_place_string() -> None:
    """Amounts leave the schema as strings with exactly two places, so no receiver parses a float."""
    case = CaseDispatch.model_validate(_dispatch_data(amount="12.5"))
    assert case.model_dump(mode="json")["amount"] == "12.50"
    assert '"amount":"12.50"' in case.model_dump_json()


def test_largest_allowed_amount_is_accepted() -> None:
    """The cap itself is a valid amount (the check is 'greater than', not 'at least')."""
    case = CaseDispatch.model_validate(_dispatch_data(amount="100000000000.00"))
    assert case.amount == Decimal("100000000000.00")


# ---- the dispatch


def test_naive_dispatch_time_is_rejected() -> None:
    """A dispatch time without a zone is ambiguous and refused on `dispatched_at`."""
    exc = _rejected(CaseDispatch, _dispatch_data(dispatched_at="2026-03-02T09:30:00"))
    assert [e["loc"] for e in exc.errors()] == [("dispatched_at",)]
    assert "timezone" in _errors_text(exc)


def test_dispatch_with_one_party_is_rejected() -> None:
    """A dispute needs at least two parties."""
    data = _dispatch_data()
    data["parties"] = data["parties"][:1]
    exc = _rejected(CaseDispatch, data)
    assert [e["loc"] for e in exc.errors()] == [("parties",)]


def test_unknown_extra_field_is_rejected() -> None:
    """A misspelt or unexpected field is refused by name rather than silently dropped."""
    exc = _rejected(CaseDispatch, _dispatch_data(amuont="10.00"))
    assert [e["loc"] for e in exc.errors()] == [("amuont",)]
    assert exc.errors()[0]["type"] == "extra_forbidden"


def test_attachment_with_bad_sha256_is_rejected() -> None:
    """An attachment digest must be 64 lower-case hex characters."""
    for bad in ["A" * 64, "a" * 63, "g" * 64]:
        with pytest.raises(ValidationError) as caught:
            Attachment(name="x.pdf", sha256=bad, size=1)
        assert [e["loc"] for e in caught.value.errors()] == [("sha256",)]


def test_valid_dispatch_is_accepted() -> None:
    """The sample dispatch passes, so the rejections above are caused by the one field each changes."""
    assert CaseDispatch.model_validate(_dispatch_data()) == samples.dispatch()


# ---- progress, outcome, court decision


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        (ProgressKind.DECLINED, "decline_reason"),
        (ProgressKind.MEDIATOR_ASSIGNED, "mediator"),
        (ProgressKind.EXTENDED, "new_due"),
    ],
)
def test_progress_missing_its_kinds_required_field_is_rejected(kind: ProgressKind, field: str) -> None:
    """A decline needs a reason, an assignment a mediator, an extension a new due date."""
    exc = _rejected(ProgressUpdate, {"kind": kind, "at": AT})
    assert field in _errors_text(exc)


@pytest.mark.parametrize(
    "update",
    [
        {"kind": ProgressKind.DECLINED, "decline_reason": DeclineReason.OUTSIDE_CHARTER},
        {"kind": ProgressKind.MEDIATOR_ASSIGNED, "mediator": "李调解"},
        {"kind": ProgressKind.EXTENDED, "new_due": date(2026, 4, 1)},
    ],
    ids=lambda u: u["kind"].value,
)
def test_progress_with_its_kinds_required_field_is_accepted(update: dict[str, Any]) -> None:
    """The same kinds pass once their field is given."""
    assert ProgressUpdate.model_validate({**update, "at": AT}).kind is update["kind"]


def test_mediator_assignment_with_blank_mediator_is_rejected() -> None:
    """An empty mediator name counts as no mediator."""
    exc = _rejected(ProgressUpdate, {"kind": ProgressKind.MEDIATOR_ASSIGNED, "at": AT, "mediator": ""})
    assert "mediator" in _errors_text(exc)


@pytest.mark.parametrize("code", [c for c in OutcomeCode if c is not OutcomeCode.AGREEMENT_REACHED], ids=str)
def test_failure_outcome_without_report_is_rejected(code: OutcomeCode) -> None:
    """Outcomes 2–8 must carry a failure report for the court."""
    exc = _rejected(MediationOutcome, {"code": code, "at": AT})
    assert "report" in _errors_text(exc)
    assert code.name in _errors_text(exc)


def test_agreement_outcome_needs_no_report() -> None:
    """Outcome 1 (agreement reached) stands without a failure report."""
    assert MediationOutcome(code=OutcomeCode.AGREEMENT_REACHED, at=AT).report is None


def test_jc_ruling_without_result_is_rejected() -> None:
    """A judicial-confirmation ruling must say what the court ruled."""
    exc = _rejected(CourtDecision, {"kind": CourtDecisionKind.JC_RULING, "decided_at": AT})
    assert "jc_result" in _errors_text(exc)


def test_mediation_document_needs_no_jc_result() -> None:
    """A 调解书 is not a JC ruling, so it carries no jc_result."""
    decision = CourtDecision(kind=CourtDecisionKind.MEDIATION_DOC_ISSUED, decided_at=AT)
    assert decision.jc_result is None


# ---- the agreement


def test_instalments_not_adding_up_to_the_total_are_rejected() -> None:
    """An instalment plan must sum exactly to the total owed."""
    exc = _rejected(
        MonetaryTerm,
        {
            "payer": "张三",
            "payee": "银行",
            "total": "100.00",
            "instalments": [{"due": "2026-04-01", "amount": "50.00"}, {"due": "2026-05-01", "amount": "49.99"}],
        },
    )
    assert "instalments" in _errors_text(exc)


def test_instalments_adding_up_exactly_are_accepted() -> None:
    """Instalments that sum to the total to the cent pass (Decimal arithmetic, no float drift)."""
    term = MonetaryTerm(
        payer="张三",
        payee="银行",
        total=Decimal("0.30"),
        instalments=(
            Instalment(due=date(2026, 4, 1), amount=Decimal("0.10")),
            Instalment(due=date(2026, 5, 1), amount=Decimal("0.20")),
        ),
    )
    assert sum(i.amount for i in term.instalments) == term.total


def test_agreement_with_bad_document_digest_is_rejected() -> None:
    """The agreement's document_sha256 must be a hex SHA-256."""
    data = samples.agreement().model_dump(mode="json")
    data["document_sha256"] = "not-a-digest"
    exc = _rejected(MediationAgreement, data)
    assert [e["loc"] for e in exc.errors()] == [("document_sha256",)]


def test_agreement_takes_effect_at_the_last_party_signature() -> None:
    """Mediator and organisation signatures after the last party's do not move the effective time."""
    t = AT
    agreement = MediationAgreement(
        terms="分期还款",
        document_sha256=hashlib.sha256(b"doc").hexdigest(),
        signatures=(
            SignatureRecord(signer="调解中心", role="organisation", signed_at=t + timedelta(days=2)),
            SignatureRecord(signer="张三", role="defendant", signed_at=t + timedelta(hours=3)),
            SignatureRecord(signer="李调解", role="mediator", signed_at=t + timedelta(days=1)),
            SignatureRecord(signer="银行", role="plaintiff", signed_at=t),
        ),
    )
    assert agreement.effective_at == t + timedelta(hours=3)


def test_naive_signature_time_is_rejected() -> None:
    """A signature time without a zone is refused on `signed_at`, like a naive dispatch time."""
    with pytest.raises(ValidationError) as caught:
        SignatureRecord(signer="张三", role="defendant", signed_at=datetime(2026, 3, 2, 9, 30))
    assert "signed_at" in _errors_text(caught.value)


def test_sample_agreement_effective_time_ignores_later_mediator_and_seal() -> None:
    """The shared sample is effective at the time it was built for, not at its later seal."""
    assert samples.agreement(effective=AT).effective_at == AT


# ---- the envelope


def _bodies() -> list[Any]:
    agreement = samples.agreement(effective=AT)
    document_b64 = "JVBERi0xLjcgc2FtcGxl"
    report = FailureReport(reason="被申请人拒绝继续调解", facts="欠款事实清楚")
    return [
        DispatchBody(dispatch=samples.dispatch()),
        ProgressBody(
            progress=ProgressUpdate(
                kind=ProgressKind.DECLINED, at=AT, decline_reason=DeclineReason.UNSUITABLE, note="不适宜调解"
            )
        ),
        OutcomeBody(outcome=MediationOutcome(code=OutcomeCode.PARTY_REFUSES_TO_CONTINUE, at=AT, report=report)),
        AgreementBody(agreement=agreement, document_b64=document_b64),
        JcApplicationBody(
            application=JcApplication(
                applicant="张三",
                consenting_party="银行",
                applied_at=AT + timedelta(days=1),
                agreement_effective_at=AT,
                case=samples.dispatch(),
            ),
            agreement=agreement,
            document_b64=document_b64,
        ),
        ClosureBody(closed_at=AT, note="自动履行"),
        CourtDecisionBody(
            decision=CourtDecision(
                kind=CourtDecisionKind.JC_RULING,
                decided_at=AT,
                jc_result=JcResult.CONFIRMED,
                document_number="（2026）粤0104民特1号",
            )
        ),
    ]


def test_every_body_type_is_covered() -> None:
    """The round-trip test below exercises every message type the envelope can carry."""
    assert {b.type for b in _bodies()} == set(MessageType)


@pytest.mark.parametrize("body", _bodies(), ids=lambda b: b.type.value)
def test_envelope_round_trips_through_json_for_each_body_type(body: Any) -> None:
    """model_dump_json then model_validate_json gives back an equal envelope with the same body class."""
    envelope = Envelope(
        message_id="M-1",
        platform="p1",
        platform_case_id="0104-5f3a9c",
        created_at=AT,
        body=body,
        status_after=CourtStatus.MEDIATING,
    )
    again = Envelope.model_validate_json(envelope.model_dump_json())
    assert again == envelope
    assert type(again.body) is type(body)
    assert again.type is body.type


def test_envelope_with_unknown_body_type_is_rejected() -> None:
    """The discriminator refuses a body type it does not know, naming the body."""
    envelope = Envelope(
        message_id="M-1", platform="p1", platform_case_id="c", created_at=AT, body=ClosureBody(closed_at=AT)
    )
    raw = envelope.model_dump_json().replace('"type":"closure"', '"type":"telegram"')
    with pytest.raises(ValidationError) as caught:
        Envelope.model_validate_json(raw)
    assert caught.value.errors()[0]["loc"][0] == "body"
