"""Personal data at rest: no ID or phone number in clear anywhere in the database, and data keys rotate."""

import json
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import LargeBinary, Text, select, type_coerce
from sqlmodel import select as orm_select

from adapter.config.settings import Settings
from adapter.persistence.tables import CaseRow, DocumentRow, OutboxRow, QuarantineRow
from scheduler import Runtime, build_runtime
from schemas.case import CaseDispatch
from schemas.enums import Flow
from tests.support import samples
from tests.support.cli import docking
from tests.support.court import Court
from tests.support.runtime import DOCUMENT, agreement, case_for, parties, pump

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _populate(runtime: Runtime, court: Court) -> None:
    """Every place personal data lands: court dispatches, a quarantined item with a clear ID in its raw bytes,
    an agreement document, and a flow-C JC application whose outbound envelope carries the parties."""
    court.core.dispatch(3, "01")
    item = court.core._feeds["dispatches"][-1]
    doc = json.loads(item.body)
    doc["ajxx"]["dsr"][0]["zjhm"] = doc["ajxx"]["dsr"][0]["zjhm"][:-1] + "0"  # quarantined: wrong check char
    doc["xxbh"] = "PQ-bad"
    body = json.dumps(doc, ensure_ascii=False)
    court.core.inject("dispatches", body, court.core.sign_item(body, "PQ-bad"))
    pump(runtime, 1)
    dispatch = samples.dispatch()
    flow_c = CaseDispatch.model_validate(
        {**dispatch.model_dump(), "flow": Flow.SELF_RECEIVED, "case_number": None, "platform_case_id": "ZS-1"}
    )
    s = runtime.services
    case_id = s.register_self_received(flow_c)
    s.accept(case_id)
    s.assign_mediator(case_id, "陈调解员")
    s.hold_session(case_id, "第一次调解")
    document = DOCUMENT + dispatch.parties[0].id_number.encode()  # agreements name the parties
    s.submit_agreement(case_id, agreement(document), document)
    s.apply_jc(case_id, *parties(runtime, case_id), platform="court")
    assert case_for(runtime, "ZS-1").status == "JC_APPLIED"


def _personal_data(runtime: Runtime) -> set[str]:
    """Every ID and phone number the adapter holds, read back (opened) through the ORM."""
    found: set[str] = set()
    with runtime.uow.begin() as session:
        for case in session.exec(orm_select(CaseRow)).all():
            for party in CaseDispatch.model_validate_json(case.dispatch_json).parties:
                found |= {party.id_number} | ({party.phone} if party.phone else set())
        raws = [q.raw for q in session.exec(orm_select(QuarantineRow)).all()]
    for raw in raws:
        found |= set(re.findall(r"\d{17}[\dX]", raw.decode()))
    return found


def _stored(runtime: Runtime) -> bytes:
    """Every sealed column exactly as stored (the column types bypassed), as one byte string."""
    chunks: list[bytes] = []
    with runtime.uow.engine.connect() as conn:
        for column in (CaseRow.dispatch_json, CaseRow.agreement_json, OutboxRow.envelope_json):
            chunks += [(v or "").encode() for v in conn.execute(select(type_coerce(column, Text))).scalars()]
        for column in (QuarantineRow.raw, DocumentRow.content):
            chunks += [bytes(v) for v in conn.execute(select(type_coerce(column, LargeBinary))).scalars()]
    return b"\n".join(chunks)


@pytest.mark.parametrize("sealed", [True, False], ids=["sealed", "clear-control"])
def test_no_id_or_phone_number_is_stored_in_clear(
    runtime: Runtime, court: Court, settings: Settings, backend: str, sealed: bool, tmp_path: Path
) -> None:
    if not sealed:  # the control: the same scan does find them when no key is configured
        runtime = build_runtime(settings.model_copy(update={"encryption": None}))
    _populate(runtime, court)
    personal = _personal_data(runtime)
    assert len(personal) >= 6, personal
    stored = _stored(runtime)
    files = b""
    if backend == "sqlite":
        database = Path(settings.database_url.removeprefix("sqlite:///"))
        files = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
    for value in personal:
        if sealed:
            assert value.encode() not in stored, "a personal number is stored in clear"
            assert value.encode() not in files, "a personal number is in the database file"
        else:
            assert value.encode() in stored
    assert (b"enc:1:it:" in stored) is sealed


def test_rotation_reseals_everything_and_the_old_key_can_go(
    runtime: Runtime, court: Court, settings: Settings, tmp_path: Path
) -> None:
    """A new SM4 key made active; `docking keys rotate-data` rewrites every row; a second pass has nothing to do;
    with the old key removed every case still opens and `cases show` stays masked."""
    _populate(runtime, court)
    personal = _personal_data(runtime)
    new_key = tmp_path / "pii-2027.key"
    made = docking("keys", "data-key", "--key-id", "pii-2027", "--algorithm", "sm4-gcm", "--out", str(new_key))
    assert made.returncode == 0 and "[encryption.keys.pii-2027]" in made.stdout, made.stderr
    assert os.stat(new_key).st_mode & 0o077 == 0, "a data key file is readable by its owner only"
    again = docking("keys", "data-key", "--key-id", "pii-2027", "--out", str(new_key))
    assert again.returncode == 2 and "already exists" in again.stderr
    assert settings.encryption is not None
    old = settings.encryption.keys["it"]
    assert old.key is not None
    base = f'database_url = "{settings.database_url}"\n'
    both = tmp_path / "both.toml"
    both.write_text(
        base + '[encryption]\nactive = "pii-2027"\n'
        f'[encryption.keys.it]\nalgorithm = "{old.algorithm}"\nkey = "{old.key.get_secret_value()}"\n'
        f'[encryption.keys.pii-2027]\nalgorithm = "sm4-gcm"\nkey_file = "{new_key}"\n'
    )
    first = docking("keys", "rotate-data", "--config", str(both), "--format", "json")
    assert first.returncode == 0, first.stderr
    rewritten = {r["table"]: r["rewritten"] for r in json.loads(first.stdout)}
    assert rewritten["cases"] >= 4 and rewritten["quarantine"] == 1 and rewritten["documents"] >= 1
    assert rewritten["outbox"] >= 1
    second = docking("keys", "rotate-data", "--config", str(both), "--format", "json")
    assert all(r["rewritten"] == 0 for r in json.loads(second.stdout)), second.stdout
    only_new = tmp_path / "new.toml"
    only_new.write_text(
        base + f'[encryption]\nactive = "pii-2027"\n[encryption.keys.pii-2027]\nalgorithm = "sm4-gcm"\n'
        f'key_file = "{new_key}"\n'
    )
    rotated = build_runtime(Settings(database_url=settings.database_url, encryption=_load(only_new).encryption))
    assert _personal_data(rotated) == personal
    stored = _stored(rotated)
    assert b"enc:1:it:" not in stored and b"enc:1:pii-2027:" in stored
    case_id = case_for(rotated, "ZS-1").id
    shown = docking("cases", "show", case_id, "--config", str(only_new), "--format", "json")
    assert shown.returncode == 0, shown.stderr
    assert not any(value in shown.stdout for value in personal) and "****" in shown.stdout
    without = tmp_path / "none.toml"
    without.write_text(base)
    refused = docking("cases", "show", case_id, "--config", str(without))
    assert refused.returncode != 0 and "no [encryption] keys" in refused.stderr and "Traceback" not in refused.stderr


def _load(path: Path) -> Settings:
    from adapter.config.settings import load_settings

    return load_settings(path)
