"""Loading settings: a TOML file plus DOCKING_* environment; every mistake is a ConfigError naming file and field."""

import logging
import os
import re
from pathlib import Path

import pytest

from adapter.config.hints import CLI_VARIABLES
from adapter.config.settings import delivery_warnings, load_settings
from adapter.errors import ConfigError
from mappings.times import FORMS

PLATFORM = """
[platforms.court-gz]
base_url = "https://odr.example.court"
signing = {{ keyring = "keys/centre", court_keys = {{ "court-2026-01" = "keys/court.pub" }} }}
{extra}
"""


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No DOCKING_* variable from the machine running the tests may leak into these tests."""
    for name in list(os.environ):
        if name.upper().startswith("DOCKING_"):
            monkeypatch.delenv(name)


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "conf" / "docking.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert caught.value.exit_code == 78
    return str(caught.value)


def test_valid_file_loads_its_values(tmp_path: Path) -> None:
    """A complete file loads, with the values it gives and defaults for the rest."""
    settings = load_settings(_config(tmp_path, "deliver_batch = 20\n" + PLATFORM.format(extra="")))
    assert settings.deliver_batch == 20
    assert settings.deliver_seconds == 2.0
    assert settings.platforms["court-gz"].base_url == "https://odr.example.court"
    assert settings.platforms["court-gz"].signing.profile == "jws-detached"


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    """A config path that does not exist is a ConfigError naming that path."""
    path = tmp_path / "nowhere.toml"
    message = _error(path)
    assert str(path) in message
    assert "does not exist" in message


def test_invalid_toml_names_the_file_and_line(tmp_path: Path) -> None:
    """A syntax error is a ConfigError naming the file and where the error is."""
    path = _config(tmp_path, "deliver_batch = 20\ndatabase_url = \n")
    message = _error(path)
    assert str(path) in message
    assert "not valid TOML" in message
    assert "line 2" in message


def test_non_utf8_file_is_a_config_error(tmp_path: Path) -> None:
    """A file saved in another encoding is reported as invalid, not as a UnicodeDecodeError."""
    path = tmp_path / "gbk.toml"
    path.write_bytes('database_url = "调解"\n'.encode("gbk"))
    assert str(path) in _error(path)


def test_unknown_top_level_key_names_the_file_and_key(tmp_path: Path) -> None:
    """A misspelt top-level key is refused by name."""
    path = _config(tmp_path, "deliver_batchh = 20\n")
    message = _error(path)
    assert str(path) in message
    assert "deliver_batchh" in message


def test_unknown_platform_key_names_the_file_and_full_field_path(tmp_path: Path) -> None:
    """A misspelt key inside a platform table is refused with its dotted path."""
    path = _config(tmp_path, PLATFORM.format(extra="poll_secs = 5"))
    message = _error(path)
    assert str(path) in message
    assert "platforms.court-gz.poll_secs" in message


@pytest.mark.parametrize("url", ["ftp://odr.example.court", "odr.example.court", ""])
def test_bad_base_url_names_the_file_and_field(tmp_path: Path, url: str) -> None:
    """A base URL that is not http(s) is refused naming platforms.<name>.base_url."""
    text = PLATFORM.format(extra="").replace('"https://odr.example.court"', f'"{url}"')
    path = _config(tmp_path, text)
    message = _error(path)
    assert str(path) in message
    assert "platforms.court-gz.base_url" in message


def test_out_of_range_value_names_the_field(tmp_path: Path) -> None:
    """A batch size outside 1–1000 is refused naming deliver_batch."""
    path = _config(tmp_path, "deliver_batch = 0\n")
    assert "deliver_batch" in _error(path)


def test_relative_key_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    """Key files named relatively are found next to the config file, wherever the process started."""
    path = _config(tmp_path, PLATFORM.format(extra=""))
    platform = load_settings(path).platforms["court-gz"]
    assert platform.signing.keyring == path.parent / "keys" / "centre"
    assert platform.signing.court_keys == {"court-2026-01": path.parent / "keys" / "court.pub"}


def test_absolute_key_paths_are_kept(tmp_path: Path) -> None:
    """An absolute key path is used as written."""
    absolute = tmp_path / "elsewhere" / "centre"
    text = PLATFORM.format(extra="").replace('"keys/centre"', f'"{absolute}"')
    assert load_settings(_config(tmp_path, text)).platforms["court-gz"].signing.keyring == absolute


def test_relative_sqlite_path_resolves_against_the_config_folder(tmp_path: Path) -> None:
    """A relative SQLite database file sits next to the config file too."""
    path = _config(tmp_path, 'database_url = "sqlite:///data/docking.db"\n')
    assert load_settings(path).database_url == f"sqlite:///{path.parent / 'data' / 'docking.db'}"


def test_database_url_from_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DOCKING_DATABASE_URL wins over database_url in the file."""
    path = _config(tmp_path, 'database_url = "sqlite:///data/docking.db"\n')
    monkeypatch.setenv("DOCKING_DATABASE_URL", "postgresql+psycopg://docking@db/docking")
    assert load_settings(path).database_url == "postgresql+psycopg://docking@db/docking"


