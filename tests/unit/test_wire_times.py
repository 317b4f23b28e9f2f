"""Every inbound time field of the court field set, in every agreed form: read as China time, or refused naming
the field — never a number silently read as Unix time (the old reading made "20260302093000" the year 2612)."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mappings import court_agreement, court_soap, odr_rest
from mappings.codes import MalformedPayload
from mappings.court_xml import to_resource
from mappings.times import FORMS, TimestampForm, read_date, read_time, write_time
from schemas.enums import CourtStatus, Flow, OutcomeCode, ProgressKind
from schemas.envelope import AgreementBody, ClosureBody, JcApplicationBody, OutcomeBody, ProgressBody
from schemas.jc import JcApplication
from schemas.outcome import MediationOutcome
from schemas.progress import ProgressUpdate
from tests.support import samples

PLATFORM = "court-gz"
SAMPLE = Path(__file__).parents[1] / "data" / "odr_rest" / "dispatch.json"
INSTANT = datetime(2026, 3, 2, 9, 30, tzinfo=samples.CST)  # the time every good spelling below names
DAY = date(2026, 4, 1)

# Every way each form may spell INSTANT (a JSON number where the form is digits).
GOOD: dict[str, list[object]] = {
    "iso8601": [
        "2026-03-02T09:30:00+08:00",
        "2026-03-02T01:30:00Z",
        "2026-03-01T19:30:00-06:00",
        "2026-03-02 09:30:00+0800",  # a space for T (RFC 3339 §5.6 note), an ISO basic offset
        "2026-03-02T09:30:00.0000000+08:00",  # seven fraction digits, as .NET writes them
        " 2026-03-02T09:30:00+08:00\n",  # layout around an XML text
    ],
    "iso8601_china": ["2026-03-02T09:30:00", "2026-03-02 09:30:00", "2026-03-02T01:30:00Z"],  # no offset: China time
    "yyyyMMddHHmmss": ["20260302093000", 20260302093000],
    "yyyy-MM-dd HH:mm:ss": ["2026-03-02 09:30:00"],
    "epoch_seconds": [1772415000, "1772415000"],
    "epoch_millis": [1772415000000, "1772415000000"],
}
_NOT_TIMES: list[tuple[object, str]] = [("", "empty"), (None, "null"), (True, "boolean"), ([1], "list")]

# Per form, values that must be refused, with the words the refusal must contain.
BAD: dict[str, list[tuple[object, str]]] = {
    "iso8601": [
        ("2026-03-02T09:30:00", "has no UTC offset"),  # RFC 3339 requires it: never guessed
        ("20260302093000", "only digits"),  # the bug: once the year 2612
        ("20260302", "only digits"),  # once 1970
        ("1772415000", "only digits"),
        (1772415000, "number"),
        (1772415000.0, "fractional number"),
        ("2026-03-02", "date without a time"),
        ("2026-03-02T09:30", "not an RFC 3339"),
        ("20260302T093000+0800", "not an RFC 3339"),  # ISO basic format: not the agreed profile
        ("２０２６-03-02T09:30:00+08:00", "not an RFC 3339"),  # full-width digits
        ("2026-02-30T09:30:00+08:00", "not a real date"),
        ("2026-03-02T24:00:00+08:00", "not a real date"),
        ("2026-03-02T23:59:60Z", "not a real date"),  # a leap second: no datetime holds it
        ("2026-03-02T09:30:00+24:00", "impossible UTC offset"),
        ("1999-12-31T23:59:59+08:00", "outside 2000–2099"),
        ("2100-01-01T00:00:00+08:00", "outside 2000–2099"),
        *_NOT_TIMES,
    ],
    "yyyyMMddHHmmss": [
        ("20260302", "a date (yyyyMMdd) where a date and time is agreed"),
        (20260302, "a date (yyyyMMdd) where a date and time is agreed"),
        ("202603020930", "not in this form"),
        ("20260302093000123", "not in this form"),  # milliseconds appended: not the agreed form
        ("2026-03-02T09:30:00+08:00", "not in this form"),
        ("2026030209300Z", "not in this form"),
        ("20260230093000", "not a real date"),
        ("20260302250000", "not a real date"),
        ("19991231235959", "outside 2000–2099"),
        (-20260302093000, "number"),
        (20260302093000.0, "fractional number"),
        *_NOT_TIMES,
    ],
    "yyyy-MM-dd HH:mm:ss": [
        ("2026-03-02T09:30:00+08:00", "not in this form"),
        ("2026-03-02 09:30:00+08:00", "not in this form"),
        ("2026-03-02 09:30", "not in this form"),
        ("2026-03-02", "date without a time"),
        ("20260302093000", "not in this form"),
        (1772415000, "number"),
        ("2026-02-30 09:30:00", "not a real date"),
        ("2100-01-01 00:00:00", "outside 2000–2099"),
        *_NOT_TIMES,
    ],
    "epoch_seconds": [
        (1772415000000, "milliseconds where seconds are agreed"),
        ("1772415000000", "milliseconds where seconds are agreed"),
        ("20260302093000", "beyond 2099"),  # yyyyMMddHHmmss sent to an epoch platform: not the year 2612
        ("9" * 5000, "beyond 2099"),
        (946655999, "before 2000"),  # 1999-12-31T23:59:59 China time
        (0, "before 2000"),
        (-1772415000, "not a whole, non-negative number"),
        ("1772415000.5", "not a whole, non-negative number"),
        (1772415000.5, "fractional number"),
        ("１７７２４１５０００", "not a whole, non-negative number"),
        ("2026-03-02 09:30:00", "not a whole, non-negative number"),
        (True, "boolean"),
        (None, "null"),
    ],
    "epoch_millis": [
        (1772415000, "seconds where milliseconds are agreed"),
        ("1772415000", "seconds where milliseconds are agreed"),
        ("20260302093000", "beyond 2099"),
        ("2026-03-02T09:30:00Z", "not a whole, non-negative number"),
        (True, "boolean"),
    ],
}
# iso8601_china refuses what iso8601 refuses, except the missing offset it exists to read (as China time).
BAD["iso8601_china"] = [(value, why) for value, why in BAD["iso8601"] if why != "has no UTC offset"]


# ---- every inbound time field, as the decoders reach it


def _dispatch(form: TimestampForm) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    doc["fssj"] = doc["ajxx"]["pqsj"] = write_time(INSTANT, form)
    return doc


def _decision(form: TimestampForm) -> dict[str, Any]:
    when = write_time(INSTANT, form)
    return {"xxbh": "CD-1", "xxlx": "CD", "fssj": when, "ajbs": "x", "jdxx": {"jdlx": "1", "sqjg": "1", "jdsj": when}}


def _agreement(form: TimestampForm) -> dict[str, Any]:
    return court_agreement.agreement_fields(samples.agreement(INSTANT), odr_rest.tables(PLATFORM, form))


def _decode(doc: dict[str, Any], form: TimestampForm) -> Any:
    return odr_rest.decode(PLATFORM, json.dumps(doc, ensure_ascii=False).encode(), form)


def _agreement_back(xy: dict[str, Any], form: TimestampForm) -> Any:
    return court_agreement.agreement_to_canonical(xy, odr_rest.tables(PLATFORM, form))


@dataclass(frozen=True)
class Field:
    name: str  # as the refusal names it
    make: Callable[[TimestampForm], dict[str, Any]]  # a whole, valid message with every time in the form
    put: Callable[[dict[str, Any], object], None]  # set this field's wire value
    read: Callable[[dict[str, Any], TimestampForm], Any]  # decode the message; this field's canonical value
    framed: bool = True  # a whole court message (so also tried as XML), or a part decoded on its own
    optional: bool = False  # null means "none" (an agreement not yet sealed), not a bad time


TIME_FIELDS = [
    Field("fssj", _dispatch, lambda d, v: d.update(fssj=v), lambda d, f: _decode(d, f).created_at),
    Field(
        "ajxx.pqsj",
        _dispatch,
        lambda d, v: d["ajxx"].update(pqsj=v),
        lambda d, f: _decode(d, f).body.dispatch.dispatched_at,
    ),
    Field("fssj", _decision, lambda d, v: d.update(fssj=v), lambda d, f: _decode(d, f).created_at),
    Field(
        "jdxx.jdsj",
        _decision,
        lambda d, v: d["jdxx"].update(jdsj=v),
        lambda d, f: _decode(d, f).body.decision.decided_at,
    ),
    Field(
        "xy.qm.qmsj",
        _agreement,
        lambda d, v: d["qm"][1].update(qmsj=v),
        lambda d, f: _agreement_back(d, f).signatures[1].signed_at,
        framed=False,
    ),
    Field(
        "xy.gzsj",
        _agreement,
        lambda d, v: d.update(gzsj=v),
        lambda d, f: _agreement_back(d, f).organisation_seal_at,
        framed=False,
        optional=True,
    ),
]
DATE_FIELD = Field(
    "xy.jjtk.fq.rq",
    _agreement,
    lambda d, v: d["jjtk"][0]["fq"][0].update(rq=v),
    lambda d, f: _agreement_back(d, f).monetary_terms[0].instalments[0].due,
    framed=False,
)
_FIELD_IDS = [f"{f.name}@{f.make.__name__.strip('_')}" for f in TIME_FIELDS]


def _cases(table: dict[str, list[Any]]) -> list[tuple[str, Any]]:
    return [(form, value) for form in FORMS for value in table[form]]


def _id(case: object) -> str:
    return repr(case)[:40]


@pytest.mark.parametrize("field", TIME_FIELDS, ids=_FIELD_IDS)
@pytest.mark.parametrize(("form", "value"), _cases(GOOD), ids=_id)
def test_every_time_field_reads_every_spelling_of_its_form(field: Field, form: TimestampForm, value: object) -> None:
    """Each inbound time field takes each spelling of the platform's form to the same instant (China time when
    the form carries no offset)."""
    doc = field.make(form)
    field.put(doc, value)
    assert field.read(doc, form) == INSTANT


@pytest.mark.parametrize("field", [f for f in TIME_FIELDS if f.framed], ids=lambda f: f.name)
@pytest.mark.parametrize(("form", "value"), _cases(GOOD), ids=_id)
def test_the_xml_framing_reads_the_same_instant(field: Field, form: TimestampForm, value: object) -> None:
    """In court-standard XML every value is text; the SOAP framing reads the same instant from it."""
    doc = field.make(form)
    field.put(doc, value)
    assert court_soap.decode(PLATFORM, to_resource([doc]), form) == _decode(doc, form)


@pytest.mark.parametrize(
    ("field", "form", "bad"),
    [
        pytest.param(field, form, bad, id=f"{field_id}-{form}-{_id(bad[0])}")
        for field, field_id in zip(TIME_FIELDS, _FIELD_IDS, strict=True)
        for form, bad in _cases(BAD)
        if not (field.optional and bad[0] is None)
    ],
)
def test_every_time_field_refuses_what_its_form_does_not_allow_naming_the_field(
    field: Field, form: TimestampForm, bad: tuple[object, str]
) -> None:
    """A value outside the agreed form, out of range or not a time at all is refused naming the field and why."""
    value, words = bad
    doc = field.make(form)
    field.put(doc, value)
    with pytest.raises(MalformedPayload) as caught:
        field.read(doc, form)
    assert f"field {field.name} " in str(caught.value) and words in str(caught.value)
    assert form in str(caught.value)


GOOD_DATES: dict[str, list[object]] = {
    form: ["20260401", 20260401] if form == "yyyyMMddHHmmss" else ["2026-04-01", " 2026-04-01 "] for form in FORMS
}
_ISO_DATE_BAD: list[tuple[object, str]] = [
    ("20260401", "not a date in this form"),
    (1775001600, "number"),  # 2026-04-01T00:00Z as Unix seconds: pydantic's date reads it, we do not
    ("1775001600", "not a date in this form"),
    ("2026-04-01T00:00:00+08:00", "not a date in this form"),
    ("2026-02-30", "not a real date"),
    ("1999-12-31", "outside 2000–2099"),
    ("", "empty"),
    (None, "null"),
]
BAD_DATES: dict[str, list[tuple[object, str]]] = {
    form: [
        ("2026-04-01", "not a date in this form"),
        ("20260401000000", "not a date in this form"),
        ("20260230", "not a real date"),
        ("19991231", "outside 2000–2099"),
        (True, "boolean"),
    ]
    if form == "yyyyMMddHHmmss"
    else _ISO_DATE_BAD
    for form in FORMS
}


@pytest.mark.parametrize(("form", "value"), _cases(GOOD_DATES), ids=_id)
def test_a_date_field_reads_a_date_in_the_forms_date_shape(form: TimestampForm, value: object) -> None:
    """An instalment's due date is a day: yyyyMMdd under yyyyMMddHHmmss, yyyy-MM-dd under the other forms."""
    doc = DATE_FIELD.make(form)
    DATE_FIELD.put(doc, value)
    assert DATE_FIELD.read(doc, form) == DAY


