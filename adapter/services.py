"""The centre's use cases: each loads a case, advances it, and queues the court's message in one transaction.

The services take the case store (adapter/cases/store.py: the SQL one in production, wired by scheduler/; the
in-memory fake in unit tests) and a clock (time is always injected); each use case returns the case's new status.
"""

import base64
import hashlib
from collections.abc import Callable, Collection
from datetime import date, datetime, timedelta
from typing import Protocol

from adapter.cases.store import Case, CaseStore, CaseTransaction
from adapter.deadlines import DeadlineKind, Deadlines, china_date
from adapter.errors import InvalidRequest
from adapter.seal import DocumentSeal
from adapter.seal.agreement import seal_agreement
from adapter.states import CaseStatus, Event, advance
from reference.case_intake import read_case_number
from reference.causes import causes
from reference.errors import UnknownCode
from schemas.agreement import MediationAgreement
from schemas.case import CaseDispatch
from schemas.clock import Clock, china_text, from_db, to_utc
from schemas.enums import DeclineReason, Flow, OutcomeCode, ProgressKind
from schemas.envelope import AgreementBody, ClosureBody, JcApplicationBody, OutcomeBody, ProgressBody
from schemas.jc import JcApplication
from schemas.outcome import FailureReport, MediationOutcome
from schemas.progress import ProgressUpdate

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024  # base64 makes it ~6.7 MB on the wire, under platforms' 10 MB body limits


PDF_MAGIC = b"%PDF-"  # every PDF file begins so (ISO 32000-2 §7.5.2)
_Check = Callable[[CaseTransaction, Case, datetime], None]  # a use case's own rule, in its transaction


class MediatorRoster(Protocol):
    """The centre's roster of mediators, as assignment needs it (adapter/partners/roster_checks.py)."""

    def check_assignable(self, mediator: str, on_day: date) -> None:
        """None if `mediator` may be assigned a case on `on_day` (China date) — also when the roster holds no record
        of them; InvalidRequest(field="mediator", rule=…) naming the rule when their record says they may not (an
        expired or removed mediator cannot be assigned to a case, partners.md §4)."""
        ...


