"""A page's new dispatches are written as plain rows at the driver (adapter/inbox/page_rows.py): the same rows, centre
events and audit entries as applying each item on its own (adapter/inbox/ingest.py `ingest_item`), the personal data
sealed — on SQLite and PostgreSQL, for pages of varied dispatches."""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from adapter.audit.verify import verify_chain
from adapter.inbox.ingest import ingest_item
from adapter.inbox.page import ingest_page
from adapter.persistence.audit_tables import AuditEntryRow
from adapter.persistence.event_tables import CentreEventRow
from adapter.persistence.tables import CaseEventRow, CaseRow, InboxRow
from connectors.port import Feed
from scheduler import Runtime, build_runtime
from tests.support.court import PLATFORM, Court
from tests.support.db_template import Templates

pytestmark = pytest.mark.integration


def _written(runtime: Runtime) -> dict[str, list[Any]]:
    """What the intake wrote, with the case ids (fresh each time) named by the court's case id instead."""
    with runtime.uow.begin() as session:
        cases = session.exec(select(CaseRow).order_by(col(CaseRow.platform_case_id))).all()
        ours = {case.id: case.platform_case_id for case in cases}
        history = session.exec(select(CaseEventRow).order_by(col(CaseEventRow.id))).all()
        inbox = session.exec(select(InboxRow).order_by(col(InboxRow.id))).all()
        events = session.exec(select(CentreEventRow).order_by(col(CentreEventRow.event_id))).all()
        entries = session.exec(select(AuditEntryRow).order_by(col(AuditEntryRow.seq))).all()
        stored = dict(session.connection().execute(text("SELECT id, dispatch_json FROM cases")).all())
        sealed_by_case = [stored[case.id] for case in cases]
        raw_stored = dict(session.connection().execute(text("SELECT id, raw FROM inbox")).all())

    numbers = [
        p["id_number"].encode() for c in cases for p in json.loads(c.dispatch_json)["parties"] if p.get("id_number")
    ]

    def named(value: str | None) -> str | None:
        return ours.get(value, value) if value is not None else None

    return {
        "cases": [c.model_dump(exclude={"id"}) for c in cases],
        "history": [(named(h.case_id), h.model_dump(exclude={"id", "case_id"})) for h in history],
        "inbox": [(named(i.case_id), i.model_dump(exclude={"id", "case_id"})) for i in inbox],
        "events": sorted((named(e.case_id), e.type, e.data_json, e.status) for e in events),
        "audit": [
            (e.kind, named(e.subject), named(e.case_id), e.actor, _named_content(e.content_json, ours)) for e in entries
        ],
        "sealed": [_sealed(case.dispatch_json, stored) for case, stored in zip(cases, sealed_by_case, strict=True)],
        # the bytes as received are sealed whole: what is stored is not the bytes, and holds no ID number of them
        "raw_sealed": [_bytes_sealed(i.raw, raw_stored[i.id], numbers) for i in inbox if i.raw is not None],
    }


def _bytes_sealed(opened: bytes, stored: Any, numbers: list[bytes]) -> bool:
    """The received bytes carry some of the parties' ID numbers (so the check can fail) and the stored value none."""
    stored_bytes = stored if isinstance(stored, bytes) else str(stored).encode()
    carried = [number for number in numbers if number in opened]
    return bool(carried) and stored_bytes != opened and not any(number in stored_bytes for number in carried)


def _sealed(opened: str, stored: str) -> bool:
    """Every party's ID number and phone is in the opened dispatch and none is in the stored one."""
    secrets = [p[k] for p in json.loads(opened)["parties"] for k in ("id_number", "phone") if p.get(k)]
    return bool(secrets) and "enc:1:" in stored and not any(secret in stored for secret in secrets)


def _named_content(content: str, ours: dict[str, str]) -> str:
    for case_id, platform_case_id in ours.items():
        content = content.replace(case_id, platform_case_id)
    return content


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _odd_phones(court: Court) -> int:
    """Phones in forms courts send, two of no known form (flagged, not refused: the history line names them)."""
    for phone in ("95588", "+852 5123 4567", "12345", "0000-0000000000000"):
        court.core.dispatch(1, "04", phone=phone)
    return 4


# What a page holds: (dispatch its items, how many cases it makes), each scenario a page of its own.
SCENARIOS: dict[str, Callable[[Court], int]] = {
    "five of flow 01": lambda court: len(court.core.dispatch(5, "01")),
    "a mix of flows": lambda court: len(court.core.dispatch(12)),
    "odd phones, flagged": _odd_phones,
}


@pytest.mark.parametrize("resent", [False, True], ids=["once", "an item re-sent in the page"])
@pytest.mark.parametrize("scenario", list(SCENARIOS.values()), ids=list(SCENARIOS))
def test_a_page_writes_what_its_items_applied_one_by_one_write(
    runtime: Runtime,
    court: Court,
    settings: Any,
    templates: Templates,
    tmp_path: Path,
    backend: str,
    request: pytest.FixtureRequest,
    scenario: Callable[[Court], int],
    resent: bool,
) -> None:
    """The rows go in at the driver (adapter/persistence/bulk.py), the item-by-item ones through the ORM: read back
    through the ORM (sealed columns opened), they are the same; stored, the personal data is sealed in both."""
    cases = scenario(court)
    link = runtime.platforms[PLATFORM]
    items = link.connector.fetch(Feed.DISPATCHES, "", 20).items
    if resent:  # at least once: the duplicate settles in a savepoint between the plain rows, dropped as one
        items = [*items[:2], items[0], *items[2:]]
    now = datetime.now(UTC)
    clock: Callable[[], datetime] = lambda: now  # noqa: E731  # one time for both, so the rows compare equal
    ingest_page(runtime.uow, link, Feed.DISPATCHES.value, items, clock)

    if backend == "sqlite":
        other_url = templates.sqlite(tmp_path / "one-by-one.db")
    else:
        other_url = templates.postgres(request.getfixturevalue("postgres"))
    one_by_one = build_runtime(settings.model_copy(update={"database_url": other_url}))
    other = one_by_one.platforms[PLATFORM]
    for item in items:
        ingest_item(one_by_one.uow, other, Feed.DISPATCHES.value, item, clock)

    page, single = _written(runtime), _written(one_by_one)
    assert len(page["cases"]) == cases and all(page["sealed"])
    assert len(page["raw_sealed"]) == cases and all(page["raw_sealed"])
    for table in page:
        assert page[table] == single[table], table
    for written in (runtime, one_by_one):
        with written.uow.begin() as session:
            assert verify_chain(session.connection(), {}).ok
    assert json.loads(page["inbox"][0][1]["raw_headers_json"])  # the signature headers kept with the bytes
    if scenario is _odd_phones:  # the flags are said in the history lines, alike
        assert sum("flagged:" in line["detail"] for _, line in page["history"]) >= 1
    one_by_one.uow.engine.dispose()