@pytest.mark.parametrize(("form", "bad"), _cases(BAD_DATES), ids=_id)
def test_a_date_field_refuses_numbers_times_and_impossible_days(form: TimestampForm, bad: tuple[object, str]) -> None:
    """A Unix number, a full time, another shape or an impossible day is refused naming the field."""
    value, words = bad
    doc = DATE_FIELD.make(form)
    DATE_FIELD.put(doc, value)
    with pytest.raises(MalformedPayload) as caught:
        DATE_FIELD.read(doc, form)
    assert "field xy.jjtk.fq.rq " in str(caught.value) and words in str(caught.value)


# ---- outbound: what the centre sends is in the court's form too


OUTBOUND_TIMES = {"fssj", "sj", "qmsj", "gzsj", "sxsj", "sqsj", "xysxsj", "jasj", "pqsj"}
OUTBOUND_DATES = {"xqx", "rq"}


def _outbound_messages(form: TimestampForm) -> list[dict[str, Any]]:
    """Every kind of message the centre sends, encoded for a platform with `form`."""
    agreement = samples.agreement(INSTANT)
    application = JcApplication(
        applicant="张三",
        consenting_party="某某银行股份有限公司",
        applied_at=INSTANT + timedelta(days=3),
        agreement_effective_at=INSTANT,
        case=samples.dispatch(flow=Flow.SELF_RECEIVED, platform_case_id="MC-1"),
    )
    bodies = [
        ProgressBody(progress=ProgressUpdate(kind=ProgressKind.EXTENDED, at=INSTANT, new_due=DAY)),
        OutcomeBody(outcome=MediationOutcome(code=OutcomeCode.AGREEMENT_REACHED, at=INSTANT)),
        AgreementBody(agreement=agreement, document_b64="JVBERi0="),
        JcApplicationBody(application=application, agreement=agreement, document_b64="JVBERi0="),
        ClosureBody(closed_at=INSTANT),
    ]
    return [
        json.loads(odr_rest.encode(samples.outbound(body, CourtStatus.ACCEPTED, platform=PLATFORM, at=INSTANT), form))
        for body in bodies
    ]


