"""Sample complaint messages for the desk tests (the fake desk, the REST desk, the sandbox institutions): anonymised,
with valid check digits, times in China time. One builder per message kind the desks exchange."""

import hashlib
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from schemas.case import Attachment
from schemas.complaint import (
    AckBody,
    Channel,
    Classification,
    Complainant,
    Complaint,
    ComplaintBody,
    ComplaintEnvelope,
    DecidedBody,
    DecisionResult,
    ForwardBody,
    Institution,
    InstitutionKind,
    Remedy,
    Track,
)
from schemas.enums import IdType, PartyKind

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=CST)
RESIDENT_ID = "110105198503071230"  # GB 11643 check digit valid, not a real person
USCC = "914400001234567899"  # GB 32100 check digit valid, not a real organisation


def complaint(complaint_id: str = "TS20260302-0001", **changes: object) -> Complaint:
    """A card holder's complaint about a fee, as the centre received it by phone."""
    fields: dict[str, object] = {
        "complaint_id": complaint_id,
        "received_at": T0,
        "channel": Channel.PHONE,
        "complainant": Complainant(
            kind=PartyKind.NATURAL_PERSON,
            name="张三",
            id_type=IdType.RESIDENT_ID,
            id_number=RESIDENT_ID,
            phone="13812345678",
            address="广州市越秀区中山五路1号",
        ),
        "institution": Institution(
            kind=InstitutionKind.BANK, name="某某银行股份有限公司信用卡中心", uscc=USCC, branch="广州分中心"
        ),
        "classification": Classification(table="jrt0169", version="2018", business="B0301", cause="C0201"),
        "track": Track.GENERAL,
        "request": "退还多收的年费",
        "facts": "办卡时承诺免年费，后被收取年费600元",
        "amount_in_dispute": Decimal("600.00"),
        "attachments": (Attachment(name="账单.pdf", sha256=hashlib.sha256(b"bill").hexdigest(), size=20480),),
    }
    fields.update(changes)
    return Complaint.model_validate(fields)


def envelope(
    body: ComplaintBody, complaint_id: str = "TS20260302-0001", message_id: str = "M-1", **changes: object
) -> ComplaintEnvelope:
    fields: dict[str, object] = {
        "message_id": message_id,
        "complaint_id": complaint_id,
        "sent_at": T0,
        "body": body,
    }
    fields.update(changes)
    return ComplaintEnvelope.model_validate(fields)


def forward(complaint_id: str = "TS20260302-0001", message_id: str = "F-1", **changes: object) -> ComplaintEnvelope:
    body = ForwardBody(
        complaint=complaint(complaint_id, **changes),
        forwarded_at=T0 + timedelta(minutes=20),
        centre_due=T0 + timedelta(days=10),
        statutory_due=T0 + timedelta(days=15),
    )
    return envelope(body, complaint_id, message_id, sent_at=T0 + timedelta(minutes=20))


def ack(complaint_id: str = "TS20260302-0001", message_id: str = "A-1", desk_ref: str = "KF-0001") -> ComplaintEnvelope:
    body = AckBody(desk_ref=desk_ref, acknowledged_at=T0 + timedelta(hours=1), handler="李四")
    return envelope(body, complaint_id, message_id, desk_ref=desk_ref, sent_at=T0 + timedelta(hours=1))


def decided(
    complaint_id: str = "TS20260302-0001", message_id: str = "D-1", desk_ref: str = "KF-0001"
) -> ComplaintEnvelope:
    body = DecidedBody(
        result=DecisionResult.UPHELD,
        remedy_amount=Decimal("600.00"),
        notified_at=T0 + timedelta(days=2),
        remedies_told=(Remedy.REVIEW, Remedy.MEDIATION, Remedy.ARBITRATION, Remedy.LITIGATION),
        summary="退还年费600元",
    )
    return envelope(body, complaint_id, message_id, desk_ref=desk_ref, sent_at=T0 + timedelta(days=2))
