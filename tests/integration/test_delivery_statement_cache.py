"""The delivery loop's statements are compiled once per engine, then found in SQLAlchemy's compiled cache (#21).

Why a test: a statement SQLAlchemy cannot cache, or an engine that does not cache, is compiled again on every run —
a cost per claim and per recorded batch that no test of results would notice (compiling the audit chain's INSERT
took 1.3 ms of CPU in a delivery worker; running it from the cache with 16 entries, about 0.1 ms). Every statement
run here — the delivery loop's claim, mark, held rows, recorded results, the audit chain's tail and entries (and its
lock on PostgreSQL), and the acceptances that queue the messages — is compared by the compiled form it ran with: one
compiled form per statement text (and executemany or not) means every later run was a cache hit.
"""

from collections import defaultdict
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import select

from adapter.config.settings import EncryptionSettings, Settings
from adapter.persistence.tables import CaseRow, OutboxRow
from scheduler import Runtime
from tests.support.court import PLATFORM, Court

pytestmark = pytest.mark.integration

CASES = 24
WAVES = 4  # messages queued in four waves, each delivered before the next


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(database_url: str, court: Court, encryption: EncryptionSettings) -> Settings:
    """Small claims and a few sends in flight: many claims, recorded batches and audit commits for the messages."""
    return Settings(
        database_url=database_url,
        encryption=encryption,
        deliver_batch=6,
        platforms={PLATFORM: court.pairing.platform(court.server, timeout_seconds=5, max_in_flight=3)},
    )


def _compiled_forms(runtime: Runtime) -> dict[tuple[str, bool], list[Any]]:
    """Statement text and executemany → the compiled objects it ran with, as the delivery runs (kept alive, so an id
    is never reused). Driver-level SQL has none: it is listed by its text with None (BEGIN IMMEDIATE, and the
    record's UPDATE, compiled once per dialect by adapter/outbox/prepared.py and run at the driver)."""
    forms: dict[tuple[str, bool], list[Any]] = defaultdict(list)

    @event.listens_for(runtime.uow.engine, "after_cursor_execute")
    def _seen(_conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, executemany: bool) -> None:
        compiled = context.compiled
        forms[(compiled.string if compiled is not None else statement, executemany)].append(compiled)

    return forms


def test_every_statement_of_the_delivery_loop_is_compiled_once(court: Court, runtime: Runtime, backend: str) -> None:
    court.core.dispatch(CASES, "01")
    runtime.poll_platform(PLATFORM)
    with runtime.uow.begin() as session:
        case_ids = list(session.exec(select(CaseRow.id)).all())
    assert len(case_ids) == CASES
    forms = _compiled_forms(runtime)
    try:
        for wave in range(WAVES):  # each wave claims, records and audits on its own: every statement runs per wave
            for case_id in case_ids[wave::WAVES]:
                runtime.services.accept(case_id)
            for _ in range(20):
                runtime.deliver_counts()
                with runtime.uow.begin() as session:
                    if session.exec(select(OutboxRow.id).where(OutboxRow.status != "delivered")).first() is None:
                        break
    finally:
        runtime.stop()
    with runtime.uow.begin() as session:
        assert set(session.exec(select(OutboxRow.status)).all()) == {"delivered"}

    def runs(start: str) -> int:  # how often the statement starting so ran (one row or executemany)
        return sum(len(seen) for (text, _), seen in forms.items() if text.startswith(start))

    # Not vacuous: the loop's statements ran at least once per wave.
    assert runs("SELECT outbox.id, outbox.message_id") >= WAVES  # the claim
    if backend == "postgres":  # run at psycopg itself, compiled once per dialect (record.py _write_returning,
        # adapter/audit/append.py locked_tail): no cursor event sees them
        assert runs("UPDATE outbox SET status=") == runs("SELECT audit_chain.seq") == 0
    else:
        assert runs("UPDATE outbox SET status=") >= WAVES  # the recorded results (at the driver: prepared.py)
        assert runs("SELECT audit_chain.seq") >= WAVES  # the audit chain's tail, once per commit that audits
    recompiled = {
        text: len({id(c) for c in seen}) for (text, _), seen in forms.items() if len({id(c) for c in seen}) > 1
    }
    assert recompiled == {}, f"compiled more than once (a compiled-cache miss): {recompiled}"