def test_file_value_is_used_without_environment_override(tmp_path: Path) -> None:
    """Without the variable, the file's own (resolved) database_url is used, not the default."""
    path = _config(tmp_path, 'database_url = "postgresql+psycopg://file@db/docking"\n')
    assert load_settings(path).database_url == "postgresql+psycopg://file@db/docking"


def test_no_file_gives_defaults_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a file, defaults apply and the environment still overrides them."""
    assert load_settings(None).database_url == "sqlite:///docking-data/docking.db"
    monkeypatch.setenv("DOCKING_DELIVER_BATCH", "7")
    assert load_settings(None).deliver_batch == 7


def test_invalid_environment_value_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad value from the environment is reported as a ConfigError naming the field, not a traceback."""
    monkeypatch.setenv("DOCKING_DELIVER_BATCH", "lots")
    with pytest.raises(ConfigError, match="deliver_batch"):
        load_settings(None)


@pytest.mark.parametrize(
    ("variable", "value", "field"),
    [
        ("DOCKING_DELIVER_BATCH", "lots", "deliver_batch"),
        ("DOCKING_PLATFORMS__GUANGZHOU__TIMEOUT_SECONDS", "-1", "platforms.guangzhou.timeout_seconds"),
        ("docking_platforms__guangzhou__poll_seconds", "0", "platforms.guangzhou.poll_seconds"),  # any case
        ("DOCKING_PLATFORMS__GUANGZHOU__SIGNING__FEED_MAX_AGE_HOURS", "0", "platforms.guangzhou.signing.feed_max_age"),
    ],
)
def test_a_bad_value_from_the_environment_names_its_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, field: str
) -> None:
    """The file says 10, the variable -1: the error names the variable, else the operator reads the file in vain."""
    config = tmp_path / "docking.toml"
    config.write_text(
        '[platforms.guangzhou]\nbase_url = "http://file"\ntimeout_seconds = 10\npoll_seconds = 3\n'
        '[platforms.guangzhou.signing]\nkeyring = "k"\ncourt_keys = { c = "c.pub" }\n'
    )
    monkeypatch.setenv(variable, value)
    message = _error(config)
    assert field in message and f"(set by the environment variable {variable})" in message


def test_a_bad_value_in_the_file_names_no_variable(tmp_path: Path) -> None:
    message = _error(_config(tmp_path, '[platforms.p]\nbase_url = "https://x"\ntimeout_seconds = -1\n'))
    assert "platforms.p.timeout_seconds" in message and "environment variable" not in message


