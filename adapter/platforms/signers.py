"""Signers and verifiers built from a platform's signing settings (called by the composition root only)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509

from adapter.config.platform import PlatformSettings, SigningSettings, WsseSettings
from adapter.errors import ConfigError
from adapter.keys.keyring_signer import KeyringSigner
from adapter.platforms.credential_hold import Credential
from schemas.clock import Clock, utc_now
from signing.base import MessageSigner, MessageVerifier, PublicKeyEntry
from signing.certificates import certificate_key, same_key
from signing.errors import MissingExtra
from signing.hmac_appkey import HmacSigner, HmacVerifier
from signing.keyfiles import KeyFileError, algorithm_of, load_private_key, load_public_key, passphrase_from
from signing.profiles import Sm2Form, key_signer, key_verifier
from signing.wsse import WsseSigner, WsseVerifier


@contextmanager
def _configuring(platform: str, part: str = "") -> Iterator[None]:
    """A key file, passphrase, certificate or extra that does not serve is the configuration's fault: one
    ConfigError (exit 78) naming the platform, around the error's own words (signing/keyfiles.py)."""
    try:
        yield
    except (KeyFileError, MissingExtra, ValueError) as exc:
        raise ConfigError(f"platform {platform}: {part}{exc}") from None


def build_signer(config: SigningSettings, *, platform: str, clock: Clock = utc_now) -> MessageSigner:
    """Our request signer for a platform; a keyring's active key is chosen at `clock()` (the composition root's
    clock; the wall clock only for the CLI and tests that build a signer on their own)."""
    with _configuring(platform):
        if config.profile == "hmac-appkey":
            assert config.app_key and config.app_secret  # the settings validator guarantees both
            secret = config.app_secret.get_secret_value().encode()
            return HmacSigner(config.app_key, secret, config.hmac_method, config.hex_case)
        assert config.keyring is not None
        return build_keyring_signer(config, platform=platform, now=clock())


def build_keyring_signer(config: SigningSettings, *, platform: str, now: datetime) -> KeyringSigner:
    """Our requests signed with the keyring's active key at each signing time (staged rotation, no restart)."""
    assert config.keyring is not None
    form = sm2_form(config)

    def make(key: Any, key_id: str) -> MessageSigner:
        return key_signer(config.profile, key, key_id, form)

    with _configuring(platform):
        passphrase = passphrase_from(config.passphrase_env)
    return KeyringSigner(config.keyring, make, passphrase=passphrase, now=now)


def build_verifier(config: SigningSettings, *, platform: str) -> MessageVerifier:
    with _configuring(platform):
        if config.profile == "hmac-appkey":
            assert config.court_app_key and config.court_app_secret
            secret = config.court_app_secret.get_secret_value().encode()
            return HmacVerifier(
                {config.court_app_key: PublicKeyEntry(config.court_app_key, secret, config.hmac_method)},
                config.hex_case,
            )
        keys = {}
        for key_id, path in config.court_keys.items():
            key = load_public_key(path)
            keys[key_id] = PublicKeyEntry(key_id, key, algorithm_of(key), revoked=key_id in config.revoked_court_keys)
        return key_verifier(config.profile, keys, sm2_form(config))


def sm2_form(config: SigningSettings) -> Sm2Form:
    """The platform's SM2 choices, as its settings name them."""
    return Sm2Form(
        distid=config.sm2_distid,
        der=config.sm2_signature == "der",
        encoding=config.sm2_encoding,
        hex_case=config.hex_case,
    )


def build_wsse(config: WsseSettings, *, platform: str) -> tuple[WsseSigner, WsseVerifier]:
    """Our WS-Security signer and the verifier of the court's answers, for a SOAP platform."""
    with _configuring(platform, "wsse: "):
        key = load_private_key(config.key, passphrase_from(config.passphrase_env))
        certificate = _certificate(config.certificate)
        if not same_key(key.public_key(), certificate_key(certificate)):
            # Caught here, or every request would be refused by the court (E401) with nothing pointing at why.
            raise KeyFileError(f"{config.key} is not the key of certificate {config.certificate}")
        court = [_certificate(path) for path in config.court_certificates]
        signer = WsseSigner(key, certificate, distid=config.sm2_distid)
        return signer, WsseVerifier(court, distid=config.sm2_distid)


def credential_of(name: str, config: PlatformSettings, signer: MessageSigner) -> Callable[[datetime], Credential]:
    """What a platform's requests are authenticated with, and the fix when the court refuses it: the words of the
    one alert a credentials hold raises (adapter/platforms/credential_hold.py)."""
    if config.transport == "soap" and config.wsse is not None:  # WS-Security authenticates SOAP requests
        path = config.wsse.certificate.resolve()
        try:
            certificate = _certificate(path)
            what = f"WS-Security certificate {path} ({certificate.subject.rfc4514_string()}, "
            what += f"serial {certificate.serial_number:x})"
        except KeyFileError:
            what = f"WS-Security certificate {path}"
        remedy = (
            "give the court this certificate (or one its CA issues from `docking keys wsse --csr`), or put the "
            f"previous key and certificate back in [platforms.{name}.wsse] and restart"
        )
        fixed = Credential(what, remedy)
    elif isinstance(signer, KeyringSigner):
        return signer.credential
    else:
        fixed = Credential(
            f"app key {config.signing.app_key}",
            f"check app_key and app_secret with the court (DOCKING_PLATFORMS__{name.upper()}__SIGNING__APP_SECRET)",
        )
    return lambda at: fixed


def _certificate(path: Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except OSError as exc:
        raise KeyFileError(f"cannot read certificate {path}: {exc.strerror}") from None
    except ValueError:
        raise KeyFileError(f"{path} is not a PEM X.509 certificate") from None
