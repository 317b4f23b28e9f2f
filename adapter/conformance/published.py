"""The checks of what the court publishes: its feed items (signed by a key the centre holds, pages that move on
from a cursor to every item, a cursor read again giving the same items — at least once: an item already read may
come again) and, for a pushing court (partners.md §6), its pushed items and its receipts of our messages, signed
alike. Signatures are checked under the court's keys as configured (domain.md §5; 电子签名法 Art 13–14). A SOAP
court's answers themselves carry WS-Security signatures the connector verifies on every call (connectors/court_soap.py):
an answer wrongly signed fails whichever check asked, as a TransientError naming the signature."""

import json
import re

from adapter.conformance.checks import Run, Target, error_text
from adapter.conformance.push_inbox import Pushed
from adapter.conformance.report import CheckResult, masked_headers
from connectors.port import ConnectorError, Feed, PayloadError, RawInbound
from signing.errors import SignatureInvalid

FIRST_PAGE, SMALL_PAGE, MAX_PAGES, MIN_ITEMS = 20, 3, 12, 4
# Transport headers, left out of the evidence: what is left is the court's signature and credentials, cut short.
_KEY_NAMED = re.compile(r"match (?:app )?key ('[^']*')")  # signing/jws.py, sm2.py, hmac_appkey.py: MISMATCH
_ROUTINE = {"host", "content-type", "content-length", "accept", "accept-encoding", "connection", "user-agent"}


def _verify(target: Target, item: RawInbound) -> str:
    """ "" if the court's signature on `item` holds under the keys the centre was given, else why not."""
    try:
        target.verifier.verify(item.body, item.headers)
    except SignatureInvalid as exc:
        named = _KEY_NAMED.search(exc.detail)
        if exc.reason == SignatureInvalid.MISMATCH and named:  # the verifier's "body does not match key" reads as
            # a tampered body, when what the kit meets is almost always a court signing with another key
            return (
                f"{exc.reason}: signed with a key other than the configured court key {named.group(1)} "
                "(or the body changed)"
            )
        return f"{exc.reason}: {exc.detail}"
    return ""


def _signed(target: Target, items: list[RawInbound], what: str, result: CheckResult) -> int:
    """Pass when there are items and every one verifies; returns how many verify."""
    bad = [(n, why) for n, item in enumerate(items, 1) if (why := _verify(target, item))]
    for n, why in bad[:3]:
        headers = {k: v for k, v in items[n - 1].headers.items() if k.lower() not in _ROUTINE}
        result.saw(f"verify {what} item {n} ({masked_headers(headers)})", f"refused — {why}")
    result.passed = bool(items) and not bad
    result.reason = (
        f"no {what} items to check"
        if not items
        else f"{len(bad)} of {len(items)} {what} items fail the court's signature under the keys we hold"
        if bad
        else f"all {len(items)} {what} items carry a valid court signature"
    )
    return len(items) - len(bad)


def _remember(target: Target, run: Run, items: list[RawInbound]) -> None:
    for item in items:
        try:
            run.dispatched.append(target.connector.decode(item).platform_case_id)
        except ConnectorError:
            continue  # a dispatch we cannot read is no case to test with; feed.signed reports its signature


def feed_signed(target: Target, run: Run, result: CheckResult) -> None:
    page = target.connector.fetch(Feed.DISPATCHES, "", FIRST_PAGE)
    result.saw(f"fetch dispatches cursor='' limit={FIRST_PAGE}", f"{len(page.items)} items, next {page.next_cursor}")
    _remember(target, run, list(page.items))
    run.published = list(page.items)
    run.verified = _signed(target, list(page.items), "dispatch", result)


def decoded(target: Target, run: Run, result: CheckResult) -> None:
    """Every item read by feed.signed or push.signed decodes to a canonical message under the court's documented
    field maps and code tables (mappings/); one that does not is what the adapter would quarantine (PayloadError).
    Skipped when the signature check found no item it could verify: the adapter would decode none of them."""
    if not run.verified:
        source = "push.signed" if target.mode == "push" else "feed.signed"
        result.skip(f"not run: {source} found no item it could verify under the configured court key(s)")
        return
    bad: list[tuple[int, PayloadError]] = []
    for n, item in enumerate(run.published, 1):
        try:
            target.connector.decode(item)
        except PayloadError as exc:
            bad.append((n, exc))
    for n, refusal in bad[:3]:
        result.saw(f"decode item {n}: {run.published[n - 1].body.decode('utf-8', 'replace')}", error_text(refusal))
    result.passed = bool(run.published) and not bad
    count = len(run.published)
    result.reason = (
        "no items were read to decode"
        if not count
        else f"{len(bad)} of {count} items would be quarantined: not in the documented fields and codes"
        if bad
        else f"all {count} items decode under the documented fields and codes"
    )


