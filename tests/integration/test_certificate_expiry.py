"""The seal's certificate nearing its end, on a fake clock: a certificate kept in the platform's keyring opens the
certificate_expiry alert [alerts] certificate_expiry_days ahead, `docking status` and /readyz's checks say it
(expired: not ready), and a renewed certificate clears it — one alert each way; `docking keys cert|csr` as an
operator runs them, a bad option named."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from adapter.alerts.conditions import ALERTS
from adapter.alerts.evaluate import evaluate
from adapter.config.settings import Settings
from adapter.keys.wsse_files import make_wsse_files
from adapter.persistence.engine import UnitOfWork
from adapter.readiness import readiness
from adapter.seal.settings import SealSettings
from adapter.status import collect, findings
from tests.support.cli import docking
from tests.support.court import PLATFORM

pytestmark = pytest.mark.integration
T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _certificate_alerts(uow: UnitOfWork) -> list[tuple[str, str, str]]:
    with uow.begin() as session:
        rows = session.connection().execute(select(ALERTS).where(ALERTS.c.kind == "certificate_expiry"))
        return [(r.subject, r.state, json.loads(r.data_json)["title"]) for r in rows]


def _certificates_check(uow: UnitOfWork, settings: Settings, at: datetime) -> tuple[bool, str]:
    checks = [c for c in readiness(uow, settings, {}, lambda: at) if c.name == "certificates"]
    return (checks[0].ok, checks[0].detail) if checks else (True, "none in use")


def test_a_keyring_certificate_nearing_its_end_alerts_once_and_clears_when_renewed(
    uow: UnitOfWork, settings: Settings
) -> None:
    ring = settings.platforms[PLATFORM].signing.keyring
    assert ring is not None
    make_wsse_files(ring, "seal", "CN=centre seal,C=CN", now=T0, algorithm="EC", days=40)
    label = f"{PLATFORM}:seal.crt"
    assert evaluate(uow, settings, lambda: T0 + timedelta(days=5)) == 0  # nothing opened: 35 days left
    assert _certificate_alerts(uow) == []  # 35 days left: beyond the 30-day warning
    assert _certificates_check(uow, settings, T0) == (True, "1 valid")

    soon = T0 + timedelta(days=15)
    evaluate(uow, settings, lambda: soon)
    evaluate(uow, settings, lambda: soon + timedelta(hours=1))  # still expiring: no second alert
    assert [(s, state) for s, state, _ in _certificate_alerts(uow)] == [(label, "opened")]
    report = collect(uow, settings, lambda: soon)
    (finding,) = [f for f in findings(report) if f.subject == label]
    assert finding.kind == "certificate_expiring" and "in 25 day(s)" in finding.message
    ok, detail = _certificates_check(uow, settings, soon)
    assert ok and "expires" in detail  # ready, and said

    late = T0 + timedelta(days=41)
    ok, detail = _certificates_check(uow, settings, late)
    assert not ok and "expired" in detail and "the court may refuse what this key signs" in detail
    assert findings(collect(uow, settings, lambda: late))[-1].kind == "certificate_expired"

    (ring / "seal.crt").unlink()  # renewed: a new certificate for the same key, valid a year
    (ring / "seal.key").unlink()
    make_wsse_files(ring, "seal", "CN=centre seal,C=CN", now=late, algorithm="EC", days=365)
    evaluate(uow, settings, lambda: late)
    alerts = _certificate_alerts(uow)
    assert [(s, state) for s, state, _ in alerts] == [(label, "opened"), (label, "closed")]
    assert alerts[0][2].startswith(f"certificate {label}: expires soon")
    assert not [f for f in findings(collect(uow, settings, lambda: late)) if f.subject == label]


def test_keys_cert_and_csr_as_an_operator_runs_them(tmp_path: Path) -> None:
    ring = str(tmp_path / "ring")
    assert docking("keys", "generate", "--dir", ring, "--key-id", "seal-1", "--algorithm", "SM2").returncode == 0
    made = docking("keys", "cert", "--dir", ring, "--cn", "调解中心电子印章", "--org", "调解中心", "--days", "30")
    assert made.returncode == 0, made.stderr
    assert "seal-1.crt: self-signed certificate for seal-1 (SM2), valid until" in made.stdout.replace("\n", "")
    requested = docking("keys", "csr", "--dir", ring, "--cn", "调解中心电子印章", "--uscc", "91350100M000100Y43")
    assert requested.returncode == 0 and "signing request for seal-1 (SM2)" in requested.stdout.replace("\n", "")
    bad = docking("keys", "cert", "--dir", ring, "--cn", "seal", "--country", "CHN", "--out", str(tmp_path / "x"))
    assert bad.returncode == 2 and "--country 'CHN' must be two letters" in bad.stderr
    again = docking("keys", "cert", "--dir", ring, "--cn", "seal")
    assert again.returncode == 2 and "seal-1.crt already exists" in again.stderr


def test_a_retired_or_revoked_keys_expired_certificate_is_listed_but_never_alerts(
    uow: UnitOfWork, settings: Settings
) -> None:
    ring = settings.platforms[PLATFORM].signing.keyring
    assert ring is not None
    manifest = json.loads((ring / "keyring.json").read_text(encoding="utf-8"))
    for key_id, state in (("old", "retired"), ("gone", "revoked")):  # kept after rotation, certificate and all
        manifest["keys"].append({"key_id": key_id, "algorithm": "EC", "state": state, "created_at": T0.isoformat()})
        make_wsse_files(ring, key_id, f"CN={key_id},C=CN", now=T0, algorithm="EC", days=1)
    (ring / "keyring.json").write_text(json.dumps(manifest), encoding="utf-8")
    late = T0 + timedelta(days=5)
    assert _certificates_check(uow, settings, late) == (True, "none in use")
    report = collect(uow, settings, lambda: late)
    listed = {c.label: (c.state, c.in_use) for c in report.certificates}
    assert listed[f"{PLATFORM}:old.crt"] == ("expired", False) and listed[f"{PLATFORM}:gone.crt"] == ("expired", False)
    assert not [f for f in findings(report) if f.kind.startswith("certificate_")]
    assert evaluate(uow, settings, lambda: late) == 0 and _certificate_alerts(uow) == []


def test_an_expired_intermediate_of_the_seal_chain_makes_it_not_ready(
    uow: UnitOfWork, settings: Settings, tmp_path: Path
) -> None:
    leaf = make_wsse_files(tmp_path, "leaf", "CN=centre seal,C=CN", now=T0, algorithm="EC", days=365)
    make_wsse_files(tmp_path, "ca", "CN=seal intermediate CA,C=CN", now=T0, algorithm="EC", days=2)
    chain = tmp_path / "chain.pem"
    chain.write_bytes((tmp_path / "leaf.crt").read_bytes() + (tmp_path / "ca.crt").read_bytes())
    sealed = settings.model_copy(
        update={"seal": SealSettings(enabled=True, key_file=tmp_path / "leaf.key", certificate_chain=chain)}
    )
    assert leaf is not None
    late = T0 + timedelta(days=5)
    ok, detail = _certificates_check(uow, sealed, late)
    assert not ok and "seal:chain[1]: CN=seal intermediate CA,C=CN expired" in detail and "sealing refuses" in detail
    assert "seal:" not in detail.split("seal:chain[1]")[0]  # the seal's own certificate is still valid
    assert [f.subject for f in findings(collect(uow, sealed, lambda: late)) if f.kind == "certificate_expired"] == [
        "seal:chain[1]"
    ]
    off = settings.model_copy(update={"seal": SealSettings(enabled=False, certificate_chain=chain)})
    assert not [c for c in collect(uow, off, lambda: late).certificates if c.label.startswith("seal")]


def test_an_expired_wsse_certificate_says_the_court_refuses_not_sealing(
    uow: UnitOfWork, settings: Settings, tmp_path: Path
) -> None:
    from adapter.keys.certificate_watch import status_of

    make_wsse_files(tmp_path, "wsse", "CN=centre,C=CN", now=T0, algorithm="RSA", days=1)
    status = status_of(f"{PLATFORM}:wsse", tmp_path / "wsse.crt", T0 + timedelta(days=5), timedelta(days=30))
    assert status.state == "expired" and "sealing" not in status.detail
    assert "the court refuses our WS-Security signed requests" in status.detail
