"""Evidence bundles as the tests handle them: a court run worth exporting, a tampered copy, the manual procedure.

MANUAL is the README's check with standard tools, run as written (bash, in the extracted bundle's folder): the
digests with sha256sum, then each checkpoint's signature with openssl — `pkeyutl -rawin` for Ed25519 (it signs
the message itself), `dgst -sha256` for ECDSA P-256.
"""

import io
import json
import tarfile
from pathlib import Path

from adapter.evidence import archive
from adapter.evidence.layout import MANIFEST, SUMS

MANUAL = r"""
set -euo pipefail
sha256sum --check --strict --quiet SHA256SUMS
for statement in audit/checkpoints/*.statement; do
  cp="${statement%.statement}"
  key_id=$(sed -n 's/^ *"key_id": "\([^"]*\)".*/\1/p' "$cp.json")
  algorithm=$(sed -n 's/^ *"algorithm": "\([^"]*\)".*/\1/p' "$cp.json")
  echo "checkpoint $cp: $algorithm key $key_id"
  key="keys/audit-$key_id.pem"
  if [ "$algorithm" = EdDSA ]; then
    openssl pkeyutl -verify -pubin -inkey "$key" -rawin -in "$statement" -sigfile "$cp.sig"
  else
    openssl dgst -sha256 -verify "$key" -signature "$cp.sig" "$statement"
  fi
done
"""


def rewrite(bundle: Path, out: Path, change: dict[str, bytes | None], *, redigest: bool) -> Path:
    """A copy of `bundle` with members replaced (bytes) or removed (None); `redigest`: the manifest and sums made
    to match, as a forger would."""
    members = archive.read(bundle)
    for path, data in change.items():
        if data is None:
            members.pop(path)
        else:
            members[path] = data
    if redigest:
        doc = json.loads(members[MANIFEST])
        doc["files"] = [
            {**f, "sha256": archive.sha256(members[f["path"]])} for f in doc["files"] if f["path"] in members
        ]
        members[MANIFEST] = json.dumps(doc).encode()
        members[SUMS] = archive.sums({p: d for p, d in members.items() if p != SUMS})
    with tarfile.open(out, "w") as tar:
        for path, data in sorted(members.items()):
            info = tarfile.TarInfo(path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out
