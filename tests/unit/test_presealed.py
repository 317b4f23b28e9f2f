"""A model sealed from the model (adapter/persistence/presealed.py) is the text sealing its JSON gives: byte for
byte with the same nonces, over varied dispatches (made here, and decoded from a court's wire form); it opens to
the model's JSON; its column stores it only for the vault that sealed it; and a model whose JSON is more than its
fields (or written another way than its dump would be) is sealed as text."""

import itertools
import json
import math
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, NamedTuple

import pytest
from pydantic import BaseModel, ConfigDict, SerializeAsAny, field_serializer

from adapter.persistence import vault as vault_module
from adapter.persistence.presealed import Presealed, seal_model
from adapter.persistence.sealed_types import SealedJson
from adapter.persistence.vault import Vault, VaultError, new_key
from mappings import odr_rest
from sandbox import data
from schemas.case import Attachment, CaseDispatch, Party
from schemas.enums import Flow, IdType, PartyKind, PartyRole
from schemas.envelope import DispatchBody
from tests.support import samples

ODD_LINE = 'a "quoted" \\ back/slash \ufeff 😀 </script> 中文 ＡＢＣ'  # what JSON escapes, and what not
FREE_TEXT = ODD_LINE + "\ttab\r\nline \u2028\u2029"  # a dispatch's claims: tabs and line breaks allowed
ODD_TEXT = FREE_TEXT + " \x01\x1f\x7f"  # contact details: never refused


def _party(**changes: object) -> Party:
    fields: dict[str, object] = {
        "name": "李四",
        "role": PartyRole.DEFENDANT,
        "kind": PartyKind.NATURAL_PERSON,
        "id_type": IdType.PASSPORT,
        "id_number": "E12345678",
    }
    return Party.model_validate({**fields, **changes})


DISPATCHES: dict[str, Callable[[], CaseDispatch]] = {
    "sample": samples.dispatch,
    "no phones": lambda: samples.dispatch(
        parties=tuple(p.model_copy(update={"phone": None}) for p in samples.dispatch().parties)
    ),
    "odd phones and text": lambda: samples.dispatch(
        claims=FREE_TEXT,
        parties=(
            *samples.dispatch().parties,
            _party(phone="+86 (20) 8765-4321 ext 9", address=ODD_TEXT),
            _party(name="王五 " + ODD_LINE, phone="not a number ☎"),
            _party(phone="enc:1:zz:AAAA", id_number="enc:1:zz:BBBB"),  # a planted token is sealed all the same
        ),
    ),
    "no attachments, no 案号, flow C": lambda: samples.dispatch(Flow.SELF_RECEIVED, attachments=()),
    "many attachments": lambda: samples.dispatch(
        attachments=tuple(Attachment(name=f"证据{n}.pdf", sha256=f"{n:064x}", size=n) for n in range(5))
    ),
    "designated mediator, no org": lambda: samples.dispatch(designated_org=None, designated_mediator="调解员 甲"),
}


@contextmanager
def _nonces(start: int) -> Iterator[None]:
    """Nonces counted from `start`: two sealings of one text then give one token each, comparable byte for byte."""
    counter = itertools.count(start)
    real = vault_module.os.urandom
    vault_module.os.urandom = lambda n: next(counter).to_bytes(n, "big")  # type: ignore[assignment]
    try:
        yield
    finally:
        vault_module.os.urandom = real  # type: ignore[assignment]


@pytest.mark.parametrize("algorithm", ["aes-256-gcm", "sm4-gcm"])
@pytest.mark.parametrize("name", DISPATCHES)
def test_sealed_from_the_model_is_the_sealed_json_byte_for_byte(name: str, algorithm: str) -> None:
    dispatch = DISPATCHES[name]()
    vault = Vault([new_key("k1", algorithm)], "k1")  # type: ignore[arg-type]
    with _nonces(1000):
        as_text = vault.seal_json(dispatch.model_dump_json())
    with _nonces(1000):
        from_model = seal_model(vault, dispatch)
    assert isinstance(from_model, Presealed) and from_model.vault is vault
    assert from_model == as_text
    assert vault.open_json(from_model) == dispatch.model_dump_json()  # decrypted: the plaintext we would have stored
    assert dispatch == DISPATCHES[name](), "the model itself is left as it was"


def test_sealed_json_column_stores_presealed_text_only_for_its_own_vault() -> None:
    dispatch = samples.dispatch()
    vault, other = Vault([new_key("k1")], "k1"), Vault([new_key("k2")], "k2")
    column = SealedJson()
    text = seal_model(vault, dispatch)
    assert column.process_bind_param(text, SimpleNamespace(docking_vault=vault)) == text  # type: ignore[arg-type]
    for wrong in (other, None):
        with pytest.raises(VaultError, match="another vault"):
            column.process_bind_param(text, SimpleNamespace(docking_vault=wrong))  # type: ignore[arg-type]
    plain = dispatch.model_dump_json()  # any other text is sealed by the column, as before
    stored = column.process_bind_param(plain, SimpleNamespace(docking_vault=vault))  # type: ignore[arg-type]
    assert stored is not None and stored != plain and vault.open_json(stored) == plain


