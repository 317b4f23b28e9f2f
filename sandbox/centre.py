"""A simulated mediation centre: the centre's case system, driving cases through the centre API over HTTP with a
realistic mix of outcomes.

Roughly 70 % of accepted cases settle (the seed figures: 340 of 482 closed, 70.54 %); the rest end on the
failure codes 2–8; a few are declined, suspended or extended first. A few actions per case per step, several
cases at once, so flows interleave the way a busy centre's do.

How it hears of work, as a centre system would: the webhook events (sandbox/hooks.py hands each to `heard`) name
the cases a court dispatched or changed; the centre reads each such case (GET: its status, parties and ETag) and
acts on it with POSTs, each under a fresh Idempotency-Key (the same key again on a retry after no answer) and
If-Match with the ETag it last saw. An action's answer carries the case's new status and ETag, so the next
action needs no read. A 412 (the court moved the case meanwhile) or 409 makes it read the case again. Every
`RESYNC_SECONDS` it also lists the cases (GET /cases), the safety net a receiver keeps for events it missed;
`found_by_listing` counts the cases whose change, older than `EVENT_LAG` when the listing found it, no event ever
said — not even later (0 when every event arrives; one late under load is said at INFO and not counted).
"""

import hashlib
import json
import logging
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import requests

from adapter.states import CaseStatus, is_final
from sandbox import data
from sandbox.agreement_pdf import agreement_pdf
from schemas.agreement import Instalment, MediationAgreement, MonetaryTerm, SignatureRecord
from schemas.case import CaseDispatch, Party
from schemas.clock import CHINA
from schemas.enums import DeclineReason, Flow, IdType, OutcomeCode, PartyKind, PartyRole

log = logging.getLogger("docking.sandbox.centre")
MEDIATORS = ["陈调解员", "李调解员", "黄调解员", "周调解员", "林调解员"]
FAILURE_CODES = [OutcomeCode(c) for c in range(2, 9)]
FAILURE_WEIGHTS = [10, 20, 20, 25, 5, 10, 10]
CASES = "/api/centre/v1/cases"
RESYNC_SECONDS = 3.0
EVENT_LAG = timedelta(seconds=2)  # events leave every 0.1 s in the demo: older news the listing finds was missed
WORKERS = 4  # cases acted on at once (more only queue for SQLite's one writer)
ACTIONS_PER_STEP = 3  # a mediator's next step follows the last one's answer, but not the whole case in one go
TRIES = 3  # attempts of one request that got no answer (same Idempotency-Key each time)


@dataclass
class Seen:
    """What the centre knows of one case: from its last read, then from each action's answer."""

    status: CaseStatus
    etag: str
    flow: Flow
    has_court: bool
    doc: dict[str, Any]  # the case as last read (GET /cases/{id}): parties, amount, case number
    done: set[str] = field(default_factory=set)  # the actions taken (suspend and extend happen once at most)


