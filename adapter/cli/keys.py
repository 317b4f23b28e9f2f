"""`docking keys generate|list|rotate|revoke|export-public`: our signing keys, per platform keyring."""

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from adapter.cli.output import ConfigOption, Format, FormatOption, console, render
from adapter.clock import utc_now
from adapter.errors import InvalidRequest
from adapter.keyring import Keyring
from adapter.keys import ALGORITHMS, KeyFileError, public_pem
from adapter.settings import load_settings

app = typer.Typer(help="Signing keys: one keyring (a folder) per platform.", no_args_is_help=True)

DirOption = Annotated[Path | None, typer.Option("--dir", help="The keyring folder.", file_okay=False)]
PlatformOption = Annotated[str | None, typer.Option(help="Use this platform's keyring from --config.")]
KeyIdOption = Annotated[str, typer.Option("--key-id", help="Key id sent with every signature, e.g. centre-2026-01.")]
PassphraseOption = Annotated[
    str | None, typer.Option(help="Encrypt the private key with the passphrase in this environment variable.")
]


def _keyring(directory: Path | None, platform: str | None, config: Path | None) -> Keyring:
    if directory is not None:
        return Keyring.open(directory)
    if platform is None:
        raise InvalidRequest("name the keyring: --dir DIR, or --platform NAME with --config FILE")
    settings = load_settings(config)
    if platform not in settings.platforms:
        raise InvalidRequest(f"platform {platform!r} is not configured (configured: {', '.join(settings.platforms)})")
    keyring = settings.platforms[platform].signing.keyring
    if keyring is None:
        raise InvalidRequest(f"platform {platform!r} signs with a shared secret (hmac-appkey): it has no keyring")
    return Keyring.open(keyring)


def _passphrase(variable: str | None) -> bytes | None:
    if variable is None:
        return None
    value = os.environ.get(variable)
    if not value:
        raise InvalidRequest(f"environment variable {variable} is empty or not set")
    return value.encode()


def _checked_key_id(key_id: str) -> str:
    if not key_id.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise InvalidRequest(f"--key-id {key_id!r} may hold only letters, digits, '-', '_' and '.'")
    return key_id


@app.command("generate")
def generate(
    key_id: KeyIdOption,
    directory: DirOption = None,
    platform: PlatformOption = None,
    algorithm: Annotated[str, typer.Option(help=f"One of {', '.join(ALGORITHMS)}.")] = "EdDSA",
    passphrase_env: PassphraseOption = None,
    config: ConfigOption = None,
) -> None:
    """Create a keyring's first key (PKCS#8, mode 0600); give the .pub (or the JWKS) to the court."""
    if algorithm not in ALGORITHMS:
        raise InvalidRequest(f"--algorithm {algorithm!r} is not one of {', '.join(ALGORITHMS)}")
    keyring = _keyring(directory, platform, config)
    try:
        record = keyring.generate(_checked_key_id(key_id), algorithm, utc_now(), _passphrase(passphrase_env))
    except KeyFileError as exc:
        raise InvalidRequest(str(exc)) from exc
    keyring.save()
    console.print(
        f"{record.key_id} ({record.algorithm}) is active in {keyring.directory}; "
        f"public key: {keyring.directory / (record.key_id + '.pub')}"
    )


@app.command("list")
def list_keys(
    directory: DirOption = None,
    platform: PlatformOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """The keys of a keyring and their states (active, retiring until…, revoked)."""
    keyring = _keyring(directory, platform, config)
    rows = [
        {
            "key_id": r.key_id,
            "algorithm": r.algorithm,
            "state": r.state,
            "created_at": r.created_at,
            "retire_at": r.retire_at or "",
        }
        for r in keyring.records
    ]
    render(rows, ["key_id", "algorithm", "state", "created_at", "retire_at"], fmt, title=str(keyring.directory))


@app.command("rotate")
def rotate(
    key_id: KeyIdOption,
    directory: DirOption = None,
    platform: PlatformOption = None,
    overlap: Annotated[float, typer.Option(min=0, help="Days the previous key still verifies.")] = 7.0,
    passphrase_env: PassphraseOption = None,
    config: ConfigOption = None,
) -> None:
    """Sign with a new key from now on; the previous one keeps verifying for --overlap days."""
    keyring = _keyring(directory, platform, config)
    try:
        new, old = keyring.rotate(
            _checked_key_id(key_id), utc_now(), timedelta(days=overlap), _passphrase(passphrase_env)
        )
    except KeyFileError as exc:
        raise InvalidRequest(str(exc)) from exc
    keyring.save()
    console.print(
        f"{new.key_id} now signs; {old.key_id} verifies until {old.retire_at}. "
        "Send the court the new public key (export-public) before the overlap ends."
    )


@app.command("revoke")
def revoke(
    key_id: KeyIdOption, directory: DirOption = None, platform: PlatformOption = None, config: ConfigOption = None
) -> None:
    """Withdraw a key at once (e.g. it leaked); it is left out of the published keys from now on."""
    keyring = _keyring(directory, platform, config)
    try:
        record = keyring.revoke(key_id)
    except KeyFileError as exc:
        raise InvalidRequest(str(exc)) from exc
    keyring.save()
    console.print(f"{record.key_id} is revoked. Tell the court, and rotate if it was the active key.")


@app.command("export-public")
def export_public(
    directory: DirOption = None,
    platform: PlatformOption = None,
    as_format: Annotated[str, typer.Option("--format", help="pem or jwks.")] = "pem",
    config: ConfigOption = None,
) -> None:
    """The public keys a court should trust now: PEM blocks, or a JWK Set for JOSE profiles."""
    keyring = _keyring(directory, platform, config)
    now = utc_now()
    if as_format == "jwks":
        print(json.dumps(keyring.jwks(now), indent=2))
    elif as_format == "pem":
        for record in keyring.records:
            if record.verifies_at(now):
                print(f"# {record.key_id} ({record.algorithm}, {record.state})")
                print(public_pem(keyring.public_key(record)).decode().strip())
    else:
        raise InvalidRequest(f"--format {as_format!r} is not pem or jwks")
