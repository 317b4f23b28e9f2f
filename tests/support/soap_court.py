"""What the SOAP sandbox court's byte-for-byte tests share (tests/unit/test_soap_court_lookups.py, _wire.py): the
court's clock stopped at AT, the answer signer's ids from a counter, and the requests of every kind a court is sent
(every Submit, duplicates, every query operation, and the refusals of each step)."""

import base64
import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from connectors.soap_submit import submission
from mappings.court_xml import to_resource
from sandbox.soap import TNS
from signing.wsse import SOAP

AT = datetime(2026, 12, 1, 8, 30, 15, tzinfo=UTC)  # the court's clock in the answer comparisons
S, T = f"{{{SOAP}}}", f"{{{TNS}}}"


class Frozen(datetime):
    """The court's wall clock (dispatch and ruling times, feed item signatures) stopped at AT."""

    @classmethod
    def now(cls, tz: Any = None) -> "Frozen":
        at = cls.fromtimestamp(AT.timestamp(), UTC)
        return at.astimezone(tz) if tz is not None else at.replace(tzinfo=None)


def payload(doc: dict[str, Any], rows: int = 1) -> str:
    return to_resource([doc] * rows).decode()


def message(msg_id: str, kind: str, ajbs: str, content: Any, fssj: str = "2026-12-01T16:30:00+08:00") -> str:
    return payload({"xxbh": msg_id, "xxlx": kind, "fssj": fssj, "ajbs": ajbs, "nr": content})


PDF = b"%PDF-1.4 agreement \xe5\x8d\x8f\xe8\xae\xae"
AGREEMENT = {"wj": base64.b64encode(PDF).decode(), "xy": {"wjzy": hashlib.sha256(PDF).hexdigest(), "bz": "调解协议"}}


def every_request(cases: list[str]) -> list[tuple[str, Any]]:
    """(label, unsigned envelope or raw bytes) in the order they are sent: every Submit kind, duplicates, every query
    operation, and the refusals of each step."""
    one, two, three = cases
    unknown = "0106-ffffffffffffffff"

    submit = submission  # connectors/soap_submit.py: the adapter's own Submit envelopes

    def call(op: str, **fields: str | list[str]) -> Any:
        envelope = etree.Element(f"{S}Envelope", nsmap={"soap-env": SOAP})
        operation = etree.SubElement(etree.SubElement(envelope, f"{S}Body"), f"{T}{op}", nsmap={"ns0": TNS})
        for name, value in fields.items():
            for text in value if isinstance(value, list) else [value]:
                etree.SubElement(operation, f"{T}{name}").text = text
        return envelope

    progress = message("JZ-1", "JZ", one, {"jzlx": "01", "bz": "受理 ✓"})
    return [
        ("progress", submit("SubmitProgress", "JZ-1", progress)),
        ("the same message again", submit("SubmitProgress", "JZ-1", progress)),
        ("outcome", submit("SubmitOutcome", "JG-1", message("JG-1", "JG", one, {"jgzt": "1", "jgms": "调解成功"}))),
        ("progress 2", submit("SubmitProgress", "JZ-2", message("JZ-2", "JZ", two, {"jzlx": "01"}))),
        ("progress 3", submit("SubmitProgress", "JZ-3", message("JZ-3", "JZ", two, {"jzlx": "03"}))),
        ("agreement", submit("SubmitAgreement", "XY-2", message("XY-2", "XY", two, AGREEMENT))),
        ("application", submit("SubmitApplication", "SQ-2", message("SQ-2", "SQ", two, {"sqr": "张三"}))),
        ("progress 4", submit("SubmitProgress", "消息-4", message("消息-4", "JZ", three, {"jzlx": "01"}))),
        ("progress 5", submit("SubmitProgress", "JZ-5", message("JZ-5", "JZ", three, {"jzlx": "03"}))),
        ("agreement 3", submit("SubmitAgreement", "XY-3", message("XY-3", "XY", three, AGREEMENT))),
        ("closure", submit("SubmitClosure", "JA-3", message("JA-3", "JA", three, {"jalx": "1", "jasj": "x"}))),
        ("closed case", submit("SubmitOutcome", "JG-3", message("JG-3", "JG", three, {"jgzt": "1"}))),
        ("wrong kind", submit("SubmitProgress", "JG-9", message("JG-9", "JG", one, {"jgzt": "1"}))),
        ("wrong message id", submit("SubmitProgress", "JZ-other", message("JZ-9", "JZ", one, {"jzlx": "05"}))),
        ("payload not XML", submit("SubmitProgress", "JZ-9", "<resource><brief>")),
        ("two rows", submit("SubmitProgress", "JZ-9", payload({"xxbh": "JZ-9", "xxlx": "JZ"}, rows=2))),
        ("content not fields", submit("SubmitProgress", "JZ-8", message("JZ-8", "JZ", one, "text"))),
        ("no fields", call("SubmitProgress")),
        ("unknown case", submit("SubmitProgress", "JZ-7", message("JZ-7", "JZ", unknown, {"jzlx": "01"}))),
        ("bad send time", submit("SubmitProgress", "JZ-6", message("JZ-6", "JZ", one, {"jzlx": "05"}, "yesterday"))),
        ("unknown operation", call("SubmitNothing")),
        ("dispatches", call("FetchDispatches", cursor="0", limit="100")),
        ("dispatches, defaults", call("FetchDispatches")),
        ("dispatches, bad cursor", call("FetchDispatches", cursor="x")),
        ("rulings", call("FetchRulings", cursor="0", limit="10")),
        ("cases", call("ListCases")),
        ("cases, a page", call("ListCases", cursor="", limit="2")),
        ("cases, bad limit", call("ListCases", limit="two")),
        ("code lists", call("FetchCodeLists")),
        ("a case", call("FetchCase", ajbs=two)),
        ("a case not held", call("FetchCase", ajbs=unknown)),
        ("statuses", call("QueryCaseStatus", ajbs=[one, unknown, three])),
        (
            "no Body operation",
            etree.fromstring(f'<soap-env:Envelope xmlns:soap-env="{SOAP}"><soap-env:Body/></soap-env:Envelope>'),
        ),
        (
            "another namespace",
            etree.fromstring(
                f'<soap-env:Envelope xmlns:soap-env="{SOAP}"><soap-env:Body><o:ListCases xmlns:o="urn:x"/>'
                "</soap-env:Body></soap-env:Envelope>"
            ),
        ),
        ("unsigned", b'<?xml version="1.0"?><Envelope/>'),
        ("not XML", b"<soap:Envelope"),
    ]


class Ids:
    """uuid4 for the answer signer: the same ids, from the same point, for both courts."""

    def __init__(self) -> None:
        self.next = 0

    def uuid4(self) -> uuid.UUID:
        self.next += 1
        return uuid.UUID(int=self.next)
