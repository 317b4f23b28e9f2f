"""Partner roles (api/clients.py): `partner:<partner>` names a configured docking partner — refused otherwise, the
error naming the API client, the partner, the configured ones and what to do — as court and desk roles name
configured platforms and desks; `docking clients add` checks it against the configuration (partners.md §6)."""

import json
from pathlib import Path

import pytest

from adapter.errors import InvalidRequest
from api.clients import Role
from tests.support.cli import docking

COURTS, DESKS, PARTNERS = frozenset({"gz"}), frozenset({"card-centre"}), frozenset({"traffic-gd", "arb-gz"})


def test_a_configured_partner_role_parses_and_prints_back() -> None:
    role = Role.parse("partner:arb-gz", COURTS, DESKS, PARTNERS, client="gz-arb")
    assert role == Role("partner", "arb-gz") and str(role) == "partner:arb-gz"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("partner:nobody", "unknown_partner"),  # no such partner
        ("partner:gz", "unknown_partner"),  # a court platform is not a partner
        ("partner:card-centre", "unknown_partner"),  # nor is a desk
        ("court:traffic-gd", "unknown_court"),  # a partner is not a court
        ("desk:arb-gz", "unknown_desk"),  # nor a desk
    ],
)
def test_a_role_naming_an_unconfigured_counterpart_is_refused_naming_client_and_counterpart(
    text: str, rule: str
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        Role.parse(text, COURTS, DESKS, PARTNERS, client="their-key")
    message, named = str(refused.value), text.partition(":")[2]
    assert (refused.value.field, refused.value.rule) == ("role", rule)
    assert "API client 'their-key'" in message and repr(named) in message and "not configured" in message
    assert "add [" in message  # what to do


def test_no_partners_configured_refuses_every_partner_role() -> None:
    with pytest.raises(InvalidRequest, match=r"partner 'x', which is not configured \(none\)"):
        Role.parse("partner:x", COURTS, DESKS, frozenset())


def test_clients_add_refuses_a_partner_that_is_not_configured(tmp_path: Path) -> None:
    config = tmp_path / "docking.toml"
    config.write_text(f'database_url = "sqlite:///{tmp_path / "d.db"}"\n', encoding="utf-8")
    assert docking("db", "upgrade", "--config", str(config)).returncode == 0
    refused = docking("clients", "add", "ghost", "--role", "partner:ghost", "--config", str(config))
    said = " ".join(refused.stderr.split())
    assert refused.returncode == 2 and "Traceback" not in said, said
    assert "API client 'ghost'" in said and "partner 'ghost'" in said and "[partners.ghost]" in said, said
    listed = docking("clients", "list", "--format", "json", "--config", str(config))
    assert listed.returncode == 0 and json.loads(listed.stdout) == []  # nothing written
