"""Keys already found, remembered by the API process that serves a SQLite file, so most requests skip the lookup.

Every request looked its key up in `api_clients`: one indexed row through the read-only SQLite connection, about
0.1 ms of the event loop per request — a tenth of the HTTP layer's own cost over the use case (bench/api.py, #16).
A key found live is remembered here by its SHA-256 (never the key), with the state of the **revocation marker**
when it was read: a file beside the database (`<database>-clients`) that `revoke_client` rewrites after its commit,
from whichever process revokes (`docking clients revoke`, the console). A request whose key was remembered under
another marker state looks it up again, so a revocation still counts from the next request on, across processes.
What bypasses `revoke_client` (an UPDATE typed into the database by hand) is seen within `TTL_SECONDS`, when the
remembered answer runs out. Unknown and revoked keys are never remembered: each costs its lookup, as before.

PostgreSQL deployments look every key up (api/access.py, in a worker thread): there the marker would have to be
shared between hosts, and the lookup does not run on the event loop.
"""

import os
import time
from collections.abc import Callable

from sqlalchemy import Engine

from api.clients import Client, authenticate_sqlite, key_digest, marker_path

TTL_SECONDS = 60.0  # the longest a key revoked past `revoke_client` is still accepted
MAX_KEYS = 4096  # a process serves tens of clients; a bound against growth all the same

Stamp = tuple[int, int, int] | None  # the marker's inode, modification time (ns) and size; None: no marker yet


class KnownKeys:
    """Live keys found through one read-only SQLite engine, remembered as said above. Used on the event loop only
    (api/access.py): one thread, no lock needed."""

    def __init__(self, engine: Engine, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine
        self.marker = marker_path(engine)
        self.clock = clock
        self._known: dict[str, tuple[Client, Stamp, float]] = {}

    def _stamp(self) -> Stamp:
        if self.marker is None:
            return None
        try:
            found = os.stat(self.marker)
        except FileNotFoundError:
            return None
        return (found.st_ino, found.st_mtime_ns, found.st_size)

    def find(self, key: str) -> Client | None:
        """The live client holding `key`, or None (unknown or revoked); errors as `authenticate_sqlite`."""
        digest = key_digest(key)
        stamp = self._stamp()
        now = self.clock()
        known = self._known.get(digest)
        if known is not None and known[1] == stamp and now < known[2]:
            return known[0]
        client = authenticate_sqlite(self.engine, key, digest=digest)
        if client is None:
            self._known.pop(digest, None)
        else:
            if len(self._known) >= MAX_KEYS:
                self._known.clear()
            self._known[digest] = (client, stamp, now + TTL_SECONDS)
        return client
