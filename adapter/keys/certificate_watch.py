"""Which certificates the adapter signs with, and how long each stays valid: the seal's whole chain when [seal]
is enabled (`[seal] certificate_chain`: label `seal` for its own certificate, `seal:chain[1]`, `seal:chain[2]`…
for its CAs — an expired intermediate or root breaks the seal as surely as its own), each SOAP platform's
WS-Security certificate (`[platforms.x.wsse] certificate`, label `x:wsse`) and every certificate kept in a keyring
folder (`docking keys cert` writes `<keyring>/<key_id>.crt`; a CA-issued one is put there too). `docking status`,
the alert evaluation (AlertKind.CERTIFICATE_EXPIRY) and `/readyz` read them here.

Only certificates in use alert or make `/readyz` not ready (`CertificateStatus.in_use`): a keyring certificate whose
key the manifest (adapter/keys/keyring.py) names retired or revoked is kept after rotation and only listed. One
whose key is active or published, not in the manifest, or in a folder whose manifest cannot be read counts as in use
(nothing says it is not).

A certificate is `expiring` within [alerts] certificate_expiry_days of its notAfter, `expired` past it (what then
refuses depends on the label: `_CONSEQUENCE`), `unreadable` when the file is not a certificate.
Files only: nothing here reaches the database.
"""

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from adapter.config.settings import Settings
from adapter.keys.keyring import Keyring, KeyState
from adapter.status.report import CertificateStatus
from schemas.clock import CHINA
from signing.keyfiles import KeyFileError

RETIRED_STATES = (KeyState.RETIRED, KeyState.REVOKED)
MAX_FILES = 50  # a keyring holds a few keys; a folder of thousands of .crt files is not one to read at every look


def watched(settings: Settings, now: datetime) -> list[tuple[str, Path, bool]]:
    """(label, file, in use at `now`) of each certificate file to watch, each file once: the seal's chain, the
    WS-Security certificates, then each keyring's *.crt."""
    found: dict[Path, tuple[str, bool]] = {}
    seal: Any = getattr(settings, "seal", None)  # [seal] (adapter/seal/settings.py), where that section exists
    sealing = seal is not None and bool(getattr(seal, "enabled", False))
    if sealing and getattr(seal, "certificate_chain", None):
        found[Path(seal.certificate_chain)] = ("seal", True)
    for name, platform in sorted(settings.platforms.items()):
        if platform.wsse is not None:  # a court refuses every request signed under an expired certificate
            found.setdefault(Path(platform.wsse.certificate), (f"{name}:wsse", True))
    folders = [(name, p.signing.keyring) for name, p in sorted(settings.platforms.items()) if p.signing.keyring]
    if sealing and getattr(seal, "keyring", None):
        folders.append(("seal", Path(seal.keyring)))
    for owner, folder in folders:
        idle = _idle_keys(Path(folder), now)
        for path in _certificates_in(Path(folder)):
            found.setdefault(path, (f"{owner}:{path.name}", path.stem not in idle))
    return [(label, path, in_use) for path, (label, in_use) in found.items()]


def statuses(settings: Settings, now: datetime) -> tuple[CertificateStatus, ...]:
    """Each watched certificate's validity at `now` (aware), warned `[alerts] certificate_expiry_days` ahead; the
    seal's chain gives one status per certificate in it."""
    warn = timedelta(days=settings.alerts.certificate_expiry_days)
    found: list[CertificateStatus] = []
    for label, path, in_use in watched(settings, now):
        if label == "seal":
            found.extend(chain_statuses(label, path, now, warn))
        else:
            found.append(replace(status_of(label, path, now, warn), in_use=in_use))
    return tuple(found)


def chain_statuses(label: str, path: Path, now: datetime, warn: timedelta) -> list[CertificateStatus]:
    """One status per certificate of a PEM chain: `label` for the first, `label:chain[i]` for the i-th CA."""
    try:
        chain = x509.load_pem_x509_certificates(path.read_bytes())
    except (OSError, ValueError):
        return [status_of(label, path, now, warn)]  # says why, as for any unreadable file
    return [_status(label if i == 0 else f"{label}:chain[{i}]", path, c, now, warn) for i, c in enumerate(chain)]


def status_of(label: str, path: Path, now: datetime, warn: timedelta) -> CertificateStatus:
    try:
        certificate = x509.load_pem_x509_certificate(path.read_bytes())  # a chain: its first certificate
    except (OSError, ValueError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not a PEM certificate"
        return CertificateStatus(label, str(path), "", None, None, "unreadable", f"{path}: {why}")
    return _status(label, path, certificate, now, warn)


def consequence(label: str) -> str:
    """What stops once the certificate under `label` has expired, for the detail an operator reads."""
    if label == "seal" or label.startswith("seal:"):
        return "sealing refuses until it is renewed"
    if label.endswith(":wsse"):
        return "the court refuses our WS-Security signed requests until it is renewed"
    return "the court may refuse what this key signs until it is renewed"


def _status(label: str, path: Path, certificate: x509.Certificate, now: datetime, warn: timedelta) -> CertificateStatus:
    end = certificate.not_valid_after_utc
    left = (end - now).total_seconds() / 86400
    subject = certificate.subject.rfc4514_string({NameOID.ORGANIZATION_IDENTIFIER: "organizationIdentifier"})
    shown = f"{end.astimezone(CHINA):%Y-%m-%d %H:%M} CST"  # for people: China time, labelled
    if now > end:
        state, detail = "expired", f"{subject} expired {shown}: {consequence(label)}"
    elif now < certificate.not_valid_before_utc:
        start = certificate.not_valid_before_utc.astimezone(CHINA)
        state, detail = "not_yet_valid", f"{subject} is valid only from {start:%Y-%m-%d %H:%M} CST"
    elif end - now <= warn:
        state, detail = "expiring", f"{subject} expires {shown}, in {left:.0f} day(s): renew it"
    else:
        state, detail = "ok", f"{subject} valid until {shown}"
    return CertificateStatus(label, str(path), subject, end, round(left, 1), state, detail)


def _idle_keys(folder: Path, now: datetime) -> set[str]:
    """Key ids the folder's manifest names retired or revoked at `now` (a scheduled switch applied: `settled`);
    none when it has no readable manifest."""
    try:
        ring = Keyring.open(folder).view(now)
    except (KeyFileError, OSError, ValueError):  # ValueError: a manifest time that is not ISO 8601
        return set()
    return {r.key_id for r in ring if r.state in RETIRED_STATES}


def _certificates_in(folder: Path) -> Iterator[Path]:
    try:
        paths = sorted(folder.glob("*.crt"))[:MAX_FILES]
    except OSError:
        return
    yield from (p for p in paths if p.is_file())
