"""The SOAP court's Date header, kept per second (sandbox/soap.py SoapHandler.date_time_string), is the text the
stdlib's BaseHTTPRequestHandler.date_time_string writes at every instant: within a second, across seconds, when the
clock steps back, and within a microsecond of the next second, where the stdlib's rounding already names that one."""

import time
from http.server import BaseHTTPRequestHandler

import pytest

import sandbox.soap
from sandbox.soap import SoapHandler

BASE = 1_764_621_000.0  # 2025-12-01T20:30:00Z
INSTANTS = [
    BASE,
    BASE + 0.25,
    BASE + 0.5,
    BASE + 0.999998,
    BASE + 0.9999989,
    BASE + 0.9999994,
    BASE + 0.9999995,  # rounds to the next second's first microsecond in datetime.fromtimestamp
    BASE + 0.9999996,
    BASE + 0.99999999,
    BASE + 1,
    BASE + 1.0000001,
    BASE + 59.9999997,  # the next minute
    BASE + 86_399.9999999,  # the next day
    BASE + 1.5,
    BASE - 3.25,  # the clock stepped back
    BASE - 3.9999996,
    BASE + 1.75,
    0.0,
    0.9999996,
    253_402_300_799.4,  # 9999-12-31T23:59:59Z
    1_234_567_890.123456,
]


@pytest.fixture
def handler() -> SoapHandler:
    return SoapHandler.__new__(SoapHandler)  # no connection: date_time_string reads none


@pytest.mark.parametrize("order", ["as listed", "reversed", "each twice"])
def test_the_kept_date_is_the_stdlib_one(handler: SoapHandler, monkeypatch: pytest.MonkeyPatch, order: str) -> None:
    instants = {"as listed": INSTANTS, "reversed": INSTANTS[::-1], "each twice": [t for t in INSTANTS for _ in "12"]}
    monkeypatch.setattr(sandbox.soap, "_DATE", [(-1, "")])
    rolled = 0
    for instant in instants[order]:
        monkeypatch.setattr(time, "time", lambda instant=instant: instant)
        expected = BaseHTTPRequestHandler.date_time_string(handler)
        assert handler.date_time_string() == expected, instant
        assert handler.date_time_string(instant) == expected  # given, as the stdlib's callers may
        rolled += expected != BaseHTTPRequestHandler.date_time_string(handler, int(instant))
    assert rolled > 0  # the table reaches the instants whose rounding names the next second


def test_one_text_per_second(handler: SoapHandler, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox.soap, "_DATE", [(-1, "")])
    monkeypatch.setattr(time, "time", lambda: BASE + 0.1)
    first = handler.date_time_string()
    monkeypatch.setattr(time, "time", lambda: BASE + 0.9)
    assert handler.date_time_string() is first  # kept, not written again
    kept = sandbox.soap._DATE
    assert kept == [(int(BASE), first)]
