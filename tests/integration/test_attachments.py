"""The agreement document is kept once, by digest, and attached to its messages when they are sent
(adapter/outbox/attachments.py)."""

import base64
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from adapter.outbox.attachments import attach, stored_form
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.sealed_types import attach_vault
from adapter.persistence.tables import DocumentRow
from adapter.persistence.vault import Vault, VaultError, new_key
from schemas.envelope import AgreementBody, Envelope
from tests.support import samples

DOCUMENT_B64 = base64.b64encode(samples.DOCUMENT).decode("ascii")


def _agreement() -> Envelope:
    return samples.outbound(AgreementBody(agreement=samples.agreement(), document_b64=DOCUMENT_B64))


def _store(uow: UnitOfWork) -> None:
    with uow.begin() as session:
        digest = samples.agreement().document_sha256
        session.add(DocumentRow(sha256=digest, name="a.pdf", content=samples.DOCUMENT, stored_at=datetime.now(UTC)))


def test_a_stored_agreement_message_names_its_document_and_is_whole_again_when_sent(uow: UnitOfWork) -> None:
    """The row holds no bytes of the document; attached, it is the very envelope that was queued."""
    envelope = _agreement()
    stored = stored_form(envelope)
    assert "document_b64" not in stored and envelope.body.agreement.document_sha256 in stored  # type: ignore[union-attr]
    _store(uow)
    with uow.begin() as session:
        sent = attach(session, "agreement", stored, None)
    assert Envelope.model_validate_json(sent) == envelope


def test_rows_without_a_document_to_attach_are_sent_as_stored(uow: UnitOfWork) -> None:
    """Other messages, rows written before (the document inside) and text that is no envelope pass unchanged."""
    progress = stored_form(samples.accepted("c1"))
    embedded = _agreement().model_dump_json()
    with uow.begin() as session:
        assert attach(session, "progress", progress, None) == progress
        assert attach(session, "agreement", embedded, None) == embedded
        assert attach(session, "agreement", '{"not": "an envelope"}', None) == '{"not": "an envelope"}'


def test_a_document_sealed_under_a_missing_key_is_unreadable_not_sent_without_it(uow: UnitOfWork) -> None:
    """The claim sets such a row aside (VaultError), as it does an envelope sealed under a missing key."""
    attach_vault(uow.engine, Vault([new_key("k1")], "k1"))
    _store(uow)
    with uow.begin() as session:
        assert session.exec(select(DocumentRow)).one().content == samples.DOCUMENT
    attach_vault(uow.engine, Vault([new_key("k2")], "k2"))
    with uow.begin() as session, pytest.raises(VaultError):
        attach(session, "agreement", stored_form(_agreement()), Vault([new_key("k2")], "k2"))
