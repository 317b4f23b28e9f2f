"""FakePartner: an in-memory docking partner (traffic platform, arbitration commission, SPC platform) behind
connectors/partner_port.PartnerPort, for the core's tests and the partner contract suite
(tests/contract/test_partner_contract.py).

Stateful, not a mock: it applies each message id once (a resend gets `duplicate=True` and the same reference), gives
each record a reference on its first message (`<ref_prefix>000001` …), keeps a coarse status per record (moved by
`status_after[type]`, answered by `query_status`), publishes its own messages as signed items on its feed, and
answers `statistics` from what tests set (None when it keeps none). Tests script it: `publish` / `publish_raw`,
`fail_next` (the next calls raise), `refuse` (a record's sends are refused), `set_status`, `forget`, `stats`.

Signing: with a `signer` its items carry that profile's headers and `verifier` checks them in `decode`; without
them a SHA-256 digest header (`X-Fake-Digest`) stands in, which `tamper=True` spoils — either way a bad signature
is a PayloadError. `bodies` (the kind's body_model, optional) validates each decoded body: an unknown type or a bad
body is a PayloadError naming the field.
"""

from collections.abc import Callable, Mapping, Sequence

from pydantic import BaseModel

from connectors.fake_feed import SignedFakeFeed
from connectors.partner_port import PartnerReceipt, PartnerStatus
from connectors.partner_wire import check_body
from connectors.port import RawInbound, RejectedError
from schemas.partner import PartnerEnvelope, PartnerKind
from signing.base import MessageSigner, MessageVerifier


class FakePartner(SignedFakeFeed):
    transport = "fake"

    def __init__(
        self,
        name: str = "fake-partner",
        kind: PartnerKind = PartnerKind.TRAFFIC,
        signer: MessageSigner | None = None,
        verifier: MessageVerifier | None = None,
        *,
        ref_prefix: str = "FP",
        status_after: Mapping[str, str] | None = None,
        bodies: Callable[[str], type[BaseModel]] | None = None,
    ) -> None:
        super().__init__(name, signer, verifier)
        self.kind, self._bodies, self._ref_prefix = kind, bodies, ref_prefix
        self.status_after: dict[str, str] = dict(status_after or {})
        self._refused: dict[str, tuple[str, str]] = {}
        self._receipts: dict[str, PartnerReceipt] = {}  # message id → the receipt first given
        self.sent: list[PartnerEnvelope] = []  # every message applied, in order (resends not repeated)
        self.statuses: dict[str, str] = {}  # record id → the partner's coarse status
        self.refs: dict[str, str] = {}  # record id → the partner's reference
        self.stats: dict[str, dict[str, int]] | None = None  # month → counts; None: keeps no statistics

    # ---- test controls

    def publish(self, envelope: PartnerEnvelope, *, tamper: bool = False) -> RawInbound:
        """Issue a partner message: signed and appended to the feed, the record's status moved. `tamper`: the
        signature no longer matches the bytes (decode refuses it). Returns the item as the feed carries it."""
        body = envelope.model_dump_json().encode()
        headers = self._sign(body, envelope.message_id, envelope.sent_at)
        if tamper:
            body = body.replace(b'"sent_at"', b'"sent_at" ', 1)  # same meaning, other bytes: the signature fails
        if envelope.record_id is not None and envelope.type in self.status_after:
            self.statuses[envelope.record_id] = self.status_after[envelope.type]
        return self._append(body, headers)

    def refuse(self, record_id: str, code: str = "refused", detail: str = "the partner refuses the message") -> None:
        """Every later send about `record_id` is a RejectedError with `code`."""
        self._refused[record_id] = (code, detail)

    def set_status(self, record_id: str, status: str | None) -> None:
        if status is None:
            self.statuses.pop(record_id, None)
        else:
            self.statuses[record_id] = status

    def forget(self, record_id: str) -> None:
        """The partner loses a record and its memory of the messages applied to it."""
        self.statuses.pop(record_id, None)
        self.refs.pop(record_id, None)
        lost = {e.message_id for e in self.sent if e.record_id == record_id}
        self.sent = [e for e in self.sent if e.record_id != record_id]
        self._receipts = {k: v for k, v in self._receipts.items() if k not in lost}

    # ---- the port

    def send(self, envelope: PartnerEnvelope) -> PartnerReceipt:
        self._maybe_fail()
        first = self._receipts.get(envelope.message_id)
        if first is not None:
            return PartnerReceipt(first.message_id, duplicate=True, partner_ref=first.partner_ref)
        rid = envelope.record_id or ""
        if rid in self._refused:
            code, detail = self._refused[rid]
            raise RejectedError(self.name, code, detail)
        if rid and rid not in self.refs:
            self.refs[rid] = f"{self._ref_prefix}{len(self.refs) + 1:06d}"
        self.sent.append(envelope)
        if rid and envelope.type in self.status_after:
            self.statuses[rid] = self.status_after[envelope.type]
        receipt = PartnerReceipt(envelope.message_id, duplicate=False, partner_ref=self.refs.get(rid))
        self._receipts[envelope.message_id] = receipt
        return receipt

    def decode(self, item: RawInbound) -> PartnerEnvelope:
        envelope = self._decode(item, PartnerEnvelope)
        if self._bodies is not None:
            check_body(self.name, envelope, self._bodies)
        return envelope

    def query_status(self, record_ids: Sequence[str]) -> dict[str, PartnerStatus | None]:
        self._maybe_fail()
        return {
            rid: PartnerStatus(self.statuses[rid], self.refs.get(rid)) if rid in self.statuses else None
            for rid in record_ids
        }

    def statistics(self, month: str) -> dict[str, int] | None:
        self._maybe_fail()
        return None if self.stats is None else dict(self.stats.get(month, {}))
