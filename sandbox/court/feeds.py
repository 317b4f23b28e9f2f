"""The court's feeds: new cases dispatched, what it publishes kept per case and put on its feeds (signed), pages
read from a cursor (at least once), a feed restarted behind the reader, raw items injected for bad-input tests."""

import hashlib
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sandbox import data
from sandbox.court.auth import Authentication
from sandbox.court.state import CST, FLOWS, CourtCase, CourtRefusal, FeedItem
from sandbox.timeforms import court_time


class Feeds(Authentication):
    """Dispatching and the feeds; what is due on a feed when it is read is the rules' to say (`_before_read`)."""

    def _before_read(self, feed: str) -> None:
        """Called under the lock before a page of `feed` is read."""

    def _publish(self, feed: str, doc: dict[str, Any], *, lost: bool = False) -> None:
        """Issue a message about a case: kept in the case's record, and on the feed unless it is `lost` on its way."""
        body = self.render(doc)
        self._records.setdefault(str(doc["ajbs"]), []).append((body, str(doc["xxbh"])))
        if lost:
            return
        items = self._feeds[feed]
        items.append(FeedItem(len(items) + 1, body, self.sign_item(body, str(doc["xxbh"]))))

    def dispatch(self, count: int, tjlx: str | None = None, *, publish: bool = True, phone: object = None) -> list[str]:
        """Dispatch `count` new cases; `tjlx` fixes the flow (01 委派, 02 委托, 04 party-applied), else a mix.
        `publish=False`: the dispatch feed item is lost on its way, so only reconciliation can find the cases.
        `phone`: the person's contact number (lxdh) exactly as given, to try the forms courts send (95588,
        "+852 5123 4567", "020-87654321转123", a JSON number …); else a random mainland mobile."""
        if tjlx is not None and tjlx not in FLOWS:
            raise CourtRefusal(400, "E400", f"flow {tjlx!r} is not one a court dispatches ({sorted(FLOWS)})")
        with self._lock:
            return [self._dispatch_one(tjlx, publish, phone) for _ in range(count)]

    def _dispatch_one(self, fixed_flow: str | None, publish: bool = True, phone: object = None) -> str:
        rng = self._rng
        tjlx = fixed_flow or rng.choices(["01", "02", "04"], weights=[45, 40, 15])[0]
        court_code, court_name = rng.choice(data.COURTS[:-1])
        self._serial += 1
        ajbs = f"{court_code[1:]}-{uuid.UUID(int=rng.getrandbits(128)).hex[:16]}"
        cause = data.weighted_cause(rng)
        bank = rng.choice(data.INSTITUTIONS)
        person = data.person_name(rng)
        plaintiff_first = tjlx == "02"
        now = court_time(datetime.now(CST).replace(microsecond=0), self.config.timestamp_format)
        ajxx = {
            "ah": f"（2026）{court_code}{FLOWS[tjlx]}{self._serial}号",
            "fydm": court_code,
            "fymc": court_name,
            "tjlx": tjlx,
            "cxlx": rng.choice(["1", "2"]) if tjlx == "02" else "1",
            "ay": cause,
            "ssqq": f"请求判令被告偿还欠款本息（{cause}）",
            "bdje": data.amount(rng, cause),
            "dsr": [
                {
                    "xm": bank,
                    "ssdw": "03" if plaintiff_first else "01",
                    "dsrlx": "2",
                    "zjlx": "02",
                    "zjhm": data.social_credit_code(bank),
                    "lxdh": "020" + f"{rng.randrange(2 * 10**7, 10**8)}",  # local numbers start 2–9
                    "sddz": "广州市天河区珠江新城",
                },
                {
                    "xm": person,
                    "ssdw": "04" if plaintiff_first else "02",
                    "dsrlx": "1",
                    "zjlx": "01",
                    "zjhm": data.resident_id(rng),
                    "lxdh": data.mobile(rng) if phone is None else phone,
                    "sddz": "广州市越秀区中山五路",
                },
            ],
            "fj": [{"wjmc": "起诉状.pdf", "sha256": hashlib.sha256(ajbs.encode()).hexdigest(), "dx": 48213}],
            "tjzz": "广东银行业保险业纠纷调解中心",
            "tjy": None,
            "pqsj": now,
        }
        self.cases[ajbs] = CourtCase(ajbs, tjlx)
        self._dispatched[ajbs] = tjlx
        self._publish(
            "dispatches",
            {"xxbh": f"PQ-{ajbs}", "xxlx": "PQ", "fssj": now, "ajbs": ajbs, "ajxx": ajxx},
            lost=not publish,
        )
        return ajbs

    def feed(self, name: str, cursor: int, limit: int) -> dict[str, Any]:
        with self._lock:
            if name not in self._feeds:
                raise CourtRefusal(404, "E404", f"no feed {name!r}")
            self._before_read(name)
            items = self._feeds[name]
            if "broken-cursor" in self.config.misconfigured:
                cursor = 0  # misconfigured on purpose: the cursor asked for is ignored (sandbox/court/misconfig.py)
            if cursor > len(items) and self._past_end == "position":
                return {"items": [], "next_cursor": len(items)}  # a restarted feed says where it really is
            page = items[cursor : cursor + max(1, min(limit, 500))]
            if cursor > 0 and self._rng.random() < self.config.redeliver_rate:
                page = [items[cursor - 1], *page]  # at least once: the last item read comes again
            next_cursor = page[-1].seq if page else cursor
            return {"items": [item.__dict__ for item in page], "next_cursor": max(next_cursor, cursor)}

    def reset_feed(self, answer: str = "position") -> None:
        """The court's feeds restart empty (a migration, a restore from backup): what it publishes from now on is
        numbered from 1 again, behind every client's cursor. Asked from a cursor past its new end it answers with
        its own position (`answer="position"`, a cursor going backwards) or hands the cursor back with nothing
        after it (`"echo"`: a restart the client cannot see in the feed). Its cases are kept."""
        if answer not in ("position", "echo"):
            raise CourtRefusal(400, "E400", f"answer {answer!r} is not position or echo")
        with self._lock:
            for items in self._feeds.values():
                items.clear()
            self._past_end = answer

    def inject(self, feed: str, body: str, headers: Mapping[str, str] | None = None) -> None:
        """Publish an item on a feed as it is, e.g. unsigned or malformed, for bad-input tests; a `body` that is a
        sandbox.wire.RawText goes out byte for byte (e.g. not UTF-8), one with a lone surrogate as its \\u escape."""
        with self._lock:
            items = self._feeds[feed]
            items.append(FeedItem(len(items) + 1, body, dict(headers or {})))
