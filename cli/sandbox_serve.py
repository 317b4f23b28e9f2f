"""What every standalone `docking sandbox …` command shares: its common options (--host, --port, --fault,
--push-to), the partner's keys (its own, made on first use; the centre's it trusts), its settings checked with a
bad one named, listening (a taken port named, not a traceback), and serving until Ctrl-C."""

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from adapter.errors import InvalidRequest
from cli.output import console
from signing.base import PublicKeyEntry
from signing.keyfiles import algorithm_of, generate_keypair, load_private_key, load_public_key, public_pem
from signing.profiles import key_signer, key_verifier

T = TypeVar("T")

Host = Annotated[str, typer.Option(help="Listen address (loopback unless you mean otherwise).")]
Port = Annotated[int, typer.Option(min=0, max=65535)]
Profile = Annotated[str, typer.Option(help="jws-detached (EdDSA) or sm2-sm3.")]
SecondsPerDay = Annotated[float, typer.Option(min=0.001, help="Real seconds per simulated day.")]
PushTo = Annotated[
    str | None, typer.Option(help="Push each item to the centre at this base URL instead of waiting to be read.")
]


def trusted_centre_keys(centre_key: list[str]) -> dict[str, PublicKeyEntry]:
    """--centre-key KEY_ID=PATH…: the centre's public keys the partner trusts, by key id."""
    trusted = {}
    for item in centre_key:
        kid, sep, path = item.partition("=")
        if not sep or not kid or not path:
            raise InvalidRequest(f"--centre-key {item!r} must look like KEY_ID=PATH")
        key = load_public_key(Path(path))
        trusted[kid] = PublicKeyEntry(kid, key, algorithm_of(key))
    return trusted


def own_key(keys: Path, key_id: str, profile: str) -> Any:
    """The partner's private key KEYS/<key_id>.key, made on first use (SM2 for sm2-sm3, else Ed25519)."""
    private = keys / f"{key_id}.key"
    if not private.exists():
        generate_keypair(keys, key_id, "SM2" if profile == "sm2-sm3" else "EdDSA")
    return load_private_key(private)


def partner_keys(centre_key: list[str], keys: Path, key_id: str, profile: str) -> tuple[Any, Any, Any]:
    """The partner's signer (its own key, made on first use), a verifier of the centre's keys, its own key."""
    if profile not in ("jws-detached", "sm2-sm3"):
        raise InvalidRequest(f"--profile {profile!r}: the standalone sandbox serves jws-detached or sm2-sm3")
    trusted = trusted_centre_keys(centre_key)
    key = own_key(keys, key_id, profile)
    return key_signer(profile, key, key_id), key_verifier(profile, trusted), key


def print_public_key(key: Any) -> None:
    """The partner's public key in PEM, for the centre's keyring."""
    console.print(public_pem(key.public_key()).decode().strip(), highlight=False)


def fault_option(what: str, faults: Sequence[str]) -> typer.models.OptionInfo:
    """--fault: a misbehaviour of every `what` (of `faults`), repeatable."""
    return typer.Option(help=f"A misbehaviour{' of every ' + what if what else ''} ({', '.join(faults)}); repeatable.")


def configured(make: Callable[[], T]) -> T:
    """The partner's settings from the options; a ValueError (an unknown misbehaviour, a bad form) names what."""
    try:
        return make()
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from exc


def listening(make: Callable[[], T], where: str) -> T:
    """The server bound (`make`), or InvalidRequest naming `where` (HOST:PORT) and why it cannot listen there."""
    try:
        return make()
    except OSError as exc:
        raise InvalidRequest(f"cannot listen on {where}: {exc.strerror}") from exc


def serve_until_interrupted(*stops: Callable[[], None]) -> None:
    """Block until Ctrl-C, then call `stops` in order (the servers, their pushers)."""
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        for stop in stops:
            stop()
