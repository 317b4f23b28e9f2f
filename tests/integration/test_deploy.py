"""The deployment recipe (deploy/): the systemd unit passes `systemd-analyze verify` without a warning and scores
"OK" on `systemd-analyze security`; the Containerfile passes hadolint and keeps our rules (non-root, health check,
pinned base). No image is built: there is no container engine here or in CI."""

import io
import json
import re
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

from tests.support.external import find_systemd_analyze

pytestmark = pytest.mark.integration

DEPLOY = Path(__file__).parents[2] / "deploy"
UNIT, CONTAINERFILE = DEPLOY / "docking.service", DEPLOY / "Containerfile"
INSTALLED = "/opt/docking/venv/bin/docking"  # where the README installs it
# The console scripts of the environment running the tests (so `docking` and `hadolint` are the ones installed).
BIN = Path(sys.executable).parent


def _unit_here(tmp_path: Path, text: str | None = None) -> Path:
    """The unit with its ExecStart pointed at this environment's `docking`: verify checks that the program exists."""
    path = tmp_path / "docking.service"
    path.write_text((text or UNIT.read_text()).replace(INSTALLED, str(BIN / "docking")))
    return path


def _verify(unit: Path) -> subprocess.CompletedProcess[str]:
    command = [find_systemd_analyze(), "verify", str(unit)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def _settings(text: str) -> dict[str, list[str]]:
    """Every Key=value of the unit (keys repeat: SystemCallFilter), comments skipped."""
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_unit_verifies_without_a_single_warning(tmp_path: Path) -> None:
    """`systemd-analyze verify` exits 0 even for an unknown key or a bad value; a clean unit prints nothing."""
    result = _verify(_unit_here(tmp_path))
    assert result.returncode == 0 and result.stdout == "" and result.stderr == "", result.stderr


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (("ProtectSystem=strict", "ProtectSystem=strictest"), "Failed to parse protect system value"),
        (("NoNewPrivileges=yes", "NoNewPrivilege=yes"), "Unknown key"),
    ],
    ids=["bad value", "misspelt key"],
)
def test_verify_would_catch_a_mistake_in_the_unit(tmp_path: Path, change: tuple[str, str], said: str) -> None:
    """The check above can fail: a typo that systemd would ignore at run time is reported."""
    result = _verify(_unit_here(tmp_path, UNIT.read_text().replace(*change)))
    assert said in result.stderr


def test_the_unit_is_confined_and_runs_as_docking(tmp_path: Path) -> None:
    """Non-root, no capabilities, read-only system, the data directory the one writable path; exposure "OK"."""
    unit = _settings(UNIT.read_text())
    assert unit["User"] == ["docking"] and unit["ExecStart"] == [f"{INSTALLED} serve"]
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "CapabilityBoundingSet": "",
        "ReadWritePaths": "/var/lib/docking",
        "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
        "KillSignal": "SIGTERM",
        "Restart": "on-failure",
    }.items():
        assert unit[key] == [value], key
    assert "@system-service" in unit["SystemCallFilter"]
    command = [find_systemd_analyze(), "security", "--offline=true", str(_unit_here(tmp_path))]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    score = re.search(r"Overall exposure level for docking\.service: (\d+\.\d+) (\w+)", result.stdout)
    assert score is not None, result.stdout[-500:] + result.stderr
    assert float(score[1]) <= 2.0 and score[2] == "OK", score[0]


def test_the_containerfile_passes_hadolint() -> None:
    """hadolint's every rule, informational ones included (e.g. DL3066: a numeric USER)."""
    result = subprocess.run(
        [str(BIN / "hadolint"), "--no-color", "--failure-threshold", "info", str(CONTAINERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout == "", result.stdout


def test_the_containerfile_keeps_the_deployment_rules() -> None:
    """A versioned base (never latest), a non-root user before the entry point, a health check on /healthz, the
    API's port, `docking` as the entry point."""
    parser = DockerfileParser(fileobj=io.BytesIO(CONTAINERFILE.read_bytes()))  # its path= takes a directory
    instructions = [(i["instruction"], i["value"]) for i in parser.structure]
    kinds = [kind for kind, _ in instructions]

    (base,) = [value for kind, value in instructions if kind == "FROM"]
    image, _, tag = base.split("@")[0].partition(":")
    assert image and tag and tag != "latest" and re.match(r"\d+\.\d+\.\d+-slim", tag), base

    users = [value for kind, value in instructions if kind == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}, users
    assert kinds.index("USER") < kinds.index("ENTRYPOINT") and kinds.index("USER") > max(
        i for i, kind in enumerate(kinds) if kind == "RUN"
    ), "every RUN as root, then the user, then the entry point"

    (health,) = [value for kind, value in instructions if kind == "HEALTHCHECK"]
    assert "/healthz" in health and "--interval" in health
    assert ("EXPOSE", "8750") in instructions
    (entry,) = [value for kind, value in instructions if kind == "ENTRYPOINT"]
    assert entry == '["docking"]'


def test_the_containerfile_copies_every_package_the_project_installs() -> None:
    """A package added to pyproject's packages.find but not copied would be missing from the image."""
    project = tomllib.loads((DEPLOY.parent / "pyproject.toml").read_text())
    packages = {name.rstrip("*") for name in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    parser = DockerfileParser(fileobj=io.BytesIO(CONTAINERFILE.read_bytes()))
    copied = {i["value"].split()[0] for i in parser.structure if i["instruction"] == "COPY"}
    assert packages <= copied and {"pyproject.toml", project["project"]["readme"]} <= set(
        " ".join(i["value"] for i in parser.structure if i["instruction"] == "COPY").split()
    )


def test_the_health_check_command_passes_against_the_served_api(api_base: str) -> None:
    """The HEALTHCHECK's own command, run against the real API on loopback (its port in place of 8750): exit 0;
    against a port nobody serves: non-zero, as the container engine needs to mark the container unhealthy."""
    parser = DockerfileParser(fileobj=io.BytesIO(CONTAINERFILE.read_bytes()))
    (health,) = [i["value"] for i in parser.structure if i["instruction"] == "HEALTHCHECK"]
    command = json.loads(health[health.index("CMD") + 3 :].strip())
    assert command[:2] == ["python", "-c"] and "http://127.0.0.1:8750/healthz" in command[2]
    here = [sys.executable, "-c", command[2].replace("http://127.0.0.1:8750", api_base)]
    assert subprocess.run(here, capture_output=True, timeout=30).returncode == 0
    with socket.socket() as probe:  # a port just freed: nothing listens there
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    nobody = [sys.executable, "-c", command[2].replace("http://127.0.0.1:8750", closed)]
    assert subprocess.run(nobody, capture_output=True, timeout=30).returncode != 0
