"""FakeComplaintDesk: an in-memory institution complaint desk behind connectors/desk_port.ComplaintDesk, for unit
tests of the core and the desk contract suite (tests/contract/test_desk_contract.py).

Stateful, not a mock: it applies each message id once (a resend gets `duplicate=True` and the same desk reference),
gives each forwarded complaint a desk reference, refuses messages about complaints it never received
(`unknown_complaint`), keeps a coarse status per complaint (what `query_status` answers), and publishes its own
answers as signed items on its feed. Tests script it: `refuse` (a complaint's sends are refused), `fail_next` (the
next calls raise), `publish` / `publish_raw` (what the feed holds), `set_status`, `forget`.

Signing: with a `signer` its items carry that profile's headers and `verifier` checks them in `decode`; without
them the fake stands in with a SHA-256 digest header (`X-Fake-Digest`), which `tamper=True` spoils — either way a
bad signature is a PayloadError, as from a real desk.
"""

from collections.abc import Sequence

from connectors.desk_port import DeskReceipt, DeskStatus
from connectors.fake_feed import SignedFakeFeed
from connectors.port import RawInbound, RejectedError
from schemas.complaint import ComplaintEnvelope, ComplaintMessageType
from signing.base import MessageSigner, MessageVerifier

# What each message does to the desk's coarse status, sent by us or published by the desk.
STATUS_AFTER: dict[ComplaintMessageType, DeskStatus] = {
    ComplaintMessageType.FORWARD: DeskStatus.RECEIVED,
    ComplaintMessageType.WITHDRAWN: DeskStatus.WITHDRAWN,
    ComplaintMessageType.ACK: DeskStatus.ACKNOWLEDGED,
    ComplaintMessageType.CONTACTED: DeskStatus.HANDLING,
    ComplaintMessageType.EXTENDED: DeskStatus.EXTENDED,
    ComplaintMessageType.APPRAISAL: DeskStatus.HANDLING,
    ComplaintMessageType.DECIDED: DeskStatus.DECIDED,
    ComplaintMessageType.TO_MEDIATION: DeskStatus.TO_MEDIATION,
    ComplaintMessageType.SMALL_CLAIM_DECISION: DeskStatus.HANDLING,
    ComplaintMessageType.SMALL_CLAIM_PERFORMED: DeskStatus.PAID,
    ComplaintMessageType.REVIEW_REQUESTED: DeskStatus.HANDLING,
    ComplaintMessageType.REVIEW_DECIDED: DeskStatus.DECIDED,
}


class FakeComplaintDesk(SignedFakeFeed):
    transport = "fake"

    def __init__(
        self,
        name: str = "fake-desk",
        signer: MessageSigner | None = None,
        verifier: MessageVerifier | None = None,
        *,
        ref_prefix: str = "FD",
    ) -> None:
        super().__init__(name, signer, verifier)
        self._ref_prefix = ref_prefix
        self._refused: dict[str, tuple[str, str]] = {}
        self._receipts: dict[str, DeskReceipt] = {}  # message id → the receipt first given
        self.sent: list[ComplaintEnvelope] = []  # every message applied, in order (resends not repeated)
        self.statuses: dict[str, DeskStatus] = {}
        self.desk_refs: dict[str, str] = {}  # complaint id → the desk's reference
        self.published: dict[str, list[RawInbound]] = {}  # complaint id → every item published about it

    # ---- test controls

    def publish(self, envelope: ComplaintEnvelope, *, lost: bool = False, tamper: bool = False) -> RawInbound:
        """Issue a desk message: signed, appended to the feed (unless `lost`), the status moved. `tamper`: the
        signature no longer matches the bytes (decode refuses it). Returns the item as the feed carries it."""
        body = envelope.model_dump_json().encode()
        headers = self._sign(body, envelope.message_id, envelope.sent_at)
        if tamper:
            body = body.replace(b'"sent_at"', b'"sent_at" ', 1)  # same meaning, other bytes: the signature fails
        item = self._append(body, headers, lost=lost)
        self.published.setdefault(envelope.complaint_id, []).append(item)
        status = STATUS_AFTER.get(envelope.body.type)
        if status is not None and envelope.complaint_id in self.statuses:
            self.statuses[envelope.complaint_id] = status
        return item

    def refuse(self, complaint_id: str, code: str = "refused", detail: str = "the desk refuses the message") -> None:
        """Every later send about `complaint_id` is a RejectedError with `code` (until `accept` is called)."""
        self._refused[complaint_id] = (code, detail)

    def accept(self, complaint_id: str) -> None:
        self._refused.pop(complaint_id, None)

    def set_status(self, complaint_id: str, status: DeskStatus | None) -> None:
        if status is None:
            self.statuses.pop(complaint_id, None)
        else:
            self.statuses[complaint_id] = status

    def forget(self, complaint_id: str) -> None:
        """The desk loses a complaint and its memory of the messages applied to it (its publications stay)."""
        self.statuses.pop(complaint_id, None)
        self.desk_refs.pop(complaint_id, None)
        lost = {e.message_id for e in self.sent if e.complaint_id == complaint_id}
        self.sent = [e for e in self.sent if e.complaint_id != complaint_id]
        self._receipts = {k: v for k, v in self._receipts.items() if k not in lost}

    # ---- the port

    def send(self, envelope: ComplaintEnvelope) -> DeskReceipt:
        self._maybe_fail()
        first = self._receipts.get(envelope.message_id)
        if first is not None:
            return DeskReceipt(first.message_id, duplicate=True, desk_ref=first.desk_ref)
        cid = envelope.complaint_id
        if cid in self._refused:
            code, detail = self._refused[cid]
            raise RejectedError(self.name, code, detail)
        is_forward = envelope.body.type is ComplaintMessageType.FORWARD
        if not is_forward and cid not in self.statuses:
            raise RejectedError(self.name, "unknown_complaint", f"no complaint {cid!r} was forwarded to this desk")
        if is_forward and cid not in self.desk_refs:
            self.desk_refs[cid] = f"{self._ref_prefix}{len(self.desk_refs) + 1:06d}"
        self.sent.append(envelope)
        status = STATUS_AFTER.get(envelope.body.type)
        if status is not None and not (is_forward and cid in self.statuses):  # a re-forward does not reset it
            self.statuses[cid] = status
        receipt = DeskReceipt(envelope.message_id, duplicate=False, desk_ref=self.desk_refs.get(cid))
        self._receipts[envelope.message_id] = receipt
        return receipt

    def decode(self, item: RawInbound) -> ComplaintEnvelope:
        return self._decode(item, ComplaintEnvelope)

    def query_status(self, complaint_ids: Sequence[str]) -> dict[str, DeskStatus | None]:
        self._maybe_fail()
        return {cid: self.statuses.get(cid) for cid in complaint_ids}
