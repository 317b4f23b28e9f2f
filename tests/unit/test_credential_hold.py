"""The credentials hold: one alert, one probe per interval while held, released (and said once) when accepted."""

import logging
from datetime import UTC, datetime, timedelta

import pytest

from adapter.platforms.credential_hold import Credential, CredentialHold
from connectors.port import CredentialsRefused

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
PROBE = timedelta(seconds=30)
REFUSED = CredentialsRefused("guangzhou", "E401", "HTTP 401: signature refused (unknown_key): key id 'k2'")


def _hold() -> CredentialHold:
    credential = Credential("key k2", "publish it to the court or go back: `docking keys activate k1`")
    return CredentialHold("guangzhou", probe_every=PROBE, credential=lambda at: credential)


def test_a_free_platform_is_always_allowed() -> None:
    hold = _hold()
    assert all(hold.allow(T0 + timedelta(seconds=s)) for s in range(5)) and hold.wait(T0) == 0.0


def test_the_first_refusal_alerts_once_naming_the_platform_the_key_and_the_fix(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hold = _hold()
    with caplog.at_level(logging.DEBUG, "docking.credentials"):
        for seconds in (0, 1, 31, 62):
            hold.refused(REFUSED, T0 + timedelta(seconds=seconds))
    (alert,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert alert.levelno == logging.ERROR
    for part in (
        "guangzhou",
        "unknown_key",
        "does not trust key k2",
        "`docking keys activate k1`",
        "nothing goes dead",
    ):
        assert part in alert.message
    assert hold.held and hold.reason.startswith("held: the court refuses our credentials (E401: HTTP 401")


@pytest.mark.parametrize(
    ("seconds", "allowed"),
    [(1, False), (29, False), (30, True), (31, False), (59, False), (60, True)],
)
def test_while_held_one_probe_goes_through_per_interval(seconds: int, allowed: bool) -> None:
    """Probing at 30 s, then again 30 s after that probe: whoever asks first (delivery or polling) probes."""
    hold = _hold()
    hold.refused(REFUSED, T0)
    calls = [s for s in (1, 29, 30, 31, 59, 60) if hold.allow(T0 + timedelta(seconds=s))]
    assert (seconds in calls) is allowed


def test_a_held_message_waits_until_the_next_probe() -> None:
    hold = _hold()
    hold.refused(REFUSED, T0)
    assert hold.wait(T0 + timedelta(seconds=10)) == 20.0
    assert hold.allow(T0 + PROBE)  # the probe …
    assert hold.wait(T0 + PROBE) == 30.0  # … and everything else waits for the one after it, never 0 s


def test_an_accepted_call_releases_the_hold_and_says_so_once(caplog: pytest.LogCaptureFixture) -> None:
    hold, changes = _hold(), []
    hold._on_change = lambda platform, what: changes.append((platform, what))
    hold.refused(REFUSED, T0)
    caplog.clear()
    with caplog.at_level(logging.INFO, "docking.credentials"):
        hold.accepted(T0 + timedelta(minutes=5))
        hold.accepted(T0 + timedelta(minutes=6))
    (released,) = caplog.records
    assert "accepts our signature again after 0:05:00" in released.message
    assert not hold.held and hold.allow(T0 + timedelta(minutes=5, seconds=1)) and hold.reason == ""
    assert changes == [("guangzhou", "held"), ("guangzhou", "released")]


@pytest.mark.parametrize(
    ("detail", "clock_hint"),
    [
        ("signature refused (stale): signed at 2026-11-23 01:50:00, too old", True),
        ("WS-Security refused (expired): the Timestamp has expired", True),
        ("signature refused (future): signed ahead", True),
        ("signature refused (unknown_key): key id 'k2' is not configured", False),
        ("signature refused (bad_signature): body does not match key 'k2'", False),
    ],
)
def test_a_refusal_of_the_signed_time_points_at_the_clock(
    caplog: pytest.LogCaptureFixture, detail: str, clock_hint: bool
) -> None:
    with caplog.at_level(logging.ERROR, "docking.credentials"):
        _hold().refused(CredentialsRefused("guangzhou", "E401", detail), T0)
    assert ("check this host's clock" in caplog.records[0].message) is clock_hint


def test_a_hold_that_flaps_is_alerted_once_an_hour(caplog: pytest.LogCaptureFixture) -> None:
    """Refused, released by an accepted poll, refused again by the next send: one ERROR, then WARNINGs, and a new
    ERROR only an hour after the last."""
    hold = CredentialHold("court", probe_every=timedelta(seconds=30))
    error = CredentialsRefused("court", "E401", "unknown_key")
    start = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    with caplog.at_level(logging.WARNING, logger="docking.credentials"):
        for minute in range(0, 50, 10):
            hold.refused(error, start + timedelta(minutes=minute))
            hold.accepted(start + timedelta(minutes=minute, seconds=30))
        hold.refused(error, start + timedelta(minutes=61))
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2  # the first, and the one an hour later


@pytest.mark.parametrize(
    "said",
    [
        "HTTP 401: signature refused (bad_signature): the signature was made for another request",
        "HTTP 401: signature refused: made for a different request (POST https://gw.example/api)",
        "HTTP 401: signature refused: signed for another request target",
    ],
)
def test_a_refusal_of_the_signed_request_line_points_at_base_url_first(
    caplog: pytest.LogCaptureFixture, said: str
) -> None:
    """The key may be trusted all along (a gateway rewrote the URL): publishing it again would change nothing."""
    hold = _hold()
    with caplog.at_level(logging.ERROR, "docking.credentials"):
        hold.refused(CredentialsRefused("guangzhou", "E401", said), T0)
    (alert,) = caplog.records
    assert "check that base_url (scheme, host, port, path)" in alert.message
    assert alert.message.index("base_url") < alert.message.index("`docking keys activate k1`")
    assert "It does not trust" not in alert.message


def test_a_nonce_used_by_another_request_is_no_url_problem(caplog: pytest.LogCaptureFixture) -> None:
    hold = _hold()
    with caplog.at_level(logging.ERROR, "docking.credentials"):
        hold.refused(CredentialsRefused("guangzhou", "E401", "nonce already used by another request"), T0)
    (alert,) = caplog.records
    assert "base_url" not in alert.message and "does not trust key k2" in alert.message
