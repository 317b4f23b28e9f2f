"""A partner record's state machine, the same shape for every kind: a transition table, a pure `advance()`, the
final statuses, and the pauses (statuses in which the record's main clock stands still — a traffic case's
appraisal or liability review, partners.md §2). Each kind declares one (adapter/partners/<kind>/states.py) from
its own StrEnums; the store and the use cases only ever call `advance`.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from adapter.errors import DockingError


def a(word: str) -> str:
    """`word` with its indefinite article: "an arbitration", "a traffic", "a roster" (by its first letter)."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


class IllegalPartnerTransition(DockingError):
    """An event the record's status does not allow: names the kind, the status and the events allowed there (the API
    answers it as a 409, like a case's illegal transition)."""

    def __init__(self, kind: str, status: str, event: str, allowed: list[str]) -> None:
        super().__init__(
            f"cannot {event} {a(kind)} record in {status}; allowed here: {', '.join(allowed) or 'nothing'}"
        )
        self.kind = kind
        self.status = status
        self.event = event
        self.allowed = allowed


@dataclass(frozen=True)
class Machine:
    """`transitions[(status, event)] = next status`; statuses and events are the kind's StrEnum values."""

    kind: str
    initial: StrEnum
    transitions: Mapping[tuple[StrEnum, StrEnum], StrEnum]
    final: frozenset[StrEnum]
    paused: frozenset[StrEnum] = field(default_factory=frozenset)

    def statuses(self) -> list[str]:
        """Every status of the machine (the initial one, and each a transition leaves or reaches), sorted."""
        found = {self.initial.value} | {s.value for s in self.final} | {s.value for s, _ in self.transitions}
        return sorted(found | {t.value for t in self.transitions.values()})

    def allowed(self, status: str) -> list[str]:
        return sorted(e.value for (s, e) in self.transitions if s == status)

    def advance(self, status: str, event: str) -> str:
        """The status after `event` from `status` (both as text, as stored), or IllegalPartnerTransition. Pure."""
        for (s, e), target in self.transitions.items():
            if s == status and e == event:
                return target.value
        raise IllegalPartnerTransition(self.kind, status, event, self.allowed(status))

    def is_final(self, status: str) -> bool:
        return any(s == status for s in self.final)

    def is_paused(self, status: str) -> bool:
        return any(s == status for s in self.paused)
