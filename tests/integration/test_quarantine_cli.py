"""Quarantine you can act on, as an operator meets it: a dispatch refused because the court's key was not yet
configured — list it, read it (masked), add the key, reprocess it (applied once, however often), resolve others."""

import base64
import json
import logging
import re
from pathlib import Path

import pytest
from sqlmodel import select

from adapter.config.settings import Settings, load_settings
from adapter.persistence.tables import AuditRow, CaseEventRow, CaseRow, InboxRow, QuarantineRow
from adapter.persistence.vault import new_key
from sandbox.wire import RawText
from scheduler import Runtime, build_runtime
from signing.keyfiles import generate_keypair
from tests.support.cli import docking
from tests.support.court import COURT_KID, PLATFORM, Court
from tests.support.runtime import pump

pytestmark = pytest.mark.integration

FULL_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])")
FULL_MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


def _write_config(path: Path, court: Court, database: Path, data_key: str, court_keys: dict[str, Path]) -> None:
    keys = ", ".join(f'"{kid}" = "{file}"' for kid, file in court_keys.items())
    path.write_text(
        f'database_url = "sqlite:///{database}"\n'
        f'[encryption]\nactive = "k1"\n[encryption.keys.k1]\nkey = "{data_key}"\n'
        f'[platforms.{PLATFORM}]\nbase_url = "{court.server.url}"\n'
        f'[platforms.{PLATFORM}.signing]\nkeyring = "{court.signing.keyring}"\ncourt_keys = {{ {keys} }}\n'
    )


@pytest.fixture
def operator(tmp_path: Path, court: Court) -> tuple[Path, Path, Path]:
    """A config whose court key list lacks the key the court signs with (only an old one): (config, db, key)."""
    database, config = tmp_path / "ops.db", tmp_path / "docking.toml"
    old = generate_keypair(tmp_path / "old", "court-2025-01").public  # a key the court no longer uses
    data_key = base64.b64encode(new_key("k1", "aes-256-gcm").key).decode()
    _write_config(config, court, database, data_key, {"court-2025-01": old})
    court_key = court.signing.court_keys[COURT_KID]
    return config, database, court_key


def _poll(config: Path) -> Runtime:
    """One polling pass as `docking run` makes it, on the operator's configuration."""
    runtime = build_runtime(load_settings(config))
    runtime.poll_platform(PLATFORM)
    return runtime


def _add_court_key(config: Path, court_key: Path) -> None:
    text = config.read_text()
    config.write_text(text.replace("court_keys = { ", f'court_keys = {{ "{COURT_KID}" = "{court_key}", '))


def _counts(runtime: Runtime) -> tuple[int, int, int]:
    with runtime.uow.begin() as session:
        return (
            len(session.exec(select(CaseRow)).all()),
            len(session.exec(select(CaseEventRow).where(CaseEventRow.event == "register")).all()),
            len(session.exec(select(InboxRow)).all()),
        )


def test_a_dispatch_refused_for_an_unknown_court_key_is_applied_once_after_the_key_is_added(
    court: Court, operator: tuple[Path, Path, Path]
) -> None:
    """unknown_key → add the court's key to the config → reprocess: applied; reprocess again: nothing doubled."""
    config, _, court_key = operator
    court.core.dispatch(1, "01")
    runtime = _poll(config)
    listed = docking("quarantine", "list", "-c", str(config), "--format", "json")
    assert listed.returncode == 0, listed.stderr
    (row,) = json.loads(listed.stdout)
    assert (row["reason"], row["status"]) == ("unknown_key", "open") and row["message_id"].startswith("PQ-")
    assert _counts(runtime) == (0, 0, 0)
    # A mistyped filter was an empty table, exit 0, read as "nothing refused": the empty result stays (stdout), and
    # stderr names the value matching nothing with the values there are; a value there, filtered out otherwise, is
    # no typo and gets no note
    for option, typo, meant in (("--reason", "unknown-key", "unknown_key"), ("--platform", "gz_odr", PLATFORM)):
        empty = docking("quarantine", "list", "-c", str(config), option, typo, "--format", "json")
        assert (empty.returncode, json.loads(empty.stdout)) == (0, []), empty.stderr
        assert f"{option} {typo!r} matches nothing; values there are: {meant}" in " ".join(empty.stderr.split())
    filtered = docking("quarantine", "list", "-c", str(config), "--reason", "unknown_key", "--status", "resolved")
    assert filtered.returncode == 0 and "matches nothing" not in filtered.stderr

    shown = docking("quarantine", "show", str(row["id"]), "-c", str(config))
    assert shown.returncode == 0, shown.stderr
    assert COURT_KID in shown.stdout  # the protected header names the key the court signed with
    assert '"zjhm"' in shown.stdout and "****" in shown.stdout  # the raw bytes, numbers masked
    assert not FULL_ID.search(shown.stdout) and not FULL_MOBILE.search(shown.stdout)

    still = docking("quarantine", "reprocess", str(row["id"]), "-c", str(config), "--actor", "ops-li")
    assert still.returncode == 1 and "still refused: unknown_key" in still.stdout  # nothing fixed yet

    _add_court_key(config, court_key)
    done = docking("quarantine", "reprocess", str(row["id"]), "-c", str(config), "--actor", "ops-li", "--note", "key")
    assert done.returncode == 0, done.stderr
    assert "applied to case MC-" in done.stdout
    assert _counts(runtime) == (1, 1, 1)

    again = docking("quarantine", "reprocess", str(row["id"]), "-c", str(config), "--actor", "ops-li")
    assert again.returncode == 0 and "already applied" in again.stdout, again.stderr
    runtime.poll_platform(PLATFORM)  # the court's feed re-delivering the item changes nothing either
    assert _counts(runtime) == (1, 1, 1)

    (after,) = json.loads(docking("quarantine", "list", "-c", str(config), "--format", "json").stdout)
    assert after["status"] == "reprocessed"
    with runtime.uow.begin() as session:
        kept = session.get(QuarantineRow, row["id"])
        audit = session.exec(select(AuditRow).where(AuditRow.action == "quarantine-reprocess")).all()
    assert kept is not None and kept.handled_by == "ops-li" and kept.note == "key"
    assert "already applied" in kept.outcome and kept.handled_at is not None
    assert [a.actor for a in audit] == ["ops-li"] * 3


