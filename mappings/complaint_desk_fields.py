"""The complaint-desk wire's field names (mappings/complaint_desk.py): canonical name ↔ wire name per record, with
the wire kind of each field. Short pinyin initials, as institution gateways write them; agreed per memorandum."""

from typing import Any

# (canonical name, wire name, kind, argument). Kinds: s text, t time, a amount, b true/false, i whole number,
# c code (argument: its table), cs list of codes, o object (argument: its spec), os list of objects, w withheld paths.
Spec = tuple[tuple[str, str, str, Any], ...]

ATTACHMENT: Spec = (("name", "wjm", "s", None), ("sha256", "zy", "s", None), ("size", "dx", "i", None))
COMPLAINANT: Spec = (
    ("kind", "lx", "c", "party_kind"),
    ("name", "xm", "s", None),
    ("id_type", "zjlx", "c", "id_type"),
    ("id_number", "zjhm", "s", None),
    ("phone", "lxdh", "s", None),
    ("address", "dz", "s", None),
    ("legal_representative", "fddbr", "s", None),
)
REPRESENTATIVE: Spec = (
    ("kind", "lx", "c", "representative_kind"),
    ("name", "xm", "s", None),
    ("id_type", "zjlx", "c", "id_type"),
    ("id_number", "zjhm", "s", None),
    ("phone", "lxdh", "s", None),
    ("document", "wj", "o", ATTACHMENT),
)
INSTITUTION: Spec = (
    ("kind", "lx", "c", "institution_kind"),
    ("name", "mc", "s", None),
    ("uscc", "xydm", "s", None),
    ("branch", "fzjg", "s", None),
)
CLASSIFICATION: Spec = (
    ("table", "bzb", "s", None),
    ("version", "bb", "s", None),
    ("business", "yw", "s", None),
    ("cause", "yy", "s", None),
)
COMPLAINT: Spec = (
    ("complaint_id", "tsbh", "s", None),
    ("received_at", "jssj", "t", None),
    ("channel", "qd", "c", "channel"),
    ("complainant", "tsr", "o", COMPLAINANT),
    ("representative", "dlr", "o", REPRESENTATIVE),
    ("institution", "bts", "o", INSTITUTION),
    ("classification", "fl", "o", CLASSIFICATION),
    ("track", "td", "c", "track"),
    ("request", "qq", "s", None),
    ("facts", "ss", "s", None),
    ("amount_in_dispute", "je", "a", None),
    ("undisputed", "wzy", "b", None),
    ("attachments", "fj", "os", ATTACHMENT),
    ("repeat_of", "cfts", "s", None),
    ("new_facts", "xss", "b", None),
)
BODIES: dict[str, Spec] = {
    "complaint.forward": (
        ("complaint", "ts", "o", COMPLAINT),
        ("forwarded_at", "zbsj", "t", None),
        ("centre_due", "zxqx", "t", None),
        ("statutory_due", "fdqx", "t", None),
        ("withheld", "bkxm", "w", None),
    ),
    "complaint.withdrawn": (("withdrawn_at", "chsj", "t", None), ("reason", "yy", "s", None)),
    "complaint.ack": (
        ("desk_ref", "jgslh", "s", None),
        ("acknowledged_at", "slsj", "t", None),
        ("handler", "cbr", "s", None),
    ),
    "complaint.contacted": (("contacted_at", "lxsj", "t", None), ("note", "sm", "s", None)),
    "complaint.extended": (
        ("stage", "jd", "i", None),
        ("new_due", "xqx", "t", None),
        ("approver_level", "spjb", "s", None),
        ("complainant_told_at", "gzsj", "t", None),
        ("reason", "yy", "s", None),
    ),
    "complaint.appraisal": (("phase", "jd", "c", "appraisal_phase"), ("at", "sj", "t", None)),
    "complaint.decided": (
        ("result", "jg", "c", "decision_result"),
        ("remedy_amount", "bcje", "a", None),
        ("notified_at", "gzsj", "t", None),
        ("remedies_told", "jjtj", "cs", "remedy"),
        ("summary", "zy", "s", None),
    ),
    "complaint.to_mediation": (
        ("complainant_consented_at", "tsrty", "t", None),
        ("institution_consented_at", "jgty", "t", None),
        ("note", "sm", "s", None),
    ),
    "smallclaim.decision": (
        ("amount", "je", "a", None),
        ("cap", "sx", "a", None),
        ("decided_at", "jdsj", "t", None),
        ("mediator", "tjy", "s", None),
    ),
    "smallclaim.performed": (("paid_at", "zfsj", "t", None), ("amount", "je", "a", None)),
    "complaint.review_requested": (("requested_at", "sqsj", "t", None), ("grounds", "ly", "s", None)),
    "complaint.review_decided": (
        ("result", "jg", "c", "decision_result"),
        ("decided_at", "jdsj", "t", None),
        ("remedy_amount", "bcje", "a", None),
    ),
}
ENVELOPE: Spec = (
    ("message_id", "xxbh", "s", None),
    ("complaint_id", "tsbh", "s", None),
    ("desk_ref", "jgslh", "s", None),
    ("sent_at", "fssj", "t", None),
    ("correlates_to", "hfxx", "s", None),
)
