"""Writing a bundle as a tar with its manifest and sums, and reading one back safely (layout.py: why tar).

The manifest lists every other file with its SHA-256, size and what it is; SHA256SUMS lists every file and the
manifest in `sha256sum -c` form (GNU coreutils: "<hex>  <path>"). Reading refuses what a hostile archive could
hold: links, devices, absolute or `..` paths, duplicate names, more than MAX_MEMBERS members or MAX_BYTES in all —
an EvidenceError naming the member.
"""

import hashlib
import io
import json
import tarfile
from datetime import datetime
from pathlib import Path, PurePosixPath

from adapter.errors import DockingError
from adapter.evidence.collect import BundleFile
from adapter.evidence.layout import FORMAT, MANIFEST, SUMS

MAX_MEMBERS = 20_000
MAX_BYTES = 2 << 30


class EvidenceError(DockingError):
    """A bundle that cannot be read at all (not a tar, an unsafe member): `path` names the file or member."""

    def __init__(self, path: str, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path = path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest(files: list[BundleFile], case_id: str, exported_at: str) -> bytes:
    listed = [{"path": f.path, "sha256": sha256(f.data), "size": len(f.data), "what": f.what}
              for f in sorted(files, key=lambda f: f.path)]  # fmt: skip
    doc = {"format": FORMAT, "case_id": case_id, "exported_at": exported_at, "files": listed}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode()


def sums(files: dict[str, bytes]) -> bytes:
    return "".join(f"{sha256(data)}  {path}\n" for path, data in sorted(files.items())).encode()


def write(files: list[BundleFile], out: Path, case_id: str, at: datetime, exported_at: str) -> dict[str, bytes]:
    """The bundle of `files` at `out` (written to a sibling temporary file, then renamed: never half-written)."""
    members = {f.path: f.data for f in files}
    if len(members) != len(files):
        raise EvidenceError(out.name, "two bundle files share a name")
    members[MANIFEST] = manifest(files, case_id, exported_at)
    members[SUMS] = sums(members)
    partial = out.with_name(out.name + ".partial")
    with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
        for path, data in sorted(members.items()):
            info = tarfile.TarInfo(path)
            info.size, info.mtime, info.mode = len(data), int(at.timestamp()), 0o644
            info.uname = info.gname = "docking"
            tar.addfile(info, io.BytesIO(data))
    partial.replace(out)
    return members


def read(bundle: Path) -> dict[str, bytes]:
    """{path: bytes} of every member of the tar at `bundle` (module doc for what is refused)."""
    try:
        with tarfile.open(bundle, "r:*") as tar:
            return _members(tar)
    except (OSError, tarfile.TarError) as exc:
        raise EvidenceError(str(bundle), f"not a readable tar archive ({exc})") from None


def _members(tar: tarfile.TarFile) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    total = 0
    for n, info in enumerate(tar):
        path = PurePosixPath(info.name)
        if n >= MAX_MEMBERS:
            raise EvidenceError(info.name, f"more than {MAX_MEMBERS} members")
        if not info.isfile() or path.is_absolute() or ".." in path.parts:
            raise EvidenceError(info.name, "not a plain file with a relative path inside the bundle")
        total += info.size
        if total > MAX_BYTES:
            raise EvidenceError(info.name, f"the bundle holds more than {MAX_BYTES} bytes")
        name = str(path)
        if name in found:
            raise EvidenceError(name, "appears twice in the bundle")
        extracted = tar.extractfile(info)
        found[name] = extracted.read() if extracted is not None else b""
    return found
