"""The mediation agreement in the court field set (xy), both directions."""

from typing import Any

from mappings.codes import CodeTables
from mappings.times import read_date, read_time, write_date, write_time
from mappings.wire_types import amount, field, objects, optional_text, text
from schemas.agreement import Instalment, MediationAgreement, MonetaryTerm, SignatureRecord


def agreement_fields(a: MediationAgreement, t: CodeTables) -> dict[str, Any]:
    return {
        "ss": a.facts,
        "tk": a.terms,
        "jjtk": [
            {
                "fkf": m.payer,
                "skf": m.payee,
                "ze": f"{m.total:.2f}",
                "fq": [{"rq": write_date(i.due, t.timestamps), "je": f"{i.amount:.2f}"} for i in m.instalments],
                "jmwyj": None if m.waived_penalties is None else f"{m.waived_penalties:.2f}",
            }
            for m in a.monetary_terms
        ],
        "lxfs": a.performance,
        "wjmc": a.document_name,
        "wjzy": a.document_sha256,
        "qm": [
            {
                "qmr": s.signer,
                "js": t.from_canonical("signer_role", s.role, "signature.role"),
                "qmsj": write_time(s.signed_at, t.timestamps),
                "zsxh": s.certificate_serial,
            }
            for s in a.signatures
        ],
        "gzsj": write_time(a.organisation_seal_at, t.timestamps) if a.organisation_seal_at else None,
        "sxsj": write_time(a.effective_at, t.timestamps),
    }


def agreement_to_canonical(xy: dict[str, Any], t: CodeTables) -> MediationAgreement:
    """The inverse of the agreement map (used by tests and by any platform that echoes agreements back); wire
    types as listed in mappings/court_fields.py."""
    return MediationAgreement(
        facts=optional_text(xy, "ss", "xy", ""),
        terms=text(xy, "tk", "xy"),
        monetary_terms=tuple(
            MonetaryTerm(
                payer=text(m, "fkf", "xy.jjtk"),
                payee=text(m, "skf", "xy.jjtk"),
                total=amount(m, "ze", "xy.jjtk"),
                instalments=tuple(
                    Instalment(
                        due=read_date(field(i, "rq", "xy.jjtk.fq"), t.timestamps, "xy.jjtk.fq.rq"),
                        amount=amount(i, "je", "xy.jjtk.fq"),
                    )
                    for i in objects(m, "fq", "xy.jjtk", required=False)
                ),
                waived_penalties=amount(m, "jmwyj", "xy.jjtk", required=False),
            )
            for m in objects(xy, "jjtk", "xy", required=False)
        ),
        performance=optional_text(xy, "lxfs", "xy", ""),
        document_name=optional_text(xy, "wjmc", "xy", "mediation-agreement.pdf"),
        document_sha256=text(xy, "wjzy", "xy"),
        signatures=tuple(
            SignatureRecord(
                signer=text(s, "qmr", "xy.qm"),
                role=t.to_canonical("signer_role", text(s, "js", "xy.qm"), "xy.qm.js"),
                signed_at=read_time(field(s, "qmsj", "xy.qm"), t.timestamps, "xy.qm.qmsj"),
                certificate_serial=optional_text(s, "zsxh", "xy.qm", ""),
            )
            for s in objects(xy, "qm", "xy", required=True)
        ),
        organisation_seal_at=None if xy.get("gzsj") is None else read_time(xy["gzsj"], t.timestamps, "xy.gzsj"),
    )
