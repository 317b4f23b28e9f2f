"""Which desk serves which institution: the `[desks.<name>]` settings read as the use cases need them — a desk name
by institution USCC, and the desk's memorandum (adapter/complaints/memoranda.py). Built by the composition root from
the settings (adapter/config/desks.py); the use cases only look things up.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from adapter.complaints.memoranda import Memorandum
from adapter.errors import InvalidRequest


@dataclass(frozen=True)
class Desk:
    """One institution's complaint desk: its platform name, the USCCs it answers for, its MoU (None: none)."""

    name: str
    usccs: tuple[str, ...]
    memorandum: Memorandum | None = None


@dataclass(frozen=True)
class DeskDirectory:
    desks: Mapping[str, Desk] = field(default_factory=dict)

    @classmethod
    def of(cls, desks: Iterable[Desk]) -> "DeskDirectory":
        return cls({desk.name: desk for desk in desks})

    def for_institution(self, uscc: str) -> Desk:
        """The desk for the institution with this USCC; InvalidRequest (field institution.uscc, rule no_desk)
        naming the USCC and the setting to add when no desk is registered for it."""
        for desk in self.desks.values():
            if uscc in desk.usccs:
                return desk
        raise InvalidRequest(
            f"institution.uscc: no complaint desk is registered for institution {uscc}; add it to "
            f"`institution_uscc` of a [desks.<name>] table in the settings (configured desks: "
            f"{', '.join(sorted(self.desks)) or 'none'})",
            field="institution.uscc",
            rule="no_desk",
        )

    def get(self, name: str) -> Desk | None:
        return self.desks.get(name)