def test_reprocess_by_reason_applies_every_open_one_oldest_first(
    court: Court, operator: tuple[Path, Path, Path]
) -> None:
    """`reprocess --reason unknown_key` takes every open one; rows already resolved are left alone."""
    config, _, court_key = operator
    court.core.dispatch(3, "01")
    runtime = _poll(config)
    ids = sorted(q["id"] for q in json.loads(docking("quarantine", "list", "-c", str(config), "-f", "json").stdout))
    assert len(ids) == 3
    unnoted = docking("quarantine", "resolve", str(ids[0]), "-c", str(config))
    assert unnoted.returncode == 2 and "needs a note" in unnoted.stderr
    closed = docking("quarantine", "resolve", str(ids[0]), "--note", "re-sent by the court", "-c", str(config))
    assert closed.returncode == 0, closed.stderr
    _add_court_key(config, court_key)
    done = docking("quarantine", "reprocess", "--reason", "unknown_key", "-c", str(config))
    assert done.returncode == 0, done.stderr
    assert [int(n) for n in re.findall(r"^(\d+): applied", done.stdout, re.M)] == ids[1:]
    assert _counts(runtime) == (2, 2, 2)
    resolved = docking("quarantine", "reprocess", str(ids[0]), "-c", str(config))
    assert resolved.returncode == 2 and "was resolved by" in resolved.stderr
    twice = docking("quarantine", "resolve", str(ids[1]), "--note", "x", "-c", str(config))
    assert twice.returncode == 2 and "already reprocessed" in twice.stderr
    listed = json.loads(docking("quarantine", "list", "--status", "resolved", "-c", str(config), "-f", "json").stdout)
    assert [q["id"] for q in listed] == [ids[0]]


def test_a_redelivered_bad_item_is_logged_and_counted_once(
    runtime: Runtime, court: Court, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Two bad items, each delivered four times: two rows, two WARNINGs naming platform, message and reason, and
    the poll counts six duplicates — the log and the table agree (it said 8 where the table held 2)."""
    court.core.dispatch(2, "01")
    items = court.core.feed("dispatches", 0, 100)["items"]
    court.core._feeds["dispatches"].clear()
    for _ in range(4):
        for item in items:  # signed by the court, but with a key id we do not know
            court.core.inject("dispatches", item["body"], {"X-JWS-Signature": "e30..c2ln"})
    with caplog.at_level(logging.WARNING, logger="docking.ingest"):
        pump(runtime, 2)
    with runtime.uow.begin() as session:
        rows = session.exec(select(QuarantineRow)).all()
    warnings = [r.getMessage() for r in caplog.records if "quarantined" in r.getMessage()]
    assert len(rows) == 2 and len(warnings) == 2
    for row, message in zip(sorted(rows, key=lambda r: r.id or 0), warnings, strict=True):
        assert message.startswith(f"{PLATFORM}: message {row.message_id} quarantined ({row.reason})")
        assert row.message_id and row.message_id.startswith("PQ-")
    assert runtime.metrics.get("inbound_quarantined") == 2 and runtime.metrics.get("inbound_duplicate") == 6


def test_bytes_that_are_not_text_are_said_where_they_would_be_shown(
    operator: tuple[Path, Path, Path], court: Court
) -> None:
    """4 bytes of 0xFF on the decisions feed: `show` says what they are (size, SHA-256: what to give the court)
    under the raw-bytes heading, not an empty line; `--format json` carries the same as raw_note."""
    config, _, _ = operator
    court.core.inject("decisions", RawText.of(b"\xff\xff\xff\xff"), {})
    _poll(config)
    listed = json.loads(docking("quarantine", "list", "--format", "json", "-c", str(config)).stdout)
    (row,) = [r for r in listed if r["feed"] == "decisions"]
    shown = docking("quarantine", "show", str(row["id"]), "-c", str(config))
    assert shown.returncode == 0, shown.stderr
    said = "the bytes are not text (4 bytes, SHA-256"
    assert said in shown.stdout.split("raw bytes", 1)[1], shown.stdout
    as_json = json.loads(docking("quarantine", "show", str(row["id"]), "--format", "json", "-c", str(config)).stdout)
    assert as_json["raw"] == "" and as_json["raw_note"].startswith(said)
