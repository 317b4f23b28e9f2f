"""The case store over SQL (adapter/cases/store.py): each transaction is one database transaction of the UnitOfWork,
and each operation one of adapter/persistence/repository.py's."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy.exc import IntegrityError
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
        # A concurrent registration of the same centre case id may commit between the use case's look-up and this
        # insert: the unique index ux_cases_self_received refuses the second (on PostgreSQL it waits for the first
        # to commit). A savepoint keeps the transaction usable, so the case registered first can be named.
        try:
            with self.session.begin_nested():
                return repository.create_case(self.session, dispatch, platform, at)
        except IntegrityError:
            existing = self.self_received(dispatch.platform_case_id)
            if existing is None:  # some other constraint: not ours to explain
                raise
            raise DuplicateCase(dispatch.platform_case_id, existing.id) from None

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
