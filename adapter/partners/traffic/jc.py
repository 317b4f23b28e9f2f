"""The court's ruling on the judicial confirmation of a traffic agreement — recorded by the centre (an action) or
pushed by the platform (traffic.jc_result): one pure function for both, so either way it is the same Change."""

from datetime import datetime
from typing import Any

from adapter.masking import mask_text
from adapter.partners.spec import Change, PartnerRecord
from adapter.partners.traffic.states import TrafficEvent, TrafficNote, TrafficStatus
from schemas.clock import china_iso

S, E = TrafficStatus, TrafficEvent


def jc_result(record: PartnerRecord, confirmed: bool, ruling_no: str, ruled_at: datetime, reason: str) -> Change:
    """JC_APPLIED → JC_CONFIRMED or JC_REJECTED. The same ruling again is a duplicate (a note); a ruling arriving in
    another status (before the application is recorded, or after) is kept as an out-of-order note — nothing moves,
    the operator sees it in the history."""
    jc: dict[str, Any] = dict(record.facts.get("jc") or {})
    if jc.get("ruling_no") == ruling_no and jc.get("confirmed") is confirmed:
        return Change(note=TrafficNote.DUPLICATE, detail=f"JC ruling {ruling_no} again")
    said = "confirmed" if confirmed else f"rejected: {mask_text(reason)}"
    jc.update(confirmed=confirmed, ruling_no=ruling_no, ruled_at=china_iso(ruled_at), reason=reason)
    if record.status != S.JC_APPLIED:
        return Change(
            note=TrafficNote.OUT_OF_ORDER,
            facts={"jc_unmatched": jc},  # beside the JC facts, not over them: the guard reads `jc`
            detail=f"JC ruling {ruling_no} {said} in {record.status}",
        )
    event = E.JC_CONFIRM if confirmed else E.JC_REJECT
    return Change(event=event, facts={"jc": jc}, detail=f"JC ruling {ruling_no}: {said}")
