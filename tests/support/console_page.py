"""The console in a real headless browser, for the console's browser tests: Playwright driving Debian's Chromium
(/usr/bin/chromium, never a downloaded one) against an app already served on loopback (tests/support/api.py served,
complaint_api, partner_api); a tab logged in with an API key whose console errors are collected; and the check
every rendered page passes — no full ID or mobile number anywhere in its HTML."""

import base64
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from adapter.config.settings import DataKeySettings, EncryptionSettings
from adapter.persistence.vault import new_key

CHROMIUM = "/usr/bin/chromium"
FULL_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
FULL_MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
DESKTOP = {"width": 1360, "height": 900}


def sealed() -> EncryptionSettings:
    """A fresh AES-256-GCM data key for a module's served database (the pages open sealed facts and parties)."""
    key = base64.b64encode(new_key("it", "aes-256-gcm").key).decode()
    return EncryptionSettings(active="it", keys={"it": DataKeySettings(algorithm="aes-256-gcm", key=key)})


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        try:
            yield browser
        finally:
            browser.close()


def new_context(browser: Browser, base: str) -> BrowserContext:
    """A fresh browser profile (no cookie) on `base`, a desktop window, 10 s per wait."""
    context = browser.new_context(base_url=base, viewport=DESKTOP)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    return context


def watch(page: Page, errors: list[str]) -> Page:
    """Console errors and uncaught page errors of `page` go to `errors`."""
    page.on("console", lambda m: m.type == "error" and errors.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    return page


def log_in(page: Page, key: str) -> None:
    page.goto("/console/login")
    page.fill("#key", key)
    page.click("button[type=submit]")


@contextmanager
def console_tab(base: str, key: str) -> Iterator[Page]:
    """A tab logged in with `key` (an ops or admin client's) on the console at `base`, landed on its first page;
    its errors in `tab.errors` (a list of text)."""
    with chromium() as browser:
        context = new_context(browser, base)
        tab = context.new_page()
        tab.errors = []  # type: ignore[attr-defined]
        watch(tab, tab.errors)  # type: ignore[attr-defined]
        log_in(tab, key)
        assert tab.url.endswith("/console/"), tab.url
        try:
            yield tab
        finally:
            context.close()


def masked_html(page: Page, shots: Path, name: str, planted: Iterable[str]) -> str:
    """The page's HTML after a full-page screenshot to shots/<name>.png; AssertionError when a planted number or any
    full ID- or mobile-shaped number is in it."""
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    html: str = page.content()
    assert not [p for p in planted if p in html], name
    assert not FULL_ID.search(html) and not FULL_MOBILE.search(html), (name, FULL_ID.search(html),
                                                                       FULL_MOBILE.search(html))  # fmt: skip
    return html
