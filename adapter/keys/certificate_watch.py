"""Which certificates the adapter signs with, and how long each stays valid: the seal's (`[seal]`
certificate_chain, its first certificate), each SOAP platform's WS-Security certificate (`[platforms.x.wsse]
certificate`, label `x:wsse`) and every certificate kept in a keyring folder (`docking keys cert` writes
`<keyring>/<key_id>.crt`; a CA-issued one is put there too). `docking status`, the alert evaluation
(AlertKind.CERTIFICATE_EXPIRY) and `/readyz` read them here.

A certificate is `expiring` within [alerts] certificate_expiry_days of its notAfter, `expired` past it (sealing
then refuses: signing/cms.py sign_detached, adapter/seal/), `unreadable` when the file is not a certificate.
Files only: nothing here reaches the database.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from adapter.config.settings import Settings
from adapter.status.report import CertificateStatus
from schemas.clock import CHINA

MAX_FILES = 50  # a keyring holds a few keys; a folder of thousands of .crt files is not one to read at every look


def watched(settings: Settings) -> list[tuple[str, Path]]:
    """(label, file) of each certificate to watch, each file once: the seal's chain, the WS-Security certificates,
    then each keyring's *.crt."""
    found: dict[Path, str] = {}
    seal: Any = getattr(settings, "seal", None)  # [seal] (adapter/seal/settings.py), where that section exists
    if seal is not None and getattr(seal, "enabled", False) and getattr(seal, "certificate_chain", None):
        found[Path(seal.certificate_chain)] = "seal"
    for name, platform in sorted(settings.platforms.items()):
        if platform.wsse is not None:  # a court refuses every request signed under an expired certificate
            found.setdefault(Path(platform.wsse.certificate), f"{name}:wsse")
    folders = [(name, p.signing.keyring) for name, p in sorted(settings.platforms.items()) if p.signing.keyring]
    if seal is not None and getattr(seal, "enabled", False) and getattr(seal, "keyring", None):
        folders.append(("seal", Path(seal.keyring)))
    for owner, folder in folders:
        for path in _certificates_in(Path(folder)):
            found.setdefault(path, f"{owner}:{path.name}")
    return [(label, path) for path, label in found.items()]


def statuses(settings: Settings, now: datetime) -> tuple[CertificateStatus, ...]:
    """Each watched certificate's validity at `now` (aware), warned `[alerts] certificate_expiry_days` ahead."""
    warn = timedelta(days=settings.alerts.certificate_expiry_days)
    return tuple(status_of(label, path, now, warn) for label, path in watched(settings))


def status_of(label: str, path: Path, now: datetime, warn: timedelta) -> CertificateStatus:
    try:
        certificate = x509.load_pem_x509_certificate(path.read_bytes())  # a chain: its first certificate
    except (OSError, ValueError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not a PEM certificate"
        return CertificateStatus(label, str(path), "", None, None, "unreadable", f"{path}: {why}")
    end = certificate.not_valid_after_utc
    left = (end - now).total_seconds() / 86400
    subject = certificate.subject.rfc4514_string({NameOID.ORGANIZATION_IDENTIFIER: "organizationIdentifier"})
    shown = f"{end.astimezone(CHINA):%Y-%m-%d %H:%M} CST"  # for people: China time, labelled
    if now > end:
        state, detail = "expired", f"{subject} expired {shown}: sealing refuses until it is renewed"
    elif now < certificate.not_valid_before_utc:
        start = certificate.not_valid_before_utc.astimezone(CHINA)
        state, detail = "not_yet_valid", f"{subject} is valid only from {start:%Y-%m-%d %H:%M} CST"
    elif end - now <= warn:
        state, detail = "expiring", f"{subject} expires {shown}, in {left:.0f} day(s): renew it"
    else:
        state, detail = "ok", f"{subject} valid until {shown}"
    return CertificateStatus(label, str(path), subject, end, round(left, 1), state, detail)


def _certificates_in(folder: Path) -> Iterator[Path]:
    try:
        paths = sorted(folder.glob("*.crt"))[:MAX_FILES]
    except OSError:
        return
    yield from (p for p in paths if p.is_file())
