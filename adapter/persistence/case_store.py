"""The case store over SQL (adapter/cases/store.py): each transaction is one database transaction of the UnitOfWork,
and each operation one of adapter/persistence/repository.py's."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, col, select

from adapter.cases.store import Case, CaseTransaction
from adapter.errors import DuplicateCase
from adapter.persistence import repository
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import CaseEventRow, CaseRow, DocumentRow
from adapter.states import Event
from schemas.case import CaseDispatch
from schemas.enums import Flow
from schemas.envelope import Body, Envelope

_CASES: Table = CaseRow.__table__  # type: ignore[attr-defined]

# The self-received case's INSERT … ON CONFLICT DO NOTHING on ux_cases_self_received (tables.py) for each dialect
# the adapter runs on, built once: the row's values go in as parameters (a statement built per call cost 0.2 ms).
# RETURNING says whether the row was inserted (psycopg reported rowcount -1 for it).
_INSERTS = {
    dialect.__name__.rsplit(".", 1)[-1]: dialect.insert(_CASES)
    .on_conflict_do_nothing(index_elements=["platform_case_id"], index_where=text("flow = 'self_received'"))
    .returning(_CASES.c.id)
    for dialect in (sqlite, postgresql)
}


class SqlCaseStore:
    """Cases in the adapter's database."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    @contextmanager
    def begin(self) -> Iterator[CaseTransaction]:
        with self.uow.begin() as session:
            yield SqlCases(session)


class SqlCases:
    """The cases inside one session; the rows handed out stay attached, so a field set on one is written on commit."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, case_id: str) -> CaseRow:
        return repository.get_case(self.session, case_id)

    def create(self, dispatch: CaseDispatch, *, platform: str | None, at: datetime) -> CaseRow:
        if dispatch.flow is not Flow.SELF_RECEIVED:
            return repository.create_case(self.session, dispatch, platform, at)
        # One statement decides whether the centre's case id is new: INSERT … ON CONFLICT DO NOTHING on the unique
        # index ux_cases_self_received (on PostgreSQL it waits for a concurrent registration to commit, then does
        # nothing). No look-up before it and no savepoint around it: the two cost about 0.9 ms of the 1.9 ms a
        # registration took (bench/api.py, in-process). A conflict on any other constraint still raises.
        row = repository.new_case_row(dispatch, platform, at)
        values = {column.key: getattr(row, column.key) for column in _CASES.columns}
        inserted = self.session.connection().execute(_INSERTS[self.session.get_bind().dialect.name], values).first()
        if inserted is not None:
            # Written by this very statement: the row is the session's from now on (a later change is an UPDATE).
            make_transient_to_detached(row)
            self.session.add(row)
            return row
        existing = self.self_received(dispatch.platform_case_id)
        if existing is None:  # the row it met is gone (never committed, in a snapshot not ours): insert as usual
            return repository.create_case(self.session, dispatch, platform, at)
        raise DuplicateCase(dispatch.platform_case_id, existing.id)

    def self_received(self, platform_case_id: str) -> CaseRow | None:
        query = select(CaseRow).where(
            CaseRow.flow == Flow.SELF_RECEIVED.value, CaseRow.platform_case_id == platform_case_id
        )
        return self.session.exec(query.order_by(col(CaseRow.created_at))).first()

    def transition(self, case: Case, event: Event, *, actor: str, at: datetime, detail: str = "") -> None:
        repository.transition(self.session, repository.own_row(case), event, actor=actor, at=at, detail=detail)

    def enqueue(self, case: Case, body: Body, at: datetime) -> Envelope | None:
        return repository.enqueue(self.session, repository.own_row(case), body, at)

    def history(self, case: Case) -> Sequence[CaseEventRow]:
        query = select(CaseEventRow).where(CaseEventRow.case_id == case.id).order_by(col(CaseEventRow.id))
        return self.session.exec(query).all()

    def document(self, sha256: str) -> bytes | None:
        row = self.session.get(DocumentRow, sha256)
        return None if row is None else row.content

    def keep_document(self, *, sha256: str, name: str, content: bytes, at: datetime) -> None:
        if self.session.get(DocumentRow, sha256) is None:
            self.session.add(DocumentRow(sha256=sha256, name=name, content=content, stored_at=at))
