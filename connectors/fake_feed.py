"""What the in-memory fakes of a counterpart share (connectors/fake_desk.py, connectors/fake_partner.py): a feed of
signed items read by cursor, scripted failures, and signature checks — with the counterpart's `signer` and our
`verifier` when given, else a SHA-256 digest header (`X-Fake-Digest`) standing in, so a tampered item is a
PayloadError either way, as from a real counterpart."""

import hashlib
from collections import deque
from collections.abc import Mapping
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from connectors.port import ConnectorError, FeedPage, PayloadError, RawInbound
from schemas.validation import summarize
from signing.base import MessageSigner, MessageVerifier
from signing.errors import SignatureInvalid

DIGEST_HEADER = "X-Fake-Digest"
M = TypeVar("M", bound=BaseModel)


class SignedFakeFeed:
    def __init__(self, name: str, signer: MessageSigner | None, verifier: MessageVerifier | None) -> None:
        self.name = name
        self._signer, self._verifier = signer, verifier
        self._feed: list[RawInbound] = []
        self._failures: deque[ConnectorError] = deque()

    def publish_raw(self, body: bytes, headers: Mapping[str, str] | None = None) -> RawInbound:
        """Put arbitrary bytes on the feed (signed as given, or carrying the fake digest if `headers` is None)."""
        return self._append(body, dict(headers) if headers is not None else self._digest(body))

    def fail_next(self, *errors: ConnectorError) -> None:
        """The next calls to the counterpart (not decode) raise these, in order."""
        self._failures.extend(errors)

    def fetch(self, cursor: str, limit: int) -> FeedPage:
        self._maybe_fail()
        start = int(cursor or 0)
        page = self._feed[start : start + limit]
        return FeedPage(items=page, next_cursor=str(start + len(page)))

    def _decode(self, item: RawInbound, model: type[M]) -> M:
        """The item's message as `model`, its signature verified and bound to its message id; PayloadError."""
        try:
            signed_id = self._verify(item)
        except SignatureInvalid as exc:
            raise PayloadError(self.name, exc.reason, exc.detail) from exc
        try:
            message = model.model_validate_json(item.body)
        except ValidationError as exc:
            raise PayloadError(self.name, "invalid", summarize(exc)) from exc
        message_id = getattr(message, "message_id", None)
        if signed_id is not None and signed_id != message_id:
            raise PayloadError(
                self.name, SignatureInvalid.MISMATCH, f"signed for {signed_id!r}, body is {message_id!r}"
            )
        return message

    def _maybe_fail(self) -> None:
        if self._failures:
            raise self._failures.popleft()

    def _append(self, body: bytes, headers: Mapping[str, str], *, lost: bool = False) -> RawInbound:
        item = RawInbound(body=body, headers=dict(headers), position=str(len(self._feed) + 1))
        if not lost:
            self._feed.append(item)
        return item

    def _sign(self, body: bytes, message_id: str, at: datetime) -> dict[str, str]:
        if self._signer is None:
            return self._digest(body)
        return dict(self._signer.sign(body, message_id=message_id, at=at))

    @staticmethod
    def _digest(body: bytes) -> dict[str, str]:
        return {DIGEST_HEADER: hashlib.sha256(body).hexdigest()}

    def _verify(self, item: RawInbound) -> str | None:
        """The signed message id (None where the scheme signs none), or SignatureInvalid."""
        if self._verifier is not None:
            return self._verifier.verify(item.body, item.headers).message_id
        given = {k.lower(): v for k, v in item.headers.items()}.get(DIGEST_HEADER.lower())
        if not given:
            raise SignatureInvalid(SignatureInvalid.UNSIGNED, f"header {DIGEST_HEADER} is missing")
        if given != hashlib.sha256(item.body).hexdigest():
            raise SignatureInvalid(SignatureInvalid.MISMATCH, "the digest does not match the bytes")
        return None
