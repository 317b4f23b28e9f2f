"""The mediation agreement in the court field set (xy), both directions."""

from typing import Any

from mappings.access import field
from mappings.codes import CodeTables
from mappings.times import read_date, read_time, write_date, write_time
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
    """The inverse of the agreement map (used by tests and by any platform that echoes agreements back)."""
    return MediationAgreement(
        facts=xy.get("ss", ""),
        terms=field(xy, "tk", "xy"),
        monetary_terms=tuple(
            MonetaryTerm(
                payer=m["fkf"],
                payee=m["skf"],
                total=m["ze"],
                instalments=tuple(
                    Instalment(due=read_date(i["rq"], t.timestamps, "xy.jjtk.fq.rq"), amount=i["je"])
                    for i in m.get("fq", [])
                ),
                waived_penalties=m.get("jmwyj"),
            )
            for m in xy.get("jjtk", [])
        ),
        performance=xy.get("lxfs", ""),
        document_name=xy.get("wjmc", "mediation-agreement.pdf"),
        document_sha256=field(xy, "wjzy", "xy"),
        signatures=tuple(
            SignatureRecord(
                signer=s["qmr"],
                role=t.to_canonical("signer_role", s["js"], "xy.qm.js"),
                signed_at=read_time(s["qmsj"], t.timestamps, "xy.qm.qmsj"),
                certificate_serial=s.get("zsxh", ""),
            )
            for s in field(xy, "qm", "xy")
        ),
        organisation_seal_at=None if xy.get("gzsj") is None else read_time(xy["gzsj"], t.timestamps, "xy.gzsj"),
    )
