"""What a reconciliation run found: the differences, what was done about each, and the run's outcome."""

from dataclasses import dataclass, field

from adapter.reconcile.cases import Scope
from adapter.reconcile.classify import Action, Kind
from schemas.enums import CourtStatus


@dataclass(frozen=True)
class Difference:
    case_id: str | None  # None: a case only the platform knows (missing_here)
    platform: str
    platform_case_id: str
    ours: CourtStatus | None  # what the platform should show, from our state; None if we do not have the case
    theirs: CourtStatus | None  # what it shows; None if it does not know the case
    kind: Kind
    action: Action  # taken if `repaired`, else suggested
    repaired: bool = False
    detail: str = ""


@dataclass
class ReconcileReport:
    scope: Scope = Scope.FULL
    platform: str | None = None  # the filter; None: every platform
    repair: bool = False
    run_id: int | None = None
    checked: int = 0  # our cases compared with their platform
    in_flight: int = 0  # cases skipped because a message is still on its way (either way: see `arriving`)
    # (platform, platform case id) of the listed cases we lack whose dispatch our feed read has not passed yet:
    # counted in `in_flight`, not differences (arrival.py)
    arriving: list[tuple[str, str]] = field(default_factory=list)
    listed: int = 0  # cases the platforms listed (full scope)
    differences: list[Difference] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # platform → why it could not be reconciled
    # … of those, the platforms that answered and refused: "credentials" (our signature or key) or "rejected"
    refused: dict[str, str] = field(default_factory=dict)

    @property
    def repaired(self) -> int:
        return sum(1 for d in self.differences if d.repaired)

    @property
    def remaining(self) -> list[Difference]:
        """Differences nothing was done about: a person has to look, or a repair run is needed."""
        return [d for d in self.differences if not d.repaired]

    @property
    def status(self) -> str:
        """failed (a platform could not be reconciled) · ok (in step) · repaired (every difference found was
        repaired; a run after delivery should find none) · differences (some remain)."""
        if self.failures:
            return "failed"
        if not self.differences:
            return "ok"
        return "differences" if self.remaining else "repaired"
