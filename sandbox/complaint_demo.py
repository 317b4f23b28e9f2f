"""The complaint side of `docking demo` (issue #18): three sandbox institutions beside the courts — a bank's card
centre and a green-channel P&C insurer that the adapter polls, a life insurer that pushes its answers to the API —
registered as desks in the demo's settings, and the simulated centre's complaint desk (sandbox/complaint_centre.py)
filing complaints through the API.

Time at the desks is compressed (SECONDS_PER_DAY real seconds for a simulated day): the card centre decides in two
days (0.4 s), the life insurer extends to 30 days and decides on day 25 (5 s), so the complaints finish within the
courts' run. The desks date their answers by the real clock, not by their simulated days (dated_by_clock): the
adapter, on the real clock, quarantines an answer sent more than an hour ahead of it, as a real desk's could never
be. So the stored times are real ones, and the small claims' working days (adapter/stats.py summarize_complaints,
counted by adapter/complaints/working_days.py) are those of a run of seconds: 0, unless it crosses a midnight.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func
from sqlmodel import select

from adapter.complaints.memoranda import Memorandum
from adapter.config.desks import DeskSettings
from adapter.config.platform import Profile
from adapter.persistence.complaint_tables import ComplaintOutboxRow
from adapter.persistence.engine import UnitOfWork
from adapter.stats import summarize_complaints
from sandbox.complaint_centre import ComplaintCentre, Institution
from sandbox.institution import InstitutionConfig
from sandbox.institution.pairing import DeskPairing, pair_desk
from sandbox.institution.push import DeskPusher
from sandbox.institution.server import DeskServer

SECONDS_PER_DAY = 0.2
# name → (sandbox kind, mode, the institution as complaints name it). The card centre holds a memorandum with the
# centre (small claims to ¥5,000, partners.md §1 [P67a]); the others take general (and green-channel) complaints.
DESKS: dict[str, tuple[str, str, Institution]] = {
    "card-centre": (
        "card_centre",
        "poll",
        Institution(
            "card-centre",
            "bank",
            "招商银行股份有限公司信用卡中心",
            {"table": "jrt0169", "version": "2018", "business": "B0302", "cause": "C03"},
        ),
    ),
    "life-insurer": (
        "life_insurer",
        "push",
        Institution(
            "life-insurer",
            "insurer",
            "中国人寿保险股份有限公司广东省分公司",
            {"table": "nfra-insurance", "version": "2020", "business": "L0206", "cause": "D0101"},
        ),
    ),
    "green-pc": (
        "green_pc",
        "poll",
        Institution(
            "green-pc",
            "insurer",
            "中国平安财产保险股份有限公司广东分公司",
            {"table": "nfra-insurance", "version": "2020", "business": "L0101", "cause": "D0101"},
            track="green_channel",
        ),
    ),
}
ROLES = {"card-centre": "bank", "life-insurer": "life", "green-pc": "green"}  # how the complaint centre names them
MEMORANDUM = Memorandum(
    small_claim_cap="5000.00",
    delegated_authority="调解员可在 5000 元以内径行作出调解决定，机构承诺履行",
    signed_on=date(2025, 6, 1),
)


@dataclass
class _Desk:
    pairing: DeskPairing
    server: DeskServer
    mode: str
    institution: Institution
    pusher: DeskPusher | None = None


@dataclass
class Institutions:
    """The running sandbox institutions, by desk name."""

    desks: dict[str, _Desk] = field(default_factory=dict)

    @classmethod
    def start(cls, work: Path, profile: Profile) -> "Institutions":
        started = cls()
        for name, (kind, mode, institution) in DESKS.items():
            config = InstitutionConfig(kind=kind, seconds_per_day=SECONDS_PER_DAY)
            pairing = pair_desk(work / "desks" / name, config, profile=profile, dated_by_clock=True)
            started.desks[name] = _Desk(pairing, pairing.serve(), mode, institution)
        return started

    def settings(self, **connection: Any) -> dict[str, DeskSettings]:
        """`[desks.<name>]` for each: its URL, signing, mode, the USCC it answers for, the card centre's MoU."""
        return {
            name: DeskSettings(
                base_url=desk.server.url,
                signing=desk.pairing.signing,
                mode=desk.mode,
                institution_uscc=[desk.institution.uscc],
                memorandum=MEMORANDUM if name == "card-centre" else None,
                **connection,
            )
            for name, desk in self.desks.items()
        }

    def institutions(self) -> dict[str, Institution]:
        return {ROLES[name]: desk.institution for name, desk in self.desks.items()}

    def push_to(self, base: str, key_for: Callable[[str], str], tally: Callable[[requests.Response], None]) -> None:
        """Start each pushing desk's pusher towards the API at `base`, with its own desk:<name> key."""
        for name, desk in self.desks.items():
            if desk.mode == "push":
                desk.pusher = DeskPusher(desk.pairing.core, base, name, key_for(name), timeout=5.0)
                desk.pusher._session.hooks["response"].append(lambda answer, *_, **__: tally(answer))
                desk.pusher.start(every=0.1)

    def arrange(self, complaint_id: str, desk: str, plan: str) -> None:
        """A complaint planned for mediation: its institution will refuse it and both sides consent (the desk's
        to_mediation script, sandbox/institution/scripts.py)."""
        if plan == "mediation":
            self.desks[desk].pairing.core.misbehave(complaint_id, "to_mediation")

    def quiet(self) -> bool:
        """Nothing left to push (the pulled desks' feeds are read by the adapter's own jobs)."""
        return all(not desk.pusher.pending() for desk in self.desks.values() if desk.pusher is not None)

    def stop_pushing(self) -> None:
        for desk in self.desks.values():
            if desk.pusher is not None:
                desk.pusher.stop()

    def stop(self) -> None:
        self.stop_pushing()
        for desk in self.desks.values():
            desk.server.stop()

    def figures(self) -> dict[str, dict[str, Any]]:
        """Per desk: kind, mode, complaints it holds, messages it published and applied, any applied twice."""
        out = {}
        for name, desk in self.desks.items():
            stats = desk.pairing.core.stats()
            out[name] = {
                "kind": stats["kind"],
                "mode": desk.mode,
                "complaints": len(stats["complaints"]),
                "published": stats["published"],
                "applied": stats["applied"],
                "applied_twice": len(stats["applied_twice"]),
            }
        return out


