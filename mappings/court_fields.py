"""The court data standard's field set (pinyin-initial names), mapped to and from the canonical schemas.

Shared by the transports that carry it: odr-rest sends these fields as JSON, court-soap as upper-case XML
elements. Each platform passes its own code tables; an unknown code raises UnknownCode, never a default.
  court → centre:  {"xxbh": id, "xxlx": "PQ"|"CD", "fssj": time, "ajbs": court case id, "ajxx"|"jdxx": {...}}
  centre → court:  {"xxbh": id, "xxlx": "JZ"|"JG"|"XY"|"SQ"|"JA", "fssj": time, "ajbs": id, "zt": status, "nr": {...}}
Every time, both ways, is in the platform's agreed form (`t.timestamps`, mappings/times.py): a time in another form
is refused naming its field, never guessed at.

Wire types of what a court sends (strict, mappings/wire_types.py: anything else is malformed, naming the field):
  string   xxbh, ajbs (non-empty ids); every code (xxlx, tjlx, cxlx, ssdw, dsrlx, zjlx, jdlx, sqjg, js); ah, fydm,
           fymc, ay, ssqq, tjzz, tjy; xm, zjhm; wjmc, sha256; ly, wsh; the agreement's ss, tk, fkf, skf, lxfs, wjmc,
           wjzy, qmr, zsxh. Optional ones may be absent or null.
  amount   bdje, ze, je, jmwyj: decimal text ("35000.50"), never a JSON number
  number   dx (a file size): a JSON integer, or digits as text (the XML framing has only text)
  time     fssj, pqsj, jdsj, qmsj, gzsj, rq: the platform's agreed form (mappings/times.py)
  object   ajxx, jdxx; list of objects: dsr, fj, jjtk, fq, qm
  lenient  a party's lxdh and sddz: a contact detail never refuses a message (schemas/contacts.py, issue 12)
"""

from typing import Any

from mappings.codes import CodeTables, MalformedPayload
from mappings.court_agreement import agreement_fields
from mappings.court_dispatch import case_to_canonical as case_to_canonical  # where the tests and callers ask for it
from mappings.court_dispatch import code, dispatch_body
from mappings.times import read_time, write_date, write_time
from mappings.wire_types import field, ident, obj, optional_text
from reference.errors import UnknownCode
from schemas.case import CaseDispatch
from schemas.enums import MessageType
from schemas.envelope import (
    AgreementBody,
    ClosureBody,
    CourtDecisionBody,
    DispatchBody,
    Envelope,
    JcApplicationBody,
    OutcomeBody,
    ProgressBody,
)
from schemas.jc import CourtDecision, JcApplication
from schemas.outcome import FailureReport, MediationOutcome
from schemas.progress import ProgressUpdate

# ---- case information (ajxx), both directions: dispatches come in with it (mappings/court_dispatch.py reads it),
# flow-C JC applications go out with it


def case_from_canonical(case: CaseDispatch, t: CodeTables) -> dict[str, Any]:
    return {
        "ah": case.case_number,
        "fydm": case.court_code,
        "fymc": case.court_name,
        "tjlx": t.from_canonical("flow", case.flow, "flow"),
        "cxlx": t.from_canonical("procedure", case.procedure, "procedure"),
        "ay": case.cause,
        "ssqq": case.claims,
        "bdje": f"{case.amount:.2f}",
        "dsr": [
            {
                "xm": p.name,
                "ssdw": t.from_canonical("party_role", p.role, "party.role"),
                "dsrlx": t.from_canonical("party_kind", p.kind, "party.kind"),
                "zjlx": t.from_canonical("id_type", p.id_type, "party.id_type"),
                "zjhm": p.id_number,
                "lxdh": p.phone,
                "sddz": p.address,
            }
            for p in case.parties
        ],
        "fj": [{"wjmc": a.name, "sha256": a.sha256, "dx": a.size} for a in case.attachments],
        "tjzz": case.designated_org,
        "tjy": case.designated_mediator,
        "pqsj": write_time(case.dispatched_at, t.timestamps),
    }


# ---- outbound: centre → court


