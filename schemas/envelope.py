"""The message envelope: a stable id, a type, the case it concerns and one canonical payload."""

from typing import Annotated, Any, Literal

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer

from schemas.agreement import MediationAgreement
from schemas.case import CaseDispatch, Record
from schemas.enums import CourtStatus, MessageType
from schemas.jc import CourtDecision, JcApplication
from schemas.outcome import MediationOutcome
from schemas.progress import ProgressUpdate
from schemas.text import Line, Text
from schemas.times import Timestamp


class DispatchBody(Record):
    type: Literal[MessageType.DISPATCH] = MessageType.DISPATCH
    dispatch: CaseDispatch


class ProgressBody(Record):
    type: Literal[MessageType.PROGRESS] = MessageType.PROGRESS
    progress: ProgressUpdate


class OutcomeBody(Record):
    type: Literal[MessageType.OUTCOME] = MessageType.OUTCOME
    outcome: MediationOutcome


class _SealedDocument(Record):
    """A body carrying the agreement PDF. `seal_cms_b64`: the centre's SM2 seal, a detached CMS over the PDF's bytes
    (DER, base64; GB/T 35275, adapter/seal/sealer.py), when a 国密 profile seals beside the PDF rather than in it;
    absent otherwise — and then left out of the JSON, so every envelope without it serialises as before."""

    @model_serializer(mode="wrap")
    def _without_absent_seal(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict) and data.get("seal_cms_b64", "") is None:
            del data["seal_cms_b64"]
        return data


class AgreementBody(_SealedDocument):
    type: Literal[MessageType.AGREEMENT] = MessageType.AGREEMENT
    agreement: MediationAgreement
    document_b64: Text = Field(min_length=1)  # the signed PDF travels with the agreement
    seal_cms_b64: Text | None = Field(default=None, min_length=1)


class JcApplicationBody(_SealedDocument):
    type: Literal[MessageType.JC_APPLICATION] = MessageType.JC_APPLICATION
    application: JcApplication
    agreement: MediationAgreement
    document_b64: Text = Field(min_length=1)  # MIME base64 may break lines
    seal_cms_b64: Text | None = Field(default=None, min_length=1)


class ClosureBody(Record):
    """The agreement was performed without judicial confirmation (CLOSED_PERFORMED)."""

    type: Literal[MessageType.CLOSURE] = MessageType.CLOSURE
    closed_at: Timestamp
    note: Text = ""


class CourtDecisionBody(Record):
    type: Literal[MessageType.COURT_DECISION] = MessageType.COURT_DECISION
    decision: CourtDecision


Body = Annotated[
    DispatchBody | ProgressBody | OutcomeBody | AgreementBody | JcApplicationBody | ClosureBody | CourtDecisionBody,
    Field(discriminator="type"),
]


class Envelope(Record):
    """What crosses the connector port; `message_id` is stable across retries so receivers drop duplicates."""

    message_id: Line = Field(min_length=1, max_length=64)
    platform: Line = Field(min_length=1, max_length=64)
    platform_case_id: Line = Field(min_length=1, max_length=64)
    created_at: Timestamp
    body: Body
    # The court status this message moves the case to, as the sender sees it (used by reconciliation).
    status_after: CourtStatus | None = None

    @property
    def type(self) -> MessageType:
        return self.body.type
