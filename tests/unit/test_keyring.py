"""The keyring's staged rotation: a key is published before it signs, switches at a set time or on activate, and
an operator can go back to a still-valid key; old manifests load; a missing keyring is named by its full path."""

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapter.errors import InvalidRequest
from adapter.keys.keyring import Keyring
from cli.keys import parse_activate_at
from schemas.clock import CHINA
from signing.keyfiles import KeyFileError

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
H, DAY, WEEK = timedelta(hours=1), timedelta(days=1), timedelta(days=7)


def _ring(tmp_path: Path) -> Keyring:
    ring = Keyring.open(tmp_path / "ring", create=True)
    ring.generate("k1", "EdDSA", T0)
    return ring


def _apply(ring: Keyring, steps: list[tuple]) -> None:
    for step in steps:
        op, at, key_id, *arg = step
        if op == "rotate":
            ring.rotate(key_id, at, WEEK, activate_at=arg[0] if arg else None)
        elif op == "activate":
            ring.activate(key_id, at, WEEK, at=arg[0] if arg else None)
        elif op == "revoke":
            ring.revoke(key_id, at)
        ring.save()
        ring = Keyring.open(ring.directory)  # every step through the file, as separate CLI runs would


# (steps, when looked at, {key: (state, published)}, the key that signs then)
STATES = {
    "rotate only publishes": (
        [("rotate", T0 + H, "k2")],
        T0 + 2 * H,
        {"k1": ("active", True), "k2": ("published", True)},
        "k1",
    ),
    "scheduled: before its time": (
        [("rotate", T0 + H, "k2", T0 + DAY)],
        T0 + DAY - timedelta(seconds=1),
        {"k1": ("active", True), "k2": ("published", True)},
        "k1",
    ),
    "scheduled: at its time": (
        [("rotate", T0 + H, "k2", T0 + DAY)],
        T0 + DAY,
        {"k1": ("retired", True), "k2": ("active", True)},
        "k2",
    ),
    "scheduled: after the overlap": (
        [("rotate", T0 + H, "k2", T0 + DAY)],
        T0 + DAY + WEEK,
        {"k1": ("retired", False), "k2": ("active", True)},
        "k2",
    ),
    "activate now": (
        [("rotate", T0 + H, "k2"), ("activate", T0 + 2 * H, "k2")],
        T0 + 3 * H,
        {"k1": ("retired", True), "k2": ("active", True)},
        "k2",
    ),
    "rotate --activate-at now": (
        [("rotate", T0 + H, "k2", T0 + H)],
        T0 + H,
        {"k1": ("retired", True), "k2": ("active", True)},
        "k2",
    ),
    "rollback to the previous key": (
        [("rotate", T0 + H, "k2"), ("activate", T0 + 2 * H, "k2"), ("activate", T0 + 3 * H, "k1")],
        T0 + 4 * H,
        {"k1": ("active", True), "k2": ("published", True)},
        "k1",
    ),
    "rollback after a scheduled switch": (
        [("rotate", T0 + H, "k2", T0 + DAY), ("activate", T0 + DAY + H, "k1")],
        T0 + DAY + 2 * H,
        {"k1": ("active", True), "k2": ("published", True)},
        "k1",
    ),
    "activating the signing key cancels a scheduled switch": (
        [("rotate", T0 + H, "k2", T0 + DAY), ("activate", T0 + 2 * H, "k1")],
        T0 + 2 * DAY,
        {"k1": ("active", True), "k2": ("published", True)},
        "k1",
    ),
    "activate --at reschedules": (
        [("rotate", T0 + H, "k2", T0 + DAY), ("activate", T0 + 2 * H, "k2", T0 + 2 * DAY)],
        T0 + DAY + H,
        {"k1": ("active", True), "k2": ("published", True)},
        "k1",
    ),
    "a retired key revoked": (
        [("rotate", T0 + H, "k2"), ("activate", T0 + 2 * H, "k2"), ("revoke", T0 + 3 * H, "k1")],
        T0 + 4 * H,
        {"k1": ("revoked", False), "k2": ("active", True)},
        "k2",
    ),
    "two rotations in a row": (
        [
            ("rotate", T0 + H, "k2", T0 + DAY),
            ("rotate", T0 + 2 * DAY, "k3", T0 + 3 * DAY),
        ],
        T0 + 3 * DAY,
        {"k1": ("retired", True), "k2": ("retired", True), "k3": ("active", True)},
        "k3",
    ),
}