def test_an_environment_variable_overrides_one_field_of_a_platform_from_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DOCKING_PLATFORMS__GUANGZHOU__BASE_URL replaces only that field; the rest still comes from the file."""
    config = tmp_path / "docking.toml"
    config.write_text(
        '[platforms.guangzhou]\nbase_url = "http://file"\npoll_seconds = 3\n'
        '[platforms.guangzhou.signing]\nkeyring = "k"\ncourt_keys = { c = "c.pub" }\n'
    )
    monkeypatch.setenv("DOCKING_PLATFORMS__GUANGZHOU__BASE_URL", "http://env")
    platform = load_settings(config).platforms["guangzhou"]
    assert platform.base_url == "http://env" and platform.poll_seconds == 3


def test_a_profile_without_its_keys_is_named(tmp_path: Path) -> None:
    """hmac-appkey without its app keys and secrets says which settings are missing."""
    text = '[platforms.p]\nbase_url = "https://x"\n[platforms.p.signing]\nprofile = "hmac-appkey"\napp_key = "a"\n'
    message = _error(_config(tmp_path, text))
    assert "hmac-appkey needs app_secret, court_app_key, court_app_secret" in message


def test_a_secret_never_appears_in_the_settings_repr(tmp_path: Path) -> None:
    """An HMAC secret loads as a SecretStr and prints masked."""
    text = (
        '[platforms.p]\nbase_url = "https://x"\n[platforms.p.signing]\nprofile = "hmac-appkey"\n'
        'app_key = "a"\napp_secret = "TOPSECRET"\ncourt_app_key = "c"\ncourt_app_secret = "ALSOSECRET"\n'
    )
    settings = load_settings(_config(tmp_path, text))
    assert "TOPSECRET" not in repr(settings) and "ALSOSECRET" not in str(settings.model_dump())
    assert settings.platforms["p"].signing.app_secret is not None
    assert settings.platforms["p"].signing.app_secret.get_secret_value() == "TOPSECRET"


def test_two_platforms_may_not_share_a_keyring(tmp_path: Path) -> None:
    """A key trusted by two courts would let a request signed for one be used at the other: refused."""
    text = "".join(
        f'[platforms.{name}]\nbase_url = "https://{name}"\n[platforms.{name}.signing]\nkeyring = "keys/shared"\n'
        f'court_keys = {{ c = "c.pub" }}\n'
        for name in ("a", "b")
    )
    assert "share the keyring" in _error(_config(tmp_path, text))


@pytest.mark.parametrize("form", FORMS)
def test_a_platform_names_its_timestamp_form(tmp_path: Path, form: str) -> None:
    """timestamp_format takes each documented form; without it a platform keeps iso8601, the form before it."""
    platform = load_settings(_config(tmp_path, PLATFORM.format(extra=f'timestamp_format = "{form}"'))).platforms
    assert platform["court-gz"].timestamp_format == form
    assert load_settings(_config(tmp_path, PLATFORM.format(extra=""))).platforms["court-gz"].timestamp_format == (
        "iso8601"
    )


@pytest.mark.parametrize("form", ["yyyyMMdd", "unix", "YYYYMMDDHHMMSS", ""])
def test_an_unknown_timestamp_form_names_the_field(tmp_path: Path, form: str) -> None:
    """A form the adapter cannot read is a configuration error naming the platform's field, at start-up."""
    message = _error(_config(tmp_path, PLATFORM.format(extra=f'timestamp_format = "{form}"')))
    assert "platforms.court-gz.timestamp_format" in message


