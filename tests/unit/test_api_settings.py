"""The `[api]` settings of `docking serve`: defaults, paths relative to the file, pairs that go together, and
unknown keys refused as everywhere else."""

import os
from pathlib import Path

import pytest

from adapter.config.settings import load_settings
from adapter.errors import ConfigError


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("DOCKING_"):
            monkeypatch.delenv(name)


def _load(tmp_path: Path, text: str) -> object:
    path = tmp_path / "conf" / "docking.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return load_settings(path)


def test_the_api_listens_on_loopback_by_default(tmp_path: Path) -> None:
    api = load_settings(None).api
    assert (api.host, api.port, api.tls_certificate, api.max_body_bytes) == ("127.0.0.1", 8750, None, 8 * 1024 * 1024)


def test_tls_files_are_relative_to_the_config_file(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        '[api]\nhost = "0.0.0.0"\nport = 8443\ntls_certificate = "tls/api.pem"\ntls_key = "tls/api.key"\n'
        'tls_client_ca = "tls/ca.pem"\nmax_body_bytes = 2048\nrequest_timeout_seconds = 5\n',
    )
    api = settings.api  # type: ignore[attr-defined]
    assert api.tls_certificate == tmp_path / "conf" / "tls" / "api.pem"
    assert api.tls_client_ca == tmp_path / "conf" / "tls" / "ca.pem"
    assert (api.port, api.max_body_bytes, api.request_timeout_seconds) == (8443, 2048, 5.0)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('[api]\ntls_certificate = "a.pem"\n', "tls_key"),
        ('[api]\ntls_client_ca = "ca.pem"\n', "tls_client_ca needs"),
        ("[api]\nport = 70000\n", "port"),
        ("[api]\nmax_body_bytes = 10\n", "max_body_bytes"),
        ("[api]\nbind = 1\n", "bind"),
    ],
)
def test_wrong_api_settings_are_refused_naming_the_field(tmp_path: Path, text: str, said: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, text)
    assert said in str(caught.value)