@pytest.mark.parametrize(("steps", "when", "expected", "signing"), STATES.values(), ids=STATES.keys())
def test_each_key_is_in_the_state_its_history_and_the_time_give(
    tmp_path: Path, steps: list[tuple], when: datetime, expected: dict[str, tuple[str, bool]], signing: str
) -> None:
    """State, whether it is published, and which key signs, after each operator sequence."""
    ring = _ring(tmp_path)
    ring.save()
    _apply(ring, steps)
    ring = Keyring.open(tmp_path / "ring")
    assert {r.key_id: (r.state, r.verifies_at(when)) for r in ring.view(when)} == expected
    assert ring.active(when).key_id == signing
    assert sorted(k["kid"] for k in ring.jwks(when)["keys"]) == sorted(k for k, (_, pub) in expected.items() if pub)


REFUSED = {
    "a revoked key never signs again": (
        [("rotate", T0 + H, "k2"), ("activate", T0 + 2 * H, "k2"), ("revoke", T0 + 3 * H, "k1")],
        ("activate", T0 + 4 * H, "k1"),
        "revoked",
    ),
    "a key retired past its overlap is no rollback target": (
        [("rotate", T0 + H, "k2"), ("activate", T0 + 2 * H, "k2")],
        ("activate", T0 + 2 * H + WEEK, "k1"),
        "no longer published",
    ),
    "only a published key can be scheduled": (
        [("rotate", T0 + H, "k2"), ("activate", T0 + 2 * H, "k2")],
        ("activate", T0 + 3 * H, "k1", T0 + DAY),
        "only a published key",
    ),
    "no second rotation while one is scheduled": (
        [("rotate", T0 + H, "k2", T0 + DAY)],
        ("rotate", T0 + 2 * H, "k3"),
        "already waits to sign from 2026-11-24T10:00+08:00",
    ),
    "an unknown key": ([], ("activate", T0 + H, "nope"), "no key 'nope'"),
}


@pytest.mark.parametrize(("steps", "step", "message"), REFUSED.values(), ids=REFUSED.keys())
def test_impossible_moves_are_refused_with_the_reason(
    tmp_path: Path, steps: list[tuple], step: tuple, message: str
) -> None:
    ring = _ring(tmp_path)
    ring.save()
    _apply(ring, steps)
    with pytest.raises(KeyFileError, match=re.escape(message)):
        _apply(Keyring.open(tmp_path / "ring"), [step])


