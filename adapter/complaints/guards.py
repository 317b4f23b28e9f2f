"""The intake guards of a complaint (partners.md §1 "Guards"): what is refused before a complaint is stored or
forwarded, each refusal an InvalidRequest naming the field, the rule and the input — and the repeat check run
before forwarding.

    read_complaint(data)              the record from the boundary's dict; a bad identifier (GB 11643 / GB 32100) or
                                      any other schema error → InvalidRequest naming the dotted field
    check_intake(complaint, memo)     representative's document, classification codes, track against the MoU
    complainant_key(complainant, key) the keyed digest a store keeps to find a complainant's earlier complaints
    find_repeat(complaint, earlier)   the earlier complaint this one repeats, or None (pure)

Rules, by `rule` name: "identifier" and the schema's own (read_complaint); "power_of_attorney", "proof_of_inheritance"
(CBIRC Order 2020 No 3 Art 13 [P36]); "code_table", "institution_kind", "unknown_code" (JR/T 0169-2018 and the
regulator's categories, reference/complaint_codes.py); "memorandum", "memorandum_tracks", "small_claim_cap" (the
centre's MoUs [P67a], adapter/complaints/memoranda.py).
"""

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from adapter.complaints.memoranda import Memorandum
from adapter.complaints.states import ComplaintStatus
from adapter.errors import InvalidRequest
from adapter.field_errors import read_model
from reference import complaint_codes
from schemas.complaint import Complainant, Complaint, RepresentativeKind, Track

# A repeat is the same complainant, institution, business and cause within this many days. *inference*: Order 2020
# No 3 lets an institution merge a repeat without new facts [P33] but names no window; 180 days is a setting.
REPEAT_WINDOW = timedelta(days=180)
# Earlier complaints that end in one of these are no longer a matter to repeat: a withdrawn complaint was never
# handled, and a merged one already lives on in the complaint it was merged into.
NOT_REPEATED = frozenset({ComplaintStatus.WITHDRAWN, ComplaintStatus.MERGED})

_DOCUMENTS = {
    RepresentativeKind.AGENT: ("power_of_attorney", "a signed power of attorney (授权委托书)"),
    RepresentativeKind.HEIR: ("proof_of_inheritance", "proof of inheritance (继承权证明)"),
}


def read_complaint(data: Mapping[str, Any]) -> Complaint:
    """The Complaint `data` describes; InvalidRequest naming the first bad field as a dotted path
    ("complainant.id_number"), its rule ("identifier" for a GB 11643 / GB 32100 failure, else pydantic's error
    type) and the input (masked). The schema checks identifiers (schemas/identifiers.py); this turns its refusal
    into the field error a use case raises."""
    return read_model(Complaint, data, root="complaint")


def check_intake(complaint: Complaint, memo: Memorandum | None) -> None:
    """None if the complaint may be taken in and forwarded to its institution under `memo` (its MoU, None if it has
    none); else InvalidRequest naming the field, the rule and the input:
    - a representative without the document their kind needs (Order 2020 No 3 Art 13) — "representative.document";
    - a classification whose table is not shipped, is meant for the other kind of institution, or lacks the business
      or cause code (reference/complaint_codes.py) — "classification.table" / ".business" / ".cause";
    - the small-claim track without a memorandum, a track the memorandum does not allow — "track"; an amount in
      dispute above the memorandum's small-claim cap — "amount_in_dispute" [P67a].
    Without a memorandum the general and green-channel tracks are open: the green channel is the centre's own
    priority handling [P67a], not authority an institution delegates (*inference*)."""
    _check_representative(complaint)
    try:
        complaint_codes.check(complaint.classification, complaint.institution.kind)
    except complaint_codes.ClassificationError as exc:
        raise InvalidRequest(str(exc), field=exc.field, rule=exc.rule) from None
    _check_track(complaint, memo)


def _check_representative(complaint: Complaint) -> None:
    someone = complaint.representative
    if someone is None or someone.document is not None:
        return
    rule, document = _DOCUMENTS[someone.kind]
    raise InvalidRequest(
        f"representative.document: {someone.kind.value} {someone.name!r} acts for the complainant without "
        f"{document}; attach it (CBIRC Order 2020 No 3 Art 13; rule {rule})",
        field="representative.document",
        rule=rule,
    )


def _check_track(complaint: Complaint, memo: Memorandum | None) -> None:
    track, institution = complaint.track, complaint.institution.name
    if memo is None:
        if track is Track.SMALL_CLAIM:
            raise InvalidRequest(
                f"track: {track.value!r} needs a memorandum with {institution}, and none is configured; send it on "
                "the general track (rule memorandum)",
                field="track",
                rule="memorandum",
            )
        return
    if track not in memo.tracks:
        raise InvalidRequest(
            f"track: {track.value!r} is not a track the memorandum with {institution} (signed {memo.signed_on}) "
            f"allows; it allows {', '.join(t.value for t in memo.tracks)} (rule memorandum_tracks)",
            field="track",
            rule="memorandum_tracks",
        )
    if track is Track.SMALL_CLAIM and complaint.amount_in_dispute > memo.small_claim_cap:
        raise InvalidRequest(
            f"amount_in_dispute: {complaint.amount_in_dispute} yuan is above the small-claim cap of "
            f"{memo.small_claim_cap} yuan in the memorandum with {institution} (signed {memo.signed_on}); send it "
            "on the general track (rule small_claim_cap)",
            field="amount_in_dispute",
            rule="small_claim_cap",
        )


# ---- the repeat check --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriorComplaint:
    """What the repeat check needs of an earlier complaint; the store fills it. `complainant_key` is
    `complainant_key(...)` of its complainant (never the ID number itself), `institution_uscc` the institution's
    USCC, `business` / `cause` its classification codes, `received_at` aware."""

    complaint_id: str
    complainant_key: str
    institution_uscc: str
    business: str
    cause: str
    received_at: datetime
    status: ComplaintStatus


def complainant_key(complainant: Complainant, key: bytes) -> str:
    """HMAC-SHA256 (hex) of the complainant's identifier type and number under `key` (a secret the store holds): the
    same person or organisation gives the same key, and a stored key does not give the ID number back (a plain hash
    of an 18-digit ID with its check digit would be guessed in minutes). ValueError if `key` is empty."""
    if not key:
        raise ValueError("complainant_key needs a non-empty secret key")
    text = f"{complainant.id_type.value}:{complainant.id_number.strip().upper()}"
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def find_repeat(
    complaint: Complaint, earlier: Sequence[PriorComplaint], *, key: str, window: timedelta = REPEAT_WINDOW
) -> PriorComplaint | None:
    """The earlier complaint `complaint` repeats, or None: the same complainant (`key`, its complainant_key), the same
    institution (USCC), the same business and cause codes, received within `window` before it (default 180 days,
    an *inference*), and neither withdrawn nor merged. The latest such one if several. Pure.

    The caller decides what follows [P33]: without new facts the complaint is merged into the one returned; with
    new facts (Complaint.new_facts) it is handled as a complaint of its own and the clock restarts."""
    found = [
        prior
        for prior in earlier
        if prior.complaint_id != complaint.complaint_id
        and prior.complainant_key == key
        and prior.institution_uscc == complaint.institution.uscc
        and prior.business == complaint.classification.business
        and prior.cause == complaint.classification.cause
        and prior.status not in NOT_REPEATED
        and complaint.received_at - window <= prior.received_at <= complaint.received_at
    ]
    return max(found, key=lambda prior: (prior.received_at, prior.complaint_id), default=None)