def _walk(value: Any, found: list[tuple[str, Any]], key: str = "") -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _walk(v, found, k)
    elif isinstance(value, list):
        for v in value:
            _walk(v, found, key)
    elif key in OUTBOUND_TIMES | OUTBOUND_DATES and value is not None:
        found.append((key, value))


@pytest.mark.parametrize("form", FORMS)
def test_every_time_the_centre_sends_is_in_the_courts_form(form: TimestampForm) -> None:
    """Send times, progress, outcome, signature, seal, effect, application and closure times, and due dates, all
    go out in the platform's form and read back (by the same rules a court's reader would apply) to the instants
    the centre recorded."""
    found: list[tuple[str, Any]] = []
    for doc in _outbound_messages(form):
        _walk(doc, found)
    assert {key for key, _ in found} == OUTBOUND_TIMES | OUTBOUND_DATES  # none left out of the walk
    agreement = samples.agreement(INSTANT)
    recorded = {INSTANT, INSTANT + timedelta(days=3), samples.T0, agreement.effective_at}
    recorded |= {s.signed_at for s in agreement.signatures} | {agreement.organisation_seal_at}
    days = {DAY, *(i.due for m in agreement.monetary_terms for i in m.instalments)}
    for key, value in found:
        if key in OUTBOUND_DATES:
            assert read_date(value, form, key) in days
        else:
            assert read_time(value, form, key) in recorded, (key, value)


