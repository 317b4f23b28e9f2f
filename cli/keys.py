"""`docking keys generate|list|rotate|activate|revoke|export-public`: our signing keys, per platform keyring.

A rotation is staged (adapter/keys/keyring.py): `rotate` publishes a new key, the court is given it, and it signs only
from `--activate-at` or on `activate`, which also goes back to the previous key while it is still valid.
"""

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.exc import DatabaseError

from adapter.audit.key_events import record_key_event
from adapter.errors import DockingError, InvalidRequest
from adapter.keys.keyring import Keyring, KeyState, shown
from adapter.masking import mask_text
from cli.output import ConfigOption, Format, FormatOption, console, err, render
from scheduler import bootstrap
from schemas.clock import CHINA, utc_now
from signing.keyfiles import ALGORITHMS, passphrase_from, public_pem

app = typer.Typer(help="Signing keys: one keyring (a folder) per platform.", no_args_is_help=True)

DirOption = Annotated[Path | None, typer.Option("--dir", help="The keyring folder.", file_okay=False)]
PlatformOption = Annotated[str | None, typer.Option(help="Use this platform's keyring from --config.")]
KeyIdOption = Annotated[str, typer.Option("--key-id", help="Key id sent with every signature, e.g. centre-2026-01.")]
OverlapOption = Annotated[
    float, typer.Option(min=0, help="Days the key it replaces stays published (a rollback target) after the switch.")
]
ActivateAtOption = Annotated[
    str | None,
    typer.Option(
        help="When the key starts signing: ISO 8601 such as 2026-12-01T02:00+08:00 (no offset: China time), or now."
    ),
]
PassphraseOption = Annotated[
    str | None, typer.Option(help="Encrypt the private key with the passphrase in this environment variable.")
]


def _keyring(directory: Path | None, platform: str | None, config: Path | None, *, create: bool = False) -> Keyring:
    return Keyring.open(_folder(directory, platform, config), create=create)


def _folder(directory: Path | None, platform: str | None, config: Path | None) -> Path:
    if directory is not None:
        return directory
    if platform is None:
        raise InvalidRequest("name the keyring: --dir DIR, or --platform NAME with --config FILE")
    settings = bootstrap.load(config)
    if platform not in settings.platforms:
        raise InvalidRequest(f"platform {platform!r} is not configured (configured: {', '.join(settings.platforms)})")
    keyring = settings.platforms[platform].signing.keyring
    if keyring is None:
        raise InvalidRequest(f"platform {platform!r} signs with a shared secret (hmac-appkey): it has no keyring")
    return keyring


def _checked_key_id(key_id: str) -> str:
    if not key_id.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise InvalidRequest(f"--key-id {key_id!r} may hold only letters, digits, '-', '_' and '.'")
    return key_id


def _audited(config: Path | None, action: str, keyring: Keyring, key_id: str, **detail: Any) -> None:
    """The key event in the adapter's audit chain (adapter/audit/key_events.py) when a configuration names the
    database; a keyring handled with --dir alone has no adapter to record it in. Never undoes the key change: a
    database that cannot be written is said on stderr."""
    if config is None:
        return
    try:
        settings = bootstrap.load(config)
        record_key_event(bootstrap.open_store(settings), action, keyring.directory, key_id, detail)
    except (DockingError, DatabaseError) as exc:
        err.print(f"note: the key change is made, but not recorded in the audit log: {mask_text(str(exc))}")


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
    keyring = _keyring(directory, platform, config, create=True)
    record = keyring.generate(_checked_key_id(key_id), algorithm, utc_now(), passphrase_from(passphrase_env))
    keyring.save()
    _audited(config, "generate", keyring, record.key_id, algorithm=record.algorithm, state=record.state.value)
    console.print(
        f"{record.key_id} ({record.algorithm}) is active in {keyring.directory}; "
        f"public key: {keyring.directory / (record.key_id + '.pub')}"
    )


def parse_activate_at(text: str, now: datetime) -> datetime:
    """--activate-at as an instant: ISO 8601 with an offset, a China-time wall clock (no offset; domain.md §3
    counts court time in China Standard Time), a date (its midnight, China time) or `now`; never the past."""
    if text.strip().lower() == "now":
        return now
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidRequest(
            f"--activate-at {text!r} is not a time: give ISO 8601 such as 2026-12-01T02:00+08:00, or now"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=CHINA)
    if value < now - timedelta(minutes=1):  # a minute of slack: "02:00" typed at 02:00:30 means now
        raise InvalidRequest(
            f"--activate-at {text!r} ({value.astimezone(CHINA).isoformat(timespec='minutes')}) is in the past; "
            "`docking keys activate KEY` makes a key sign now"
        )
    return max(value, now)