def feed_paging(target: Target, run: Run, result: CheckResult) -> None:
    whole = target.connector.fetch(Feed.DISPATCHES, "", FIRST_PAGE)
    expected = {item.body for item in whole.items}
    result.saw(f"fetch dispatches cursor='' limit={FIRST_PAGE}", f"{len(whole.items)} items")
    if len(expected) < MIN_ITEMS:
        result.reason = f"the dispatches feed holds {len(expected)} items; have the court publish {MIN_ITEMS}+"
        return
    seen: set[bytes] = set()
    cursor = ""
    for _ in range(MAX_PAGES):
        page = target.connector.fetch(Feed.DISPATCHES, cursor, SMALL_PAGE)
        new = [item.body for item in page.items if item.body not in seen]
        result.saw(
            f"fetch dispatches cursor={cursor!r} limit={SMALL_PAGE}",
            f"{len(page.items)} items ({len(new)} new), next {page.next_cursor!r}",
        )
        if new and page.next_cursor == cursor:
            result.reason = f"the cursor stayed at {cursor!r} past {len(new)} new items: a reader would loop"
            return
        seen.update(new)
        if not new or expected <= seen:
            break
        cursor = page.next_cursor
    missing = len(expected - seen)
    result.passed = missing == 0
    result.reason = (
        f"pages of {SMALL_PAGE} walked from the start reach every item of one read of {FIRST_PAGE}"
        if result.passed
        else f"pages of {SMALL_PAGE} stop short: {missing} of the first {len(expected)} items never come"
    )


def feed_reread(target: Target, run: Run, result: CheckResult) -> None:
    first = target.connector.fetch(Feed.DISPATCHES, "", SMALL_PAGE)
    before = {item.body for item in first.items}
    reads = [target.connector.fetch(Feed.DISPATCHES, first.next_cursor, SMALL_PAGE) for _ in range(2)]
    # at least once: an item before the cursor may come again, and is no difference
    after = [[item.body for item in page.items if item.body not in before] for page in reads]
    for bodies in after:
        result.saw(f"fetch dispatches cursor={first.next_cursor!r} limit={SMALL_PAGE}", f"{len(bodies)} items after it")
    result.passed = bool(after[0]) and after[0] == after[1] and reads[0].next_cursor == reads[1].next_cursor
    if result.passed:
        result.reason = "a cursor read twice gives the same items and the same next cursor"
    elif not after[0] and reads[0].items:
        result.reason = f"cursor {first.next_cursor!r} gives back only items from before it: it is not honoured"
    elif not after[0]:
        result.reason = "nothing after the first page to re-read: have the court publish more"
    else:
        result.reason = "the same cursor read twice gave different items or next cursors"


def push_signed(target: Target, run: Run, result: CheckResult) -> None:
    assert target.inbox is not None
    arrived = target.inbox.wait_for(lambda items: any(i.feed == "dispatches" for i in items), target.push_wait)
    items = [RawInbound(p.body, p.headers) for p in target.inbox.items() if p.feed != "receipts"]
    result.saw(f"wait ≤{target.push_wait:g} s for pushes at {target.inbox.url}", f"{len(items)} items pushed")
    _remember(target, run, [RawInbound(p.body, p.headers) for p in target.inbox.items("dispatches")])
    if not arrived:
        result.reason = f"no dispatch was pushed within {target.push_wait:g} s"
        return
    run.published = items
    run.verified = _signed(target, items, "pushed", result)


def push_receipt(target: Target, run: Run, result: CheckResult) -> None:
    assert target.inbox is not None
    if run.sent is None:
        result.reason = "no message was accepted whose receipt to wait for"
        return
    message_id = run.sent.message_id

    def ours(items: list[Pushed]) -> list[Pushed]:
        return [i for i in items if i.feed == "receipts" and _names(i.body) == message_id]

    if not target.inbox.wait_for(lambda items: bool(ours(items)), target.push_wait):
        result.reason = f"no receipt of {message_id} was pushed within {target.push_wait:g} s"
        return
    receipt = ours(target.inbox.items())[0]
    result.saw(f"receipt of {message_id} pushed", receipt.body.decode("utf-8", "replace"))
    _signed(target, [RawInbound(receipt.body, receipt.headers)], "receipt", result)


def _names(body: bytes) -> str:
    """The message id a pushed receipt is about (partners.md §6: {"receipt_id", "message_id", "result"})."""
    try:
        doc = json.loads(body)
    except ValueError:
        return ""
    return str(doc.get("message_id", "")) if isinstance(doc, dict) else ""
