"""A case's evidence bundle from a real run (SQLite, the REST sandbox court on loopback): exported by the command,
verified offline by `docking evidence verify` and by the manual procedure (sha256sum, openssl); tampered copies
refused naming the file; exported on PostgreSQL too."""

import json
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapter.audit.settings import AuditSettings
from adapter.config.settings import EncryptionSettings, Settings
from adapter.evidence import archive, bundle
from adapter.keys.keyring import Keyring
from sandbox.push import PushCourt
from scheduler import Runtime, build_runtime
from tests.support.cli import docking, run_toml, write_config
from tests.support.court import PLATFORM, Court
from tests.support.evidence import MANUAL, rewrite
from tests.support.runtime import agreed_case, case_for

pytestmark = pytest.mark.integration


@pytest.fixture(params=["EdDSA", "ES256"])
def audit_algorithm(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def mode() -> str:
    """How the court's messages reach us: polled, or pushed to our intake (sandbox/push.py)."""
    return "poll"


@pytest.fixture
def settings(database_url: str, court: Court, encryption: EncryptionSettings, tmp_path: Path,
             audit_algorithm: str, mode: str) -> Settings:  # fmt: skip
    ring = Keyring.open(tmp_path / "audit-keys", create=True)
    ring.generate("audit-1", audit_algorithm, datetime.now(UTC))
    ring.save()
    return Settings(
        database_url=database_url,
        encryption=encryption,
        platforms={PLATFORM: court.pairing.platform(court.server, timeout_seconds=5, mode=mode)},
        audit=AuditSettings(keyring=tmp_path / "audit-keys"),
    )


@pytest.fixture
def runtime(settings: Settings) -> Runtime:
    return build_runtime(settings)


def _config(settings: Settings, tmp_path: Path) -> Path:
    path = write_config(settings, tmp_path)
    platform = run_toml(settings).split("[platforms.court]\n", 1)[1]
    path.write_text(path.read_text() + f'[audit]\nkeyring = "{settings.audit.keyring}"\n[platforms.court]\n{platform}')
    return path


def _failed(checks: bundle.check.Checks) -> list[tuple[str, str]]:
    return [(c.check, c.file) for c in checks if c.result == "fail"]


@pytest.fixture
def exported(runtime: Runtime, court: Court, settings: Settings, tmp_path: Path) -> Path:
    case_id = agreed_case(runtime, court)
    out = tmp_path / "bundle.tar"
    shown = docking("evidence", "export", case_id, "--out", str(out), "-c", str(_config(settings, tmp_path)),
                    check=True)  # fmt: skip
    assert f"case {case_id}" in shown.stdout and out.exists()
    return out


def test_a_court_run_bundle_verifies_by_command_and_by_hand(exported: Path, tmp_path: Path) -> None:
    result = docking("evidence", "verify", str(exported), "--format", "json", check=True)
    checks = json.loads(result.stdout)
    assert all(c["result"] in ("pass", "skip") for c in checks), [c for c in checks if c["result"] == "fail"]
    passed = {(c["check"], c["file"].split("/")[0]) for c in checks if c["result"] == "pass"}
    for needed in [
        ("signature", "messages"),
        ("describes", "messages"),
        ("describes", "history.json"),
        ("proof", "audit"),
        ("checkpoint", "audit"),
        ("entry", "audit"),
        ("digest", "documents"),
    ]:
        assert needed in passed, needed  # fmt: skip
    signed = [c["file"] for c in checks if c["check"] == "signature" and c["result"] == "pass"]
    assert any("-in-" in f for f in signed) and any("-out-" in f for f in signed), signed
    keys = [c["reason"] for c in checks if c["check"] == "signature"]
    assert any(r.startswith("court key") for r in keys) and any(r.startswith("centre key") for r in keys)
    table = docking("evidence", "verify", str(exported), check=True).stdout
    assert "evidence bundle OK" in table
    jwks = json.loads(archive.read(exported)["keys/jwks.json"])["keys"]
    assert {k["role"] for k in jwks} == {"court", "centre", "audit"} and all(k["kid"] and k["kty"] for k in jwks)
    pem = next(p for p in archive.read(exported) if p.startswith("keys/audit-"))
    key = tmp_path / "audit.pem"
    key.write_bytes(archive.read(exported)[pem])
    only_audit = bundle.verify(exported, [key.read_bytes()])  # the court trusts one key: the rest are refused
    assert {check for check, _ in _failed(only_audit)} == {"keys", "signature"}
    folder = tmp_path / "by-hand"
    folder.mkdir()
    with tarfile.open(exported) as tar:
        tar.extractall(folder, filter="data")
    manual = subprocess.run(["bash", "-c", MANUAL], cwd=folder, capture_output=True, text=True, timeout=60)
    assert manual.returncode == 0, manual.stderr
    assert "Verified" in manual.stdout + manual.stderr  # openssl says so for each checkpoint
    message = next(folder.glob("messages/*-out-*.body"))
    message.write_bytes(message.read_bytes() + b" ")
    refused = subprocess.run(["bash", "-c", MANUAL], cwd=folder, capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and message.name in refused.stdout + refused.stderr


def _one(members: dict[str, bytes], pattern: str) -> str:
    return next(p for p in sorted(members) if pattern in p)


@pytest.mark.parametrize("audit_algorithm", ["EdDSA"])
def test_tampered_bundles_are_refused_naming_the_file(exported: Path, tmp_path: Path) -> None:
    members = archive.read(exported)
    inbound, outbound = _one(members, "-in-"), _one(members, "-out-")
    inbound = inbound.rsplit(".", 2)[0] + ".body" if not inbound.endswith(".body") else inbound
    outbound = outbound.rsplit(".", 2)[0] + ".body" if not outbound.endswith(".body") else outbound
    proof, document = _one(members, "audit/proofs/"), _one(members, "documents/")
    history = json.loads(members["history.json"])
    inserted = json.dumps([*history, {**history[-1], "event": "close", "detail": "closed"}]).encode()
    history[0]["detail"] = history[0]["detail"] + " (edited)"
    cases = {  # what was done, redigested like a forger would?  → the failures, by check and file
        "altered inbound message": ({inbound: members[inbound].replace(b"0", b"1", 1)}, False,
                                    {("digest", inbound)}),
        "altered outbound message, manifest redone": ({outbound: members[outbound] + b" "}, True,
                                                      {("signature", outbound), ("describes", outbound)}),
        "removed message": ({inbound: None}, False, {("digest", inbound)}),
        "altered history, manifest redone": ({"history.json": json.dumps(history).encode()}, True,
                                             {("describes", "history.json")}),
        "removed proof": ({proof: None}, True, {("proof", proof)}),
        "inserted history row, manifest redone": ({"history.json": inserted}, True, {("describes", "history.json")}),
        "altered document, manifest redone": ({document: members[document] + b"%"}, True, {("describes", document)}),
    }  # fmt: skip
    for name, (change, redigest, expected) in cases.items():
        copy = rewrite(exported, tmp_path / f"{name}.tar", change, redigest=redigest)
        failed = set(_failed(bundle.verify(copy, [])))
        assert expected <= failed and {file for _, file in failed} == {file for _, file in expected}, (name, failed)
    shown = docking("evidence", "verify", str(tmp_path / "altered inbound message.tar"))
    assert shown.returncode == 1 and "REFUSED" in shown.stdout and inbound in shown.stdout


@pytest.mark.parametrize(
    ("backend", "profile", "algorithm", "audit_algorithm", "signatures"),
    [
        ("postgres", "jws-detached", "EdDSA", "ES256", "pass"),  # exported from PostgreSQL
        ("sqlite", "sm2-sm3", "SM2", "SM2", "pass"),  # 国密: SM2 messages and an SM2-signed checkpoint
        ("sqlite", "hmac-appkey", "EdDSA", "EdDSA", "skip"),  # a shared secret: said, not failed
    ],
)
def test_export_across_databases_and_profiles(
    runtime: Runtime, court: Court, settings: Settings, tmp_path: Path, signatures: str
) -> None:
    case_id = agreed_case(runtime, court)
    done = bundle.export(settings, runtime.uow, case_id, tmp_path / "b.tar", datetime.now(UTC))
    assert done.messages >= 3 and done.entries >= 5
    checks = bundle.verify(done.path, [])
    assert checks.ok, _failed(checks)
    assert {c.result for c in checks if c.check == "signature"} == {signatures}
    assert {c.result for c in checks if c.check in ("proof", "checkpoint")} == {"pass"}


@pytest.mark.parametrize(("mode", "audit_algorithm"), [("push", "EdDSA")])
def test_a_pushing_court_bundle_holds_its_pushed_messages_and_receipts(
    runtime: Runtime, court: Court, settings: Settings, api_base: str, api_keys: dict[str, str], tmp_path: Path
) -> None:
    pusher = PushCourt(court.core, api_base, api_keys["court:court"], platform=PLATFORM)
    (ajbs,) = court.core.dispatch(1, "01")
    assert pusher.push_once() == 1
    case_id = case_for(runtime, ajbs).id
    runtime.services.accept(case_id)
    for _ in range(2):
        runtime.deliver()
        pusher.push_once()  # the court's receipts of what it applied
    done = bundle.export(settings, runtime.uow, case_id, tmp_path / "push.tar", datetime.now(UTC))
    checks = bundle.verify(done.path, [])
    assert checks.ok, _failed(checks)
    members = archive.read(done.path)
    pushed = next(p for p in members if p.endswith(".headers.json"))
    assert "authorization" not in members[pushed].decode().lower()  # the court's API key is not evidence
    kinds = [e["kind"] for e in json.loads(members["audit/entries.json"])]
    assert "op.court-receipt" in kinds and "outbound.delivered" in kinds, kinds
    signed = [c.file for c in checks if c.check == "signature" and c.result == "pass"]
    assert any("-in-" in f for f in signed) and any("-out-" in f for f in signed), signed


@pytest.mark.parametrize("audit_algorithm", ["EdDSA"])
def test_bad_requests_are_clear_errors_and_write_nothing(
    runtime: Runtime, court: Court, settings: Settings, tmp_path: Path
) -> None:
    config = _config(settings, tmp_path)
    unknown = docking("evidence", "export", "no-such-case", "-c", str(config))
    assert unknown.returncode == 2 and "no case 'no-such-case'" in unknown.stderr
    nowhere = docking("evidence", "export", "x", "--out", str(tmp_path / "missing" / "b.tar"), "-c", str(config))
    assert nowhere.returncode == 2 and "--out" in nowhere.stderr
    case_id = agreed_case(runtime, court)  # its entries are in no checkpoint yet, and no audit key is configured
    unkeyed = config.read_text().replace(f'[audit]\nkeyring = "{settings.audit.keyring}"\n', "")
    config.write_text(unkeyed)
    out = tmp_path / "b.tar"
    refused = docking("evidence", "export", case_id, "--out", str(out), "-c", str(config))
    assert refused.returncode == 78 and "[audit] keyring" in refused.stderr and "Traceback" not in refused.stderr
    assert not out.exists() and not list(tmp_path.glob("*.partial"))
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar")
    bad = docking("evidence", "verify", str(junk))
    assert bad.returncode == 2 and "not a readable tar archive" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize(("transport", "audit_algorithm"), [("soap", "EdDSA")])
def test_a_soap_court_run_bundle_checks_our_ws_security_signatures(
    runtime: Runtime, court: Court, settings: Settings, tmp_path: Path
) -> None:
    case_id = agreed_case(runtime, court)
    done = bundle.export(settings, runtime.uow, case_id, tmp_path / "soap.tar", datetime.now(UTC))
    checks = bundle.verify(done.path, [])
    assert checks.ok, _failed(checks)
    signed = {c.file: c.reason for c in checks if c.check == "signature" and c.result == "pass"}
    outbound = sorted(f for f in signed if "-out-" in f)
    assert outbound and all(signed[f] == "centre WS-Security certificate" for f in outbound), signed
    members = archive.read(done.path)
    ajbs = json.loads(members["case.json"])["platform_case_id"].encode()
    assert ajbs in members[outbound[0]]  # inside the signed Body: the case is named in the payload
    other = members[outbound[0]].replace(ajbs, ajbs[:-1] + (b"0" if ajbs[-1:] != b"0" else b"1"))
    forged = rewrite(done.path, tmp_path / "forged.tar", {outbound[0]: other}, redigest=True)
    failed = _failed(bundle.verify(forged, []))
    assert ("signature", outbound[0]) in failed and ("describes", outbound[0]) in failed, failed