class _WithDict(BaseModel):
    model_config = ConfigDict(frozen=True)
    contact: dict[str, str]
    phone: str


class _WithSerializer(BaseModel):
    model_config = ConfigDict(frozen=True)
    id_number: str

    @field_serializer("id_number")
    def _shown(self, value: str) -> str:
        return value.upper()


class _Holding(BaseModel):
    model_config = ConfigDict(frozen=True)
    inner: tuple[_WithSerializer, ...]


@dataclass(frozen=True)
class _Contact:
    phone: str


class _PhoneOnly(BaseModel):
    model_config = ConfigDict(frozen=True)
    phone: str


class _Pair(NamedTuple):
    phone: str
    note: str


class _WithAny(BaseModel):
    model_config = ConfigDict(frozen=True)
    contact: Any
    phone: str


class _WithSet(BaseModel):
    model_config = ConfigDict(frozen=True)
    contacts: frozenset[_PhoneOnly]
    phone: str


class _WithList(BaseModel):
    contacts: list[Any]
    phone: str


class _Named(BaseModel):  # no sealed field of its own: a field declared as it needs no walk, unless written as any
    model_config = ConfigDict(frozen=True)
    name: str


class _NamedWithPhone(_Named):
    phone: str


class _WithSerializeAsAny(BaseModel):
    model_config = ConfigDict(frozen=True)
    party: SerializeAsAny[_Named]


class _WithSerializeAsAnyList(BaseModel):
    model_config = ConfigDict(frozen=True)
    parties: tuple[SerializeAsAny[_Named], ...]


class _NamedAnyKind(BaseModel):  # written, where declared, as whatever subclass it is, by its own setting
    model_config = ConfigDict(frozen=True, polymorphic_serialization=True)
    name: str


class _NamedAnyKindWithPhone(_NamedAnyKind):
    phone: str


class _WithPolymorphic(BaseModel):
    model_config = ConfigDict(frozen=True)
    party: _NamedAnyKind


class _WithNamedTuple(BaseModel):
    model_config = ConfigDict(frozen=True)
    pair: _Pair
    phone: str


@pytest.mark.parametrize(
    "model",
    [
        _WithDict(contact={"phone": "13812345678", "note": "x"}, phone="13800000000"),
        _WithSerializer(id_number="e12345678"),
        _Holding(inner=(_WithSerializer(id_number="e1"),)),
        # Values pydantic writes as JSON objects whose keys the walk seals: a phone in them must never stay clear
        _WithAny(contact=_Contact(phone="13812345678"), phone="13800000000"),
        _WithSet(contacts=frozenset({_PhoneOnly(phone="13812345678")}), phone="13800000000"),
        _WithList(contacts=[_Contact(phone="13812345678")], phone="13800000000"),
        _WithNamedTuple(pair=_Pair(phone="13812345678", note="x"), phone="13800000000"),
        # written as what it holds, not as declared: a subclass's phone is in the JSON though the parent has none
        _WithSerializeAsAny(party=_NamedWithPhone(name="甲", phone="13812345678")),
        _WithSerializeAsAnyList(parties=(_Named(name="乙"), _NamedWithPhone(name="甲", phone="13812345678"))),
        _WithPolymorphic(party=_NamedAnyKindWithPhone(name="甲", phone="13812345678")),
    ],
    ids=[
        "dict field",
        "serializer of its own",
        "nested",
        "dataclass in Any",
        "set of models",
        "dataclass in a list",
        "named tuple",
        "serialize as any",
        "serialize as any in a tuple",
        "polymorphic serialization",
    ],
)
def test_a_model_whose_json_is_more_than_its_fields_is_sealed_as_text(model: BaseModel) -> None:
    vault = Vault([new_key("k1")], "k1")
    with _nonces(7):
        as_text = vault.seal_json(model.model_dump_json())
    with _nonces(7):
        sealed = seal_model(vault, model)
    assert not isinstance(sealed, Presealed) and sealed == as_text  # sealed wherever sealing the JSON seals


# ---- sealed in the model's dump (`to_json` of `model_dump(mode="json")`), over dispatches as courts send them

_PHONES: list[object] = [
    None, "95588", "+852 5123 4567", "020-87654321转123", "（020）8765-4321", "１３８００１３８０００", "  ", "",
    "abc", "0755-2345678#9", "+1 415 555 0100", 'a "quote" \\ \x01 \u2028 😀', "enc:1:zz:AAAA",
]  # fmt: skip
_AMOUNTS = ["0.01", "1", "18957.76", "99999999.99", "1000000.50", "3.10"]