@dataclass
class ComplaintDemo:
    """The institutions, the centre's complaint desk once the API is up, and the complaints still to be filed (in
    four batches, as the courts' cases arrive)."""

    institutions: Institutions
    count: int
    seed: int
    centre: ComplaintCentre | None = None
    batches: list[list[str]] = field(default_factory=list)

    @classmethod
    def start(cls, work: Path, profile: Profile, seed: int, count: int) -> "ComplaintDemo":
        return cls(Institutions.start(work, profile), count, seed)

    def connect(
        self,
        base: str,
        centre_key: str,
        desk_key: Callable[[str], str],
        tally: Callable[[requests.Response], None],
        on_case: Callable[[str], None],
        mediation_at_most: int,
    ) -> int:
        """The centre's complaint desk on the API at `base`, the pushing desks pushing to it; the complaints
        planned. Returns how many will become mediation cases (at most `mediation_at_most`)."""
        self.centre = ComplaintCentre(
            base,
            centre_key,
            self.institutions.institutions(),
            self.seed,
            arrange=self.institutions.arrange,
            on_case=on_case,
            tally=tally,
        )
        plans = self.centre.plans(self.count, mediation_at_most)
        self.batches = [plans[i::4] for i in range(4) if plans[i::4]]
        self.institutions.push_to(base, desk_key, tally)
        return plans.count("mediation")

    def step(self) -> None:
        assert self.centre is not None
        if self.batches:
            self.centre.intake(self.batches.pop(0))
        self.centre.step()

    def progress(self) -> dict[str, int]:
        known = self.centre.complaints if self.centre else {}
        return {"complaints": len(known), "complaints_at_rest": self.centre.at_rest() if self.centre else 0}

    def done(self, uow: UnitOfWork) -> bool:
        """Every complaint filed and at rest, nothing left for a desk, nothing left to push."""
        if self.centre is None or self.batches or self.centre.at_rest() != len(self.centre.complaints):
            return False
        with uow.begin() as session:
            pending = session.exec(
                select(func.count()).select_from(ComplaintOutboxRow).where(ComplaintOutboxRow.status == "pending")
            ).one()
        return int(pending) == 0 and self.institutions.quiet()

    def finish(self, runtime: Any) -> dict[str, Any]:
        """After the run (the jobs stopped): reconcile by complaint with the desks, stop them; the figures."""
        self.institutions.stop_pushing()
        if self.centre is not None:
            self.centre.close()
        differences = runtime.complaints.reconcile(repair=False) if runtime.complaints else {}
        self.institutions.stop()
        summary = summarize_complaints(runtime.uow, runtime.complaints.calendar) if runtime.complaints else {}
        return {
            **summary,
            "complaints_filed": len(self.centre.complaints) if self.centre else 0,
            "complaint_reconciliation_differences": sum(len(d) for d in differences.values()),
            "complaint_api_refusals": sum(self.centre.refusals.values()) if self.centre else 0,
            "desks": self.institutions.figures(),
        }