@pytest.mark.parametrize(
    ("text", "says"),
    [
        pytest.param("deliver_secnds = 3\n", "deliver_secnds: unknown key; did you mean deliver_seconds?", id="top"),
        pytest.param(
            PLATFORM.format(extra="poll_secnds = 5"),
            "platforms.court-gz.poll_secnds: unknown key; did you mean poll_seconds?",
            id="platform",
        ),
        pytest.param(
            PLATFORM.format(extra="").replace("court_keys", "court_key"),
            "platforms.court-gz.signing.court_key: unknown key; did you mean court_keys?",
            id="signing",
        ),
        pytest.param(
            "[jobs]\nretention_dys = 3\n", "jobs.retention_dys: unknown key; did you mean retention_days?", id="jobs"
        ),
        pytest.param(
            '[encryption]\nactive = "k"\n[encryption.keys.k]\nkey_fle = "k.b64"\n',
            "encryption.keys.k.key_fle: unknown key; did you mean key_file?",
            id="data-key",
        ),
        pytest.param("zzz = 1\n", "zzz: unknown key", id="nothing-close"),
    ],
)
def test_a_mistyped_key_is_answered_with_the_key_meant(tmp_path: Path, text: str, says: str) -> None:
    """At every level of the file, an unknown key names the closest known key of its own table."""
    message = _error(_config(tmp_path, text))
    assert says in message
    if "did you mean" not in says:
        assert "zzz: unknown key; did you mean" not in message


def test_an_environment_override_for_a_platform_the_file_lacks_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DOCKING_PLATFORMS__SHENZHEN__… with only court-gz in the file: said plainly, not "signing: field required"."""
    path = _config(tmp_path, PLATFORM.format(extra=""))
    monkeypatch.setenv("DOCKING_PLATFORMS__SHENZHEN__BASE_URL", "https://sz.example")
    message = _error(path)
    assert "DOCKING_PLATFORMS__SHENZHEN__BASE_URL overrides platform 'shenzhen'" in message
    assert "(it has: court-gz)" in message and "field required" not in message.lower()


@pytest.mark.parametrize(
    ("variable", "warned"),
    [
        ("DOCKING_DATABASE_UR", "(did you mean DOCKING_DATABASE_URL?)"),
        ("DOCKING_DELIVER_BATCHES", "(did you mean DOCKING_DELIVER_BATCH?)"),
        ("DOCKING_CONFIGG", "(did you mean DOCKING_CONFIG?)"),
        ("DOCKING_SOMETHING_ELSE", "is not a setting and is ignored"),
        ("DOCKING_CONFIG", None),
        ("DOCKING_LOG_FORMAT", None),  # the CLI's own options (cli/main.py), as the README's Deployment sets them
        ("DOCKING_LOG_LEVEL", None),
        ("DOCKING_LOG_FILE", None),
        ("DOCKING_LOG_FROMAT", "(did you mean DOCKING_LOG_FORMAT?)"),
        ("DOCKING_OPS_KEY", None),  # printed by `docking demo --keep-running` for the shell
        ("DOCKING_URL", None),
        ("DOCKING_DELIVER_SECONDS", None),
        ("docking_deliver_seconds", None),  # matched without regard to case, as pydantic-settings reads them
        ("DOCKING_COURT_PASSPHRASE", None),  # named by passphrase_env
    ],
)
def test_unknown_docking_variables_are_warned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, variable: str, warned: str | None
) -> None:
    text = PLATFORM.format(extra="").replace(
        'keyring = "keys/centre"', 'keyring = "keys/centre", passphrase_env = "DOCKING_COURT_PASSPHRASE"'
    )
    monkeypatch.setenv(variable, "3" if "SECONDS" in variable.upper() else "x")
    with caplog.at_level(logging.WARNING, logger="docking.settings"):
        load_settings(_config(tmp_path, text))
    messages = [r.getMessage() for r in caplog.records]
    if warned is None:
        assert messages == []
    else:
        assert len(messages) == 1 and variable in messages[0] and warned in messages[0]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://u@db/docking", "mysql:// is not supported; use sqlite://"),
        ("postgresql://u@db/docking", "postgresql:// is not supported"),
        ("postgres://u@db/docking", "postgres:// is not supported"),
        ("sqlite3:///x.db", "sqlite3:// is not supported"),
        ("docking.db", "is not a database URL such as sqlite:///docking.db"),
    ],
)
def test_an_unsupported_database_scheme_lists_the_supported_ones(tmp_path: Path, url: str, says: str) -> None:
    message = _error(_config(tmp_path, f'database_url = "{url}"\n'))
    assert says in message and "database_url" in message
    if "not supported" in says:
        assert "postgresql+psycopg://" in message and "sqlite://" in message


def test_the_push_window_is_a_platform_setting_of_five_minutes_by_default(tmp_path: Path) -> None:
    """push_window_seconds: ±300 s unless the platform says otherwise (partners.md §6 timestamp window)."""
    platform = load_settings(_config(tmp_path, PLATFORM.format(extra=""))).platforms["court-gz"]
    assert platform.push_window_seconds == 300
    wider = load_settings(_config(tmp_path, PLATFORM.format(extra="push_window_seconds = 900"))).platforms
    assert wider["court-gz"].push_window_seconds == 900


@pytest.mark.parametrize("value", ["0", "5", "86401", '"five minutes"', "-300"])
def test_a_push_window_out_of_range_names_the_field(tmp_path: Path, value: str) -> None:
    """10 s to one day, whole seconds; anything else is refused at start-up naming the platform's field."""
    message = _error(_config(tmp_path, PLATFORM.format(extra=f"push_window_seconds = {value}")))
    assert "platforms.court-gz.push_window_seconds" in message


