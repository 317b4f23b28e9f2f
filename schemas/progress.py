"""Progress the centre reports on a case: acceptance, mediator, sessions, extension, suspension."""

from pydantic import Field, model_validator

from schemas.case import Record
from schemas.enums import DeclineReason, ProgressKind
from schemas.text import Line, Text
from schemas.times import CalendarDate, Timestamp


class ProgressUpdate(Record):
    kind: ProgressKind
    at: Timestamp
    decline_reason: DeclineReason | None = None
    mediator: Line | None = Field(default=None, max_length=100)
    note: Text = Field(default="", max_length=2000)
    new_due: CalendarDate | None = None  # for an extension agreed by all parties

    @model_validator(mode="after")
    def _fields_match_kind(self) -> "ProgressUpdate":
        # A decline needs a reason [S2 Art 12]; an assignment needs the mediator; an extension its new due date.
        if self.kind is ProgressKind.DECLINED and self.decline_reason is None:
            raise ValueError("a decline must give decline_reason")
        if self.kind is ProgressKind.MEDIATOR_ASSIGNED and not self.mediator:
            raise ValueError("a mediator assignment must name the mediator")
        if self.kind is ProgressKind.EXTENDED and self.new_due is None:
            raise ValueError("an extension must give new_due")
        return self
