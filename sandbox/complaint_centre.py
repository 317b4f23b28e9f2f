"""The simulated centre's complaint desk (投诉转办, partners.md §1): it receives consumer complaints and drives them
through the centre API over HTTP, as the centre's complaint system would — intake, the small-claim decision, the
return visit (回访) and closing — while the institutions' desks acknowledge, extend, decide and pay.

The mix follows the seed's figures [P67a][P67b] at demo scale: most complaints forwarded and decided by the
institution, about a fifth on the small-claim track (4,716 small claims in two years against 5,419 forwarded in a
half-year), a few withdrawn, and about one in eight refused by the institution and converted to mediation (the
desk sends both sides' consent; the flow-C case it opens is handed to the case centre, sandbox/centre.py, which
works it like its own, judicial confirmation included).

Each complaint's plan is drawn when it is received; `arrange(complaint_id, desk, plan)` lets the demo tell the
sandbox desk beforehand (an institution that will refuse). The centre learns where complaints stand by listing
them (GET /complaints, every `step`), reads one (its ETag) before acting, and POSTs each action under a fresh
Idempotency-Key and If-Match.
"""

import hashlib
import logging
import random
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import requests

from adapter.complaints.states import ComplaintStatus, is_final
from sandbox import data

log = logging.getLogger("docking.sandbox.complaint_centre")
COMPLAINTS = "/api/centre/v1/complaints"
MEDIATORS = ["陈调解员", "李调解员", "黄调解员"]
CHANNELS = ["web", "phone", "phone", "wechat", "letter", "visit"]
SMALL_CLAIM_CAP = Decimal("5000.00")  # the card centre's memorandum (sandbox/complaint_demo.py)
TRIES = 3


@dataclass(frozen=True)
class Institution:
    """A sandbox institution as the centre files complaints against it: its desk, kind, name and codes."""

    desk: str
    kind: str  # bank | insurer
    name: str
    classification: dict[str, str]  # table, version, business, cause
    track: str = "general"  # general complaints' track (green_channel for the green-channel insurer)

    @property
    def uscc(self) -> str:
        return data.social_credit_code(self.name)


# Plans: what happens to a complaint. "general" is decided by the desk; "small_claim" is decided by the mediator
# within the memorandum and paid by the desk; "review" the complainant asks the desk to review (核查) its decision
# [P34][P42b]; "withdrawn" the complainant withdraws while the desk handles it; "mediation" the desk refuses and
# both sides consent to mediation. Every plan ends with the return visit and closing, or at rest where it stops.
PLANS = ("general", "small_claim", "review", "withdrawn", "mediation")
SHARE = {"small_claim": 0.22, "review": 0.05, "withdrawn": 0.04, "mediation": 0.12}


@dataclass
class Planned:
    complaint_id: str
    desk: str
    plan: str
    amount: Decimal
    status: str = "RECEIVED"
    case_id: str | None = None


