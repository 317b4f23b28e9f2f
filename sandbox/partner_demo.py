"""The docking partners in `docking demo` (issue #19): three sandbox partners beside the courts and desks — a
traffic-accident platform (道交一体化, sandbox/traffic/), an arbitration commission (sandbox/arbitration/) and the
SPC mediation platform (sandbox/spc/) — registered as `[partners.<name>]` in the demo's settings, the adapter's
partner jobs delivering, polling and reconciling them, and the centre's clerk acting through the partner service
(adapter/partners/service.py run_action, the use case the centre API and the console call).

What the clerk does, in the proportions of a small centre's day: the police feed offers traffic cases, most are
accepted (one in six declined), mediated (one with an appraisal, the mediation clock paused), agreed, confirmed by
the court and paid by the insurer; a few settlements go to the commission for a 调解书 or an award on agreed terms,
and one whose arbitration agreement predates the dispute is refused by the adapter's guard before anything is sent
(先予仲裁 [P26]); the centre's mediators — the names the simulated centre assigns cases to — and their organisation
are upserted and certified on the SPC roster before the courts' cases arrive; after the run each closed flow-C case
is registered with the SPC platform.

The traffic platform pushes (mode = "push", partners.md §6): its pusher (sandbox/traffic/push.py, what `docking
sandbox traffic --push-to URL` runs) POSTs each offer and update to the served API, POST /api/partners/v1/gd-traffic/
messages, with its own API key (role partner:gd-traffic) and its signature; the commission and the SPC are read.

Time at the partners is compressed (SECONDS_PER_DAY real seconds for a simulated day) and `live`: a message is never
dated after it is published, so the adapter (on the real clock) takes every one.
"""

import os
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from adapter.config.partners import PartnerSettings
from adapter.config.platform import Profile, SigningSettings
from adapter.config.spc_form import SpcFormSettings
from adapter.partners.roster_registration import register_pending
from adapter.persistence import partner_store as store
from adapter.persistence.partner_tables import PartnerOutboxRow, PartnerRecordRow
from sandbox.arbitration import CommissionConfig, CommissionServer
from sandbox.arbitration.pairing import CommissionPairing, pair_commission
from sandbox.centre import MEDIATORS
from sandbox.pairing import arrange_keys
from sandbox.partner_clerk import Clerk
from sandbox.spc import SpcConfig, SpcCore, SpcServer
from sandbox.traffic import TrafficConfig, TrafficServer
from sandbox.traffic.pairing import TrafficPairing, pair_traffic
from sandbox.traffic.push import TrafficPusher
from schemas.partner import PartnerKind

SECONDS_PER_DAY = 0.05
TRAFFIC, COMMISSION, SPC = "gd-traffic", "gz-arbitration", "spc"
# Not DOCKING_*: the demo sets them in its own process, and a later settings load there would warn that a DOCKING_
# variable is not one of its settings.
SPC_PASSWORD_ENV, SPC_CALLBACK_ENV = "SANDBOX_DEMO_SPC_PASSWORD", "SANDBOX_DEMO_SPC_CALLBACK_KEY"
AT_REST = {  # statuses a record of the demo's ends in (each kind's machine, adapter/partners/<kind>/states.py)
    PartnerKind.TRAFFIC: {"DECLINED", "CLOSED"},
    PartnerKind.ARBITRATION: {"EFFECTIVE", "AWARD_ISSUED", "REFUSED", "WITHDRAWN", "SET_ASIDE_PENDING", "CLOSED"},
    PartnerKind.ROSTER: {"ACTIVE", "REGISTERED", "REJECTED", "RETIRED", "EXPIRED", "REGISTRATION_REJECTED", "RECORDED"},
}


