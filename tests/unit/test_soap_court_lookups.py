"""The SOAP sandbox court finds a request's operation and fields (sandbox/soap.py: `_operation`, `_text_of`) as the
etree find / findtext / QName path they replaced did: the same element or text on varied XML, and the same answers,
byte for byte, for every operation and refusal of a court (same requests, same clock, same ids)."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from lxml import etree

from sandbox import soap
from sandbox.court import CourtCore, CourtRefusal, SandboxConfig
from sandbox.court import auth as court_auth
from sandbox.court import feeds as court_feeds
from sandbox.court import rules as court_rules
from sandbox.pairing import arrange_keys, key_and_certificate
from signing.keyfiles import load_private_key
from signing.wsse import SOAP, WsseSigner, WsseVerifier, texts
from tests.support.soap_court import AT, Frozen, Ids, every_request

TNS = soap.TNS


def _reference_operation(envelope: Any) -> tuple[Any, str]:
    """What sandbox/soap.py did before `_operation`."""
    body = envelope.find(f"{{{SOAP}}}Body")
    operation = body[0] if body is not None and len(body) else None
    if operation is None or etree.QName(operation).namespace != TNS:
        raise CourtRefusal(400, "E400", "the SOAP Body holds no court-exchange operation")
    return operation, etree.QName(operation).localname


def _reference_text_of(parent: Any, tag: str) -> str:
    """What sandbox/soap.py did before `_text_of`."""
    return parent.findtext(tag) or ""


def _outcome(call: Callable[[], Any]) -> Any:
    try:
        return ("value", call())
    except CourtRefusal as refusal:
        return ("refused", refusal.status, refusal.code, refusal.message)
    except Exception as exc:  # the exception itself is what is compared
        return ("raised", type(exc), str(exc))


BODIES = {  # the Body's content, as the court's parser leaves it
    "operation": f'<t:SubmitProgress xmlns:t="{TNS}"><t:messageId>M-1</t:messageId></t:SubmitProgress>',
    "default namespace": f'<SubmitOutcome xmlns="{TNS}"><messageId>M</messageId></SubmitOutcome>',
    "non-ASCII name": f'<t:提交 xmlns:t="{TNS}"/>',
    "no namespace": "<SubmitProgress/>",
    "another namespace": '<t:SubmitProgress xmlns:t="urn:court-docking:exchange:v2"/>',
    "a longer namespace": f'<t:SubmitProgress xmlns:t="{TNS}x"/>',
    "a shorter namespace": '<t:SubmitProgress xmlns:t="urn:court-docking:exchange:v"/>',
    "empty": "",
    "text only": "text",
    "two operations": f'<t:ListCases xmlns:t="{TNS}"/><t:FetchCodeLists xmlns:t="{TNS}"/>',
    "a comment first": f'<!-- c --><t:ListCases xmlns:t="{TNS}"/>',
    "a PI first": f'<?pi x?><t:ListCases xmlns:t="{TNS}"/>',
}


def _envelope(body: str | None, *, second_body: bool = False, header: bool = True) -> Any:
    parts = [f'<s:Envelope xmlns:s="{SOAP}">', "<s:Header/>" if header else ""]
    if body is not None:
        parts.append(f"<s:Body>{body}</s:Body>")
    if second_body:
        parts.append(f'<s:Body><t:FetchCase xmlns:t="{TNS}"/></s:Body>')
    parser = etree.XMLParser(remove_comments=False, remove_pis=False)  # the court's strips them; tried all the same
    return etree.fromstring(("".join(parts) + "</s:Envelope>").encode(), parser)


ENVELOPES = {
    **{name: (lambda body=body: _envelope(body)) for name, body in BODIES.items()},
    "no Body": lambda: _envelope(None),
    "a second Body": lambda: _envelope(BODIES["operation"], second_body=True),
    "no Header": lambda: _envelope(BODIES["no namespace"], header=False),
    "a Body inside the Header": lambda: etree.fromstring(
        f'<s:Envelope xmlns:s="{SOAP}" xmlns:t="{TNS}"><s:Header><s:Body><t:FetchCase/></s:Body></s:Header>'
        "<s:Body><t:ListCases/></s:Body></s:Envelope>"
    ),
    "Body in no namespace": lambda: etree.fromstring(
        f'<Envelope><Body><t:ListCases xmlns:t="{TNS}"/></Body></Envelope>'
    ),
}


@pytest.mark.parametrize("name", ENVELOPES)
def test_the_operation_is_found_as_find_and_qname_found_it(name: str) -> None:
    """The same operation element and name, or the same refusal or error, as the path it replaced."""
    envelope = ENVELOPES[name]()
    assert _outcome(lambda: soap._operation(envelope)) == _outcome(lambda: _reference_operation(envelope))


FIELDS = {  # {f}: the field read
    "present": "<t:{f}>M-1</t:{f}>",
    "empty": "<t:{f}/>",
    "whitespace": "<t:{f}>  </t:{f}>",
    "non-ASCII": "<t:{f}>消息-张三-𠀀</t:{f}>",
    "escaped XML": "<t:{f}>&lt;resource&gt;&amp;&lt;/resource&gt;</t:{f}>",
    "CDATA": "<t:{f}><![CDATA[<a>]]></t:{f}>",
    "twice": "<t:{f}>first</t:{f}><t:{f}>second</t:{f}>",
    "empty, then full": "<t:{f}/><t:{f}>second</t:{f}>",
    "after another field": "<t:other>p</t:other><t:{f}>M</t:{f}>",
    "absent": "<t:other>p</t:other>",
    "only nested": "<t:x><t:{f}>deep</t:{f}></t:x>",
    "nested, then direct": "<t:x><t:{f}>deep</t:{f}></t:x><t:{f}>direct</t:{f}>",
    "in no namespace": "<{f}>M</{f}>",
    "in another namespace": '<o:{f} xmlns:o="urn:other">M</o:{f}>',
    "with children": "<t:{f}>head<t:b>inner</t:b>tail</t:{f}>",
    "with a comment": "<t:{f}>a<!-- c -->b</t:{f}>",
    "oversized": "<t:{f}>" + "长" * 200_000 + "</t:{f}>",
    "no children at all": "",
}


@pytest.mark.parametrize("name", FIELDS)
@pytest.mark.parametrize("field", ["messageId", "payload"])
def test_a_field_is_read_as_findtext_read_it(name: str, field: str) -> None:
    """The same text as `findtext(tag) or ""`, whatever the operation holds."""
    operation = etree.fromstring(
        f'<t:Op xmlns:t="{TNS}">{FIELDS[name].replace("{f}", field)}</t:Op>'.encode(), etree.XMLParser(huge_tree=True)
    )
    tag = f"{{{TNS}}}{field}"
    assert soap._text_of(operation, tag) == _reference_text_of(operation, tag)


# ---- whole answers: the court with its look-ups and with the replaced ones, side by side


@pytest.fixture
def courts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[list[soap.SoapCourt], list[bytes]]]:
    """Two SOAP courts made alike (keys, seed, cases, clock) and the signed requests of `_requests`."""
    for module in (court_auth, court_feeds, court_rules):
        monkeypatch.setattr(module, "datetime", Frozen)
    court_signer, centre_verifier, _ = arrange_keys(tmp_path)
    centre_key, centre_cert = key_and_certificate(tmp_path, "centre", "rsa")
    court_key, court_cert = key_and_certificate(tmp_path, "court", "rsa")
    made = []
    cases: list[str] = []
    for _ in range(2):
        core = CourtCore(SandboxConfig(redeliver_rate=0.0, decision_delay=0.0), court_signer, centre_verifier)
        core.render = soap.render
        cases = core.dispatch(1, "01") + core.dispatch(1, "02") + core.dispatch(1, "01")
        made.append(
            soap.SoapCourt(
                core,
                WsseSigner(
                    load_private_key(court_key),
                    x509.load_pem_x509_certificate(court_cert.read_bytes()),
                    clock=lambda: AT,
                ),
                WsseVerifier([x509.load_pem_x509_certificate(centre_cert.read_bytes())]),
            )
        )
    centre = WsseSigner(load_private_key(centre_key), x509.load_pem_x509_certificate(centre_cert.read_bytes()))
    signed = []
    for _, request in every_request(cases):
        if not isinstance(request, bytes):
            centre.sign(request)
            request = etree.tostring(request, encoding="utf-8", xml_declaration=True)
        signed.append(request)
    signed.insert(1, signed[0])  # a captured request replayed
    yield made, signed


def test_every_answer_and_refusal_is_the_same_bytes_as_with_the_replaced_lookups(
    courts: tuple[list[soap.SoapCourt], list[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Submits of every kind, a replay, a duplicate, the feeds and queries, and the refusals of each: the answer
    (signed under a fixed clock and ids) or the refusal and its signed fault are the same bytes either way."""
    (reference, court), requests = courts
    ids = Ids()
    # the signer's ids (signing/wsse/texts.py)
    monkeypatch.setattr(texts, "random_ids", lambda count: [ids.uuid4().hex for _ in range(count)])
    lookups = {"_operation": _reference_operation, "_text_of": _reference_text_of}
    seen = set()
    for request in requests:
        answers = []
        for which, replaced in ((reference, True), (court, False)):
            ids.next = 0
            with monkeypatch.context() as patch:
                for name, function in lookups.items():
                    if replaced:
                        patch.setattr(soap, name, function)
                try:
                    answers.append(which.call(request))
                except CourtRefusal as refusal:
                    answers.append((refusal.status, refusal.code, refusal.message, which.fault(refusal)))
        assert answers[0] == answers[1]
        seen.add(answers[1][:3] if isinstance(answers[1], tuple) else "answered")
    # the table reached every branch it is meant to: answers, and refusals of each kind
    assert {"answered", (401, "E401")} <= {s if s == "answered" else s[:2] for s in seen}
    assert {s[2] for s in seen if s != "answered"} >= {
        "the SOAP Body holds no court-exchange operation",
        "no operation 'SubmitNothing'",
        "cursor and limit must be integers",
        "limit must be an integer",
    }
    assert (409, "E409") in {s[:2] for s in seen if s != "answered"}
    assert {**court.core.stats(), "now": ""} == {**reference.core.stats(), "now": ""}
