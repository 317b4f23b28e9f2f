"""Finding cases the way an operator names them: our id, the 案号 in whatever brackets it was typed, or the
court's own case id; and the filters of `docking cases list` (platform, status, 案号, court, dates).

The court of a case is read from its 案号 (domain.md §4 "Case numbers" [S10]): the court code follows the
bracketed year, so `（2026）粤0104民初106号` is court 粤0104 — and not 粤01, whose cases read `（2026）粤01民…`.
"""

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, not_, or_
from sqlmodel import Session, col, select

from adapter.errors import CaseNotFound, InvalidRequest
from adapter.persistence.tables import CaseRow
from reference import case_number as case_numbers
from reference.courts import court_table
from schemas.clock import CHINA, to_utc

_YEAR_PREFIX = len("（2026）")  # the court code starts right after the bracketed year


@dataclass(frozen=True)
class CaseFilter:
    status: str | None = None
    platform: str | None = None
    case_number: str | None = None
    court: str | None = None  # a court code (粤0104) or a court's name in the court table
    since: datetime | None = None  # at or after (aware)
    until: datetime | None = None  # before (aware)
    # The dates compare with the court's publication of the dispatch (cases.court_dispatched_at, the acceptance
    # clock's start) instead of our receipt; a case without one (flow C, or stored before it was kept) by receipt.
    by_dispatch: bool = False


def identify(session: Session, name: str, *, platform: str | None = None) -> CaseRow:
    """The one case `name` names — our id, a 案号 or the court's case id; CaseNotFound, or InvalidRequest listing
    the candidates when a court's id (or a 案号) is held by more than one platform."""
    name = name.strip()
    found = session.get(CaseRow, name)
    if found is not None and (platform is None or found.platform == platform):
        return found
    by_name = or_(col(CaseRow.platform_case_id) == name, _case_number_is(name))
    query = select(CaseRow).where(by_name).order_by(col(CaseRow.created_at)).limit(20)
    if platform is not None:
        query = query.where(CaseRow.platform == platform)
    matches = list(session.exec(query).all())
    if not matches:
        raise CaseNotFound(name)
    if len(matches) > 1:
        listed = "; ".join(
            f"{c.id} ({c.platform}, court id {c.platform_case_id}, {c.case_number or 'no 案号'})" for c in matches
        )
        raise InvalidRequest(f"{name!r} names {len(matches)} cases: {listed}; add --platform or use our id")
    return matches[0]


def find_cases(session: Session, wanted: CaseFilter, *, limit: int) -> Sequence[CaseRow]:
    """Cases matching every given filter, newest first."""
    query = select(CaseRow).order_by(col(CaseRow.created_at).desc()).limit(limit)
    if wanted.status:
        query = query.where(CaseRow.status == wanted.status)
    if wanted.platform:
        query = query.where(CaseRow.platform == wanted.platform)
    if wanted.case_number:
        query = query.where(_case_number_is(wanted.case_number))
    if wanted.court:
        query = query.where(_court_is(court_code(wanted.court)))
    when = func.coalesce(CaseRow.court_dispatched_at, CaseRow.created_at) if wanted.by_dispatch else CaseRow.created_at
    if wanted.since:
        query = query.where(when >= to_utc(wanted.since))
    if wanted.until:
        query = query.where(when < to_utc(wanted.until))
    return session.exec(query).all()


def court_code(text: str, option: str = "--court") -> str:
    """A court code as typed (粤0104, or an old-form abbreviation such as 穗越法), or the code of a court named in
    the court table; a name the table does not know is refused (InvalidRequest naming `option`, as the caller
    calls it) rather than matching nothing."""
    text = text.strip()
    table = court_table()
    if table.get(text) is not None:
        return text
    for court in table.courts.values():
        if court.name == text:
            return court.code
    if text.endswith("法院"):
        raise InvalidRequest(f"{option} {text!r} is not a court in the court table; give its code, e.g. 粤0104")
    return text


def parse_when(text: str, option: str, *, end_of_day: bool = False) -> datetime:
    """An ISO 8601 date or time; without a zone it is China time. A date alone as an upper bound means up to the
    end of that day."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidRequest(
            f"{option} {text!r} is not an ISO 8601 date or time, e.g. 2026-11-23 or 2026-11-23T10:00"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=CHINA)  # operators think in China time
    if end_of_day and len(text.strip()) == len("2026-11-23"):
        value += timedelta(days=1)
    return value


def _case_number_is(text: str) -> ColumnElement[bool]:
    """The stored 案号 is normalised (（） brackets, no spaces: reference/case_number.py); so is the one typed."""
    forms = {text.strip()}
    # Not a case number: only its literal form can match (it may still be a court's case id).
    with suppress(case_numbers.MalformedCaseNumber):
        forms.add(case_numbers.parse(text).text)
    return col(CaseRow.case_number).in_(sorted(forms))


def _court_is(code: str) -> ColumnElement[bool]:
    """The 案号's court code is `code` exactly: the next character is not a digit (粤01 ≠ 粤0104)."""
    number = col(CaseRow.case_number)
    after = func.substr(number, _YEAR_PREFIX + len(code) + 1, 1)
    return and_(
        func.substr(number, _YEAR_PREFIX + 1, len(code)) == code,
        not_(after.in_([str(d) for d in range(10)])),
    )