@pytest.mark.parametrize("form", FORMS)
def test_a_case_and_an_agreement_survive_the_round_trip_in_every_form(form: TimestampForm) -> None:
    """Written in a form and read back in it, a case and an agreement are unchanged (their times whole seconds)."""
    from mappings.court_fields import case_from_canonical, case_to_canonical

    tables = odr_rest.tables(PLATFORM, form)
    case = samples.dispatch()
    assert case_to_canonical(case_from_canonical(case, tables), case.platform_case_id, tables) == case
    agreement = samples.agreement(INSTANT)
    assert (
        court_agreement.agreement_to_canonical(court_agreement.agreement_fields(agreement, tables), tables) == agreement
    )


@pytest.mark.parametrize("form", FORMS)
def test_a_json_number_too_long_to_read_is_malformed_not_a_crash(form: TimestampForm) -> None:
    """A 5,000-digit number where a time belongs is beyond what JSON is read into: malformed, never ValueError."""
    doc = _dispatch(form)
    body = json.dumps(doc).replace(f'"fssj": {json.dumps(doc["fssj"])}', '"fssj": ' + "9" * 5000).encode()
    assert b"9" * 5000 in body
    with pytest.raises(MalformedPayload, match="not UTF-8 JSON"):
        odr_rest.decode(PLATFORM, body, form)


def test_a_null_seal_time_is_no_seal() -> None:
    """gzsj is optional: null is an agreement not yet sealed, in every form."""
    for form in FORMS:
        xy = _agreement(form)
        xy["gzsj"] = None
        assert _agreement_back(xy, form).organisation_seal_at is None


def test_the_default_form_writes_exactly_what_was_written_before_forms_existed() -> None:
    """iso8601 keeps isoformat() byte for byte, so platforms configured before this setting see no change."""
    at = datetime(2026, 3, 2, 1, 30, 0, 123456, tzinfo=samples.CST)
    assert write_time(at, "iso8601") == at.isoformat() == "2026-03-02T01:30:00.123456+08:00"
    assert odr_rest.tables(PLATFORM).timestamps == "iso8601"