@dataclass
class PartnerDemo:
    """The running sandbox partners and the centre's clerk over the adapter's runtime once it is built."""

    traffic: TrafficPairing
    traffic_server: TrafficServer
    commission: CommissionPairing
    commission_server: CommissionServer
    spc: SpcCore
    spc_server: SpcServer
    spc_signing: SigningSettings  # required of every partner; the form signs nothing (its login is the session)
    offers: int
    applications: int
    clerk: Clerk | None = None
    pusher: TrafficPusher | None = None  # the traffic platform's, once the API is up
    registered: dict[str, str] = field(default_factory=dict)

    @classmethod
    def start(cls, work: Path, profile: Profile, seed: int, cases: int) -> "PartnerDemo":
        """The partners, paced for the demo; `cases` (the courts' count) sizes the partners' share: a traffic offer
        for every ten cases (at least six) and an application for every twenty-five (at least three)."""
        traffic = pair_traffic(
            work / "partners" / TRAFFIC,
            TrafficConfig(SECONDS_PER_DAY, seed=seed, appraisal_days=3, live=True),
            profile=profile,
        )
        # The fee notice gives 200 days (10 s here): a busy demo's clerk pays within seconds, not within 7 sandbox days
        commission = pair_commission(
            work / "partners" / COMMISSION,
            CommissionConfig(seconds_per_day=SECONDS_PER_DAY, fee_days=200, live=True),
            profile=profile,
        )
        callback_key = secrets.token_urlsafe(16)
        spc = SpcCore(SpcConfig(password=secrets.token_urlsafe(12), callback_key=callback_key))
        os.environ[SPC_PASSWORD_ENV], os.environ[SPC_CALLBACK_ENV] = spc.config.password, callback_key
        _, _, spc_signing = arrange_keys(work / "partners" / SPC, profile="hmac-appkey", counterpart="spc")
        return cls(
            traffic,
            traffic.serve(),
            commission,
            commission.serve(),
            spc,
            SpcServer(spc).start(),
            spc_signing,
            offers=max(6, cases // 10),
            applications=max(3, cases // 25),
        )

    def settings(self, **connection: Any) -> dict[str, PartnerSettings]:
        """`[partners.<name>]` for each: kind, transport, URL, signing (the SPC: its form login), mode."""
        spc_form = SpcFormSettings(
            username=self.spc.config.username, password_env=SPC_PASSWORD_ENV, callback_key_env=SPC_CALLBACK_ENV
        )
        return {
            TRAFFIC: PartnerSettings(
                kind=PartnerKind.TRAFFIC,
                base_url=self.traffic_server.api,
                signing=self.traffic.signing,
                mode="push",
                **connection,
            ),
            COMMISSION: PartnerSettings(
                kind=PartnerKind.ARBITRATION,
                base_url=self.commission_server.api,
                signing=self.commission.signing,
                mode="poll",
                **connection,
            ),
            SPC: PartnerSettings(
                kind=PartnerKind.ROSTER,
                transport="spc_form",
                base_url=self.spc_server.url,
                form=spc_form,
                mode="poll",
                signing=self.spc_signing,
                **connection,
            ),
        }

    def connect(self, runtime: Any, base: str, key: Callable[[str, str], str], tally: Callable[[Any], None]) -> None:
        """Before the jobs start: the roster certified and activated (the simulated centre assigns its cases to
        these mediators, and an unlisted or inactive one could not be), the police offers published and the traffic
        platform pushing them to the API at `base` (`key(name, role)`: a new client's API key; `tally` hears each
        answer), the settlements handed to the commission."""
        assert runtime.partners is not None
        self.clerk = Clerk(runtime, TRAFFIC, COMMISSION, SPC)
        self.clerk.roster(MEDIATORS)
        for _ in range(20):  # the platform certifies at its next tick; bounded
            runtime.partners.deliver()
            runtime.partners.poll(SPC)
            if self.clerk.activate():
                break
            time.sleep(0.02)
        self.traffic.core.offer(self.offers)
        self.pusher = TrafficPusher(
            self.traffic.core, base, TRAFFIC, api_key=key(f"{TRAFFIC}-platform", f"partner:{TRAFFIC}")
        )
        self.pusher._session.hooks["response"].append(lambda answer, *_, **__: tally(answer))
        self.pusher.start(every=0.2)
        self.clerk.hand_over(self.applications)

    def stop_pushing(self) -> None:
        if self.pusher is not None:
            self.pusher.stop()

    def step(self) -> None:
        if self.clerk is not None:
            self.clerk.step()

    def done(self, uow: Any) -> bool:
        """Every partner record at rest and nothing left in the partner outbox."""
        return self.clerk is not None and self.clerk.offers_seen >= self.offers and _at_rest(uow)

    def finish(self, runtime: Any) -> dict[str, Any]:
        """After the run (the jobs stopped): the closed flow-C cases registered with the SPC platform (delivered and
        answered), each partner reconciled by record, the partners stopped; the figures."""
        partners, clerk = runtime.partners, self.clerk
        assert partners is not None and clerk is not None
        run = register_pending(
            runtime.uow, partner=SPC, rules=partners.rules[SPC], actor="demo-centre", now=runtime.clock()
        )
        for _ in range(20):
            partners.deliver()
            partners.poll(SPC)
            if _at_rest(runtime.uow):
                break
            time.sleep(0.02)
        differences = partners.reconcile(repair=False)
        for server in (self.traffic_server, self.commission_server, self.spc_server):
            server.stop()
        figures = _figures(runtime.uow)
        return {
            **figures,
            "arbitration_refused_locally": clerk.refused_locally,
            "spc_registrations_waiting": len(run.waiting),
            "partner_reconciliation_differences": sum(
                len(r.differences) + len(r.figures) for r in differences.values()
            ),
            "partners": {
                name: {"kind": c.kind.value, "mode": c.mode} for name, c in partners.settings.partners.items()
            },
        }

    def ok(self, figures: dict[str, Any]) -> bool:
        return (
            figures["traffic_offers"] == self.offers
            and figures["traffic_claims_paid"] > 0
            and figures["arbitration_effective"] > 0
            and figures["arbitration_refused_locally"] == 1
            and figures["roster_mediators_active"] == len(MEDIATORS)
            and figures["partner_messages_dead"] == 0
            and figures["partner_messages_pending"] == 0
            and figures["partner_reconciliation_differences"] == 0
        )


def _at_rest(uow: Any) -> bool:
    with uow.begin() as session:
        pending = session.exec(
            select(func.count()).select_from(PartnerOutboxRow).where(PartnerOutboxRow.status == "pending")
        ).one()
        rows = session.exec(select(PartnerRecordRow.kind, PartnerRecordRow.status)).all()
    return int(pending) == 0 and all(status in AT_REST[PartnerKind(kind)] for kind, status in rows)


def _figures(uow: Any) -> dict[str, Any]:
    """Per partner, from the stored records and the partner outbox."""
    with uow.begin() as session:
        records = [store.view(row) for row in session.exec(select(PartnerRecordRow)).all()]
        outbox = Counter(
            dict(session.exec(select(PartnerOutboxRow.status, func.count()).group_by(PartnerOutboxRow.status)).all())
        )
        histories = {r.record_id: [e.event or e.note for e in store.history(session, r.record_id)] for r in records}
    traffic = [r for r in records if r.kind == PartnerKind.TRAFFIC]
    arbitration = [r for r in records if r.kind == PartnerKind.ARBITRATION]
    roster = [r for r in records if r.kind == PartnerKind.ROSTER]
    entity = lambda r: r.facts.get("entity")  # noqa: E731
    return {
        "traffic_offers": len(traffic),
        "traffic_declined": sum(r.status == "DECLINED" for r in traffic),
        "traffic_appraisals": sum("request_appraisal" in histories[r.record_id] for r in traffic),
        "traffic_agreements": sum("agree" in histories[r.record_id] for r in traffic),
        "traffic_claims_paid": sum("pay" in histories[r.record_id] for r in traffic),
        "arbitration_applications": len(arbitration),
        "arbitration_effective": sum(r.status in ("EFFECTIVE", "AWARD_ISSUED") for r in arbitration),
        "roster_orgs_certified": sum(entity(r) == "organisation" and r.status == "ACTIVE" for r in roster),
        "roster_mediators_active": sum(entity(r) == "mediator" and r.status == "ACTIVE" for r in roster),
        "spc_registrations": sum(entity(r) == "registration" and r.status == "REGISTERED" for r in roster),
        "partner_messages_delivered": outbox["delivered"],
        "partner_messages_dead": outbox["dead"],
        "partner_messages_pending": outbox["pending"],
    }
