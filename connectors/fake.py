"""FakeCourtPlatform: an in-memory court behind the port, for unit tests of the core and the contract suite.

Stateful, not a mock: it keeps what was sent, applies each message id once, remembers each case's status,
publishes dispatches and decisions on feeds, and can be told to fail the next calls in a given order.
"""

from collections import deque
from collections.abc import Sequence

from pydantic import ValidationError

from connectors.port import (
    CasePage,
    ConnectorError,
    Feed,
    FeedPage,
    ListedCase,
    PayloadError,
    RawInbound,
    Receipt,
    RequestSigner,
)
from reference.case_intake import read_case_number
from schemas.enums import CourtStatus
from schemas.envelope import DispatchBody, Envelope
from schemas.validation import summarize


class FakeCourtPlatform:
    transport = "fake"

    def __init__(self, name: str = "fake", signer: RequestSigner | None = None) -> None:
        self.name = name
        self._signer = signer
        self._feeds: dict[Feed, list[RawInbound]] = {Feed.DISPATCHES: [], Feed.DECISIONS: []}
        self._failures: deque[ConnectorError] = deque()
        self.sent: list[Envelope] = []  # every message applied, in order
        self.statuses: dict[str, CourtStatus] = {}
        self.published: dict[str, list[RawInbound]] = {}  # case → every item published about it

    # ---- test controls

    def publish(self, feed: Feed, envelope: Envelope, *, lost: bool = False) -> None:
        """Issue a message about a case; `lost`: it never reaches the feed (only `fetch_case` has it)."""
        body = envelope.model_dump_json().encode()
        headers = (
            self._signer.sign(body, message_id=envelope.message_id, at=envelope.created_at) if self._signer else {}
        )
        items = self._feeds[feed]
        item = RawInbound(body=body, headers=dict(headers), position=str(len(items) + 1))
        if not lost:
            items.append(item)
        self.published.setdefault(envelope.platform_case_id, []).append(item)
        if feed is Feed.DISPATCHES:
            self.statuses.setdefault(envelope.platform_case_id, CourtStatus.PENDING)

    def fail_next(self, *errors: ConnectorError) -> None:
        """The next calls (of any kind) raise these, in order."""
        self._failures.extend(errors)

    def forget(self, case_id: str) -> None:
        """The court loses a case and its memory of the messages applied to it (its publications stay)."""
        self.statuses.pop(case_id, None)
        self.sent = [e for e in self.sent if e.platform_case_id != case_id]

    def _maybe_fail(self) -> None:
        if self._failures:
            raise self._failures.popleft()

    # ---- the port

    def fetch(self, feed: Feed, cursor: str, limit: int) -> FeedPage:
        self._maybe_fail()
        start = int(cursor or 0)
        page = self._feeds[feed][start : start + limit]
        return FeedPage(items=page, next_cursor=str(start + len(page)))

    def decode(self, item: RawInbound) -> Envelope:
        try:
            envelope = Envelope.model_validate_json(item.body)
            if isinstance(envelope.body, DispatchBody):  # its 案号 read once, here (reference/case_intake.py)
                dispatch = read_case_number(envelope.body.dispatch, loc=("body", "dispatch", "dispatch", "case_number"))
                envelope = envelope.model_copy(update={"body": DispatchBody(dispatch=dispatch)})
            return envelope
        except ValidationError as exc:
            raise PayloadError(self.name, "invalid", summarize(exc)) from exc

    def send(self, envelope: Envelope) -> Receipt:
        self._maybe_fail()
        if any(e.message_id == envelope.message_id for e in self.sent):
            return Receipt(envelope.message_id, duplicate=True)
        self.sent.append(envelope)
        if envelope.status_after is not None:
            self.statuses[envelope.platform_case_id] = envelope.status_after
        return Receipt(envelope.message_id, duplicate=False)

    def query_status(self, platform_case_ids: Sequence[str]) -> dict[str, CourtStatus | None]:
        self._maybe_fail()
        return {case_id: self.statuses.get(case_id) for case_id in platform_case_ids}

    def list_cases(self, cursor: str, limit: int) -> CasePage:
        self._maybe_fail()
        ids = sorted(i for i in self.statuses if i > cursor)[:limit]
        cases = [ListedCase(i, self.statuses[i]) for i in ids]
        return CasePage(cases=cases, next_cursor=ids[-1] if len(ids) == limit else "")

    def fetch_case(self, platform_case_id: str) -> Sequence[RawInbound]:
        self._maybe_fail()
        return list(self.published.get(platform_case_id, [])) if platform_case_id in self.statuses else []