def test_a_desk_may_not_share_a_keyring_with_a_court_or_another_desk(tmp_path: Path) -> None:
    """Desks are platforms too: a key trusted for one court or desk must not verify another's messages."""
    signing = 'keyring = "keys/shared"\ncourt_keys = { c = "c.pub" }\n'
    court = f'[platforms.a]\nbase_url = "https://a"\n[platforms.a.signing]\n{signing}'

    def desk(n: str, u: str) -> str:
        return f'[desks.{n}]\nbase_url = "https://{n}"\ninstitution_uscc = ["{u}"]\n[desks.{n}.signing]\n{signing}'

    assert "share the keyring" in _error(_config(tmp_path, court + desk(n="d", u="914400001234567899")))
    two = desk(n="d", u="914400001234567899") + desk(n="e", u="91310000MA1FL0000N")
    assert "share the keyring" in _error(_config(tmp_path, two))


def test_an_institution_is_served_by_one_desk_only(tmp_path: Path) -> None:
    """A USCC under two desks would send its complaints to whichever desk the settings list first: refused."""
    text = "".join(
        f'[desks.{n}]\nbase_url = "https://{n}"\ninstitution_uscc = ["914400001234567899"]\n'
        f'[desks.{n}.signing]\nkeyring = "keys/{n}"\ncourt_keys = {{ c = "c.pub" }}\n'
        for n in ("d", "e")
    )
    error = _error(_config(tmp_path, text))
    assert "914400001234567899" in error and "desks d and e" in error


def test_a_deliver_batch_under_twice_max_in_flight_is_said_by_a_worker_at_start(tmp_path: Path) -> None:
    """The README's advice, said when it is not followed — by `docking run` and `docking serve` with jobs
    (scheduler/process.py, api/server.py), not by every command reading the settings. The run still starts."""
    platform = (
        '[platforms.p]\nbase_url = "https://x"\nmax_in_flight = 16\n'
        '[platforms.p.signing]\nkeyring = "k"\ncourt_keys = { c = "c.pub" }\n'
    )
    (warning,) = delivery_warnings(load_settings(_config(tmp_path, "deliver_batch = 10\n" + platform)))
    assert "deliver_batch 10 is under twice platform p's max_in_flight 16" in warning and "at least 32" in warning
    assert delivery_warnings(load_settings(_config(tmp_path, "deliver_batch = 32\n" + platform))) == []


def test_every_variable_the_cli_reads_is_known_to_the_settings_warning() -> None:
    """A DOCKING_ variable a `docking` option reads (typer's envvar) is not warned about as an unknown setting."""
    source = "\n".join(
        path.read_text(encoding="utf-8") for path in (Path(__file__).resolve().parents[2] / "cli").glob("*.py")
    )
    read = set(re.findall(r'envvar="(DOCKING_[A-Z_]+)"', source))
    assert read and read <= CLI_VARIABLES, read - CLI_VARIABLES
