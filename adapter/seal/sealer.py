"""The configured seal (`[seal]`, adapter/seal/settings.py), loaded and checked once, applied to each agreement.

`Sealer.from_settings` reads the key (a PEM file, or a keyring's active key; the passphrase from the environment
variable the settings name, never logged) and the certificate chain, and checks that the chain's first certificate
is the key's and valid now — at start, so a wrong file is said before the first agreement rather than at it.
`Sealer.seal` returns a `Sealed`: the document to send, and, for an SM2 seal, the detached CMS beside it.

RSA and EC P-256 keys seal in the PDF (PAdES, adapter/seal/pades.py). PDF tooling has no SM2, so an SM2 key (a
国密 profile) leaves the PDF as the parties signed it and signs a detached CMS over its bytes instead (SM2 with SM3,
GB/T 35275; signing/cms.py), which a court checks with `openssl cms -verify -binary -inform DER -content PDF`.
"""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509

from adapter.keys.keyring import Keyring
from adapter.seal import Sealed
from adapter.seal.pades import (
    CHAIN_FIELD,
    SealError,
    check_key_and_chain,
    check_pdf,
    field_signer_keys,
    load_chain,
    seal_pdf,
    spki,
)
from adapter.seal.settings import SealSettings
from signing import sm2
from signing.cms import sign_detached
from signing.keyfiles import load_private_key, passphrase_from


@dataclass(frozen=True)
class Sealer:
    """The centre's seal as configured: its private key, its certificate chain (the key's certificate first), and
    how a PAdES seal is written (reason, location, a visible stamp, the field name). Built by `from_settings`."""

    key: Any
    chain: tuple[x509.Certificate, ...]
    reason: str = ""
    location: str = ""
    visible: bool = False
    field_name: str = "CentreSeal"

    @classmethod
    def from_settings(cls, settings: SealSettings, now: datetime) -> "Sealer | None":
        """The sealer `[seal]` describes, or None when sealing is off. KeyFileError (unreadable key, missing
        passphrase variable), SealError naming `seal.certificate_chain` (no certificate, not the key's, expired)."""
        if not settings.enabled:
            return None
        passphrase = passphrase_from(settings.passphrase_env)
        chain_file = settings.certificate_chain
        if settings.keyring is not None:
            ring = Keyring.open(settings.keyring)
            record = ring.active(now)
            key = ring.private_key(record, passphrase)
            chain_file = chain_file or ring.directory / f"{record.key_id}.crt"  # `docking keys cert` writes it
        else:
            assert settings.key_file is not None  # SealSettings._complete: one of the two
            key = load_private_key(settings.key_file, passphrase)
        assert chain_file is not None  # SealSettings._complete: given, or the keyring's
        chain = load_chain(_read(chain_file), str(chain_file))
        check_key_and_chain(key, chain, now, str(chain_file))
        return cls(key, chain, settings.reason, settings.location, settings.visible, settings.field_name)

    def seal(self, document: bytes, now: datetime) -> Sealed:
        """`document` sealed at `now` (adapter/seal/pades.py seal_pdf). SealError naming `document` (not a PDF,
        encrypted) or `seal.certificate_chain` (the certificate expired since start)."""
        if self.sm2:
            check_pdf(document)  # the court files a PDF: the same refusals as a PAdES seal
            try:
                return Sealed(document, sign_detached(document, self.key, self.chain, at=now))
            except ValueError as exc:  # the certificate expired since start, or is not the key's
                raise SealError(str(exc), field=CHAIN_FIELD, rule="certificate") from None
        sealed = seal_pdf(
            document,
            self.key,
            self.chain,
            now=now,
            reason=self.reason,
            location=self.location,
            visible=self.visible,
            field_name=self.field_name,
        )
        return Sealed(sealed)

    @property
    def sm2(self) -> bool:
        return sm2.is_sm2_key(self.key)

    def carries_seal(self, document: bytes) -> bool:
        """Whether `document` holds a signature by this seal's key in this seal's field (SealError naming `document`
        when it is not a readable PDF, rule `foreign_seal` when the field is signed by another key: forwarding it
        as ours would pass off someone else's seal); never for an SM2 seal, whose CMS travels beside the PDF and is
        signed afresh for each message."""
        if self.sm2:
            return False
        signer = field_signer_keys(document).get(self.field_name)
        if signer is None:
            return False
        if signer != spki(self.chain[0]):
            raise SealError(
                f"the PDF already carries a signature in the field {self.field_name!r}, but not by this centre's "
                "seal key: refused rather than forwarded as sealed",
                field="document",
                rule="foreign_seal",
            )
        return True


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SealError(f"cannot read {path}: {exc.strerror}", field=CHAIN_FIELD, rule="readable") from None