def _wire_dispatches() -> Iterator[tuple[str, CaseDispatch]]:
    """Dispatches decoded from a court's wire form (mappings/odr_rest.py): every court, mixed flows and phones, odd
    amounts and text, optional fields missing or null, no attachments or several — what a feed page seals."""
    rng = random.Random(21)
    for n in range(120):
        court_code, court_name = data.COURTS[n % len(data.COURTS)]
        person, bank = data.person_name(rng), rng.choice(data.INSTITUTIONS)
        tjlx = ["01", "02", "04"][n % 3]
        ajxx: dict[str, Any] = {
            "ah": f"（2026）{court_code}民诉前调{1000 + n}号",
            "fydm": court_code,
            "fymc": court_name,
            "tjlx": tjlx,
            "cxlx": "2" if n % 4 == 0 else "1",
            "ay": data.weighted_cause(rng),
            "ssqq": ["请求判令被告偿还欠款本息", FREE_TEXT, ""][n % 3],
            "bdje": _AMOUNTS[n % len(_AMOUNTS)],
            "dsr": [
                {"xm": bank, "ssdw": "01", "dsrlx": "2", "zjlx": "02", "zjhm": data.social_credit_code(bank),
                 "lxdh": _PHONES[n % len(_PHONES)], "sddz": ODD_TEXT if n % 5 == 0 else "广州市天河区珠江新城"},
                {"xm": person + (ODD_LINE if n % 7 == 0 else ""), "ssdw": "02", "dsrlx": "1", "zjlx": "01",
                 "zjhm": data.resident_id(rng), "lxdh": _PHONES[(n * 5) % len(_PHONES)]},
            ],
            "fj": [{"wjmc": f"证据{k}.pdf", "sha256": f"{n * 10 + k:064x}", "dx": k} for k in range(n % 3)],
            "tjzz": "广东银行业保险业纠纷调解中心",
            "tjy": "调解员 甲" if n % 6 == 0 else None,
            "pqsj": "2026-12-01T09:30:00+08:00",
        }  # fmt: skip
        if n % 4 == 1:
            del ajxx["fj"], ajxx["tjzz"], ajxx["tjy"], ajxx["ah"], ajxx["fydm"]
            del ajxx["dsr"][0]["lxdh"], ajxx["dsr"][0]["sddz"]
        ajbs = f"{court_code[1:]}-{n:016x}"
        doc = {"xxbh": f"PQ-{ajbs}", "xxlx": "PQ", "fssj": "2026-12-01T09:30:01+08:00", "ajbs": ajbs, "ajxx": ajxx}
        envelope = odr_rest.decode("court", json.dumps(doc, ensure_ascii=False).encode())
        assert isinstance(envelope.body, DispatchBody)
        yield f"{n}-{court_code}-{tjlx}", envelope.body.dispatch


WIRE = dict(_wire_dispatches())


@pytest.mark.parametrize("name", WIRE)
def test_a_court_dispatch_sealed_in_its_dump_is_the_sealed_json(name: str) -> None:
    dispatch = WIRE[name]
    vault = Vault([new_key("k1")], "k1")
    with _nonces(50):
        as_text = vault.seal_json(dispatch.model_dump_json())
    with _nonces(50):
        from_model = seal_model(vault, dispatch)
    assert isinstance(from_model, Presealed), "the short cut was taken"
    assert from_model == as_text


class _Measured(BaseModel):
    model_config = ConfigDict(frozen=True)
    ratio: float
    phone: str


class _MeasuredAsConstants(_Measured):
    model_config = ConfigDict(frozen=True, ser_json_inf_nan="constants")


class _Parent(BaseModel):
    model_config = ConfigDict(frozen=True)
    phone: str


class _Child(_Parent):
    id_number: str


class _HoldsParent(BaseModel):
    model_config = ConfigDict(frozen=True)
    party: _Parent


@pytest.mark.parametrize(
    ("model", "presealed"),
    [
        (_Measured(ratio=math.inf, phone="13800000000"), True),  # null, as model_dump_json writes it
        (_Measured(ratio=-0.0, phone="13800000000"), True),
        (_Measured(ratio=1e300, phone="13800000000"), True),
        (_MeasuredAsConstants(ratio=math.nan, phone="13800000000"), False),  # Infinity/NaN: its own setting
        (_HoldsParent(party=_Child(phone="13800000000", id_number="E1")), False),  # written as the parent declared
    ],
    ids=["infinity", "negative zero", "a large float", "infinities written as constants", "a subclass in a field"],
)
def test_what_the_dump_writes_as_model_dump_json_does(model: BaseModel, presealed: bool) -> None:
    vault = Vault([new_key("k1")], "k1")
    with _nonces(9):
        as_text = vault.seal_json(model.model_dump_json())
    with _nonces(9):
        sealed = seal_model(vault, model)
    assert isinstance(sealed, Presealed) is presealed
    assert sealed == as_text
