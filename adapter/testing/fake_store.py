"""FakeCaseStore: the case store (adapter/cases/store.py) in memory, for testing the centre's use cases without a
database.

It builds its rows exactly as the SQL store does (adapter/persistence/repository.py) and keeps the same transaction
semantics: a transaction works on a copy of what is stored and replaces it only when the block ends without an
exception. tests/contract/test_case_store.py holds it to the SQL store's behaviour. What it does not model: locking
(one transaction at a time is all a test runs), sealing, and the unique keys of the tables.
"""

import copy
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from adapter.cases.store import Case
from adapter.errors import CaseNotFound, DuplicateCase
from adapter.persistence.repository import advance_case, new_case_row, outbox_row, own_row
from adapter.persistence.tables import CaseEventRow, CaseRow, DocumentRow, OutboxRow
from adapter.states import Event
from schemas.case import CaseDispatch
from schemas.enums import Flow
from schemas.envelope import Body, Envelope


@dataclass
class _Stored:
    cases: dict[str, CaseRow] = field(default_factory=dict)
    events: list[CaseEventRow] = field(default_factory=list)
    outbox: list[OutboxRow] = field(default_factory=list)
    documents: dict[str, DocumentRow] = field(default_factory=dict)


class FakeCaseStore:
    """Cases in memory. Read what was committed with `case`, `cases`, `history` and `outbox`."""

    def __init__(self) -> None:
        self._stored = _Stored()

    @contextmanager
    def begin(self) -> Iterator["FakeCases"]:
        working = copy.deepcopy(self._stored)  # what a failed block did is dropped with its copy
        yield FakeCases(working)
        self._stored = working

    # ---- what was committed (copies: changing them changes nothing stored)

    def case(self, case_id: str) -> CaseRow | None:
        row = self._stored.cases.get(case_id)
        return None if row is None else copy.deepcopy(row)

    def cases(self) -> list[CaseRow]:
        return [copy.deepcopy(row) for _, row in sorted(self._stored.cases.items())]

    def history(self, case_id: str) -> list[CaseEventRow]:
        return [copy.deepcopy(e) for e in self._stored.events if e.case_id == case_id]

    def outbox(self) -> list[OutboxRow]:
        return [copy.deepcopy(row) for row in self._stored.outbox]

    def document(self, sha256: str) -> DocumentRow | None:
        row = self._stored.documents.get(sha256)
        return None if row is None else copy.deepcopy(row)


class FakeCases:
    """The cases inside one fake transaction; the rows handed out are the transaction's own."""

    def __init__(self, stored: _Stored) -> None:
        self._stored = stored

    def get(self, case_id: str) -> CaseRow:
        row = self._stored.cases.get(case_id)
        if row is None:
            raise CaseNotFound(case_id)
        return row

    def create(self, dispatch: CaseDispatch, *, platform: str | None, at: datetime) -> CaseRow:
        existing = self.self_received(dispatch.platform_case_id) if dispatch.flow is Flow.SELF_RECEIVED else None
        if existing is not None:  # as the SQL store's unique index ux_cases_self_received
            raise DuplicateCase(dispatch.platform_case_id, existing.id)
        row = new_case_row(dispatch, platform, at)
        self._stored.cases[row.id] = row
        return row

    def self_received(self, platform_case_id: str) -> CaseRow | None:
        found = (
            r for r in self._stored.cases.values()
            if r.flow == Flow.SELF_RECEIVED.value and r.platform_case_id == platform_case_id
        )  # fmt: skip
        return next(found, None)

    def transition(self, case: Case, event: Event, *, actor: str, at: datetime, detail: str = "") -> None:
        history = advance_case(own_row(case), event, actor=actor, at=at, detail=detail)
        history.id = len(self._stored.events) + 1  # as the table's autoincrement: history is never deleted
        self._stored.events.append(history)

    def enqueue(self, case: Case, body: Body, at: datetime) -> Envelope | None:
        if case.platform is None:
            return None
        last = max((row.seq for row in self._stored.outbox if row.case_id == case.id), default=0)
        envelope, row = outbox_row(own_row(case), body, at, seq=last + 1)
        row.id = len(self._stored.outbox) + 1
        self._stored.outbox.append(row)
        return envelope

    def history(self, case: Case) -> Sequence[CaseEventRow]:
        return [e for e in self._stored.events if e.case_id == case.id]

    def document(self, sha256: str) -> bytes | None:
        row = self._stored.documents.get(sha256)
        return None if row is None else row.content

    def keep_document(self, *, sha256: str, name: str, content: bytes, at: datetime) -> None:
        if sha256 not in self._stored.documents:
            self._stored.documents[sha256] = DocumentRow(sha256=sha256, name=name, content=content, stored_at=at)
