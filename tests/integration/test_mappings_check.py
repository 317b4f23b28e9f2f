"""`docking mappings check`: the sandbox court publishes its code lists; drift is reported and sets the exit code."""

import json
from pathlib import Path

import pytest

from adapter.mapping_check import drift
from mappings import odr_rest
from tests.support.cli import docking
from tests.support.court import COURT_KID, Court

pytestmark = pytest.mark.integration


@pytest.fixture(params=["rest", "soap"])
def transport(request: pytest.FixtureRequest) -> str:
    """The REST court publishes its code lists over GET /api/v1/codes, the SOAP court by FetchCodeLists."""
    return str(request.param)


def _config(tmp_path: Path, court: Court) -> Path:
    platform = court.pairing.platform(court.server)
    assert court.signing.keyring is not None
    config = tmp_path / "docking.toml"
    text = (
        f'database_url = "sqlite:///{tmp_path / "a.db"}"\n'
        f'[platforms.court]\ntransport = "{platform.transport}"\nbase_url = "{platform.base_url}"\n'
        f'[platforms.court.signing]\nkeyring = "{court.signing.keyring}"\n'
        f'court_keys = {{ "{COURT_KID}" = "{court.signing.court_keys[COURT_KID]}" }}\n'
    )
    if platform.wsse is not None:
        certificates = ", ".join(f'"{c}"' for c in platform.wsse.court_certificates)
        text += (
            f'[platforms.court.wsse]\nkey = "{platform.wsse.key}"\ncertificate = "{platform.wsse.certificate}"\n'
            f"court_certificates = [{certificates}]\n"
        )
    config.write_text(text)
    return config


def test_a_court_publishing_our_codes_is_in_step(tmp_path: Path, court: Court) -> None:
    result = docking("mappings", "check", "--platform", "court", "-c", str(_config(tmp_path, court)))
    assert result.returncode == 0 and "in step" in result.stdout, result.stderr


def test_codes_the_court_has_and_we_lack_are_reported_and_fail_the_check(tmp_path: Path, court: Court) -> None:
    """This court has started using a ninth outcome code and a new table, which we do not know yet."""
    court.core.config.extra_codes = {"outcome": ("9",), "notice": ("TZ",)}
    config = _config(tmp_path, court)
    result = docking("mappings", "check", "--platform", "court", "-c", str(config), "--format", "json")
    assert result.returncode == 1, result.stderr
    rows = json.loads(result.stdout)
    assert {"table": "outcome", "code": "9", "kind": "missing"} in rows
    assert {"table": "notice", "code": "", "kind": "table_missing"} in rows


def test_an_unknown_platform_is_refused_clearly(tmp_path: Path, court: Court) -> None:
    result = docking("mappings", "check", "--platform", "nowhere", "-c", str(_config(tmp_path, court)))
    assert result.returncode == 2 and "no platform 'nowhere'" in result.stderr and "Traceback" not in result.stderr


def test_codes_we_have_that_the_court_dropped_are_extra() -> None:
    ours = odr_rest.tables("court")
    published = {name: list(codes) for name, codes in ours.tables.items()}
    published["outcome"].remove("8")
    del published["jc_result"]
    found = [(d.table, d.code, d.kind) for d in drift(ours, published)]
    assert found == [("jc_result", "", "table_extra"), ("outcome", "8", "extra")]