class SimulatedCentre:
    """`base_url` the adapter's API, `api_key` a client of role centre; `tally` sees every response."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        jc_platform: str,
        seed: int = 7,
        clock: Callable[[], datetime] | None = None,
        tally: Callable[[requests.Response], None] | None = None,
    ) -> None:
        self.base, self._key, self._tally = base_url.rstrip("/"), api_key, tally
        self._local = threading.local()  # one requests.Session per worker thread
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="centre")
        self.jc_platform, self.seed = jc_platform, seed
        self.clock = clock or (lambda: datetime.now(UTC))
        self._rng = random.Random(seed)
        self.cases: dict[str, Seen] = {}
        self.refusals: Counter[int] = Counter()  # 4xx answers to actions, by status (412: a court moved first)
        self._unexplained: dict[str, str] = {}  # case id → the status a listing found before any event said it
        self._heard: set[str] = set()
        self._lock = threading.Lock()
        self._listed_at = time.monotonic()

    def heard(self, event: dict[str, Any]) -> None:
        """A verified webhook event (any thread): the case it names is read again at the next step (and a change a
        listing found first was only late, not missed)."""
        if event.get("case_id"):
            with self._lock:
                self._heard.add(str(event["case_id"]))
                self._unexplained.pop(str(event["case_id"]), None)

    @property
    def found_by_listing(self) -> int:
        """The cases whose change a listing found and no event has said since (read once the events are in)."""
        with self._lock:
            return len(self._unexplained)

    def say_missed(self) -> None:
        """A WARNING for each change no event ever said (once the events are in: the demo's summary)."""
        with self._lock:
            for case_id, status in self._unexplained.items():
                log.warning("case %s changed to %s and no event said so", case_id, status)

    def _rng_for(self, case_id: str, salt: str) -> random.Random:
        # Per-case decisions stay the same however steps interleave.
        return random.Random(hashlib.sha256(f"{self.seed}:{case_id}:{salt}".encode()).digest())

    def intake(self, count: int) -> list[str]:
        """Flow C: parties who came to the centre directly, registered by POST /cases."""
        ids = []
        for _ in range(count):
            answer = self._post(CASES, json=json.loads(self._self_received().model_dump_json()))
            if answer is not None and answer.status_code == 201:
                ids.append(answer.json()["case_id"])
        with self._lock:
            self._heard.update(ids)
        return ids

    def step(self) -> int:
        """Read the cases heard of, then act on every case waiting for the centre; how many actions were taken.
        Cases are independent, so WORKERS of them are in flight at once, as a centre's many mediators would be."""
        with self._lock:
            heard, self._heard = self._heard, set()
        for case_id, seen in zip(sorted(heard), self._pool.map(self._read, sorted(heard)), strict=True):
            if seen is not None:
                seen.done |= self.cases[case_id].done if case_id in self.cases else set()
                self.cases[case_id] = seen
        waiting = [(c, s) for c, s in self.cases.items() if not is_final(s.status, s.has_court)]
        acted = sum(self._pool.map(lambda item: self._work(*item), waiting))
        if time.monotonic() - self._listed_at > RESYNC_SECONDS:
            self._resync()  # after acting: what it finds for the next step is what no event has said yet
        return acted

    # ---- HTTP

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def _read(self, case_id: str) -> Seen | None:
        answer = self._request("GET", f"{CASES}/{case_id}")
        if answer is None or answer.status_code != 200:
            return None  # said by the tally; heard again at the next event or listing
        doc = answer.json()
        return Seen(
            CaseStatus(doc["status"]), answer.headers["ETag"], Flow(doc["flow"]), doc["platform"] is not None, doc
        )

    def _resync(self) -> None:
        """List every case (newest first, page by page); any whose status we have wrong is read again."""
        self._listed_at = time.monotonic()
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 500, **({"cursor": after} if after else {})}
            answer = self._request("GET", CASES, params=params)
            if answer is None or answer.status_code != 200:
                return
            page = answer.json()
            for item in page["items"]:
                seen = self.cases.get(item["id"])
                if seen is None or seen.status.value != item["status"]:
                    with self._lock:
                        told = item["id"] in self._heard  # an event about it came, not yet acted on: no news
                        self._heard.add(item["id"])
                    changed = datetime.fromisoformat(item["updated_at"] or item["created_at"])
                    if not told and self.clock() - changed > EVENT_LAG:  # not an event still on its way: late or lost
                        with self._lock:
                            self._unexplained[item["id"]] = item["status"]
                        log.info("case %s changed to %s before its event came (listing)", item["id"], item["status"])
            after = page.get("next_cursor")
            if not after:
                return

    def _post(self, path: str, *, etag: str | None = None, **kwargs: Any) -> requests.Response | None:
        headers = {"Idempotency-Key": uuid.uuid4().hex, **({"If-Match": etag} if etag else {})}
        return self._request("POST", path, headers=headers, **kwargs)

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response | None:
        """The answer, or None after TRIES attempts without one (a POST retried under its first key)."""
        for attempt in range(TRIES):
            try:
                return self._session().request(method, self.base + path, timeout=30, **kwargs)
            except requests.RequestException as exc:
                log.warning("%s %s: no answer (%s), attempt %d", method, path, type(exc).__name__, attempt + 1)
        return None

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.headers["Authorization"] = f"Bearer {self._key}"
            if self._tally is not None:
                tally = self._tally
                session.hooks["response"].append(lambda answer, *_, **__: tally(answer))
        return session

    def _do(self, case_id: str, seen: Seen, action: str, body: Any = None, **kwargs: Any) -> int:
        """POST one action under If-Match; 1 if it was taken (the answer's status and ETag kept), else 0."""
        answer = self._post(f"{CASES}/{case_id}/{action}", etag=seen.etag, json=body, **kwargs)
        if answer is not None and answer.status_code == 200:
            result = answer.json()
            seen.status, seen.etag = CaseStatus(result["status"]), answer.headers["ETag"]
            seen.done.add(action)
            return 1
        if answer is not None:
            with self._lock:
                self.refusals[answer.status_code] += 1
            if answer.status_code >= 500:
                log.error("%s %s: HTTP %d", action, case_id, answer.status_code)
        with self._lock:  # 412: the case moved on; 409: not in the state we thought; no answer: unknown. Read again.
            self._heard.add(case_id)
        return 0

    # ---- decisions

    def _work(self, case_id: str, seen: Seen) -> int:
        """Up to ACTIONS_PER_STEP actions on one case, each on the last one's answer; how many were taken."""
        acted = 0
        while acted < ACTIONS_PER_STEP and not is_final(seen.status, seen.has_court) and self._act(case_id, seen):
            acted += 1
        return acted

    def _act(self, case_id: str, seen: Seen) -> int:
        status, rng = seen.status, self._rng_for(case_id, seen.status.value)
        if status is CaseStatus.PENDING_ACCEPTANCE:
            if self._rng_for(case_id, "accept").random() < 0.05:
                reason = rng.choice(list(DeclineReason)).value
                return self._do(case_id, seen, "decline", {"reason": reason, "note": "本中心受案范围外"})
            return self._do(case_id, seen, "accept", {})
        if status is CaseStatus.ACCEPTED:
            return self._do(case_id, seen, "mediator", {"mediator": rng.choice(MEDIATORS)})
        if status is CaseStatus.MEDIATOR_ASSIGNED:
            return self._do(case_id, seen, "sessions", {"note": "第一次调解：线上身份核验，双方陈述"})
        if status is CaseStatus.IN_MEDIATION:
            side = self._rng_for(case_id, "side").random()
            if side < 0.08 and "suspend" not in seen.done:
                return self._do(case_id, seen, "suspend", {"note": "待补充证据材料"})
            if side < 0.16 and "extend" not in seen.done:
                # past the longest period (30 days, flow A): an extension must move the last day later
                until = (self.clock().astimezone(CHINA) + timedelta(days=45)).date().isoformat()
                return self._do(case_id, seen, "extend", {"until": until})
            if self._rng_for(case_id, "outcome").random() < 0.70:
                return self._settle(case_id, seen, rng)
            code = rng.choices(FAILURE_CODES, weights=FAILURE_WEIGHTS)[0]
            report = {
                "code": int(code),
                "facts": "借款事实清楚",
                "reason": f"调解不成：{code.name}",
                "points_for_court": "建议依法审理",
            }
            return self._do(case_id, seen, "outcome", report)
        if status is CaseStatus.SUSPENDED:
            return self._do(case_id, seen, "resume", {"note": "证据已补充"})
        if status is CaseStatus.EXTENDED:
            return self._do(case_id, seen, "sessions", {"note": "延长期限后继续调解"})
        if status is CaseStatus.AGREEMENT_EFFECTIVE:
            if seen.flow is Flow.ENTRUSTED:
                return 0  # post-filing: the court issues the 调解书 itself [S1 Art 20]
            if rng.random() < 0.85:
                first, second = (p["name"] for p in seen.doc["parties"][:2])
                body = {"applicant": first, "consenting_party": second}
                if not seen.has_court:
                    body["platform"] = self.jc_platform
                return self._do(case_id, seen, "jc", body)
            return self._do(case_id, seen, "close", {})
        return 0  # waiting for the court (JC_APPLIED) or at rest

    def _settle(self, case_id: str, seen: Seen, rng: random.Random) -> int:
        doc = seen.doc
        now = self.clock().astimezone(CHINA)
        amount = Decimal(str(doc["amount"]))
        # a real PDF (the centre's e-seal parses it); ASCII, as the sandbox's PDF carries no CJK font
        document = agreement_pdf(["Mediation agreement", f"Case {case_id}", f"Amount {amount} CNY"])
        cent = Decimal("0.01")
        total = (amount * rng.choice([60, 75, 90]) / 100).quantize(cent)  # a negotiated reduction
        first = (total / 2).quantize(cent)
        parties = doc["parties"]
        payer, payee = _debtor_and_creditor(parties)
        agreement = MediationAgreement(
            facts="被申请人逾期未还款",
            terms=f"{payer}分两期向{payee}支付{total}元",
            monetary_terms=(
                MonetaryTerm(
                    payer=payer,
                    payee=payee,
                    total=total,
                    instalments=(
                        Instalment(due=(now + timedelta(days=30)).date(), amount=first),
                        Instalment(due=(now + timedelta(days=60)).date(), amount=total - first),
                    ),
                ),
            ),
            performance="银行转账",
            document_sha256=hashlib.sha256(document).hexdigest(),
            signatures=(
                *(
                    SignatureRecord(signer=p["name"], role=p["role"], signed_at=now - timedelta(milliseconds=10 - i))
                    for i, p in enumerate(parties)
                ),
                SignatureRecord(signer="调解员", role="mediator", signed_at=now),
            ),
            organisation_seal_at=now,
        )
        files = {"document": ("agreement.pdf", document, "application/pdf")}
        return self._do(case_id, seen, "agreement", data={"agreement": agreement.model_dump_json()}, files=files)

    def _self_received(self) -> CaseDispatch:
        rng = self._rng
        cause, bank, person = data.weighted_cause(rng), rng.choice(data.INSTITUTIONS), data.person_name(rng)
        return CaseDispatch(
            platform_case_id=f"ZS-{rng.getrandbits(48):012x}",
            flow=Flow.SELF_RECEIVED,
            cause=cause,
            claims="请求调解信用卡欠款分期还款",
            amount=data.amount(rng, cause),
            parties=(
                Party(
                    name=person,
                    role=PartyRole.APPLICANT,
                    kind=PartyKind.NATURAL_PERSON,
                    id_type=IdType.RESIDENT_ID,
                    id_number=data.resident_id(rng),
                    phone=data.mobile(rng),
                ),
                Party(
                    name=bank,
                    role=PartyRole.RESPONDENT,
                    kind=PartyKind.LEGAL_PERSON,
                    id_type=IdType.USCC,
                    id_number=data.social_credit_code(bank),
                ),
            ),
            dispatched_at=self.clock(),
        )


def _debtor_and_creditor(parties: list[dict[str, Any]]) -> tuple[str, str]:
    people = [p["name"] for p in parties if p["kind"] == PartyKind.NATURAL_PERSON.value]
    others = [p["name"] for p in parties if p["kind"] != PartyKind.NATURAL_PERSON.value]
    return (people or [parties[0]["name"]])[0], (others or [parties[-1]["name"]])[0]
