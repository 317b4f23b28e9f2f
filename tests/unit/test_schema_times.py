"""The canonical records' times never fall back to pydantic's Unix-time reading of numbers and digit strings,
whatever path reaches them (a connector, the fake court, a stored message, a file given to the CLI)."""

import importlib
import pkgutil
from datetime import date, datetime
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

import schemas
from connectors.fake import FakeCourtPlatform
from connectors.port import Feed, PayloadError
from schemas import complaint as cp
from schemas.agreement import Instalment, MediationAgreement, SignatureRecord
from schemas.case import CaseDispatch
from schemas.enums import CourtDecisionKind, JcResult, OutcomeCode, ProgressKind
from schemas.envelope import ClosureBody, DispatchBody, Envelope
from schemas.jc import CourtDecision, JcApplication
from schemas.outcome import MediationOutcome
from schemas.progress import ProgressUpdate
from schemas.times import CalendarDate, Timestamp
from tests.support import complaint_samples, partner_time_samples, samples

T = samples.T0


def _records() -> list[type[BaseModel]]:
    for info in pkgutil.iter_modules(schemas.__path__):
        importlib.import_module(f"schemas.{info.name}")
    found, todo = set(), [BaseModel]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.startswith("schemas.") and sub not in found:
                found.add(sub)
                todo.append(sub)
    return sorted(found, key=lambda m: m.__qualname__)


def _is_time(model: type[BaseModel], name: str) -> bool:
    """Whether a field holds a date or a time, by its JSON Schema format (how pydantic itself sees the type)."""
    schema = model.model_json_schema()["properties"][name]
    return any(s.get("format") in ("date", "date-time") for s in [schema, *schema.get("anyOf", [])])


def _metadata_of_members(annotation: Any) -> list[Any]:
    """The Annotated metadata of a union's members (`Timestamp | None` keeps its validator there)."""
    return [m for member in getattr(annotation, "__args__", ()) for m in getattr(member, "__metadata__", ())]


def _time_fields() -> set[tuple[str, str]]:
    """Every (record, field) whose type is a date or a time, found by looking at the records themselves."""
    return {(model.__name__, name) for model in _records() for name in model.model_fields if _is_time(model, name)}


# One valid instance per record holding a time field, and the field: the table the tests below run over.
INSTANCES: dict[tuple[str, str], tuple[type[BaseModel], dict[str, Any]]] = {}


def _add(model: type[BaseModel], data: dict[str, Any], *names: str) -> None:
    for name in names:
        INSTANCES[(model.__name__, name)] = (model, data)


_add(CaseDispatch, samples.dispatch().model_dump(), "dispatched_at")
_add(MediationAgreement, samples.agreement().model_dump(), "organisation_seal_at")
_add(SignatureRecord, {"signer": "张三", "role": "defendant", "signed_at": T}, "signed_at")
_add(Instalment, {"due": date(2026, 4, 1), "amount": "1.00"}, "due")
_add(ProgressUpdate, {"kind": ProgressKind.EXTENDED, "at": T, "new_due": date(2026, 4, 1)}, "at", "new_due")
_add(MediationOutcome, {"code": OutcomeCode.AGREEMENT_REACHED, "at": T}, "at")
_add(
    JcApplication,
    {"applicant": "a", "consenting_party": "b", "applied_at": T, "agreement_effective_at": T},
    "applied_at",
    "agreement_effective_at",
)
_add(
    CourtDecision, {"kind": CourtDecisionKind.JC_RULING, "decided_at": T, "jc_result": JcResult.CONFIRMED}, "decided_at"
)
_add(ClosureBody, {"closed_at": T}, "closed_at")
_add(Envelope, samples.outbound(ClosureBody(closed_at=T)).model_dump(), "created_at")

# The complaint records (schemas/complaint.py) and the messages about a complaint, each way.
_COMPLAINT = complaint_samples.complaint().model_dump()
_add(cp.Complaint, _COMPLAINT, "received_at")
_add(
    cp.ForwardBody,
    {"complaint": _COMPLAINT, "forwarded_at": T, "centre_due": T, "statutory_due": T},
    "forwarded_at",
    "centre_due",
    "statutory_due",
)
_add(
    cp.ComplaintEnvelope,
    {
        "message_id": "m1",
        "complaint_id": "CP-1",
        "sent_at": T,
        "body": {"type": "complaint.ack", "desk_ref": "D1", "acknowledged_at": T},
    },
    "sent_at",
)
_add(cp.AckBody, {"desk_ref": "D1", "acknowledged_at": T}, "acknowledged_at")
_add(cp.ContactedBody, {"contacted_at": T}, "contacted_at")
_add(
    cp.ExtendedBody,
    {"stage": 30, "new_due": T, "approver_level": "总行", "complainant_told_at": T},
    "new_due",
    "complainant_told_at",
)
_add(cp.AppraisalBody, {"phase": "started", "at": T}, "at")
_add(cp.DecidedBody, {"result": "upheld", "notified_at": T}, "notified_at")
_add(cp.WithdrawnBody, {"withdrawn_at": T}, "withdrawn_at")
_add(
    cp.ToMediationBody,
    {"complainant_consented_at": T, "institution_consented_at": T},
    "complainant_consented_at",
    "institution_consented_at",
)
_add(
    cp.SmallClaimDecisionBody, {"amount": "100.00", "cap": "5000.00", "decided_at": T, "mediator": "李四"}, "decided_at"
)
_add(cp.SmallClaimPerformedBody, {"paid_at": T, "amount": "100.00"}, "paid_at")
_add(cp.ReviewRequestedBody, {"requested_at": T, "grounds": "不服"}, "requested_at")
_add(cp.ReviewDecidedBody, {"result": "rejected", "decided_at": T}, "decided_at")