@app.command("list")
def list_keys(
    directory: DirOption = None,
    platform: PlatformOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Each key's state (published, active, retired, revoked) and when it signs or signed; times in China time."""
    keyring = _keyring(directory, platform, config)
    now = utc_now()
    rows = [
        {
            "key_id": r.key_id,
            "algorithm": r.algorithm,
            "state": r.state,
            # published: when it will sign (blank: on `activate`); active, retired: when it began to
            "activation": shown(r.activate_at if r.state == KeyState.PUBLISHED else r.activated_at or r.created_at),
            "retire_at": shown(r.retire_at) if r.state == KeyState.RETIRED else "",
            "published": r.verifies_at(now),
            "created_at": shown(r.created_at),
        }
        for r in keyring.view(now)
    ]
    columns = ["key_id", "algorithm", "state", "activation", "retire_at", "published", "created_at"]
    render(rows, columns, fmt, title=f"{keyring.directory.resolve()} (times: China, UTC+08:00)")


@app.command("rotate")
def rotate(
    key_id: KeyIdOption,
    directory: DirOption = None,
    platform: PlatformOption = None,
    activate_at: ActivateAtOption = None,
    overlap: OverlapOption = 7.0,
    algorithm: Annotated[str | None, typer.Option(help="Default: the current key's.")] = None,
    passphrase_env: PassphraseOption = None,
    config: ConfigOption = None,
) -> None:
    """Publish a new key; it signs from --activate-at, or on `docking keys activate` once the court trusts it."""
    if algorithm is not None and algorithm not in ALGORITHMS:
        raise InvalidRequest(f"--algorithm {algorithm!r} is not one of {', '.join(ALGORITHMS)}")
    keyring = _keyring(directory, platform, config)
    now = utc_now()
    when = parse_activate_at(activate_at, now) if activate_at is not None else None
    new, current = keyring.rotate(
        _checked_key_id(key_id), now, timedelta(days=overlap), passphrase_from(passphrase_env), algorithm, when
    )
    keyring.save()
    _audited(config, "rotate", keyring, new.key_id, replaces=current.key_id, activate_at=when)
    where = keyring.directory.resolve()
    give = f"give the court its public key: `docking keys export-public --dir {where}`"
    record, previous = keyring.find(new.key_id), keyring.find(current.key_id)
    if record.state == KeyState.ACTIVE:
        console.print(
            f"{new.key_id} signs from now; {current.key_id} stays published until {shown(previous.retire_at)}. "
            f"If the court does not trust {new.key_id} yet, it refuses every request: that platform is held "
            f"(nothing goes dead) until you {give}, or go back: `docking keys activate {current.key_id} --dir {where}`."
        )
    elif record.activate_at:
        console.print(
            f"{new.key_id} is published and signs from {shown(record.activate_at)} (a running `docking run` "
            f"switches by itself); {current.key_id} signs until then. Before that time, {give}."
        )
    else:
        console.print(
            f"{new.key_id} is published; {current.key_id} still signs. Now {give}; once it trusts the key, "
            f"`docking keys activate {new.key_id} --dir {where}` (or rotate with --activate-at to schedule it)."
        )


@app.command("activate")
def activate(
    key_id: Annotated[str, typer.Argument(help="The key that should sign.")],
    directory: DirOption = None,
    platform: PlatformOption = None,
    at: Annotated[str | None, typer.Option("--at", help="Schedule instead of now (as rotate --activate-at).")] = None,
    overlap: OverlapOption = 7.0,
    config: ConfigOption = None,
) -> None:
    """Make a published key sign (now or --at), or go back to the previous key while it is still valid."""
    keyring = _keyring(directory, platform, config)
    now = utc_now()
    when = parse_activate_at(at, now) if at is not None else None
    changes = keyring.activate(key_id, now, timedelta(days=overlap), at=when)
    keyring.save()
    _audited(config, "activate", keyring, key_id, at=when, changes=changes)
    console.print("; ".join(changes) + ". A running `docking run` follows from its next request.")


@app.command("revoke")
def revoke(
    key_id: Annotated[str | None, typer.Argument(help="The key to withdraw (as `activate` names its key).")] = None,
    key_id_option: Annotated[str | None, typer.Option("--key-id", help="The same, as an option.")] = None,
    directory: DirOption = None,
    platform: PlatformOption = None,
    config: ConfigOption = None,
) -> None:
    """Withdraw a key at once (e.g. it leaked); it is left out of the published keys from now on."""
    if (key_id is None) == (key_id_option is None) or not (key_id or key_id_option):
        raise InvalidRequest("name the key to revoke once: `docking keys revoke KEY_ID --dir DIR` (or --key-id KEY_ID)")
    key_id = key_id or key_id_option or ""
    keyring = _keyring(directory, platform, config)
    now = utc_now()
    if keyring.active(now).key_id == key_id:
        # Revoking the signing key would leave the platform nothing to sign with: make another key sign first.
        raise InvalidRequest(
            f"{key_id} signs now: make another key sign first (`docking keys activate KEY`, or `docking keys "
            f"rotate --key-id NEW --activate-at now`), then revoke {key_id}"
        )
    record = keyring.revoke(key_id, now)
    keyring.save()
    _audited(config, "revoke", keyring, record.key_id)
    console.print(f"{record.key_id} is revoked. Tell the court to withdraw it.")


@app.command("export-public")
def export_public(
    directory: DirOption = None,
    platform: PlatformOption = None,
    as_format: Annotated[str, typer.Option("--format", help="pem or jwks.")] = "pem",
    config: ConfigOption = None,
) -> None:
    """The public keys a court should trust now (published, active, retired within the overlap): PEM or JWKS."""
    keyring = _keyring(directory, platform, config)
    now = utc_now()
    if as_format == "jwks":
        print(json.dumps(keyring.jwks(now), indent=2))
    elif as_format == "pem":
        for record in keyring.view(now):
            if record.verifies_at(now):
                print(f"# {record.key_id} ({record.algorithm}, {record.state})")
                print(public_pem(keyring.public_key(record)).decode().strip())
    else:
        raise InvalidRequest(f"--format {as_format!r} is not pem or jwks")