def _content(envelope: Envelope, t: CodeTables) -> dict[str, Any]:
    body = envelope.body
    if isinstance(body, ProgressBody):
        p: ProgressUpdate = body.progress
        return {
            "jzlx": t.from_canonical("progress_kind", p.kind, "progress.kind"),
            "sj": write_time(p.at, t.timestamps),
            "jjly": None
            if p.decline_reason is None
            else t.from_canonical("decline_reason", p.decline_reason, "reason"),
            "tjy": p.mediator,
            "bz": p.note,
            "xqx": write_date(p.new_due, t.timestamps) if p.new_due else None,
        }
    if isinstance(body, OutcomeBody):
        o: MediationOutcome = body.outcome
        r: FailureReport | None = o.report
        return {
            "jgdm": t.from_canonical("outcome", int(o.code), "outcome.code"),
            "sj": write_time(o.at, t.timestamps),
            "bg": None
            if r is None
            else {
                "ss": r.facts,
                "sbyy": r.reason,
                "zjfy": r.cost_raising_conduct,
                "jy": r.points_for_court,
                "wzyss": r.undisputed_facts,
            },
        }
    if isinstance(body, AgreementBody):
        return {"xy": agreement_fields(body.agreement, t), "wj": body.document_b64, **_seal(body.seal_cms_b64)}
    if isinstance(body, JcApplicationBody):
        a: JcApplication = body.application
        return {
            "sq": {
                "sqr": a.applicant,
                "tyr": a.consenting_party,
                "sqsj": write_time(a.applied_at, t.timestamps),
                "xysxsj": write_time(a.agreement_effective_at, t.timestamps),
                "tjzm": a.mediation_proof,
            },
            "ajxx": None if a.case is None else case_from_canonical(a.case, t),
            "xy": agreement_fields(body.agreement, t),
            "wj": body.document_b64,
            **_seal(body.seal_cms_b64),
        }
    if isinstance(body, ClosureBody):
        return {"jasj": write_time(body.closed_at, t.timestamps), "bz": body.note}
    raise UnknownCode(t.platform, "message_type", "type", body.type)


def _seal(cms_b64: str | None) -> dict[str, str]:
    """`wjqm` (文件签名): the centre's SM2 seal over `wj`, a detached CMS (DER, base64; GB/T 35275), beside the
    document in the court field set (JSON for odr-rest, a <resource> row for court-soap) — only when there is one,
    so a message without it is what it always was."""
    return {} if cms_b64 is None else {"wjqm": cms_b64}


def encode_doc(envelope: Envelope, t: CodeTables) -> dict[str, Any]:
    """The fields of an outbound message, ready for the transport's serialisation."""
    return {
        "xxbh": envelope.message_id,
        "xxlx": t.from_canonical("message_type", envelope.type, "type"),
        "fssj": write_time(envelope.created_at, t.timestamps),
        "ajbs": envelope.platform_case_id,
        "zt": None if envelope.status_after is None else t.from_canonical("court_status", envelope.status_after, "zt"),
        "nr": _content(envelope, t),
    }


# ---- inbound: court → centre


def decode_doc(platform: str, doc: Any, t: CodeTables) -> Envelope:
    """The canonical envelope in a court message already parsed into fields; raises MalformedPayload,
    UnknownCode or ValidationError."""
    kind = code(t, "message_type", doc, "xxlx", "")
    case_id = ident(doc, "ajbs", "")
    body_model: DispatchBody | CourtDecisionBody
    if kind == MessageType.DISPATCH:
        body_model = dispatch_body(obj(doc, "ajxx", ""), case_id, t)
    elif kind == MessageType.COURT_DECISION:
        jdxx = obj(doc, "jdxx", "")
        result = optional_text(jdxx, "sqjg", "jdxx")
        body_model = CourtDecisionBody(
            decision=CourtDecision(
                kind=code(t, "decision_kind", jdxx, "jdlx", "jdxx"),
                decided_at=read_time(field(jdxx, "jdsj", "jdxx"), t.timestamps, "jdxx.jdsj"),
                jc_result=None if result is None else t.to_canonical("jc_result", result, "jdxx.sqjg"),
                reason=optional_text(jdxx, "ly", "jdxx", ""),
                document_number=optional_text(jdxx, "wsh", "jdxx"),
            )
        )
    else:
        raise MalformedPayload(f"message type {kind!r} is not one a court sends to the centre")
    return Envelope(
        message_id=ident(doc, "xxbh", ""),
        platform=platform,
        platform_case_id=case_id,
        created_at=read_time(field(doc, "fssj", ""), t.timestamps, "fssj"),
        body=body_model,
    )