class ComplaintCentre:
    """`base_url` the adapter's API, `api_key` a centre client; `institutions` by role: "bank" (small claims and
    general), "life" (withdrawals, mediation, general), others general only. `on_case(case_id)` hears of each
    flow-C case a complaint became; `tally` sees every response."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        institutions: dict[str, Institution],
        seed: int = 7,
        *,
        arrange: Callable[[str, str, str], None] = lambda *_: None,
        on_case: Callable[[str], None] = lambda _: None,
        tally: Callable[[requests.Response], None] | None = None,
    ) -> None:
        self.base, self.institutions, self.seed = base_url.rstrip("/"), institutions, seed
        self._arrange, self._on_case = arrange, on_case
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {api_key}"
        if tally is not None:
            self._session.hooks["response"].append(lambda answer, *_, **__: tally(answer))
        self._rng = random.Random(f"complaints:{seed}")
        self.complaints: dict[str, Planned] = {}
        self.refusals: Counter[int] = Counter()

    def plans(self, count: int, mediation_at_most: int) -> list[str]:
        """`count` plans in the demo's proportions (SHARE), at most `mediation_at_most` converted to mediation."""
        mediation = min(mediation_at_most, round(count * SHARE["mediation"]))
        small = round(count * SHARE["small_claim"])
        review, withdrawn = (round(count * SHARE[p]) if count >= 10 else 0 for p in ("review", "withdrawn"))
        mix = ["mediation"] * mediation + ["small_claim"] * small + ["review"] * review + ["withdrawn"] * withdrawn
        mix = mix[:count] + ["general"] * max(0, count - len(mix))
        self._rng.shuffle(mix)
        return mix

    def intake(self, plans: list[str]) -> list[str]:
        """POST one complaint per plan; the ids registered."""
        ids = []
        for plan in plans:
            complaint_id = f"CP-DEMO-{uuid.UUID(int=self._rng.getrandbits(128)).hex[:16]}"
            institution = self._institution_for(plan)
            amount = self._amount(plan)
            self._arrange(complaint_id, institution.desk, plan)
            answer = self._post(COMPLAINTS, json=self._complaint(complaint_id, institution, plan, amount))
            if answer is not None and answer.status_code == 201:
                self.complaints[complaint_id] = Planned(complaint_id, institution.desk, plan, amount)
                ids.append(complaint_id)
            elif answer is not None:
                log.error("complaint %s refused: HTTP %d %s", complaint_id, answer.status_code, answer.text[:300])
        return ids

    def step(self) -> int:
        """List the complaints; act on each that waits for the centre; how many actions were taken."""
        acted = 0
        for item in self._listing():
            known = self.complaints.get(item["complaint_id"])
            if known is None:
                continue
            known.status = item["status"]
            if item.get("case_id") and known.case_id is None:
                known.case_id = item["case_id"]
                self._on_case(known.case_id)  # the centre's case system takes the new mediation case on
            action = self._next_action(known)
            if action is not None:
                acted += self._do(known, *action)
        return acted

    def at_rest(self) -> int:
        return sum(1 for c in self.complaints.values() if is_final(ComplaintStatus(c.status)))

    def close(self) -> None:
        self._session.close()

    # ---- decisions

    def _next_action(self, known: Planned) -> tuple[str, dict[str, Any]] | None:
        status = ComplaintStatus(known.status)
        if known.plan == "small_claim" and status is ComplaintStatus.HANDLING:
            # After the desk's first contact: its own messages about the complaint have arrived.
            return "small-claim", {"amount": str(known.amount), "mediator": self._pick(known, MEDIATORS)}
        if known.plan == "review" and status is ComplaintStatus.DECIDED:
            return "review", {"grounds": "对处理结果不满意，申请核查"}
        if known.plan == "withdrawn" and status in (ComplaintStatus.HANDLING, ComplaintStatus.EXTENDED_30):
            return "withdraw", {"reason": "投诉人来电撤回投诉"}
        if status in (ComplaintStatus.DECIDED, ComplaintStatus.PAID, ComplaintStatus.REVIEW_DECIDED):
            satisfaction = 3 + int(hashlib.sha256(known.complaint_id.encode()).digest()[0]) % 3
            return "visit", {"satisfaction": satisfaction, "note": "电话回访"}
        if status is ComplaintStatus.VISITED:
            return "close", {"note": "回访完毕，办结"}
        return None

    def _institution_for(self, plan: str) -> Institution:
        if plan == "small_claim":
            return self.institutions["bank"]
        if plan == "withdrawn":
            return self.institutions["life"]  # it handles long enough (extends to 30 days) to be withdrawn from
        if plan == "mediation":
            return self._rng.choice([self.institutions["bank"], self.institutions["life"]])
        if plan == "review":
            return self._rng.choice([self.institutions["bank"], self.institutions["green"]])  # quick to decide
        return self._rng.choices(list(self.institutions.values()), weights=[5, 3, 2][: len(self.institutions)])[0]

    def _amount(self, plan: str) -> Decimal:
        if plan == "small_claim":
            return Decimal(self._rng.randrange(200, int(SMALL_CLAIM_CAP) + 1, 50)).quantize(Decimal("0.01"))
        return Decimal(self._rng.randrange(300, 80_000, 10)).quantize(Decimal("0.01"))

    def _pick(self, known: Planned, choices: list[str]) -> str:
        return choices[hashlib.sha256(f"{self.seed}:{known.complaint_id}".encode()).digest()[0] % len(choices)]

    def _complaint(self, complaint_id: str, institution: Institution, plan: str, amount: Decimal) -> dict[str, Any]:
        rng = self._rng
        return {
            "complaint_id": complaint_id,
            "channel": rng.choice(CHANNELS),
            "complainant": {
                "kind": "natural_person",
                "name": data.person_name(rng),
                "id_type": "resident_id",
                "id_number": data.resident_id(rng),
                "phone": data.mobile(rng),
            },
            "institution": {"kind": institution.kind, "name": institution.name, "uscc": institution.uscc},
            "classification": institution.classification,
            "track": "small_claim" if plan == "small_claim" else institution.track,
            "request": "退还多收的费用并赔偿损失",
            "facts": "账单中多收取费用，多次联系未获处理",
            "amount_in_dispute": str(amount),
        }

    # ---- HTTP

    def _listing(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 500, **({"cursor": after} if after else {})}
            answer = self._request("GET", COMPLAINTS, params=params)
            if answer is None or answer.status_code != 200:
                return items
            page = answer.json()
            items.extend(page["items"])
            after = page.get("next_cursor")
            if not after:
                return items

    def _do(self, known: Planned, action: str, body: dict[str, Any]) -> int:
        """Read the complaint (its ETag), POST the action under If-Match; 1 if taken."""
        path = f"{COMPLAINTS}/{known.complaint_id}"
        read = self._request("GET", path)
        if read is None or read.status_code != 200 or read.json()["status"] != known.status:
            return 0  # moved meanwhile: the next listing says where it is
        answer = self._post(f"{path}/{action}", json=body, etag=read.headers["ETag"])
        if answer is not None and answer.status_code == 200:
            known.status = answer.json()["status"]
            return 1
        if answer is not None:
            self.refusals[answer.status_code] += 1
            log.warning("%s %s: HTTP %d %s", action, known.complaint_id, answer.status_code, answer.text[:300])
        return 0

    def _post(self, path: str, *, etag: str | None = None, **kwargs: Any) -> requests.Response | None:
        headers = {"Idempotency-Key": uuid.uuid4().hex, **({"If-Match": etag} if etag else {})}
        return self._request("POST", path, headers=headers, **kwargs)

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response | None:
        """The answer, or None after TRIES attempts without one (a POST retried under its first key)."""
        for attempt in range(TRIES):
            try:
                return self._session.request(method, self.base + path, timeout=30, **kwargs)
            except requests.RequestException as exc:
                log.warning("%s %s: no answer (%s), attempt %d", method, path, type(exc).__name__, attempt + 1)
        return None
