"""`docking serve` killed with SIGKILL, 20 times, in the middle of a mixed burst: a court pushing signed dispatches
to its push intake while the centre accepts the pushed cases and registers its own over the centre API.

After every kill, with the server dead, the database holds no half-applied request: each case has its history,
its inbox row (pushed) or nothing of it at all, and an accepted case its accept event AND its outbound message, or
neither. After each restart every request that got no 2xx is sent again (a push signed afresh, a centre call under
its Idempotency-Key) until it gets one; in the end every request answered 2xx is applied exactly once: one case per
pushed dispatch and per registration, one inbox row and one dispatch event for the centre per push, one accept
event and one progress message per accepted case, nothing quarantined. On SQLite and on PostgreSQL."""

import json
import random
import signal
import threading
import time
from collections import Counter
from functools import partial
from pathlib import Path

import pytest
import requests
from sqlmodel import col, func, select

from adapter.config.settings import EncryptionSettings, Settings
from adapter.events.kinds import EventType
from adapter.persistence.event_tables import CentreEventRow
from adapter.persistence.tables import CaseEventRow, CaseRow, InboxRow, OutboxRow, QuarantineRow
from adapter.testing import free_port
from scheduler import Runtime, build_runtime
from tests.support.api import Forks, config_toml, flow_c_case, kill_during, wait_up
from tests.support.cli import docking
from tests.support.court import PLATFORM, Court
from tests.support.push import push_settings

pytestmark = pytest.mark.integration

KILLS = 20
WORKERS = 4
PER_ROUND = 6  # new court dispatches published before each round


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(database_url: str, court: Court, encryption: EncryptionSettings) -> Settings:
    return push_settings(database_url, court, encryption)


class Burst:
    """What was asked and what was answered, per request kind; every request is named so it can be sent again."""

    def __init__(self, base: str, keys: dict[str, str], court: Court) -> None:
        self.base, self.keys, self.court = base, keys, court
        self.lock = threading.Lock()
        self.to_push: list[tuple[str, str]] = []  # (message id, body) published by the court, not yet answered
        self.pushed: dict[str, str] = {}  # message id → the case id of its 2xx receipt
        self.to_accept: list[str] = []  # pushed cases not accepted yet
        self.accepted: dict[str, str] = {}  # case id → its status in the 2xx answer
        self.registered: dict[str, str] = {}  # Idempotency-Key → case id
        self.failed: list[tuple[str, str]] = []  # (kind, name) that got no 2xx, to send again
        self.bodies: dict[str, str] = {}  # message id → the body the court published
        self.names = iter(range(10**6))
        self.seen: Counter[str] = Counter()  # requests sent, by kind
        self.interrupted = 0  # requests that got no 2xx in a burst (the kill landed on them)

    # ---- one request of each kind; True when answered 2xx (recorded), False when it must be sent again

    def push(self, session: requests.Session, message_id: str, body: str) -> bool:
        headers = {
            **self.court.core.sign_item(body, message_id),
            "Authorization": f"Bearer {self.keys['court']}",
            "Content-Type": "application/json",
        }
        answer = session.post(f"{self.base}/api/court/v1/dispatches", data=body.encode(), headers=headers, timeout=10)
        if answer.status_code != 200:
            assert answer.status_code == 503 or answer.status_code >= 500, answer.text  # never a refusal
            return False
        receipt = answer.json()
        assert receipt["result"] in ("accepted", "duplicate"), receipt
        with self.lock:
            assert self.pushed.get(message_id, receipt["case_id"]) == receipt["case_id"]
            if message_id not in self.pushed:
                self.to_accept.append(receipt["case_id"])
            self.pushed[message_id] = receipt["case_id"]
        return True

    def accept(self, session: requests.Session, case_id: str) -> bool:
        headers = {"Authorization": f"Bearer {self.keys['centre']}", "Idempotency-Key": f"accept-{case_id}"}
        answer = session.post(f"{self.base}/api/centre/v1/cases/{case_id}/accept", headers=headers, timeout=10)
        if answer.status_code != 200:
            assert answer.status_code == 503, answer.text
            return False
        with self.lock:
            self.accepted[case_id] = answer.json()["status"]
        return True

    def register(self, session: requests.Session, name: str) -> bool:
        headers = {"Authorization": f"Bearer {self.keys['centre']}", "Idempotency-Key": name}
        answer = session.post(f"{self.base}/api/centre/v1/cases", json=flow_c_case(name), headers=headers, timeout=10)
        if answer.status_code != 201:
            assert answer.status_code == 503, answer.text
            return False
        with self.lock:
            assert self.registered.get(name, answer.json()["case_id"]) == answer.json()["case_id"]
            self.registered[name] = answer.json()["case_id"]
        return True

    def send(self, session: requests.Session, kind: str, name: str) -> bool:
        try:
            if kind == "push":
                return self.push(session, name, self.bodies[name])
            return self.accept(session, name) if kind == "accept" else self.register(session, name)
        except requests.RequestException:  # no answer: the server died under it
            return False

    def next_request(self, rng: random.Random) -> tuple[str, str]:
        with self.lock:
            kinds = ["register"] + ["push"] * bool(self.to_push) + ["accept"] * bool(self.to_accept)
            kind = rng.choice(kinds)
            if kind == "push":
                return kind, self.to_push.pop(0)[0]
            if kind == "accept":
                return kind, self.to_accept.pop(rng.randrange(len(self.to_accept)))
            return kind, f"zs-{next(self.names)}"

    def worker(self, stop: threading.Event, seed: int) -> None:
        session, rng = requests.Session(), random.Random(seed)
        while not stop.is_set():
            kind, name = self.next_request(rng)
            ok = self.send(session, kind, name)
            with self.lock:
                self.seen[kind] += 1
                if not ok:
                    self.failed.append((kind, name))
                    self.interrupted += 1

    def retry(self) -> None:
        """Every request that got no 2xx, again until it does (the server is up)."""
        session = requests.Session()
        while self.failed:
            kind, name = self.failed.pop(0)
            for _ in range(20):
                if self.send(session, kind, name):
                    break
                time.sleep(0.2)
            else:
                raise AssertionError(f"{kind} {name} never answered 2xx")


