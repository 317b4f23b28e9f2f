"""Bad signed times against the real sandbox court and the real adapter: a request signed with a millisecond iat
is answered 401 (not 500), and a feed item so signed is quarantined as future (not "undecodable")."""

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlmodel import select

from adapter.keys.keyring import Keyring
from adapter.persistence.tables import CaseRow, QuarantineRow
from scheduler import Runtime
from signing.keyfiles import load_private_key
from tests.support import raw_signatures as raw
from tests.support.court import COURT_KID, Court
from tests.support.runtime import pump

pytestmark = pytest.mark.integration

BODY = b'{"ajbs":[]}'


@pytest.fixture(params=["jws-detached", "sm2-sm3", "hmac-appkey"])
def profile(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _now_in_unit(profile: str) -> int:
    """Now, in the unit the profile agrees on (hmac-appkey: milliseconds; the others: seconds)."""
    return int(time.time()) * (1000 if profile == "hmac-appkey" else 1)


def _centre_headers(court: Court, profile: str, signed_time: str, target: str) -> dict[str, str]:
    """The centre's genuine signature over BODY and `target`, with the signed time as given."""
    nonce, signing = uuid.uuid4().hex, court.signing
    if profile == "hmac-appkey":
        assert signing.app_key and signing.app_secret
        secret = signing.app_secret.get_secret_value().encode()
        return raw.hmac_appkey(signing.app_key, secret, BODY, signed_time, nonce=nonce, target=target)
    assert signing.keyring is not None
    keyring = Keyring.open(signing.keyring)
    record = keyring.active(datetime.now(UTC))
    key = keyring.private_key(record, None)
    if profile == "sm2-sm3":
        return raw.sm2(key, record.key_id, BODY, signed_time, nonce=nonce, target=target)
    return raw.jws(key, record.key_id, BODY, signed_time, nonce=nonce, target=target)


def _court_headers(court: Court, tmp_path: Path, profile: str, body: str, signed_time: str) -> dict[str, str]:
    """The court's genuine signature over a feed item, with the signed time as given."""
    if profile == "hmac-appkey":
        assert court.signing.court_app_key and court.signing.court_app_secret
        secret = court.signing.court_app_secret.get_secret_value().encode()
        return raw.hmac_appkey(
            court.signing.court_app_key, secret, body.encode(), signed_time, nonce=json.loads(body)["xxbh"]
        )
    key = load_private_key(tmp_path / "keys" / "court" / f"{COURT_KID}.key")
    if profile == "sm2-sm3":
        return raw.sm2(key, COURT_KID, body.encode(), signed_time, nonce=json.loads(body)["xxbh"])
    return raw.jws(key, COURT_KID, body.encode(), signed_time, nonce=json.loads(body)["xxbh"])


@pytest.mark.parametrize(
    ("kind", "reason"),
    [("a thousand times too large", "future"), ("negative", "malformed_signature")],
)
def test_the_court_answers_401_to_a_request_with_a_bad_signed_time(
    court: Court, profile: str, kind: str, reason: str
) -> None:
    """A millisecond iat (a µs X-Timestamp for hmac-appkey) or a negative one: HTTP 401 naming the reason."""
    now = _now_in_unit(profile)
    signed_time = str(now * 1000) if kind.startswith("a thousand") else f"-{now}"
    url = f"{court.server.url}/api/v1/cases/status"
    good = requests.post(url, data=BODY, headers=_centre_headers(court, profile, str(now), f"POST {url}"), timeout=10)
    assert good.status_code == 200  # the same signing with a right time is accepted: the signature is genuine
    answer = requests.post(
        url, data=BODY, headers=_centre_headers(court, profile, signed_time, f"POST {url}"), timeout=10
    )
    assert answer.status_code == 401
    assert answer.json()["code"] == "E401" and f"({reason})" in answer.json()["message"]
    assert court.core.signature_failures == {reason: 1}


def _dispatch_body(court: Court) -> str:
    court.core.dispatch(1, "01")
    body: str = court.core.feed("dispatches", 0, 10)["items"][-1]["body"]
    court.core._feeds["dispatches"].pop()  # the test publishes its own signature over it instead
    return body


def _quarantine(runtime: Runtime) -> list[QuarantineRow]:
    with runtime.uow.begin() as session:
        return list(session.exec(select(QuarantineRow)).all())


def _cases(runtime: Runtime) -> list[Any]:
    with runtime.uow.begin() as session:
        return list(session.exec(select(CaseRow)).all())


def test_a_feed_item_signed_with_a_millisecond_time_is_quarantined_as_future(
    runtime: Runtime, court: Court, profile: str, tmp_path: Path
) -> None:
    """The item is refused with the reason and the likely mistake, kept byte for byte, and makes no case."""
    body = _dispatch_body(court)
    court.core.inject(
        "dispatches", body, _court_headers(court, tmp_path, profile, body, str(_now_in_unit(profile) * 1000))
    )
    pump(runtime, 1)
    (row,) = _quarantine(runtime)
    assert row.reason == "future" and "agreed?" in row.detail and row.raw == body.encode()
    assert _cases(runtime) == []


@pytest.mark.parametrize(
    ("ahead", "applied"),
    [(timedelta(days=400), False), (timedelta(hours=2), False), (timedelta(minutes=10), True)],
    ids=["400 days", "2 hours", "10 minutes"],
)
def test_a_feed_item_signed_well_ahead_of_our_clock_is_refused_as_future(
    runtime: Runtime, court: Court, profile: str, tmp_path: Path, ahead: timedelta, applied: bool
) -> None:
    """Under every signature profile: 400 days ahead (a forged or mis-set date) and two hours ahead (a court clock
    on the wrong zone) are refused as future and kept; ten minutes of drift is within FEED_CLOCK_SKEW."""
    body = _dispatch_body(court)
    unit = 1000 if profile == "hmac-appkey" else 1
    signed_time = str(_now_in_unit(profile) + int(ahead.total_seconds()) * unit)
    court.core.inject("dispatches", body, _court_headers(court, tmp_path, profile, body, signed_time))
    pump(runtime, 1)
    rows = _quarantine(runtime)
    assert [q.reason for q in rows] == ([] if applied else ["future"])
    assert all(q.raw == body.encode() and "ahead of our clock" in q.detail for q in rows)
    assert len(_cases(runtime)) == (1 if applied else 0)
