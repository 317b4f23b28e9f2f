"""The demo's seal: a reused work directory keeps its certificate only while it has more than a day left."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sandbox.seal_demo import demo_seal


@pytest.mark.parametrize(("later", "renewed"), [(timedelta(days=1), False), (timedelta(days=29, hours=1), True),
                                                (timedelta(days=40), True)])  # fmt: skip
def test_a_kept_certificate_is_renewed_when_expiring_within_a_day(
    tmp_path: Path, later: timedelta, renewed: bool
) -> None:
    now = datetime.now(UTC)
    demo_seal(tmp_path, now)
    first = (tmp_path / "seal-chain.pem").read_bytes()
    demo_seal(tmp_path, now + later)
    assert ((tmp_path / "seal-chain.pem").read_bytes() != first) is renewed