class CentreServices:
    def __init__(
        self,
        store: CaseStore,
        clock: Clock,
        actor: str = "centre",
        platforms: Collection[str] | None = None,
        deadlines: Deadlines | None = None,
        roster: MediatorRoster | None = None,
        seal: DocumentSeal | None = None,
    ) -> None:
        self.store, self.clock, self.actor = store, clock, actor
        self.seal = seal  # None: `[seal]` off, the parties' signed PDF travels as it is (adapter/seal/)
        self.roster = roster  # None: assignments are not checked against the roster (no roster partner configured)
        # The configured engine (holiday file, per-court periods); the statutory one only where none is configured.
        self.deadlines = deadlines or Deadlines()
        self.platforms = None if platforms is None else frozenset(platforms)  # None: not checked (tests, tools)

    # ---- intake

    def register_self_received(self, dispatch: CaseDispatch) -> str:
        """Flow C: a party applied to the centre directly; no court knows the case until a JC application.
        Returns our case id. Raises InvalidRequest (flow, cause), DuplicateCase when a flow-C case already holds
        `dispatch.platform_case_id` (the centre's own case id)."""
        if dispatch.flow is not Flow.SELF_RECEIVED:
            raise InvalidRequest(
                f"only a self-received case (flow self_received, flow C) is registered at the centre, not "
                f"{dispatch.flow.value}: a court's case arrives from its court",
                field="flow",
                rule="self_received",
            )
        try:  # the centre's own intake is held to the same 2020 catalogue as a court's dispatch
            causes().check("centre", dispatch.cause, "cause")
        except UnknownCode:
            raise InvalidRequest(
                f"case cause {dispatch.cause!r} is not in the 2020 catalogue's causes this centre handles "
                f"(reference/causes.toml, version {causes().version})",
                field="cause",
                rule="catalogue",
            ) from None
        # The use case is the centre's intake boundary: its 案号 is read here whatever reading the caller's record
        # carries, so no caller (CLI, API, a tool) can plant a court code or hide a flag (a malformed 案号 is a
        # pydantic ValidationError naming `case_number`, as for a court's dispatch).
        dispatch = read_case_number(dispatch)
        now = self.clock()
        with self.store.begin() as cases:
            # The centre's own case id names one case: a second registration (a lost answer retried under a new
            # Idempotency-Key), or a concurrent one, is refused naming the first by the store's create
            # (DuplicateCase) — one statement, no look-up before it.
            case = cases.create(dispatch, platform=None, at=now)
            flags = dispatch.flags  # held to the same flags as a court's dispatch
            detail = "self-received" + ("; flagged: " + "; ".join(flags) if flags else "")
            cases.transition(case, Event.REGISTER, actor=self.actor, at=now, detail=detail)
            return case.id

    # ---- step 1–5: acceptance, mediator, sessions, extension, suspension

    def accept(self, case_id: str, note: str = "") -> CaseStatus:
        return self._progress(case_id, Event.ACCEPT, ProgressKind.ACCEPTED, note=note)

    def decline(self, case_id: str, reason: DeclineReason, note: str = "") -> CaseStatus:
        return self._progress(case_id, Event.DECLINE, ProgressKind.DECLINED, note=note, decline_reason=reason)

    def assign_mediator(self, case_id: str, mediator: str) -> CaseStatus:
        """Assign (or replace) the case's mediator. InvalidRequest(field="mediator") when the roster holds a record
        of `mediator` that is not assignable today (expired, removed, retired, suspended — partners.md §4)."""
        if self.roster is not None:
            # The name is checked as the update will check it before the roster is asked: a control character
            # (NUL) must be refused naming the field, not reach a PostgreSQL query.
            ProgressUpdate.model_validate(
                {"kind": ProgressKind.MEDIATOR_ASSIGNED, "at": self.clock(), "mediator": mediator}
            )
            self.roster.check_assignable(mediator, china_date(self.clock()))
        return self._progress(case_id, Event.ASSIGN_MEDIATOR, ProgressKind.MEDIATOR_ASSIGNED, mediator=mediator)

    def hold_session(self, case_id: str, note: str = "") -> CaseStatus:
        return self._progress(case_id, Event.HOLD_SESSION, ProgressKind.SESSION, note=note)

    def extend(self, case_id: str, new_due: date, note: str = "all parties consented") -> CaseStatus:
        """Extend the mediation period, with the parties' consent, to `new_due` (its new last day, China time).

        InvalidRequest (field `until`) when `new_due` is not after today or not after the period's current last
        day: such a date would extend nothing, yet the court would be told of an extension [S2 Art 24]."""
        today = china_date(self.clock())
        if new_due <= today:
            raise InvalidRequest(
                f"until {new_due} is not after today ({today}, China time): give the new last day of the "
                "mediation period the parties agreed to",
                field="until",
                rule="after_today",
            )

        def later_than_due(cases: CaseTransaction, case: Case, now: datetime) -> None:
            current = self.deadlines.due(case, cases.history(case), DeadlineKind.MEDIATION, now)
            if current is not None and new_due <= current.due.last_day:
                raise InvalidRequest(
                    f"until {new_due} is not after the mediation period's current last day "
                    f"{current.due.last_day} ({current.rule}): an extension must move it later",
                    field="until",
                    rule="after_due",
                )

        return self._progress(
            case_id, Event.EXTEND, ProgressKind.EXTENDED, check=later_than_due, note=note, new_due=new_due
        )

    def suspend(self, case_id: str, note: str) -> CaseStatus:
        return self._progress(case_id, Event.SUSPEND, ProgressKind.SUSPENDED, note=note)

    def resume(self, case_id: str, note: str = "") -> CaseStatus:
        return self._progress(case_id, Event.RESUME, ProgressKind.RESUMED, note=note)

    def _progress(
        self, case_id: str, event: Event, kind: ProgressKind, check: _Check | None = None, **fields: object
    ) -> CaseStatus:
        now = self.clock()
        update = ProgressUpdate.model_validate({"kind": kind, "at": now, **fields})
        with self.store.begin() as cases:
            case = cases.get(case_id)
            if check is not None:
                check(cases, case, now)
            cases.transition(case, event, actor=self.actor, at=now, detail=update.model_dump_json())
            if kind is ProgressKind.MEDIATOR_ASSIGNED:
                case.mediator = update.mediator
            cases.enqueue(case, ProgressBody(progress=update), now)
            return CaseStatus(case.status)

    # ---- step 7–8: failure

    def record_failure(self, case_id: str, code: OutcomeCode, report: FailureReport) -> CaseStatus:
        """End the mediation with outcome 2–8; a court's case goes back to that court at once [S2 Art 21]."""
        if code is OutcomeCode.AGREEMENT_REACHED:
            raise InvalidRequest(
                "outcome 1 (agreement reached) is recorded with submit_agreement", field="code", rule="not_one"
            )
        now = self.clock()
        outcome = MediationOutcome(code=code, at=now, report=report)
        with self.store.begin() as cases:
            case = cases.get(case_id)
            cases.transition(case, Event.TERMINATE, actor=self.actor, at=now, detail=outcome.model_dump_json())
            if case.platform is not None:
                cases.transition(case, Event.RETURN_TO_COURT, actor=self.actor, at=now)
            cases.enqueue(case, OutcomeBody(outcome=outcome), now)
            return CaseStatus(case.status)

    # ---- step 6–7: the agreement

    def submit_agreement(self, case_id: str, agreement: MediationAgreement, document: bytes) -> CaseStatus:
        """Record a signed agreement: drafted, signed party by party, effective at the last party's signature.

        `agreement.document_sha256` must be the SHA-256 of `document`, the parties' signed PDF. With `[seal]` on,
        the centre's e-seal is then appended (adapter/seal/, PAdES incremental update) and the agreement recorded
        and sent names the *sealed* PDF: `document_sha256` becomes the sealed file's digest and
        `organisation_seal_at` the sealing time. Chosen so that the digest a court receives (`wjzy`) is the
        digest of the bytes it receives (`wj`), the check every court and the sandbox already make; the outbox
        attaches the document by that digest, and a JC application re-sends the same sealed bytes. The parties'
        original is kept too, under its own digest, and is recoverable from the sealed file itself: an incremental
        update leaves it as the sealed file's first len(original) bytes, which the seal's signature covers.
        An SM2 seal (a 国密 profile; PDF tools have no SM2) leaves the PDF and its digest as they are and sends a
        detached CMS over it beside it (`seal_cms_b64`; on the court wire `wjqm`, mappings/court_fields.py).
        Raises InvalidRequest (document: max_bytes, pdf, pdf_encrypted; agreement.document_sha256: digest;
        agreement.signatures; seal.certificate_chain: certificate_expired) — before anything is written."""
        if len(document) > MAX_DOCUMENT_BYTES:
            raise InvalidRequest(
                f"the agreement document has {len(document)} bytes; the limit is {MAX_DOCUMENT_BYTES}",
                field="document",
                rule="max_bytes",
            )
        if not document.startswith(PDF_MAGIC):
            # the court files the agreement as the signed PDF; anything else would reach it unreadable
            raise InvalidRequest(
                f"the agreement document is not a PDF (it does not begin with %PDF-; {len(document)} bytes): "
                "send the signed agreement PDF itself",
                field="document",
                rule="pdf",
            )
        digest = hashlib.sha256(document).hexdigest()
        if digest != agreement.document_sha256:
            raise InvalidRequest(
                f"the document's SHA-256 is {digest}, but the agreement names {agreement.document_sha256}",
                field="agreement.document_sha256",
                rule="digest",
            )
        party_signatures = sorted((s for s in agreement.signatures if s.role.is_party), key=lambda s: s.signed_at)
        if not party_signatures:
            raise InvalidRequest(
                "an agreement takes effect only when the parties sign it; no party signature given",
                field="agreement.signatures",
                rule="party_signature",
            )
        now = self.clock()
        with self.store.begin() as cases:
            case = cases.get(case_id)
            advance(CaseStatus(case.status), Event.DRAFT_AGREEMENT)  # IllegalTransition before paying for a seal
            _check_signature_times(agreement, received=from_db(case.created_at), now=now)
            # Sealed only now, every check passed: a refused request neither waits for the seal nor writes anything.
            sealed = seal_agreement(self.seal, agreement, document, now)
            recorded = sealed.recorded
            first_signature = party_signatures[0].signed_at
            # drafted no later than the first signature on it, so the history reads in order; the detail keeps the
            # parties' original digest beside the sealed one the agreement now names
            cases.transition(
                case, Event.DRAFT_AGREEMENT, actor=self.actor, at=min(now, first_signature), detail=sealed.note
            )
            for index, signature in enumerate(party_signatures):
                last = index == len(party_signatures) - 1
                cases.transition(
                    case,
                    Event.LAST_PARTY_SIGNS if last else Event.PARTY_SIGNS,
                    actor=f"party:{signature.signer}",
                    at=signature.signed_at,
                    detail=signature.role,
                )
            case.agreement_json = recorded.model_dump_json()
            case.agreement_effective_at = to_utc(agreement.effective_at)
            case.updated_at = to_utc(now)  # the signature events above carry their own, earlier times
            cases.keep_document(sha256=digest, name=agreement.document_name, content=document, at=now)
            if recorded.document_sha256 != digest:  # the sealed PDF, stored by its own digest
                cases.keep_document(
                    sha256=recorded.document_sha256, name=recorded.document_name, content=sealed.document, at=now
                )
            cms = _b64(sealed.cms) if sealed.cms else None
            cases.enqueue(
                case, AgreementBody(agreement=recorded, document_b64=_b64(sealed.document), seal_cms_b64=cms), now
            )
            return CaseStatus(case.status)

    # ---- step 9–10: after the agreement

    def apply_jc(self, case_id: str, applicant: str, consenting_party: str, platform: str | None = None) -> CaseStatus:
        """Joint JC application within the window of `[deadlines]` (30 days of effect by default [S3 Art 205], a
        court's `jc_application_days` where set), decided by the same engine as the sweep; flow C names the court
        platform here. Raises InvalidRequest naming the window's last day once it has closed.

        With `[seal]` on, an agreement recorded before the seal was enabled is sealed here, once: the court then
        holds the parties' digest X (`wjzy` of the earlier agreement message) and the sealed digest Y (this JC
        message's); the case's agreement names Y from now on and the APPLY_JC history entry says
        "sealed: original X → sealed Y at <time>"."""
        now = self.clock()
        with self.store.begin() as cases:
            case = cases.get(case_id)
            if case.agreement_json is None or case.agreement_effective_at is None:
                raise InvalidRequest(
                    f"case {case_id} has no effective agreement to confirm", rule="agreement_effective"
                )
            effective = from_db(case.agreement_effective_at)
            dispatch = CaseDispatch.model_validate_json(case.dispatch_json)
            if dispatch.flow is Flow.ENTRUSTED:
                raise InvalidRequest(
                    f"case {case_id} is a post-filing (委托) case: the court ends it with a 调解书 or a withdrawal, "
                    "not judicial confirmation [S1 Art 20]",
                    rule="jc_flow",
                )
            events = cases.history(case)
            # The window as `docking deadlines` and the sweep see it: the holiday file, the court's own period.
            window = self.deadlines.due(case, events, DeadlineKind.JC_APPLICATION, now)
            if window is None:  # fail closed: an agreement from before the mediation restarted opens no window
                raise InvalidRequest(
                    f"case {case_id}: the agreement effective {effective:%Y-%m-%d} belongs to an earlier round of "
                    "mediation; submit the new agreement before applying for judicial confirmation",
                    rule="agreement_current",
                )
            if now >= window.due.closes_at:
                guessed = "; estimated: no holiday data for that year" if window.estimated else ""
                raise InvalidRequest(
                    f"the JC window closed at the end of {window.due.last_day} ({window.rule}, from "
                    f"{china_date(window.starts_at):%Y-%m-%d}{guessed}); the parties may sue on the agreement instead",
                    rule="jc_window",
                )
            names = {p.name for p in dispatch.parties}
            if applicant == consenting_party or not {applicant, consenting_party} <= names:
                raise InvalidRequest(
                    f"a JC application is joint: applicant and consenting party must be two different parties of "
                    f"case {case_id} ({', '.join(sorted(names))}) [S3 Art 205]",
                    field="consenting_party" if applicant in names else "applicant",
                    rule="two_parties_of_case",
                )
            if case.platform is None:
                if not platform:
                    raise InvalidRequest(
                        f"case {case_id} came to the centre directly: name the court platform",
                        field="platform",
                        rule="required",
                    )
                if self.platforms is not None and platform not in self.platforms:
                    known = ", ".join(sorted(self.platforms)) or "none"
                    raise InvalidRequest(
                        f"platform {platform!r} is not configured (configured: {known})",
                        field="platform",
                        rule="configured",
                    )
                case.platform = platform
            agreement = MediationAgreement.model_validate_json(case.agreement_json)
            document = cases.document(agreement.document_sha256)
            if document is None:
                raise InvalidRequest(
                    f"the agreement document {agreement.document_sha256} is not stored", rule="document_stored"
                )
            advance(CaseStatus(case.status), Event.APPLY_JC)  # IllegalTransition before paying for a seal
            # An agreement recorded before `[seal]` was turned on is sealed now, once (see the docstring); an SM2
            # seal's CMS is signed afresh over the same PDF, which the agreement already names.
            sealed = seal_agreement(self.seal, agreement, document, now)
            detail = f"applicant {applicant}"
            if sealed.recorded.document_sha256 != agreement.document_sha256:
                agreement = sealed.recorded
                cases.keep_document(
                    sha256=agreement.document_sha256, name=agreement.document_name, content=sealed.document, at=now
                )
                case.agreement_json = agreement.model_dump_json()
                detail += f"; {sealed.note}"
            document, cms = sealed.document, sealed.cms
            application = JcApplication(
                applicant=applicant,
                consenting_party=consenting_party,
                applied_at=now,
                agreement_effective_at=effective,
                mediation_proof=f"mediated by the centre, case {case.id}",
                case=dispatch if dispatch.flow is Flow.SELF_RECEIVED else None,
            )
            cases.transition(case, Event.APPLY_JC, actor=self.actor, at=now, detail=detail)
            cases.enqueue(
                case,
                JcApplicationBody(
                    application=application,
                    agreement=agreement,
                    document_b64=_b64(document),
                    seal_cms_b64=_b64(cms) if cms else None,
                ),
                now,
            )
            return CaseStatus(case.status)

    def close_performed(self, case_id: str, note: str = "performed voluntarily") -> CaseStatus:
        now = self.clock()
        with self.store.begin() as cases:
            case = cases.get(case_id)
            cases.transition(case, Event.CLOSE_PERFORMED, actor=self.actor, at=now, detail=note)
            cases.enqueue(case, ClosureBody(closed_at=now, note=note), now)
            return CaseStatus(case.status)


CLOCK_SKEW = timedelta(minutes=5)  # signing platforms' clocks drift; more than this is a wrong date, not drift


def _check_signature_times(agreement: MediationAgreement, *, received: datetime, now: datetime) -> None:
    """Every e-signature falls between the case's receipt and now: a wrong date would move the JC window."""
    for signature in agreement.signatures:
        if signature.signed_at > now + CLOCK_SKEW:
            raise InvalidRequest(
                f"the signature of {signature.signer} is dated {china_text(signature.signed_at, seconds=False)}, "
                "in the future",
                field="agreement.signatures",
                rule="signed_at",
            )
        if signature.signed_at < received - CLOCK_SKEW:
            raise InvalidRequest(
                f"the signature of {signature.signer} is dated {china_text(signature.signed_at, seconds=False)}, "
                "before the centre received the case",
                field="agreement.signatures",
                rule="signed_at",
            )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
