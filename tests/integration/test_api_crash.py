"""`docking serve` killed with SIGKILL, 20 times, in the middle of a burst of centre registrations, on SQLite and on
PostgreSQL: every request answered 2xx is applied exactly once, none that failed is half applied, and after each
restart a retry under the same Idempotency-Key gets the first answer (Idempotent-Replayed) or acts once."""

import random
import signal
import threading
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlmodel import func, select

from adapter.config.settings import Settings
from adapter.persistence.tables import CaseEventRow, CaseRow
from adapter.testing import free_port
from scheduler import build_runtime
from tests.support.api import Forks, config_toml, flow_c_case, kill_during, wait_up
from tests.support.cli import docking

pytestmark = pytest.mark.integration

KILLS = 20
WORKERS = 4


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _case(name: str) -> dict[str, Any]:
    return flow_c_case(name)


@pytest.mark.timeout(400)
def test_kill_9_during_a_burst(tmp_path: Path, settings: Settings) -> None:
    port = free_port()
    config = tmp_path / "docking.toml"
    config.write_text(config_toml(settings, port=port))
    assert docking("db", "upgrade", "--config", str(config)).returncode == 0
    made = docking("clients", "add", "case-system", "--role", "centre", "--config", str(config))
    key = made.stdout.strip()
    base, auth = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {key}"}
    first: dict[str, str] = {}  # Idempotency-Key → the case id of its first 2xx answer
    failed: set[str] = set()  # keys whose request got no answer (the server died under it)
    rng, lock, counter = random.Random(16), threading.Lock(), iter(range(10**6))

    def send(name: str, session: requests.Session) -> requests.Response:
        return session.post(
            f"{base}/api/centre/v1/cases", json=_case(name), headers={**auth, "Idempotency-Key": name}, timeout=10
        )

    def burst(stop: threading.Event) -> None:
        session = requests.Session()
        while not stop.is_set():
            with lock:
                name = f"crash-{next(counter)}"
            try:
                answer = send(name, session)
            except requests.RequestException:
                with lock:
                    failed.add(name)
                continue
            assert answer.status_code in (201, 503), answer.text  # 503: the database was busy; retried below
            with lock:
                if answer.status_code == 201:
                    first[name] = answer.json()["case_id"]
                else:
                    failed.add(name)

    def retry(session: requests.Session) -> None:
        """Every failed key again (acts once), and a sample of answered ones (the first answer, replayed)."""
        for name in sorted(failed):
            answer = send(name, session)
            assert answer.status_code == 201, answer.text
            first[name] = answer.json()["case_id"]
        failed.clear()
        for name in rng.sample(sorted(first), min(10, len(first))):
            answer = send(name, session)
            assert answer.status_code == 201 and answer.headers.get("Idempotent-Replayed") == "true", answer.text
            assert answer.json()["case_id"] == first[name]

    forks = Forks(config)  # `docking serve` forked from a process that imported it once: no import time per round
    try:
        for _ in range(KILLS):
            server = forks.start()
            try:
                wait_up(base, server)
                retry(requests.Session())
                kill_during(server, [burst] * WORKERS, after=rng.uniform(0.2, 0.8))
            finally:
                if server.poll() is None:
                    server.send_signal(signal.SIGKILL)
                    server.wait(timeout=10)
        server = forks.start()
        try:
            wait_up(base, server)
            retry(requests.Session())
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    finally:
        forks.close()

    assert len(first) > KILLS * 5
    runtime = build_runtime(settings)
    with runtime.uow.begin() as session:
        cases = dict(session.exec(select(CaseRow.platform_case_id, CaseRow.id)).all())
        per_case = dict(session.exec(select(CaseEventRow.case_id, func.count()).group_by(CaseEventRow.case_id)).all())
        rows = int(session.exec(select(func.count()).select_from(CaseRow)).one())
    assert rows == len(cases) == len(first)  # one case per key: none twice, none unaccounted for
    for name, case_id in first.items():
        assert cases[name] == case_id and per_case.get(case_id) == 1, name  # applied once, wholly