# The partner records (traffic, arbitration, roster) and their envelope: tests/support/partner_time_samples.py.
for _model, _data, _names in partner_time_samples.ROWS:
    _add(_model, _data, *_names)

# Values pydantic's own datetime/date read as Unix time (seconds, or milliseconds above 2e10).
NUMBERS = [
    "20260302093000",  # yyyyMMddHHmmss: once the year 2612
    "20260302",  # yyyyMMdd: once 1970
    "1772415000",
    "1775001600",  # a UTC midnight: pydantic's date took it as 2026-04-01
    "-1772415000",
    "+1772415000",
    "1772415000.",
    ".5",
    20260302093000,
    1772415000,
    1772415000.0,
    b"1772415000",
]


def test_every_time_field_of_every_record_is_a_safe_type() -> None:
    """No canonical record has a bare datetime or date field: each is Timestamp or CalendarDate."""
    safe = (*Timestamp.__metadata__, *CalendarDate.__metadata__)
    unsafe = [
        f"{model.__name__}.{name}"
        for model in _records()
        for name, info in model.model_fields.items()
        if _is_time(model, name)
        and not any(m in safe for m in [*info.metadata, *_metadata_of_members(info.annotation)])
    ]
    assert _time_fields() and unsafe == []


def test_the_table_below_covers_every_time_field() -> None:
    """The behaviour tests run over every date and time field the records have, so a new one cannot be missed."""
    assert set(INSTANCES) == _time_fields()


@pytest.mark.parametrize("key", sorted(INSTANCES), ids=lambda k: ".".join(k))
@pytest.mark.parametrize("value", NUMBERS, ids=repr)
def test_a_number_or_digit_string_is_never_a_time(key: tuple[str, str], value: object) -> None:
    """Every time and date field refuses what pydantic would read as Unix time, naming the field."""
    model, data = INSTANCES[key]
    model.model_validate(data)  # the sample itself is valid
    with pytest.raises(ValidationError) as caught:
        model.model_validate({**data, key[1]: value})
    assert [e["loc"] for e in caught.value.errors()] == [(key[1],)]
    assert "Unix time" in str(caught.value)


@pytest.mark.parametrize(
    "key",
    sorted(
        k for k, (model, _) in INSTANCES.items() if "date-time" in str(model.model_json_schema()["properties"][k[1]])
    ),
    ids=lambda k: ".".join(k),
)
@pytest.mark.parametrize(
    ("value", "words"),
    [("2026-03-02", "date without a time"), ("2026-03-02T09:30:00", "timezone"), ("Mon, 02 Mar 2026", "ISO 8601")],
)
def test_a_time_needs_a_date_a_time_and_an_offset(key: tuple[str, str], value: str, words: str) -> None:
    """A date alone, a time without its offset or another notation is refused on a time field."""
    model, data = INSTANCES[key]
    with pytest.raises(ValidationError) as caught:
        model.model_validate({**data, key[1]: value})
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-02T09:30:00+08:00", T),
        ("2026-03-02T01:30:00Z", T),
        ("2026-03-02 09:30:00+08:00", T),
        (T, T),
    ],
)
def test_iso_times_and_datetime_objects_are_accepted(value: object, expected: datetime) -> None:
    """RFC 3339 text and aware datetime objects pass unchanged in meaning."""
    assert SignatureRecord(signer="张三", role="defendant", signed_at=value).signed_at == expected  # type: ignore[arg-type]


def test_the_fake_court_refuses_a_digit_time_naming_the_field() -> None:
    """The fake connector decodes canonical JSON: "20260302093000" there is invalid, not the year 2612."""
    fake = FakeCourtPlatform()
    fake.publish(Feed.DISPATCHES, samples.outbound(DispatchBody(dispatch=samples.dispatch()), at=T))
    (item,) = fake.fetch(Feed.DISPATCHES, "", 10).items
    assert fake.decode(item).created_at == T
    tampered = item.body.replace(b'"created_at":"2026-03-02T09:30:00+08:00"', b'"created_at":"20260302093000"')
    assert tampered != item.body
    with pytest.raises(PayloadError) as caught:
        fake.decode(type(item)(body=tampered, headers=item.headers, position=item.position))
    assert caught.value.reason == "invalid" and "created_at" in str(caught.value)
