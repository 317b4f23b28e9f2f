"""A model sealed from the model (adapter/persistence/presealed.py) is the text sealing its JSON gives: byte for
byte with the same nonces, over varied dispatches; it opens to the model's JSON; its column stores it only for the
vault that sealed it; and a model whose JSON is more than its fields is sealed as text."""

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, NamedTuple

import pytest
from pydantic import BaseModel, ConfigDict, field_serializer

from adapter.persistence import vault as vault_module
from adapter.persistence.presealed import Presealed, seal_model
from adapter.persistence.sealed_types import SealedJson
from adapter.persistence.vault import Vault, VaultError, new_key
from schemas.case import Attachment, CaseDispatch, Party
from schemas.enums import Flow, IdType, PartyKind, PartyRole
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
    ],
    ids=[
        "dict field",
        "serializer of its own",
        "nested",
        "dataclass in Any",
        "set of models",
        "dataclass in a list",
        "named tuple",
    ],
)
def test_a_model_whose_json_is_more_than_its_fields_is_sealed_as_text(model: BaseModel) -> None:
    vault = Vault([new_key("k1")], "k1")
    with _nonces(7):
        as_text = vault.seal_json(model.model_dump_json())
    with _nonces(7):
        sealed = seal_model(vault, model)
    assert not isinstance(sealed, Presealed) and sealed == as_text  # sealed wherever sealing the JSON seals
