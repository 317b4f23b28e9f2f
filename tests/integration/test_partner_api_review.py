"""Issue 19's review of the centre's partner routes (api/centre_partners.py), over HTTP on loopback with the toy
kind (tests/support/toy_partner.py): every input error listed in `errors[]` (not the first and "and N more"), the
centre's `allowed_actions` on a record and in the 409, an unknown status filter refused (422 naming the statuses),
a second opening of an open record's identity refused (409 duplicate-record naming it, under a new
Idempotency-Key, nothing stored or queued) — and the same refusals of the real kinds' opening actions through the
use case the API, the CLI and the console share (adapter/partners/service.py run_action) on a sealed database."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, func, select

from adapter.config.settings import EncryptionSettings
from adapter.errors import InvalidRequest
from adapter.partners.arbitration.rules import CommissionRules
from adapter.partners.duplicates import DuplicatePartnerRecord
from adapter.partners.roster.rules import RosterRules
from adapter.partners.service import run_action
from adapter.partners.spec import Unique
from adapter.persistence.engine import UnitOfWork, create_schema, make_engine
from adapter.persistence.partner_tables import PartnerOutboxRow, PartnerRecordRow
from adapter.persistence.vault import Vault, new_key
from tests.support import roster_samples
from tests.support.arbitration_wire_samples import AT, application, pdf
from tests.support.partner_api import PartnerServed, partner_api
from tests.support.samples import RESIDENT_ID
from tests.support.toy_partner import ToySpec, toy_spec  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("toy_spec")]
BASE = "/api/centre/v1/partners"
FILE = f"{BASE}/traffic/actions/file"


def filing(subject: str = "JT-0001", **changes: Any) -> dict[str, Any]:
    return {"subject": subject, "amount": "120.50", "holder_id": RESIDENT_ID, "phone": "13812345678", **changes}


@pytest.fixture
def api(database_url: str, encryption: EncryptionSettings, tmp_path: Path) -> Iterator[PartnerServed]:
    with partner_api(database_url, encryption, tmp_path) as served:
        yield served


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, {("body.subject", "missing"), ("body.amount", "missing"), ("body.holder_id", "missing")}),
        ({"subject": "", "amount": "lots", "holder_id": RESIDENT_ID},
         {("body.subject", "string_too_short"), ("body.amount", "decimal_parsing")}),
    ],
)  # fmt: skip
def test_every_input_error_is_listed_with_its_field_and_rule(
    api: PartnerServed, body: dict[str, Any], expected: set[tuple[str, str]]
) -> None:
    answer = api.centre.post(FILE, body)
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("application/problem+json")
    errors = answer.json()["errors"]
    assert {(e["field"], e["rule"]) for e in errors} == expected and len(errors) == len(expected)
    assert all(e["message"].startswith(e["field"].removeprefix("body.")) for e in errors)
    assert f"and {len(expected) - 1} more" in answer.json()["detail"]


def test_a_record_says_what_the_centre_may_do_now_and_so_does_the_409(api: PartnerServed) -> None:
    rid = api.centre.post(FILE, filing()).json()["record_id"]
    shown = api.centre.get(f"{BASE}/records/{rid}").json()
    assert shown["allowed_actions"] == ["accept"]
    assert shown["events_by_side"] == {"centre": ["accept"], "partner": ["decline"]}
    assert api.centre.post(f"{BASE}/records/{rid}/actions/accept", {}).status_code == 200
    after = api.centre.get(f"{BASE}/records/{rid}").json()
    assert (after["allowed_actions"], after["allowed_events"]) == ([], ["finish"])
    refused = api.centre.post(f"{BASE}/records/{rid}/actions/accept", {})
    assert refused.status_code == 409 and refused.json()["allowed_actions"] == []
    assert refused.json()["allowed_events"] == ["finish"]


@pytest.mark.parametrize("params", [{"status": "BOGUS"}, {"status": "closed", "kind": "traffic"}])
def test_an_unknown_status_filter_is_a_422_naming_the_statuses(api: PartnerServed, params: dict[str, str]) -> None:
    api.centre.post(FILE, filing())
    answer = api.centre.get(f"{BASE}/records", params=params)
    assert answer.status_code == 422, answer.text
    (error,) = answer.json()["errors"]
    assert (error["field"], error["rule"]) == ("query.status", "unknown_status")
    assert "OPEN" in error["message"] and "ACCEPTED" in error["message"]
    assert api.centre.get(f"{BASE}/records", params={"status": "OPEN"}).json()["items"]


def test_a_second_opening_of_an_open_records_identity_is_a_409_naming_it(
    api: PartnerServed,
    toy_spec: ToySpec,  # noqa: F811  (the fixture's value)
) -> None:
    same_subject = Unique("subject", lambda existing, change: existing.subject == change.subject)
    toy_spec.actions = {**toy_spec.actions, "file": replace(toy_spec.actions["file"], unique=same_subject)}
    first = api.centre.post(FILE, filing(), key="k-1")
    assert first.status_code == 201
    again = api.centre.post(FILE, filing(), key="k-2")  # the same body under another key: not a retry
    assert again.status_code == 409, again.text
    problem = again.json()
    assert problem["existing_record_id"] == first.json()["record_id"] and problem["type"].endswith("duplicate-record")
    assert problem["errors"][0]["field"] == "body.subject" and problem["errors"][0]["rule"] == "unique"
    assert api.centre.post(FILE, filing(), key="k-2").status_code == 409  # the refusal is what the key replays
    assert api.centre.post(FILE, filing("JT-0002"), key="k-3").status_code == 201  # another subject: another record
    assert len(api.centre.get(f"{BASE}/records").json()["items"]) == 2


@pytest.fixture
def uow(tmp_path: Path) -> Iterator[UnitOfWork]:
    engine = make_engine(f"sqlite:///{tmp_path / 'kinds.db'}", vault=Vault([new_key("k1")], "k1"))
    create_schema(engine)
    yield UnitOfWork(engine)
    engine.dispose()


def _counts(uow: UnitOfWork) -> tuple[int, int]:
    with uow.begin() as session:
        records = session.exec(select(func.count(col(PartnerRecordRow.record_id)))).one()
        queued = session.exec(select(func.count(col(PartnerOutboxRow.id)))).one()
    return records, queued


def _open(uow: UnitOfWork, kind: str, action: str, data: dict[str, Any], rules: Any) -> str:
    now = AT + timedelta(days=1)
    result = run_action(uow, kind, action, None, data, partner="p1", actor="t", now=now, rules=rules)
    return result.record.record_id


def _application(**agreement: Any) -> dict[str, Any]:
    app = application()
    settled = app.mediation_agreement.model_copy(update=agreement) if app.mediation_agreement else None
    return {"application": app.model_copy(update={"mediation_agreement": settled}).model_dump(mode="json")}


@pytest.mark.parametrize(
    ("kind", "action", "first", "second", "other", "field", "rules"),
    [
        ("arbitration", "submit_application", _application(), _application(),
         _application(pdf=pdf("另一份调解协议.pdf").model_copy(update={"sha256": "cd" * 32})),
         "application.mediation_agreement", CommissionRules()),
        ("roster", "upsert_org", {"organisation": roster_samples.organisation().model_dump(mode="json")},
         {"organisation": roster_samples.organisation(name="改名后的调解中心").model_dump(mode="json")},
         {"organisation": roster_samples.organisation(uscc=roster_samples.OTHER_USCC).model_dump(mode="json")},
         "organisation.uscc", RosterRules()),
        ("roster", "upsert_mediator", {"mediator": roster_samples.mediator(1).model_dump(mode="json")},
         {"mediator": roster_samples.mediator(1, ref="M-again").model_dump(mode="json")},
         {"mediator": roster_samples.mediator(1, org=roster_samples.OTHER_USCC).model_dump(mode="json")},
         "mediator.id_number", RosterRules()),
    ],
)  # fmt: skip
def test_the_kinds_opening_actions_refuse_a_second_open_record(
    uow: UnitOfWork, kind: str, action: str, first: dict[str, Any], second: dict[str, Any], other: dict[str, Any],
    field: str, rules: Any,
) -> None:  # fmt: skip
    existing = _open(uow, kind, action, first, rules)
    before = _counts(uow)
    with pytest.raises(DuplicatePartnerRecord) as refused:
        _open(uow, kind, action, second, rules)
    assert (refused.value.existing_record_id, refused.value.field) == (existing, field)
    assert existing in str(refused.value) and RESIDENT_ID not in str(refused.value)
    assert _counts(uow) == before  # nothing stored, nothing queued
    assert _open(uow, kind, action, other, rules) != existing  # another settlement, organisation, organisation


def test_the_arbitration_guard_names_the_inputs_own_paths(uow: UnitOfWork) -> None:
    future = AT + timedelta(days=30)
    data = _application()
    data["application"]["dispute_arose_at"] = future.isoformat()
    with pytest.raises(InvalidRequest) as refused:
        _open(uow, "arbitration", "submit_application", data, CommissionRules())
    assert (refused.value.field, refused.value.rule) == ("application.dispute_arose_at", "dispute_time_in_future")
    late = _application(effective_at=AT + timedelta(days=9))
    with pytest.raises(InvalidRequest) as pending:
        _open(uow, "arbitration", "submit_application", late, CommissionRules())
    assert pending.value.field == "application.mediation_agreement.effective_at"
    assert "takes effect only at" in str(pending.value) and "after now" in str(pending.value)
    bad = _application()
    bad["application"]["mediation_agreement"]["effective_at"] = (AT - timedelta(days=400)).isoformat()
    bad["application"]["claims"][0]["amount"] = "123456789012345"
    with pytest.raises(InvalidRequest) as both:
        _open(uow, "arbitration", "submit_application", bad, CommissionRules())
    rules = {(f, r) for f, r, _ in both.value.errors}  # type: ignore[attr-defined]
    assert {("application.claims.0.amount", "amount_max"),
            ("application.mediation_agreement", "effective_after_concluded")} <= rules  # fmt: skip
    assert "value_error" not in {rule for _, rule in rules}
    (amount_message,) = [m for f, _, m in both.value.errors if f.endswith("amount")]  # type: ignore[attr-defined]
    assert "123456789012345" in amount_message and "*" not in amount_message  # an amount is shown as given
    assert _counts(uow) == (0, 0)


def test_a_withdrawal_states_its_reason(uow: UnitOfWork) -> None:
    rid = _open(uow, "arbitration", "submit_application", _application(), CommissionRules())
    with pytest.raises(InvalidRequest) as refused:
        run_action(uow, "arbitration", "withdraw", rid, {}, partner=None, actor="t", now=AT, rules=CommissionRules())
    assert (refused.value.field, refused.value.rule) == ("reason", "missing")


def test_a_refused_push_is_a_signed_problem(api: PartnerServed) -> None:
    from tests.support.toy_partner import toy_offer as offer  # the toy offer, signed as the partner signs it

    body, headers = api.signed(offer())
    answer = api.push(body.replace(b"JT-1", b"JT-2"), headers)  # bytes changed after signing
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["type"].endswith("push-refused") and problem["reason"] == "bad_signature"
    signed = {k: v for k, v in answer.headers.items() if k.lower().startswith("x-")}
    assert api.receipts.verify(answer.content, signed).message_id == problem["receipt_id"]  # still our receipt
    accepted = api.push(*api.signed(offer(2)))
    assert accepted.status_code == 200 and accepted.headers["content-type"] == "application/json"


def test_the_openapi_document_speaks_of_records_and_shows_examples_the_models_accept(api: PartnerServed) -> None:
    from adapter.partners.specs import spec_for

    doc = api.centre.get("/openapi.json").json()
    on_record = doc["paths"][f"{BASE}/records/{{record_id}}/actions/{{action}}"]["post"]
    (if_match,) = [p for p in on_record["parameters"] if p["name"] == "If-Match"]
    assert "partner record" in if_match["description"] and "case" not in if_match["description"]
    assert "ETag" in on_record["responses"]["200"]["headers"] and "case" not in str(on_record["responses"]["412"])
    shown = 0
    for path in (f"{BASE}/{{kind}}/actions/{{action}}", f"{BASE}/records/{{record_id}}/actions/{{action}}"):
        examples = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["examples"]
        for name, given in examples.items():
            kind, action = name.split(".")
            spec_for(kind).actions[action].input.model_validate(given["value"])  # what the route would read
            shown += 1
    assert shown >= 3  # the toy's two and more: an example per action the schema can fill
    push = doc["paths"]["/api/partners/v1/{partner}/messages"]["post"]
    assert push["requestBody"]["required"] and {"X-Signature", "X-Timestamp", "X-JWS-Signature"} <= {
        p["name"] for p in push["parameters"]
    }
    assert "application/problem+json" in push["responses"]["422"]["content"]


def test_an_organisations_uscc_is_shown_whole_in_the_list_and_the_record(uow: UnitOfWork) -> None:
    from adapter.partners import views

    org = roster_samples.organisation()
    rid = _open(uow, "roster", "upsert_org", {"organisation": org.model_dump(mode="json")}, RosterRules())
    (listed,), _ = views.listed(uow, kind="roster")
    assert listed["subject"] == org.uscc  # the list, as `roster orgs` shows it
    shown = views.shown(uow, rid)
    assert shown["subject"] == org.uscc and org.uscc in str(shown["history"]) and org.uscc in str(shown["facts"])


def test_the_console_list_shows_an_organisations_uscc_whole_as_the_api_does(uow: UnitOfWork) -> None:
    """The console's list row (api/console/partners.py) reads the subject as the API's list and record do: a USCC
    whole (mask_document keep_uscc), a resident ID beside it still masked."""
    from adapter.deadlines.calendar import WorkCalendar
    from adapter.partners.sweep import rules_lookup
    from api.console.partners import _summaries

    org = roster_samples.organisation()
    _open(uow, "roster", "upsert_org", {"organisation": org.model_dump(mode="json")}, RosterRules())
    with uow.begin() as session:
        rows = list(session.exec(select(PartnerRecordRow)).all())
        for row in rows:
            row.subject = f"{org.uscc} {RESIDENT_ID}"  # a subject quoting a person's ID beside the code
        (listed,) = _summaries(session, rows, WorkCalendar(), rules_lookup({}), AT + timedelta(days=1))
        session.rollback()
    assert listed["subject"].startswith(org.uscc + " ") and RESIDENT_ID not in listed["subject"]


@pytest.mark.parametrize(
    ("amount", "shown_as"),
    [
        ("13812345678901234", "13812345678901234"),  # absurd, and shown as given: an amount is no personal data
        ("99999999999999.99", "99999999999999.99"),
        ("110105194912310021", "110105********0021"),  # but a resident ID pasted into it is masked like any ID
    ],
)
def test_an_absurd_amount_is_shown_as_given_and_once_in_the_problem(
    uow: UnitOfWork, amount: str, shown_as: str
) -> None:
    from api.centre_partners import _refusal

    data = _application()
    data["application"]["claims"][0]["amount"] = amount
    data["application"]["parties"][0]["id_number"] = "44010619800101123"  # and a broken ID beside it: masked
    with pytest.raises(InvalidRequest) as refused:
        _open(uow, "arbitration", "submit_application", data, CommissionRules())
    problem = _refusal(refused.value)
    assert problem is not None and problem.status == 422
    errors = {e["field"]: e for e in problem.extensions["errors"]}
    shown = errors["body.application.claims.0.amount"]
    assert shown["rule"] == "amount_max" and shown["message"].count(shown_as) == 1, shown
    assert shown_as == amount or amount not in str(problem.extensions) + problem.detail
    assert "44010619800101123" not in str(problem.extensions) and "44010619800101123" not in problem.detail


@pytest.mark.parametrize("backend", ["postgres"])
def test_two_openings_at_once_make_one_record(database_url: str) -> None:
    """The second opening waits for the first's transaction (PostgreSQL advisory lock on the identity), then sees
    its record and is refused — without the lock it would not wait and both would be stored."""
    import threading

    from adapter.partners.apply import apply_change
    from adapter.partners.duplicates import refuse_duplicate
    from adapter.partners.specs import spec_for

    engine = make_engine(database_url, vault=Vault([new_key("k1", "sm4-gcm")], "k1"))
    create_schema(engine)
    uow, now, rules = UnitOfWork(engine), AT + timedelta(days=1), RosterRules()
    spec = spec_for("roster")
    action = spec.actions["upsert_org"]
    data = {"organisation": roster_samples.organisation().model_dump(mode="json")}
    outcome: list[BaseException | str] = []

    def second() -> None:
        try:
            outcome.append(_open(uow, "roster", "upsert_org", data, rules))
        except BaseException as exc:  # the refusal is the expected outcome
            outcome.append(exc)

    try:
        with uow.begin() as session:  # the first opening, its transaction held open
            change = action.run(None, action.input.model_validate(data), now, rules)
            refuse_duplicate(session, spec, action, "p1", change)
            first = apply_change(session, spec, None, change, partner="p1", actor="t", now=now, label=action.name,
                                 expected_version=None).row.record_id  # fmt: skip
            racer = threading.Thread(target=second)
            racer.start()
            racer.join(timeout=1.0)
            assert racer.is_alive()  # waiting on the first's lock
        racer.join(timeout=20)
        (refused,) = outcome
        assert isinstance(refused, DuplicatePartnerRecord) and refused.existing_record_id == first
        assert _counts(uow)[0] == 1
    finally:
        engine.dispose()
