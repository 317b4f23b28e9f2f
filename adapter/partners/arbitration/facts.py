"""An arbitration record's facts (PartnerRecord.facts, sealed at rest): what the actions and inbound messages store,
typed. Top-level keys are replaced whole by a Change, so each is one self-contained value.

    application      ArbitrationApplication (ours)        submitted_at / received_at   our send / their receipt
    case_no          the commission's case number          accepted_at, fee_notice, fee_paid_at
    refused          RefusedBody                           tribunal_formed_at, hearings
    instrument       the latest InstrumentIssuedBody       statement   the 调解书 a party backed out of, if any
    served           {party ref: signed_for_at}            repented    PartyRepentedBody
    effective_at     the instrument took effect            corrections (CorrectedBody, …)
    set_aside        SetAsideBody                          withdrawn   WithdrawnBody, withdrawn_by centre|commission
    entrusted        MediationEntrustedBody (reverse)      result      MediationResultBody (reverse)
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from schemas.arbitration import (
    ArbitrationApplication,
    CorrectedBody,
    FeeNotice,
    FeePaidBody,
    InstrumentIssuedBody,
    MediationEntrustedBody,
    MediationResultBody,
    PartyRepentedBody,
    RefusedBody,
    SetAsideBody,
    WithdrawnBody,
)
from schemas.times import Timestamp


class ArbFacts(BaseModel):
    # Keys a later version adds are ignored by an older reader rather than failing a stored record.
    model_config = ConfigDict(extra="ignore", frozen=True)

    application: ArbitrationApplication | None = None
    submitted_at: Timestamp | None = None
    received_at: Timestamp | None = None
    case_no: str | None = None
    accepted_at: Timestamp | None = None
    fee_notice: FeeNotice | None = None
    fee_paid_at: Timestamp | None = None
    fee_paid: FeePaidBody | None = None  # what we told the commission (resent by repair)
    refused: RefusedBody | None = None
    tribunal_formed_at: Timestamp | None = None
    hearings: tuple[Timestamp, ...] = ()
    instrument: InstrumentIssuedBody | None = None
    statement: InstrumentIssuedBody | None = None
    served: dict[str, Timestamp] = {}
    repented: PartyRepentedBody | None = None
    effective_at: Timestamp | None = None
    corrections: tuple[CorrectedBody, ...] = ()
    set_aside: SetAsideBody | None = None
    withdrawn: WithdrawnBody | None = None
    withdrawn_by: str | None = None  # "centre" (ours: resent if the commission lost it) or "commission"
    entrusted: MediationEntrustedBody | None = None
    result: MediationResultBody | None = None

    @property
    def party_refs(self) -> tuple[str, ...]:
        """The parties who must sign for a 调解书: the application's, or the entrustment's."""
        source = self.application or self.entrusted
        return () if source is None else tuple(p.ref for p in source.parties)

    @property
    def award_received_at(self) -> datetime | None:
        """When the award (裁决书) reached the parties — the correction and set-aside clocks' start [P21 Arts 56, 59]:
        the last party's signature if service was reported, else its issue (a commission that reports no service:
        the earliest the parties can have it). None for a 调解书: correction and set-aside are remedies against an
        award only (Art 56 "裁决书", Art 58 "撤销裁决"); a 调解书 binds once signed for and has no such window."""
        if self.instrument is None or self.instrument.kind != "award":
            return None
        signed = [at for at in self.served.values() if at >= self.instrument.issued_at]
        return max(signed) if signed else self.instrument.issued_at


def read(facts: Mapping[str, Any]) -> ArbFacts:
    """The typed facts of a stored record (ValidationError if a stored value is malformed)."""
    return ArbFacts.model_validate(dict(facts))


def dump(**values: Any) -> dict[str, Any]:
    """Top-level fact values as JSON (the Change's `facts`); each name must be an ArbFacts field."""
    unknown = set(values) - set(ArbFacts.model_fields)
    if unknown:
        raise KeyError(f"not arbitration facts: {sorted(unknown)}")
    typed = ArbFacts.model_validate(values)
    return typed.model_dump(mode="json", include=set(values))
