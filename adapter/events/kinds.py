"""The kinds of centre event and the data each carries: pure functions of their cause.

Data is masked at the source (adapter/masking.py): an event names cases, platforms and messages, never a party's
clear ID number or phone; free text (an error, a detail) goes through mask_text.
"""

from enum import StrEnum
from typing import Any

from adapter.masking import mask_fields, mask_text


class EventType(StrEnum):
    """The `type` of a centre event (each member is the string stored and sent)."""

    DISPATCH_RECEIVED = "case.dispatch_received"  # a court dispatched a new case
    CASE_UPDATED = "case.updated"  # a court's decision applied by ingest (other than the kinds below)
    JC_RULING = "case.jc_ruling"  # a court's ruling on a judicial-confirmation application
    MEDIATION_DOC_ISSUED = "case.mediation_doc_issued"  # the court issued its 调解书
    DEADLINE_ALERT = "case.deadline_alert"  # a deadline due soon or overdue (adapter/deadlines/sweep.py)
    MESSAGE_DEAD = "message.dead"  # an outgoing message to a court given up (outbox)
    RECONCILE_DIFFERENCE = "reconcile.difference"  # our record and the court's disagree
    PLATFORM_HELD = "platform.held"  # a court refuses our credentials: its messages wait
    PLATFORM_RELEASED = "platform.released"  # … and accepts them again
    # Docking partners (adapter/events/partner_events.py); `case_id` is the partner record's id (TR-/AR-/RO-…)
    PARTNER_RECORD_OPENED = "partner.record_opened"  # a partner record opened (an offer, an entrustment …)
    PARTNER_UPDATED = "partner.updated"  # a partner's message applied to one of its records
    PARTNER_DEADLINE_ALERT = "partner.deadline_alert"  # a partner record's due date closing soon or passed
    PARTNER_MESSAGE_DEAD = "partner.message_dead"  # a message to a partner given up
    PARTNER_RECONCILE_DIFFERENCE = "partner.reconcile_difference"  # our record (or figure) and the partner's differ


def dispatch_received(
    *,
    platform: str,
    platform_case_id: str,
    case_number: str | None,
    court_code: str | None,
    flow: str,
    procedure: str,
    cause: str,
    amount: str,
    status: str,
    message_id: str,
    flags: list[str],
) -> dict[str, Any]:
    return {
        "platform": platform,
        "court_case_id": platform_case_id,
        "case_number": case_number,
        "court_code": court_code,
        "flow": flow,
        "procedure": procedure,
        "cause": cause,
        "amount": amount,
        "status": status,
        "message_id": message_id,
        "flags": [mask_text(flag) for flag in flags],
    }


def case_updated(
    *, platform: str, platform_case_id: str, decision: dict[str, Any], from_status: str, to_status: str, message_id: str
) -> dict[str, Any]:
    """A court's decision as applied; the decision's own fields masked (mask_fields, then any free text)."""
    return {
        "platform": platform,
        "court_case_id": platform_case_id,
        "from_status": from_status,
        "status": to_status,
        "message_id": message_id,
        "decision": _masked(decision),
    }


def message_dead(*, platform: str, message_id: str, message_type: str, seq: int, error: str | None) -> dict[str, Any]:
    return {
        "platform": platform,
        "message_id": message_id,
        "message_type": message_type,
        "seq": seq,
        "error": mask_text(error or ""),
    }


def _masked(doc: Any) -> Any:
    doc = mask_fields(doc)
    if isinstance(doc, dict):
        return {k: _masked(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_masked(v) for v in doc]
    if isinstance(doc, str):
        return mask_text(doc)
    return doc


def deadline_alert(
    *, case_number: str | None, platform_case_id: str, status: str, detail: dict[str, Any]
) -> dict[str, Any]:
    """A deadline closing soon or passed, as the sweep records it in the case's history (kind, state, last day,
    estimated, rule, and a suggestion when there is one)."""
    return {"case_number": case_number, "court_case_id": platform_case_id, "status": status, **_masked(detail)}


def reconcile_difference(
    *,
    platform: str,
    platform_case_id: str,
    ours: str | None,
    theirs: str | None,
    kind: str,
    action: str,
    repaired: bool,
    detail: str,
    run_id: int,
) -> dict[str, Any]:
    """One difference a reconciliation run found between our record and the court's (adapter/reconcile/)."""
    return {
        "platform": platform,
        "court_case_id": platform_case_id,
        "ours": ours,
        "theirs": theirs,
        "kind": kind,
        "action": action,
        "repaired": repaired,
        "detail": mask_text(detail),
        "run_id": run_id,
    }


def platform_hold(*, platform: str, reason: str) -> dict[str, Any]:
    """A court refusing our credentials (held: its messages wait, none goes dead) or accepting them again."""
    return {"platform": platform, "reason": mask_text(reason)}