def _half_applied(runtime: Runtime) -> list[str]:
    """What a dead server left half done: a case without its history, a pushed case without its inbox row, an
    accept without its message or the reverse."""
    with runtime.uow.begin() as session:
        cases = session.exec(select(CaseRow.id, CaseRow.platform, CaseRow.status)).all()
        events = Counter((c, e) for c, e in session.exec(select(CaseEventRow.case_id, CaseEventRow.event)).all())
        inbox = set(session.exec(select(InboxRow.case_id)).all())
        messages = Counter(session.exec(select(OutboxRow.case_id)).all())
    wrong = []
    for case_id, platform, status in cases:
        if events[(case_id, "register")] != 1:
            wrong.append(f"{case_id}: {events[(case_id, 'register')]} register events")
        if platform == PLATFORM and case_id not in inbox:
            wrong.append(f"{case_id}: pushed, yet no inbox row")
        accepts = events[(case_id, "accept")]
        if (
            accepts > 1
            or (status == "ACCEPTED") != (accepts == 1)
            or messages[case_id] != accepts * (platform is not None)
        ):
            wrong.append(f"{case_id}: {status}, {accepts} accept events, {messages[case_id]} messages")
    return wrong


@pytest.mark.timeout(600)
def test_kill_9_during_a_mixed_burst_of_pushes_and_centre_calls(
    tmp_path: Path, settings: Settings, court: Court
) -> None:
    port = free_port()
    config = tmp_path / "docking.toml"
    config.write_text(config_toml(settings, port=port))
    assert docking("db", "upgrade", "--config", str(config)).returncode == 0
    keys = {}
    for name, role in (("court", f"court:{PLATFORM}"), ("centre", "centre")):
        made = docking("clients", "add", name, "--role", role, "--config", str(config))
        assert made.returncode == 0, made.stderr
        keys[name] = made.stdout.strip()
    base = f"http://127.0.0.1:{port}"
    burst, rng = Burst(base, keys, court), random.Random(17)
    runtime = build_runtime(settings)

    def publish(count: int) -> None:
        ajbs = court.core.dispatch(count, "01")
        for item in court.core.feed("dispatches", 0, 10_000)["items"]:
            message_id = str(json.loads(item["body"])["xxbh"])
            if message_id not in burst.bodies and any(a in item["body"] for a in ajbs):
                burst.bodies[message_id] = item["body"]
                with burst.lock:
                    burst.to_push.append((message_id, item["body"]))

    forks = Forks(config)  # `docking serve` forked from a process that imported it once: no import time per round
    try:
        for round_ in range(KILLS + 1):
            server = forks.start()
            try:
                wait_up(base, server)
                burst.retry()
                if round_ == KILLS:
                    break
                publish(PER_ROUND)
                workers = [partial(burst.worker, seed=round_ * 10 + i) for i in range(WORKERS)]
                kill_during(server, workers, after=rng.uniform(0.2, 0.7))
                assert _half_applied(runtime) == [], f"after kill {round_ + 1}"
            finally:
                if server.poll() is None:
                    server.send_signal(signal.SIGTERM)
                    server.wait(timeout=30)
    finally:
        forks.close()
    # pushes still unpushed (published late in a round) are not requests yet; everything asked was answered
    assert not burst.failed
    assert len(burst.pushed) >= KILLS and len(burst.accepted) >= KILLS and len(burst.registered) >= KILLS, burst.seen
    assert burst.interrupted >= KILLS // 4, "the kills must land on requests in flight"
    assert _half_applied(runtime) == []
    with runtime.uow.begin() as session:
        cases = dict(session.exec(select(CaseRow.id, CaseRow.platform_case_id)).all())
        inbox = Counter(session.exec(select(InboxRow.message_id)).all())
        dispatched = Counter(
            session.exec(
                select(CentreEventRow.case_id).where(col(CentreEventRow.type) == EventType.DISPATCH_RECEIVED.value)
            ).all()
        )
        kept = int(session.exec(select(func.count()).select_from(QuarantineRow)).one())
        accepts = Counter(session.exec(select(CaseEventRow.case_id).where(CaseEventRow.event == "accept")).all())
    assert kept == 0
    pushed_cases = set(burst.pushed.values())
    assert set(inbox) == set(burst.pushed) and set(inbox.values()) == {1}  # each push taken in once
    assert len(pushed_cases) == len(burst.pushed)  # a case per pushed dispatch
    assert {c: dispatched[c] for c in pushed_cases} == dict.fromkeys(pushed_cases, 1)  # the centre told once each
    registered = set(burst.registered.values())
    assert set(cases) == pushed_cases | registered and not pushed_cases & registered  # none twice, none unaccounted
    assert {cases[c] for c in registered} == set(burst.registered)
    assert dict(accepts) == dict.fromkeys(burst.accepted, 1)  # every accept answered 200 applied once; no other
    assert set(burst.accepted.values()) == {"ACCEPTED"}
