"""Control characters and lone surrogates are refused in every canonical text field, naming the field (issue 14)."""

from typing import Any, get_args

import pytest
from pydantic import BaseModel, ValidationError

from schemas import agreement, case, envelope, jc, outcome, progress
from schemas.text import free_text, one_line
from tests.support import samples

REFUSED = ["\x00", "\x01", "\x1b", "\x7f", "\x80", "\x85", "\x9f", "\ud800", "\udcff"]
LINE_BREAKS = ["\t", "\n", "\r"]
# Strings that are not free-form text: checked by their own rule (a digest pattern) or deliberately lenient
# (contact details never refuse a message, issue 12).
NOT_TEXT = {
    ("Party", "phone"),
    ("Party", "address"),
    ("Attachment", "sha256"),
    ("MediationAgreement", "document_sha256"),
}
MODELS: list[type[BaseModel]] = [
    case.Party,
    case.Attachment,
    case.CaseDispatch,
    agreement.MonetaryTerm,
    agreement.SignatureRecord,
    agreement.MediationAgreement,
    jc.JcApplication,
    jc.CourtDecision,
    outcome.FailureReport,
    progress.ProgressUpdate,
    envelope.AgreementBody,
    envelope.JcApplicationBody,
    envelope.ClosureBody,
    envelope.Envelope,
]


def _string_fields() -> list[tuple[type[BaseModel], str, Any]]:
    found = []
    for model in MODELS:
        for name, info in model.model_fields.items():
            if str in (info.annotation, *get_args(info.annotation)):
                found.append((model, name, info))
    return found


# model and field name: the field's description shows addresses, which differ between processes (pytest-xdist's
# workers must collect the same names)
@pytest.mark.parametrize(
    ("model", "name", "info"), _string_fields(), ids=[f"{model.__name__}-{name}" for model, name, _ in _string_fields()]
)
def test_every_canonical_string_field_is_checked_for_control_characters(
    model: type[BaseModel], name: str, info: Any
) -> None:
    """Each str field is Line or Text (or named in NOT_TEXT with its reason): a new field cannot miss the check."""
    if (model.__name__, name) in NOT_TEXT:
        return
    validators = [getattr(m, "func", None) for m in info.metadata]
    assert one_line in validators or free_text in validators, f"{model.__name__}.{name} is a plain str"


def _party(name: str) -> dict[str, Any]:
    return samples.dispatch().parties[1].model_dump() | {"name": name}


# (what, build with the text put in one field, the field's location as pydantic names it, free text?)
FIELDS = [
    ("party name", lambda t: case.Party.model_validate(_party("张" + t + "三")), "name", False),
    (
        "court case id",
        lambda t: samples.dispatch(platform_case_id="0104" + t),
        "platform_case_id",
        False,
    ),
    ("claims", lambda t: samples.dispatch(claims="请求" + t + "判令"), "claims", True),
    ("cause", lambda t: samples.dispatch(cause="信用卡" + t + "纠纷"), "cause", False),
    ("designated mediator", lambda t: samples.dispatch(designated_mediator="王" + t), "designated_mediator", False),
    (
        "mediator",
        lambda t: progress.ProgressUpdate(kind="mediator_assigned", at=samples.T0, mediator="王" + t),
        "mediator",
        False,
    ),
    ("progress note", lambda t: progress.ProgressUpdate(kind="session", at=samples.T0, note="a" + t), "note", True),
    ("failure reason", lambda t: outcome.FailureReport(reason="b" + t), "reason", True),
    (
        "court decision reason",
        lambda t: jc.CourtDecision(kind="jc_ruling", decided_at=samples.T0, jc_result="rejected", reason=t),
        "reason",
        True,
    ),
    (
        "agreement terms",
        lambda t: agreement.MediationAgreement.model_validate(samples.agreement().model_dump() | {"terms": "x" + t}),
        "terms",
        True,
    ),
    ("message id", lambda t: samples.accepted("MC-1", message_id="M" + t), "message_id", False),
]


@pytest.mark.parametrize("char", REFUSED, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize(("what", "build", "loc", "free"), FIELDS, ids=[f[0] for f in FIELDS])
def test_a_control_character_is_refused_naming_the_field(
    what: str, build: Any, loc: str, free: bool, char: str
) -> None:
    """NUL, other C0 controls, DEL, C1 controls and lone surrogates: refused with the field and code point."""
    with pytest.raises(ValidationError) as caught:
        build(char)
    (error,) = caught.value.errors()
    assert error["loc"][-1] == loc and f"U+{ord(char):04X}" in error["msg"]


@pytest.mark.parametrize("char", LINE_BREAKS, ids=["tab", "LF", "CR"])
@pytest.mark.parametrize(("what", "build", "loc", "free"), FIELDS, ids=[f[0] for f in FIELDS])
def test_tab_and_line_breaks_are_allowed_in_free_text_only(
    what: str, build: Any, loc: str, free: bool, char: str
) -> None:
    """A claim or a reason may have lines; a name, an id or a cause may not."""
    if free:
        build(char)
    else:
        with pytest.raises(ValidationError, match=loc):
            build(char)


def test_a_contact_detail_with_a_control_character_is_kept() -> None:
    """Phone and address stay lenient (issue 12): never a reason to refuse a dispatch."""
    party = case.Party.model_validate(_party("张三") | {"address": "广州\x00市", "phone": "138\x001234"})
    assert party.address == "广州\x00市"
