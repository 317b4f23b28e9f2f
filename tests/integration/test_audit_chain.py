"""The audit chain on real SQLite and PostgreSQL: entries written with their cause, a savepoint's rolled-back rows
dropped, tampering done directly in SQL named at its first entry, checkpoints signed and proved, several processes
appending without forking the chain, and a kill -9 mid-burst leaving a chain that verifies."""

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select as sa_select
from sqlalchemy import text
from sqlmodel import select

from adapter.audit import seal
from adapter.audit.append import append, configure
from adapter.audit.chain import content_digest, entry_fields, entry_hash
from adapter.audit.checkpoint import inclusion, make_checkpoint, verify_inclusion_proof
from adapter.audit.settings import AuditSettings
from adapter.audit.verify import Report, verify_chain
from adapter.config.settings import Settings
from adapter.keys.keyring import Keyring
from adapter.persistence.audit_tables import AuditEntryRow
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import AuditRow
from scheduler import Runtime
from scheduler.audit import register
from tests.support.cli import docking
from tests.support.court import Court
from tests.support.runtime import case_for, pump

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def audit_settings(tmp_path: Path) -> AuditSettings:
    ring = Keyring.open(tmp_path / "audit-keys", create=True)
    ring.generate("audit-1", "EdDSA", datetime.now(UTC))
    ring.save()
    return AuditSettings(keyring=tmp_path / "audit-keys")


