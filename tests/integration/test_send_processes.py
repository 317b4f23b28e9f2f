"""Send processes (scheduler/send_processes.py): a platform's sends made by child processes. The connector's errors
come back as raised; a child killed mid-send fails only its own sends, as transient, and is replaced; a send not
answered in time fails alone; a child that cannot start says why; the children leave with the worker, even one
killed with -9; and delivery through them, with a child killed mid-run, reaches the court exactly once, in order."""

import contextlib
import errno
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from sqlmodel import col, select

from adapter.config.hints import CLI_VARIABLES
from adapter.config.settings import Settings
from adapter.persistence.tables import CaseRow, OutboxRow
from connectors.port import (
    ConnectorError,
    CredentialsRefused,
    PayloadError,
    Receipt,
    RejectedError,
    Throttled,
    TransientError,
    UnreadableAnswer,
)
from sandbox.court import SandboxConfig
from scheduler import Runtime, build_runtime, children, send_processes
from scheduler.send_errors import flatten, revive
from scheduler.send_processes import SendProcesses, processes_of
from schemas.envelope import Envelope
from tests.support.court import COURT_KID, PLATFORM, Court
from tests.support.delivery_runs import InHand, applied_once_in_order, deliver_until_done

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

LATENCY = 0.6  # the court holds each request this long: sends are in a child's hands when it is killed


@pytest.fixture
def transport() -> str:
    return "soap"  # the transport send processes are for (CPU-heavy signing); the code is the same for REST


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SandboxConfig(
        seed=5, decision_delay=0.0, redeliver_rate=0.0, court_key_id=COURT_KID, latency_seconds=LATENCY
    )


def _local() -> BaseException:
    class Hidden(Exception):  # a class a child could raise that the worker cannot import by its name
        pass

    return Hidden("from a scope nobody can import")