def test_a_manifest_written_before_staged_rotation_loads_as_it_did(tmp_path: Path) -> None:
    """States active / retiring / revoked and no new fields: the same key signs, the same keys are published."""
    ring = _ring(tmp_path)
    ring.rotate("k2", T0 + H, WEEK)
    ring.rotate("k3", T0 + 2 * H, WEEK)
    old = {
        "keys": [
            {"key_id": "k1", "algorithm": "EdDSA", "state": "revoked", "created_at": T0.isoformat(), "retire_at": None},
            {
                "key_id": "k2",
                "algorithm": "EdDSA",
                "state": "retiring",
                "created_at": (T0 + H).isoformat(),
                "retire_at": (T0 + WEEK).isoformat(),
            },
            {"key_id": "k3", "algorithm": "EdDSA", "state": "active", "created_at": (T0 + 2 * H).isoformat()},
        ]
    }
    (tmp_path / "ring" / "keyring.json").write_text(json.dumps(old))
    ring = Keyring.open(tmp_path / "ring")
    assert ring.active(T0 + DAY).key_id == "k3"
    assert [k["kid"] for k in ring.jwks(T0 + DAY)["keys"]] == ["k2", "k3"]
    assert [k["kid"] for k in ring.jwks(T0 + WEEK)["keys"]] == ["k3"]
    assert [r.state for r in ring.records] == ["revoked", "retired", "active"]
    assert ring.previous(T0 + DAY) is not None and ring.previous(T0 + DAY).key_id == "k2"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        ("missing", "does not exist"),
        ("empty folder", "has no keyring.json"),
        ("a file", "is a file, not a folder"),
        ("no keys", "has no keys"),
        ("none active", "has no active key"),
    ],
)
def test_a_keyring_that_cannot_sign_is_named_by_its_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str, message: str
) -> None:
    """Given as a relative path, the error names the resolved folder and never suggests making a key over it."""
    monkeypatch.chdir(tmp_path)
    folder = Path("keys") / "guangzhou"
    if layout == "empty folder":
        folder.mkdir(parents=True)
    elif layout == "a file":
        folder.parent.mkdir()
        folder.write_text("")
    elif layout == "no keys":
        Keyring(folder, []).save()
    elif layout == "none active":
        ring = Keyring.open(folder, create=True)
        ring.generate("k1", "EdDSA", T0)
        ring.records[0].state = "revoked"
        ring.save()
    with pytest.raises(KeyFileError) as caught:
        Keyring.open(folder).active(T0)
    text = str(caught.value)
    assert message in text and str(tmp_path / "keys" / "guangzhou") in text
    assert "run `docking keys generate`" not in text


CST_EXAMPLES = {
    "offset": ("2026-12-01T02:00+08:00", datetime(2026, 11, 30, 18, 0, tzinfo=UTC)),
    "UTC Z": ("2026-11-30T18:00:00Z", datetime(2026, 11, 30, 18, 0, tzinfo=UTC)),
    "no offset is China time": ("2026-12-01T02:00", datetime(2026, 11, 30, 18, 0, tzinfo=UTC)),
    "space separator": ("2026-12-01 02:00", datetime(2026, 11, 30, 18, 0, tzinfo=UTC)),
    "a date is its China midnight": ("2026-12-01", datetime(2026, 11, 30, 16, 0, tzinfo=UTC)),
    "now": ("now", T0),
    "NOW with spaces": (" NOW ", T0),
}


@pytest.mark.parametrize(("text", "instant"), CST_EXAMPLES.values(), ids=CST_EXAMPLES.keys())
def test_activate_at_reads_every_form_as_the_right_instant(text: str, instant: datetime) -> None:
    assert parse_activate_at(text, T0) == instant


def test_a_time_typed_seconds_ago_means_now() -> None:
    """ "02:00" typed at 02:00:20 is not refused as the past: it is now."""
    later = T0 + timedelta(seconds=20)
    assert parse_activate_at("2026-11-23T10:00+08:00", later) == later


@pytest.mark.parametrize(
    ("text", "message"),
    [("tomorrow", "is not a time"), ("2026-11-23T09:00+08:00", "in the past"), ("2026-13-01", "is not a time")],
)
def test_activate_at_refuses_what_is_not_a_future_time(text: str, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message) as caught:
        parse_activate_at(text, T0)
    assert repr(text) in str(caught.value)


def test_a_scheduled_time_is_stored_in_utc_and_shown_in_china_time(tmp_path: Path) -> None:
    ring = _ring(tmp_path)
    ring.rotate("k2", T0, WEEK, activate_at=datetime(2026, 12, 1, 2, 0, tzinfo=CHINA))
    assert ring.find("k2").activate_at == "2026-11-30T18:00:00+00:00"
    from adapter.keys.keyring import shown

    assert shown(ring.find("k2").activate_at) == "2026-12-01T02:00+08:00"