def _fill(uow: UnitOfWork, count: int) -> None:
    """`count` entries: each transaction an operator row (a derived entry) and an explicit one."""
    for n in range(count // 2):
        with uow.begin() as session:
            session.add(AuditRow(at=datetime.now(UTC), actor="ops", action="replay", subject=f"m{n}", reason="r"))
            append(session, "test.explicit", f"m{n}", actor="ops", content={"n": n}, case_id=f"c{n % 3}")


def _verify(uow: UnitOfWork, settings: AuditSettings | None = None) -> Report:
    with uow.begin() as session:
        return verify_chain(session.connection(), seal.public_keys(settings) if settings else {})


def _sql(uow: UnitOfWork, *statements: str) -> None:
    with uow.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def test_entries_are_written_with_their_cause_and_link(uow: UnitOfWork) -> None:
    _fill(uow, 10)
    with uow.begin() as session:
        rows = list(session.exec(select(AuditEntryRow).order_by(AuditEntryRow.seq)))  # type: ignore[arg-type]
    assert [r.seq for r in rows] == list(range(1, 11))
    assert {rows[0].kind, rows[1].kind} == {"op.replay", "test.explicit"}
    assert [r.case_id for r in rows if r.kind == "test.explicit"][:2] == ["c0", "c1"]
    assert all(b.prev_hash == a.entry_hash for a, b in itertools.pairwise(rows))
    with pytest.raises(RuntimeError), uow.begin() as session:  # a rolled-back cause leaves no entry
        session.add(AuditRow(at=datetime.now(UTC), actor="ops", action="replay", subject="gone", reason="r"))
        session.flush()
        raise RuntimeError("refused")
    with uow.begin() as session:  # a savepoint rolled back: its row is gone, and so is its entry
        session.add(AuditRow(at=datetime.now(UTC), actor="ops", action="kept", subject="k", reason="r"))
        try:
            with session.begin_nested():
                session.add(AuditRow(at=datetime.now(UTC), actor="ops", action="undone", subject="u", reason="r"))
                session.flush()
                raise ValueError("undo")
        except ValueError:
            pass
    with uow.begin() as session:
        kinds = [r.kind for r in session.exec(select(AuditEntryRow).where(AuditEntryRow.seq > 10))]  # type: ignore[arg-type]
    assert kinds == ["op.kept"]
    assert _verify(uow).ok


def test_a_case_from_dispatch_to_delivery_is_in_the_chain(runtime: Runtime, court: Court) -> None:
    """The real writers, unchanged: the court's dispatch (the raw bytes' digest), the case history, the messages
    queued and their receipts — one chain that verifies, the case's entries found by case id."""
    (ajbs,) = court.core.dispatch(1, "01")
    pump(runtime, 1)
    case = case_for(runtime, ajbs)
    runtime.services.accept(case.id)
    pump(runtime)
    with runtime.uow.begin() as session:
        rows = list(session.exec(select(AuditEntryRow).where(AuditEntryRow.case_id == case.id)))  # type: ignore[arg-type]
    kinds = [r.kind for r in rows]
    assert kinds[:2] == ["case.register", "inbound.applied"] and "case.accept" in kinds, kinds
    assert kinds.index("outbound.queued") < kinds.index("outbound.delivered"), kinds
    inbound = json.loads(rows[1].content_json)
    assert len(inbound["raw_sha256"]) == 64 and len(inbound["envelope_sha256"]) == 64
    delivered = json.loads(next(r.content_json for r in rows if r.kind == "outbound.delivered"))
    assert delivered["receipt"]["outcome"] in ("delivered", "duplicate")
    assert _verify(runtime.uow).ok


def test_appending_can_be_turned_off(uow: UnitOfWork) -> None:
    configure(uow.engine, enabled=False, alg="sha256")
    _fill(uow, 4)
    configure(uow.engine, enabled=True, alg="sha256")
    assert _verify(uow).entries == 0


def test_an_sm3_chain_verifies_and_names_its_hash(uow: UnitOfWork) -> None:
    configure(uow.engine, enabled=True, alg="sm3")  # [audit] hash = "sm3" (国密)
    _fill(uow, 4)
    configure(uow.engine, enabled=True, alg="sha256")
    _fill(uow, 2)  # a chain that changed its hash stays verifiable: each entry names its own
    with uow.begin() as session:
        algs = [r.alg for r in session.exec(select(AuditEntryRow).order_by(AuditEntryRow.seq))]  # type: ignore[arg-type]
    assert algs == ["sm3"] * 4 + ["sha256"] * 2
    assert _verify(uow).ok
    _sql(uow, "UPDATE audit_chain SET actor = 'x' WHERE seq = 2")
    assert (_verify(uow).faults[0].seq, _verify(uow).faults[0].problem) == (2, "hash mismatch")


def _insert_copy(uow: UnitOfWork) -> None:
    """Entry 4 copied in as a new entry 5 (the later ones moved up one)."""
    _sql(uow, "UPDATE audit_chain SET seq = seq + 1000 WHERE seq >= 5", "UPDATE audit_chain SET seq = seq - 999 "
         "WHERE seq >= 1005")  # fmt: skip
    _sql(uow, "INSERT INTO audit_chain (seq, at, kind, subject, case_id, actor, alg, digest, content_json, "
         "prev_hash, entry_hash) SELECT 5, at, kind, 'forged', case_id, actor, alg, digest, content_json, prev_hash, "
         "entry_hash FROM audit_chain WHERE seq = 4")  # fmt: skip


TAMPERING: list[tuple[str, Callable[[UnitOfWork], None], int, str]] = [
    (
        "content altered",
        lambda u: _sql(u, "UPDATE audit_chain SET content_json = content_json || ' ' WHERE seq = 6"),
        6,
        "content mismatch",
    ),
    ("actor altered", lambda u: _sql(u, "UPDATE audit_chain SET actor = 'someone' WHERE seq = 7"), 7, "hash mismatch"),
    ("time altered", lambda u: _sql(u, "UPDATE audit_chain SET kind = 'op.other' WHERE seq = 3"), 3, "hash mismatch"),
    ("entry removed", lambda u: _sql(u, "DELETE FROM audit_chain WHERE seq = 5"), 5, "seq gap"),
    ("two removed", lambda u: _sql(u, "DELETE FROM audit_chain WHERE seq IN (8, 9)"), 8, "seq gap"),
    ("entry inserted", _insert_copy, 5, "prev mismatch"),
    (
        "reordered",
        lambda u: _sql(
            u,
            "UPDATE audit_chain SET seq = -5 WHERE seq = 5",
            "UPDATE audit_chain SET seq = 5 WHERE seq = 6",
            "UPDATE audit_chain SET seq = 6 WHERE seq = -5",
        ),
        5,
        "prev mismatch",
    ),
    ("first removed", lambda u: _sql(u, "DELETE FROM audit_chain WHERE seq = 1"), 1, "seq gap"),
]


@pytest.mark.parametrize(("what", "tamper", "seq", "problem"), TAMPERING, ids=[t[0] for t in TAMPERING])
def test_tampering_names_the_first_bad_entry(
    uow: UnitOfWork, what: str, tamper: Callable[[UnitOfWork], None], seq: int, problem: str
) -> None:
    _fill(uow, 12)
    assert _verify(uow).ok
    tamper(uow)
    report = _verify(uow)
    assert not report.ok, what
    assert (report.faults[0].seq, report.faults[0].problem) == (seq, problem), report.faults


def _rehash_from(uow: UnitOfWork, seq: int) -> None:
    """Entry `seq`'s content rewritten, with its digest and every later hash recomputed: the chain alone holds."""
    with uow.engine.begin() as connection:
        table = AuditEntryRow.__table__  # type: ignore[attr-defined]
        rows = connection.execute(sa_select(table).order_by(table.c.seq)).mappings().all()
        prev = rows[seq - 2]["entry_hash"] if seq > 1 else "00" * 32
        for row in rows[seq - 1 :]:
            content = {"n": -1} if row["seq"] == seq else json.loads(row["content_json"])
            digest = content_digest("sha256", content)
            fields = entry_fields(seq=row["seq"], at=row["at"], kind=row["kind"], subject=row["subject"],
                                  case_id=row["case_id"], actor=row["actor"], alg="sha256", digest=digest)  # fmt: skip
            new = entry_hash("sha256", prev, fields)
            connection.execute(
                text(
                    "UPDATE audit_chain SET content_json = :c, digest = :d, prev_hash = :p, entry_hash = :h "
                    "WHERE seq = :s"
                ),
                {"c": json.dumps(content, separators=(",", ":")), "d": digest, "p": prev, "h": new, "s": row["seq"]},
            )
            prev = new


def test_checkpoints_sign_prove_and_catch_a_rewritten_chain(uow: UnitOfWork, audit_settings: AuditSettings) -> None:
    signer = seal.signer(audit_settings, datetime.now(UTC))
    _fill(uow, 6)
    first = make_checkpoint(uow, signer)
    assert first is not None and (first.first_seq, first.last_seq) == (1, 6)
    assert make_checkpoint(uow, signer) is None  # nothing new
    _fill(uow, 8)
    second = make_checkpoint(uow, signer)
    assert second is not None and (second.first_seq, second.last_seq) == (7, 14)
    report = _verify(uow, audit_settings)
    assert report.ok and report.checkpoints == 2 and not report.unsigned
    (_algorithm, key) = seal.public_keys(audit_settings)["audit-1"]
    with uow.begin() as session:
        proofs = [inclusion(session, seq) for seq in range(1, 15)]
    assert all(verify_inclusion_proof(p, key) for p in proofs)
    forged = {**proofs[8], "entry_hash": proofs[9]["entry_hash"]}
    assert not verify_inclusion_proof(forged, key)

    _rehash_from(uow, 9)
    report = _verify(uow, audit_settings)
    assert [(f.seq, f.problem) for f in report.faults] == [(7, "checkpoint root mismatch")]
    assert not verify_inclusion_proof({**proofs[8], "entry_hash": "00" * 32}, key)


def test_the_scheduled_job_signs_checkpoints_only_with_a_keyring(
    database_url: str, uow: UnitOfWork, audit_settings: AuditSettings
) -> None:
    jobs: list[str] = []

    class Scheduler:
        def add_job(self, job: Callable[[], None], *_: object, id: str, **__: object) -> None:
            jobs.append(id)
            job()

    settings = Settings(database_url=database_url, audit=audit_settings)
    register(Scheduler(), settings, uow, lambda: datetime.now(UTC), {}, 1.0)
    assert jobs == ["audit-checkpoint"] and _verify(uow, audit_settings).checkpoints == 0  # nothing to sign yet
    _fill(uow, 4)
    register(Scheduler(), settings, uow, lambda: datetime.now(UTC), {}, 1.0)
    assert _verify(uow, audit_settings).checkpoints == 1
    register(Scheduler(), Settings(database_url=database_url), uow, lambda: datetime.now(UTC), {}, 1.0)
    assert jobs == ["audit-checkpoint"] * 2  # without a keyring: not registered


def test_bad_signature_and_removed_tail_are_named(uow: UnitOfWork, audit_settings: AuditSettings) -> None:
    signer = seal.signer(audit_settings, datetime.now(UTC))
    _fill(uow, 6)
    make_checkpoint(uow, signer)
    _sql(uow, "UPDATE audit_checkpoints SET signature = 'AAAA' WHERE first_seq = 1")
    assert [(f.seq, f.problem) for f in _verify(uow, audit_settings).faults] == [(1, "bad signature")]
    _sql(uow, "DELETE FROM audit_chain WHERE seq = 6")  # the last entry: the chain alone still links
    assert [f.problem for f in _verify(uow, audit_settings).faults] == ["checkpoint past end"]


def test_cli_verify_show_checkpoint(backend: str, database_url: str, uow: UnitOfWork, tmp_path: Path,
                                    audit_settings: AuditSettings) -> None:  # fmt: skip
    if backend != "sqlite":
        pytest.skip("the CLI is the same on PostgreSQL; its chain is tested above")
    _fill(uow, 6)
    config = tmp_path / "docking.toml"
    config.write_text(f'database_url = "{database_url}"\n[audit]\nkeyring = "{audit_settings.keyring}"\n')
    assert "entries 1–6" in docking("audit", "checkpoint", "-c", str(config), check=True).stdout
    ok = docking("audit", "verify", "-c", str(config), check=True).stdout
    assert "audit chain OK: 6 entries 1–6, 1 checkpoint(s) verified" in ok
    shown = json.loads(docking("audit", "show", "3", "-c", str(config), "--format", "json", check=True).stdout)
    assert shown["kind"] in ("op.replay", "test.explicit") and shown["checkpoint"] == 1
    proof = json.loads(docking("audit", "proof", "3", "-c", str(config), check=True).stdout)
    assert proof["verified"] is True
    rotated = docking("keys", "rotate", "--dir", str(audit_settings.keyring), "--key-id", "audit-2", "-c", str(config))
    assert rotated.returncode == 0 and "not recorded" not in rotated.stderr, rotated.stderr
    key_event = json.loads(docking("audit", "show", "7", "-c", str(config), "--format", "json", check=True).stdout)
    assert (key_event["kind"], key_event["subject"], key_event["content"]["replaces"]) == ("key.rotate", "audit-2",
                                                                                         "audit-1")  # fmt: skip
    assert key_event["actor"].startswith("operator:")
    _sql(uow, "UPDATE audit_chain SET subject = 'x' WHERE seq = 4")
    broken = docking("audit", "verify", "-c", str(config))
    assert broken.returncode == 1
    assert "first bad entry 4: hash mismatch" in broken.stdout
    as_json = json.loads(docking("audit", "verify", "-c", str(config), "--format", "json").stdout)
    assert as_json["first_fault"]["seq"] == 4 and as_json["ok"] is False
    refused = docking("audit", "verify", "-c", str(config), "--since", "yesterday")
    assert refused.returncode != 0 and "--since 'yesterday'" in refused.stderr
    assert "no audit entry 99" in docking("audit", "show", "99", "-c", str(config)).stderr


def _worker(url: str, name: str, count: int, start_at: str = "0") -> "subprocess.Popen[str]":
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-m", "tests.support.audit_worker", url, name, str(count), start_at]
    return subprocess.Popen(command, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=env)  # fmt: skip


@pytest.fixture
def pg_uow(database_url: str, uow: UnitOfWork, backend: str) -> Iterator[UnitOfWork]:
    if backend != "postgres":
        pytest.skip("processes racing for the chain's lock: PostgreSQL (SQLite's write lock serializes them)")
    yield uow


def test_two_processes_append_without_forking(pg_uow: UnitOfWork, database_url: str) -> None:
    workers = [_worker(database_url, name, 60, "stdin") for name in ("a", "b")]
    for worker in workers:  # both started and connected before either appends (a fixed delay was not enough under load)
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.close()
    for worker in workers:
        assert worker.wait(timeout=60) == 0
    report = _verify(pg_uow)
    assert report.ok and report.entries == 240, report.faults
    with pg_uow.begin() as session:
        actors = [r[0] for r in session.connection().execute(text("SELECT actor FROM audit_chain ORDER BY seq"))]
    assert actors.count("a") == actors.count("b") == 120
    switches = sum(1 for x, y in itertools.pairwise(actors) if x != y)
    assert switches > 10  # they did append at the same time


def test_kill_9_mid_burst_leaves_a_chain_that_verifies(pg_uow: UnitOfWork, database_url: str) -> None:
    worker = _worker(database_url, "k", 0)
    assert worker.stdout is not None and worker.stdout.readline().strip() == "started"
    time.sleep(0.5)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    _fill(pg_uow, 4)  # the chain goes on after the dead writer
    report = _verify(pg_uow)
    assert report.ok, report.faults
    with pg_uow.begin() as session:
        connection = session.connection()
        causes = connection.execute(text("SELECT count(*) FROM audit WHERE actor = 'k'")).scalar_one()
        entries = connection.execute(text("SELECT count(*) FROM audit_chain WHERE kind = 'op.test'")).scalar_one()
        explicit = connection.execute(text("SELECT count(*) FROM audit_chain WHERE actor = 'k' AND kind = "
                                           "'test.explicit'")).scalar_one()  # fmt: skip
    assert causes == entries == explicit > 0  # every cause has its entries, and no entry outlived its cause