@pytest.mark.parametrize(
    "error",
    [
        TransientError("court", "connection refused", retry_after=3.5, cause="refused"),
        CredentialsRefused("court", "E401", "certificate not trusted"),
        Throttled("court", "HTTP 429", retry_after=2.0),
        UnreadableAnswer("court", "oversized", "answer past 10 MiB"),
        RejectedError("court", "E409", "案件已结案"),
        PayloadError("court", "malformed", "not XML"),
        ValueError("a connector bug"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_a_connector_error_comes_back_as_raised(error: BaseException) -> None:
    import pickle

    back = revive(pickle.loads(pickle.dumps(flatten(error))))  # as it crosses the pipe
    assert type(back) is type(error)
    trace = vars(back).pop("child_traceback", None)  # a bug's traceback comes along, for the worker to log
    assert str(back) == str(error) and vars(back) == vars(error)
    assert (trace is None) == isinstance(error, ConnectorError), trace
    if trace is not None:
        assert "ValueError: a connector bug" in trace
    if isinstance(error, ConnectorError):
        assert isinstance(back, ConnectorError) and back.advice == error.advice
    if isinstance(error, TransientError):
        assert isinstance(back, TransientError) and back.temporary == error.temporary


@pytest.mark.parametrize("error", [_local(), KeyboardInterrupt("in a child's thread"), SystemExit(3)], ids=repr)
def test_an_error_the_worker_cannot_name_or_must_not_raise_becomes_an_unexpected_one(error: BaseException) -> None:
    back = revive(flatten(error))
    # Delivery retries it as "unexpected" (adapter/outbox/send.py); a KeyboardInterrupt or SystemExit raised in the
    # worker would instead end its delivery loop.
    assert type(back) is RuntimeError
    assert type(error).__name__ in str(back) and str(error.args[0]) in str(back)


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ({"max_in_flight": 4, "send_processes": 5}, r"send_processes \(5\) is more than max_in_flight \(4\)"),
        ({"send_processes": 33}, r"send_processes\n.*less than or equal to 32"),
        ({"send_processes": -1}, r"send_processes\n.*greater than or equal to 0"),
        ({"send_processes": 2, "soap_debug": True}, r"soap_debug cannot be used with send_processes"),
    ],
)
def test_send_processes_settings_that_cannot_work_are_refused(
    court: Court, settings: dict[str, Any], said: str
) -> None:
    with pytest.raises(ValueError, match=said):
        court.pairing.platform(court.server, **settings)


def _queued(court: Court, database_url: str, cases: int, **platform: Any) -> tuple[Runtime, list[Envelope]]:
    """A runtime whose outbox holds one acceptance per new case, and those envelopes."""
    settings = Settings(
        database_url=database_url, platforms={PLATFORM: court.pairing.platform(court.server, **platform)}
    )
    runtime = build_runtime(settings)
    court.core.dispatch(cases, "01")
    runtime.poll_platform(PLATFORM)
    for case_id in _cases(runtime):
        runtime.services.accept(case_id)
    with runtime.uow.begin() as session:
        rows = session.exec(select(OutboxRow).order_by(col(OutboxRow.id))).all()
        return runtime, [Envelope.model_validate_json(r.envelope_json) for r in rows]


def _cases(runtime: Runtime) -> list[str]:
    with runtime.uow.begin() as session:
        return list(session.exec(select(CaseRow.id)).all())


def _recorded(runtime: Runtime, count: int, threads: int) -> tuple[SendProcesses, list[tuple[str, str]]]:
    """Send processes for the runtime's court, and the list their changes go to (the runtime counts them:
    docking_send_process_transitions_total)."""
    changes: list[tuple[str, str]] = []
    config = runtime.settings.platforms[PLATFORM]
    return SendProcesses(PLATFORM, config, count, threads, on_change=lambda *change: changes.append(change)), changes


def _kill_when(court: Court, monkeypatch: pytest.MonkeyPatch, pid: int, in_hand: int) -> threading.Thread:
    """A thread killing `pid` (-9) once the court holds `in_hand` of our requests at once (or after 10 s)."""
    held = InHand(court, monkeypatch)

    def kill() -> None:
        held.reached(in_hand)
        os.kill(pid, signal.SIGKILL)

    killer = threading.Thread(target=kill)
    killer.start()
    return killer


def _send_all(processes: SendProcesses, envelopes: list[Envelope]) -> dict[str, Receipt | BaseException]:
    outcomes: dict[str, Receipt | BaseException] = {}

    def one(envelope: Envelope) -> None:
        try:
            outcomes[envelope.message_id] = processes.send(envelope)
        except Exception as exc:
            outcomes[envelope.message_id] = exc

    threads = [threading.Thread(target=one, args=(e,)) for e in envelopes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_a_killed_send_process_fails_only_its_own_sends_and_is_replaced(
    court: Court, database_url: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime, envelopes = _queued(court, database_url, 7)
    processes, changes = _recorded(runtime, count=2, threads=3)
    try:
        processes.start()
        victim, survivor = processes.pids()
        killer = _kill_when(court, monkeypatch, victim, in_hand=6)  # once the court holds all six
        outcomes = _send_all(processes, envelopes[:6])  # three on each child (the fewest in hand first)
        killer.join()
        failed = {m: o for m, o in outcomes.items() if isinstance(o, BaseException)}
        assert len(failed) == 3, outcomes  # the victim's three, and no other
        for error in failed.values():
            assert isinstance(error, TransientError) and error.cause == "process" and error.temporary
            assert f"send process {victim} ended (killed by signal 9)" in str(error)
        assert all(isinstance(o, Receipt) and not o.duplicate for m, o in outcomes.items() if m not in failed)
        said = f"send process {victim} for {PLATFORM} ended (killed by signal 9): 3 sends in hand fail"
        assert said in caplog.text  # the operator is told, once
        # The messages it failed are sent again.
        again = _send_all(processes, [e for e in envelopes if e.message_id in failed] + envelopes[6:])
        assert all(isinstance(o, Receipt) for o in again.values()), again
        # A new child takes the victim's slot, started in the background while the survivor sends.
        deadline = time.monotonic() + 30
        while len(changes) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert survivor in processes.pids() and victim not in processes.pids() and len(processes.pids()) == 2
        assert changes == [(PLATFORM, "started")] * 2 + [(PLATFORM, "ended"), (PLATFORM, "started")]
    finally:
        processes.close()
        runtime.stop()
    # The court applied each message once: a killed send that had reached it was answered as a duplicate.
    assert court.core.duplicates_applied == 0
    assert set(court.core.applications) == {e.message_id for e in envelopes}


def test_a_send_slow_to_answer_waits_while_its_process_is_alive_and_fails_alone_past_the_longest_call(
    court: Court, database_url: str
) -> None:
    runtime, envelopes = _queued(court, database_url, 3)
    processes, changes = _recorded(runtime, count=1, threads=2)
    try:
        processes.start()
        (pid,) = processes.pids()
        # Past one try's timeouts the child is pinged; it answers, so the send waits on, as one made by the worker
        # itself would (urllib3's timeouts bound each read, not the whole answer).
        processes.wait = LATENCY / 4
        assert isinstance(processes.send(envelopes[0]), Receipt)
        # Past slowest_call it is given up (the flight has let its lease go by then), alone: the child is kept.
        processes.longest = LATENCY / 2
        with pytest.raises(TransientError, match=rf"send process {pid} did not answer within") as raised:
            processes.send(envelopes[1])
        assert raised.value.cause == "timeout"
        processes.wait, processes.longest = 30, 60
        assert isinstance(processes.send(envelopes[2]), Receipt)  # the same child, still serving
        assert processes.pids() == [pid] and changes == [(PLATFORM, "started")]
    finally:
        processes.close()
        runtime.stop()


def test_a_stuck_send_process_is_killed_and_replaced(
    court: Court, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    runtime, envelopes = _queued(court, database_url, 2)
    processes, changes = _recorded(runtime, count=1, threads=2)
    try:
        processes.start()
        (stuck,) = processes.pids()
        os.kill(stuck, signal.SIGSTOP)  # alive, reading and answering nothing
        processes.wait = LATENCY / 2
        with pytest.raises(TransientError, match=rf"send process {stuck} is stuck \(no answer to a ping") as raised:
            processes.send(envelopes[0])
        assert raised.value.cause == "timeout"
        assert _gone(stuck) and processes.pids() == []
        assert f"send process {stuck} for {PLATFORM} is stuck (no answer to a ping within" in caplog.text
        assert isinstance(processes.send(envelopes[1]), Receipt)  # a new child took its slot
        assert len(processes.pids()) == 1 and stuck not in processes.pids()
        assert changes == [(PLATFORM, "started"), (PLATFORM, "ended"), (PLATFORM, "started")]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(stuck, signal.SIGKILL)
        processes.close()
        runtime.stop()


def test_a_signal_to_the_workers_terminal_does_not_reach_its_send_processes(court: Court) -> None:
    processes = SendProcesses(PLATFORM, court.pairing.platform(court.server), count=1, threads=1)
    try:
        processes.start()
        (pid,) = processes.pids()
        # A session of its own: a Ctrl-C goes to the terminal's foreground group, the worker's, not the child's;
        # the worker stops its children when it has recorded what they sent.
        assert os.getsid(pid) == pid != os.getsid(0)
        os.kill(pid, signal.SIGINT)  # and were one sent to it all the same, it is ignored
        os.kill(pid, signal.SIGTERM)
        time.sleep(0.3)
        assert _running(pid) and processes.pids() == [pid]
    finally:
        processes.close()
    assert not _running(pid)


def test_a_send_process_that_cannot_start_says_why(court: Court, database_url: str, tmp_path: Path) -> None:
    runtime, (envelope,) = _queued(court, database_url, 1)
    runtime.stop()
    config = runtime.settings.platforms[PLATFORM]
    assert config.wsse is not None
    gone = tmp_path / "no-such-key.pem"  # the worker built its connector; the file went before the child started
    broken = config.model_copy(update={"wsse": config.wsse.model_copy(update={"key": gone})})
    processes = SendProcesses(PLATFORM, broken, count=2, threads=1)
    started: list[object] = []
    real = subprocess.Popen

    def counted(*args: Any, **kwargs: Any) -> Any:
        started.append(args)
        return real(*args, **kwargs)

    try:
        with mock.patch("scheduler.children.subprocess.Popen", counted):
            with pytest.raises(TransientError, match=r"a send process did not start: .*no-such-key\.pem") as raised:
                processes.send(envelope)
            assert raised.value.cause == "process_start" and not raised.value.temporary
            assert "worker's log says why" in raised.value.advice
            # The next sends are refused at once with the same reason, not by starting interpreter after interpreter.
            began = time.monotonic()
            for _ in range(5):
                with pytest.raises(TransientError, match=r"did not start: .*no-such-key\.pem") as again:
                    processes.send(envelope)
                assert again.value.cause == "process_start"
            assert time.monotonic() - began < 0.5
        assert len(started) == 1 and processes.pids() == []
    finally:
        processes.close()


def test_a_start_failing_in_any_way_leaves_no_slot_waiting(
    court: Court, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A start that fails with something other than the child's word (too many open files here) fails its send
    as a start failure, and the next start, once the back-off is over, fills the slot (before, the slot stayed
    "starting" and every later send waited on it)."""
    runtime, envelopes = _queued(court, database_url, 1)
    processes = SendProcesses(PLATFORM, runtime.settings.platforms[PLATFORM], count=1, threads=1)
    real = children._pipe

    def no_files() -> Any:
        raise OSError(errno.EMFILE, "Too many open files")

    monkeypatch.setattr(send_processes, "START_BACKOFF", 0.0)  # a next send may try again at once
    try:
        monkeypatch.setattr(children, "_pipe", no_files)
        with pytest.raises(TransientError, match="Too many open files") as raised:
            processes.send(envelopes[0])
        assert raised.value.cause == "process_start"
        monkeypatch.setattr(children, "_pipe", real)
        assert isinstance(processes.send(envelopes[0]), Receipt)
        assert len(processes.pids()) == 1
    finally:
        processes.close()
        runtime.stop()


CHILD = """
import os, signal, sys
from adapter.config.platform import PlatformSettings
from scheduler.send_processes import SendProcesses
processes = SendProcesses("court", PlatformSettings.model_validate_json(sys.argv[1]), 2, 1)
processes.start()
print(*processes.pids(), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _gone(pid: int, within: float = 2.0) -> bool:
    """Has `pid` exited within `within` seconds? A SIGKILL is sent at once but lands a moment later."""
    deadline = time.monotonic() + within
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    return not _running(pid)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is missing


def test_send_processes_leave_with_their_worker(court: Court) -> None:
    config = court.pairing.platform(court.server)
    # Closed: each child reads the end of its requests and exits.
    processes = SendProcesses(PLATFORM, config, count=2, threads=1)
    processes.start()
    pids = processes.pids()
    assert len(pids) == 2 and all(_running(p) for p in pids)
    processes.close()
    assert not any(_running(p) for p in pids) and processes.pids() == []
    # The worker killed with -9: no close, no atexit; the children see their requests end all the same.
    worker = subprocess.run(
        [sys.executable, "-c", CHILD, config.model_dump_json()],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parents[2],
    )
    assert worker.returncode == -signal.SIGKILL, worker.stderr
    orphans = [int(p) for p in worker.stdout.split()]
    assert len(orphans) == 2
    deadline = time.monotonic() + 10
    while any(_running(p) for p in orphans) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_running(p) for p in orphans)


def test_delivery_through_send_processes_with_one_killed_reaches_the_court_once_in_order(
    court: Court, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime, _ = _queued(court, database_url, 12, max_in_flight=8, send_processes=2, retry_base_seconds=0.05)
    in_worker: list[Envelope] = []

    def here(envelope: Envelope) -> Receipt:
        in_worker.append(envelope)
        raise AssertionError("sent from the worker's own connector")

    runtime.platforms[PLATFORM].connector.connector.send = here  # type: ignore[attr-defined]
    for case_id in _cases(runtime):  # a second message per case, queued behind the first
        runtime.services.assign_mediator(case_id, "陈调解员")
    (processes,) = processes_of(link.connector for link in runtime.platforms.values())
    processes.start()
    victim, survivor = processes.pids()
    killer = _kill_when(court, monkeypatch, victim, in_hand=8)  # the first round's eight sends, four on each
    try:
        counts = deliver_until_done(runtime, 60, 0.05)
    finally:
        killer.join()
        runtime.stop()
    # The killed child's sends failed and were sent again; the court, which had them, answered them as duplicates.
    assert counts["duplicate"] >= 1, counts
    applied_once_in_order(runtime, court, 24, counts)
    assert in_worker == []  # every send crossed to a child
    assert runtime.metrics.get("send_process_ended") == 1 and runtime.metrics.get("send_process_started") >= 2
    assert not _running(victim) and not _running(survivor)  # runtime.stop() closed the children


def test_a_send_process_logs_as_its_worker_does(tmp_path: Path) -> None:
    """Its lines go where the worker's go, in the worker's format, through the same redaction and masking."""
    from cli import logs

    saved = os.environ.get(logs.INHERITED)
    log_file = tmp_path / "worker.log"
    try:
        logs.configure("WARNING", "json", log_file)  # what `docking run --log-format json --log-file …` does
        child = subprocess.run(
            [sys.executable, "-P", "-c", CHILD_LOGS],
            env=os.environ.copy(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        logs.configure()
        if saved is None:
            os.environ.pop(logs.INHERITED, None)
        else:
            os.environ[logs.INHERITED] = saved
    assert child.returncode == 0, child.stderr
    assert logs.INHERITED in CLI_VARIABLES  # not warned about as an unknown setting by every later command
    (line,) = [json.loads(one) for one in log_file.read_text().splitlines()]
    assert line["level"] == "warning" and "13812345678" not in line["event"], line  # masked as the worker masks
    assert "not said" not in log_file.read_text()  # below the worker's level


CHILD_LOGS = """
import logging
from cli import logs
logs.inherit()  # as cli/child.py does first
logging.getLogger("docking.delivery").info("not said")
logging.getLogger("docking.delivery").warning("call 13812345678 back")
"""
