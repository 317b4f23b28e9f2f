"""The checks every sandbox partner's settings share, each raising ValueError naming the setting and the value
(the CLI answers it as InvalidRequest, cli/sandbox_serve.py `configured`)."""

from collections.abc import Iterable

from sandbox.timeforms import FORMS


def check_faults(faults: Iterable[str], known: Iterable[str]) -> None:
    """Every misbehaviour asked for is one the partner knows."""
    known = tuple(known)
    unknown = [f for f in faults if f not in known]
    if unknown:
        raise ValueError(f"faults {', '.join(unknown)} are not among {', '.join(known)}")


def check_timestamp_format(timestamp_format: str) -> None:
    """A form of times the sandbox can write (sandbox/timeforms.py)."""
    if timestamp_format not in FORMS:
        raise ValueError(f"timestamp_format {timestamp_format!r} is not one of {', '.join(FORMS)}")


def check_day(seconds_per_day: float) -> None:
    """Real seconds per simulated day: positive."""
    if seconds_per_day <= 0:
        raise ValueError("seconds_per_day must be positive")
