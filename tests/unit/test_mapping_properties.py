"""Property tests (hypothesis): canonical → platform wire → canonical is the identity, for every platform profile
— JSON (odr-rest) and court-standard XML (court-soap) — over generated cases and agreements."""

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from mappings import court_agreement, court_fields, court_soap, odr_rest
from mappings.court_xml import from_resource, to_resource
from reference.case_intake import read_case_number
from reference.causes import causes
from schemas.agreement import Instalment, MediationAgreement, MonetaryTerm, SignatureRecord
from schemas.case import Attachment, CaseDispatch, Party
from schemas.enums import Flow, IdType, PartyKind, PartyRole, Procedure, SignerRole

# Printable text a court message carries: letters (CJK too), digits, punctuation, spaces — XML 1.0 cannot carry
# control characters, and the connector refuses those before sending (tested elsewhere).
TEXT = st.text(st.characters(categories=("L", "N", "P", "Zs"), exclude_characters="\x85\xa0"), min_size=1, max_size=30)
WHEN = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(timezone(timedelta(hours=8)))
)
MONEY = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    born = draw(st.dates(min_value=datetime(1930, 1, 1).date(), max_value=datetime(2008, 1, 1).date()))
    prefix = draw(st.sampled_from(["440104", "110105", "810000", "830000", "914401"]))
    body = f"{prefix}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return body + ric.calc_check_digit(body + "0")


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    body = f"9144{draw(st.integers(0, 10**13 - 1)):013d}"
    return body + uscc.calc_check_digit(body)


@st.composite
def parties(draw: st.DrawFn) -> Party:
    id_type = draw(st.sampled_from(list(IdType)))
    number = {IdType.RESIDENT_ID: resident_ids(), IdType.USCC: credit_codes()}.get(id_type, TEXT)
    return Party(
        name=draw(TEXT),
        role=draw(st.sampled_from(list(PartyRole))),
        kind=draw(st.sampled_from(list(PartyKind))),
        id_type=id_type,
        id_number=draw(number),
        phone=draw(st.none() | st.from_regex(r"1[3-9]\d{9}", fullmatch=True)),
        address=draw(st.none() | TEXT),
    )


@st.composite
def cases(draw: st.DrawFn) -> CaseDispatch:
    return read_case_number(
        CaseDispatch(
            platform_case_id=draw(st.from_regex(r"[0-9A-Za-z\-]{1,40}", fullmatch=True)),
            case_number=draw(st.none() | st.just("（2026）粤0104民初1001号")),
            court_code=draw(st.none() | st.just("粤0104")),
            court_name=draw(st.none() | TEXT),
            flow=draw(st.sampled_from(list(Flow))),
            procedure=draw(st.sampled_from(list(Procedure))),
            cause=draw(st.sampled_from(sorted(causes().names))),
            claims=draw(st.just("") | TEXT),
            amount=draw(MONEY),
            parties=tuple(draw(st.lists(parties(), min_size=2, max_size=4))),
            attachments=tuple(
                Attachment(name=name, sha256=hashlib.sha256(name.encode()).hexdigest(), size=size)
                for name, size in draw(st.lists(st.tuples(TEXT, st.integers(0, 10**9)), max_size=2))
            ),
            designated_org=draw(st.none() | TEXT),
            designated_mediator=draw(st.none() | TEXT),
            dispatched_at=draw(WHEN),
        )
    )


@st.composite
def agreements(draw: st.DrawFn) -> MediationAgreement:
    amounts = draw(st.lists(MONEY, max_size=3))
    money = tuple(
        MonetaryTerm(
            payer=draw(TEXT),
            payee=draw(TEXT),
            total=sum(amounts, Decimal("0.00")),
            instalments=tuple(Instalment(due=draw(WHEN).date(), amount=a) for a in amounts),
            waived_penalties=draw(st.none() | MONEY),
        )
        for _ in range(draw(st.integers(0, 2)))
    )
    signatures = tuple(
        SignatureRecord(signer=draw(TEXT), role=role, signed_at=draw(WHEN), certificate_serial=draw(st.just("") | TEXT))
        for role in draw(st.lists(st.sampled_from(list(SignerRole)), min_size=1, max_size=4))
    )
    return MediationAgreement(
        facts=draw(st.just("") | TEXT),
        terms=draw(TEXT),
        monetary_terms=money,
        performance=draw(st.just("") | TEXT),
        document_name=draw(TEXT),
        document_sha256=hashlib.sha256(draw(st.binary(max_size=8))).hexdigest(),
        signatures=signatures,
        organisation_seal_at=draw(st.none() | WHEN.map(lambda w: w.astimezone(UTC))),
    )


def _through_json(fields: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(fields, ensure_ascii=False))


def _through_xml(fields: dict[str, Any]) -> dict[str, Any]:
    (row,) = from_resource(to_resource([fields]))
    return row


PROFILES = [(odr_rest, _through_json), (court_soap, _through_xml)]


@settings(max_examples=60, deadline=None)
@given(case=cases())
def test_a_case_survives_every_platform_profile(case: CaseDispatch) -> None:
    for profile, wire in PROFILES:
        tables = profile.tables("court")
        fields = wire(court_fields.case_from_canonical(case, tables))
        assert court_fields.case_to_canonical(fields, case.platform_case_id, tables) == case, profile.__name__


@settings(max_examples=60, deadline=None)
@given(agreement=agreements())
def test_an_agreement_survives_every_platform_profile(agreement: MediationAgreement) -> None:
    for profile, wire in PROFILES:
        tables = profile.tables("court")
        fields = wire(court_agreement.agreement_fields(agreement, tables))
        assert court_agreement.agreement_to_canonical(fields, tables) == agreement, profile.__name__
