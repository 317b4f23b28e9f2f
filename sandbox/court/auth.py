"""Request crypto: the court verifies every request of the centre (signature, freshness, replayed nonces), is
given the centre's rotated keys, and signs what it publishes."""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from sandbox.court.state import CourtRefusal, CourtState
from signing.base import PublicKeyEntry, check
from signing.errors import SignatureInvalid


class Authentication(CourtState):
    """Verifying the centre's requests and signing the court's own items."""

    def verify_request(self, body: bytes, headers: Mapping[str, str], target: str) -> None:
        """Signature, signed time within the window, message id or nonce never seen: else 401 with the reason."""
        try:
            check(
                self._verifier,
                body,
                headers,
                now=datetime.now(UTC),
                target=target,
                window=timedelta(seconds=self.config.window_seconds),
                replay=self.replay,
                scope="centre",
            )
        except SignatureInvalid as exc:
            self.signature_failures[exc.reason] = self.signature_failures.get(exc.reason, 0) + 1
            raise CourtRefusal(401, "E401", f"signature refused ({exc.reason}): {exc.detail}") from None

    def trust(self, entry: PublicKeyEntry) -> None:
        """The court is given another centre key (what `docking keys export-public` is for): it verifies with it
        from now on. A profile without public keys (HMAC) cannot be given one."""
        trusting = getattr(self._verifier, "trusting", None)
        if trusting is None:
            raise CourtRefusal(400, "E400", f"a {self._verifier.profile} court is not given public keys")
        with self._lock:
            self._verifier = trusting(entry)

    def sign_item(self, body: str, message_id: str) -> dict[str, str]:
        """The court's signature headers for a feed item (tests use it to publish crafted but authentic items)."""
        return dict(self._signer.sign(body.encode(), message_id=message_id, at=datetime.now(UTC)))
