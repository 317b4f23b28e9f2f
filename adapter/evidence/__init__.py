"""A case's evidence bundle (#20): `docking evidence export CASE` and `docking evidence verify BUNDLE`.

One uncompressed POSIX tar (layout.py says why, and what each member is): every message of the case as the bytes
exchanged with their signature headers, the court's answers, the case's kept documents, its history, its audit
entries with an RFC 6962 inclusion proof each in a signed checkpoint, the public keys, and a manifest of SHA-256
digests (manifest.json, and SHA256SUMS for `sha256sum -c`). collect.py reads the database, keys.py the public keys,
archive.py writes and reads the tar, check.py verifies offline with the bundle's public keys (or ones given).
Nothing about another case is in it: a proof carries only sibling hashes, a checkpoint only its root.
"""
