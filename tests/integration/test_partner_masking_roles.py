"""Who sees a partner record's personal numbers in clear: no one — the rule the case API follows for parties
(api/centre_reads.py, api/complaint_view.py: masked whatever the role; no role or scope may see personal data in
clear) applied to partner records. Table-driven over role × surface × field, on a real traffic record (the kind's
own inbound handling of an offer, a payee account on its claim) behind the real API, console and CLI: each role that
may read a surface gets the ID number, phone and account number masked (first 6 + last 4 / first 3 + last 4 / last
4) and the names in clear (as a case's parties); each role that may not gets a refusal holding none of them."""

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from typer.testing import CliRunner

from adapter.config.settings import DataKeySettings, EncryptionSettings
from adapter.partners import inbound
from adapter.partners.traffic.rules import TrafficRules
from adapter.persistence import partner_store as store
from adapter.persistence.vault import new_key
from cli.main import app
from schemas.clock import utc_now
from schemas.partner import PartnerEnvelope, PartnerKind
from tests.support.partner_api import PartnerServed, partner_api
from tests.support.partner_world import PARTNER
from tests.support.traffic_samples import CLAIMANT_ID, certificate_data, offer_data

pytestmark = pytest.mark.integration

PHONE, ACCOUNT, NAME = "13912345678", "6222021234567890123", "王五"
# field → (clear value, its masked form as every surface shows it)
FIELDS = {
    "id_number": (CLAIMANT_ID, CLAIMANT_ID[:6] + "********" + CLAIMANT_ID[-4:]),
    "phone": (PHONE, PHONE[:3] + "****" + PHONE[-4:]),
    "account": (ACCOUNT, "*" * (len(ACCOUNT) - 4) + ACCOUNT[-4:]),
}
KEY = base64.b64encode(new_key("it", "aes-256-gcm").key).decode()


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PartnerServed, str, Path]]:
    """One traffic record (the real kind) opened by an offer whose parties carry IDs and phones, then given an
    insurer claim's payee account; the API served on it and a CLI configuration for the same database."""
    tmp = tmp_path_factory.mktemp("masking-roles")
    sealed = EncryptionSettings(active="it", keys={"it": DataKeySettings(key=KEY)})
    db = tmp / "adapter.db"
    with partner_api(f"sqlite:///{db}", sealed, tmp) as api:
        parties = [{**p, "phone": PHONE} for p in offer_data()["parties"]]
        # The certificate number is the record's subject (a list column): a partner's text, which may hold a number
        certificate = certificate_data(cert_no=f"粤公交认字〔2026〕第{ACCOUNT}号")
        body = offer_data(parties=parties, source=f"交警 {PHONE}", accident=certificate)
        offer = PartnerEnvelope(message_id="OFFER-1", kind=PartnerKind.TRAFFIC, partner=PARTNER,
                                type="traffic.case_offered", sent_at=utc_now(), body=body)  # fmt: skip
        assert inbound.receive(api.runtime.uow, PARTNER, offer, b"{}", clock=utc_now, rules=TrafficRules(),
                               kind="traffic") == inbound.APPLIED  # fmt: skip
        with api.runtime.uow.begin() as session:
            (row,) = session.exec(store.select(store.PartnerRecordRow)).all()
            facts = {**json.loads(row.facts_json), "payee": {"name": NAME, "bank": "某银行", "account": ACCOUNT}}
            store.update(session, row, at=utc_now(), facts_json=store.facts_text(facts))
            record_id = row.record_id
        config = tmp / "docking.toml"
        config.write_text(
            f'database_url = "sqlite:///{db}"\n[encryption]\nactive = "it"\n[encryption.keys.it]\nkey = "{KEY}"\n'
        )
        yield api, record_id, config


def _api(api: PartnerServed, role: str, path: str) -> tuple[int, str]:
    answer = api.as_role(role).session.get(f"{api.base}{path}", timeout=30)
    return answer.status_code, answer.text


def _console(api: PartnerServed, role: str, path: str) -> tuple[int, str]:
    browser = requests.Session()
    form = browser.get(f"{api.base}/console/login", timeout=30)
    token = re.search(r'name="token" value="([^"]+)"', form.text)
    assert token is not None, form.text
    login = browser.post(f"{api.base}/console/login", data={"key": api.keys[role], "token": token.group(1)},
                         timeout=30, allow_redirects=False)  # fmt: skip
    if login.status_code != 303:
        return login.status_code, login.text
    page = browser.get(f"{api.base}{path}", timeout=30)
    return page.status_code, page.text


def _cli(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--config", str(config)])
    return (200 if result.exit_code == 0 else 500), result.output


SURFACES = {  # surface → (how it is read, whether it shows the facts, the roles that may read it)
    "api record": (lambda api, role, rid, cfg: _api(api, role, f"/api/centre/v1/partners/records/{rid}"), True,
                   {"centre", "admin"}),
    "api list": (lambda api, role, rid, cfg: _api(api, role, "/api/centre/v1/partners/records"), False,
                 {"centre", "admin"}),
    "console record": (lambda api, role, rid, cfg: _console(api, role, f"/console/partners/{rid}"), True,
                       {"ops", "admin"}),
    "console list": (lambda api, role, rid, cfg: _console(api, role, "/console/partners"), False, {"ops", "admin"}),
    "cli show": (lambda api, role, rid, cfg: _cli(cfg, "partners", "show", rid, "--format", "json"), True,
                 {"operator"}),
    "cli show table": (lambda api, role, rid, cfg: _cli(cfg, "partners", "show", rid), True, {"operator"}),
    "cli export csv": (lambda api, role, rid, cfg: _cli(cfg, "partners", "list", "--format", "csv"), False,
                       {"operator"}),
}  # fmt: skip
ROLES = ("centre", "ops", "admin", f"partner:{PARTNER}", "partner:other-partner")
CASES = [
    (surface, role, field)
    for surface, (_, _, allowed) in SURFACES.items()
    for role in (allowed if "operator" in allowed else ROLES)
    for field in FIELDS
]


@pytest.mark.parametrize(("surface", "role", "field"), CASES)
def test_no_role_sees_a_partner_records_personal_numbers_in_clear(
    record: tuple[PartnerServed, str, Path], surface: str, role: str, field: str
) -> None:
    api, record_id, config = record
    read, shows_facts, allowed = SURFACES[surface]
    status, body = read(api, role, record_id, config)
    clear, masked = FIELDS[field]
    flat = " ".join(body.split())  # a table wraps long values
    assert clear not in body and clear not in flat.replace(" ", ""), (surface, role, field)
    if role not in allowed and "operator" not in allowed:
        assert status in (401, 403), (surface, role, status)  # refused: nothing of the record
        assert masked not in body and NAME not in body
        return
    assert status == 200 and record_id in body, (surface, role, status, body[:300])
    if shows_facts and "table" not in surface:
        assert masked in body, (surface, role, field)
        assert NAME in body  # names are shown, as a case's parties' are
