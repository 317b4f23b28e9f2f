"""An empty listing under a filter no row could match: said on stderr, with the values there are. A mistyped
`--reason` or `--platform` printed an empty table and exit 0, read as "nothing there" (newcomer review)."""

from typing import Any

from sqlmodel import Session, select

from cli.output import err

SHOWN = 12  # values named at most: enough to spot the one meant


def note_unmatched(session: Session, filters: list[tuple[str, Any, str | None]]) -> None:
    """For each (option, column, value) given: a value no row has at all is named on stderr with the column's
    values (stdout, the table or JSON, is left as it was: an empty result is still one). Call it only when the
    listing came back empty: it reads each column's distinct values."""
    for option, column, value in filters:
        if value is None:
            continue
        if session.exec(select(column).where(column == value).limit(1)).first() is not None:
            continue  # the value is there: the other filters left nothing
        present = sorted(
            str(v) for v in session.exec(select(column).distinct().limit(SHOWN + 1)).all() if v is not None
        )
        shown = ", ".join(present[:SHOWN]) + (", …" if len(present) > SHOWN else "") if present else "none yet"
        err.print(f"{option} {value!r} matches nothing; values there are: {shown}", highlight=False)
