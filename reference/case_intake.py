"""Reading a dispatch's 案号 once, where its canonical record is built (issue 15: a value is parsed once per boundary).

Every boundary that builds a CaseDispatch calls `read_case_number`: the court mappings' decode
(mappings/court_fields.py), the fake connector (connectors/fake.py), the centre's own intake
(adapter/services.py). The parser (reference/case_number.py) runs there once; what it found travels with the record
as `CaseDispatch.case_number_reading` (schemas/case.py) and is stored with the case, so the flags, the case's court
code (cases.court_code) and the deadline sweep never parse the 案号 again.

A 案号 without the shape of one is refused exactly as when the schema itself refused it: a pydantic ValidationError
naming the field, so the connectors' one translation (connectors/http.py `decoded`) quarantines it as `invalid`.
"""

from pydantic import ValidationError

from reference import case_number as case_numbers
from reference.case_number import MalformedCaseNumber, normalise_court_code
from schemas.case import CaseDispatch, CaseNumberReading


def read_case_number(dispatch: CaseDispatch, loc: tuple[str | int, ...] = ("case_number",)) -> CaseDispatch:
    """`dispatch` with its 案号 normalised and read (an unknown court or type code flagged, never refused) and its
    court code normalised (粤０１０４ is 粤0104, the form the court table and per-court settings use); a malformed
    案号 is a ValidationError at `loc` (where the field sits in the message being decoded)."""
    court_code = None if dispatch.court_code is None else normalise_court_code(dispatch.court_code)
    if dispatch.case_number is None:
        return dispatch.model_copy(update={"court_code": court_code, "case_number_reading": None})
    try:
        number = case_numbers.parse(dispatch.case_number)
    except MalformedCaseNumber as exc:
        error = {"type": "value_error", "loc": loc, "input": dispatch.case_number, "ctx": {"error": exc}}
        raise ValidationError.from_exception_data(CaseDispatch.__name__, [error]) from None  # type: ignore[list-item]
    reading = CaseNumberReading(court_code=number.court_code, problems=tuple(number.problems))
    return dispatch.model_copy(
        update={"case_number": number.text, "court_code": court_code, "case_number_reading": reading}
    )


def with_reading(dispatch: CaseDispatch) -> CaseDispatch:
    """`dispatch` as read at intake; one stored before the reading was kept (migration 0011) is read now — the only
    place a stored 案号 is parsed again, and only for such rows."""
    if (dispatch.case_number is None) == (dispatch.case_number_reading is None):
        return dispatch
    return read_case_number(dispatch)  # unread, or a reading left over after the 案号 was taken away
