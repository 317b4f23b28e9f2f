"""A real sandbox court on loopback and a real adapter runtime on a SQLite file, wired as in production."""

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapter.config.settings import DataKeySettings, EncryptionSettings, Settings
from adapter.persistence.engine import UnitOfWork, create_schema, make_engine
from adapter.persistence.vault import new_key
from adapter.platforms.registry import Platforms
from sandbox.court import SandboxConfig
from sandbox.pairing import pair
from scheduler import Runtime, build_runtime
from tests.support.api import Api, keys, served
from tests.support.court import COURT_KID, PLATFORM, Court
from tests.support.db_template import Templates
from tests.support.fake_court import court as fake_court


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    """Deterministic court: no redelivery, decisions at once, every JC application confirmed."""
    return SandboxConfig(
        seed=3, decision_delay=0.0, redeliver_rate=0.0, confirm_rate=1.0, reject_rate=0.0, court_key_id=COURT_KID
    )


@pytest.fixture
def profile() -> str:
    """The signature profile both sides use; tests parametrize it to run a flow under every profile."""
    return "jws-detached"


@pytest.fixture
def algorithm() -> str:
    """The key algorithm for the JWS profile (SM2 implies its own)."""
    return "EdDSA"


@pytest.fixture
def transport() -> str:
    """How the court is reached: "rest" (JSON over HTTP) or "soap" (the WebService); modules parametrize it."""
    return "rest"


@pytest.fixture
def court(
    tmp_path: Path, sandbox_config: SandboxConfig, profile: str, algorithm: str, transport: str
) -> Iterator[Court]:
    pairing = pair(tmp_path, sandbox_config, profile=profile, algorithm=algorithm, transport=transport)  # type: ignore[arg-type]
    server = pairing.serve()
    yield Court(pairing.core, server, pairing.signing, pairing)
    server.stop()


@pytest.fixture
def backend() -> str:
    """The database the adapter runs on; modules parametrize it to run on SQLite and on PostgreSQL."""
    return "sqlite"


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest, templates: Templates) -> Iterator[str]:
    """A new database of the test's own on `backend`, empty at the newest schema (copied from `templates`)."""
    if backend == "sqlite":
        yield templates.sqlite(tmp_path / "adapter.db")
        return
    server_url: str = request.getfixturevalue("postgres")
    url = templates.postgres(server_url)
    yield url
    templates.drop(server_url, url)


@pytest.fixture
def uow(database_url: str) -> Iterator[UnitOfWork]:
    """The adapter's tables alone on the `backend` database, for the code that reads and writes them directly."""
    engine = make_engine(database_url)
    create_schema(engine)
    yield UnitOfWork(engine)
    engine.dispose()


@pytest.fixture
def encryption(backend: str) -> EncryptionSettings:
    """Personal data is sealed in every integration test: AES-256-GCM on SQLite, SM4-GCM on PostgreSQL."""
    algorithm = "sm4-gcm" if backend == "postgres" else "aes-256-gcm"
    key = base64.b64encode(new_key("it", algorithm).key).decode()
    return EncryptionSettings(active="it", keys={"it": DataKeySettings(algorithm=algorithm, key=key)})


@pytest.fixture
def settings(database_url: str, court: Court, encryption: EncryptionSettings) -> Settings:
    return Settings(
        database_url=database_url,
        encryption=encryption,
        platforms={PLATFORM: court.pairing.platform(court.server, timeout_seconds=5)},
    )


@pytest.fixture
def runtime(settings: Settings) -> Runtime:
    return build_runtime(settings)


# ---- the HTTP API served on loopback over the `runtime` fixture (tests/support/api.py)


@pytest.fixture
def api_keys(runtime: Runtime) -> dict[str, str]:
    """One client per role, by role name (tests.support.api.ROLES): their keys."""
    return keys(runtime)


@pytest.fixture
def api_base(runtime: Runtime) -> Iterator[str]:
    """The API's base URL, served by uvicorn on 127.0.0.1 for the test."""
    with served(runtime) as url:
        yield url


@pytest.fixture
def centre(api_base: str, api_keys: dict[str, str]) -> Api:
    """The centre's case system as an API client."""
    return Api(api_base, api_keys["centre"])


@pytest.fixture
def platforms() -> Platforms:
    """One in-process fake court, "court", whose signatures the adapter trusts (tests.support.fake_court)."""
    return {"court": fake_court()}
